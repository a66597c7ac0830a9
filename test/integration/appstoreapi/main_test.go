// Package appstoreapi tests the app store's API end to end: ke-apiserver
// on a real kube-apiserver and etcd, with ke-controller-manager's
// reconcilers (built-in roles, role templates, native mirrors) and
// ke-apiserver's admission webhook registered, users holding roles at each
// level. It covers the review workflow with the allowed and refused roles
// through /kapis and straight at kube-apiserver, uploads of bad archives,
// repositories whose credentials are never read back, and releases
// created by a project operator and refused to a viewer. The release and
// repository controllers (other packages) are not run here: a release is
// created, not installed.
package appstoreapi

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
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
	prefix        = "/kapis/application.superkube.io/v2"
)

var (
	restCfg *rest.Config
	api     *platform.Client
	k8s     client.Client
)

// The users: a developer of workspace acme (a workspace role with the
// app-template templates), an app reviewer, a manager of the app store
// (who may update every version natively but not review), a project
// operator and a project viewer of acme-dev, and someone with no role.
const (
	developer = "dev"
	reviewer  = "rev"
	manager   = "mgr"
	operator  = "op"
	viewer    = "pviewer"
	outsider  = "nobody"
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
	dir, err := os.MkdirTemp("", "appstoreapi-test-")
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
	return m.Run(), nil
}

// createWorld: workspaces acme (project acme-dev) and other (other-app);
// the roles and bindings of the users.
func createWorld(ctx context.Context) error {
	objs := []client.Object{
		&tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: "acme"}},
		&tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: "other"}},
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "acme-dev", Labels: map[string]string{tenantv1beta1.WorkspaceLabel: "acme"}}},
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "other-app", Labels: map[string]string{tenantv1beta1.WorkspaceLabel: "other"}}},
		&iamv1beta1.WorkspaceRole{ObjectMeta: metav1.ObjectMeta{Name: "acme-developer", Labels: map[string]string{tenantv1beta1.WorkspaceLabel: "acme"}},
			AggregationRoleTemplates: &iamv1beta1.AggregationRoleTemplates{TemplateNames: []string{"workspace-view-app-templates", "workspace-manage-app-templates"}}},
		&iamv1beta1.WorkspaceRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: developer + "-acme-developer", Labels: map[string]string{
			tenantv1beta1.WorkspaceLabel: "acme", iamv1beta1.UserRefLabel: developer}},
			RoleRef:  iamv1beta1.RoleRef{APIGroup: iamv1beta1.GroupName, Kind: "WorkspaceRole", Name: "acme-developer"},
			Subjects: []iamv1beta1.Subject{{Kind: "User", APIGroup: rbacv1.GroupName, Name: developer}}},
	}
	global := func(user, role string, templates ...string) {
		objs = append(objs,
			&iamv1beta1.GlobalRole{ObjectMeta: metav1.ObjectMeta{Name: role},
				AggregationRoleTemplates: &iamv1beta1.AggregationRoleTemplates{TemplateNames: templates}},
			&iamv1beta1.GlobalRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: user + "-" + role, Labels: map[string]string{iamv1beta1.UserRefLabel: user}},
				RoleRef:  iamv1beta1.RoleRef{APIGroup: iamv1beta1.GroupName, Kind: "GlobalRole", Name: role},
				Subjects: []iamv1beta1.Subject{{Kind: "User", APIGroup: rbacv1.GroupName, Name: user}}})
	}
	global(reviewer, "app-reviewer", "global-review-apps")
	global(manager, "app-store-manager", "global-view-app-store", "global-manage-app-store")
	project := func(user, role string) *rbacv1.RoleBinding {
		return &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: "acme-dev", Name: user + "-" + role, Labels: map[string]string{iamv1beta1.UserRefLabel: user}},
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: role},
			Subjects: []rbacv1.Subject{{Kind: "User", APIGroup: rbacv1.GroupName, Name: user}}}
	}
	objs = append(objs, project(operator, "operator"), project(viewer, "viewer"))
	for _, o := range objs {
		if err := k8s.Create(ctx, o); err != nil {
			return fmt.Errorf("creating %s: %w", o.GetName(), err)
		}
	}
	return nil
}
