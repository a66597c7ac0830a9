package compile

import (
	"errors"
	"regexp"
	"strconv"
	"testing"
	"time"

	networkingapi "istio.io/api/networking/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	meshv1 "github.com/superkube/super-kubenetes/api/servicemesh/v1alpha2"
)

const fqdn = "reviews.shop.svc.cluster.local"

func service() *corev1.Service {
	return &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "reviews", Namespace: "shop"}}
}

func versions() map[string]Version {
	return map[string]Version{"v1": {Pods: 2}, "v2": {Pods: 1}}
}

func strategy(spec meshv1.StrategySpec) *meshv1.Strategy {
	spec.Service, spec.Principal, spec.Canary = "reviews", "v1", "v2"
	return &meshv1.Strategy{ObjectMeta: metav1.ObjectMeta{Name: "s", Namespace: "shop"}, Spec: spec}
}

func policy(spec meshv1.ServicePolicySpec) *meshv1.ServicePolicy {
	spec.Service = "reviews"
	return &meshv1.ServicePolicy{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "shop"}, Spec: spec}
}

func mustCompile(t *testing.T, in Input) *Output {
	t.Helper()
	out, err := Compile(in)
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	return out
}

// dests is "subset:weight" of a route's destinations.
func dests(r *networkingapi.HTTPRoute) []string {
	var out []string
	for _, d := range r.Route {
		if d.Destination.Host != fqdn {
			out = append(out, "host:"+d.Destination.Host)
		}
		out = append(out, d.Destination.Subset+":"+itoa(d.Weight))
	}
	return out
}

func itoa(i int32) string { return strconv.Itoa(int(i)) }

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestCanaryByWeight(t *testing.T) {
	out := mustCompile(t, Input{Service: service(), Versions: versions(), Strategy: strategy(meshv1.StrategySpec{Type: meshv1.Canary, Weight: ptr.To[int32](10)})})
	vs, dr := out.VirtualService, out.DestinationRule
	if vs.Name != "reviews" || vs.Namespace != "shop" || dr.Name != "reviews" {
		t.Errorf("names %s/%s %s", vs.Namespace, vs.Name, dr.Name)
	}
	for _, l := range []map[string]string{vs.Labels, dr.Labels} {
		if l[meshv1.ManagedByLabel] != meshv1.ManagedByValue || l[meshv1.ServiceLabel] != "reviews" {
			t.Errorf("labels %v", l)
		}
	}
	if !equal(vs.Spec.Hosts, []string{"reviews", fqdn}) {
		t.Errorf("hosts %v", vs.Spec.Hosts)
	}
	if dr.Spec.Host != fqdn || len(dr.Spec.Subsets) != 2 || dr.Spec.Subsets[0].Name != "v1" || dr.Spec.Subsets[0].Labels["version"] != "v1" ||
		dr.Spec.Subsets[1].Name != "v2" || dr.Spec.Subsets[1].Labels["version"] != "v2" {
		t.Errorf("destination rule %v", dr.Spec.String())
	}
	if dr.Spec.TrafficPolicy != nil {
		t.Errorf("traffic policy without a policy: %v", dr.Spec.TrafficPolicy)
	}
	if len(vs.Spec.Http) != 1 || !equal(dests(vs.Spec.Http[0]), []string{"v1:90", "v2:10"}) {
		t.Errorf("routes %v", vs.Spec.String())
	}
	if out.Weights["v1"] != 90 || out.Weights["v2"] != 10 {
		t.Errorf("weights %v", out.Weights)
	}
}

func TestCanaryWithoutWeightSendsNothingButTheMatches(t *testing.T) {
	out := mustCompile(t, Input{Service: service(), Versions: versions(), Strategy: strategy(meshv1.StrategySpec{Type: meshv1.Canary,
		Match: []meshv1.RequestMatch{{Headers: map[string]meshv1.StringMatch{"x-user": {Regex: ptr.To("tester-.*")}}}}})})
	http := out.VirtualService.Spec.Http
	if len(http) != 2 {
		t.Fatalf("routes %v", out.VirtualService.Spec.String())
	}
	if m := http[0].Match; len(m) != 1 || m[0].Headers["x-user"].GetRegex() != "tester-.*" || !equal(dests(http[0]), []string{"v2:100"}) {
		t.Errorf("match route %v", http[0].String())
	}
	if http[1].Match != nil || !equal(dests(http[1]), []string{"v1:100", "v2:0"}) {
		t.Errorf("weighted route %v", http[1].String())
	}
}

func TestCanaryByHeaderExactAndPrefix(t *testing.T) {
	out := mustCompile(t, Input{Service: service(), Versions: versions(), Strategy: strategy(meshv1.StrategySpec{Type: meshv1.Canary, Weight: ptr.To[int32](5),
		Match: []meshv1.RequestMatch{
			{Headers: map[string]meshv1.StringMatch{"x-canary": {Exact: ptr.To("yes")}}},
			{Headers: map[string]meshv1.StringMatch{"user-agent": {Prefix: ptr.To("Mobile")}}},
		}})})
	http := out.VirtualService.Spec.Http
	if len(http) != 3 || http[0].Match[0].Headers["x-canary"].GetExact() != "yes" || http[1].Match[0].Headers["user-agent"].GetPrefix() != "Mobile" {
		t.Fatalf("routes %v", out.VirtualService.Spec.String())
	}
	if !equal(dests(http[2]), []string{"v1:95", "v2:5"}) {
		t.Errorf("weighted %v", dests(http[2]))
	}
}

// A cookie match becomes a regex on the Cookie header that Envoy matches
// against the whole value.
func TestCanaryByCookie(t *testing.T) {
	out := mustCompile(t, Input{Service: service(), Versions: versions(), Strategy: strategy(meshv1.StrategySpec{Type: meshv1.Canary,
		Match: []meshv1.RequestMatch{{Cookies: []meshv1.CookieMatch{{Name: "group", Value: meshv1.StringMatch{Exact: ptr.To("beta.1")}}}}}})})
	re := out.VirtualService.Spec.Http[0].Match[0].Headers["cookie"].GetRegex()
	full := regexp.MustCompile(`^(?:` + re + `)$`)
	for value, want := range map[string]bool{
		"group=beta.1":            true,
		"a=b; group=beta.1":       true,
		"group=beta.1; session=x": true,
		"a=b;group=beta.1;c=d":    true,
		"group=beta.12":           false,
		"group=betax1":            false,
		"mygroup=beta.1":          false,
		"a=group=beta.1":          false,
		"session=x":               false,
	} {
		if got := full.MatchString(value); got != want {
			t.Errorf("cookie %q: match %v, want %v (regex %s)", value, got, want, re)
		}
	}
	prefix := regexp.MustCompile(CookieRegex([]meshv1.CookieMatch{{Name: "u", Value: meshv1.StringMatch{Prefix: ptr.To("test")}}, {Name: "r", Value: meshv1.StringMatch{Regex: ptr.To("eu|us")}}}))
	for value, want := range map[string]bool{"u=tester; r=eu": true, "x=1; u=test; y=2; r=us": true, "u=tester; r=asia": false, "u=prod; r=eu": false} {
		if got := prefix.MatchString(value); got != want {
			t.Errorf("cookies %q: match %v, want %v", value, got, want)
		}
	}
}

func TestBlueGreen(t *testing.T) {
	for active, want := range map[meshv1.Version]string{"": "v1:100", meshv1.VersionPrincipal: "v1:100", meshv1.VersionCanary: "v2:100"} {
		out := mustCompile(t, Input{Service: service(), Versions: versions(), Strategy: strategy(meshv1.StrategySpec{Type: meshv1.BlueGreen, Active: active})})
		if http := out.VirtualService.Spec.Http; len(http) != 1 || !equal(dests(http[0]), []string{want}) {
			t.Errorf("active %q: %v", active, out.VirtualService.Spec.String())
		}
		if len(out.DestinationRule.Spec.Subsets) != 2 {
			t.Errorf("active %q: both versions are subsets (the switch back needs the other): %v", active, out.DestinationRule.Spec.String())
		}
	}
}

func TestMirror(t *testing.T) {
	out := mustCompile(t, Input{Service: service(), Versions: versions(), Strategy: strategy(meshv1.StrategySpec{Type: meshv1.Mirror, Mirror: &meshv1.MirrorSpec{Percent: 25}})})
	r := out.VirtualService.Spec.Http[0]
	if !equal(dests(r), []string{"v1:100"}) || r.Mirror.GetSubset() != "v2" || r.Mirror.GetHost() != fqdn || r.MirrorPercentage.GetValue() != 25 {
		t.Errorf("mirror route %v", r.String())
	}
	if out.Weights["v1"] != 100 || out.Weights["v2"] != 0 {
		t.Errorf("weights %v", out.Weights)
	}
}

// A decided strategy sends everything to the winner and declares only its
// subset: the loser's workloads are scaled to 0 and select no pod.
func TestDecided(t *testing.T) {
	for decision, winner := range map[meshv1.Decision]string{meshv1.Promote: "v2", meshv1.Rollback: "v1"} {
		for _, typ := range []meshv1.StrategyType{meshv1.Canary, meshv1.BlueGreen} {
			v := versions()
			delete(v, map[string]string{"v2": "v1", "v1": "v2"}[winner])
			out := mustCompile(t, Input{Service: service(), Versions: v, Strategy: strategy(meshv1.StrategySpec{Type: typ, Decision: decision})})
			if http := out.VirtualService.Spec.Http; len(http) != 1 || !equal(dests(http[0]), []string{winner + ":100"}) || http[0].Match != nil {
				t.Errorf("%s %s: %v", typ, decision, out.VirtualService.Spec.String())
			}
			if s := out.DestinationRule.Spec.Subsets; len(s) != 1 || s[0].Name != winner {
				t.Errorf("%s %s: subsets %v", typ, decision, out.DestinationRule.Spec.String())
			}
			if out.Weights[winner] != 100 {
				t.Errorf("%s %s: weights %v", typ, decision, out.Weights)
			}
		}
	}
}

func TestVersionLabelAndSubsetNames(t *testing.T) {
	s := strategy(meshv1.StrategySpec{Type: meshv1.Canary, VersionLabel: "release", Weight: ptr.To[int32](50)})
	s.Spec.Principal, s.Spec.Canary = "V1.0_a", "v1.0-A"
	out := mustCompile(t, Input{Service: service(), Versions: map[string]Version{"V1.0_a": {Pods: 1}, "v1.0-A": {Pods: 1}}, Strategy: s})
	sub := out.DestinationRule.Spec.Subsets
	if sub[0].Name != "v1-0-a" || sub[1].Name != "v1-0-a-canary" || sub[0].Labels["release"] != "V1.0_a" || sub[1].Labels["release"] != "v1.0-A" {
		t.Errorf("subsets %v", out.DestinationRule.Spec.String())
	}
}

func TestPolicyOnly(t *testing.T) {
	full := policy(meshv1.ServicePolicySpec{
		ConnectionPool: &meshv1.ConnectionPool{
			TCP:  &meshv1.TCPPool{MaxConnections: ptr.To[int32](100), ConnectTimeout: &metav1.Duration{Duration: 3 * time.Second}},
			HTTP: &meshv1.HTTPPool{HTTP1MaxPendingRequests: ptr.To[int32](10), HTTP2MaxRequests: ptr.To[int32](20), MaxRequestsPerConnection: ptr.To[int32](1), MaxRetries: ptr.To[int32](3)},
		},
		OutlierDetection: &meshv1.OutlierDetection{Consecutive5xxErrors: ptr.To[int32](5), Interval: &metav1.Duration{Duration: 10 * time.Second},
			BaseEjectionTime: &metav1.Duration{Duration: 30 * time.Second}, MaxEjectionPercent: ptr.To[int32](50)},
		LoadBalancer: &meshv1.LoadBalancer{Simple: meshv1.LeastRequest},
	})
	out := mustCompile(t, Input{Service: service(), Policy: full})
	if out.VirtualService != nil {
		t.Errorf("a policy without retries or timeout needs no route: %v", out.VirtualService.Spec.String())
	}
	tp := out.DestinationRule.Spec.TrafficPolicy
	if out.DestinationRule.Spec.Host != fqdn || len(out.DestinationRule.Spec.Subsets) != 0 {
		t.Errorf("destination rule %v", out.DestinationRule.Spec.String())
	}
	cp := tp.GetConnectionPool()
	if cp.GetTcp().GetMaxConnections() != 100 || cp.GetTcp().GetConnectTimeout().AsDuration() != 3*time.Second || cp.GetHttp().GetHttp1MaxPendingRequests() != 10 ||
		cp.GetHttp().GetHttp2MaxRequests() != 20 || cp.GetHttp().GetMaxRequestsPerConnection() != 1 || cp.GetHttp().GetMaxRetries() != 3 {
		t.Errorf("connection pool %v", cp.String())
	}
	od := tp.GetOutlierDetection()
	if od.GetConsecutive_5XxErrors().GetValue() != 5 || od.GetInterval().AsDuration() != 10*time.Second || od.GetBaseEjectionTime().AsDuration() != 30*time.Second || od.GetMaxEjectionPercent() != 50 {
		t.Errorf("outlier detection %v", od.String())
	}
	if tp.GetLoadBalancer().GetSimple() != networkingapi.LoadBalancerSettings_LEAST_REQUEST {
		t.Errorf("load balancer %v", tp.GetLoadBalancer().String())
	}

	routes := policy(meshv1.ServicePolicySpec{Retries: &meshv1.Retries{Attempts: 3, PerTryTimeout: &metav1.Duration{Duration: time.Second}, RetryOn: "5xx,connect-failure"},
		Timeout: &metav1.Duration{Duration: 5 * time.Second}})
	out = mustCompile(t, Input{Service: service(), Policy: routes})
	if out.DestinationRule.Spec.TrafficPolicy != nil {
		t.Errorf("traffic policy %v", out.DestinationRule.Spec.TrafficPolicy)
	}
	http := out.VirtualService.Spec.Http
	if len(http) != 1 || !equal(dests(http[0]), []string{":0"}) || http[0].Retries.GetAttempts() != 3 || http[0].Retries.GetRetryOn() != "5xx,connect-failure" ||
		http[0].Retries.GetPerTryTimeout().AsDuration() != time.Second || http[0].Timeout.AsDuration() != 5*time.Second {
		t.Errorf("routes %v", out.VirtualService.Spec.String())
	}
}

func TestConsistentHash(t *testing.T) {
	for name, tc := range map[string]struct {
		ch    meshv1.ConsistentHash
		check func(*networkingapi.LoadBalancerSettings_ConsistentHashLB) bool
	}{
		"header": {meshv1.ConsistentHash{HTTPHeaderName: ptr.To("x-user")}, func(h *networkingapi.LoadBalancerSettings_ConsistentHashLB) bool {
			return h.GetHttpHeaderName() == "x-user"
		}},
		"cookie": {meshv1.ConsistentHash{HTTPCookie: &meshv1.HashCookie{Name: "sid", Path: "/", TTL: &metav1.Duration{Duration: time.Hour}}}, func(h *networkingapi.LoadBalancerSettings_ConsistentHashLB) bool {
			c := h.GetHttpCookie()
			return c.GetName() == "sid" && c.GetPath() == "/" && c.GetTtl().AsDuration() == time.Hour
		}},
		"source IP": {meshv1.ConsistentHash{UseSourceIP: true}, func(h *networkingapi.LoadBalancerSettings_ConsistentHashLB) bool { return h.GetUseSourceIp() }},
	} {
		out := mustCompile(t, Input{Service: service(), Policy: policy(meshv1.ServicePolicySpec{LoadBalancer: &meshv1.LoadBalancer{ConsistentHash: &tc.ch}})})
		if h := out.DestinationRule.Spec.TrafficPolicy.GetLoadBalancer().GetConsistentHash(); !tc.check(h) {
			t.Errorf("%s: %v", name, out.DestinationRule.Spec.String())
		}
	}
}

// A strategy and a policy on one service: one VirtualService, one
// DestinationRule, retries and timeout on every route, subsets and the
// traffic policy together.
func TestStrategyAndPolicy(t *testing.T) {
	p := policy(meshv1.ServicePolicySpec{Retries: &meshv1.Retries{Attempts: 2}, Timeout: &metav1.Duration{Duration: 2 * time.Second},
		LoadBalancer: &meshv1.LoadBalancer{Simple: meshv1.Random}})
	out := mustCompile(t, Input{Service: service(), Versions: versions(), Policy: p, Strategy: strategy(meshv1.StrategySpec{Type: meshv1.Canary, Weight: ptr.To[int32](30),
		Match: []meshv1.RequestMatch{{Headers: map[string]meshv1.StringMatch{"x-beta": {Exact: ptr.To("1")}}}}})})
	for _, r := range out.VirtualService.Spec.Http {
		if r.Retries.GetAttempts() != 2 || r.Timeout.AsDuration() != 2*time.Second {
			t.Errorf("route %s: %v", r.Name, r.String())
		}
	}
	if len(out.DestinationRule.Spec.Subsets) != 2 || out.DestinationRule.Spec.TrafficPolicy.GetLoadBalancer().GetSimple() != networkingapi.LoadBalancerSettings_RANDOM {
		t.Errorf("destination rule %v", out.DestinationRule.Spec.String())
	}
}

func compileError(t *testing.T, in Input) *Error {
	t.Helper()
	_, err := Compile(in)
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v, want an *Error", err)
	}
	return e
}

func TestErrorsNameTheInputField(t *testing.T) {
	for name, tc := range map[string]struct {
		in            Input
		reason, field string
	}{
		"no service":              {Input{Versions: versions(), Strategy: strategy(meshv1.StrategySpec{Type: meshv1.Canary})}, meshv1.ReasonServiceNotFound, "spec.service"},
		"no service for a policy": {Input{Policy: policy(meshv1.ServicePolicySpec{Timeout: &metav1.Duration{Duration: time.Second}})}, meshv1.ReasonServiceNotFound, "spec.service"},
		"canary without pods": {Input{Service: service(), Versions: map[string]Version{"v1": {Pods: 1}}, Strategy: strategy(meshv1.StrategySpec{Type: meshv1.Canary})},
			meshv1.ReasonNoPods, "spec.canary"},
		"principal without pods": {Input{Service: service(), Versions: map[string]Version{"v2": {Pods: 1}, "v1": {Pods: 0}}, Strategy: strategy(meshv1.StrategySpec{Type: meshv1.Mirror, Mirror: &meshv1.MirrorSpec{Percent: 1}})},
			meshv1.ReasonNoPods, "spec.principal"},
		"promoted canary without pods": {Input{Service: service(), Versions: map[string]Version{"v1": {Pods: 1}}, Strategy: strategy(meshv1.StrategySpec{Type: meshv1.Canary, Decision: meshv1.Promote})},
			meshv1.ReasonNoPods, "spec.canary"},
		"bad regex": {Input{Service: service(), Versions: versions(), Strategy: strategy(meshv1.StrategySpec{Type: meshv1.Canary,
			Match: []meshv1.RequestMatch{{Headers: map[string]meshv1.StringMatch{"x-user": {Regex: ptr.To("(a")}}}}})},
			meshv1.ReasonInvalid, "spec.match[0].headers[x-user].regex"},
		"weight out of range": {Input{Service: service(), Versions: versions(), Strategy: strategy(meshv1.StrategySpec{Type: meshv1.Canary, Weight: ptr.To[int32](120)})},
			meshv1.ReasonInvalid, "spec.weight"},
		"bad policy": {Input{Service: service(), Policy: policy(meshv1.ServicePolicySpec{Retries: &meshv1.Retries{Attempts: 1, RetryOn: "sometimes"}})},
			meshv1.ReasonInvalid, "spec.retries.retryOn"},
	} {
		e := compileError(t, tc.in)
		if e.Reason != tc.reason || e.Field != tc.field || e.Message == "" {
			t.Errorf("%s: %+v, want %s on %s", name, e, tc.reason, tc.field)
		}
	}
}

// Validate catches what Compile would never produce but Istio would
// refuse: the rules hold on their own.
func TestValidateAppliesIstiosRules(t *testing.T) {
	in := Input{Service: service(), Versions: versions(), Strategy: strategy(meshv1.StrategySpec{Type: meshv1.Canary, Weight: ptr.To[int32](20)})}
	for name, tc := range map[string]struct {
		spoil         func(*Output)
		reason, field string
	}{
		"weights not 100":   {func(o *Output) { o.VirtualService.Spec.Http[0].Route[1].Weight = 30 }, meshv1.ReasonInvalid, "spec.weight"},
		"undeclared subset": {func(o *Output) { o.DestinationRule.Spec.Subsets = o.DestinationRule.Spec.Subsets[:1] }, meshv1.ReasonInvalid, "spec.canary"},
		"foreign host":      {func(o *Output) { o.VirtualService.Spec.Hosts = append(o.VirtualService.Spec.Hosts, "ratings") }, meshv1.ReasonInvalid, "spec.service"},
		"foreign destination": {func(o *Output) {
			o.VirtualService.Spec.Http[0].Route[0].Destination.Host = "ratings.shop.svc.cluster.local"
		},
			meshv1.ReasonInvalid, "spec.service"},
		"DR host":                {func(o *Output) { o.DestinationRule.Spec.Host = "reviews.other.svc.cluster.local" }, meshv1.ReasonInvalid, "spec.service"},
		"subset not a DNS label": {func(o *Output) { o.DestinationRule.Spec.Subsets[0].Name = "V_1" }, meshv1.ReasonInvalid, ""},
		"mirror percent": {func(o *Output) {
			o.VirtualService.Spec.Http[0].Mirror = &networkingapi.Destination{Host: fqdn, Subset: "v2"}
			o.VirtualService.Spec.Http[0].MirrorPercentage = &networkingapi.Percent{Value: 150}
		}, meshv1.ReasonInvalid, "spec.mirror.percent"},
	} {
		out := mustCompile(t, in)
		tc.spoil(out)
		err := Validate(in, out)
		var e *Error
		if !errors.As(err, &e) || e.Reason != tc.reason || e.Field != tc.field {
			t.Errorf("%s: %v, want %s on %q", name, err, tc.reason, tc.field)
		}
	}
	if err := Validate(in, mustCompile(t, in)); err != nil {
		t.Errorf("a compiled output is valid: %v", err)
	}
}

func TestHostCovers(t *testing.T) {
	for h, want := range map[string]bool{
		"reviews": true, "reviews.shop": true, "reviews.shop.svc": true, fqdn: true, "*.shop.svc.cluster.local": true, "*": true, "*.svc.cluster.local": true,
		"ratings": false, "reviews.other": false, "reviews.other.svc.cluster.local": false, "*.other.svc.cluster.local": false, "reviews.example.com": false,
	} {
		if got := HostCovers(h, "reviews", "shop"); got != want {
			t.Errorf("%s: %v", h, got)
		}
	}
}
