// Package client connects to a Prometheus HTTP API (Prometheus,
// VictoriaMetrics, Thanos...): an address, an optional bearer token file
// or basic auth, a CA file and a timeout.
package client

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/prometheus/client_golang/api"
	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
)

// Config says where Prometheus is and how to reach it.
type Config struct {
	// URL is the address of the HTTP API (without /api/v1).
	URL string
	// BearerTokenFile holds a token sent as "Authorization: Bearer"; it is
	// read on every request, so that a rotated token is used at once.
	BearerTokenFile string
	// Username and PasswordFile are HTTP basic credentials.
	Username, PasswordFile string
	// CAFile verifies an https server's certificate.
	CAFile string
	// Timeout bounds every query.
	Timeout time.Duration
}

// Querier is what the monitoring service needs of Prometheus.
type Querier interface {
	Query(ctx context.Context, query string, ts time.Time) (model.Value, error)
	QueryRange(ctx context.Context, query string, r promv1.Range) (model.Value, error)
}

// Client queries one Prometheus.
type Client struct {
	api     promv1.API
	timeout time.Duration
}

// DefaultTimeout bounds a query when the configuration does not.
const DefaultTimeout = 10 * time.Second

// New returns a client; it connects on the first query.
func New(cfg Config) (*Client, error) {
	if cfg.BearerTokenFile != "" && cfg.Username != "" {
		return nil, errors.New("prometheus: a bearer token and basic auth exclude each other")
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	if cfg.CAFile != "" {
		pem, err := os.ReadFile(cfg.CAFile)
		if err != nil {
			return nil, fmt.Errorf("prometheus CA file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("prometheus CA file %s holds no certificate", cfg.CAFile)
		}
		transport.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	transport.DialContext = (&net.Dialer{Timeout: timeout}).DialContext
	c, err := api.NewClient(api.Config{Address: cfg.URL, RoundTripper: &credentials{next: transport, cfg: cfg}})
	if err != nil {
		return nil, fmt.Errorf("prometheus: %w", err)
	}
	return &Client{api: promv1.NewAPI(c), timeout: timeout}, nil
}

// Query runs an instant query.
func (c *Client) Query(ctx context.Context, query string, ts time.Time) (model.Value, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	v, _, _, err := c.api.Query(ctx, query, ts, promv1.WithTimeout(c.timeout))
	return v, classify(ctx, err)
}

// QueryRange runs a range query.
func (c *Client) QueryRange(ctx context.Context, query string, r promv1.Range) (model.Value, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	v, _, _, err := c.api.QueryRange(ctx, query, r, promv1.WithTimeout(c.timeout))
	return v, classify(ctx, err)
}

// ErrUnavailable is a Prometheus that does not answer, or not in time.
var ErrUnavailable = errors.New("prometheus is unavailable")

// QueryError is Prometheus refusing one query (a bad expression, too many
// samples...): the others may still answer.
type QueryError struct{ Message string }

func (e *QueryError) Error() string { return e.Message }

// classify tells a query Prometheus refused from a Prometheus that is down
// or slow.
func classify(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	var perr *promv1.Error
	if errors.As(err, &perr) {
		switch perr.Type {
		case promv1.ErrBadData, promv1.ErrExec:
			if ctx.Err() == nil && !strings.Contains(perr.Msg, "context deadline") {
				return &QueryError{Message: perr.Msg}
			}
		}
	}
	return fmt.Errorf("%w: %w", ErrUnavailable, err)
}

// credentials adds the bearer token or basic auth to every request.
type credentials struct {
	next http.RoundTripper
	cfg  Config
}

func (c *credentials) RoundTrip(r *http.Request) (*http.Response, error) {
	switch {
	case c.cfg.BearerTokenFile != "":
		tok, err := os.ReadFile(c.cfg.BearerTokenFile)
		if err != nil {
			return nil, fmt.Errorf("prometheus bearer token file: %w", err)
		}
		r = r.Clone(r.Context())
		r.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(tok)))
	case c.cfg.Username != "":
		pass := ""
		if c.cfg.PasswordFile != "" {
			p, err := os.ReadFile(c.cfg.PasswordFile)
			if err != nil {
				return nil, fmt.Errorf("prometheus password file: %w", err)
			}
			pass = strings.TrimSpace(string(p))
		}
		r = r.Clone(r.Context())
		r.SetBasicAuth(c.cfg.Username, pass)
	}
	return c.next.RoundTrip(r)
}

// Rules lists the rule groups Prometheus evaluates, with each alerting
// rule's health, last error, state and active alerts.
func (c *Client) Rules(ctx context.Context) (promv1.RulesResult, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	v, err := c.api.Rules(ctx, nil)
	return v, classify(ctx, err)
}
