// Package gateway tests the allowed IngressClasses, GatewayClasses and
// Gateways of gateway.superkube.io and the gateway API against a real
// kube-apiserver and etcd with the Gateway API CRDs installed (and
// kube-controller-manager's garbage collector): ke-controller-manager
// keeps the ValidatingAdmissionPolicies, and the rule is checked through
// every path that writes a route — the /kapis form, ke-apiserver's
// Kubernetes proxy as the user, and a client straight at kube-apiserver
// with the user's identity (what kubectl with a downloaded kubeconfig
// does). Nothing serves the routes: no ingress controller or Gateway
// implementation runs.
package gateway

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	"github.com/superkube/super-kubenetes/internal/apiserver/app"
	"github.com/superkube/super-kubenetes/internal/gateway/gatewaycrds"
	"github.com/superkube/super-kubenetes/internal/oauth"
	"github.com/superkube/super-kubenetes/internal/scheme"
	"github.com/superkube/super-kubenetes/internal/testutil/envtest"
	"github.com/superkube/super-kubenetes/internal/testutil/platform"
)

var (
	k8s     client.Client // the administrator's, straight at kube-apiserver
	restCfg *rest.Config
	api     *platform.Client
)

const (
	consoleSecret = "console-secret-for-tests"
	password      = "Test-Passw0rd!"
	prefix        = "/kapis/gateway.superkube.io/v1alpha1"
)

// The world: workspace gwa (manager gw-wsadmin) with projects gwa-web and
// gwa-api, restricted by tests; workspace gwb (gwb-app), never restricted;
// namespace infra, in no workspace, with shared Gateways. Users: the
// project administrator of gwa-web (and of gwb-app), the viewer of
// gwa-web, the workspace manager of gwa, someone without a role.
const (
	projectAdmin = "gw-padmin"
	viewer       = "gw-viewer"
	wsAdmin      = "gw-wsadmin"
	nobody       = "gw-nobody"
)

// The IngressClasses: public (the cluster's default), internal, partner.
const (
	publicClass   = "public"
	internalClass = "internal"
	partnerClass  = "partner"
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
	dir, err := os.MkdirTemp("", "gateway-test-")
	if err != nil {
		return 1, err
	}
	defer os.RemoveAll(dir)
	env, err := envtest.Start(envtest.Options{CRDDirs: []string{gatewaycrds.Dir()}, ControllerManager: true})
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
	if err := createWorld(ctx); err != nil {
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
	// kube-apiserver asks ke-apiserver's webhook about every write, as in a
	// real installation: it keeps the workspace label of a namespace, which
	// the admission policies select namespaces by, the platform's.
	if err := apiServer.RegisterAdmission(ctx, k8s, cfg); err != nil {
		return 1, err
	}
	tlsCfg, err := apiServer.TLSConfig()
	if err != nil {
		return 1, err
	}
	api = &platform.Client{URL: apiServer.URL, HTTP: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: tlsCfg}},
		K8s: k8s, ConsoleSecret: consoleSecret, Password: password}
	return m.Run(), nil
}

func createWorld(ctx context.Context) error {
	objs := []client.Object{
		&tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: "gwa"}, Spec: tenantv1beta1.WorkspaceSpec{Manager: wsAdmin}},
		&tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: "gwb"}},
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "infra"}},
	}
	for ns, ws := range map[string]string{"gwa-web": "gwa", "gwa-api": "gwa", "gwb-app": "gwb"} {
		objs = append(objs, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: map[string]string{tenantv1beta1.WorkspaceLabel: ws}}})
	}
	binding := func(ns, user, role string) *rbacv1.RoleBinding {
		return &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: user + "-" + role, Labels: map[string]string{iamv1beta1.UserRefLabel: user}},
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: role},
			Subjects: []rbacv1.Subject{{Kind: "User", APIGroup: rbacv1.GroupName, Name: user}}}
	}
	objs = append(objs, binding("gwa-web", projectAdmin, "admin"), binding("gwb-app", projectAdmin, "admin"), binding("gwa-web", viewer, "viewer"))
	for _, c := range []string{publicClass, internalClass, partnerClass} {
		ic := &networkingv1.IngressClass{ObjectMeta: metav1.ObjectMeta{Name: c}, Spec: networkingv1.IngressClassSpec{Controller: "example.com/" + c}}
		if c == publicClass {
			ic.Annotations = map[string]string{networkingv1.AnnotationIsDefaultIngressClass: "true"}
		}
		objs = append(objs, ic)
	}
	for _, o := range objs {
		if err := k8s.Create(ctx, o); err != nil {
			return fmt.Errorf("creating %s: %w", o.GetName(), err)
		}
	}
	return nil
}
