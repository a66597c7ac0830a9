// Package storageapi tests the storage API end to end: ke-apiserver on a
// real kube-apiserver and etcd with the CSI snapshot CRDs (v8.7.0,
// internal/storage/snapshotcrds) installed, and ke-controller-manager's
// reconcilers (the built-in roles mirrored into native RBAC).
//
// What is simulated: no CSI driver, snapshot-controller, external
// provisioner or resizer runs here. simcsi.Simulator (a test double,
// internal/storage/simcsi) plays them for the fake driver
// sim.csi.superkube.io only: it binds that driver's claims to volumes it
// creates, turns its VolumeSnapshots into ready VolumeSnapshotContents,
// and copies a grown request into the volume's and the claim's capacity.
// No data exists anywhere. Real are the objects, kube-apiserver's
// validation of them (the snapshot CRDs' schemas and CEL rules, the PVC
// update rules, the PersistentVolumeClaimResize admission plugin), RBAC
// through impersonation, and ke-apiserver's authorization.
package storageapi

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
	storagev1 "k8s.io/api/storage/v1"
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
	"github.com/superkube/super-kubenetes/internal/storage"
	"github.com/superkube/super-kubenetes/internal/storage/simcsi"
	"github.com/superkube/super-kubenetes/internal/storage/snapshotcrds"
	"github.com/superkube/super-kubenetes/internal/testutil/envtest"
	"github.com/superkube/super-kubenetes/internal/testutil/platform"
)

const (
	consoleSecret = "console-secret-for-tests"
	password      = "Test-Passw0rd!"
	prefix        = "/kapis/storage.superkube.io/v1alpha1"
)

var (
	restCfg *rest.Config
	api     *platform.Client
	k8s     client.Client
)

// The users: a project administrator and a project viewer of wsa-dev, and
// someone with no role.
const (
	projectAdmin  = "padmin"
	projectViewer = "pviewer"
	nobody        = "nobody"
)

// The classes besides simcsi's sim-csi: plain (a provisioner without a
// CSIDriver object or a snapshot class, no expansion), the default; and
// legacy, marked default with the beta annotation.
const (
	plainClass  = "plain"
	legacyClass = "legacy"
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
	dir, err := os.MkdirTemp("", "storageapi-test-")
	if err != nil {
		return 1, err
	}
	defer os.RemoveAll(dir)
	env, err := envtest.Start(envtest.Options{CRDDirs: []string{snapshotcrds.Dir()}})
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
	// The CSI side of sim.csi.superkube.io, with the administrator's rights.
	go (&simcsi.Simulator{Client: k8s, Interval: 200 * time.Millisecond}).Run(ctx)

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
	restCfg = env.Config
	tlsCfg, err := apiServer.TLSConfig()
	if err != nil {
		return 1, err
	}
	api = &platform.Client{URL: apiServer.URL, HTTP: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: tlsCfg}},
		K8s: k8s, ConsoleSecret: consoleSecret, Password: password}
	return m.Run(), nil
}

// createWorld: workspaces wsa (wsa-dev) and wsb (wsb-app); the project
// administrator and viewer of wsa-dev; the simulated driver's objects and
// the classes plain and legacy.
func createWorld(ctx context.Context) error {
	objs := []client.Object{
		&tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: "wsa"}},
		&tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: "wsb"}},
	}
	for ns, ws := range map[string]string{"wsa-dev": "wsa", "wsb-app": "wsb"} {
		objs = append(objs, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: map[string]string{tenantv1beta1.WorkspaceLabel: ws}}})
	}
	binding := func(user, role string) *rbacv1.RoleBinding {
		return &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: "wsa-dev", Name: user + "-" + role, Labels: map[string]string{iamv1beta1.UserRefLabel: user}},
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: role},
			Subjects: []rbacv1.Subject{{Kind: "User", APIGroup: rbacv1.GroupName, Name: user}}}
	}
	objs = append(objs, binding(projectAdmin, "admin"), binding(projectViewer, "viewer"))
	objs = append(objs, simcsi.Objects()...)
	objs = append(objs,
		&storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Name: plainClass, Annotations: map[string]string{storage.DefaultClassAnnotation: "true"}},
			Provisioner: "example.com/no-snapshots", AllowVolumeExpansion: ptr.To(false)},
		&storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Name: legacyClass, Annotations: map[string]string{storage.BetaDefaultClassAnnotation: "true"}},
			Provisioner: "example.com/legacy"},
	)
	for _, o := range objs {
		if err := k8s.Create(ctx, o); err != nil {
			return fmt.Errorf("creating %s: %w", o.GetName(), err)
		}
	}
	return nil
}
