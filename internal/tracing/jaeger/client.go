// Package jaeger is a client of Jaeger's HTTP query API (the one its UI
// uses, served by jaeger-query and by Jaeger v2's jaeger_query
// extension): the services, their operations, a trace search and a trace
// by id, with typed results. It knows nothing of tenants: the tracing
// handler trims what it returns.
package jaeger

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// DefaultTimeout bounds a call when the configuration does not.
const DefaultTimeout = 10 * time.Second

// ErrUnavailable is a Jaeger that did not answer (refused, timed out, 5xx).
var ErrUnavailable = errors.New("jaeger is unavailable")

// ErrNotFound is a trace Jaeger does not hold.
var ErrNotFound = errors.New("trace not found")

// Client reaches one Jaeger query service.
type Client struct {
	base    *url.URL
	http    *http.Client
	timeout time.Duration
}

// New returns a client of the query service at rawURL (its root, without
// /api).
func New(rawURL string, timeout time.Duration) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(rawURL, "/"))
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("jaeger URL %q must be an http(s) URL", rawURL)
	}
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = (&net.Dialer{Timeout: timeout}).DialContext
	return &Client{base: u, http: &http.Client{Transport: tr}, timeout: timeout}, nil
}

// Query is a trace search. Service is required by Jaeger.
type Query struct {
	Service, Operation string
	// Tags must all match one span of the trace (Jaeger's "tags" JSON map).
	Tags map[string]string
	// MinDuration and MaxDuration bound that span's duration (0: none).
	MinDuration, MaxDuration time.Duration
	// Start and End bound the span's start time.
	Start, End time.Time
	// Limit is the number of traces (Jaeger's default, 100, when 0).
	Limit int
}

// Values are the query's URL parameters for /api/traces.
func (q *Query) Values() url.Values {
	v := url.Values{}
	v.Set("service", q.Service)
	if q.Operation != "" {
		v.Set("operation", q.Operation)
	}
	if len(q.Tags) > 0 {
		b, _ := json.Marshal(q.Tags) //nolint:errchkjson // a map of strings
		v.Set("tags", string(b))
	}
	if q.MinDuration > 0 {
		v.Set("minDuration", q.MinDuration.String())
	}
	if q.MaxDuration > 0 {
		v.Set("maxDuration", q.MaxDuration.String())
	}
	if !q.Start.IsZero() {
		v.Set("start", strconv.FormatInt(q.Start.UnixMicro(), 10))
	}
	if !q.End.IsZero() {
		v.Set("end", strconv.FormatInt(q.End.UnixMicro(), 10))
	}
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	return v
}

// Services lists the service names Jaeger holds spans of.
func (c *Client) Services(ctx context.Context) ([]string, error) {
	var out []string
	err := c.get(ctx, "/api/services", nil, &out)
	return out, err
}

// Operations lists a service's operation names.
func (c *Client) Operations(ctx context.Context, service string) ([]string, error) {
	var out []string
	err := c.get(ctx, "/api/services/"+url.PathEscape(service)+"/operations", nil, &out)
	return out, err
}

// Search finds traces with a span matching the query.
func (c *Client) Search(ctx context.Context, q *Query) ([]Trace, error) {
	var out []Trace
	err := c.get(ctx, "/api/traces", q.Values(), &out)
	return out, err
}

// Trace reads a trace by its id (hex); ErrNotFound when Jaeger has none.
func (c *Client) Trace(ctx context.Context, id string) (*Trace, error) {
	var out []Trace
	if err := c.get(ctx, "/api/traces/"+url.PathEscape(id), nil, &out); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, ErrNotFound
	}
	return &out[0], nil
}

// envelope is every answer of the API: data, or errors.
type envelope struct {
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Code int    `json:"code"`
		Msg  string `json:"msg"`
	} `json:"errors"`
}

// APIError is an error Jaeger answered with (a 4xx other than 404).
type APIError struct {
	Code    int
	Message string
}

func (e *APIError) Error() string { return fmt.Sprintf("jaeger answered %d: %s", e.Code, e.Message) }

func (c *Client) get(ctx context.Context, path string, q url.Values, into any) error {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	u := *c.base
	u.Path += path
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	if err != nil {
		return fmt.Errorf("%w: reading the answer: %w", ErrUnavailable, err)
	}
	var env envelope
	jsonErr := json.Unmarshal(body, &env)
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return ErrNotFound
	case resp.StatusCode >= 500:
		return fmt.Errorf("%w: status %d", ErrUnavailable, resp.StatusCode)
	case resp.StatusCode >= 400:
		msg := http.StatusText(resp.StatusCode)
		if jsonErr == nil && len(env.Errors) > 0 {
			msg = env.Errors[0].Msg
		}
		return &APIError{Code: resp.StatusCode, Message: msg}
	case jsonErr != nil:
		return fmt.Errorf("%w: not an answer of Jaeger's query API: %w", ErrUnavailable, jsonErr)
	}
	if len(env.Data) == 0 || string(env.Data) == "null" {
		return nil
	}
	if err := json.Unmarshal(env.Data, into); err != nil {
		return fmt.Errorf("decoding Jaeger's answer: %w", err)
	}
	return nil
}
