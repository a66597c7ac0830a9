// Package notification serves the notification API at
// /kapis/notification.superkube.io/v2beta2: configs (channels),
// receivers, routers and silences at platform level and per user ("my
// notifications"), a test message through a config (verification), the
// delivery log, and the endpoint where Alertmanager posts its
// notifications. Credentials come in requests as `credentials` and are
// kept in a Secret in the system namespace owned by the object; no answer
// ever carries them.
package notification

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/authentication/user"
	"sigs.k8s.io/controller-runtime/pkg/client"

	notificationv2beta2 "github.com/superkube/super-kubenetes/api/notification/v2beta2"
	"github.com/superkube/super-kubenetes/internal/apiserver/apistatus"
	"github.com/superkube/super-kubenetes/internal/apiserver/filters"
	"github.com/superkube/super-kubenetes/internal/apiserver/listquery"
	"github.com/superkube/super-kubenetes/internal/apiserver/request"
	"github.com/superkube/super-kubenetes/internal/apiserver/responsewriters"
	"github.com/superkube/super-kubenetes/internal/apiserver/routes"
	"github.com/superkube/super-kubenetes/internal/authz"
	"github.com/superkube/super-kubenetes/internal/notification/records"
	"github.com/superkube/super-kubenetes/internal/notification/sender"
)

// Group is the API group.
const Group = notificationv2beta2.GroupName

// Prefix is the API's path.
const Prefix = "/kapis/" + Group + "/v2beta2"

// WebhookPath is where Alertmanager posts its notifications.
const WebhookPath = Prefix + "/alertmanager/webhook"

// Resources of the API.
var Resources = []string{"configs", "receivers", "routers", "silences"}

// Authorizer decides requests.
type Authorizer interface {
	Authorize(a *authz.Attributes) authz.Decision
}

// Handler serves the notification API.
type Handler struct {
	// Reader reads the objects (from the cache); Client writes them and
	// the Secrets of their credentials (in SecretNamespace).
	Reader          client.Reader
	Client          client.Client
	SecretNamespace string
	Authorizer      Authorizer
	Sender          *sender.Sender
	Records         records.Store
}

// Install adds the endpoints.
func (h *Handler) Install(mux routes.Mux) {
	for _, res := range Resources {
		k := kinds[res]
		mux.Handle(Prefix+"/"+res, routes.Methods{http.MethodGet: h.list(k), http.MethodPost: h.create(k)})
		mux.Handle(Prefix+"/"+res+"/{name}", routes.Methods{http.MethodGet: h.get(k), http.MethodPut: h.update(k), http.MethodDelete: h.remove(k)})
		mux.Handle(Prefix+"/users/{user}/"+res, routes.Methods{http.MethodGet: h.list(k), http.MethodPost: h.create(k)})
		mux.Handle(Prefix+"/users/{user}/"+res+"/{name}", routes.Methods{http.MethodGet: h.get(k), http.MethodPut: h.update(k), http.MethodDelete: h.remove(k)})
	}
	mux.Handle(Prefix+"/configs/{name}/verification", routes.Methods{http.MethodPost: h.verify})
	mux.Handle(Prefix+"/users/{user}/configs/{name}/verification", routes.Methods{http.MethodPost: h.verify})
	mux.Handle(Prefix+"/deliveries", routes.Methods{http.MethodGet: h.deliveries})
	mux.Handle(Prefix+"/users/{user}/deliveries", routes.Methods{http.MethodGet: h.deliveries})
}

// AuthzRules let every authenticated user through to the handler, which
// authorizes each request: platform-level objects need the verb on the
// resource (configs, receivers, routers, silences, deliveries) of
// notification.superkube.io at platform level; a user's own objects need
// to be that user, or the same right at platform level.
func AuthzRules() filters.Rules {
	return filters.Rules{
		{Group: Group, Resource: "*", Delegate: true},
		{Group: Group, Discovery: true, Delegate: true},
	}
}

// scope is where a request acts: a user's objects, or the platform's.
type scope struct {
	caller user.Info
	// owner is the user whose objects these are, empty at platform level.
	owner string
}

// authorize checks the caller may do verb on resource in the request's
// scope.
func (h *Handler) authorize(r *http.Request, verb, resource, name string) (scope, error) {
	return h.authorizeSub(r, verb, resource, "", name)
}

// authorizeSub is authorize for a subresource (configs/verification).
func (h *Handler) authorizeSub(r *http.Request, verb, resource, sub, name string) (scope, error) {
	u, ok := request.UserFrom(r.Context())
	if !ok || u.GetName() == user.Anonymous {
		return scope{}, apistatus.Unauthorized("the request needs a token")
	}
	sc := scope{caller: u, owner: r.PathValue("user")}
	if sc.owner != "" && sc.owner == u.GetName() {
		return sc, nil
	}
	a := &authz.Attributes{User: u.GetName(), Groups: u.GetGroups(), ResourceRequest: true, Verb: verb, APIGroup: Group, Resource: resource, Subresource: sub, Name: name}
	if h.Authorizer.Authorize(a).Allowed {
		return sc, nil
	}
	what := verb + " " + resource
	if sub != "" {
		what += "/" + sub
	}
	if sc.owner != "" {
		what += " of user " + sc.owner
	}
	return sc, apierrors.NewForbidden(schema.GroupResource{Group: Group, Resource: resource}, name, errForbidden(u.GetName()+" may not "+what))
}

type forbidden string

func (f forbidden) Error() string { return string(f) }
func errForbidden(s string) error { return forbidden(s) }

// ownedBy reports whether an object is in the scope: carries the user's
// label, or none at platform level.
func (sc scope) owns(o metav1.Object) bool {
	return o.GetLabels()[notificationv2beta2.UserLabel] == sc.owner
}

func notFound(resource, name string) error {
	return apierrors.NewNotFound(schema.GroupResource{Group: Group, Resource: resource}, name)
}

func (h *Handler) list(k *kind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sc, err := h.authorize(r, "list", k.resource, "")
		if err != nil {
			responsewriters.WriteStatus(w, err)
			return
		}
		q, err := listquery.Parse(r.URL.Query(), listquery.Spec{SortBy: []string{"type"}, Filters: []string{"type"}})
		if err != nil {
			responsewriters.WriteStatus(w, err)
			return
		}
		items, err := k.list(r.Context(), h.Reader)
		if err != nil {
			responsewriters.WriteStatus(w, err)
			return
		}
		kept := items[:0]
		for _, o := range items {
			if sc.owns(o) {
				kept = append(kept, o)
			}
		}
		typ := func(o client.Object) string { return k.typeOf(o) }
		out := listquery.Apply(kept, q, listquery.Columns[client.Object]{"type": typ},
			listquery.Filters[client.Object]{"type": func(o client.Object, v string) bool { return typ(o) == v }})
		responsewriters.WriteJSON(w, http.StatusOK, out)
	}
}

func (h *Handler) get(k *kind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("name")
		sc, err := h.authorize(r, "get", k.resource, name)
		if err != nil {
			responsewriters.WriteStatus(w, err)
			return
		}
		o, err := h.read(r.Context(), k, sc, name)
		if err != nil {
			responsewriters.WriteStatus(w, err)
			return
		}
		responsewriters.WriteJSON(w, http.StatusOK, o)
	}
}

// read gets an object of the scope (404 for another scope's).
func (h *Handler) read(ctx context.Context, k *kind, sc scope, name string) (client.Object, error) {
	o := k.new()
	if err := h.Client.Get(ctx, client.ObjectKey{Name: name}, o); err != nil {
		return nil, err
	}
	if !sc.owns(o) {
		return nil, notFound(k.resource, name)
	}
	return o, nil
}

func (h *Handler) remove(k *kind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("name")
		sc, err := h.authorize(r, "delete", k.resource, name)
		if err != nil {
			responsewriters.WriteStatus(w, err)
			return
		}
		o, err := h.read(r.Context(), k, sc, name)
		if err == nil {
			// The credentials' Secret goes with it (it is owned by the object).
			err = h.Client.Delete(r.Context(), o, client.PropagationPolicy(metav1.DeletePropagationBackground))
		}
		if err != nil {
			responsewriters.WriteStatus(w, err)
			return
		}
		responsewriters.WriteDeleted(w, schema.GroupResource{Group: Group, Resource: k.resource}, name)
	}
}

// deliveries lists the delivery records of the scope, the newest first.
func (h *Handler) deliveries(w http.ResponseWriter, r *http.Request) {
	sc, err := h.authorize(r, "list", "deliveries", "")
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	q, err := listquery.Parse(r.URL.Query(), listquery.Spec{Filters: []string{"receiver", "result", "since", "user"}})
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	// At platform level every record is listed (the user filter narrows
	// them to one user's, "-" to the platform's receivers).
	f := records.Filter{User: sc.owner, Receiver: q.Filters["receiver"], Result: q.Filters["result"], Limit: 10000}
	if sc.owner == "" {
		switch u := q.Filters["user"]; u {
		case "":
		case "-":
			f.Platform = true
		default:
			f.User = u
		}
	}
	if f.Result != "" && f.Result != records.Sent && f.Result != records.Failed {
		responsewriters.WriteStatus(w, apistatus.BadRequest("result", "must be sent or failed"))
		return
	}
	if s := q.Filters["since"]; s != "" {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			if sec, err2 := strconv.ParseInt(s, 10, 64); err2 == nil {
				t = time.Unix(sec, 0)
			} else {
				responsewriters.WriteStatus(w, apistatus.BadRequest("since", "must be RFC 3339 or Unix seconds"))
				return
			}
		}
		f.Since = t
	}
	all, err := h.Records.List(r.Context(), f)
	if err != nil {
		responsewriters.WriteStatus(w, apierrors.NewServiceUnavailable("the delivery records cannot be read right now"))
		return
	}
	kept := all[:0]
	for _, d := range all {
		if q.MatchesName(d.Receiver, "") {
			kept = append(kept, d)
		}
	}
	if q.Ascending {
		slices.Reverse(kept)
	}
	start, end := q.Window(len(kept))
	responsewriters.WriteJSON(w, http.StatusOK, listquery.List[records.Delivery]{Items: kept[start:end], TotalItems: len(kept)})
}
