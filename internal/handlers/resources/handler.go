// Package resources serves the list engine at
// /kapis/resources.superkube.io/v1alpha3: lists and gets of Kubernetes and
// platform objects, filtered, sorted and paged on the server, trimmed to
// what the caller may see, and a stream of changes to keep a page live.
package resources

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/superkube/super-kubenetes/internal/apiserver/apistatus"
	"github.com/superkube/super-kubenetes/internal/apiserver/filters"
	"github.com/superkube/super-kubenetes/internal/apiserver/listquery"
	"github.com/superkube/super-kubenetes/internal/apiserver/request"
	"github.com/superkube/super-kubenetes/internal/apiserver/responsewriters"
	"github.com/superkube/super-kubenetes/internal/apiserver/routes"
	"github.com/superkube/super-kubenetes/internal/apiserver/upstream"
	"github.com/superkube/super-kubenetes/internal/authz"
	"github.com/superkube/super-kubenetes/internal/listengine"
)

// Group is the API group of the list engine.
const Group = "resources.superkube.io"

const prefix = "/kapis/" + Group + "/v1alpha3"

// Authorizer is what the handler needs of the authorizer: decisions and
// the namespaces a caller may see.
type Authorizer interface {
	Authorize(a *authz.Attributes) authz.Decision
	Visible(a authz.Attributes) authz.Visibility
}

// Handler serves the list engine.
type Handler struct {
	Engine     *listengine.Engine
	Authorizer Authorizer
	// Heartbeat is the interval of keep-alive comments on change streams.
	Heartbeat time.Duration
	// Freshness says whether the cached objects of a kind may be stale
	// (upstream.Monitor.Freshness); nil counts them fresh.
	Freshness func(schema.GroupVersionKind) upstream.Freshness
}

// Install adds the endpoints.
func (h *Handler) Install(mux routes.Mux) {
	mux.Handle(prefix, routes.Methods{http.MethodGet: h.discovery})
	mux.Handle(prefix+"/{resource}", routes.Methods{http.MethodGet: h.list})
	mux.Handle(prefix+"/{resource}/{name}", routes.Methods{http.MethodGet: h.get})
	mux.Handle(prefix+"/namespaces/{namespace}/{resource}", routes.Methods{http.MethodGet: h.list})
	mux.Handle(prefix+"/namespaces/{namespace}/{resource}/{name}", routes.Methods{http.MethodGet: h.get})
}

// AuthzRules lets the list engine's reads through: the handler decides for
// every object it returns, with the resource's own group. The discovery
// document (the resources with their sort columns and filters) is open to
// every authenticated user, as the engine is.
func AuthzRules() filters.Rules {
	return filters.Rules{
		{Group: Group, Resource: "*", Delegate: true, Verbs: []string{"get", "list", "watch"}},
		{Group: Group, Discovery: true, Delegate: true},
	}
}

// ResourceInfo describes a resource for clients.
type ResourceInfo struct {
	Name       string   `json:"name"`
	Group      string   `json:"group"`
	Version    string   `json:"version"`
	Kind       string   `json:"kind"`
	Namespaced bool     `json:"namespaced"`
	SortBy     []string `json:"sortBy"`
	Filters    []string `json:"filters"`
}

func (h *Handler) discovery(w http.ResponseWriter, _ *http.Request) {
	var out []ResourceInfo
	for _, k := range h.Engine.Kinds() {
		out = append(out, ResourceInfo{Name: k.Resource, Group: k.GVK.Group, Version: k.GVK.Version, Kind: k.GVK.Kind, Namespaced: k.Namespaced,
			SortBy: append([]string{"createTime", "name"}, k.SortColumns()...), Filters: k.FilterNames()})
	}
	responsewriters.WriteJSON(w, http.StatusOK, map[string]any{"resources": out, "limit": map[string]int{"default": listquery.DefaultLimit, "max": listquery.MaxLimit}})
}

// kind resolves the resource of the request. A custom resource is loaded
// (its informer started and every object of it cached) only for a caller
// who may do verb on it somewhere; others get 403 and load nothing.
func (h *Handler) kind(w http.ResponseWriter, r *http.Request, verb string) (*listengine.Kind, bool) {
	// group tells custom resources of the same plural apart.
	group := r.URL.Query().Get("group")
	q := r.URL.Query()
	q.Del("group")
	r.URL.RawQuery = q.Encode()
	k, custom, err := h.Engine.Describe(r.PathValue("resource"), group)
	if err == nil {
		ns := r.PathValue("namespace")
		if ns != "" && !k.Namespaced {
			responsewriters.WriteStatus(w, apistatus.BadRequest("namespace", k.Resource+" are not namespaced"))
			return nil, false
		}
		if custom && !h.mayReach(r, verb, k, ns, r.PathValue("name")) {
			u, _ := request.UserFrom(r.Context())
			responsewriters.WriteStatus(w, forbidden(u.GetName(), verb, k, ns))
			return nil, false
		}
		k, err = h.Engine.KindFor(r.Context(), r.PathValue("resource"), group)
	}
	if err != nil {
		var missing interface{ NoResource() }
		if errors.As(err, &missing) {
			responsewriters.WriteStatus(w, apierrors.NewNotFound(schema.GroupResource{Group: Group, Resource: r.PathValue("resource")}, ""))
			return nil, false
		}
		responsewriters.WriteStatus(w, apistatus.New(http.StatusServiceUnavailable, "ServiceUnavailable", err.Error()))
		return nil, false
	}
	return k, true
}

// mayReach reports whether the caller may do verb on a kind where the
// request points: the object, the namespace, or, for a namespaced kind
// asked of every namespace, at least one namespace.
func (h *Handler) mayReach(r *http.Request, verb string, k *listengine.Kind, ns, name string) bool {
	u, _ := request.UserFrom(r.Context())
	attrs := authz.Attributes{User: u.GetName(), Groups: u.GetGroups(), ResourceRequest: true, Verb: verb,
		APIGroup: k.GVK.Group, Resource: k.Resource, Namespace: ns, Name: name}
	if k.Namespaced && ns == "" && name == "" {
		v := h.Authorizer.Visible(attrs)
		return v.All || len(v.Namespaces) > 0
	}
	return h.Authorizer.Authorize(&attrs).Allowed
}

func (h *Handler) list(w http.ResponseWriter, r *http.Request) {
	verb := "list"
	if r.URL.Query().Get("watch") == "true" {
		verb = "watch"
	}
	k, ok := h.kind(w, r, verb)
	if !ok {
		return
	}
	u, _ := request.UserFrom(r.Context())
	params, countStatus, err := countBy(r.URL.Query())
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	q, err := listquery.Parse(params, listquery.Spec{SortBy: k.SortColumns(), Filters: k.FilterNames(), FieldSelectors: listengine.FieldSelectors(k)})
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	ns := r.PathValue("namespace")
	attrs := authz.Attributes{User: u.GetName(), Groups: u.GetGroups(), ResourceRequest: true, Verb: verb, APIGroup: k.GVK.Group, Resource: k.Resource}
	eq := &listengine.Query{Query: q, Namespace: ns, CountStatus: countStatus}
	switch {
	case ns != "":
		attrs.Namespace = ns
		if d := h.Authorizer.Authorize(&attrs); !d.Allowed {
			responsewriters.WriteStatus(w, forbidden(u.GetName(), verb, k, ns))
			return
		}
	case k.Resource == "namespaces":
		// Everyone lists the namespaces (projects) they may get.
		attrs.Verb = "get"
		v := h.Authorizer.Visible(attrs)
		if !v.All {
			eq.Names = intersect(q.Names, v.Namespaces)
		}
	case k.Namespaced:
		v := h.Authorizer.Visible(attrs)
		if !v.All {
			eq.Visible, eq.VisibleSet = v.Allows, v.Namespaces
		}
	default:
		if d := h.Authorizer.Authorize(&attrs); !d.Allowed {
			responsewriters.WriteStatus(w, forbidden(u.GetName(), verb, k, ""))
			return
		}
	}
	if verb == "watch" {
		h.stream(w, r, k, eq)
		return
	}
	res, err := h.Engine.List(k.Key(), eq)
	if err != nil {
		// A filter that refused its parameter said which; otherwise it
		// is a field the fieldSelector may not name.
		var st apierrors.APIStatus
		if !errors.As(err, &st) {
			err = apistatus.BadRequest("fieldSelector", err.Error())
		}
		responsewriters.WriteStatus(w, err)
		return
	}
	writeList(w, k, res, h.freshness(w, k))
}

// countBy takes the parameter countBy out of a list's parameters: with
// countBy=status the answer counts the matching objects in each state
// besides the page ("counts"), which is the only count there is.
func countBy(params url.Values) (url.Values, bool, error) {
	v, ok := params["countBy"]
	if !ok {
		return params, false, nil
	}
	if len(v) != 1 || v[0] != "status" {
		return nil, false, apistatus.BadRequest("countBy", "must be status")
	}
	params.Del("countBy")
	return params, true, nil
}

// intersect keeps the asked names that are visible; with no names asked,
// all visible ones.
func intersect(asked map[string]bool, visible map[string]bool) map[string]bool {
	out := map[string]bool{}
	for n := range visible {
		if asked == nil || asked[n] {
			out[n] = true
		}
	}
	return out
}

func (h *Handler) get(w http.ResponseWriter, r *http.Request) {
	k, ok := h.kind(w, r, "get")
	if !ok {
		return
	}
	u, _ := request.UserFrom(r.Context())
	ns, name := r.PathValue("namespace"), r.PathValue("name")
	if k.Namespaced && ns == "" {
		responsewriters.WriteStatus(w, apistatus.BadRequest("namespace", k.Resource+" are namespaced: use "+prefix+"/namespaces/{namespace}/"+k.Resource+"/{name}"))
		return
	}
	d := h.Authorizer.Authorize(&authz.Attributes{User: u.GetName(), Groups: u.GetGroups(), ResourceRequest: true, Verb: "get",
		APIGroup: k.GVK.Group, Resource: k.Resource, Name: name, Namespace: ns})
	if !d.Allowed {
		responsewriters.WriteStatus(w, forbidden(u.GetName(), "get", k, ns))
		return
	}
	obj, derived, ok := h.Engine.Get(k.Key(), ns, name)
	if !ok {
		responsewriters.WriteStatus(w, apierrors.NewNotFound(k.GroupResource(), name))
		return
	}
	data, err := encode(k, obj, derived)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	h.freshness(w, k)
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(data)
}

func forbidden(user, verb string, k *listengine.Kind, ns string) error {
	where := ""
	if ns != "" {
		where = " in namespace " + ns
	}
	return apierrors.NewForbidden(k.GroupResource(), "", fmt.Errorf("user %s may not %s %s%s", user, verb, k.Resource, where))
}

// writeList encodes {"items": [...], "totalItems": N}, each item with its
// apiVersion, kind and derived values, "counts" when the query asked for
// them, and "freshness" when the list may be stale.
func writeList(w http.ResponseWriter, k *listengine.Kind, res *listengine.Result, fresh upstream.Freshness) {
	var buf bytes.Buffer
	buf.WriteString(`{"items":[`)
	for i, o := range res.Items {
		if i > 0 {
			buf.WriteByte(',')
		}
		data, err := encode(k, o, res.Derived[i])
		if err != nil {
			responsewriters.WriteStatus(w, err)
			return
		}
		buf.Write(data)
	}
	fmt.Fprintf(&buf, `],"totalItems":%d`, res.Total)
	if res.Counts != nil {
		data, _ := json.Marshal(res.Counts)
		buf.WriteString(`,"counts":`)
		buf.Write(data)
	}
	if fresh.Stale {
		data, _ := json.Marshal(fresh)
		buf.WriteString(`,"freshness":`)
		buf.Write(data)
	}
	buf.WriteByte('}')
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(buf.Bytes())
}

// encode writes an object with its apiVersion and kind, and its derived
// values as the top-level field "derived", without touching the shared
// cached object.
func encode(k *listengine.Kind, o client.Object, d listengine.Derived) ([]byte, error) {
	data, err := json.Marshal(o)
	if err != nil {
		return nil, err
	}
	if len(data) < 2 || data[0] != '{' {
		return data, nil
	}
	dj, err := json.Marshal(d)
	if err != nil {
		return nil, err
	}
	head := fmt.Sprintf(`{"apiVersion":%q,"kind":%q`, k.GVK.GroupVersion().String(), k.GVK.Kind)
	rest := data[1:]
	if bytes.HasPrefix(rest, []byte(`"kind"`)) || bytes.HasPrefix(rest, []byte(`"apiVersion"`)) {
		head, rest = "{", data[1:]
	}
	out := make([]byte, 0, len(data)+len(head)+len(dj)+13)
	out = append(out, head...)
	if len(rest) > 1 && len(head) > 1 {
		out = append(out, ',')
	}
	out = append(out, rest[:len(rest)-1]...) // without the closing brace
	if len(out) > 1 {
		out = append(out, ',')
	}
	out = append(out, `"derived":`...)
	out = append(out, dj...)
	return append(out, '}'), nil
}

// StaleHeader marks an answer of the list engine that may be stale; its
// value is the time since when (RFC 3339).
const StaleHeader = "X-Superkube-Stale"

// freshness returns how fresh the cached objects of a kind are and, when
// they may be stale, marks the answer with StaleHeader and a Warning that
// Kubernetes clients show.
func (h *Handler) freshness(w http.ResponseWriter, k *listengine.Kind) upstream.Freshness {
	if h.Freshness == nil {
		return upstream.Freshness{}
	}
	f := h.Freshness(k.GVK)
	if !f.Stale {
		return f
	}
	since := ""
	if f.Since != nil {
		since = f.Since.UTC().Format(time.RFC3339)
	}
	w.Header().Set(StaleHeader, since)
	w.Header().Add("Warning", fmt.Sprintf("299 - %q", "the answer may be stale: "+f.Reason))
	return f
}
