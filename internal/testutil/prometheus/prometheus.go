// Package prometheus starts a real, throw-away Prometheus (Debian's
// /usr/bin/prometheus) on loopback for tests: its data in a temporary
// folder, scraping the targets the test gives (each a scrape job) every
// ScrapeInterval, killed when the test ends or the test process dies. The
// Exporter serves synthetic series in the text exposition format, so a
// test can play cAdvisor, kube-state-metrics and the control plane.
package prometheus

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/superkube/super-kubenetes/internal/dev/freeport"
	"github.com/superkube/super-kubenetes/internal/testutil/testproc"
)

// Binary is the name of the prometheus program, looked up in PATH.
const Binary = "prometheus"

// ErrNotFound is returned when prometheus is not installed.
var ErrNotFound = errors.New(Binary + " not found: install the Debian package prometheus (.ci/run does)")

// Options configure a server.
type Options struct {
	// Jobs maps scrape job names to the URL of their /metrics.
	Jobs map[string]string
	// ScrapeInterval is how often every target is scraped (default 1s).
	ScrapeInterval time.Duration
	// RuleFiles are recording (or alerting) rule files Prometheus
	// evaluates, every ScrapeInterval unless a group sets its own.
	RuleFiles []string
	// Alertmanagers (host:port each) receive the alerts of the rules,
	// through their API v2.
	Alertmanagers []string
	// Args are extra flags.
	Args []string
}

// Server is a running Prometheus.
type Server struct {
	// URL is the address of its HTTP API.
	URL  string
	proc *testproc.Process
}

// Start starts Prometheus on a free loopback port and waits until it is
// ready.
func Start(o Options) (*Server, error) {
	bin, err := exec.LookPath(Binary)
	if err != nil {
		return nil, ErrNotFound
	}
	if o.ScrapeInterval == 0 {
		o.ScrapeInterval = time.Second
	}
	dir, err := os.MkdirTemp("", "prometheus-")
	if err != nil {
		return nil, err
	}
	cfg, err := config(o)
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	cfgFile := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfgFile, []byte(cfg), 0o600); err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	var addr string
	proc, err := testproc.Start("prometheus", bin, dir, func() ([]string, func() error, error) {
		port, err := freeport.Pick()
		if err != nil {
			return nil, nil, err
		}
		addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		return append([]string{
			"--config.file=" + cfgFile,
			"--storage.tsdb.path=" + filepath.Join(dir, "data"),
			"--web.listen-address=" + addr,
			"--storage.tsdb.retention.time=1d",
			"--log.level=warn",
		}, o.Args...), testproc.HTTPReady("http://" + addr + "/-/ready"), nil
	})
	if err != nil {
		return nil, err
	}
	return &Server{URL: "http://" + addr, proc: proc}, nil
}

// config writes one scrape job per target. Labels of the series are kept
// as exported (honor_labels), as for federation or kube-state-metrics.
func config(o Options) (string, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "global:\n  scrape_interval: %s\n  evaluation_interval: %s\n", o.ScrapeInterval, o.ScrapeInterval)
	if len(o.Alertmanagers) > 0 {
		b.WriteString("alerting:\n  alertmanagers:\n    - api_version: v2\n      static_configs:\n        - targets:\n")
		for _, a := range o.Alertmanagers {
			fmt.Fprintf(&b, "            - %q\n", a)
		}
	}
	if len(o.RuleFiles) > 0 {
		b.WriteString("rule_files:\n")
		for _, f := range o.RuleFiles {
			abs, err := filepath.Abs(f)
			if err != nil {
				return "", err
			}
			fmt.Fprintf(&b, "  - %q\n", abs)
		}
	}
	b.WriteString("scrape_configs:\n")
	jobs := make([]string, 0, len(o.Jobs))
	for j := range o.Jobs {
		jobs = append(jobs, j)
	}
	sort.Strings(jobs)
	for _, j := range jobs {
		u, err := url.Parse(o.Jobs[j])
		if err != nil {
			return "", fmt.Errorf("job %s: %w", j, err)
		}
		fmt.Fprintf(&b, "  - job_name: %q\n    honor_labels: true\n    scheme: %s\n    metrics_path: %q\n    static_configs:\n      - targets: [%q]\n",
			j, u.Scheme, u.Path, u.Host)
	}
	return b.String(), nil
}

// Addr is host:port of the HTTP API.
func (s *Server) Addr() string { return strings.TrimPrefix(s.URL, "http://") }

// Stop kills Prometheus and removes its folder; it may be called more than
// once.
func (s *Server) Stop() { s.proc.Stop() }

// StartT starts a server that the test's cleanup stops.
func StartT(tb testing.TB, o Options) *Server {
	tb.Helper()
	s, err := Start(o)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(s.Stop)
	return s
}

// WaitFor waits until query (an instant PromQL query) returns at least n
// series, for the first scrapes.
func (s *Server) WaitFor(ctx context.Context, query string, n int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	c := &http.Client{Timeout: 5 * time.Second}
	var last string
	for time.Now().Before(deadline) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+"/api/v1/query?query="+url.QueryEscape("count("+query+")"), nil)
		resp, err := c.Do(req)
		if err == nil {
			var body strings.Builder
			buf := make([]byte, 4096)
			for {
				k, rerr := resp.Body.Read(buf)
				body.WriteString(string(buf[:k]))
				if rerr != nil {
					break
				}
			}
			_ = resp.Body.Close()
			last = body.String()
			if got, ok := countOf(last); ok && got >= n {
				return nil
			}
		} else {
			last = err.Error()
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	return fmt.Errorf("%s: fewer than %d series after %s: %s", query, n, timeout, last)
}

// countOf reads the value of a one-sample vector answer.
func countOf(body string) (int, bool) {
	i := strings.LastIndex(body, `,"`)
	if i < 0 {
		return 0, false
	}
	rest := body[i+2:]
	j := strings.IndexByte(rest, '"')
	if j < 0 {
		return 0, false
	}
	f, err := strconv.ParseFloat(rest[:j], 64)
	return int(f), err == nil
}

// PID is the process id of Prometheus, to read its memory.
func (s *Server) PID() int { return s.proc.PID() }
