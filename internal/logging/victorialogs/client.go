// Package victorialogs is a client of VictoriaLogs' query API
// (/select/logsql/...): records as a stream, counts and histograms over a
// time range. A store that does not answer, or answers with an error, is
// ErrUnavailable, so that the API says 503 and never passes the store's
// own message (which may quote the query) to the caller.
package victorialogs

import (
	"bufio"
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

// Client queries one VictoriaLogs.
type Client struct {
	base *url.URL
	http *http.Client
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
	resp, err := c.post(ctx, "/select/logsql/query", v)
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

func (c *Client) post(ctx context.Context, path string, v url.Values) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base.JoinPath(path).String(), strings.NewReader(v.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
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
