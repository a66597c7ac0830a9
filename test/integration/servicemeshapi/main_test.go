// Package servicemeshapi tests the service mesh API of ke-apiserver
// (/kapis/servicemesh.superkube.io/v1alpha2) end to end: ke-apiserver and
// ke-controller-manager on a real kube-apiserver and etcd, with the
// admission webhook registered. The users hold the built-in roles of one
// project (admin, operator, viewer); an outsider holds none.
package servicemeshapi

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/go-logr/logr"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	"github.com/superkube/super-kubenetes/internal/apiserver/app"
	"github.com/superkube/super-kubenetes/internal/oauth"
	"github.com/superkube/super-kubenetes/internal/scheme"
	"github.com/superkube/super-kubenetes/internal/testutil/envtest"
	"github.com/superkube/super-kubenetes/internal/testutil/platform"
)

const (
	consoleSecret = "console-secret-for-tests"
	password      = "Test-Passw0rd!"
	prefix        = "/kapis/servicemesh.superkube.io/v1alpha2"
	workspace     = "acme"
	project       = "shop"
)

var (
	restCfg *rest.Config
	api     *platform.Client
	k8s     client.Client
)

// The users.
const (
	projectAdmin = "padmin"
	operator     = "pop"
	viewer       = "pview"
	outsider     = "nobody"
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
	dir, err := os.MkdirTemp("", "servicemeshapi-test-")
	if err != nil {
		return 1, err
	}
	defer os.RemoveAll(dir)
	env, err := envtest.Start(envtest.Options{})
	if err != nil {
		return 1, err
	}
	defer env.Stop()
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
	cfg.OAuthClients = []oauth.Client{{ID: app.ConsoleClientID, Secret: consoleSecret, Trusted: true, RedirectURIs: []string{"https://console.test/oauth/callback"}}}
	_, stop, err := apiServer.Start(ctx, cfg, env.Config)
	if err != nil {
		return 1, err
	}
	defer stop()
	// The platform's admission rules on every path: the direct kubectl
	// path of the mesh switch is checked against them.
	if err := apiServer.RegisterAdmission(ctx, k8s, cfg); err != nil {
		return 1, err
	}
	restCfg = env.Config
	tlsCfg, err := apiServer.TLSConfig()
	if err != nil {
		return 1, err
	}
	api = &platform.Client{URL: apiServer.URL, HTTP: &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{TLSClientConfig: tlsCfg}},
		K8s: k8s, ConsoleSecret: consoleSecret, Password: password}
	if err := createWorld(ctx); err != nil {
		return 1, err
	}
	return m.Run(), nil
}

func binding(name, user, role string) *rbacv1.RoleBinding {
	return &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: project, Name: name, Labels: map[string]string{iamv1beta1.UserRefLabel: user}},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: role},
		Subjects: []rbacv1.Subject{{Kind: "User", APIGroup: rbacv1.GroupName, Name: user}}}
}

// createWorld: workspace acme with project shop; its admin, operator and
// viewer; Services reviews (versions v1, a Deployment of two pods, one
// ready, and v2, a StatefulSet of one pod) and ratings (no pod).
func createWorld(ctx context.Context) error {
	objs := []client.Object{
		&tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: workspace}},
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: project, Labels: map[string]string{tenantv1beta1.WorkspaceLabel: workspace}}},
		binding(projectAdmin+"-admin", projectAdmin, "admin"), binding(operator+"-operator", operator, "operator"), binding(viewer+"-viewer", viewer, "viewer"),
	}
	port := []corev1.ServicePort{{Name: "http", Port: 9080}}
	objs = append(objs,
		&corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: project, Name: "reviews"}, Spec: corev1.ServiceSpec{Selector: map[string]string{"app": "reviews"}, Ports: port}},
		&corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: project, Name: "ratings"}, Spec: corev1.ServiceSpec{Selector: map[string]string{"app": "ratings"}, Ports: port}})
	for _, o := range objs {
		if err := k8s.Create(ctx, o); err != nil {
			return fmt.Errorf("creating %s: %w", o.GetName(), err)
		}
	}
	return createWorkloads(ctx)
}

// createWorkloads makes the versions of reviews as kube-controller-manager
// would have (it does not run here): Deployment → ReplicaSet → pods, and a
// StatefulSet's pod, with real owner references and ready conditions.
func createWorkloads(ctx context.Context) error {
	labels := func(v string) map[string]string { return map[string]string{"app": "reviews", "version": v} }
	tmpl := func(v string) corev1.PodTemplateSpec {
		return corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels(v)},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "reviews", Image: "example.com/reviews:" + v}}}}
	}
	owned := func(o client.Object, kind string) []metav1.OwnerReference {
		return []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: kind, Name: o.GetName(), UID: o.GetUID(), Controller: ptr.To(true)}}
	}
	sel := func(v string) *metav1.LabelSelector { return &metav1.LabelSelector{MatchLabels: labels(v)} }
	dep := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: project, Name: "reviews-v1"},
		Spec: appsv1.DeploymentSpec{Replicas: ptr.To[int32](2), Selector: sel("v1"), Template: tmpl("v1")}}
	if err := k8s.Create(ctx, dep); err != nil {
		return err
	}
	rs := &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Namespace: project, Name: "reviews-v1-7d4", OwnerReferences: owned(dep, "Deployment")},
		Spec: appsv1.ReplicaSetSpec{Replicas: ptr.To[int32](2), Selector: sel("v1"), Template: tmpl("v1")}}
	if err := k8s.Create(ctx, rs); err != nil {
		return err
	}
	sts := &appsv1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Namespace: project, Name: "reviews-v2"},
		Spec: appsv1.StatefulSetSpec{Replicas: ptr.To[int32](1), Selector: sel("v2"), Template: tmpl("v2")}}
	if err := k8s.Create(ctx, sts); err != nil {
		return err
	}
	pods := []struct {
		name, version string
		owner         []metav1.OwnerReference
		ready         bool
	}{
		{"reviews-v1-7d4-a", "v1", owned(rs, "ReplicaSet"), true},
		{"reviews-v1-7d4-b", "v1", owned(rs, "ReplicaSet"), false},
		{"reviews-v2-0", "v2", owned(sts, "StatefulSet"), true},
	}
	for _, p := range pods {
		t := tmpl(p.version)
		pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: project, Name: p.name, Labels: t.Labels, OwnerReferences: p.owner}, Spec: t.Spec}
		if err := k8s.Create(ctx, pod); err != nil {
			return err
		}
		st := corev1.ConditionFalse
		if p.ready {
			st = corev1.ConditionTrue
		}
		pod.Status = corev1.PodStatus{Phase: corev1.PodRunning, Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: st}}}
		if err := k8s.Status().Update(ctx, pod); err != nil {
			return err
		}
	}
	return nil
}
