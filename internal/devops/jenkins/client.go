package jenkins

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
)

// StatusError is an answer of Jenkins that is not a success.
type StatusError struct {
	Method string
	Path   string
	Code   int
	// Detail is Jenkins' reason (its X-Error header, or the start of the
	// body).
	Detail string
}

// Error says which request failed and why, in words for the run's message.
func (e *StatusError) Error() string {
	var what string
	switch e.Code {
	case http.StatusUnauthorized:
		what = "Jenkins refused the user and API token (401 Unauthorized): check the engine's user and token"
	case http.StatusForbidden:
		what = "Jenkins forbids it to the engine's user (403 Forbidden)"
	case http.StatusNotFound:
		what = "Jenkins has no such item (404 Not Found)"
	default:
		what = fmt.Sprintf("Jenkins answered %d %s", e.Code, http.StatusText(e.Code))
	}
	msg := fmt.Sprintf("%s %s: %s", e.Method, e.Path, what)
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	return msg
}

// transient says whether err may pass if the request is made again: no
// answer at all (a refused connection, the HTTP client's timeout), an
// answer that is not what Jenkins sends, or a server error. Callers check
// their own context first: its end is never retried.
func transient(err error) bool {
	if err == nil {
		return false
	}
	if se, ok := errors.AsType[*StatusError](err); ok {
		return se.Code >= 500 || se.Code == http.StatusTooManyRequests
	}
	return true
}

func isNotFound(err error) bool {
	se, ok := errors.AsType[*StatusError](err)
	return ok && se.Code == http.StatusNotFound
}

// client speaks to Jenkins' REST API.
type client struct {
	base  string // without a trailing slash
	user  string
	token string
	http  *http.Client

	mu         sync.Mutex
	crumbKnown bool
	crumbField string
	crumb      string
}

type crumbAnswer struct {
	Crumb             string `json:"crumb"`
	CrumbRequestField string `json:"crumbRequestField"`
}

// loadCrumb asks the crumb issuer once; a 404 means CSRF protection is off
// (or API tokens are exempt), and requests go without a crumb.
func (c *client) loadCrumb(ctx context.Context, again bool) error {
	c.mu.Lock()
	known := c.crumbKnown
	c.mu.Unlock()
	if known && !again {
		return nil
	}
	var a crumbAnswer
	err := c.getJSON(ctx, "/crumbIssuer/api/json", nil, &a)
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case err == nil:
		c.crumbKnown, c.crumbField, c.crumb = true, a.CrumbRequestField, a.Crumb
	case isNotFound(err):
		c.crumbKnown, c.crumbField, c.crumb = true, "", ""
	default:
		return fmt.Errorf("the CSRF crumb: %w", err)
	}
	return nil
}

// request makes one request; for POST it sends the crumb, and asks a new
// one once if Jenkins says it is no longer valid (crumbs expire with the
// session).
func (c *client) request(ctx context.Context, method, path string, query url.Values, body []byte, contentType string) (*http.Response, error) {
	for attempt := 0; ; attempt++ {
		if method == http.MethodPost {
			if err := c.loadCrumb(ctx, attempt > 0); err != nil {
				return nil, err
			}
		}
		resp, err := c.once(ctx, method, path, query, body, contentType)
		if err != nil {
			return nil, err
		}
		if resp.StatusCode == http.StatusForbidden && method == http.MethodPost && attempt == 0 {
			b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
			_ = resp.Body.Close()
			if strings.Contains(strings.ToLower(string(b)), "crumb") {
				continue
			}
			return nil, statusError(method, path, resp, b)
		}
		if resp.StatusCode >= 400 {
			b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
			_ = resp.Body.Close()
			return nil, statusError(method, path, resp, b)
		}
		return resp, nil
	}
}

func (c *client) once(ctx context.Context, method, path string, query url.Values, body []byte, contentType string) (*http.Response, error) {
	u := c.base + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	var rd io.Reader
	if body != nil {
		rd = strings.NewReader(string(body))
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, err
	}
	req.SetBasicAuth(c.user, c.token)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if method == http.MethodPost {
		c.mu.Lock()
		if c.crumbField != "" {
			req.Header.Set(c.crumbField, c.crumb)
		}
		c.mu.Unlock()
	}
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("%s %s: Jenkins did not answer: %w", method, path, err)
	}
	return resp, nil
}

func statusError(method, path string, resp *http.Response, body []byte) error {
	detail := resp.Header.Get("X-Error")
	if detail == "" && !strings.Contains(resp.Header.Get("Content-Type"), "html") {
		detail = strings.TrimSpace(string(body))
		if len(detail) > 200 {
			detail = detail[:200] + "..."
		}
	}
	return &StatusError{Method: method, Path: path, Code: resp.StatusCode, Detail: detail}
}

func (c *client) getJSON(ctx context.Context, path string, query url.Values, into any) error {
	resp, err := c.request(ctx, http.MethodGet, path, query, nil, "")
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	if err := json.NewDecoder(io.LimitReader(resp.Body, 32<<20)).Decode(into); err != nil {
		return fmt.Errorf("GET %s: Jenkins' answer is not the JSON expected: %w", path, err)
	}
	return nil
}

// post makes a POST and returns its answer's headers.
func (c *client) post(ctx context.Context, path string, query url.Values, body []byte, contentType string) (http.Header, error) {
	resp, err := c.request(ctx, http.MethodPost, path, query, body, contentType)
	if err != nil {
		return nil, err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	_ = resp.Body.Close()
	return resp.Header, nil
}
