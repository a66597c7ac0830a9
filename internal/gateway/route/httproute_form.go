package route

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"
	gatewayapiv1 "sigs.k8s.io/gateway-api/apis/v1"
)

// HTTPRouteForm is what the console's HTTPRoute form sends: a Gateway API
// HTTPRoute in the words of the form. Field errors name the HTTPRoute's
// own fields (spec.rules[0].backendRefs[1].port), as kube-apiserver's do.
// TLS has no field: an HTTPRoute's TLS is its Gateway listener's.
type HTTPRouteForm struct {
	Name string `json:"name"`
	// ParentRefs are the Gateways the route attaches to: "name" (a Gateway
	// of the route's namespace) or "namespace/name".
	ParentRefs  []string          `json:"parentRefs"`
	Hostnames   []string          `json:"hostnames,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
	Rules       []HTTPFormRule    `json:"rules"`
}

// HTTPFormRule is one path match and the backends it sends to.
type HTTPFormRule struct {
	// Path defaults to /.
	Path string `json:"path,omitempty"`
	// PathType is PathPrefix (default) or Exact.
	PathType string        `json:"pathType,omitempty"`
	Backends []FormBackend `json:"backends"`
}

// FormBackend is a port of a Service of the project, by number, and its
// share of the traffic.
type FormBackend struct {
	Service string `json:"service"`
	Port    string `json:"port"`
	// Weight is the backend's share relative to the rule's others (the
	// Gateway API's default is 1).
	Weight *int32 `json:"weight,omitempty"`
}

// The bounds of the Gateway API's CRD (rules, backends per rule, parents,
// hostnames) and of a weight.
const maxHTTPRules, maxHTTPBackends, maxParents, maxHostnames, maxWeight = 16, 16, 32, 16, 1000000

var httpPathTypes = []string{string(gatewayapiv1.PathMatchPathPrefix), string(gatewayapiv1.PathMatchExact)}

func httpRulePath(i int) *field.Path { return field.NewPath("spec", "rules").Index(i) }
func backendRefPath(i, j int) *field.Path {
	return httpRulePath(i).Child("backendRefs").Index(j)
}

// Parent splits a parent as the form names it ("name" or
// "namespace/name"); the namespace defaults to ns.
func Parent(ref, ns string) (string, string) {
	if pns, name, ok := strings.Cut(strings.TrimSpace(ref), "/"); ok {
		return pns, name
	}
	return ns, strings.TrimSpace(ref)
}

// Validate checks the form's shape; name is the route's name from the URL
// on an update ("" on a create).
func (f *HTTPRouteForm) Validate(name string) field.ErrorList {
	errs := validateName(f.Name, name)
	pp := field.NewPath("spec", "parentRefs")
	if len(f.ParentRefs) == 0 {
		errs = append(errs, field.Required(pp, "a route needs a Gateway to attach to"))
	}
	if len(f.ParentRefs) > maxParents {
		errs = append(errs, field.TooMany(pp, len(f.ParentRefs), maxParents))
	}
	for k, ref := range f.ParentRefs {
		pns, pname := Parent(ref, "x")
		switch {
		case pname == "":
			errs = append(errs, field.Required(pp.Index(k).Child("name"), "name a Gateway"))
		case len(validation.IsDNS1123Subdomain(pname)) > 0:
			errs = append(errs, field.Invalid(pp.Index(k).Child("name"), ref, "must be the name of a Gateway"))
		case len(validation.IsDNS1123Label(pns)) > 0:
			errs = append(errs, field.Invalid(pp.Index(k).Child("namespace"), ref, "must be a namespace"))
		}
	}
	if len(f.Hostnames) > maxHostnames {
		errs = append(errs, field.TooMany(field.NewPath("spec", "hostnames"), len(f.Hostnames), maxHostnames))
	}
	for k, h := range f.Hostnames {
		if msgs := validation.IsDNS1123Subdomain(strings.TrimPrefix(h, "*.")); len(msgs) > 0 || validation.IsValidIP(field.NewPath("x"), h) == nil {
			errs = append(errs, field.Invalid(field.NewPath("spec", "hostnames").Index(k), h, "must be a DNS name, optionally starting with *."))
		}
	}
	if len(f.Rules) == 0 {
		errs = append(errs, field.Required(field.NewPath("spec", "rules"), "a route needs at least one path"))
	}
	if len(f.Rules) > maxHTTPRules {
		errs = append(errs, field.TooMany(field.NewPath("spec", "rules"), len(f.Rules), maxHTTPRules))
	}
	for i, r := range f.Rules {
		mp := httpRulePath(i).Child("matches").Index(0).Child("path")
		if r.Path != "" && !strings.HasPrefix(r.Path, "/") {
			errs = append(errs, field.Invalid(mp.Child("value"), r.Path, "must start with /"))
		}
		if r.PathType != "" && !contains(httpPathTypes, r.PathType) {
			errs = append(errs, field.NotSupported(mp.Child("type"), r.PathType, httpPathTypes))
		}
		if len(r.Backends) == 0 {
			errs = append(errs, field.Required(httpRulePath(i).Child("backendRefs"), "a path needs at least one backend"))
		}
		if len(r.Backends) > maxHTTPBackends {
			errs = append(errs, field.TooMany(httpRulePath(i).Child("backendRefs"), len(r.Backends), maxHTTPBackends))
		}
		for j, b := range r.Backends {
			bp := backendRefPath(i, j)
			errs = append(errs, validateBackend(bp.Child("name"), bp.Child("port"), b.Service, b.Port, true)...)
			if b.Weight != nil && (*b.Weight < 0 || *b.Weight > maxWeight) {
				errs = append(errs, field.Invalid(bp.Child("weight"), *b.Weight, fmt.Sprintf("must be between 0 and %d", maxWeight)))
			}
		}
	}
	return errs
}

// Check checks what the form refers to: every backend's Service and port
// exist in the project (services by name, the same check as an
// Ingress's), and every parent Gateway exists (gateways by
// "namespace/name", ns the route's namespace).
func (f *HTTPRouteForm) Check(ns string, services map[string]*corev1.Service, gateways map[string]bool) field.ErrorList {
	var errs field.ErrorList
	for k, ref := range f.ParentRefs {
		pns, pname := Parent(ref, ns)
		if !gateways[pns+"/"+pname] {
			errs = append(errs, field.NotFound(field.NewPath("spec", "parentRefs").Index(k).Child("name"), ref))
		}
	}
	for i, r := range f.Rules {
		for j, b := range r.Backends {
			bp := backendRefPath(i, j)
			if err := checkBackend(bp.Child("name"), bp.Child("port"), b.Service, b.Port, services); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errs
}

// Unshown lists what an HTTPRoute has that the form cannot show, which a
// replacement from the form would drop: filters, matches on headers,
// query parameters or methods, several matches in a rule, timeouts,
// retries, session persistence, backends of other kinds or namespaces,
// parents by section or port. Empty when the form shows all of it.
func Unshown(hr *gatewayapiv1.HTTPRoute) []string {
	var out []string
	add := func(what string) {
		if !contains(out, what) {
			out = append(out, what)
		}
	}
	for _, p := range hr.Spec.ParentRefs {
		if p.SectionName != nil || p.Port != nil || p.Kind != nil && *p.Kind != "Gateway" || p.Group != nil && *p.Group != gatewayapiv1.GroupName {
			add("a parent by section, port or kind")
		}
	}
	for _, r := range hr.Spec.Rules {
		if len(r.Filters) > 0 {
			add("filters")
		}
		if len(r.Matches) > 1 {
			add("several matches in a rule")
		}
		for _, m := range r.Matches {
			if len(m.Headers) > 0 || len(m.QueryParams) > 0 || m.Method != nil {
				add("matches on headers, query parameters or methods")
			}
			if m.Path != nil && m.Path.Type != nil && !contains(httpPathTypes, string(*m.Path.Type)) {
				add("a path match of type " + string(*m.Path.Type))
			}
		}
		if r.Timeouts != nil || r.Retry != nil || r.SessionPersistence != nil || r.Name != nil {
			add("rule names, timeouts, retries or session persistence")
		}
		for _, b := range r.BackendRefs {
			if len(b.Filters) > 0 {
				add("filters")
			}
			if b.Kind != nil && *b.Kind != "Service" || b.Group != nil && *b.Group != "" || b.Namespace != nil && string(*b.Namespace) != hr.Namespace {
				add("backends of another kind or namespace")
			}
		}
	}
	return out
}

// Apply writes the form into hr (a new HTTPRoute in its namespace, or the
// one being replaced): its parents, hostnames and rules entirely, and the
// form's labels and annotations over the existing ones.
func (f *HTTPRouteForm) Apply(hr *gatewayapiv1.HTTPRoute) {
	if hr.Name == "" {
		hr.Name = f.Name
	}
	mergeMeta(&hr.ObjectMeta, f.Labels, f.Annotations)
	spec := gatewayapiv1.HTTPRouteSpec{}
	for _, ref := range f.ParentRefs {
		pns, pname := Parent(ref, hr.Namespace)
		p := gatewayapiv1.ParentReference{Name: gatewayapiv1.ObjectName(pname)}
		if pns != hr.Namespace {
			p.Namespace = ptr.To(gatewayapiv1.Namespace(pns))
		}
		spec.ParentRefs = append(spec.ParentRefs, p)
	}
	for _, h := range f.Hostnames {
		spec.Hostnames = append(spec.Hostnames, gatewayapiv1.Hostname(strings.TrimSpace(h)))
	}
	for _, r := range f.Rules {
		pt := gatewayapiv1.PathMatchType(firstNonEmpty(r.PathType, string(gatewayapiv1.PathMatchPathPrefix)))
		rule := gatewayapiv1.HTTPRouteRule{Matches: []gatewayapiv1.HTTPRouteMatch{{Path: &gatewayapiv1.HTTPPathMatch{Type: &pt, Value: ptr.To(firstNonEmpty(r.Path, "/"))}}}}
		for _, b := range r.Backends {
			n := portFrom(b.Port).Number
			rule.BackendRefs = append(rule.BackendRefs, gatewayapiv1.HTTPBackendRef{BackendRef: gatewayapiv1.BackendRef{
				BackendObjectReference: gatewayapiv1.BackendObjectReference{Name: gatewayapiv1.ObjectName(b.Service), Port: ptr.To(n)},
				Weight:                 b.Weight}})
		}
		spec.Rules = append(spec.Rules, rule)
	}
	hr.Spec = spec
	if hr.APIVersion == "" {
		hr.TypeMeta = metav1.TypeMeta{APIVersion: gatewayapiv1.GroupVersion.String(), Kind: "HTTPRoute"}
	}
}
