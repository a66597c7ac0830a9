// Package alertmanager starts a real, throw-away Alertmanager (Debian's
// prometheus-alertmanager, as ke-dev runs it) on a free loopback port for
// tests, with the configuration the test gives, and talks to it through
// Alertmanager's own API v2 client. Webhook receives its notifications.
package alertmanager

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/go-openapi/strfmt"
	"github.com/prometheus/alertmanager/api/v2/client"
	"github.com/prometheus/alertmanager/api/v2/client/alert"
	"github.com/prometheus/alertmanager/api/v2/models"

	"github.com/superkube/super-kubenetes/internal/alerting/amconfig"
	devam "github.com/superkube/super-kubenetes/internal/dev/alertmanager"
	"github.com/superkube/super-kubenetes/internal/dev/freeport"
)

const startTimeout = 30 * time.Second

// Server is a running Alertmanager.
type Server struct {
	// URL is its address; its API is under /api/v2.
	URL string
	// API is Alertmanager's API v2 client, for what the helpers below do
	// not cover (silences, receivers, status).
	API    *client.AlertmanagerAPI
	addr   string
	dir    string
	cmd    *exec.Cmd
	exited chan struct{}
	stop   sync.Once
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
	// A port picked free may be taken before Alertmanager binds it.
	var errs []error
	for range 3 {
		s, err := start(bin, dir, file)
		if err == nil {
			return s, nil
		}
		errs = append(errs, err)
	}
	_ = os.RemoveAll(dir)
	return nil, fmt.Errorf("starting %s: %w", bin, errors.Join(errs...))
}

func start(bin, dir, configFile string) (*Server, error) {
	port, err := freeport.Pick()
	if err != nil {
		return nil, err
	}
	c := &devam.Config{Port: port, DataDir: dir}
	logFile, err := os.Create(filepath.Join(dir, "alertmanager.log"))
	if err != nil {
		return nil, err
	}
	defer func() { _ = logFile.Close() }()
	cmd := exec.Command(bin, c.Args(configFile)...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	transport := client.DefaultTransportConfig().WithHost(c.Addr()).WithSchemes([]string{"http"})
	s := &Server{URL: c.URL(), API: client.NewHTTPClientWithConfig(strfmt.Default, transport), addr: c.Addr(), dir: dir, cmd: cmd, exited: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		close(s.exited)
	}()
	if err := s.waitReady(); err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "alertmanager.log"))
		_ = cmd.Process.Kill()
		<-s.exited
		return nil, fmt.Errorf("%w; its log:\n%s", err, log)
	}
	return s, nil
}

func (s *Server) waitReady() error {
	deadline := time.Now().Add(startTimeout)
	c := &http.Client{Timeout: time.Second}
	for {
		resp, err := c.Get(s.URL + "/-/ready")
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("/-/ready: %s", resp.Status)
		}
		select {
		case <-s.exited:
			return fmt.Errorf("exited before it was ready: %s", s.cmd.ProcessState)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not ready within %s: %w", startTimeout, err)
		}
	}
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
func (s *Server) Stop() {
	s.stop.Do(func() {
		_ = s.cmd.Process.Kill()
		<-s.exited
		_ = os.RemoveAll(s.dir)
	})
}

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
func (s *Server) PID() int { return s.cmd.Process.Pid }
