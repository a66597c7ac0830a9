// Package validation checks the parts of a Strategy or a ServicePolicy that
// the CRD's schema cannot: regular expressions (RE2, as Envoy reads them),
// header names, durations and the choices that depend on the type. The
// admission webhook refuses what it finds (422 naming the field) on every
// path; ke-controller-manager checks again before it compiles. What needs
// the cluster (the Service, its pods' versions, other VirtualServices) is
// checked by the controller (internal/controller/servicemesh).
package validation

import (
	"errors"
	"fmt"
	"regexp"
	"regexp/syntax"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilvalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	meshv1 "github.com/superkube/super-kubenetes/api/servicemesh/v1alpha2"
)

// reservedHeaders are pseudo-headers and hop-by-hop headers a route cannot
// match on.
var reservedHeaders = map[string]bool{"host": true, ":authority": true}

// headerName is an HTTP header name (token), lower case as Envoy holds it.
var headerName = regexp.MustCompile(`^[a-z0-9!#$%&'*+\-.^_|~]+$`)

// Strategy returns what is wrong with a strategy's spec, each error naming
// its field (spec.match[0].headers[x-user].regex).
func Strategy(s *meshv1.StrategySpec) field.ErrorList {
	root := field.NewPath("spec")
	var errs field.ErrorList
	if s.Principal != "" && s.Principal == s.Canary {
		errs = append(errs, field.Invalid(root.Child("canary"), s.Canary, "must differ from spec.principal"))
	}
	if s.VersionLabel != "" {
		for _, msg := range utilvalidation.IsQualifiedName(s.VersionLabel) {
			errs = append(errs, field.Invalid(root.Child("versionLabel"), s.VersionLabel, msg))
		}
	}
	switch s.Type {
	case meshv1.Canary:
		if s.Weight != nil && (*s.Weight < 0 || *s.Weight > 100) {
			errs = append(errs, field.Invalid(root.Child("weight"), *s.Weight, "a percent, from 0 to 100"))
		}
		for i := range s.Match {
			errs = append(errs, requestMatch(&s.Match[i], root.Child("match").Index(i))...)
		}
	case meshv1.BlueGreen:
		if s.Active != "" && s.Active != meshv1.VersionPrincipal && s.Active != meshv1.VersionCanary {
			errs = append(errs, field.NotSupported(root.Child("active"), s.Active, []string{string(meshv1.VersionPrincipal), string(meshv1.VersionCanary)}))
		}
	case meshv1.Mirror:
		if s.Mirror == nil {
			errs = append(errs, field.Required(root.Child("mirror"), "a Mirror strategy says which percent of the requests to copy"))
		} else if s.Mirror.Percent < 0 || s.Mirror.Percent > 100 {
			errs = append(errs, field.Invalid(root.Child("mirror", "percent"), s.Mirror.Percent, "a percent, from 0 to 100"))
		}
	default:
		errs = append(errs, field.NotSupported(root.Child("type"), s.Type, []string{string(meshv1.Canary), string(meshv1.BlueGreen), string(meshv1.Mirror)}))
	}
	if s.Type != meshv1.Canary {
		if s.Weight != nil {
			errs = append(errs, field.Forbidden(root.Child("weight"), "only a Canary strategy has a weight"))
		}
		if len(s.Match) > 0 {
			errs = append(errs, field.Forbidden(root.Child("match"), "only a Canary strategy matches requests"))
		}
	}
	if s.Type != meshv1.Mirror && s.Mirror != nil {
		errs = append(errs, field.Forbidden(root.Child("mirror"), "only a Mirror strategy mirrors"))
	}
	if s.Type != meshv1.BlueGreen && s.Active != "" {
		errs = append(errs, field.Forbidden(root.Child("active"), "only a BlueGreen strategy has an active version"))
	}
	if s.Decision != "" && s.Decision != meshv1.Promote && s.Decision != meshv1.Rollback {
		errs = append(errs, field.NotSupported(root.Child("decision"), s.Decision, []string{string(meshv1.Promote), string(meshv1.Rollback)}))
	}
	return errs
}

func requestMatch(m *meshv1.RequestMatch, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if len(m.Headers) == 0 && len(m.Cookies) == 0 {
		errs = append(errs, field.Required(p, "a match needs at least one header or cookie"))
	}
	for name, v := range m.Headers {
		hp := p.Child("headers").Key(name)
		switch {
		case name != strings.ToLower(name):
			errs = append(errs, field.Invalid(hp, name, "header names are lower case (HTTP/2 and Envoy carry them so)"))
		case !headerName.MatchString(name):
			errs = append(errs, field.Invalid(hp, name, "not an HTTP header name"))
		case name == "cookie":
			errs = append(errs, field.Invalid(hp, name, "match cookies with spec.match[].cookies"))
		}
		if reservedHeaders[name] {
			errs = append(errs, field.Invalid(hp, name, "the host is the Service's; it cannot be matched"))
		}
		errs = append(errs, stringMatch(&v, hp)...)
	}
	for i := range m.Cookies {
		c := &m.Cookies[i]
		cp := p.Child("cookies").Index(i)
		if c.Name == "" {
			errs = append(errs, field.Required(cp.Child("name"), ""))
		}
		errs = append(errs, stringMatch(&c.Value, cp.Child("value"))...)
	}
	return errs
}

func stringMatch(m *meshv1.StringMatch, p *field.Path) field.ErrorList {
	n := 0
	for _, set := range []bool{m.Exact != nil, m.Prefix != nil, m.Regex != nil} {
		if set {
			n++
		}
	}
	if n != 1 {
		return field.ErrorList{field.Invalid(p, "", "exactly one of exact, prefix and regex")}
	}
	if m.Regex != nil {
		if err := Regex(*m.Regex); err != nil {
			return field.ErrorList{field.Invalid(p.Child("regex"), *m.Regex, err.Error())}
		}
	}
	return nil
}

// Regex checks a regular expression as Envoy's RE2 reads it (Go's regexp
// has the same syntax). Envoy matches the whole value, so no anchors are
// needed.
func Regex(re string) error {
	if re == "" {
		return fmt.Errorf("an empty regular expression")
	}
	if _, err := regexp.Compile(re); err != nil {
		msg := err.Error()
		var e *syntax.Error
		if errors.As(err, &e) {
			msg = fmt.Sprintf("%s: %s", e.Code, e.Expr)
		}
		return fmt.Errorf("not a valid RE2 regular expression (%s)", msg)
	}
	return nil
}

// ServicePolicy returns what is wrong with a policy's spec.
func ServicePolicy(s *meshv1.ServicePolicySpec) field.ErrorList {
	root := field.NewPath("spec")
	var errs field.ErrorList
	positive := func(d *metav1.Duration, p *field.Path) {
		if d != nil && d.Duration <= 0 {
			errs = append(errs, field.Invalid(p, d.Duration.String(), "must be longer than 0s"))
		}
		if d != nil && d.Duration > 0 && d.Duration < time.Millisecond {
			errs = append(errs, field.Invalid(p, d.Duration.String(), "must be at least 1ms (Envoy's resolution)"))
		}
	}
	if cp := s.ConnectionPool; cp != nil {
		if cp.TCP != nil {
			positive(cp.TCP.ConnectTimeout, root.Child("connectionPool", "tcp", "connectTimeout"))
		}
		if cp.TCP == nil && cp.HTTP == nil {
			errs = append(errs, field.Required(root.Child("connectionPool"), "set tcp or http limits, or leave connectionPool out"))
		}
	}
	if od := s.OutlierDetection; od != nil {
		positive(od.Interval, root.Child("outlierDetection", "interval"))
		positive(od.BaseEjectionTime, root.Child("outlierDetection", "baseEjectionTime"))
		if od.Consecutive5xxErrors == nil {
			errs = append(errs, field.Required(root.Child("outlierDetection", "consecutive5xxErrors"), "how many errors in a row eject a pod"))
		}
	}
	if lb := s.LoadBalancer; lb != nil {
		lp := root.Child("loadBalancer")
		if (lb.Simple == "") == (lb.ConsistentHash == nil) {
			errs = append(errs, field.Invalid(lp, "", "exactly one of simple and consistentHash"))
		}
		if ch := lb.ConsistentHash; ch != nil {
			n := 0
			if ch.HTTPHeaderName != nil {
				n++
				if h := *ch.HTTPHeaderName; !headerName.MatchString(strings.ToLower(h)) {
					errs = append(errs, field.Invalid(lp.Child("consistentHash", "httpHeaderName"), h, "not an HTTP header name"))
				}
			}
			if ch.HTTPCookie != nil {
				n++
				positive(ch.HTTPCookie.TTL, lp.Child("consistentHash", "httpCookie", "ttl"))
			}
			if ch.UseSourceIP {
				n++
			}
			if n != 1 {
				errs = append(errs, field.Invalid(lp.Child("consistentHash"), "", "exactly one of httpHeaderName, httpCookie and useSourceIP"))
			}
		}
	}
	if r := s.Retries; r != nil {
		positive(r.PerTryTimeout, root.Child("retries", "perTryTimeout"))
		if r.RetryOn != "" {
			for _, c := range strings.Split(r.RetryOn, ",") {
				if !retryOn.MatchString(strings.TrimSpace(c)) {
					errs = append(errs, field.Invalid(root.Child("retries", "retryOn"), r.RetryOn, fmt.Sprintf("%q is not one of Envoy's retry conditions nor an HTTP status code", c)))
					break
				}
			}
		}
		if s.Timeout != nil && r.PerTryTimeout != nil && r.PerTryTimeout.Duration > s.Timeout.Duration {
			errs = append(errs, field.Invalid(root.Child("retries", "perTryTimeout"), r.PerTryTimeout.Duration.String(), "longer than spec.timeout, which bounds the retries too"))
		}
	}
	positive(s.Timeout, root.Child("timeout"))
	return errs
}

// retryOn is an Envoy retry condition (x-envoy-retry-on and
// x-envoy-retry-grpc-on) or an HTTP status code.
var retryOn = regexp.MustCompile(`^(5xx|gateway-error|reset|reset-before-request|connect-failure|envoy-ratelimited|retriable-4xx|refused-stream|retriable-status-codes|retriable-headers|http3-post-connect-failure|cancelled|deadline-exceeded|internal|resource-exhausted|unavailable|[1-5][0-9][0-9])$`)
