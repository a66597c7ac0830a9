// Package alertmanager starts a real, throw-away Alertmanager (Debian's
// prometheus-alertmanager, as ke-dev runs it) on a free loopback port for
// tests, with the configuration the test gives, and talks to it through
// Alertmanager's own API v2 client. Webhook receives its notifications.
package alertmanager

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/go-openapi/strfmt"
	"github.com/prometheus/alertmanager/api/v2/client"
	"github.com/prometheus/alertmanager/api/v2/client/alert"
	"github.com/prometheus/alertmanager/api/v2/models"

	"github.com/superkube/super-kubenetes/internal/alerting/amconfig"
	devam "github.com/superkube/super-kubenetes/internal/dev/alertmanager"
	"github.com/superkube/super-kubenetes/internal/dev/freeport"
	"github.com/superkube/super-kubenetes/internal/testutil/testproc"
)

// Server is a running Alertmanager.
type Server struct {
	// URL is its address; its API is under /api/v2.
	URL string
	// API is Alertmanager's API v2 client, for what the helpers below do
	// not cover (silences, receivers, status).
	API  *client.AlertmanagerAPI
	addr string
	proc *testproc.Process
}

// Start runs Alertmanager with cfg until Stop.
func Start(cfg *amconfig.Config) (*Server, error) {
	bin, err := (&devam.Config{}).LookPath()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "alertmanager-test-")
	if err != nil {
		return nil, err
	}
	file, err := devam.WriteConfig(dir, cfg)
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	var c *devam.Config
	proc, err := testproc.Start("alertmanager", bin, dir, func() ([]string, func() error, error) {
		port, err := freeport.Pick()
		if err != nil {
			return nil, nil, err
		}
		c = &devam.Config{Port: port, DataDir: dir}
		return c.Args(file), testproc.HTTPReady(c.URL() + "/-/ready"), nil
	})
	if err != nil {
		return nil, err
	}
	transport := client.DefaultTransportConfig().WithHost(c.Addr()).WithSchemes([]string{"http"})
	return &Server{URL: c.URL(), API: client.NewHTTPClientWithConfig(strfmt.Default, transport), addr: c.Addr(), proc: proc}, nil
}

// StartT starts a server that the test's cleanup stops.
func StartT(tb testing.TB, cfg *amconfig.Config) *Server {
	tb.Helper()
	s, err := Start(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(s.Stop)
	return s
}

// Addr is its host:port, as Prometheus's configuration names it.
func (s *Server) Addr() string { return s.addr }

// Stop kills Alertmanager and removes its folder; it may be called more
// than once.
func (s *Server) Stop() { s.proc.Stop() }

// Alert is an alert to post: its labels (alertname among them), its
// annotations, and when it started (zero: now).
type Alert struct {
	Labels, Annotations map[string]string
	StartsAt            time.Time
}

// PostAlerts posts alerts as Prometheus would.
func (s *Server) PostAlerts(ctx context.Context, alerts ...Alert) error {
	body := make(models.PostableAlerts, 0, len(alerts))
	for _, a := range alerts {
		p := &models.PostableAlert{Alert: models.Alert{Labels: a.Labels}, Annotations: a.Annotations}
		if !a.StartsAt.IsZero() {
			p.StartsAt = strfmt.DateTime(a.StartsAt)
		}
		body = append(body, p)
	}
	_, err := s.API.Alert.PostAlerts(alert.NewPostAlertsParamsWithContext(ctx).WithAlerts(body))
	return err
}

// Alerts lists the alerts Alertmanager holds that match every filter
// (matchers such as `alertname="X"`).
func (s *Server) Alerts(ctx context.Context, filter ...string) (models.GettableAlerts, error) {
	ok, err := s.API.Alert.GetAlerts(alert.NewGetAlertsParamsWithContext(ctx).WithFilter(filter))
	if err != nil {
		return nil, err
	}
	return ok.Payload, nil
}

// PID is its process id.
func (s *Server) PID() int { return s.proc.PID() }
