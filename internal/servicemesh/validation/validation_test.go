package validation

import (
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	meshv1 "github.com/superkube/super-kubenetes/api/servicemesh/v1alpha2"
)

func TestStrategy(t *testing.T) {
	ok := meshv1.StrategySpec{Type: meshv1.Canary, Service: "reviews", Principal: "v1", Canary: "v2", Weight: ptr.To[int32](10),
		Match: []meshv1.RequestMatch{{Headers: map[string]meshv1.StringMatch{"end-user": {Exact: ptr.To("jason")}}}}}
	if errs := Strategy(&ok); len(errs) > 0 {
		t.Fatalf("a valid canary: %v", errs)
	}
	cases := map[string]struct {
		mutate func(*meshv1.StrategySpec)
		field  string
	}{
		"bad regex": {func(s *meshv1.StrategySpec) {
			s.Match = []meshv1.RequestMatch{{Headers: map[string]meshv1.StringMatch{"x-user": {Regex: ptr.To("(a")}}}}
		}, "spec.match[0].headers[x-user].regex"},
		"weight above 100": {func(s *meshv1.StrategySpec) { s.Weight = ptr.To[int32](120) }, "spec.weight"},
		"upper-case header": {func(s *meshv1.StrategySpec) {
			s.Match = []meshv1.RequestMatch{{Headers: map[string]meshv1.StringMatch{"X-User": {Exact: ptr.To("a")}}}}
		}, "spec.match[0].headers[X-User]"},
		"two kinds of match": {func(s *meshv1.StrategySpec) {
			s.Match = []meshv1.RequestMatch{{Cookies: []meshv1.CookieMatch{{Name: "u", Value: meshv1.StringMatch{Exact: ptr.To("a"), Prefix: ptr.To("b")}}}}}
		}, "spec.match[0].cookies[0].value"},
		"weight on a mirror": {func(s *meshv1.StrategySpec) {
			s.Type, s.Match, s.Mirror = meshv1.Mirror, nil, &meshv1.MirrorSpec{Percent: 10}
		}, "spec.weight"},
		"mirror without its percent": {func(s *meshv1.StrategySpec) { s.Type, s.Weight, s.Match = meshv1.Mirror, nil, nil }, "spec.mirror"},
		"same versions":              {func(s *meshv1.StrategySpec) { s.Canary = "v1" }, "spec.canary"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			s := ok
			s.Match = append([]meshv1.RequestMatch(nil), ok.Match...)
			c.mutate(&s)
			errs := Strategy(&s)
			if len(errs) == 0 {
				t.Fatal("accepted")
			}
			if errs[0].Field != c.field {
				t.Fatalf("field %q, want %q (%v)", errs[0].Field, c.field, errs)
			}
		})
	}
}

func TestServicePolicy(t *testing.T) {
	d := func(s string) *metav1.Duration { v, _ := time.ParseDuration(s); return &metav1.Duration{Duration: v} }
	ok := meshv1.ServicePolicySpec{Service: "reviews",
		ConnectionPool:   &meshv1.ConnectionPool{TCP: &meshv1.TCPPool{MaxConnections: ptr.To[int32](100), ConnectTimeout: d("1s")}},
		OutlierDetection: &meshv1.OutlierDetection{Consecutive5xxErrors: ptr.To[int32](5), Interval: d("10s"), BaseEjectionTime: d("30s")},
		LoadBalancer:     &meshv1.LoadBalancer{Simple: meshv1.LeastRequest},
		Retries:          &meshv1.Retries{Attempts: 3, PerTryTimeout: d("2s"), RetryOn: "5xx,connect-failure,503"},
		Timeout:          d("10s")}
	if errs := ServicePolicy(&ok); len(errs) > 0 {
		t.Fatalf("a valid policy: %v", errs)
	}
	bad := ok
	bad.Retries = &meshv1.Retries{Attempts: 3, RetryOn: "5xx,sometimes"}
	if errs := ServicePolicy(&bad); len(errs) != 1 || errs[0].Field != "spec.retries.retryOn" || !strings.Contains(errs[0].Detail, "sometimes") {
		t.Fatalf("retryOn: %v", errs)
	}
	bad = ok
	bad.LoadBalancer = &meshv1.LoadBalancer{Simple: meshv1.Random, ConsistentHash: &meshv1.ConsistentHash{UseSourceIP: true}}
	if errs := ServicePolicy(&bad); len(errs) != 1 || errs[0].Field != "spec.loadBalancer" {
		t.Fatalf("load balancer: %v", errs)
	}
	bad = ok
	bad.Retries = &meshv1.Retries{Attempts: 2, PerTryTimeout: d("20s")}
	if errs := ServicePolicy(&bad); len(errs) != 1 || errs[0].Field != "spec.retries.perTryTimeout" {
		t.Fatalf("per-try timeout: %v", errs)
	}
}
