package route

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"
)

// IngressForm is what the console's route form sends: an Ingress in the
// words of the form. Field errors name the Ingress's own fields
// (spec.rules[0].http.paths[1].backend.service.port), so that they read
// the same as kube-apiserver's.
type IngressForm struct {
	Name string `json:"name"`
	// IngressClassName, when empty, lets the cluster's default class
	// apply.
	IngressClassName string            `json:"ingressClassName,omitempty"`
	Labels           map[string]string `json:"labels,omitempty"`
	Annotations      map[string]string `json:"annotations,omitempty"`
	Rules            []FormRule        `json:"rules"`
	TLS              []TLS             `json:"tls,omitempty"`
}

// FormRule is a host and its paths.
type FormRule struct {
	// Host is empty for every host.
	Host  string     `json:"host,omitempty"`
	Paths []FormPath `json:"paths"`
}

// FormPath is a path and its backend, a port of a Service of the project.
type FormPath struct {
	Path string `json:"path"`
	// PathType is Prefix (default), Exact or ImplementationSpecific.
	PathType string `json:"pathType,omitempty"`
	Service  string `json:"service"`
	// Port is the Service's port, by number or name.
	Port string `json:"port"`
}

// maxRules bounds the form (kube-apiserver has no bound of its own short
// of the object's size).
const maxRules, maxPaths, maxTLS = 100, 100, 50

var pathTypes = []string{string(networkingv1.PathTypePrefix), string(networkingv1.PathTypeExact), string(networkingv1.PathTypeImplementationSpecific)}

func rulePath(i int) *field.Path { return field.NewPath("spec", "rules").Index(i) }
func httpPath(i, j int) *field.Path {
	return rulePath(i).Child("http", "paths").Index(j)
}

// Validate checks the form's shape; name is the route's name from the URL
// on an update ("" on a create).
func (f *IngressForm) Validate(name string) field.ErrorList {
	errs := validateName(f.Name, name)
	if f.IngressClassName != "" && len(validation.IsDNS1123Subdomain(f.IngressClassName)) > 0 {
		errs = append(errs, field.Invalid(field.NewPath("spec", "ingressClassName"), f.IngressClassName, "must be the name of an IngressClass"))
	}
	if len(f.Rules) == 0 {
		errs = append(errs, field.Required(field.NewPath("spec", "rules"), "a route needs at least one host or path"))
	}
	if len(f.Rules) > maxRules {
		errs = append(errs, field.TooMany(field.NewPath("spec", "rules"), len(f.Rules), maxRules))
	}
	for i, r := range f.Rules {
		if r.Host != "" {
			h := strings.TrimPrefix(r.Host, "*.")
			if msgs := validation.IsDNS1123Subdomain(h); len(msgs) > 0 {
				errs = append(errs, field.Invalid(rulePath(i).Child("host"), r.Host, "must be a DNS name, optionally starting with *."))
			}
		}
		if len(r.Paths) == 0 {
			errs = append(errs, field.Required(rulePath(i).Child("http", "paths"), "a host needs at least one path"))
		}
		if len(r.Paths) > maxPaths {
			errs = append(errs, field.TooMany(rulePath(i).Child("http", "paths"), len(r.Paths), maxPaths))
		}
		for j, p := range r.Paths {
			fp := httpPath(i, j)
			if !strings.HasPrefix(p.Path, "/") {
				errs = append(errs, field.Invalid(fp.Child("path"), p.Path, "must start with /"))
			}
			if p.PathType != "" && !contains(pathTypes, p.PathType) {
				errs = append(errs, field.NotSupported(fp.Child("pathType"), p.PathType, pathTypes))
			}
			errs = append(errs, validateBackend(fp.Child("backend", "service", "name"), fp.Child("backend", "service", "port"), p.Service, p.Port, false)...)
		}
	}
	if len(f.TLS) > maxTLS {
		errs = append(errs, field.TooMany(field.NewPath("spec", "tls"), len(f.TLS), maxTLS))
	}
	for k, t := range f.TLS {
		if t.SecretName == "" {
			errs = append(errs, field.Required(field.NewPath("spec", "tls").Index(k).Child("secretName"), "a TLS entry needs a secret of type kubernetes.io/tls"))
		}
	}
	return errs
}

// validateBackend checks the shape of a backend, a port of a Service of
// the project: name and port are the fields to name. An Ingress may name
// the port by number or name; an HTTPRoute only by number (numberOnly).
// The Ingress and HTTPRoute forms share it.
func validateBackend(name, port *field.Path, service, p string, numberOnly bool) field.ErrorList {
	var errs field.ErrorList
	if service == "" {
		errs = append(errs, field.Required(name, "a backend needs a service"))
	} else if len(validation.IsDNS1035Label(service)) > 0 {
		errs = append(errs, field.Invalid(name, service, "must be a service name"))
	}
	return append(errs, validatePort(port, p, numberOnly)...)
}

// validateName checks a form's name against the URL's (name, "" on a
// create).
func validateName(formName, name string) field.ErrorList {
	var errs field.ErrorList
	if name != "" && formName != "" && formName != name {
		errs = append(errs, field.Invalid(field.NewPath("metadata", "name"), formName, "must be the name in the URL, "+name))
	}
	if formName == "" && name == "" {
		errs = append(errs, field.Required(field.NewPath("metadata", "name"), "a route needs a name"))
	} else if n := firstNonEmpty(formName, name); len(validation.IsDNS1123Subdomain(n)) > 0 {
		errs = append(errs, field.Invalid(field.NewPath("metadata", "name"), n, strings.Join(validation.IsDNS1123Subdomain(n), "; ")))
	}
	return errs
}

// mergeMeta writes the form's labels and annotations over an object's.
func mergeMeta(o *metav1.ObjectMeta, labels, annotations map[string]string) {
	for k, v := range labels {
		if o.Labels == nil {
			o.Labels = map[string]string{}
		}
		o.Labels[k] = v
	}
	for k, v := range annotations {
		if o.Annotations == nil {
			o.Annotations = map[string]string{}
		}
		o.Annotations[k] = v
	}
}

func validatePort(p *field.Path, port string, numberOnly bool) field.ErrorList {
	port = strings.TrimSpace(port)
	pp := portFrom(port)
	switch {
	case port == "" && numberOnly:
		return field.ErrorList{field.Required(p, "a backend needs the service's port number")}
	case port == "":
		return field.ErrorList{field.Required(p, "a path needs the service's port, by number or name")}
	case numberOnly && (pp.Name != "" || pp.Number < 1 || pp.Number > 65535):
		return field.ErrorList{field.Invalid(p, port, "must be a port number between 1 and 65535")}
	case pp.Name == "" && (pp.Number < 1 || pp.Number > 65535):
		return field.ErrorList{field.Invalid(p, port, "must be a port number between 1 and 65535 or a port name")}
	case pp.Name != "" && len(validation.IsValidPortName(pp.Name)) > 0:
		return field.ErrorList{field.Invalid(p, port, "must be a port number between 1 and 65535 or a port name")}
	}
	return nil
}

// checkBackend checks that a backend's Service exists in the project
// (services by name) and has the port; an ExternalName Service has no
// ports to check. The Ingress and HTTPRoute forms share it.
func checkBackend(name, port *field.Path, service, p string, services map[string]*corev1.Service) *field.Error {
	svc := services[service]
	switch {
	case svc == nil:
		return field.NotFound(name, service)
	case svc.Spec.Type == corev1.ServiceTypeExternalName:
	case findPort(svc, strings.TrimSpace(p)) == nil:
		return field.Invalid(port, p, fmt.Sprintf("service %s has no such port (it has %s)", service, portList(svc)))
	}
	return nil
}

// Check checks what the form refers to: every backend's Service and port
// exist in the project (services by name), every TLS secret exists and is
// of type kubernetes.io/tls (secrets by name; only their type is read).
func (f *IngressForm) Check(services map[string]*corev1.Service, secrets map[string]*corev1.Secret) field.ErrorList {
	var errs field.ErrorList
	for i, r := range f.Rules {
		for j, p := range r.Paths {
			fp := httpPath(i, j).Child("backend", "service")
			if err := checkBackend(fp.Child("name"), fp.Child("port"), p.Service, p.Port, services); err != nil {
				errs = append(errs, err)
			}
		}
	}
	for k, t := range f.TLS {
		s := secrets[t.SecretName]
		fp := field.NewPath("spec", "tls").Index(k).Child("secretName")
		switch {
		case s == nil:
			errs = append(errs, field.NotFound(fp, t.SecretName))
		case s.Type != corev1.SecretTypeTLS:
			errs = append(errs, field.Invalid(fp, t.SecretName, fmt.Sprintf("must be a secret of type %s, not %s", corev1.SecretTypeTLS, s.Type)))
		}
	}
	return errs
}

func portList(svc *corev1.Service) string {
	var out []string
	for _, p := range svc.Spec.Ports {
		s := fmt.Sprint(p.Port)
		if p.Name != "" {
			s += " (" + p.Name + ")"
		}
		out = append(out, s)
	}
	if len(out) == 0 {
		return "no ports"
	}
	return strings.Join(out, ", ")
}

// Apply writes the form into in (a new Ingress or the one being
// replaced): its spec entirely, and the form's labels and annotations over
// the existing ones.
func (f *IngressForm) Apply(in *networkingv1.Ingress) {
	if in.Name == "" {
		in.Name = f.Name
	}
	mergeMeta(&in.ObjectMeta, f.Labels, f.Annotations)
	spec := networkingv1.IngressSpec{}
	if f.IngressClassName != "" {
		spec.IngressClassName = ptr.To(f.IngressClassName)
	} else if in.Spec.IngressClassName != nil {
		// A replaced Ingress keeps the class the default gave it.
		spec.IngressClassName = in.Spec.IngressClassName
	}
	for _, r := range f.Rules {
		rule := networkingv1.IngressRule{Host: r.Host, IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{}}}
		for _, p := range r.Paths {
			pt := networkingv1.PathType(firstNonEmpty(p.PathType, string(networkingv1.PathTypePrefix)))
			rule.HTTP.Paths = append(rule.HTTP.Paths, networkingv1.HTTPIngressPath{Path: p.Path, PathType: &pt,
				Backend: networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{Name: p.Service, Port: portFrom(p.Port)}}})
		}
		spec.Rules = append(spec.Rules, rule)
	}
	for _, t := range f.TLS {
		spec.TLS = append(spec.TLS, networkingv1.IngressTLS{Hosts: t.Hosts, SecretName: t.SecretName})
	}
	in.Spec = spec
	if in.APIVersion == "" {
		in.TypeMeta = metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "Ingress"}
	}
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}
