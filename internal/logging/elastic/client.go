// Package elastic serves the logging API's searches from Elasticsearch or
// OpenSearch, for clusters that already run one, and writes the platform's
// events and audit records there (the Bulk API, a daily index per kind).
// It is the second backend of internal/services/logging (Backend) beside
// VictoriaLogs and means every search as that one does (logsql): the same
// words, names, parts of names, workloads, time range, order and page, and
// the same tenancy, each namespace (or workspace) counting from its
// creation.
//
// Requests go through the official clients (go-elasticsearch,
// opensearch-go), which handle the nodes, credentials, TLS and retries; the
// bodies are built here, the same for both flavours but for the export's
// paging. A store that does not answer, or answers with an error, is
// loggingsvc.ErrUnavailable, and its own message is never passed on (it
// may quote the query).
package elastic

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/elastic/go-elasticsearch/v8"
	"github.com/opensearch-project/opensearch-go/v4"

	loggingsvc "github.com/superkube/super-kubenetes/internal/services/logging"
)

// performer is what both official clients do: send a request to one of
// the nodes, with the credentials, retrying another node on failure.
type performer interface {
	Perform(req *http.Request) (*http.Response, error)
}

// Client is one Elasticsearch or OpenSearch cluster.
type Client struct {
	cfg    Config
	nodes  performer
	fields Fields
	// poll is the tail's interval, page the size of a page of an export
	// or a tail (0: defaultPageSize); now the clock.
	poll time.Duration
	page int
	now  func() time.Time
}

// New returns a client of the cluster of cfg (defaulted and validated
// here); timeout bounds the wait for an answer's headers.
func New(cfg Config, timeout time.Duration) (*Client, error) {
	cfg = cfg.Defaulted()
	if errs := cfg.Validate("elasticsearch"); len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	var password string
	if cfg.PasswordFile != "" {
		b, err := os.ReadFile(cfg.PasswordFile)
		if err != nil {
			return nil, fmt.Errorf("elasticsearch.passwordFile: %w", err)
		}
		password = strings.TrimSpace(string(b))
	}
	tlsCfg := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: cfg.InsecureSkipVerify} //nolint:gosec // an explicit option
	if cfg.CAFile != "" {
		pem, err := os.ReadFile(cfg.CAFile)
		if err != nil {
			return nil, fmt.Errorf("elasticsearch.caFile: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, errors.New("elasticsearch.caFile holds no PEM certificate")
		}
		tlsCfg.RootCAs = pool
	}
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	tr := &http.Transport{Proxy: http.ProxyFromEnvironment, TLSClientConfig: tlsCfg, MaxIdleConnsPerHost: 16,
		IdleConnTimeout: time.Minute, ResponseHeaderTimeout: timeout}
	var nodes performer
	var err error
	switch cfg.Flavour {
	case OpenSearch:
		nodes, err = opensearch.NewClient(opensearch.Config{Addresses: cfg.Addresses, Username: cfg.Username, Password: password,
			Transport: tr, MaxRetries: 2})
	default:
		nodes, err = elasticsearch.NewClient(elasticsearch.Config{Addresses: cfg.Addresses, Username: cfg.Username, Password: password,
			Transport: tr, MaxRetries: 2, DisableMetaHeader: true})
	}
	if err != nil {
		// The clients' messages name no password; still, say only what failed.
		return nil, fmt.Errorf("elasticsearch: the %s client: %w", cfg.Flavour, err)
	}
	return &Client{cfg: cfg, nodes: nodes, fields: cfg.Fields, poll: time.Second, now: time.Now}, nil
}

// unavailable is the error of a request that failed; it names the request
// and the status, never the store's message.
func unavailable(what string, status int) error {
	if status == 0 {
		return fmt.Errorf("%w: %s failed", loggingsvc.ErrUnavailable, what)
	}
	return fmt.Errorf("%w: %s answered %d", loggingsvc.ErrUnavailable, what, status)
}

// do sends body (JSON, or raw bytes for NDJSON) to path and decodes the
// answer into out (when not nil). Any status but 2xx is unavailable.
func (c *Client) do(ctx context.Context, method, path string, body any, out any) error {
	resp, err := c.send(ctx, method, path, body)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if out == nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
		return nil
	}
	dec := json.NewDecoder(io.LimitReader(resp.Body, 256<<20))
	dec.UseNumber()
	if err := dec.Decode(out); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("%w: %s: an answer that is not JSON", loggingsvc.ErrUnavailable, name(path))
	}
	return nil
}

func (c *Client) send(ctx context.Context, method, path string, body any) (*http.Response, error) {
	var r io.Reader
	contentType := "application/json"
	switch b := body.(type) {
	case nil:
	case []byte:
		r, contentType = bytes.NewReader(b), "application/x-ndjson"
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			return nil, err
		}
		r = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, path, r)
	if err != nil {
		return nil, err
	}
	if r != nil {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.nodes.Perform(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, unavailable(name(path), 0)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
		_ = resp.Body.Close()
		return nil, unavailable(name(path), resp.StatusCode)
	}
	return resp, nil
}

// name is the API a path calls (its last element), for errors and logs:
// index names and ids stay out.
func name(path string) string {
	p, _, _ := strings.Cut(path, "?")
	if i := strings.LastIndex(p, "/"); i >= 0 && i < len(p)-1 {
		return p[i+1:]
	}
	return "/"
}

// Available reports whether the cluster answers.
func (c *Client) Available(ctx context.Context) error {
	return c.do(ctx, http.MethodGet, "/", nil, nil)
}
