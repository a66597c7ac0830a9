// Package meshtopology tests the traffic graph and the version
// comparison end to end: ke-apiserver on a real kube-apiserver and etcd
// reading a real Prometheus (Debian's) that scrapes the mesh simulator
// every second, the simulator watching the Deployments, Services,
// VirtualServices and DestinationRules created here.
package meshtopology

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/go-logr/logr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/superkube/super-kubenetes/internal/apiserver/app"
	"github.com/superkube/super-kubenetes/internal/dev/meshsim"
	"github.com/superkube/super-kubenetes/internal/oauth"
	"github.com/superkube/super-kubenetes/internal/scheme"
	"github.com/superkube/super-kubenetes/internal/testutil/envtest"
	"github.com/superkube/super-kubenetes/internal/testutil/platform"
	"github.com/superkube/super-kubenetes/internal/testutil/prometheus"
)

const (
	consoleSecret = "console-secret-for-tests"
	password      = "Test-Passw0rd!"
)

var (
	api *platform.Client
	k8s client.Client
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
	dir, err := os.MkdirTemp("", "meshtopology-test-")
	if err != nil {
		return 1, err
	}
	defer os.RemoveAll(dir)
	env, err := envtest.Start(envtest.Options{CRDDirs: []string{"testdata"}})
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
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 1, err
	}
	if err := meshsim.Start(ctx, env.Config, ln); err != nil {
		return 1, err
	}
	prom, err := prometheus.Start(prometheus.Options{Jobs: map[string]string{"istio-mesh": "http://" + ln.Addr().String() + "/metrics"}})
	if err != nil {
		return 1, err
	}
	defer prom.Stop()

	apiServer, err := platform.Listen(dir)
	if err != nil {
		return 1, err
	}
	cfg := apiServer.Config(env.Config)
	cfg.OAuthClients = []oauth.Client{{ID: app.ConsoleClientID, Secret: consoleSecret, Trusted: true, RedirectURIs: []string{"https://console.test/oauth/callback"}}}
	cfg.Monitoring.PrometheusURL = prom.URL
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
	// The graph's window (15s) must be covered by samples: a rate is the
	// increase over the whole window.
	if err := prom.WaitFor(ctx, `rate(istio_requests_total[5s])`, len(flows), time.Minute); err != nil {
		return 1, err
	}
	time.Sleep(window + 2*time.Second)
	return m.Run(), nil
}
