package meshtopology

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	networkingv1alpha3 "istio.io/api/networking/v1alpha3"
	istiov1 "istio.io/client-go/pkg/apis/networking/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	"github.com/superkube/super-kubenetes/internal/dev/meshsim"
	"github.com/superkube/super-kubenetes/internal/testutil/platform"
)

// The world: project shop (workspace wsa) runs productpage, reviews (v1
// and a canary v2 at 10%) and ratings, and calls payments in project
// other (workspace wsb), whose other-client calls shop's reviews.
const (
	shop, other = "shop", "other"
	alice, bob  = "alice", "bob"
	// window is the graph's window.
	window = 15 * time.Second
)

// flows is the number of istio_requests_total series the world makes
// (a flow with errors has a 200 and a 503 series).
var flows = make([]struct{}, 14)

func deployment(ns, name, app, version string, ann map[string]string) *appsv1.Deployment {
	l := map[string]string{"app": app}
	if version != "" {
		l["version"] = version
	}
	return &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Annotations: ann},
		Spec: appsv1.DeploymentSpec{Replicas: ptr.To[int32](1), Selector: &metav1.LabelSelector{MatchLabels: l},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: l},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "example.com/" + app}}}}}}
}

func service(ns, name string, ann map[string]string) *corev1.Service {
	return &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Annotations: ann},
		Spec: corev1.ServiceSpec{Selector: map[string]string{"app": name}, Ports: []corev1.ServicePort{{Name: "http", Port: 9080}}}}
}

func createWorld(ctx context.Context) error {
	host := meshsim.ServiceHost(shop, "reviews")
	dest := func(subset string, w int32) *networkingv1alpha3.HTTPRouteDestination {
		return &networkingv1alpha3.HTTPRouteDestination{Destination: &networkingv1alpha3.Destination{Host: host, Subset: subset}, Weight: w}
	}
	objs := []client.Object{
		&tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: "wsa"}},
		&tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: "wsb"}},
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: shop, Labels: map[string]string{tenantv1beta1.WorkspaceLabel: "wsa"}}},
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: other, Labels: map[string]string{tenantv1beta1.WorkspaceLabel: "wsb"}}},
		deployment(shop, "productpage-v1", "productpage", "v1", map[string]string{meshsim.AnnotationCalls: "reviews:20,ratings:10,payments.other:4"}),
		deployment(shop, "reviews-v1", "reviews", "v1", map[string]string{meshsim.AnnotationCalls: "ratings:5",
			meshsim.AnnotationErrorRatio: "0.1", meshsim.AnnotationLatency: "40"}),
		deployment(shop, "reviews-v2", "reviews", "v2", map[string]string{meshsim.AnnotationCalls: "ratings:5",
			meshsim.AnnotationErrorRatio: "0.3", meshsim.AnnotationLatency: "80"}),
		deployment(shop, "ratings-v1", "ratings", "v1", map[string]string{meshsim.AnnotationLatency: "5"}),
		service(shop, "productpage", map[string]string{meshsim.AnnotationIngressRPS: "2"}),
		service(shop, "reviews", nil),
		service(shop, "ratings", nil),
		// A canary at 10%, hand-written (not labelled as the platform's): the
		// service mesh controller of the test's controller manager deletes
		// generated objects that no Strategy or ServicePolicy asks for.
		&istiov1.DestinationRule{ObjectMeta: metav1.ObjectMeta{Namespace: shop, Name: "reviews"},
			Spec: networkingv1alpha3.DestinationRule{Host: host, Subsets: []*networkingv1alpha3.Subset{
				{Name: "v1", Labels: map[string]string{"version": "v1"}}, {Name: "v2", Labels: map[string]string{"version": "v2"}}}}},
		&istiov1.VirtualService{ObjectMeta: metav1.ObjectMeta{Namespace: shop, Name: "reviews"},
			Spec: networkingv1alpha3.VirtualService{Hosts: []string{"reviews", host},
				Http: []*networkingv1alpha3.HTTPRoute{{Route: []*networkingv1alpha3.HTTPRouteDestination{dest("v1", 90), dest("v2", 10)}}}}},
		deployment(other, "payments-v1", "payments", "v1", map[string]string{meshsim.AnnotationErrorRatio: "0.05"}),
		deployment(other, "other-client", "other-client", "", map[string]string{meshsim.AnnotationCalls: "reviews.shop:3"}),
		service(other, "payments", nil),
	}
	for u, ns := range map[string]string{alice: shop, bob: other} {
		objs = append(objs, &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: u + "-viewer", Labels: map[string]string{iamv1beta1.UserRefLabel: u}},
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "viewer"},
			Subjects: []rbacv1.Subject{{Kind: "User", APIGroup: rbacv1.GroupName, Name: u}}})
	}
	for _, o := range objs {
		if err := k8s.Create(ctx, o); err != nil {
			return fmt.Errorf("creating %s: %w", o.GetName(), err)
		}
	}
	return nil
}

var (
	usersOnce sync.Once
	tokens    map[string]string
)

// users creates alice and bob once and returns their tokens and the
// platform administrator's ("admin").
func users(t *testing.T) map[string]string {
	t.Helper()
	usersOnce.Do(func() {
		tokens = map[string]string{"admin": api.Admin(t)}
		for u, ns := range map[string]string{alice: shop, bob: other} {
			platform.NewUser(t, k8s, u, password)
			tokens[u] = api.Token(t, u)
			platform.Eventually(t, u+" may read "+ns, time.Minute, func() error {
				if r := get(t, tokens[u], "/namespaces/"+ns+"/topology"); r.Code != http.StatusOK {
					return fmt.Errorf("%d %s", r.Code, r.Body)
				}
				return nil
			})
		}
	})
	if tokens == nil {
		t.Fatal("no users")
	}
	return tokens
}

const prefix = "/kapis/servicemesh.superkube.io/v1alpha2"

func get(t *testing.T, tok, path string) *platform.Response {
	t.Helper()
	return api.Do(t, http.MethodGet, prefix+path, tok, nil)
}

type node struct {
	ID, Kind, Namespace, Name, App, Version string
}

type edge struct {
	Source, Target string
	Rate           float64
	ErrorRatio     float64
	Latency        *struct{ P50, P95, P99 float64 }
}

type graph struct {
	Units   map[string]string
	Nodes   []node
	Edges   []edge
	Queries int
}

func decode[T any](t *testing.T, r *platform.Response) T {
	t.Helper()
	var v T
	if r.Code != http.StatusOK {
		t.Fatalf("%d %s", r.Code, r.Body)
	}
	if err := json.Unmarshal(r.Body, &v); err != nil {
		t.Fatalf("%v: %s", err, r.Body)
	}
	return v
}
