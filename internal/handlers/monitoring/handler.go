// Package monitoring serves the monitoring API at
// /kapis/monitoring.superkube.io/v1alpha3: named metrics of the cluster,
// nodes, workspaces, namespaces, workloads, pods, containers, PVCs and
// components, many in one request, ranked and paged, trimmed to the
// namespaces the caller may see; and raw PromQL for platform
// administrators.
package monitoring

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/authentication/user"
	"sigs.k8s.io/controller-runtime/pkg/client"

	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	"github.com/superkube/super-kubenetes/internal/apiserver/apistatus"
	"github.com/superkube/super-kubenetes/internal/apiserver/filters"
	"github.com/superkube/super-kubenetes/internal/apiserver/request"
	"github.com/superkube/super-kubenetes/internal/apiserver/responsewriters"
	"github.com/superkube/super-kubenetes/internal/apiserver/routes"
	"github.com/superkube/super-kubenetes/internal/authz"
	"github.com/superkube/super-kubenetes/internal/monitoring/catalog"
	promclient "github.com/superkube/super-kubenetes/internal/monitoring/client"
	"github.com/superkube/super-kubenetes/internal/monitoring/promql"
	monitoringsvc "github.com/superkube/super-kubenetes/internal/services/monitoring"
)

// Group is the API group of the monitoring API.
const Group = "monitoring.superkube.io"

// Prefix is its path.
const Prefix = "/kapis/" + Group + "/v1alpha3"

// Authorizer is what the handler needs of the authorizer: decisions, the
// namespaces a caller may see (as the list engine trims lists), and who
// is a platform administrator.
type Authorizer interface {
	Authorize(a *authz.Attributes) authz.Decision
	Visible(a authz.Attributes) authz.Visibility
	IsPlatformAdmin(s authz.Subject) bool
}

// Handler serves the monitoring API.
type Handler struct {
	// Service runs the queries; a Service without Prometheus answers 503
	// "monitoring is not configured".
	Service    *monitoringsvc.Service
	Authorizer Authorizer
	// Reader reads namespaces and workspaces (from the cache).
	Reader client.Reader
	// Now is the clock; nil is time.Now.
	Now func() time.Time
}

// Install adds the endpoints.
func (h *Handler) Install(mux routes.Mux) {
	get := func(f http.HandlerFunc) routes.Methods { return routes.Methods{http.MethodGet: f} }
	mux.Handle(Prefix+"/metrics", get(h.catalog))
	mux.Handle(Prefix+"/query", get(h.raw))
	mux.Handle(Prefix+"/query_range", get(h.raw))
	mux.Handle(Prefix+"/cluster", get(h.level(catalog.Cluster, h.clusterScope)))
	mux.Handle(Prefix+"/nodes", get(h.level(catalog.Node, h.clusterScope)))
	mux.Handle(Prefix+"/nodes/{node}", get(h.level(catalog.Node, h.clusterScope)))
	mux.Handle(Prefix+"/nodes/{node}/pods", get(h.level(catalog.Pod, h.nodePodsScope)))
	mux.Handle(Prefix+"/components/{component}", get(h.level(catalog.Component, h.componentScope)))
	mux.Handle(Prefix+"/workspaces", get(h.level(catalog.Workspace, h.workspaceScope)))
	mux.Handle(Prefix+"/workspaces/{workspace}", get(h.level(catalog.Workspace, h.workspaceScope)))
	mux.Handle(Prefix+"/workspaces/{workspace}/namespaces", get(h.level(catalog.Namespace, h.workspaceScope)))
	mux.Handle(Prefix+"/workspaces/{workspace}/pods", get(h.level(catalog.Pod, h.workspaceScope)))
	mux.Handle(Prefix+"/namespaces", get(h.level(catalog.Namespace, h.namespacesScope)))
	mux.Handle(Prefix+"/namespaces/{namespace}", get(h.level(catalog.Namespace, h.namespaceScope)))
	mux.Handle(Prefix+"/namespaces/{namespace}/workloads", get(h.level(catalog.Workload, h.namespaceScope)))
	mux.Handle(Prefix+"/namespaces/{namespace}/workloads/{kind}", get(h.level(catalog.Workload, h.namespaceScope)))
	mux.Handle(Prefix+"/namespaces/{namespace}/workloads/{kind}/{name}", get(h.level(catalog.Workload, h.namespaceScope)))
	mux.Handle(Prefix+"/namespaces/{namespace}/workloads/{kind}/{name}/pods", get(h.level(catalog.Pod, h.workloadPodsScope)))
	mux.Handle(Prefix+"/namespaces/{namespace}/pods", get(h.level(catalog.Pod, h.namespaceScope)))
	mux.Handle(Prefix+"/namespaces/{namespace}/pods/{pod}", get(h.level(catalog.Pod, h.namespaceScope)))
	mux.Handle(Prefix+"/namespaces/{namespace}/pods/{pod}/containers", get(h.level(catalog.Container, h.namespaceScope)))
	mux.Handle(Prefix+"/namespaces/{namespace}/pods/{pod}/containers/{container}", get(h.level(catalog.Container, h.namespaceScope)))
	mux.Handle(Prefix+"/namespaces/{namespace}/persistentvolumeclaims", get(h.level(catalog.PVC, h.namespaceScope)))
	mux.Handle(Prefix+"/namespaces/{namespace}/persistentvolumeclaims/{pvc}", get(h.level(catalog.PVC, h.namespaceScope)))
}

// AuthzRules let every authenticated user through to the handler, which
// decides by the level: nodes and the cluster need the right to list
// nodes, a workspace its membership, namespaces the right to list pods
// there, raw PromQL a platform administrator.
func AuthzRules() filters.Rules {
	return filters.Rules{
		{Group: Group, Resource: "*", Delegate: true, Verbs: []string{"get", "list"}},
		{Group: Group, Discovery: true, Delegate: true},
	}
}

// QueryParams documents the parameters of the level endpoints (for the
// OpenAPI document).
var QueryParams = [][3]string{
	{"metrics_filter", "string", "metric names separated by |, or a regular expression; default all of the level"},
	{"resources_filter", "string", "object names separated by |, or a regular expression"},
	{"time", "string", "instant, RFC 3339 or Unix seconds (default now)"},
	{"start", "string", "start of a range, RFC 3339 or Unix seconds"},
	{"end", "string", "end of a range (default now)"},
	{"step", "string", "resolution of a range, a duration such as 60s or 5m; at most 11,000 points per series"},
	{"sort_metric", "string", "rank the objects by the latest value of this metric"},
	{"sort_type", "string", "asc or desc (default)"},
	{"page", "integer", "1-based page of the ranked objects"},
	{"limit", "integer", "objects per page, 1 to 1000"},
}

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

// unavailable is the answer when Prometheus is not configured or does
// not answer.
func unavailable(msg string) error {
	return apistatus.New(http.StatusServiceUnavailable, metav1.StatusReasonServiceUnavailable, msg, apistatus.RetryAfter(10))
}

func (h *Handler) configured(w http.ResponseWriter) bool {
	if h.Service == nil || h.Service.Prometheus == nil {
		responsewriters.WriteStatus(w, unavailable("monitoring is not configured: ke-apiserver has no Prometheus URL (--prometheus-url)"))
		return false
	}
	return true
}

// call is one request being scoped.
type call struct {
	r     *http.Request
	user  user.Info
	p     *params
	req   *monitoringsvc.Request
	level catalog.Level
	// component is the component of the component level.
	component string
}

// scope authorizes a call and narrows its request to what the caller may
// see; the error is the answer.
type scope func(c *call) error

// level serves a level: parse, authorize and scope, select the metrics,
// run them, answer.
func (h *Handler) level(l catalog.Level, sc scope) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !h.configured(w) {
			return
		}
		u, _ := request.UserFrom(r.Context())
		p, err := parseParams(r.URL.Query(), h.now())
		if err != nil {
			responsewriters.WriteStatus(w, err)
			return
		}
		c := &call{r: r, user: u, p: p, level: l, req: &monitoringsvc.Request{Level: l, Filters: map[string]promql.Filter{},
			Time: p.at, Range: p.rng, Sort: p.sort, Ascending: p.ascending, Page: p.page, Limit: p.limit}}
		if err := sc(c); err != nil {
			responsewriters.WriteStatus(w, err)
			return
		}
		if c.req.Metrics, err = h.Service.Catalog.Select(l, c.component, p.metricsFilter); err != nil {
			responsewriters.WriteStatus(w, apistatus.BadRequest("metrics_filter", err.Error()))
			return
		}
		if p.sort != "" && !slices.ContainsFunc(h.Service.Catalog.Metrics(l), func(m catalog.Metric) bool { return m.Name == p.sort }) {
			_, err := h.Service.Catalog.Select(l, c.component, p.sort)
			responsewriters.WriteStatus(w, apistatus.BadRequest("sort_metric", err.Error()))
			return
		}
		if (p.sort != "" || p.limit > 0) && len(l.Keys()) == 0 {
			responsewriters.WriteStatus(w, apistatus.BadRequest("sort_metric", "level "+string(l)+" has one object: there is nothing to rank"))
			return
		}
		out, err := h.Service.Run(r.Context(), c.req)
		if err != nil {
			responsewriters.WriteStatus(w, queryFailed(err))
			return
		}
		responsewriters.WriteJSON(w, http.StatusOK, out)
	}
}

// queryFailed maps a failure to run the queries to a Status.
func queryFailed(err error) error {
	var st apierrors.APIStatus
	switch {
	case errors.As(err, &st):
		return err
	case errors.Is(err, promclient.ErrUnavailable):
		return unavailable("monitoring is unavailable: Prometheus did not answer in time")
	}
	var qe *promclient.QueryError
	if errors.As(err, &qe) {
		return apistatus.BadRequest("query", qe.Message)
	}
	return err
}

func (c *call) attrs(verb, group, resource, ns string) *authz.Attributes {
	return &authz.Attributes{User: c.user.GetName(), Groups: c.user.GetGroups(), ResourceRequest: true, Verb: verb,
		APIGroup: group, Resource: resource, Namespace: ns}
}

func forbidden(c *call, what string) error {
	return apierrors.NewForbidden(schema.GroupResource{Group: Group, Resource: string(c.level)}, "",
		fmt.Errorf("user %s may not read the metrics of %s", c.user.GetName(), what))
}

// resources is the resources_filter as a filter.
func (c *call) resources() promql.Filter {
	return nameFilter(c.p.resourcesFilter)
}

// nameFilter reads "a|b|c" as names and anything else as a regex.
func nameFilter(s string) promql.Filter {
	if s == "" {
		return promql.Filter{}
	}
	parts := strings.Split(s, "|")
	for _, p := range parts {
		if !plainName(p) {
			return promql.Filter{Regex: s}
		}
	}
	return promql.Names(parts...)
}

func plainName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '.', r == '_':
		default:
			return false
		}
	}
	return true
}

// filterParam fills a placeholder from resources_filter, checking its
// regular expression (400 on resources_filter).
func (c *call) filterParam(placeholder string) error {
	f := c.resources()
	if f.Regex != "" {
		if err := checkRegex(f.Regex); err != nil {
			return apistatus.BadRequest("resources_filter", err.Error())
		}
	}
	c.req.Filters[placeholder] = f
	return nil
}

// clusterScope: the cluster, nodes and components need the right to list
// nodes (cluster viewers and administrators, platform administrators).
func (h *Handler) clusterScope(c *call) error {
	if !h.Authorizer.Authorize(c.attrs("list", "", "nodes", "")).Allowed {
		return forbidden(c, "the cluster: listing nodes is required")
	}
	if n := c.r.PathValue("node"); n != "" {
		c.req.Filters[catalog.PNode] = promql.Names(n)
		return nil
	}
	if c.level == catalog.Node {
		return c.filterParam(catalog.PNode)
	}
	return nil
}

func (h *Handler) componentScope(c *call) error {
	if err := h.clusterScope(c); err != nil {
		return err
	}
	c.component = c.r.PathValue("component")
	jobs, ok := catalog.Components()[c.component]
	if !ok {
		return apistatus.BadRequest("component", fmt.Sprintf("unknown component %q: valid components are %s", c.component, strings.Join(catalog.ComponentNames(), ", ")))
	}
	c.req.Filters[catalog.PJob] = promql.Names(jobs...)
	return nil
}

// visible is the caller's pods visibility, as the list engine computes it.
func (h *Handler) visible(c *call) authz.Visibility {
	a := c.attrs("list", "", "pods", "")
	return h.Authorizer.Visible(*a)
}

// namespaces lists namespaces from the cache.
func (h *Handler) namespaces(c *call, opts ...client.ListOption) ([]corev1.Namespace, error) {
	var list corev1.NamespaceList
	if err := h.Reader.List(c.r.Context(), &list, opts...); err != nil {
		return nil, err
	}
	return list.Items, nil
}

// confine sets the request's scope to the namespaces (nil: everywhere)
// that the caller sees, and the namespaces' creation times.
func (h *Handler) confine(c *call, within []string, v authz.Visibility) error {
	all, err := h.namespaces(c)
	if err != nil {
		return err
	}
	c.req.Created = map[string]time.Time{}
	for _, ns := range all {
		c.req.Created[ns.Name] = ns.CreationTimestamp.Time
	}
	var scope []string
	switch {
	case within != nil:
		scope = []string{}
		for _, ns := range within {
			if v.Allows(ns) {
				scope = append(scope, ns)
			}
		}
	case !v.All:
		scope = []string{}
		for ns := range v.Namespaces {
			scope = append(scope, ns)
		}
	}
	if scope != nil {
		sort.Strings(scope)
	}
	c.req.Scope = scope
	return nil
}

// namespacesScope: every namespace the caller may list pods in.
func (h *Handler) namespacesScope(c *call) error {
	if err := c.filterParam(catalog.PNamespace); err != nil {
		return err
	}
	v := h.visible(c)
	if err := h.confine(c, nil, v); err != nil {
		return err
	}
	// A sum over several namespaces starts at the latest creation among
	// them, when the caller does not see every namespace.
	if !v.All && c.level != catalog.Namespace {
		c.req.NotBefore = latest(c.req.Created, c.req.Scope)
	}
	return nil
}

// namespaceScope: one namespace, whose pods the caller may list; its
// series are read from its creation on.
func (h *Handler) namespaceScope(c *call) error {
	ns := c.r.PathValue("namespace")
	if !h.Authorizer.Authorize(c.attrs("list", "", "pods", ns)).Allowed {
		return forbidden(c, "namespace "+ns)
	}
	if err := h.confine(c, []string{ns}, authz.Visibility{All: true}); err != nil {
		return err
	}
	if created, ok := c.req.Created[ns]; ok {
		if err := clip(c, created); err != nil {
			return err
		}
	}
	c.req.Filters[catalog.PNamespace] = promql.Names(ns)
	switch c.level {
	case catalog.Workload:
		return workloadFilter(c)
	case catalog.Pod, catalog.Container:
		if pod := c.r.PathValue("pod"); pod != "" {
			c.req.Filters[catalog.PPod] = promql.Names(pod)
		} else if c.level == catalog.Pod {
			return c.filterParam(catalog.PPod)
		}
		if ctr := c.r.PathValue("container"); ctr != "" {
			c.req.Filters[catalog.PContainer] = promql.Names(ctr)
		} else if c.level == catalog.Container {
			return c.filterParam(catalog.PContainer)
		}
	case catalog.PVC:
		if pvc := c.r.PathValue("pvc"); pvc != "" {
			c.req.Filters[catalog.PPVC] = promql.Names(pvc)
			return nil
		}
		return c.filterParam(catalog.PPVC)
	}
	return nil
}

// clip keeps a namespace's query from before its creation: a range starts
// there, an instant before it is refused.
func clip(c *call, created time.Time) error {
	created = created.Truncate(time.Second)
	if r := c.req.Range; r != nil {
		if r.End.Before(created) {
			return apistatus.BadRequest("end", "is before the namespace was created ("+created.UTC().Format(time.RFC3339)+")")
		}
		if r.Start.Before(created) {
			r.Start = created
		}
		return nil
	}
	if c.req.Time.Before(created) {
		return apistatus.BadRequest("time", "is before the namespace was created ("+created.UTC().Format(time.RFC3339)+")")
	}
	return nil
}

// workloadKinds maps the path's kinds to the owners' kinds.
var workloadKinds = map[string]string{"deployment": "Deployment", "statefulset": "StatefulSet", "daemonset": "DaemonSet"}

// workloadFilter keeps the workloads of the path's kind and name, and of
// resources_filter.
func workloadFilter(c *call) error {
	kind, name := c.r.PathValue("kind"), c.r.PathValue("name")
	ownerKind, ok := workloadKinds[kind]
	if kind != "" && !ok {
		return apistatus.BadRequest("kind", fmt.Sprintf("unknown workload kind %q: valid kinds are daemonset, deployment, statefulset", kind))
	}
	f := c.resources()
	if name != "" {
		f = promql.Names(name)
	}
	match, err := matcherOf(f)
	if err != nil {
		return apistatus.BadRequest("resources_filter", err.Error())
	}
	c.req.Keep = func(m model.Metric) bool {
		return (kind == "" || string(m["workload_kind"]) == ownerKind) && match(string(m["workload"]))
	}
	return nil
}

// workspaceScope: a workspace needs its membership; the list of
// workspaces keeps the caller's. Sums read only the namespaces whose pods
// the caller may list.
func (h *Handler) workspaceScope(c *call) error {
	ws := c.r.PathValue("workspace")
	v := h.visible(c)
	admin := v.All && h.Authorizer.Authorize(&authz.Attributes{User: c.user.GetName(), Groups: c.user.GetGroups(), ResourceRequest: true, Verb: "list",
		APIGroup: tenantv1beta1.GroupName, Resource: "workspaces"}).Allowed
	if ws == "" {
		if err := c.filterParam(catalog.PWorkspace); err != nil {
			return err
		}
		if err := h.confine(c, nil, v); err != nil {
			return err
		}
		if !admin {
			mine, err := h.memberships(c)
			if err != nil {
				return err
			}
			c.req.Keep = func(m model.Metric) bool { return mine[string(m["workspace"])] }
			if !v.All {
				c.req.NotBefore = latest(c.req.Created, c.req.Scope)
			}
		}
		return nil
	}
	if !admin && !h.member(c, ws) {
		return forbidden(c, "workspace "+ws)
	}
	list, err := h.namespaces(c, client.MatchingLabels{tenantv1beta1.WorkspaceLabel: ws})
	if err != nil {
		return err
	}
	within := make([]string, 0, len(list))
	for _, ns := range list {
		within = append(within, ns.Name)
	}
	if err := h.confine(c, within, v); err != nil {
		return err
	}
	c.req.Filters[catalog.PWorkspace] = promql.Names(ws)
	switch c.level {
	case catalog.Namespace:
		return c.filterParam(catalog.PNamespace)
	case catalog.Pod:
		return c.filterParam(catalog.PPod)
	}
	if !v.All {
		c.req.NotBefore = latest(c.req.Created, c.req.Scope)
	}
	return nil
}

// member reports whether the caller belongs to a workspace: it may read it.
func (h *Handler) member(c *call, ws string) bool {
	return h.Authorizer.Authorize(&authz.Attributes{User: c.user.GetName(), Groups: c.user.GetGroups(), ResourceRequest: true, Verb: "get",
		APIGroup: tenantv1beta1.GroupName, Resource: "workspaces", Name: ws, Workspace: ws}).Allowed
}

// memberships are the workspaces the caller belongs to.
func (h *Handler) memberships(c *call) (map[string]bool, error) {
	var list tenantv1beta1.WorkspaceList
	if err := h.Reader.List(c.r.Context(), &list); err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, ws := range list.Items {
		if h.member(c, ws.Name) {
			out[ws.Name] = true
		}
	}
	return out, nil
}

// nodePodsScope: the pods of a node, in the namespaces the caller sees.
func (h *Handler) nodePodsScope(c *call) error {
	if err := c.filterParam(catalog.PPod); err != nil {
		return err
	}
	if err := h.confine(c, nil, h.visible(c)); err != nil {
		return err
	}
	pods, err := h.Service.Objects(c.r.Context(), `kube_pod_info{node=~"$node",namespace=~"$namespace",pod=~"$pod"}`,
		map[string]promql.Filter{catalog.PNode: promql.Names(c.r.PathValue("node")), catalog.PPod: c.req.Filters[catalog.PPod]}, c.req.Scope, c.lastInstant())
	if err != nil {
		return queryFailed(err)
	}
	return c.onlyPods(pods)
}

// workloadPodsScope: the pods of a workload, found through their owners.
func (h *Handler) workloadPodsScope(c *call) error {
	if err := h.namespaceScope(c); err != nil {
		return err
	}
	if err := workloadFilter(c); err != nil {
		return err
	}
	if c.r.PathValue("kind") == "" {
		return nil
	}
	keep := c.req.Keep
	c.req.Keep = nil
	owned, err := h.Service.Objects(c.r.Context(), catalog.WorkloadOf, c.req.Filters, c.req.Scope, c.lastInstant())
	if err != nil {
		return queryFailed(err)
	}
	pods := owned[:0]
	for _, m := range owned {
		if keep(m) {
			pods = append(pods, m)
		}
	}
	return c.onlyPods(pods)
}

// onlyPods narrows a pod-level request to these pods.
func (c *call) onlyPods(pods []model.Metric) error {
	keys := map[string]bool{}
	names := []string{}
	for _, m := range pods {
		keys[string(m["namespace"])+"/"+string(m["pod"])] = true
		names = append(names, string(m["pod"]))
	}
	c.req.Filters[catalog.PPod] = promql.Names(names...)
	c.req.Keep = func(m model.Metric) bool { return keys[string(m["namespace"])+"/"+string(m["pod"])] }
	return nil
}

// lastInstant is the instant of the request, or the end of its range.
func (c *call) lastInstant() time.Time {
	if c.req.Range != nil {
		return c.req.Range.End
	}
	return c.req.Time
}

func latest(created map[string]time.Time, namespaces []string) time.Time {
	var t time.Time
	for _, ns := range namespaces {
		if c := created[ns]; c.After(t) {
			t = c
		}
	}
	return t.Truncate(time.Second)
}

// catalog answers the metric catalog, of one level or all.
func (h *Handler) catalog(w http.ResponseWriter, r *http.Request) {
	levels := catalog.Levels()
	if l := r.URL.Query().Get("level"); l != "" {
		lv, err := catalog.ParseLevel(l)
		if err != nil {
			responsewriters.WriteStatus(w, apistatus.BadRequest("level", err.Error()))
			return
		}
		levels = []catalog.Level{lv}
	}
	type level struct {
		Level   catalog.Level    `json:"level"`
		Metrics []catalog.Metric `json:"metrics"`
	}
	out := struct {
		APIVersion string  `json:"apiVersion"`
		Kind       string  `json:"kind"`
		Levels     []level `json:"levels"`
	}{APIVersion: monitoringsvc.APIVersion, Kind: "MetricCatalog"}
	c := catalog.New()
	for _, l := range levels {
		out.Levels = append(out.Levels, level{l, c.Metrics(l)})
	}
	responsewriters.WriteJSON(w, http.StatusOK, out)
}

// raw runs PromQL as written, for platform administrators only.
func (h *Handler) raw(w http.ResponseWriter, r *http.Request) {
	u, _ := request.UserFrom(r.Context())
	if !h.Authorizer.IsPlatformAdmin(authz.Subject{User: u.GetName(), Groups: u.GetGroups()}) {
		responsewriters.WriteStatus(w, apierrors.NewForbidden(schema.GroupResource{Group: Group, Resource: "query"}, "",
			fmt.Errorf("user %s may not run PromQL: only platform administrators may", u.GetName())))
		return
	}
	if !h.configured(w) {
		return
	}
	q := r.URL.Query()
	query := q.Get("query")
	if query == "" {
		responsewriters.WriteStatus(w, apistatus.BadRequest("query", "is required"))
		return
	}
	if _, err := promql.Parse(query); err != nil {
		responsewriters.WriteStatus(w, apistatus.BadRequest("query", err.Error()))
		return
	}
	at, rng, err := parseTimes(q, h.now())
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	if strings.HasSuffix(r.URL.Path, "/query_range") && rng == nil {
		responsewriters.WriteStatus(w, apistatus.BadRequest("start", "is required for a range query"))
		return
	}
	out, err := h.Service.Raw(r.Context(), query, at, rng)
	if err != nil {
		responsewriters.WriteStatus(w, queryFailed(err))
		return
	}
	responsewriters.WriteJSON(w, http.StatusOK, out)
}
