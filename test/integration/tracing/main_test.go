// Package tracing tests the service mesh's tracing API end to end:
// ke-apiserver on a real kube-apiserver and etcd, with ke-controller-
// manager's reconcilers (project roles), reading a real Jaeger v2 that
// received the spans over OTLP/HTTP from the OpenTelemetry SDK.
package tracing

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
	devjaeger "github.com/superkube/super-kubenetes/internal/dev/jaeger"
	"github.com/superkube/super-kubenetes/internal/oauth"
	"github.com/superkube/super-kubenetes/internal/scheme"
	"github.com/superkube/super-kubenetes/internal/testutil/envtest"
	"github.com/superkube/super-kubenetes/internal/testutil/jaeger"
	"github.com/superkube/super-kubenetes/internal/testutil/platform"
)

const (
	consoleSecret = "console-secret-for-tests"
	password      = "Test-Passw0rd!"
)

var (
	api   *platform.Client
	k8s   client.Client
	store *jaeger.Server
)

func TestMain(m *testing.M) {
	if _, err := (&devjaeger.Config{}).LookPath(); err != nil {
		// Only a machine without the tools: CI builds Jaeger (make tools).
		fmt.Fprintf(os.Stderr, "SKIP test/integration/tracing: %v (set %s: eval $(make -s print-env))\n", err, devjaeger.BinDirEnv)
		os.Exit(0)
	}
	code, err := run(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		code = 1
	}
	os.Exit(code)
}

func run(m *testing.M) (int, error) {
	ctrl.SetLogger(logr.Discard())
	dir, err := os.MkdirTemp("", "tracing-test-")
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
	if store, err = jaeger.Start(0); err != nil {
		return 1, err
	}
	defer store.Stop()
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
	cfg.ServiceMesh.Jaeger.URL = store.URL
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
