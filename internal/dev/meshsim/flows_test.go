package meshsim

import (
	"math"
	"strings"
	"testing"

	networkingv1alpha3 "istio.io/api/networking/v1alpha3"
	istiov1 "istio.io/client-go/pkg/apis/networking/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func svc(ns, name string, sel map[string]string, ann map[string]string) corev1.Service {
	return corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Annotations: ann}, Spec: corev1.ServiceSpec{Selector: sel}}
}

func world() World {
	return World{
		Workloads: []Workload{
			{Namespace: "a", Name: "productpage-v1", Labels: map[string]string{"app": "productpage", "version": "v1"}, Replicas: 1,
				Annotations: map[string]string{AnnotationCalls: "reviews:20, ratings.b:5"}},
			{Namespace: "a", Name: "reviews-v1", Labels: map[string]string{"app": "reviews", "version": "v1"}, Replicas: 3,
				Annotations: map[string]string{AnnotationErrorRatio: "0.1", AnnotationLatency: "40"}},
			{Namespace: "a", Name: "reviews-v2", Labels: map[string]string{"app": "reviews", "version": "v2"}, Replicas: 1},
			{Namespace: "b", Name: "ratings", Labels: map[string]string{"app": "ratings"}, Replicas: 1},
		},
		Services: []corev1.Service{
			svc("a", "productpage", map[string]string{"app": "productpage"}, map[string]string{AnnotationIngressRPS: "2"}),
			svc("a", "reviews", map[string]string{"app": "reviews"}, nil),
			svc("b", "ratings", map[string]string{"app": "ratings"}, nil),
		},
	}
}

func rates(flows []Flow) map[string]float64 {
	out := map[string]float64{}
	for _, f := range flows {
		out[f.Source.Workload+">"+f.ServiceName+">"+f.Destination.Workload] += f.RPS
	}
	return out
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestFlowsSplitByReplicasWithoutRoutes(t *testing.T) {
	r := rates(Flows(world()))
	want := map[string]float64{
		"productpage-v1>reviews>reviews-v1": 15, "productpage-v1>reviews>reviews-v2": 5,
		"productpage-v1>ratings>ratings": 5, "unknown>productpage>productpage-v1": 2,
	}
	if len(r) != len(want) {
		t.Fatalf("flows %v, want %v", r, want)
	}
	for k, v := range want {
		if !near(r[k], v) {
			t.Errorf("%s: %v req/s, want %v", k, r[k], v)
		}
	}
}

func TestFlowsFollowTheVirtualServiceWeights(t *testing.T) {
	w := world()
	w.DestinationRules = []*istiov1.DestinationRule{{ObjectMeta: metav1.ObjectMeta{Namespace: "a", Name: "reviews"},
		Spec: networkingv1alpha3.DestinationRule{Host: "reviews.a.svc.cluster.local", Subsets: []*networkingv1alpha3.Subset{
			{Name: "v1", Labels: map[string]string{"version": "v1"}}, {Name: "v2", Labels: map[string]string{"version": "v2"}}}}}}
	dest := func(subset string, weight int32) *networkingv1alpha3.HTTPRouteDestination {
		return &networkingv1alpha3.HTTPRouteDestination{Destination: &networkingv1alpha3.Destination{Host: "reviews.a.svc.cluster.local", Subset: subset}, Weight: weight}
	}
	w.VirtualServices = []*istiov1.VirtualService{{ObjectMeta: metav1.ObjectMeta{Namespace: "a", Name: "reviews"},
		Spec: networkingv1alpha3.VirtualService{Hosts: []string{"reviews"}, Http: []*networkingv1alpha3.HTTPRoute{
			{Match: []*networkingv1alpha3.HTTPMatchRequest{{Name: "testers"}}, Route: []*networkingv1alpha3.HTTPRouteDestination{dest("v2", 0)}},
			{Route: []*networkingv1alpha3.HTTPRouteDestination{dest("v1", 90), dest("v2", 10)}},
		}}}}
	r := rates(Flows(w))
	if !near(r["productpage-v1>reviews>reviews-v1"], 18) || !near(r["productpage-v1>reviews>reviews-v2"], 2) {
		t.Errorf("a canary at 10%%: %v", r)
	}
	for _, f := range Flows(w) {
		if f.Destination.Workload == "reviews-v1" && (f.ErrorRatio != 0.1 || f.LatencyMs != 40 || f.Destination.Version != "v1") {
			t.Errorf("reviews-v1's flow %+v", f)
		}
	}
}

func TestParseCallsRefusesBadEntries(t *testing.T) {
	for _, s := range []string{"reviews", "reviews:-1", "reviews:x"} {
		if _, err := ParseCalls("a", s); err == nil || !strings.Contains(err.Error(), "reviews") {
			t.Errorf("%q: %v", s, err)
		}
	}
	c, err := ParseCalls("a", "ratings.b:5,reviews:1.5")
	if err != nil || len(c) != 2 || c[0] != (Call{Service: "ratings", Namespace: "b", RPS: 5}) || c[1] != (Call{Service: "reviews", Namespace: "a", RPS: 1.5}) {
		t.Errorf("%+v %v", c, err)
	}
}
