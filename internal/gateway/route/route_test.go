package route

import (
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	gatewayapiv1 "sigs.k8s.io/gateway-api/apis/v1"
)

func svc(name string, ports ...corev1.ServicePort) *corev1.Service {
	return &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: corev1.ServiceSpec{Ports: ports}}
}

func endpointSlice(service, port string, ready ...*bool) discoveryv1.EndpointSlice {
	s := discoveryv1.EndpointSlice{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{discoveryv1.LabelServiceName: service}},
		Ports: []discoveryv1.EndpointPort{{Name: ptr.To(port)}}}
	for _, r := range ready {
		s.Endpoints = append(s.Endpoints, discoveryv1.Endpoint{Conditions: discoveryv1.EndpointConditions{Ready: r}})
	}
	return s
}

func TestReadiness(t *testing.T) {
	web := svc("web", corev1.ServicePort{Name: "http", Port: 80}, corev1.ServicePort{Name: "admin", Port: 9000})
	slicesOf := []discoveryv1.EndpointSlice{
		endpointSlice("web", "http", ptr.To(true), nil, ptr.To(false)),
		endpointSlice("web", "http", ptr.To(true)),
		endpointSlice("web", "admin", ptr.To(false)),
		endpointSlice("other", "http", ptr.To(true)),
	}
	for _, c := range []struct {
		name         string
		ref          BackendRef
		svc          *corev1.Service
		state        string
		ready, total int
	}{
		{"a port by number counts the endpoints of every slice of that port; unset ready counts as ready", BackendRef{Service: "web", Port: "80"}, web, StateDegraded, 3, 4},
		{"a port by name is the same port", BackendRef{Service: "web", Port: "http"}, web, StateDegraded, 3, 4},
		{"a port whose endpoints are all unready has no ready endpoint", BackendRef{Service: "web", Port: "admin"}, web, StateNoEndpoints, 0, 1},
		{"a port the service does not have is missing", BackendRef{Service: "web", Port: "8080"}, web, StatePortMissing, 0, 0},
		{"a service that does not exist is missing", BackendRef{Service: "gone", Port: "80"}, nil, StateServiceMissing, 0, 0},
		{"an ExternalName service has no endpoints to count", BackendRef{Service: "ext", Port: "80"},
			&corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "ext"}, Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName, ExternalName: "example.com"}}, StateExternal, 0, 0},
		{"another namespace's service is not checked", BackendRef{Service: "web", Port: "80", Namespace: "elsewhere"}, web, StateNotChecked, 0, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := Readiness(c.ref, c.svc, slicesOf)
			if b.State != c.state || b.Ready != c.ready || b.Total != c.total {
				t.Errorf("%s %d/%d, want %s %d/%d (%s)", b.State, b.Ready, b.Total, c.state, c.ready, c.total, b.Message)
			}
		})
	}
	if b := Readiness(BackendRef{Service: "web", Port: "80"}, web, []discoveryv1.EndpointSlice{endpointSlice("web", "http", ptr.To(true))}); b.State != StateReady {
		t.Errorf("every endpoint ready: %s", b.State)
	}
}

func TestAllowedIntersectsTheTwoLevels(t *testing.T) {
	l := func(s ...string) *[]string { return &s }
	for _, c := range []struct {
		name               string
		workspace, project *[]string
		want               *[]string
	}{
		{"neither level restricts", nil, nil, nil},
		{"only the workspace restricts", l("b", "a"), nil, l("a", "b")},
		{"only the project restricts", nil, l("c"), l("c")},
		{"a project cannot add what the workspace does not allow", l("a", "b"), l("b", "c"), l("b")},
		{"an empty list allows nothing", l(), l("a"), l()},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := Allowed(c.workspace, c.project)
			if (got == nil) != (c.want == nil) || got != nil && !slices.Equal(*got, *c.want) {
				t.Errorf("got %v, want %v", got, c.want)
			}
		})
	}
	if !Permits(nil, "x") || Permits(&[]string{}, "x") || !Permits(&[]string{"x"}, "x") {
		t.Error("Permits")
	}
}

func TestFromIngressAndFromHTTPRoute(t *testing.T) {
	in := &networkingv1.Ingress{ObjectMeta: metav1.ObjectMeta{Name: "shop", Annotations: map[string]string{"kubernetes.io/ingress.class": "legacy"}},
		Spec: networkingv1.IngressSpec{
			Rules: []networkingv1.IngressRule{{Host: "b.example.com", IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{
				Paths: []networkingv1.HTTPIngressPath{{Path: "/", Backend: networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{Name: "web", Port: networkingv1.ServiceBackendPort{Name: "http"}}}}}}}},
				{Host: "a.example.com", IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{
					Paths: []networkingv1.HTTPIngressPath{{Path: "/", PathType: ptr.To(networkingv1.PathTypeExact), Backend: networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{Name: "web", Port: networkingv1.ServiceBackendPort{Name: "http"}}}}}}}}},
			TLS: []networkingv1.IngressTLS{{Hosts: []string{"a.example.com"}, SecretName: "a-tls"}}}}
	r := FromIngress(in)
	if r.IngressClassName != "legacy" || !slices.Equal(r.Hosts, []string{"a.example.com", "b.example.com"}) || r.Paths[0].PathType != "ImplementationSpecific" ||
		len(r.TLS) != 1 || r.TLS[0].SecretName != "a-tls" || len(r.Distinct()) != 1 {
		t.Errorf("an Ingress: %+v", r)
	}
	hr := &gatewayapiv1.HTTPRoute{ObjectMeta: metav1.ObjectMeta{Name: "api", Namespace: "dev"}, Spec: gatewayapiv1.HTTPRouteSpec{
		CommonRouteSpec: gatewayapiv1.CommonRouteSpec{ParentRefs: []gatewayapiv1.ParentReference{{Name: "gw"}, {Name: "shared", Namespace: ptr.To(gatewayapiv1.Namespace("infra"))}}},
		Rules: []gatewayapiv1.HTTPRouteRule{{BackendRefs: []gatewayapiv1.HTTPBackendRef{
			{BackendRef: gatewayapiv1.BackendRef{BackendObjectReference: gatewayapiv1.BackendObjectReference{Name: "v1", Port: ptr.To(gatewayapiv1.PortNumber(80))}, Weight: ptr.To(int32(90))}},
			{BackendRef: gatewayapiv1.BackendRef{BackendObjectReference: gatewayapiv1.BackendObjectReference{Name: "v2", Port: ptr.To(gatewayapiv1.PortNumber(80))}, Weight: ptr.To(int32(10))}},
		}}}}}
	r = FromHTTPRoute(hr)
	if !slices.Equal(r.ParentRefs, []string{"dev/gw", "infra/shared"}) || len(r.Paths) != 1 || r.Paths[0].Path != "/" || r.Paths[0].PathType != "PathPrefix" ||
		len(r.Paths[0].Backends) != 2 || *r.Paths[0].Backends[0].Weight != 90 || len(r.Distinct()) != 2 || r.Distinct()[0].Weight != nil {
		t.Errorf("an HTTPRoute: %+v", r)
	}
}

func TestTheFormBecomesAnIngress(t *testing.T) {
	f := &IngressForm{Name: "shop", Labels: map[string]string{"app": "shop"}, Rules: []FormRule{{Host: "*.example.com", Paths: []FormPath{{Path: "/", Service: "web", Port: "http"}, {Path: "/x", PathType: "Exact", Service: "web", Port: "80"}}}},
		TLS: []TLS{{Hosts: []string{"*.example.com"}, SecretName: "tls"}}}
	if errs := f.Validate(""); len(errs) != 0 {
		t.Fatal(errs)
	}
	// A replaced Ingress keeps the class the default gave it and its own labels.
	in := &networkingv1.Ingress{ObjectMeta: metav1.ObjectMeta{Name: "shop", Labels: map[string]string{"team": "a"}}, Spec: networkingv1.IngressSpec{IngressClassName: ptr.To("public")}}
	f.Apply(in)
	p := in.Spec.Rules[0].HTTP.Paths
	if *in.Spec.IngressClassName != "public" || in.Labels["team"] != "a" || in.Labels["app"] != "shop" || *p[0].PathType != networkingv1.PathTypePrefix ||
		p[0].Backend.Service.Port.Name != "http" || p[1].Backend.Service.Port.Number != 80 || in.Spec.TLS[0].SecretName != "tls" {
		t.Errorf("%+v", in)
	}
	errs := f.Check(map[string]*corev1.Service{"web": svc("web", corev1.ServicePort{Name: "http", Port: 80})},
		map[string]*corev1.Secret{"tls": {Type: corev1.SecretTypeOpaque}})
	if len(errs) != 1 || errs[0].Field != "spec.tls[0].secretName" {
		t.Errorf("check: %v", errs)
	}
}
