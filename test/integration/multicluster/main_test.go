// Package multicluster tests member clusters against two real control
// planes: the host (kube-apiserver and etcd, ke-controller-manager's
// reconcilers and ke-apiserver) and a member (its own kube-apiserver and
// etcd), joined directly and through an agent's tunnel.
package multicluster

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-logr/logr"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/superkube/super-kubenetes/internal/apiserver/app"
	cmapp "github.com/superkube/super-kubenetes/internal/controllermanager/app"
	"github.com/superkube/super-kubenetes/internal/oauth"
	quotawebhook "github.com/superkube/super-kubenetes/internal/quota/webhook"
	"github.com/superkube/super-kubenetes/internal/scheme"
	"github.com/superkube/super-kubenetes/internal/testutil/envtest"
	"github.com/superkube/super-kubenetes/internal/testutil/loopback"
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
	// hostHook is where the host's quota webhook serves.
	hostHook string
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
	// The host's quota webhook, which the members' reviews reach too
	// (quota_test.go).
	if hostHook, err = loopback.FreeAddress(); err != nil {
		return 1, err
	}
	if err := platform.StartControllers(ctx, host.Config, func(c *cmapp.Config) {
		c.Multicluster = cmapp.Multicluster{APIServerURL: internal.URL, APIServerCAFile: internal.CAFile, TokenFile: internal.TokenFile}
		_, port, _ := net.SplitHostPort(hostHook)
		w := &c.Quota.Webhook
		w.BindAddress, w.URL, w.CertDir = hostHook, "https://localhost:"+port, filepath.Join(dir, "quota-webhook")
	}); err != nil {
		return 1, err
	}
	// Until the host's webhook is registered with its CA, a member's
	// reviews have nowhere to go.
	if err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		vwc := &admissionregistrationv1.ValidatingWebhookConfiguration{}
		if err := k8s.Get(ctx, client.ObjectKey{Name: quotawebhook.ConfigurationName}, vwc); err != nil {
			return false, nil //nolint:nilerr // not yet
		}
		return len(vwc.Webhooks) == 1 && len(vwc.Webhooks[0].ClientConfig.CABundle) > 0, nil
	}); err != nil {
		return 1, fmt.Errorf("the host's quota webhook: %w", err)
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
