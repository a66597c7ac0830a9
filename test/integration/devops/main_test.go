// Package devops tests the DevOps module end to end: ke-apiserver and
// ke-controller-manager on a real kube-apiserver and etcd, with the local
// executor running each step as a real host process. Users hold the
// DevOps roles of one project: an owner (who created it), a maintainer, a
// developer and a reporter; an outsider holds none.
package devops

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/go-logr/logr"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	"github.com/superkube/super-kubenetes/internal/apiserver/app"
	cmapp "github.com/superkube/super-kubenetes/internal/controllermanager/app"
	"github.com/superkube/super-kubenetes/internal/oauth"
	"github.com/superkube/super-kubenetes/internal/scheme"
	"github.com/superkube/super-kubenetes/internal/testutil/envtest"
	"github.com/superkube/super-kubenetes/internal/testutil/platform"
)

const (
	consoleSecret = "console-secret-for-tests"
	password      = "Test-Passw0rd!"
	prefix        = "/kapis/devops.superkube.io/v1alpha3"
	workspace     = "acme"
)

var (
	restCfg *rest.Config
	api     *platform.Client
	k8s     client.Client
	workDir string
)

// The users.
const (
	owner      = "olga"
	maintainer = "mia"
	developer  = "dev"
	reporter   = "rita"
	outsider   = "nobody"
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
	dir, err := os.MkdirTemp("", "devops-test-")
	if err != nil {
		return 1, err
	}
	defer os.RemoveAll(dir)
	workDir = dir + "/runs"
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
	if err := platform.StartControllers(ctx, env.Config, func(c *cmapp.Config) { c.DevOps.WorkDir = workDir }); err != nil {
		return 1, err
	}
	apiServer, err := platform.Listen(dir)
	if err != nil {
		return 1, err
	}
	cfg := apiServer.Config(env.Config)
	cfg.DevOps.WorkDir = workDir
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
	if err := createWorld(ctx); err != nil {
		return 1, err
	}
	return m.Run(), nil
}

// createWorld: workspace acme, whose administrator is the owner-to-be.
func createWorld(ctx context.Context) error {
	objs := []client.Object{
		&tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: workspace}},
		&iamv1beta1.WorkspaceRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: owner + "-acme-admin", Labels: map[string]string{
			tenantv1beta1.WorkspaceLabel: workspace, iamv1beta1.UserRefLabel: owner}},
			RoleRef:  iamv1beta1.RoleRef{APIGroup: iamv1beta1.GroupName, Kind: "WorkspaceRole", Name: workspace + "-admin"},
			Subjects: []iamv1beta1.Subject{{Kind: "User", APIGroup: rbacv1.GroupName, Name: owner}}},
	}
	for _, o := range objs {
		if err := k8s.Create(ctx, o); err != nil {
			return fmt.Errorf("creating %s: %w", o.GetName(), err)
		}
	}
	return nil
}
