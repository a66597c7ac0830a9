package gateway

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	gatewayapiv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/superkube/super-kubenetes/internal/gateway/route"
	"github.com/superkube/super-kubenetes/internal/testutil/platform"
)

// HTTPRoutes attach only to the Gateways of their own namespace (whose
// GatewayClass the workspace allows) and to the shared Gateways it lists;
// a workspace without a policy is not restricted. The routes list shows
// them with their parents and backends.
func TestHTTPRoutesAttachOnlyToAllowedGateways(t *testing.T) {
	tok := users(t)
	restrict(t)
	ctx := context.Background()
	kubectl := as(t, projectAdmin)
	mustCreate(t, k8s, gateway("infra", "shared", "gw-public"), gateway("infra", "other", "gw-public"))
	platform.Eventually(t, "the project administrator may write Gateway API objects", time.Minute, func() error {
		return kubectl.Create(ctx, httpRoute("gwb-app", "probe", "infra/other"), client.DryRunAll)
	})

	refused(t, "a Gateway of a class the workspace does not allow", kubectl.Create(ctx, gateway("gwa-web", "own-public", "gw-public")),
		"spec.gatewayClassName", `"gw-public"`, "workspace gwa", "gw-internal")
	mustCreate(t, kubectl, gateway("gwa-web", "own", "gw-internal"))
	refused(t, "a route to a Gateway the workspace does not list", kubectl.Create(ctx, httpRoute("gwa-web", "to-other", "own", "infra/other")),
		"spec.parentRefs", "infra/shared", "Gateway infra/other")
	mustCreate(t, kubectl, httpRoute("gwa-web", "to-own", "own"), httpRoute("gwa-web", "to-shared", "infra/shared"))
	// Through the proxy too.
	hr := httpRoute("gwa-web", "p-other", "infra/other")
	body := map[string]any{"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute", "metadata": map[string]any{"name": hr.Name}, "spec": hr.Spec}
	r := api.DoJSON(t, http.MethodPost, "/apis/gateway.networking.k8s.io/v1/namespaces/gwa-web/httproutes", tok[projectAdmin], body)
	if st := decode[status](t, r, http.StatusForbidden); !strings.Contains(st.Message, "spec.parentRefs") {
		t.Errorf("proxy: %+v", st)
	}
	// Unrestricted elsewhere.
	mustCreate(t, kubectl, gateway("gwb-app", "any", "gw-public"), httpRoute("gwb-app", "to-other", "infra/other"))

	routes := decode[list[route.Route]](t, api.Do(t, http.MethodGet, prefix+"/namespaces/gwa-web/routes?type=HTTPRoute&sortBy=name&ascending=true", tok[viewer], nil), http.StatusOK)
	var names []string
	for _, rt := range routes.Items {
		names = append(names, rt.Name)
	}
	if !slices.Equal(names, []string{"to-own", "to-shared"}) {
		t.Fatalf("the HTTPRoutes of gwa-web: %v", names)
	}
	shared := routes.Items[1]
	if !slices.Equal(shared.ParentRefs, []string{"infra/shared"}) || !slices.Equal(shared.Hosts, []string{"to-shared.example.com"}) ||
		len(shared.Paths) != 1 || shared.Paths[0].Path != "/api" || shared.Paths[0].PathType != "PathPrefix" ||
		len(shared.Backends) != 1 || shared.Backends[0].Service != "web" || shared.Backends[0].Port != "80" {
		t.Errorf("to-shared: %+v", shared)
	}
}

// A backend's readiness comes from its Service's EndpointSlices: ready of
// total endpoints of the port; a missing Service, a missing port and a
// Service without endpoints say so.
func TestBackendReadinessFromEndpointSlices(t *testing.T) {
	tok := users(t)
	ctx := context.Background()
	const ns = "gwb-app"
	mustCreate(t, k8s, service(ns, "api"), service(ns, "idle"))
	slice := &discoveryv1.EndpointSlice{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "api-1", Labels: map[string]string{discoveryv1.LabelServiceName: "api"}},
		AddressType: discoveryv1.AddressTypeIPv4, Ports: []discoveryv1.EndpointPort{{Name: ptr.To("http"), Port: ptr.To(int32(8080))}},
		Endpoints: []discoveryv1.Endpoint{
			{Addresses: []string{"10.0.0.1"}, Conditions: discoveryv1.EndpointConditions{Ready: ptr.To(true)}},
			{Addresses: []string{"10.0.0.2"}, Conditions: discoveryv1.EndpointConditions{Ready: ptr.To(true)}},
			{Addresses: []string{"10.0.0.3"}, Conditions: discoveryv1.EndpointConditions{Ready: ptr.To(false)}},
		}}
	mustCreate(t, k8s, slice)
	form := route.IngressForm{Name: "shop", IngressClassName: publicClass, Rules: []route.FormRule{{Host: "shop.example.com", Paths: []route.FormPath{
		{Path: "/api", PathType: "Prefix", Service: "api", Port: "http"},
		{Path: "/idle", PathType: "Exact", Service: "idle", Port: "80"},
	}}}}
	created := decode[route.Route](t, api.DoJSON(t, http.MethodPost, prefix+"/namespaces/"+ns+"/ingresses", tok[projectAdmin], form), http.StatusCreated)
	if created.Paths[1].PathType != "Exact" || created.Paths[0].Backends[0].Port != "http" {
		t.Errorf("created: %+v", created)
	}
	// An Ingress written elsewhere may name what does not exist.
	in := ingress(ns, "broken", publicClass, nil)
	in.Spec.Rules[0].HTTP.Paths[0].Backend.Service.Name = "gone"
	extra := in.Spec.Rules[0].HTTP.Paths[0]
	extra.Path, extra.Backend.Service = "/other", extra.Backend.Service.DeepCopy()
	extra.Backend.Service.Name, extra.Backend.Service.Port.Number = "api", 81
	in.Spec.Rules[0].HTTP.Paths = append(in.Spec.Rules[0].HTTP.Paths, extra)
	mustCreate(t, k8s, in)

	byName := func() map[string]route.Route {
		l := decode[list[route.Route]](t, api.Do(t, http.MethodGet, prefix+"/namespaces/"+ns+"/routes?type=Ingress&limit=100", tok[projectAdmin], nil), http.StatusOK)
		out := map[string]route.Route{}
		for _, r := range l.Items {
			out[r.Name] = r
		}
		return out
	}
	got := byName()
	state := func(r route.Route) string {
		var out []string
		for _, b := range r.Backends {
			out = append(out, fmt.Sprintf("%s:%s=%s %d/%d", b.Service, b.Port, b.State, b.Ready, b.Total))
		}
		return strings.Join(out, ", ")
	}
	if s := state(got["shop"]); s != "api:http=Degraded 2/3, idle:80=NoEndpoints 0/0" {
		t.Errorf("shop: %s", s)
	}
	if s := state(got["broken"]); s != "gone:80=ServiceMissing 0/0, api:81=PortMissing 0/0" {
		t.Errorf("broken: %s", s)
	}
	// The last endpoint becomes ready.
	slice.Endpoints[2].Conditions.Ready = ptr.To(true)
	if err := k8s.Update(ctx, slice); err != nil {
		t.Fatal(err)
	}
	one := decode[route.Route](t, api.Do(t, http.MethodGet, prefix+"/namespaces/"+ns+"/ingresses/shop", tok[projectAdmin], nil), http.StatusOK)
	if s := state(one); s != "api:http=Ready 3/3, idle:80=NoEndpoints 0/0" {
		t.Errorf("shop, all ready: %s", s)
	}
	ready := decode[list[route.Route]](t, api.Do(t, http.MethodGet, prefix+"/namespaces/"+ns+"/routes?ready=false&host=shop", tok[projectAdmin], nil), http.StatusOK)
	if ready.TotalItems != 1 || ready.Items[0].Name != "shop" {
		t.Errorf("not ready, host shop: %+v", ready)
	}
}

// Bad input to the form is a 422 whose causes name the Ingress's field:
// a TLS secret that does not exist or is not a TLS secret, a path without
// /, an unknown path type, a missing Service or port; an unknown field of
// the body is a 400; a write without the right is a 403.
func TestBadFormInputNamesTheField(t *testing.T) {
	tok := users(t)
	const ns = "gwb-app"
	mustCreate(t, k8s, service(ns, "site"),
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "site-tls"}, Type: corev1.SecretTypeTLS,
			Data: map[string][]byte{corev1.TLSCertKey: []byte("cert"), corev1.TLSPrivateKeyKey: []byte("key")}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "opaque"}, Data: map[string][]byte{"k": []byte("v")}})
	good := func() route.IngressForm {
		return route.IngressForm{Name: "site", IngressClassName: publicClass, Rules: []route.FormRule{{Host: "site.example.com",
			Paths: []route.FormPath{{Path: "/", Service: "site", Port: "80"}}}}, TLS: []route.TLS{{Hosts: []string{"site.example.com"}, SecretName: "site-tls"}}}
	}
	for _, c := range []struct {
		name  string
		edit  func(f *route.IngressForm)
		field string
	}{
		{"a TLS secret that does not exist", func(f *route.IngressForm) { f.TLS[0].SecretName = "missing" }, "spec.tls[0].secretName"},
		{"a secret that is not of type TLS", func(f *route.IngressForm) { f.TLS[0].SecretName = "opaque" }, "spec.tls[0].secretName"},
		{"a path without /", func(f *route.IngressForm) { f.Rules[0].Paths[0].Path = "api" }, "spec.rules[0].http.paths[0].path"},
		{"an unknown path type", func(f *route.IngressForm) { f.Rules[0].Paths[0].PathType = "Regex" }, "spec.rules[0].http.paths[0].pathType"},
		{"a Service that does not exist", func(f *route.IngressForm) { f.Rules[0].Paths[0].Service = "nope" }, "spec.rules[0].http.paths[0].backend.service.name"},
		{"a port the Service does not have", func(f *route.IngressForm) { f.Rules[0].Paths[0].Port = "8443" }, "spec.rules[0].http.paths[0].backend.service.port"},
		{"a port out of range", func(f *route.IngressForm) { f.Rules[0].Paths[0].Port = "70000" }, "spec.rules[0].http.paths[0].backend.service.port"},
		{"no rules", func(f *route.IngressForm) { f.Rules = nil }, "spec.rules"},
		{"a bad host", func(f *route.IngressForm) { f.Rules[0].Host = "Bad_Host" }, "spec.rules[0].host"},
	} {
		f := good()
		c.edit(&f)
		r := api.DoJSON(t, http.MethodPost, prefix+"/namespaces/"+ns+"/ingresses", tok[projectAdmin], f)
		st := decode[status](t, r, http.StatusUnprocessableEntity)
		if st.Kind != "Status" || st.Reason != "Invalid" || !slices.Contains(st.fields(), c.field) {
			t.Errorf("%s: %+v", c.name, st)
		}
	}
	r := api.DoJSON(t, http.MethodPost, prefix+"/namespaces/"+ns+"/ingresses", tok[projectAdmin], map[string]any{"name": "x", "hosts": []string{"a"}})
	if st := decode[status](t, r, http.StatusBadRequest); st.Kind != "Status" {
		t.Errorf("unknown field: %+v", st)
	}
	if r := api.DoJSON(t, http.MethodPost, prefix+"/namespaces/"+ns+"/ingresses", tok[nobody], good()); r.Code != http.StatusForbidden {
		t.Errorf("nobody creates: %d %s", r.Code, r.Body)
	}
	// The good form; then a replacement that renames in the body, and one
	// that changes the path.
	decode[route.Route](t, api.DoJSON(t, http.MethodPost, prefix+"/namespaces/"+ns+"/ingresses", tok[projectAdmin], good()), http.StatusCreated)
	f := good()
	f.Name = "other"
	decode[status](t, api.DoJSON(t, http.MethodPut, prefix+"/namespaces/"+ns+"/ingresses/site", tok[projectAdmin], f), http.StatusUnprocessableEntity)
	f = good()
	f.Rules[0].Paths[0].Path = "/v2"
	got := decode[route.Route](t, api.DoJSON(t, http.MethodPut, prefix+"/namespaces/"+ns+"/ingresses/site", tok[projectAdmin], f), http.StatusOK)
	if got.Paths[0].Path != "/v2" || len(got.TLS) != 1 || got.TLS[0].SecretName != "site-tls" || got.IngressClassName != publicClass {
		t.Errorf("replaced: %+v", got)
	}
	f = good()
	f.Name = ""
	if r := api.DoJSON(t, http.MethodPut, prefix+"/namespaces/"+ns+"/ingresses/none", tok[projectAdmin], f); r.Code != http.StatusNotFound {
		t.Errorf("replace a missing Ingress: %d %s", r.Code, r.Body)
	}
}

// An HTTPRoute from the form: its Services, ports and parent Gateways are
// checked first (a 422 naming the HTTPRoute's field); a parent the
// workspace does not allow is kube-apiserver's 403, whose message the
// answer also gives as a cause at spec.parentRefs (as an Ingress's class
// at spec.ingressClassName); the route is read, replaced, and not replaced
// when it has what the form cannot show.
func TestHTTPRouteFromTheForm(t *testing.T) {
	tok := users(t)
	restrict(t)
	ctx := context.Background()
	const ns = "gwa-web"
	for _, o := range []client.Object{gateway("infra", "shared", "gw-public"), gateway("infra", "other", "gw-public")} {
		if err := k8s.Create(ctx, o); err != nil && !apierrors.IsAlreadyExists(err) {
			t.Fatal(err)
		}
	}
	mustCreate(t, k8s, service(ns, "hr-v1"), service(ns, "hr-v2", corev1.ServicePort{Name: "web", Port: 8080}), gateway(ns, "hr-own", "gw-internal"))
	platform.Eventually(t, "the project administrator may write HTTPRoutes", time.Minute, func() error {
		return as(t, projectAdmin).Create(ctx, httpRoute(ns, "probe", "hr-own"), client.DryRunAll)
	})
	pol := decode[map[string]any](t, api.Do(t, http.MethodGet, prefix+"/namespaces/"+ns+"/gatewaypolicy", tok[projectAdmin], nil), http.StatusOK)
	if pol["httpRoutes"] != true {
		t.Errorf("the policy does not say that HTTPRoutes are served: %v", pol)
	}
	good := func() route.HTTPRouteForm {
		return route.HTTPRouteForm{Name: "hr-api", ParentRefs: []string{"hr-own"}, Hostnames: []string{"api.example.com"},
			Rules: []route.HTTPFormRule{{Path: "/v1", Backends: []route.FormBackend{{Service: "hr-v1", Port: "80", Weight: ptr.To(int32(90))}, {Service: "hr-v2", Port: "8080", Weight: ptr.To(int32(10))}}}}}
	}
	post := func(f any, who string) *platform.Response {
		return api.DoJSON(t, http.MethodPost, prefix+"/namespaces/"+ns+"/httproutes", tok[who], f)
	}
	for _, c := range []struct {
		name  string
		edit  func(f *route.HTTPRouteForm)
		field string
	}{
		{"a port by name", func(f *route.HTTPRouteForm) { f.Rules[0].Backends[1].Port = "web" }, "spec.rules[0].backendRefs[1].port"},
		{"a port the Service does not have", func(f *route.HTTPRouteForm) { f.Rules[0].Backends[0].Port = "81" }, "spec.rules[0].backendRefs[0].port"},
		{"a Service that does not exist", func(f *route.HTTPRouteForm) { f.Rules[0].Backends[0].Service = "nope" }, "spec.rules[0].backendRefs[0].name"},
		{"a Gateway that does not exist", func(f *route.HTTPRouteForm) { f.ParentRefs = []string{"infra/none"} }, "spec.parentRefs[0].name"},
		{"an Exact path without /", func(f *route.HTTPRouteForm) { f.Rules[0].Path, f.Rules[0].PathType = "v1", "Exact" }, "spec.rules[0].matches[0].path.value"},
		{"no Gateway", func(f *route.HTTPRouteForm) { f.ParentRefs = nil }, "spec.parentRefs"},
	} {
		f := good()
		c.edit(&f)
		st := decode[status](t, post(f, projectAdmin), http.StatusUnprocessableEntity)
		if st.Kind != "Status" || st.Reason != "Invalid" || !slices.Contains(st.fields(), c.field) {
			t.Errorf("%s: %+v", c.name, st)
		}
	}
	if st := decode[status](t, post(map[string]any{"name": "x", "tls": []any{}}, projectAdmin), http.StatusBadRequest); st.Kind != "Status" {
		t.Errorf("a TLS field (an HTTPRoute's TLS is the Gateway's): %+v", st)
	}
	if r := post(good(), nobody); r.Code != http.StatusForbidden {
		t.Errorf("nobody creates: %d %s", r.Code, r.Body)
	}
	// A Gateway elsewhere that the workspace does not list.
	f := good()
	f.Name, f.ParentRefs = "hr-other", []string{"infra/other"}
	st := decode[status](t, post(f, projectAdmin), http.StatusForbidden)
	if !strings.Contains(st.Message, "infra/shared") || !slices.Contains(st.fields(), "spec.parentRefs") {
		t.Errorf("a Gateway not allowed: %+v", st)
	}
	// An Ingress of a class the workspace does not allow, the same way.
	in := route.IngressForm{Name: "hr-public", IngressClassName: publicClass, Rules: []route.FormRule{{Paths: []route.FormPath{{Path: "/", Service: "hr-v1", Port: "80"}}}}}
	st = decode[status](t, api.DoJSON(t, http.MethodPost, prefix+"/namespaces/"+ns+"/ingresses", tok[projectAdmin], in), http.StatusForbidden)
	if !strings.Contains(st.Message, `IngressClass "public" is not allowed in workspace gwa`) || !slices.Contains(st.fields(), "spec.ingressClassName") {
		t.Errorf("a class not allowed: %+v", st)
	}

	created := decode[route.Route](t, post(good(), projectAdmin), http.StatusCreated)
	if created.Type != route.KindHTTPRoute || !slices.Equal(created.ParentRefs, []string{ns + "/hr-own"}) || len(created.Backends) != 2 ||
		created.Backends[0].State != route.StateNoEndpoints || *created.Paths[0].Backends[0].Weight != 90 {
		t.Errorf("created: %+v", created)
	}
	f = good()
	f.Name, f.ParentRefs = "hr-shared", []string{"infra/shared"}
	decode[route.Route](t, post(f, projectAdmin), http.StatusCreated)
	one := decode[route.Route](t, api.Do(t, http.MethodGet, prefix+"/namespaces/"+ns+"/httproutes/hr-shared", tok[viewer], nil), http.StatusOK)
	if !slices.Equal(one.ParentRefs, []string{"infra/shared"}) {
		t.Errorf("read: %+v", one)
	}
	// Replace: another path, one backend; a rename in the body is refused.
	f = good()
	f.Rules = []route.HTTPFormRule{{Path: "/v2", PathType: "Exact", Backends: []route.FormBackend{{Service: "hr-v2", Port: "8080"}}}}
	got := decode[route.Route](t, api.DoJSON(t, http.MethodPut, prefix+"/namespaces/"+ns+"/httproutes/hr-api", tok[projectAdmin], f), http.StatusOK)
	if len(got.Paths) != 1 || got.Paths[0].Path != "/v2" || got.Paths[0].PathType != "Exact" || len(got.Backends) != 1 || got.Backends[0].Service != "hr-v2" {
		t.Errorf("replaced: %+v", got)
	}
	f.Name = "renamed"
	decode[status](t, api.DoJSON(t, http.MethodPut, prefix+"/namespaces/"+ns+"/httproutes/hr-api", tok[projectAdmin], f), http.StatusUnprocessableEntity)
	// A route with a filter is edited as YAML.
	filtered := httpRoute(ns, "hr-filtered", "hr-own")
	filtered.Spec.Rules[0].Filters = []gatewayapiv1.HTTPRouteFilter{{Type: gatewayapiv1.HTTPRouteFilterRequestHeaderModifier,
		RequestHeaderModifier: &gatewayapiv1.HTTPHeaderFilter{Set: []gatewayapiv1.HTTPHeader{{Name: "x-a", Value: "b"}}}}}
	mustCreate(t, k8s, filtered)
	f = good()
	f.Name = ""
	st = decode[status](t, api.DoJSON(t, http.MethodPut, prefix+"/namespaces/"+ns+"/httproutes/hr-filtered", tok[projectAdmin], f), http.StatusConflict)
	if !strings.Contains(st.Message, "filters") || !strings.Contains(st.Message, "YAML") {
		t.Errorf("a route with filters: %+v", st)
	}
	if r := api.DoJSON(t, http.MethodPut, prefix+"/namespaces/"+ns+"/httproutes/none", tok[projectAdmin], f); r.Code != http.StatusNotFound {
		t.Errorf("replace a missing HTTPRoute: %d %s", r.Code, r.Body)
	}
}
