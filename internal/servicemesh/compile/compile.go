// Package compile turns a Service's Strategy and ServicePolicy into the
// one VirtualService and the one DestinationRule that Istio reads, named
// after the Service (docs/servicemesh-traffic.md shows what each case
// gives). It is pure: the controller (internal/controller/servicemesh)
// gathers the inputs from the cluster and writes the outputs. Validate
// applies Istio's own rules to what Compile produced, so that nothing
// Istio would reject or misroute is ever written; its errors name the
// field of the input spec that caused them.
package compile

import (
	"fmt"
	"regexp"
	"strings"

	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/wrapperspb"
	networkingapi "istio.io/api/networking/v1"
	networkingv1 "istio.io/client-go/pkg/apis/networking/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	meshv1 "github.com/superkube/super-kubenetes/api/servicemesh/v1alpha2"
	"github.com/superkube/super-kubenetes/internal/servicemesh/validation"
)

// Version is what the cluster holds of one version of a Service: its pods
// (running pods selected by the Service and carrying the version label's
// value) and the workloads that own them.
type Version struct {
	Pods      int32
	Workloads []meshv1.WorkloadStatus
}

// Input is everything a compilation reads.
type Input struct {
	// Service is the Service named by the spec; nil when it does not exist.
	Service *corev1.Service
	// Versions are the Service's pods by the value of the version label
	// (the Strategy's versionLabel, or "version" without a Strategy).
	Versions map[string]Version
	// Strategy is the Service's strategy, if any (undecided or decided).
	Strategy *meshv1.Strategy
	// Policy is the Service's policy, if any.
	Policy *meshv1.ServicePolicy
}

// Output is what is written. VirtualService is nil when no route is
// needed (a policy without retries or timeout, and no strategy).
type Output struct {
	VirtualService  *networkingv1.VirtualService
	DestinationRule *networkingv1.DestinationRule
	// Weights are the share of requests each version gets (by version
	// value), for the Strategy's status; a mirrored copy is not counted.
	Weights map[string]int32
}

// Error is a failed compilation or validation: a reason of the Ready
// condition (meshv1.Reason*), the field of the input spec and a message.
type Error struct {
	Reason  string
	Field   string
	Message string
	// Of is the kind of the object whose field is wrong: "Strategy",
	// "ServicePolicy", or "" when both are concerned (the Service).
	Of string
}

// Kinds of Error.Of.
const (
	OfStrategy = "Strategy"
	OfPolicy   = "ServicePolicy"
)

func (e *Error) Error() string {
	if e.Field == "" {
		return e.Message
	}
	return e.Field + ": " + e.Message
}

// Host is the Service's fully qualified name, the DestinationRule's host
// and every route's destination.
func Host(svc, ns string) string { return svc + "." + ns + ".svc.cluster.local" }

// Compile produces the objects of in, named after the Service, then
// validates them (Validate). The objects carry the managed-by and service
// labels; the caller adds owner references.
func Compile(in Input) (*Output, error) {
	if in.Strategy == nil && in.Policy == nil {
		return nil, &Error{Reason: meshv1.ReasonInvalid, Message: "neither a strategy nor a policy"}
	}
	if err := static(in); err != nil {
		return nil, err
	}
	ns, name := target(in)
	if in.Service == nil {
		fld := "spec.service"
		return nil, &Error{Reason: meshv1.ReasonServiceNotFound, Field: fld, Message: fmt.Sprintf("no Service %s in namespace %s", name, ns)}
	}
	host := Host(name, ns)
	labels := map[string]string{meshv1.ManagedByLabel: meshv1.ManagedByValue, meshv1.ServiceLabel: name}
	out := &Output{DestinationRule: &networkingv1.DestinationRule{
		TypeMeta:   metav1.TypeMeta{APIVersion: networkingv1.SchemeGroupVersion.String(), Kind: "DestinationRule"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: labels},
	}}
	out.DestinationRule.Spec.Host = host
	if in.Policy != nil {
		out.DestinationRule.Spec.TrafficPolicy = trafficPolicy(&in.Policy.Spec)
	}
	var routes []*networkingapi.HTTPRoute
	if in.Strategy != nil {
		subsets, r, weights := strategyRoutes(&in.Strategy.Spec, host)
		out.DestinationRule.Spec.Subsets = subsets
		routes, out.Weights = r, weights
	} else if p := in.Policy.Spec; p.Retries != nil || p.Timeout != nil {
		routes = []*networkingapi.HTTPRoute{{Name: "default", Route: []*networkingapi.HTTPRouteDestination{{Destination: &networkingapi.Destination{Host: host}}}}}
	}
	if len(routes) > 0 {
		if in.Policy != nil {
			for _, r := range routes {
				r.Retries = retries(in.Policy.Spec.Retries)
				r.Timeout = duration(in.Policy.Spec.Timeout)
			}
		}
		vs := &networkingv1.VirtualService{
			TypeMeta:   metav1.TypeMeta{APIVersion: networkingv1.SchemeGroupVersion.String(), Kind: "VirtualService"},
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: copyLabels(labels)},
		}
		vs.Spec.Hosts = []string{name, host}
		vs.Spec.Http = routes
		out.VirtualService = vs
	}
	if err := Validate(in, out); err != nil {
		return nil, err
	}
	return out, nil
}

// static runs the checks of internal/servicemesh/validation, the ones the
// admission webhook runs too: the controller does not trust that every
// object went through it (the webhook may have been down with
// failurePolicy Ignore, or the object predates it).
func static(in Input) error {
	var errs []error
	if in.Strategy != nil {
		for _, e := range validation.Strategy(&in.Strategy.Spec) {
			errs = append(errs, &Error{Reason: meshv1.ReasonInvalid, Field: e.Field, Message: e.ErrorBody(), Of: OfStrategy})
		}
	}
	if in.Policy != nil {
		for _, e := range validation.ServicePolicy(&in.Policy.Spec) {
			errs = append(errs, &Error{Reason: meshv1.ReasonInvalid, Field: e.Field, Message: e.ErrorBody(), Of: OfPolicy})
		}
	}
	if in.Strategy != nil && in.Policy != nil && in.Strategy.Spec.Service != in.Policy.Spec.Service {
		errs = append(errs, &Error{Reason: meshv1.ReasonInvalid, Field: "spec.service", Message: "the strategy and the policy name different services"})
	}
	if len(errs) > 0 {
		return errs[0]
	}
	return nil
}

// target is the namespace and the Service name.
func target(in Input) (string, string) {
	if in.Strategy != nil {
		return in.Strategy.Namespace, in.Strategy.Spec.Service
	}
	return in.Policy.Namespace, in.Policy.Spec.Service
}

// VersionLabel is the pod label of a strategy's versions.
func VersionLabel(s *meshv1.StrategySpec) string {
	if s.VersionLabel != "" {
		return s.VersionLabel
	}
	return meshv1.DefaultVersionLabel
}

// SubsetName is the DestinationRule subset of a version value: Istio wants
// a DNS-1123 label, a version label value may hold capitals, dots and
// underscores.
func SubsetName(version string) string {
	return strings.Trim(nonLabel.ReplaceAllString(strings.ToLower(version), "-"), "-")
}

var nonLabel = regexp.MustCompile(`[^a-z0-9-]+`)

// subsetNames are the subsets of the principal and the canary, different
// even when the sanitized values are equal (V1 and v1).
func subsetNames(s *meshv1.StrategySpec) (string, string) {
	p, c := SubsetName(s.Principal), SubsetName(s.Canary)
	if p == c {
		c += "-canary"
	}
	return p, c
}

// winner is the version that takes every request of a decided strategy.
func winner(s *meshv1.StrategySpec) (string, bool) {
	switch s.Decision {
	case meshv1.Promote:
		return s.Canary, true
	case meshv1.Rollback:
		return s.Principal, true
	}
	return "", false
}

// strategyRoutes are a strategy's subsets, routes and weights.
func strategyRoutes(s *meshv1.StrategySpec, host string) ([]*networkingapi.Subset, []*networkingapi.HTTPRoute, map[string]int32) {
	label := VersionLabel(s)
	pName, cName := subsetNames(s)
	subset := func(name, version string) *networkingapi.Subset {
		return &networkingapi.Subset{Name: name, Labels: map[string]string{label: version}}
	}
	dest := func(subset string, weight int32) *networkingapi.HTTPRouteDestination {
		return &networkingapi.HTTPRouteDestination{Destination: &networkingapi.Destination{Host: host, Subset: subset}, Weight: weight}
	}
	if w, decided := winner(s); decided {
		// The loser's workloads are scaled to 0: its subset would select
		// no pod, so it is not declared at all.
		name := pName
		if w == s.Canary {
			name = cName
		}
		return []*networkingapi.Subset{subset(name, w)},
			[]*networkingapi.HTTPRoute{{Name: "decided", Route: []*networkingapi.HTTPRouteDestination{dest(name, 100)}}},
			map[string]int32{w: 100, loser(s, w): 0}
	}
	subsets := []*networkingapi.Subset{subset(pName, s.Principal), subset(cName, s.Canary)}
	switch s.Type {
	case meshv1.BlueGreen:
		active, name := s.Principal, pName
		if s.Active == meshv1.VersionCanary {
			active, name = s.Canary, cName
		}
		return subsets, []*networkingapi.HTTPRoute{{Name: "active", Route: []*networkingapi.HTTPRouteDestination{dest(name, 100)}}},
			map[string]int32{active: 100, loser(s, active): 0}
	case meshv1.Mirror:
		var pct float64
		if s.Mirror != nil {
			pct = float64(s.Mirror.Percent)
		}
		return subsets, []*networkingapi.HTTPRoute{{
				Name:             "mirror",
				Route:            []*networkingapi.HTTPRouteDestination{dest(pName, 100)},
				Mirror:           &networkingapi.Destination{Host: host, Subset: cName},
				MirrorPercentage: &networkingapi.Percent{Value: pct},
			}},
			map[string]int32{s.Principal: 100, s.Canary: 0}
	}
	// Canary: the matches first (Istio takes the first route that
	// matches), then the weighted split of the rest.
	var w int32
	if s.Weight != nil {
		w = *s.Weight
	}
	var routes []*networkingapi.HTTPRoute
	for i := range s.Match {
		routes = append(routes, &networkingapi.HTTPRoute{
			Name:  fmt.Sprintf("match-%d", i),
			Match: []*networkingapi.HTTPMatchRequest{requestMatch(&s.Match[i])},
			Route: []*networkingapi.HTTPRouteDestination{dest(cName, 100)},
		})
	}
	routes = append(routes, &networkingapi.HTTPRoute{Name: "weighted", Route: []*networkingapi.HTTPRouteDestination{dest(pName, 100-w), dest(cName, w)}})
	return subsets, routes, map[string]int32{s.Principal: 100 - w, s.Canary: w}
}

func loser(s *meshv1.StrategySpec, w string) string {
	if w == s.Canary {
		return s.Principal
	}
	return s.Canary
}

// requestMatch is one match of a canary: its headers, and its cookie as a
// regular expression on the Cookie header (Istio has no cookie match;
// Envoy matches a regex against the whole header value).
func requestMatch(m *meshv1.RequestMatch) *networkingapi.HTTPMatchRequest {
	out := &networkingapi.HTTPMatchRequest{Headers: map[string]*networkingapi.StringMatch{}}
	for name, v := range m.Headers {
		out.Headers[name] = stringMatch(v)
	}
	if len(m.Cookies) > 0 {
		out.Headers["cookie"] = &networkingapi.StringMatch{MatchType: &networkingapi.StringMatch_Regex{Regex: CookieRegex(m.Cookies)}}
	}
	return out
}

// CookieRegex matches a Cookie header holding the cookies, in the order
// given (RE2 has no lookahead, so an unordered conjunction cannot be said).
func CookieRegex(cookies []meshv1.CookieMatch) string {
	var b strings.Builder
	b.WriteString(`^`)
	for i, c := range cookies {
		if i == 0 {
			b.WriteString(`(.*?;\s*)?`)
		} else {
			b.WriteString(`(;.*?;\s*|;\s*)`)
		}
		b.WriteString(regexp.QuoteMeta(c.Name) + `=`)
		switch {
		case c.Value.Exact != nil:
			b.WriteString(regexp.QuoteMeta(*c.Value.Exact))
		case c.Value.Prefix != nil:
			b.WriteString(regexp.QuoteMeta(*c.Value.Prefix) + `[^;]*`)
		case c.Value.Regex != nil:
			b.WriteString(`(?:` + *c.Value.Regex + `)`)
		}
	}
	b.WriteString(`(;.*)?$`)
	return b.String()
}

func stringMatch(v meshv1.StringMatch) *networkingapi.StringMatch {
	switch {
	case v.Exact != nil:
		return &networkingapi.StringMatch{MatchType: &networkingapi.StringMatch_Exact{Exact: *v.Exact}}
	case v.Prefix != nil:
		return &networkingapi.StringMatch{MatchType: &networkingapi.StringMatch_Prefix{Prefix: *v.Prefix}}
	case v.Regex != nil:
		return &networkingapi.StringMatch{MatchType: &networkingapi.StringMatch_Regex{Regex: *v.Regex}}
	}
	return nil
}

func duration(d *metav1.Duration) *durationpb.Duration {
	if d == nil {
		return nil
	}
	return durationpb.New(d.Duration)
}

func retries(r *meshv1.Retries) *networkingapi.HTTPRetry {
	if r == nil {
		return nil
	}
	return &networkingapi.HTTPRetry{Attempts: r.Attempts, PerTryTimeout: duration(r.PerTryTimeout), RetryOn: r.RetryOn}
}

var simpleLB = map[meshv1.LoadBalancerType]networkingapi.LoadBalancerSettings_SimpleLB{
	meshv1.RoundRobin:   networkingapi.LoadBalancerSettings_ROUND_ROBIN,
	meshv1.LeastRequest: networkingapi.LoadBalancerSettings_LEAST_REQUEST,
	meshv1.Random:       networkingapi.LoadBalancerSettings_RANDOM,
	meshv1.Passthrough:  networkingapi.LoadBalancerSettings_PASSTHROUGH,
}

// trafficPolicy is the DestinationRule's policy of a ServicePolicy; nil
// when the policy sets only routes (retries, timeout).
func trafficPolicy(p *meshv1.ServicePolicySpec) *networkingapi.TrafficPolicy {
	tp := &networkingapi.TrafficPolicy{}
	if cp := p.ConnectionPool; cp != nil {
		tp.ConnectionPool = &networkingapi.ConnectionPoolSettings{}
		if t := cp.TCP; t != nil {
			tp.ConnectionPool.Tcp = &networkingapi.ConnectionPoolSettings_TCPSettings{MaxConnections: deref(t.MaxConnections), ConnectTimeout: duration(t.ConnectTimeout)}
		}
		if h := cp.HTTP; h != nil {
			tp.ConnectionPool.Http = &networkingapi.ConnectionPoolSettings_HTTPSettings{
				Http1MaxPendingRequests:  deref(h.HTTP1MaxPendingRequests),
				Http2MaxRequests:         deref(h.HTTP2MaxRequests),
				MaxRequestsPerConnection: deref(h.MaxRequestsPerConnection),
				MaxRetries:               deref(h.MaxRetries),
			}
		}
	}
	if od := p.OutlierDetection; od != nil {
		tp.OutlierDetection = &networkingapi.OutlierDetection{
			Interval:           duration(od.Interval),
			BaseEjectionTime:   duration(od.BaseEjectionTime),
			MaxEjectionPercent: deref(od.MaxEjectionPercent),
		}
		if od.Consecutive5xxErrors != nil {
			tp.OutlierDetection.Consecutive_5XxErrors = wrapperspb.UInt32(uint32(*od.Consecutive5xxErrors)) //nolint:gosec // the CRD's schema keeps it at 0 or more
		}
	}
	if lb := p.LoadBalancer; lb != nil {
		tp.LoadBalancer = &networkingapi.LoadBalancerSettings{}
		if lb.Simple != "" {
			tp.LoadBalancer.LbPolicy = &networkingapi.LoadBalancerSettings_Simple{Simple: simpleLB[lb.Simple]}
		}
		if ch := lb.ConsistentHash; ch != nil {
			hash := &networkingapi.LoadBalancerSettings_ConsistentHashLB{}
			switch {
			case ch.HTTPHeaderName != nil:
				hash.HashKey = &networkingapi.LoadBalancerSettings_ConsistentHashLB_HttpHeaderName{HttpHeaderName: *ch.HTTPHeaderName}
			case ch.HTTPCookie != nil:
				hash.HashKey = &networkingapi.LoadBalancerSettings_ConsistentHashLB_HttpCookie{HttpCookie: &networkingapi.LoadBalancerSettings_ConsistentHashLB_HTTPCookie{
					Name: ch.HTTPCookie.Name, Path: ch.HTTPCookie.Path, Ttl: duration(ch.HTTPCookie.TTL)}}
			case ch.UseSourceIP:
				hash.HashKey = &networkingapi.LoadBalancerSettings_ConsistentHashLB_UseSourceIp{UseSourceIp: true}
			}
			tp.LoadBalancer.LbPolicy = &networkingapi.LoadBalancerSettings_ConsistentHash{ConsistentHash: hash}
		}
	}
	if tp.ConnectionPool == nil && tp.OutlierDetection == nil && tp.LoadBalancer == nil {
		return nil
	}
	return tp
}

func deref(p *int32) int32 {
	if p == nil {
		return 0
	}
	return *p
}

func copyLabels(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
