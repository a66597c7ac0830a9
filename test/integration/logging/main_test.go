// Package logging tests the logging API end to end: ke-apiserver on a real
// kube-apiserver and etcd, with ke-controller-manager's reconcilers,
// searching a real VictoriaLogs that holds container log records as
// vlagent writes them and the Kubernetes events that ke-controller-manager
// exports. The store is reached through a TCP forwarder, so
// that tests can take it away.
package logging

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/superkube/super-kubenetes/internal/apiserver/app"
	cmapp "github.com/superkube/super-kubenetes/internal/controllermanager/app"
	"github.com/superkube/super-kubenetes/internal/oauth"
	"github.com/superkube/super-kubenetes/internal/scheme"
	"github.com/superkube/super-kubenetes/internal/testutil/envtest"
	"github.com/superkube/super-kubenetes/internal/testutil/platform"
	"github.com/superkube/super-kubenetes/internal/testutil/tcpforward"
	"github.com/superkube/super-kubenetes/internal/testutil/victorialogs"
)

const (
	consoleSecret = "console-secret-for-tests"
	password      = "Test-Passw0rd!"
	// auditWebhookToken is what kube-apiserver's audit webhook presents.
	auditWebhookToken = "audit-webhook-token-for-the-tests-0123456789"
	// timeout is ke-apiserver's bound on the store's answer.
	timeout = 2 * time.Second
)

var (
	api     *platform.Client
	k8s     client.Client
	store   *victorialogs.Server
	forward *tcpforward.Forwarder
	// created is when the world's namespaces were created.
	created time.Time
	// restConfig reaches kube-apiserver as its administrator.
	restConfig *rest.Config
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
	dir, err := os.MkdirTemp("", "logging-test-")
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
	restConfig = env.Config
	if store, err = victorialogs.Start(); err != nil {
		return 1, err
	}
	defer store.Stop()
	// ke-controller-manager exports the events to the store.
	if err := platform.StartControllers(ctx, env.Config, func(c *cmapp.Config) { c.Events.VictoriaLogsURL = store.URL() }); err != nil {
		return 1, err
	}
	if err := createWorld(ctx); err != nil {
		return 1, err
	}
	if forward, err = tcpforward.Start(store.Addr()); err != nil {
		return 1, err
	}
	defer forward.Close()

	apiServer, err := platform.Listen(dir)
	if err != nil {
		return 1, err
	}
	cfg := apiServer.Config(env.Config)
	cfg.OAuthClients = []oauth.Client{{ID: app.ConsoleClientID, Secret: consoleSecret, Trusted: true, RedirectURIs: []string{"https://console.test/oauth/callback"}}}
	cfg.Logging.VictoriaLogsURL = "http://" + forward.Addr()
	// kube-apiserver's audit webhook would present this token.
	tokenFile := filepath.Join(dir, "audit-webhook-token")
	if err := os.WriteFile(tokenFile, []byte(auditWebhookToken+"\n"), 0o600); err != nil {
		return 1, err
	}
	cfg.Audit.KubeWebhookTokenFile = tokenFile
	cfg.Logging.Timeout.Duration = timeout
	_, stop, err := apiServer.Start(ctx, cfg, env.Config)
	if err != nil {
		return 1, err
	}
	defer stop()
	tlsCfg, err := apiServer.TLSConfig()
	if err != nil {
		return 1, err
	}
	api = &platform.Client{URL: apiServer.URL, HTTP: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: tlsCfg}},
		K8s: k8s, ConsoleSecret: consoleSecret, Password: password}
	return m.Run(), nil
}
