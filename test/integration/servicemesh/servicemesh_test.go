package servicemesh

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	networkingapi "istio.io/api/networking/v1"
	networkingv1 "istio.io/client-go/pkg/apis/networking/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	meshv1 "github.com/superkube/super-kubenetes/api/servicemesh/v1alpha2"
)

const fqdn = ".svc.cluster.local"

func newStrategy(ns, name string, spec meshv1.StrategySpec) *meshv1.Strategy {
	spec.Service = "reviews"
	if spec.Principal == "" {
		spec.Principal = "v1"
	}
	if spec.Canary == "" {
		spec.Canary = "v2"
	}
	return &meshv1.Strategy{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Spec: spec}
}

// routes sums up a VirtualService's routes: "name:subset=weight,...", the
// mirror, retries and timeout, separated by " | ".
func routes(vs *networkingv1.VirtualService) string {
	var out []string
	for _, r := range vs.Spec.Http {
		var ds []string
		for _, d := range r.Route {
			ds = append(ds, fmt.Sprintf("%s=%d", d.Destination.Subset, d.Weight))
		}
		s := r.Name + ":" + strings.Join(ds, ",")
		if r.Mirror != nil {
			s += fmt.Sprintf(" mirror %s %v%%", r.Mirror.Subset, r.MirrorPercentage.GetValue())
		}
		if r.Retries != nil {
			s += fmt.Sprintf(" retries %d", r.Retries.Attempts)
		}
		if r.Timeout != nil {
			s += " timeout " + r.Timeout.AsDuration().String()
		}
		out = append(out, s)
	}
	return strings.Join(out, " | ")
}

func subsets(dr *networkingv1.DestinationRule) string {
	var out []string
	for _, s := range dr.Spec.Subsets {
		out = append(out, s.Name+"="+s.Labels["version"])
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}

func get[T client.Object](ns, name string, obj T) (T, error) {
	return obj, k8s.Get(context.Background(), types.NamespacedName{Namespace: ns, Name: name}, obj)
}

// waitRoutes waits until the generated VirtualService routes as want says.
func waitRoutes(t *testing.T, ns, want string) *networkingv1.VirtualService {
	t.Helper()
	var vs *networkingv1.VirtualService
	eventually(t, "the VirtualService routes "+want, func() error {
		var err error
		if vs, err = get(ns, "reviews", &networkingv1.VirtualService{}); err != nil {
			return err
		}
		if got := routes(vs); got != want {
			return fmt.Errorf("routes %q", got)
		}
		return nil
	})
	return vs
}

// waitStrategy waits until the strategy's status satisfies ok.
func waitStrategy(t *testing.T, ns, name string, ok func(*meshv1.Strategy) error) *meshv1.Strategy {
	t.Helper()
	var s *meshv1.Strategy
	eventually(t, "the status of strategy "+name, func() error {
		var err error
		if s, err = get(ns, name, &meshv1.Strategy{}); err != nil {
			return err
		}
		return ok(s)
	})
	return s
}

func ready(reason string) func(conds []metav1.Condition) error {
	return func(conds []metav1.Condition) error {
		c := meta.FindStatusCondition(conds, meshv1.ConditionReady)
		if c == nil || c.Reason != reason {
			return fmt.Errorf("condition %+v, want reason %s", c, reason)
		}
		return nil
	}
}

func phase(p meshv1.StrategyPhase, reason string) func(*meshv1.Strategy) error {
	return func(s *meshv1.Strategy) error {
		if s.Status.Phase != p || s.Status.ObservedGeneration != s.Generation {
			return fmt.Errorf("phase %s, observed %d of %d", s.Status.Phase, s.Status.ObservedGeneration, s.Generation)
		}
		return ready(reason)(s.Status.Conditions)
	}
}

func TestACanaryByWeightShiftsStepByStep(t *testing.T) {
	ns := shop(t)
	ctx := context.Background()
	s := newStrategy(ns, "reviews-v2", meshv1.StrategySpec{Type: meshv1.Canary, Weight: ptr.To[int32](10)})
	must(t, k8s.Create(ctx, s))
	vs := waitRoutes(t, ns, "weighted:v1=90,v2=10")
	if vs.Labels[meshv1.ManagedByLabel] != meshv1.ManagedByValue || vs.Labels[meshv1.ServiceLabel] != "reviews" ||
		strings.Join(vs.Spec.Hosts, ",") != "reviews,reviews."+ns+fqdn {
		t.Errorf("VirtualService %v %v", vs.Labels, vs.Spec.Hosts)
	}
	if len(vs.OwnerReferences) != 1 || vs.OwnerReferences[0].Kind != "Strategy" || vs.OwnerReferences[0].Name != "reviews-v2" {
		t.Errorf("owners %+v", vs.OwnerReferences)
	}
	dr, err := get(ns, "reviews", &networkingv1.DestinationRule{})
	must(t, err)
	if dr.Spec.Host != "reviews."+ns+fqdn || subsets(dr) != "v1=v1,v2=v2" {
		t.Errorf("DestinationRule %s %s", dr.Spec.Host, subsets(dr))
	}
	st := waitStrategy(t, ns, s.Name, phase(meshv1.StrategyProgressing, meshv1.ReasonApplied))
	if st.Status.VirtualService != "reviews" || st.Status.DestinationRule != "reviews" || len(st.Status.Versions) != 2 {
		t.Fatalf("status %+v", st.Status)
	}
	p, c := st.Status.Versions[0], st.Status.Versions[1]
	if p.Name != "v1" || p.Weight != 90 || p.Pods != 2 || c.Name != "v2" || c.Weight != 10 || c.Pods != 1 {
		t.Errorf("versions %+v", st.Status.Versions)
	}
	if len(p.Workloads) != 1 || p.Workloads[0].Kind != "Deployment" || p.Workloads[0].Name != "reviews-v1" || p.Workloads[0].Replicas != 2 {
		t.Errorf("workloads of v1 %+v", p.Workloads)
	}
	// A step: 10 → 50.
	st.Spec.Weight = ptr.To[int32](50)
	must(t, k8s.Update(ctx, st))
	waitRoutes(t, ns, "weighted:v1=50,v2=50")
	waitStrategy(t, ns, s.Name, func(s *meshv1.Strategy) error {
		if s.Status.ObservedGeneration != s.Generation || s.Status.Versions[1].Weight != 50 {
			return fmt.Errorf("status %+v", s.Status)
		}
		return nil
	})
}

func TestACanaryByHeaderAndCookieMatchesFirst(t *testing.T) {
	ns := shop(t)
	s := newStrategy(ns, "beta", meshv1.StrategySpec{Type: meshv1.Canary, Weight: ptr.To[int32](5), Match: []meshv1.RequestMatch{
		{Headers: map[string]meshv1.StringMatch{"x-user": {Regex: ptr.To("tester-[0-9]+")}}},
		{Cookies: []meshv1.CookieMatch{{Name: "group", Value: meshv1.StringMatch{Exact: ptr.To("beta")}}}},
	}})
	must(t, k8s.Create(context.Background(), s))
	vs := waitRoutes(t, ns, "match-0:v2=100 | match-1:v2=100 | weighted:v1=95,v2=5")
	if re := vs.Spec.Http[0].Match[0].Headers["x-user"].GetRegex(); re != "tester-[0-9]+" {
		t.Errorf("header match %q", re)
	}
	if re := vs.Spec.Http[1].Match[0].Headers["cookie"].GetRegex(); !strings.Contains(re, "group=beta") {
		t.Errorf("cookie match %q", re)
	}
}

func TestABlueGreenSwitch(t *testing.T) {
	ns := shop(t)
	ctx := context.Background()
	s := newStrategy(ns, "bg", meshv1.StrategySpec{Type: meshv1.BlueGreen, Active: meshv1.VersionPrincipal})
	must(t, k8s.Create(ctx, s))
	waitRoutes(t, ns, "active:v1=100")
	s = waitStrategy(t, ns, "bg", phase(meshv1.StrategyProgressing, meshv1.ReasonApplied))
	s.Spec.Active = meshv1.VersionCanary
	must(t, k8s.Update(ctx, s))
	waitRoutes(t, ns, "active:v2=100")
	dr, err := get(ns, "reviews", &networkingv1.DestinationRule{})
	must(t, err)
	if subsets(dr) != "v1=v1,v2=v2" {
		t.Errorf("subsets %s: both stay, to switch back", subsets(dr))
	}
}

func TestAMirrorCopiesAShare(t *testing.T) {
	ns := shop(t)
	must(t, k8s.Create(context.Background(), newStrategy(ns, "shadow", meshv1.StrategySpec{Type: meshv1.Mirror, Mirror: &meshv1.MirrorSpec{Percent: 20}})))
	waitRoutes(t, ns, "mirror:v1=100 mirror v2 20%")
	waitStrategy(t, ns, "shadow", func(s *meshv1.Strategy) error {
		if len(s.Status.Versions) != 2 || s.Status.Versions[0].Weight != 100 || s.Status.Versions[1].Weight != 0 {
			return fmt.Errorf("versions %+v", s.Status.Versions)
		}
		return nil
	})
}

// replicas is the Deployment's spec.replicas.
func replicas(t *testing.T, ns, name string) int32 {
	t.Helper()
	d, err := get(ns, name, &appsv1.Deployment{})
	must(t, err)
	return ptr.Deref(d.Spec.Replicas, 1)
}

func TestPromoteSendsEverythingToTheCanaryAndScalesThePrincipalDown(t *testing.T) {
	ns := shop(t)
	ctx := context.Background()
	must(t, k8s.Create(ctx, newStrategy(ns, "rel", meshv1.StrategySpec{Type: meshv1.Canary, Weight: ptr.To[int32](30)})))
	s := waitStrategy(t, ns, "rel", phase(meshv1.StrategyProgressing, meshv1.ReasonApplied))
	s.Spec.Decision = meshv1.Promote
	must(t, k8s.Update(ctx, s))
	waitRoutes(t, ns, "decided:v2=100")
	s = waitStrategy(t, ns, "rel", phase(meshv1.StrategyPromoted, meshv1.ReasonApplied))
	if s.Status.DecidedAt == nil {
		t.Error("no decidedAt")
	}
	eventually(t, "reviews-v1 is scaled to 0", func() error {
		if r := replicas(t, ns, "reviews-v1"); r != 0 {
			return fmt.Errorf("%d replicas", r)
		}
		return nil
	})
	if r := replicas(t, ns, "reviews-v2"); r != 1 {
		t.Errorf("the canary has %d replicas", r)
	}
	waitStrategy(t, ns, "rel", func(s *meshv1.Strategy) error {
		if w := s.Status.Versions[0].Workloads; len(w) != 1 || w[0].Name != "reviews-v1" || w[0].Replicas != 0 {
			return fmt.Errorf("the principal's workloads %+v", w)
		}
		if s.Status.Versions[0].Weight != 0 || s.Status.Versions[1].Weight != 100 {
			return fmt.Errorf("versions %+v", s.Status.Versions)
		}
		return nil
	})
	dr, err := get(ns, "reviews", &networkingv1.DestinationRule{})
	must(t, err)
	if subsets(dr) != "v2=v2" {
		t.Errorf("subsets %s", subsets(dr))
	}
	// The principal's pods go (as its Deployment would remove them): the
	// objects stay, routing to the canary.
	must(t, k8s.DeleteAllOf(ctx, &corev1.Pod{}, client.InNamespace(ns), client.MatchingLabels{"version": "v1"}))
	time.Sleep(time.Second)
	waitRoutes(t, ns, "decided:v2=100")
	waitStrategy(t, ns, "rel", phase(meshv1.StrategyPromoted, meshv1.ReasonApplied))
}

func TestRollbackSendsEverythingToThePrincipalAndScalesTheCanaryDown(t *testing.T) {
	ns := shop(t)
	ctx := context.Background()
	must(t, k8s.Create(ctx, newStrategy(ns, "rel", meshv1.StrategySpec{Type: meshv1.Mirror, Mirror: &meshv1.MirrorSpec{Percent: 50}})))
	s := waitStrategy(t, ns, "rel", phase(meshv1.StrategyProgressing, meshv1.ReasonApplied))
	s.Spec.Decision = meshv1.Rollback
	must(t, k8s.Update(ctx, s))
	waitRoutes(t, ns, "decided:v1=100")
	waitStrategy(t, ns, "rel", phase(meshv1.StrategyRolledBack, meshv1.ReasonApplied))
	eventually(t, "reviews-v2 is scaled to 0", func() error {
		if r := replicas(t, ns, "reviews-v2"); r != 0 {
			return fmt.Errorf("%d replicas", r)
		}
		return nil
	})
	if r := replicas(t, ns, "reviews-v1"); r != 2 {
		t.Errorf("the principal has %d replicas", r)
	}
}

func circuitBreaker(ns string) *meshv1.ServicePolicy {
	return &meshv1.ServicePolicy{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "reviews"}, Spec: meshv1.ServicePolicySpec{Service: "reviews",
		ConnectionPool: &meshv1.ConnectionPool{TCP: &meshv1.TCPPool{MaxConnections: ptr.To[int32](100)},
			HTTP: &meshv1.HTTPPool{HTTP1MaxPendingRequests: ptr.To[int32](10), MaxRequestsPerConnection: ptr.To[int32](1)}},
		OutlierDetection: &meshv1.OutlierDetection{Consecutive5xxErrors: ptr.To[int32](5), Interval: &metav1.Duration{Duration: 10 * time.Second},
			BaseEjectionTime: &metav1.Duration{Duration: 30 * time.Second}, MaxEjectionPercent: ptr.To[int32](50)},
		LoadBalancer: &meshv1.LoadBalancer{ConsistentHash: &meshv1.ConsistentHash{HTTPHeaderName: ptr.To("x-user")}},
	}}
}

func waitPolicy(t *testing.T, ns string, ok func(*meshv1.ServicePolicy) error) *meshv1.ServicePolicy {
	t.Helper()
	var p *meshv1.ServicePolicy
	eventually(t, "the policy's status", func() error {
		var err error
		if p, err = get(ns, "reviews", &meshv1.ServicePolicy{}); err != nil {
			return err
		}
		return ok(p)
	})
	return p
}

func TestAServicePolicyAloneThenWithAStrategy(t *testing.T) {
	ns := shop(t)
	ctx := context.Background()
	must(t, k8s.Create(ctx, circuitBreaker(ns)))
	var dr *networkingv1.DestinationRule
	eventually(t, "the DestinationRule carries the policy", func() error {
		var err error
		if dr, err = get(ns, "reviews", &networkingv1.DestinationRule{}); err != nil {
			return err
		}
		if dr.Spec.TrafficPolicy == nil {
			return errors.New("no traffic policy")
		}
		return nil
	})
	tp := dr.Spec.TrafficPolicy
	if tp.ConnectionPool.Tcp.MaxConnections != 100 || tp.ConnectionPool.Http.Http1MaxPendingRequests != 10 || tp.OutlierDetection.Consecutive_5XxErrors.GetValue() != 5 ||
		tp.OutlierDetection.BaseEjectionTime.AsDuration() != 30*time.Second || tp.LoadBalancer.GetConsistentHash().GetHttpHeaderName() != "x-user" || len(dr.Spec.Subsets) != 0 {
		t.Errorf("destination rule %v", dr.Spec.String())
	}
	p := waitPolicy(t, ns, func(p *meshv1.ServicePolicy) error {
		if p.Status.DestinationRule != "reviews" || p.Status.VirtualService != "" {
			return fmt.Errorf("status %+v", p.Status)
		}
		return ready(meshv1.ReasonApplied)(p.Status.Conditions)
	})
	if _, err := get(ns, "reviews", &networkingv1.VirtualService{}); !apierrors.IsNotFound(err) {
		t.Errorf("a policy without retries or timeout needs no VirtualService: %v", err)
	}
	// Retries and timeout route: a VirtualService appears.
	p.Spec.Retries = &meshv1.Retries{Attempts: 3, PerTryTimeout: &metav1.Duration{Duration: time.Second}, RetryOn: "5xx,reset"}
	p.Spec.Timeout = &metav1.Duration{Duration: 4 * time.Second}
	p.Spec.LoadBalancer = &meshv1.LoadBalancer{Simple: meshv1.LeastRequest}
	must(t, k8s.Update(ctx, p))
	waitRoutes(t, ns, "default:=0 retries 3 timeout 4s")
	// With a canary: one VirtualService and one DestinationRule, owned by both.
	must(t, k8s.Create(ctx, newStrategy(ns, "canary", meshv1.StrategySpec{Type: meshv1.Canary, Weight: ptr.To[int32](20)})))
	vs := waitRoutes(t, ns, "weighted:v1=80,v2=20 retries 3 timeout 4s")
	eventually(t, "the DestinationRule has the subsets and the policy", func() error {
		dr, err := get(ns, "reviews", &networkingv1.DestinationRule{})
		if err != nil {
			return err
		}
		if subsets(dr) != "v1=v1,v2=v2" || dr.Spec.TrafficPolicy.GetLoadBalancer().GetSimple() != networkingapi.LoadBalancerSettings_LEAST_REQUEST || len(dr.OwnerReferences) != 2 {
			return fmt.Errorf("%s %v %v", subsets(dr), dr.Spec.TrafficPolicy, dr.OwnerReferences)
		}
		return nil
	})
	if len(vs.OwnerReferences) != 2 {
		t.Errorf("owners %+v", vs.OwnerReferences)
	}
	var list networkingv1.VirtualServiceList
	must(t, k8s.List(ctx, &list, client.InNamespace(ns)))
	if len(list.Items) != 1 {
		t.Errorf("%d VirtualServices", len(list.Items))
	}
	// Both gone: the generated objects go.
	must(t, k8s.Delete(ctx, &meshv1.Strategy{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "canary"}}))
	waitRoutes(t, ns, "default:=0 retries 3 timeout 4s")
	must(t, k8s.Delete(ctx, &meshv1.ServicePolicy{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "reviews"}}))
	eventually(t, "the generated objects are deleted", func() error {
		if _, err := get(ns, "reviews", &networkingv1.VirtualService{}); !apierrors.IsNotFound(err) {
			return fmt.Errorf("VirtualService: %v", err)
		}
		if _, err := get(ns, "reviews", &networkingv1.DestinationRule{}); !apierrors.IsNotFound(err) {
			return fmt.Errorf("DestinationRule: %v", err)
		}
		return nil
	})
}

func TestAHandWrittenVirtualServiceIsNeverTouched(t *testing.T) {
	ns := shop(t)
	ctx := context.Background()
	mine := &networkingv1.VirtualService{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "by-hand"}}
	mine.Spec.Hosts = []string{"reviews." + ns + ".svc"}
	mine.Spec.Http = []*networkingapi.HTTPRoute{{Route: []*networkingapi.HTTPRouteDestination{{Destination: &networkingapi.Destination{Host: "reviews"}}}}}
	must(t, k8s.Create(ctx, mine))
	before, err := get(ns, "by-hand", &networkingv1.VirtualService{})
	must(t, err)
	must(t, k8s.Create(ctx, newStrategy(ns, "rel", meshv1.StrategySpec{Type: meshv1.Canary, Weight: ptr.To[int32](10)})))
	s := waitStrategy(t, ns, "rel", phase(meshv1.StrategyFailed, meshv1.ReasonConflict))
	if c := meta.FindStatusCondition(s.Status.Conditions, meshv1.ConditionReady); !strings.Contains(c.Message, "by-hand") {
		t.Errorf("the message does not name the VirtualService: %q", c.Message)
	}
	after, err := get(ns, "by-hand", &networkingv1.VirtualService{})
	must(t, err)
	if after.ResourceVersion != before.ResourceVersion {
		t.Error("the hand-written VirtualService was changed")
	}
	for _, obj := range []client.Object{&networkingv1.VirtualService{}, &networkingv1.DestinationRule{}} {
		if err := k8s.Get(ctx, types.NamespacedName{Namespace: ns, Name: "reviews"}, obj); !apierrors.IsNotFound(err) {
			t.Errorf("%T written despite the conflict: %v", obj, err)
		}
	}
	// Its owner deletes it: the strategy applies.
	must(t, k8s.Delete(ctx, after))
	waitRoutes(t, ns, "weighted:v1=90,v2=10")
	waitStrategy(t, ns, "rel", phase(meshv1.StrategyProgressing, meshv1.ReasonApplied))
}

func TestASecondUndecidedStrategyIsInConflict(t *testing.T) {
	ns := shop(t)
	ctx := context.Background()
	must(t, k8s.Create(ctx, newStrategy(ns, "first", meshv1.StrategySpec{Type: meshv1.Canary, Weight: ptr.To[int32](10)})))
	waitStrategy(t, ns, "first", phase(meshv1.StrategyProgressing, meshv1.ReasonApplied))
	time.Sleep(1100 * time.Millisecond) // creation timestamps have a resolution of a second
	must(t, k8s.Create(ctx, newStrategy(ns, "second", meshv1.StrategySpec{Type: meshv1.BlueGreen})))
	s := waitStrategy(t, ns, "second", phase(meshv1.StrategyFailed, meshv1.ReasonConflict))
	if c := meta.FindStatusCondition(s.Status.Conditions, meshv1.ConditionReady); !strings.Contains(c.Message, "first") {
		t.Errorf("message %q", c.Message)
	}
	waitRoutes(t, ns, "weighted:v1=90,v2=10")
}

func TestACanaryWithoutPodsNamesSpecCanary(t *testing.T) {
	ns := shop(t)
	must(t, k8s.Create(context.Background(), newStrategy(ns, "rel", meshv1.StrategySpec{Type: meshv1.Canary, Canary: "v3", Weight: ptr.To[int32](10)})))
	s := waitStrategy(t, ns, "rel", phase(meshv1.StrategyPending, meshv1.ReasonNoPods))
	if s.Status.Field != "spec.canary" {
		t.Errorf("field %q", s.Status.Field)
	}
	// The version comes up: the strategy applies.
	version(t, ns, "v3", 1)
	waitRoutes(t, ns, "weighted:v1=90,v3=10")
	waitStrategy(t, ns, "rel", phase(meshv1.StrategyProgressing, meshv1.ReasonApplied))
}

func TestAStrategyOnAMissingServiceNamesSpecService(t *testing.T) {
	ns := shop(t)
	s := newStrategy(ns, "rel", meshv1.StrategySpec{Type: meshv1.Canary})
	s.Spec.Service = "ratings"
	must(t, k8s.Create(context.Background(), s))
	s = waitStrategy(t, ns, "rel", phase(meshv1.StrategyFailed, meshv1.ReasonServiceNotFound))
	if s.Status.Field != "spec.service" {
		t.Errorf("field %q", s.Status.Field)
	}
}
