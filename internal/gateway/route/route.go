// Package route turns a project's Ingresses and Gateway API HTTPRoutes into
// one shape (hosts, paths, TLS secrets, backends), works out each
// backend's readiness from its Service and EndpointSlices, intersects the
// allowed lists of a workspace and a project, and builds an Ingress or an
// HTTPRoute from the console's forms. It reads nothing itself.
package route

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	gatewayapiv1 "sigs.k8s.io/gateway-api/apis/v1"

	gatewayv1alpha1 "github.com/superkube/super-kubenetes/api/gateway/v1alpha1"
)

// Kinds of route.
const (
	KindIngress   = "Ingress"
	KindHTTPRoute = "HTTPRoute"
)

// Backend states.
const (
	// StateReady: every endpoint of the port is ready.
	StateReady = "Ready"
	// StateDegraded: some endpoints are ready, some not.
	StateDegraded = "Degraded"
	// StateNoEndpoints: no endpoint is ready (or there is none).
	StateNoEndpoints = "NoEndpoints"
	// StateServiceMissing: the Service does not exist.
	StateServiceMissing = "ServiceMissing"
	// StatePortMissing: the Service has no such port.
	StatePortMissing = "PortMissing"
	// StateExternal: an ExternalName Service, which has no endpoints.
	StateExternal = "External"
	// StateNotChecked: a backend the platform does not look into (another
	// namespace's Service, a kind other than Service).
	StateNotChecked = "NotChecked"
)

// Route is an Ingress or an HTTPRoute of a project, as the console shows it.
type Route struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	// Type is Ingress or HTTPRoute.
	Type string `json:"type"`
	// IngressClassName is an Ingress's class (spec.ingressClassName, else
	// the legacy annotation).
	IngressClassName string `json:"ingressClassName,omitempty"`
	// ParentRefs are an HTTPRoute's Gateways, as "namespace/name".
	ParentRefs []string `json:"parentRefs,omitempty"`
	// Hosts are the host names the route answers, sorted; empty for any.
	Hosts []string `json:"hosts"`
	Paths []Path   `json:"paths"`
	TLS   []TLS    `json:"tls"`
	// Backends are the distinct backends of the paths (and an Ingress's
	// default backend), each with its readiness.
	Backends []Backend `json:"backends"`
}

// Path is a rule's path and where it goes.
type Path struct {
	Host     string       `json:"host,omitempty"`
	Path     string       `json:"path"`
	PathType string       `json:"pathType"`
	Backends []BackendRef `json:"backends"`
}

// BackendRef names a backend: a Service port, by number or name.
type BackendRef struct {
	// Kind is Service unless another kind is named (HTTPRoute).
	Kind      string `json:"kind,omitempty"`
	Namespace string `json:"namespace,omitempty"`
	Service   string `json:"service"`
	Port      string `json:"port"`
	// Weight of an HTTPRoute's backend.
	Weight *int32 `json:"weight,omitempty"`
}

// TLS is a TLS secret and the hosts it serves.
type TLS struct {
	Hosts      []string `json:"hosts,omitempty"`
	SecretName string   `json:"secretName"`
}

// Backend is a backend and its readiness.
type Backend struct {
	BackendRef `json:",inline"`
	// Ready and Total count the endpoints of the port.
	Ready int    `json:"ready"`
	Total int    `json:"total"`
	State string `json:"state"`
	// Message says what is wrong, in words.
	Message string `json:"message,omitempty"`
}

func (b BackendRef) key() string { return b.Kind + "/" + b.Namespace + "/" + b.Service + ":" + b.Port }

func servicePort(p networkingv1.ServiceBackendPort) string {
	if p.Name != "" {
		return p.Name
	}
	return strconv.Itoa(int(p.Number))
}

// IngressClass returns an Ingress's class: spec.ingressClassName, else
// the legacy annotation.
func IngressClass(in *networkingv1.Ingress) string {
	if in.Spec.IngressClassName != nil && *in.Spec.IngressClassName != "" {
		return *in.Spec.IngressClassName
	}
	return in.Annotations["kubernetes.io/ingress.class"]
}

// FromIngress is an Ingress as a Route, without readiness.
func FromIngress(in *networkingv1.Ingress) *Route {
	r := &Route{TypeMeta: metav1.TypeMeta{Kind: "Route", APIVersion: gatewayv1alpha1.GroupVersion.String()}, ObjectMeta: *in.ObjectMeta.DeepCopy(),
		Type: KindIngress, IngressClassName: IngressClass(in), Hosts: []string{}, Paths: []Path{}, TLS: []TLS{}}
	r.ManagedFields = nil
	hosts := map[string]bool{}
	for _, rule := range in.Spec.Rules {
		if rule.Host != "" {
			hosts[rule.Host] = true
		}
		if rule.HTTP == nil {
			continue
		}
		for _, p := range rule.HTTP.Paths {
			pt := string(networkingv1.PathTypeImplementationSpecific)
			if p.PathType != nil {
				pt = string(*p.PathType)
			}
			r.Paths = append(r.Paths, Path{Host: rule.Host, Path: p.Path, PathType: pt, Backends: ingressBackend(p.Backend)})
		}
	}
	if in.Spec.DefaultBackend != nil {
		r.Paths = append(r.Paths, Path{Path: "/", PathType: "Default", Backends: ingressBackend(*in.Spec.DefaultBackend)})
	}
	for _, t := range in.Spec.TLS {
		r.TLS = append(r.TLS, TLS{Hosts: t.Hosts, SecretName: t.SecretName})
	}
	r.Hosts = sortedKeys(hosts)
	return r
}

func ingressBackend(b networkingv1.IngressBackend) []BackendRef {
	if b.Service == nil {
		kind := "Resource"
		if b.Resource != nil {
			kind = b.Resource.Kind
		}
		name := ""
		if b.Resource != nil {
			name = b.Resource.Name
		}
		return []BackendRef{{Kind: kind, Service: name}}
	}
	return []BackendRef{{Kind: "Service", Service: b.Service.Name, Port: servicePort(b.Service.Port)}}
}

// FromHTTPRoute is an HTTPRoute as a Route, without readiness. Its TLS is
// the Gateways' business: none is listed.
func FromHTTPRoute(hr *gatewayapiv1.HTTPRoute) *Route {
	r := &Route{TypeMeta: metav1.TypeMeta{Kind: "Route", APIVersion: gatewayv1alpha1.GroupVersion.String()}, ObjectMeta: *hr.ObjectMeta.DeepCopy(),
		Type: KindHTTPRoute, Hosts: []string{}, Paths: []Path{}, TLS: []TLS{}}
	r.ManagedFields = nil
	for _, p := range hr.Spec.ParentRefs {
		ns := hr.Namespace
		if p.Namespace != nil {
			ns = string(*p.Namespace)
		}
		r.ParentRefs = append(r.ParentRefs, ns+"/"+string(p.Name))
	}
	for _, h := range hr.Spec.Hostnames {
		r.Hosts = append(r.Hosts, string(h))
	}
	slices.Sort(r.Hosts)
	for _, rule := range hr.Spec.Rules {
		var refs []BackendRef
		for _, b := range rule.BackendRefs {
			ref := BackendRef{Kind: "Service", Service: string(b.Name), Weight: b.Weight}
			if b.Kind != nil && *b.Kind != "Service" || b.Group != nil && *b.Group != "" {
				ref.Kind = string(ptrOr(b.Kind, "Service"))
			}
			if b.Namespace != nil && string(*b.Namespace) != hr.Namespace {
				ref.Namespace = string(*b.Namespace)
			}
			if b.Port != nil {
				ref.Port = strconv.Itoa(int(*b.Port))
			}
			refs = append(refs, ref)
		}
		matches := rule.Matches
		if len(matches) == 0 {
			matches = []gatewayapiv1.HTTPRouteMatch{{}}
		}
		for _, m := range matches {
			path, pt := "/", string(gatewayapiv1.PathMatchPathPrefix)
			if m.Path != nil {
				path, pt = ptrOr(m.Path.Value, "/"), string(ptrOr(m.Path.Type, gatewayapiv1.PathMatchPathPrefix))
			}
			r.Paths = append(r.Paths, Path{Path: path, PathType: pt, Backends: refs})
		}
	}
	return r
}

func ptrOr[T any](p *T, def T) T {
	if p == nil {
		return def
	}
	return *p
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// Distinct returns the route's distinct backends, in order of appearance.
func (r *Route) Distinct() []BackendRef {
	seen := map[string]bool{}
	var out []BackendRef
	for _, p := range r.Paths {
		for _, b := range p.Backends {
			if b.Service == "" || seen[b.key()] {
				continue
			}
			seen[b.key()] = true
			b.Weight = nil
			out = append(out, b)
		}
	}
	return out
}

// Readiness is a backend's readiness: svc is its Service (nil when
// missing), slices the EndpointSlices of the namespace (those of other
// Services are skipped).
func Readiness(ref BackendRef, svc *corev1.Service, slices []discoveryv1.EndpointSlice) Backend {
	b := Backend{BackendRef: ref}
	switch {
	case ref.Kind != "" && ref.Kind != "Service", ref.Namespace != "":
		b.State, b.Message = StateNotChecked, "only Services of the route's own namespace are checked"
		return b
	case svc == nil:
		b.State, b.Message = StateServiceMissing, fmt.Sprintf("service %q does not exist", ref.Service)
		return b
	case svc.Spec.Type == corev1.ServiceTypeExternalName:
		b.State, b.Message = StateExternal, "an ExternalName service ("+svc.Spec.ExternalName+") has no endpoints"
		return b
	}
	port := findPort(svc, ref.Port)
	if port == nil {
		b.State, b.Message = StatePortMissing, fmt.Sprintf("service %q has no port %s", ref.Service, ref.Port)
		return b
	}
	for i := range slices {
		s := &slices[i]
		if s.Labels[discoveryv1.LabelServiceName] != svc.Name || !slicePorts(s, port.Name) {
			continue
		}
		for _, e := range s.Endpoints {
			b.Total++
			if e.Conditions.Ready == nil || *e.Conditions.Ready {
				b.Ready++
			}
		}
	}
	switch {
	case b.Total > 0 && b.Ready == b.Total:
		b.State = StateReady
	case b.Ready > 0:
		b.State, b.Message = StateDegraded, fmt.Sprintf("%d of %d endpoints are ready", b.Ready, b.Total)
	default:
		b.State, b.Message = StateNoEndpoints, "no ready endpoint"
	}
	return b
}

// findPort finds a Service port by number (the service's port, not the
// target) or by name.
func findPort(svc *corev1.Service, p string) *corev1.ServicePort {
	n, err := strconv.Atoi(p)
	for i := range svc.Spec.Ports {
		sp := &svc.Spec.Ports[i]
		if (err == nil && int(sp.Port) == n) || (err != nil && sp.Name == p) {
			return sp
		}
	}
	return nil
}

// slicePorts reports whether an EndpointSlice carries the Service port
// named name (EndpointSlices name their ports after the Service's; a
// slice without ports carries all of them).
func slicePorts(s *discoveryv1.EndpointSlice, name string) bool {
	if len(s.Ports) == 0 {
		return true
	}
	for _, p := range s.Ports {
		if ptrOr(p.Name, "") == name {
			return true
		}
	}
	return false
}

// Allowed intersects the lists of a workspace's and a project's policies:
// nil means unrestricted.
func Allowed(workspace, project *[]string) *[]string {
	switch {
	case workspace == nil && project == nil:
		return nil
	case workspace == nil:
		out := slices.Clone(*project)
		slices.Sort(out)
		return &out
	case project == nil:
		out := slices.Clone(*workspace)
		slices.Sort(out)
		return &out
	}
	out := []string{}
	for _, n := range *project {
		if slices.Contains(*workspace, n) {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return &out
}

// Permits reports whether name is in the allowed list (nil allows all).
func Permits(allowed *[]string, name string) bool {
	return allowed == nil || slices.Contains(*allowed, name)
}

// portFrom is a ServiceBackendPort from the form's text: a number or a
// name.
func portFrom(s string) networkingv1.ServiceBackendPort {
	v := intstr.Parse(strings.TrimSpace(s))
	if v.Type == intstr.Int {
		return networkingv1.ServiceBackendPort{Number: v.IntVal}
	}
	return networkingv1.ServiceBackendPort{Name: v.StrVal}
}
