package platform

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	"github.com/superkube/super-kubenetes/internal/controller/bootstrap"
	"github.com/superkube/super-kubenetes/internal/dev/cluster"
	"github.com/superkube/super-kubenetes/internal/scheme"
)

// Ports are the loopback ports of the platform's components.
type Ports struct {
	ControllerManagerMetrics int
	ControllerManagerHealth  int
}

// DefaultPorts are the ports used unless flags say otherwise.
func DefaultPorts() Ports {
	return Ports{ControllerManagerMetrics: 10281, ControllerManagerHealth: 10282}
}

// Config says where the platform's binaries and manifests are.
type Config struct {
	// BinDir holds ke-controller-manager, ke-apiserver and ke-console.
	BinDir string
	// ManifestDir is the repository's config folder (crd/bases, rbac).
	ManifestDir     string
	SystemNamespace string
	Ports           Ports
}

// Components are the platform's binaries, in the order they start.
var Components = []string{"ke-controller-manager", "ke-apiserver", "ke-console"}

// Result tells what Start did.
type Result struct {
	Started, Missing []string
	// AdminPassword is the initial administrator's password while it has
	// not been changed; empty afterwards.
	AdminPassword string
}

// Start installs the CRDs and RBAC and starts every component that is built.
func Start(ctx context.Context, c *cluster.Cluster, cfg Config) (*Result, error) {
	cl, err := client.New(c.RESTConfig, client.Options{Scheme: scheme.New()})
	if err != nil {
		return nil, err
	}
	crdDir := filepath.Join(cfg.ManifestDir, "crd", "bases")
	objs, err := ReadManifests(filepath.Join(crdDir, "*.yaml"), filepath.Join(cfg.ManifestDir, "rbac", "*.yaml"))
	if err != nil {
		return nil, err
	}
	if len(objs) == 0 {
		return nil, fmt.Errorf("no CRDs found in %s: run ke-dev from the repository's root or pass --manifest-dir", crdDir)
	}
	if err := Apply(ctx, cl, objs); err != nil {
		return nil, err
	}
	res := &Result{}
	for _, name := range Components {
		path := filepath.Join(cfg.BinDir, name)
		if _, err := os.Stat(path); err != nil {
			res.Missing = append(res.Missing, name)
			continue
		}
		switch name {
		case "ke-controller-manager":
			if err := startControllerManager(ctx, c, cl, cfg, path); err != nil {
				return nil, err
			}
		default:
			res.Missing = append(res.Missing, name)
			continue
		}
		res.Started = append(res.Started, name)
	}
	res.AdminPassword = initialPassword(ctx, cl, cfg.SystemNamespace)
	return res, nil
}

func startControllerManager(ctx context.Context, c *cluster.Cluster, cl client.Client, cfg Config, path string) error {
	const identity = "ke-controller-manager"
	kubeconfig, err := c.ClientKubeconfig(identity, identity)
	if err != nil {
		return err
	}
	crb := &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: identity}}
	crb.RoleRef = rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: identity}
	crb.Subjects = []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: identity}}
	if err := cl.Create(ctx, crb); err != nil && !apierrors.IsAlreadyExists(err) {
		return err
	}
	health := cfg.Ports.ControllerManagerHealth
	for flag, port := range map[string]int{"--ke-controller-manager-health-port": health, "--ke-controller-manager-metrics-port": cfg.Ports.ControllerManagerMetrics} {
		if cluster.PortFree(port) != nil {
			return fmt.Errorf("port %d for ke-controller-manager is already in use on 127.0.0.1 (stop what holds it or choose another port with %s)", port, flag)
		}
	}
	args := []string{
		"--kubeconfig=" + kubeconfig,
		"--system-namespace=" + cfg.SystemNamespace,
		"--leader-elect=false",
		"--metrics-bind-address=127.0.0.1:" + strconv.Itoa(cfg.Ports.ControllerManagerMetrics),
		"--health-probe-bind-address=127.0.0.1:" + strconv.Itoa(health),
	}
	return c.Launch(ctx, "ke-controller-manager", path, args, func(ctx context.Context) error {
		return httpOK(ctx, "http://127.0.0.1:"+strconv.Itoa(health)+"/readyz")
	})
}

// initialPassword returns the administrator's generated password while the
// administrator still has to change it.
func initialPassword(ctx context.Context, cl client.Client, ns string) string {
	u := &iamv1beta1.User{}
	if err := cl.Get(ctx, types.NamespacedName{Name: bootstrap.AdminUser}, u); err != nil || !u.Spec.PasswordChangeRequired {
		return ""
	}
	s := &corev1.Secret{}
	if err := cl.Get(ctx, types.NamespacedName{Namespace: ns, Name: bootstrap.AdminPasswordSecret}, s); err != nil {
		return ""
	}
	return string(s.Data["password"])
}

func httpOK(ctx context.Context, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	client := &http.Client{Timeout: 2 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s answered %s", url, resp.Status)
	}
	return nil
}
