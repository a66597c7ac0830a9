package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	"github.com/superkube/super-kubenetes/internal/dev/meshsim"
	"github.com/superkube/super-kubenetes/internal/scheme"
)

// DefaultMeshSimPort is where the mesh traffic simulator serves its
// metrics.
const DefaultMeshSimPort = 9096

// DemoMeshProject is the project of the service mesh demo: Istio's
// Bookinfo reduced to three services whose traffic the simulator makes.
const DemoMeshProject = "bookinfo"

// startMeshSim runs the mesh traffic simulator on its port; "" when it
// does not run.
func (o *Options) startMeshSim(ctx context.Context, rc *rest.Config) (string, error) {
	if o.MeshSimPort <= 0 || o.NoPrometheus {
		return "", nil
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(o.MeshSimPort))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("port %d for the mesh simulator is already in use on 127.0.0.1 (stop what holds it or choose another port with --meshsim-port)", o.MeshSimPort)
	}
	if err := meshsim.Start(ctx, rc, ln); err != nil {
		_ = ln.Close()
		return "", fmt.Errorf("starting the mesh simulator: %w", err)
	}
	return addr, nil
}

// SeedMeshDemo makes, unless they exist, project bookinfo in workspace
// demo with productpage → reviews → ratings, each a Service and a
// Deployment labelled app and version (reviews-v1 is the version a
// canary starts from), annotated with the traffic the simulator makes:
// 10 requests per second from outside to productpage, which calls
// reviews 10 times a second, which calls ratings as often.
func SeedMeshDemo(ctx context.Context, rc *rest.Config) error {
	cl, err := client.New(rc, client.Options{Scheme: scheme.New()})
	if err != nil {
		return err
	}
	creator := map[string]string{tenantv1beta1.CreatorAnnotation: demoAdmin}
	objs := []client.Object{
		&tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: DemoWorkspace, Annotations: creator}},
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: DemoMeshProject, Annotations: creator,
			Labels: map[string]string{tenantv1beta1.WorkspaceLabel: DemoWorkspace, "istio-injection": "enabled"}}},
	}
	for _, s := range []struct {
		app string
		ann map[string]string
		svc map[string]string
	}{
		{"productpage", map[string]string{meshsim.AnnotationCalls: "reviews:10", meshsim.AnnotationLatency: "20"},
			map[string]string{meshsim.AnnotationIngressRPS: "10"}},
		{"reviews", map[string]string{meshsim.AnnotationCalls: "ratings:10", meshsim.AnnotationLatency: "30", meshsim.AnnotationErrorRatio: "0.01"}, nil},
		{"ratings", map[string]string{meshsim.AnnotationLatency: "8"}, nil},
	} {
		l := map[string]string{meshsim.AppLabel: s.app, meshsim.VersionLabel: "v1"}
		objs = append(objs,
			&corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: DemoMeshProject, Name: s.app, Annotations: s.svc},
				Spec: corev1.ServiceSpec{Selector: map[string]string{meshsim.AppLabel: s.app}, Ports: []corev1.ServicePort{{Name: "http", Port: 9080}}}},
			&appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: DemoMeshProject, Name: s.app + "-v1", Annotations: s.ann},
				Spec: appsv1.DeploymentSpec{Replicas: ptr.To[int32](1), Selector: &metav1.LabelSelector{MatchLabels: l},
					Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: l}, Spec: corev1.PodSpec{Containers: []corev1.Container{{
						Name: s.app, Image: "docker.io/istio/examples-bookinfo-" + s.app + "-v1:1.20.2", Ports: []corev1.ContainerPort{{ContainerPort: 9080}}}}}}}},
		)
	}
	var errs []error
	for _, o := range objs {
		errs = append(errs, createUnlessExists(ctx, cl, o))
	}
	return errors.Join(errs...)
}
