package gateway

import (
	"context"
	"net/http"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/client"
	gatewayapiv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/superkube/super-kubenetes/internal/apiserver/listquery"
	"github.com/superkube/super-kubenetes/internal/apiserver/responsewriters"
	"github.com/superkube/super-kubenetes/internal/gateway/route"
)

var routeList = listquery.Spec{SortBy: []string{"type", "host"}, Filters: []string{"type", "host", "ready", "ingressClassName"}}

// backendsOf reads the project's Services and EndpointSlices once.
type backendsOf struct {
	services map[string]*corev1.Service
	slices   []discoveryv1.EndpointSlice
}

func (h *Handler) readBackends(ctx context.Context, ns string) (*backendsOf, error) {
	var svcs corev1.ServiceList
	if err := h.Live.List(ctx, &svcs, client.InNamespace(ns)); err != nil {
		return nil, err
	}
	var eps discoveryv1.EndpointSliceList
	if err := h.Live.List(ctx, &eps, client.InNamespace(ns)); err != nil {
		return nil, err
	}
	out := &backendsOf{services: map[string]*corev1.Service{}, slices: eps.Items}
	for i := range svcs.Items {
		out.services[svcs.Items[i].Name] = &svcs.Items[i]
	}
	return out, nil
}

func (b *backendsOf) fill(r *route.Route) {
	r.Backends = []route.Backend{}
	for _, ref := range r.Distinct() {
		r.Backends = append(r.Backends, route.Readiness(ref, b.services[ref.Service], b.slices))
	}
}

// ready: every backend is Ready (and there is one).
func ready(r *route.Route) bool {
	if len(r.Backends) == 0 {
		return false
	}
	for _, b := range r.Backends {
		if b.State != route.StateReady {
			return false
		}
	}
	return true
}

// listRoutes lists a project's Ingresses and (where the caller may list
// them and the CRDs are installed) HTTPRoutes, with their backends'
// readiness. It takes the right to list ingresses there; HTTPRoutes are
// listed only for whoever may list them.
func (h *Handler) listRoutes(w http.ResponseWriter, r *http.Request) {
	q, err := listquery.Parse(r.URL.Query(), routeList)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	u, ns := caller(r), r.PathValue("namespace")
	if !h.may(u, "list", networkingGroup, "ingresses", ns) {
		responsewriters.WriteStatus(w, forbidden(u, networkingGroup, "ingresses", "", "list ingresses in namespace "+ns))
		return
	}
	ctx := r.Context()
	var ings networkingv1.IngressList
	if err := h.Live.List(ctx, &ings, client.InNamespace(ns)); err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	items := make([]*route.Route, 0, len(ings.Items))
	for i := range ings.Items {
		items = append(items, route.FromIngress(&ings.Items[i]))
	}
	if h.may(u, "list", gatewayAPIGroup, "httproutes", ns) {
		var hrs gatewayapiv1.HTTPRouteList
		switch err := h.Live.List(ctx, &hrs, client.InNamespace(ns)); {
		case err == nil:
			for i := range hrs.Items {
				items = append(items, route.FromHTTPRoute(&hrs.Items[i]))
			}
		case meta.IsNoMatchError(err) || apierrors.IsNotFound(err):
			// The Gateway API CRDs are not installed.
		default:
			responsewriters.WriteStatus(w, err)
			return
		}
	}
	b, err := h.readBackends(ctx, ns)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	for _, it := range items {
		b.fill(it)
	}
	firstHost := func(r *route.Route) string {
		if len(r.Hosts) == 0 {
			return ""
		}
		return r.Hosts[0]
	}
	responsewriters.WriteJSON(w, http.StatusOK, listquery.Apply(items, q,
		listquery.Columns[*route.Route]{"type": func(r *route.Route) string { return r.Type }, "host": firstHost},
		listquery.Filters[*route.Route]{
			"type": func(r *route.Route, v string) bool { return strings.EqualFold(r.Type, v) },
			"host": func(r *route.Route, v string) bool {
				return slices.ContainsFunc(r.Hosts, func(h string) bool { return strings.Contains(strings.ToLower(h), strings.ToLower(v)) })
			},
			"ready":            func(r *route.Route, v string) bool { return boolIs(ready(r), v) },
			"ingressClassName": func(r *route.Route, v string) bool { return r.IngressClassName == v },
		}))
}
