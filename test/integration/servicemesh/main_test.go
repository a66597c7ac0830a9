// Package servicemesh tests the compilation of Strategies and
// ServicePolicies into Istio's VirtualServices and DestinationRules
// against a real kube-apiserver and etcd with Istio's CRDs (their schemas
// check what is written) and kube-controller-manager's garbage collector,
// with ke-controller-manager running in-process and ke-apiserver's
// admission webhook registered with kube-apiserver. Pods are created by
// the tests with the Running phase: nothing schedules or runs them, and no
// Istio proxy routes anything (docs/servicemesh-traffic.md says what needs
// a real mesh).
package servicemesh

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-logr/logr"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/superkube/super-kubenetes/internal/scheme"
	"github.com/superkube/super-kubenetes/internal/servicemesh/istiocrds"
	"github.com/superkube/super-kubenetes/internal/testutil/envtest"
	"github.com/superkube/super-kubenetes/internal/testutil/platform"
)

var (
	k8s     client.Client // the administrator's, straight at kube-apiserver
	restCfg *rest.Config
)

func TestMain(m *testing.M) {
	code, err := run(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		code = 1
	}
	os.Exit(code)
}

func run(m *testing.M) (int, error) {
	ctrl.SetLogger(logr.Discard())
	dir, err := os.MkdirTemp("", "servicemesh-test-")
	if err != nil {
		return 1, err
	}
	defer os.RemoveAll(dir)
	env, err := envtest.Start(envtest.Options{CRDDirs: []string{istiocrds.Dir()}, ControllerManager: true})
	if err != nil {
		return 1, err
	}
	defer env.Stop()
	restCfg = env.Config
	if k8s, err = client.New(env.Config, client.Options{Scheme: scheme.New()}); err != nil {
		return 1, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := platform.StartControllers(ctx, env.Config); err != nil {
		return 1, err
	}
	apiServer, err := platform.Listen(dir)
	if err != nil {
		return 1, err
	}
	cfg := apiServer.Config(env.Config)
	_, stop, err := apiServer.Start(ctx, cfg, env.Config)
	if err != nil {
		return 1, err
	}
	defer stop()
	// kube-apiserver asks ke-apiserver's webhook about strategies and
	// policies, as in a real installation.
	if err := apiServer.RegisterAdmission(ctx, k8s, cfg); err != nil {
		return 1, err
	}
	return m.Run(), nil
}

var nsCount atomic.Int32

// shop is a namespace with the Service reviews (app=reviews, port 9080),
// a Deployment per version (reviews-v1 with 2 replicas, reviews-v2 with 1)
// and their Running pods, which the test makes (nothing runs them).
func shop(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	ns := fmt.Sprintf("mesh-%d", nsCount.Add(1))
	must(t, k8s.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}))
	must(t, k8s.Create(ctx, &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "reviews"},
		Spec: corev1.ServiceSpec{Selector: map[string]string{"app": "reviews"}, Ports: []corev1.ServicePort{{Name: "http", Port: 9080, TargetPort: intstr.FromInt32(9080)}}}}))
	version(t, ns, "v1", 2)
	version(t, ns, "v2", 1)
	return ns
}

// version makes the Deployment reviews-<v> and n Running pods of it.
func version(t *testing.T, ns, v string, n int32) {
	t.Helper()
	ctx := context.Background()
	labels := map[string]string{"app": "reviews", "version": v}
	dep := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "reviews-" + v}, Spec: appsv1.DeploymentSpec{
		Replicas: ptr.To(n), Selector: &metav1.LabelSelector{MatchLabels: labels},
		Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "reviews", Image: "example.com/reviews:" + v}}}}}}
	must(t, k8s.Create(ctx, dep))
	for i := range n {
		pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: fmt.Sprintf("reviews-%s-%d", v, i), Labels: labels},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "reviews", Image: "example.com/reviews:" + v}}}}
		must(t, k8s.Create(ctx, pod))
		pod.Status.Phase = corev1.PodRunning
		must(t, k8s.Status().Update(ctx, pod))
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// eventually polls check for up to 30s.
func eventually(t *testing.T, what string, check func() error) {
	t.Helper()
	platform.Eventually(t, what, 30*time.Second, check)
}
