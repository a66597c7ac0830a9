// Package monitoring tests the monitoring API end to end: ke-apiserver on a
// real kube-apiserver and etcd, with ke-controller-manager's reconcilers,
// reading a real Prometheus (Debian's) that scrapes synthetic cAdvisor,
// kube-state-metrics and control-plane series every second. Prometheus is
// reached through a TCP forwarder, so that tests can take it away.
package monitoring

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
	"github.com/superkube/super-kubenetes/internal/oauth"
	"github.com/superkube/super-kubenetes/internal/scheme"
	"github.com/superkube/super-kubenetes/internal/testutil/envtest"
	"github.com/superkube/super-kubenetes/internal/testutil/platform"
	"github.com/superkube/super-kubenetes/internal/testutil/prometheus"
	"github.com/superkube/super-kubenetes/internal/testutil/tcpforward"
)

const (
	consoleSecret = "console-secret-for-tests"
	password      = "Test-Passw0rd!"
	// timeout is ke-apiserver's bound on a Prometheus query.
	timeout = 2 * time.Second
)

var (
	api     *platform.Client
	k8s     client.Client
	prom    *prometheus.Server
	forward *tcpforward.Forwarder
	exp     *prometheus.Exporter
	// admin is the platform administrator's token.
	admin string
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
	dir, err := os.MkdirTemp("", "monitoring-test-")
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
	// The tenants' namespaces exist before Prometheus has any sample.
	if err := createWorld(ctx); err != nil {
		return 1, err
	}

	exp = prometheus.NewExporter()
	defer exp.Close()
	exp.Set("/cadvisor", append(synthetic.CAdvisor(), synthetic.VolumeStats()...))
	exp.Set("/ksm", append(synthetic.StateMetrics(), secrets()...))
	apiserverSeries, etcdSeries := prometheus.ControlPlane()
	exp.Set("/apiserver", apiserverSeries)
	exp.Set("/etcd", etcdSeries)
	if prom, err = prometheus.Start(prometheus.Options{Jobs: map[string]string{
		"cadvisor": exp.URL("/cadvisor"), "kube-state-metrics": exp.URL("/ksm"), "apiserver": exp.URL("/apiserver"), "etcd": exp.URL("/etcd"),
	}}); err != nil {
		return 1, err
	}
	defer prom.Stop()
	if forward, err = tcpforward.Start(prom.Addr()); err != nil {
		return 1, err
	}
	defer forward.Close()

	apiServer, err := platform.Listen(dir)
	if err != nil {
		return 1, err
	}
	cfg := apiServer.Config(env.Config)
	cfg.OAuthClients = []oauth.Client{{ID: app.ConsoleClientID, Secret: consoleSecret, Trusted: true, RedirectURIs: []string{"https://console.test/oauth/callback"}}}
	cfg.Monitoring.PrometheusURL = "http://" + forward.Addr()
	cfg.Monitoring.Timeout.Duration = timeout
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
	// Rates need two scrapes of every series.
	if err := prom.WaitFor(ctx, `rate(container_cpu_usage_seconds_total[5m])`, len(synthetic.Pods), time.Minute); err != nil {
		return 1, err
	}
	return m.Run(), nil
}
