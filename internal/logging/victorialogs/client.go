// Package victorialogs is a client of VictoriaLogs: its query API
// (/select/logsql/...), records as a stream, counts and histograms over a
// time range, and its JSON-lines insert API. A store that does not answer,
// or answers with an error, is ErrUnavailable, so that the API says 503 and
// never passes the store's own message (which may quote the query) to the
// caller.
//
// The platform keeps each kind of record in a tenant of its own (the
// store's AccountID and ProjectID): container logs, Kubernetes events and
// audit records never meet in one query, and a filter of one kind's fields
// cannot match another's.
package victorialogs

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// ErrUnavailable is returned when the store cannot answer.
var ErrUnavailable = errors.New("the log store is unavailable")

// Tenant is a (AccountID, ProjectID) pair of the store.
type Tenant struct{ AccountID, ProjectID uint32 }

// The tenants of the kinds of record. Container logs are in the store's
// default tenant, where vlagent writes.
var (
	ContainerLogs = Tenant{0, 0}
	Events        = Tenant{0, 1}
	Audit         = Tenant{0, 2}
)

// Client queries one VictoriaLogs, in one tenant.
type Client struct {
	base   *url.URL
	http   *http.Client
	tenant Tenant
}

// In returns a client of the same store for another tenant.
func (c *Client) In(t Tenant) *Client {
	cp := *c
	cp.tenant = t
	return &cp
}

// New returns a client of the store at rawURL. timeout bounds every
// request but the streams of Records, which last as long as their context.
func New(rawURL string, timeout time.Duration) (*Client, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("the log store's URL %q is not an http(s) URL", rawURL)
	}
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	return &Client{base: u, http: &http.Client{Transport: &http.Transport{
		Proxy: http.ProxyFromEnvironment, MaxIdleConnsPerHost: 16, IdleConnTimeout: time.Minute,
		ResponseHeaderTimeout: timeout,
	}}}, nil
}

// Range is a time range; a zero end is now.
type Range struct{ Start, End time.Time }

func (r Range) values(v url.Values) {
	if !r.Start.IsZero() {
		v.Set("start", r.Start.UTC().Format(time.RFC3339Nano))
	}
	if !r.End.IsZero() {
		v.Set("end", r.End.UTC().Format(time.RFC3339Nano))
	}
}

// Record is one log record: its fields as strings.
type Record map[string]string

// Records runs query over r and calls each for every record, in the order
// of the query's pipes, as they arrive. each returning an error stops the
// stream with that error.
func (c *Client) Records(ctx context.Context, query string, r Range, each func(Record) error) error {
	v := url.Values{"query": {query}}
	r.values(v)
	return c.stream(ctx, "/select/logsql/query", v, each)
}

// Tail follows the records of query as the store takes them (its live
// tailing), from since ago, and calls each for every one until ctx ends or
// each returns an error. The query may have filters only, no pipes.
func (c *Client) Tail(ctx context.Context, query string, since time.Duration, each func(Record) error) error {
	v := url.Values{"query": {query}, "start_offset": {strconv.FormatInt(since.Milliseconds(), 10) + "ms"},
		"offset": {"1s"}, "refresh_interval": {"1s"}}
	err := c.stream(ctx, "/select/logsql/tail", v, each)
	if ctx.Err() != nil {
		return nil //nolint:nilerr // the caller ended the tail
	}
	return err
}

// stream posts v to path and calls each for every JSON line of the answer.
func (c *Client) stream(ctx context.Context, path string, v url.Values, each func(Record) error) error {
	resp, err := c.post(ctx, path, v)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		var rec Record
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			return fmt.Errorf("%w: a record that is not JSON", ErrUnavailable)
		}
		if err := each(rec); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return nil
}

// Stats runs query (which ends in a stats pipe giving one row) and returns
// the row's values as numbers.
func (c *Client) Stats(ctx context.Context, query string, r Range) (map[string]int64, error) {
	var row Record
	err := c.Records(ctx, query, r, func(rec Record) error { row = rec; return nil })
	if err != nil {
		return nil, err
	}
	out := map[string]int64{}
	for k, v := range row {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%w: %s is not a number", ErrUnavailable, k)
		}
		out[k] = n
	}
	return out, nil
}

// Bucket is the count of records in the step that starts at Time.
type Bucket struct {
	Time  time.Time
	Count int64
}

// Hits counts the records of query over r in steps of step.
func (c *Client) Hits(ctx context.Context, query string, r Range, step time.Duration) ([]Bucket, error) {
	v := url.Values{"query": {query}, "step": {strconv.FormatInt(step.Milliseconds(), 10) + "ms"}}
	r.values(v)
	resp, err := c.post(ctx, "/select/logsql/hits", v)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var body struct {
		Hits []struct {
			Timestamps []time.Time `json:"timestamps"`
			Values     []int64     `json:"values"`
		} `json:"hits"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<20)).Decode(&body); err != nil {
		return nil, fmt.Errorf("%w: an answer that is not JSON", ErrUnavailable)
	}
	var out []Bucket
	for _, h := range body.Hits {
		for i, t := range h.Timestamps {
			if i < len(h.Values) {
				out = append(out, Bucket{Time: t, Count: h.Values[i]})
			}
		}
	}
	return out, nil
}

// Healthy reports whether the store answers its health check.
func (c *Client) Healthy(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base.JoinPath("/health").String(), nil)
	if err != nil {
		return err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%w: health %s", ErrUnavailable, resp.Status)
	}
	return nil
}

// Insert writes records (each with _time and _msg) as one batch; the
// fields named in stream make a record's stream (the store keeps a
// stream's records together).
func (c *Client) Insert(ctx context.Context, records []Record, stream []string) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	for _, r := range records {
		if err := enc.Encode(r); err != nil {
			return err
		}
	}
	q := url.Values{"_stream_fields": {strings.Join(stream, ",")}}
	u := c.base.JoinPath("/insert/jsonline")
	u.RawQuery = q.Encode()
	resp, err := c.do(ctx, u.String(), "application/stream+json", &b)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	return resp.Body.Close()
}

func (c *Client) post(ctx context.Context, path string, v url.Values) (*http.Response, error) {
	return c.do(ctx, c.base.JoinPath(path).String(), "application/x-www-form-urlencoded", strings.NewReader(v.Encode()))
}

func (c *Client) do(ctx context.Context, target, contentType string, body io.Reader) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, body)
	if err != nil {
		return nil, err
	}
	path := req.URL.Path
	req.Header.Set("Content-Type", contentType)
	if path == "/select/logsql/tail" {
		// A compressed answer would hold the headers back until the first
		// lines: a quiet tail would run into the header timeout.
		req.Header.Set("Accept-Encoding", "identity")
	}
	req.Header.Set("AccountID", strconv.FormatUint(uint64(c.tenant.AccountID), 10))
	req.Header.Set("ProjectID", strconv.FormatUint(uint64(c.tenant.ProjectID), 10))
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
		_ = resp.Body.Close()
		return nil, fmt.Errorf("%w: %s answered %s", ErrUnavailable, path, resp.Status)
	}
	return resp, nil
}

// DeleteBefore starts a task of the store that deletes the tenant's
// records older than before (the store's /delete/run_task, which needs
// victoria-logs -delete.enable). The store deletes in the background.
func (c *Client) DeleteBefore(ctx context.Context, before time.Time) error {
	resp, err := c.post(ctx, "/delete/run_task", url.Values{"filter": {"_time:<" + before.UTC().Format(time.RFC3339Nano)}})
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	return resp.Body.Close()
}

// DeleteTasks returns how many delete tasks the store is running.
func (c *Client) DeleteTasks(ctx context.Context) (int, error) {
	resp, err := c.post(ctx, "/delete/active_tasks", nil)
	if err != nil {
		return 0, err
	}
	defer func() { _ = resp.Body.Close() }()
	var tasks []json.RawMessage
	if err := json.NewDecoder(io.LimitReader(resp.Body, 16<<20)).Decode(&tasks); err != nil {
		return 0, fmt.Errorf("%w: /delete/active_tasks: %w", ErrUnavailable, err)
	}
	return len(tasks), nil
}
