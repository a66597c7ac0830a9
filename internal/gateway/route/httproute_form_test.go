package route

import (
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"
	gatewayapiv1 "sigs.k8s.io/gateway-api/apis/v1"
)

func fields(errs field.ErrorList) []string {
	var out []string
	for _, e := range errs {
		out = append(out, e.Field)
	}
	return out
}

func goodHTTPRoute() HTTPRouteForm {
	return HTTPRouteForm{Name: "api", ParentRefs: []string{"gw"}, Hostnames: []string{"api.example.com"},
		Rules: []HTTPFormRule{{Path: "/v1", Backends: []FormBackend{{Service: "v1", Port: "80", Weight: ptr.To(int32(90))}, {Service: "v2", Port: "80", Weight: ptr.To(int32(10))}}}}}
}

// Bad input names the HTTPRoute's own field.
func TestHTTPRouteFormValidateNamesTheField(t *testing.T) {
	for _, c := range []struct {
		name  string
		edit  func(f *HTTPRouteForm)
		field string
	}{
		{"no name", func(f *HTTPRouteForm) { f.Name = "" }, "metadata.name"},
		{"no parent", func(f *HTTPRouteForm) { f.ParentRefs = nil }, "spec.parentRefs"},
		{"a parent that is not a name", func(f *HTTPRouteForm) { f.ParentRefs = []string{"Bad_GW"} }, "spec.parentRefs[0].name"},
		{"a parent namespace that is not a name", func(f *HTTPRouteForm) { f.ParentRefs = []string{"In_Fra/gw"} }, "spec.parentRefs[0].namespace"},
		{"a hostname that is an IP", func(f *HTTPRouteForm) { f.Hostnames = []string{"10.0.0.1"} }, "spec.hostnames[0]"},
		{"a hostname that is not a DNS name", func(f *HTTPRouteForm) { f.Hostnames = []string{"a", "Bad Host"} }, "spec.hostnames[1]"},
		{"no rules", func(f *HTTPRouteForm) { f.Rules = nil }, "spec.rules"},
		{"a path without /", func(f *HTTPRouteForm) { f.Rules[0].Path = "v1" }, "spec.rules[0].matches[0].path.value"},
		{"a path type the form does not offer", func(f *HTTPRouteForm) { f.Rules[0].PathType = "Prefix" }, "spec.rules[0].matches[0].path.type"},
		{"no backends", func(f *HTTPRouteForm) { f.Rules[0].Backends = nil }, "spec.rules[0].backendRefs"},
		{"no service", func(f *HTTPRouteForm) { f.Rules[0].Backends[1].Service = "" }, "spec.rules[0].backendRefs[1].name"},
		{"a port by name (an HTTPRoute names ports by number)", func(f *HTTPRouteForm) { f.Rules[0].Backends[0].Port = "http" }, "spec.rules[0].backendRefs[0].port"},
		{"a port out of range", func(f *HTTPRouteForm) { f.Rules[0].Backends[0].Port = "0" }, "spec.rules[0].backendRefs[0].port"},
		{"a negative weight", func(f *HTTPRouteForm) { f.Rules[0].Backends[0].Weight = ptr.To(int32(-1)) }, "spec.rules[0].backendRefs[0].weight"},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := goodHTTPRoute()
			c.edit(&f)
			if errs := f.Validate(""); !slices.Contains(fields(errs), c.field) {
				t.Errorf("want %s, got %v", c.field, errs)
			}
		})
	}
	f := goodHTTPRoute()
	if errs := f.Validate(""); len(errs) != 0 {
		t.Errorf("the good form: %v", errs)
	}
	if errs := f.Validate("other"); !slices.Equal(fields(errs), []string{"metadata.name"}) {
		t.Errorf("a name that is not the URL's: %v", errs)
	}
}

// Check finds missing Services, ports and Gateways with the Ingress
// form's backend check.
func TestHTTPRouteFormCheck(t *testing.T) {
	services := map[string]*corev1.Service{"v1": svc("v1", corev1.ServicePort{Name: "http", Port: 80}), "v2": svc("v2", corev1.ServicePort{Port: 8080})}
	f := goodHTTPRoute()
	f.ParentRefs = []string{"gw", "infra/shared", "infra/gone"}
	errs := f.Check("dev", services, map[string]bool{"dev/gw": true, "infra/shared": true})
	if want := []string{"spec.parentRefs[2].name", "spec.rules[0].backendRefs[1].port"}; !slices.Equal(fields(errs), want) {
		t.Errorf("got %v, want %v", errs, want)
	}
	f.Rules[0].Backends[1].Service = "gone"
	if errs := f.Check("dev", services, map[string]bool{"dev/gw": true, "infra/shared": true, "infra/gone": true}); len(errs) != 1 || errs[0].Type != field.ErrorTypeNotFound || errs[0].Field != "spec.rules[0].backendRefs[1].name" {
		t.Errorf("a missing service: %v", errs)
	}
}

// The form becomes an HTTPRoute that reads back as the same route.
func TestTheFormBecomesAnHTTPRoute(t *testing.T) {
	f := goodHTTPRoute()
	f.ParentRefs = []string{"gw", "infra/shared", "dev/own"}
	f.Rules = append(f.Rules, HTTPFormRule{PathType: "Exact", Backends: []FormBackend{{Service: "web", Port: " 8080 "}}})
	hr := &gatewayapiv1.HTTPRoute{}
	hr.Namespace = "dev"
	hr.Labels = map[string]string{"team": "a"}
	f.Labels = map[string]string{"app": "api"}
	f.Apply(hr)
	if hr.Name != "api" || hr.Kind != "HTTPRoute" || hr.Labels["team"] != "a" || hr.Labels["app"] != "api" {
		t.Errorf("meta: %+v", hr.ObjectMeta)
	}
	if p := hr.Spec.ParentRefs; len(p) != 3 || p[0].Namespace != nil || *p[1].Namespace != "infra" || p[2].Namespace != nil || p[2].Name != "own" {
		t.Errorf("parents: %+v", p)
	}
	r := FromHTTPRoute(hr)
	if !slices.Equal(r.ParentRefs, []string{"dev/gw", "infra/shared", "dev/own"}) || !slices.Equal(r.Hosts, []string{"api.example.com"}) || len(r.Paths) != 2 ||
		r.Paths[0].Path != "/v1" || r.Paths[0].PathType != "PathPrefix" || *r.Paths[0].Backends[0].Weight != 90 ||
		r.Paths[1].Path != "/" || r.Paths[1].PathType != "Exact" || r.Paths[1].Backends[0].Port != "8080" {
		t.Errorf("read back: %+v", r)
	}
	if u := Unshown(hr); len(u) != 0 {
		t.Errorf("the form's own route shows all: %v", u)
	}
	hr.Spec.Rules[0].Filters = []gatewayapiv1.HTTPRouteFilter{{Type: gatewayapiv1.HTTPRouteFilterRequestHeaderModifier}}
	hr.Spec.Rules[1].Matches[0].Headers = []gatewayapiv1.HTTPHeaderMatch{{Name: "x", Value: "y"}}
	if u := Unshown(hr); !slices.Equal(u, []string{"filters", "matches on headers, query parameters or methods"}) {
		t.Errorf("unshown: %v", u)
	}
}
