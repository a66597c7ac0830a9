package compile

import (
	"fmt"
	"regexp"
	"strings"

	networkingapi "istio.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/util/validation"

	meshv1 "github.com/superkube/super-kubenetes/api/servicemesh/v1alpha2"
)

// Validate applies to out the rules Istio applies (pilot's validation of
// VirtualServices and DestinationRules) and the ones that make a route
// work: the weights of a route add up to 100, every subset a route or a
// mirror names is declared by the DestinationRule, every subset selects at
// least one pod of the Service, every host resolves to the Service, subset
// names are DNS-1123 labels, regular expressions are RE2. An error names
// the field of the input spec (spec.weight, spec.canary, ...).
func Validate(in Input, out *Output) error {
	ns, name := target(in)
	if in.Service == nil || in.Service.Name != name || in.Service.Namespace != ns {
		return &Error{Reason: meshv1.ReasonServiceNotFound, Field: "spec.service", Message: fmt.Sprintf("no Service %s in namespace %s", name, ns)}
	}
	host := Host(name, ns)
	fields := subsetFields(in.Strategy)
	dr := out.DestinationRule
	if dr == nil {
		return &Error{Reason: meshv1.ReasonInvalid, Message: "no DestinationRule was produced"}
	}
	if dr.Spec.Host != host {
		return &Error{Reason: meshv1.ReasonInvalid, Field: "spec.service", Message: fmt.Sprintf("the DestinationRule's host %s is not the Service's", dr.Spec.Host)}
	}
	declared := map[string]bool{}
	for _, s := range dr.Spec.Subsets {
		fld := fields[s.Name]
		if msgs := validation.IsDNS1123Label(s.Name); len(msgs) > 0 {
			return &Error{Reason: meshv1.ReasonInvalid, Of: OfStrategy, Field: fld, Message: fmt.Sprintf("subset name %q: %s", s.Name, strings.Join(msgs, "; "))}
		}
		if declared[s.Name] {
			return &Error{Reason: meshv1.ReasonInvalid, Of: OfStrategy, Field: fld, Message: fmt.Sprintf("subset %q declared twice", s.Name)}
		}
		declared[s.Name] = true
		if len(s.Labels) == 0 {
			return &Error{Reason: meshv1.ReasonInvalid, Of: OfStrategy, Field: fld, Message: fmt.Sprintf("subset %q selects every pod", s.Name)}
		}
		if in.Strategy == nil {
			continue
		}
		version := s.Labels[VersionLabel(&in.Strategy.Spec)]
		if in.Versions[version].Pods < 1 {
			return &Error{Reason: meshv1.ReasonNoPods, Of: OfStrategy, Field: fld, Message: fmt.Sprintf("no running pod of Service %s has the label %s=%s", name, VersionLabel(&in.Strategy.Spec), version)}
		}
	}
	vs := out.VirtualService
	if vs == nil {
		if in.Strategy != nil {
			return &Error{Reason: meshv1.ReasonInvalid, Message: "a strategy produced no VirtualService"}
		}
		return nil
	}
	if len(vs.Spec.Hosts) == 0 {
		return &Error{Reason: meshv1.ReasonInvalid, Field: "spec.service", Message: "the VirtualService has no host"}
	}
	for _, h := range vs.Spec.Hosts {
		if !HostCovers(h, name, ns) {
			return &Error{Reason: meshv1.ReasonInvalid, Field: "spec.service", Message: fmt.Sprintf("the VirtualService's host %s is not the Service's", h)}
		}
	}
	if len(vs.Spec.Http) == 0 {
		return &Error{Reason: meshv1.ReasonInvalid, Message: "the VirtualService has no route"}
	}
	weightField := "spec"
	if in.Strategy != nil && in.Strategy.Spec.Type == meshv1.Canary && in.Strategy.Spec.Decision == "" {
		weightField = "spec.weight"
	}
	for i, r := range vs.Spec.Http {
		if err := checkRoute(r, i, host, declared, fields, weightField); err != nil {
			return err
		}
	}
	return nil
}

func checkRoute(r *networkingapi.HTTPRoute, i int, host string, declared map[string]bool, fields map[string]string, weightField string) error {
	if len(r.Route) == 0 {
		return &Error{Reason: meshv1.ReasonInvalid, Message: fmt.Sprintf("route %d (%s) has no destination", i, r.Name)}
	}
	dest := func(d *networkingapi.Destination) error {
		if d == nil || d.Host != host {
			return &Error{Reason: meshv1.ReasonInvalid, Field: "spec.service", Message: fmt.Sprintf("route %s sends to a host other than %s", r.Name, host)}
		}
		if d.Subset != "" && !declared[d.Subset] {
			return &Error{Reason: meshv1.ReasonInvalid, Of: OfStrategy, Field: fields[d.Subset], Message: fmt.Sprintf("route %s names subset %q, which the DestinationRule does not declare", r.Name, d.Subset)}
		}
		return nil
	}
	var sum int32
	for _, d := range r.Route {
		if err := dest(d.Destination); err != nil {
			return err
		}
		if d.Weight < 0 || d.Weight > 100 {
			return &Error{Reason: meshv1.ReasonInvalid, Of: OfStrategy, Field: weightField, Message: fmt.Sprintf("route %s: weight %d is not a percent", r.Name, d.Weight)}
		}
		sum += d.Weight
	}
	// Istio lets a lone destination leave its weight out (it takes all).
	if (len(r.Route) != 1 || sum != 0) && sum != 100 {
		return &Error{Reason: meshv1.ReasonInvalid, Of: OfStrategy, Field: weightField, Message: fmt.Sprintf("route %s: the weights add up to %d, not 100", r.Name, sum)}
	}
	if r.Mirror != nil {
		if err := dest(r.Mirror); err != nil {
			return err
		}
		if p := r.MirrorPercentage; p != nil && (p.Value < 0 || p.Value > 100) {
			return &Error{Reason: meshv1.ReasonInvalid, Of: OfStrategy, Field: "spec.mirror.percent", Message: fmt.Sprintf("mirror percentage %v is not a percent", p.Value)}
		}
	}
	for j, m := range r.Match {
		for hname, sm := range m.Headers {
			if re := sm.GetRegex(); re != "" {
				if _, err := regexp.Compile(re); err != nil {
					return &Error{Reason: meshv1.ReasonInvalid, Of: OfStrategy, Field: fmt.Sprintf("spec.match[%s]", strings.TrimPrefix(r.Name, "match-")),
						Message: fmt.Sprintf("route %s, match %d, header %s: not an RE2 expression: %v", r.Name, j, hname, err)}
				}
			}
		}
	}
	return nil
}

// subsetFields maps each subset name to the input field of its version.
func subsetFields(s *meshv1.Strategy) map[string]string {
	if s == nil {
		return map[string]string{}
	}
	p, c := subsetNames(&s.Spec)
	return map[string]string{p: "spec.principal", c: "spec.canary"}
}

// HostCovers tells whether a VirtualService or DestinationRule host names
// the Service svc of namespace ns, in any of the forms a sidecar resolves
// in that namespace: svc, svc.ns, svc.ns.svc, svc.ns.svc.cluster.local, or
// a wildcard covering the FQDN (*.ns.svc.cluster.local, *).
func HostCovers(h, svc, ns string) bool {
	fqdn := Host(svc, ns)
	switch h {
	case svc, svc + "." + ns, svc + "." + ns + ".svc", fqdn, "*":
		return true
	}
	if rest, ok := strings.CutPrefix(h, "*"); ok {
		return strings.HasSuffix(fqdn, rest)
	}
	return false
}
