// Package multicluster tests member clusters against two real control
// planes: the host (kube-apiserver and etcd, ke-controller-manager's
// reconcilers and ke-apiserver) and a member (its own kube-apiserver and
// etcd), joined directly and through an agent's tunnel.
package multicluster

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/go-logr/logr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/superkube/super-kubenetes/internal/apiserver/app"
	cmapp "github.com/superkube/super-kubenetes/internal/controllermanager/app"
	"github.com/superkube/super-kubenetes/internal/oauth"
	"github.com/superkube/super-kubenetes/internal/scheme"
	"github.com/superkube/super-kubenetes/internal/testutil/envtest"
	"github.com/superkube/super-kubenetes/internal/testutil/platform"
)

const (
	consoleSecret = "console-secret"
	password      = "P@ssw0rd-multicluster"
)

var (
	host, member *envtest.Environment
	k8s          client.Client
	api          *platform.Client
	hostURL      string
	hostCA       []byte
	// memberKubeconfig reaches the member as a member of system:masters
	// (allowed to impersonate), what an agent or a Direct join hands over.
	memberKubeconfig []byte
	// internal relays the controllers' path to members to ke-apiserver.
	internal *relay
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
	dir, err := os.MkdirTemp("", "multicluster-test-")
	if err != nil {
		return 1, err
	}
	defer os.RemoveAll(dir)
	if host, err = envtest.Start(envtest.Options{}); err != nil {
		return 1, err
	}
	defer host.Stop()
	// The member: a second control plane with nothing of the platform.
	if member, err = envtest.Start(envtest.Options{}); err != nil {
		return 1, err
	}
	defer member.Stop()
	if memberKubeconfig, err = member.AdminKubeconfig(); err != nil {
		return 1, err
	}
	if k8s, err = client.New(host.Config, client.Options{Scheme: scheme.New()}); err != nil {
		return 1, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// ke-controller-manager reaches members through ke-apiserver's
	// internal path, by way of a relay that counts the requests
	// (internal_test.go).
	if internal, err = newRelay(dir); err != nil {
		return 1, err
	}
	defer internal.Close()
	if err := platform.StartControllers(ctx, host.Config, func(c *cmapp.Config) {
		c.Multicluster = cmapp.Multicluster{APIServerURL: internal.URL, APIServerCAFile: internal.CAFile, TokenFile: internal.TokenFile}
	}); err != nil {
		return 1, err
	}
	apiServer, err := platform.Listen(dir)
	if err != nil {
		return 1, err
	}
	cfg := apiServer.Config(host.Config)
	cfg.OAuthClients = []oauth.Client{{ID: app.ConsoleClientID, Secret: consoleSecret, Trusted: true, RedirectURIs: []string{"https://console.test/oauth/callback"}}}
	cfg.Multicluster.ControllerTokenFile = internal.TokenFile
	_, stop, err := apiServer.Start(ctx, cfg, host.Config)
	if err != nil {
		return 1, err
	}
	defer stop()
	tlsCfg, err := apiServer.TLSConfig()
	if err != nil {
		return 1, err
	}
	if err := internal.forwardTo(apiServer.URL, tlsCfg); err != nil {
		return 1, err
	}
	hostURL = apiServer.URL
	if hostCA, err = os.ReadFile(apiServer.CertFile); err != nil {
		return 1, err
	}
	api = &platform.Client{URL: apiServer.URL, HTTP: &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{TLSClientConfig: tlsCfg}},
		K8s: k8s, ConsoleSecret: consoleSecret, Password: password}
	return m.Run(), nil
}
