package proxy

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/go-logr/logr"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"

	"github.com/superkube/super-kubenetes/internal/apiserver/apistatus"
)

// Guard makes the proxy fail fast and truthfully when kube-apiserver is
// away or starting.
type Guard struct {
	// Timeout is how long kube-apiserver has to begin its answer (its
	// response headers) before the caller gets 504; the body (a watch, a
	// log follow, an exec session) then streams for as long as it lasts.
	// Zero waits without limit.
	Timeout time.Duration
	// Ready says whether kube-apiserver is ready (its /readyz, probed); while
	// it is not, a 403 from it is answered 503, since its authorizer may not
	// know its roles yet. Nil counts it as ready.
	Ready func() error
}

// RetryAfterSeconds is the Retry-After of the guard's 503 and 504 answers.
const RetryAfterSeconds = 1

// WithGuard returns a copy of rc whose transports apply the guard; give it
// to New.
func WithGuard(rc *rest.Config, g Guard) *rest.Config {
	rc = rest.CopyConfig(rc)
	prev := rc.WrapTransport
	rc.WrapTransport = func(rt http.RoundTripper) http.RoundTripper {
		if prev != nil {
			rt = prev(rt)
		}
		return &guarded{next: rt, g: g}
	}
	return rc
}

type guarded struct {
	next http.RoundTripper
	g    Guard
}

// errNoAnswer cancels a request whose answer did not begin in time.
var errNoAnswer = errors.New("kube-apiserver did not begin to answer in time")

func (t *guarded) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.roundTrip(req)
	if err != nil || resp.StatusCode != http.StatusForbidden {
		return resp, err
	}
	return t.notReadyYet(req, resp)
}

// roundTrip sends the request, giving kube-apiserver Timeout to answer.
func (t *guarded) roundTrip(req *http.Request) (*http.Response, error) {
	if t.g.Timeout <= 0 {
		return t.next.RoundTrip(req)
	}
	ctx, cancel := context.WithCancelCause(req.Context())
	timer := time.AfterFunc(t.g.Timeout, func() { cancel(errNoAnswer) })
	resp, err := t.next.RoundTrip(req.WithContext(ctx))
	if !timer.Stop() && errors.Is(context.Cause(ctx), errNoAnswer) {
		if err == nil {
			_ = resp.Body.Close()
		}
		return t.timedOut(req), nil
	}
	if err != nil {
		cancel(nil)
		// The transport's own timeouts (the TLS handshake's, 10 s in
		// client-go like the usual Timeout) are the same outage seen a
		// moment earlier: a kube-apiserver that accepts connections and
		// says nothing. Answer them as the guard's own (504), not as an
		// unreachable server (503), whichever timer fires first.
		if ne, ok := errors.AsType[net.Error](err); ok && ne.Timeout() && req.Context().Err() == nil {
			return t.timedOut(req), nil
		}
		return nil, err
	}
	if resp.StatusCode == http.StatusSwitchingProtocols {
		// The body is the upgraded connection, which the reverse proxy
		// needs as it is; the context ends with the request.
		return resp, nil
	}
	resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: func() { cancel(nil) }}
	return resp, nil
}

// timedOut answers a request kube-apiserver did not begin to answer in
// time: 504 Timeout.
func (t *guarded) timedOut(req *http.Request) *http.Response {
	logr.FromContextOrDiscard(req.Context()).Info("kube-apiserver did not begin to answer in time", "path", req.URL.Path, "timeout", t.g.Timeout.String())
	return statusResponse(req, http.StatusGatewayTimeout, metav1.StatusReasonTimeout,
		fmt.Sprintf("kube-apiserver did not answer within %s; try again later", t.g.Timeout))
}

// notReadyYet answers 503 instead of a 403 that is kube-apiserver's and
// not the caller's: one that refuses ke-apiserver the impersonation (its
// authorizer, just started, does not know ke-apiserver's role yet, or the
// role is missing), or any 403 while kube-apiserver is not ready.
func (t *guarded) notReadyYet(req *http.Request, resp *http.Response) (*http.Response, error) {
	const limit = 64 << 10
	head, err := io.ReadAll(io.LimitReader(resp.Body, limit))
	if err != nil {
		_ = resp.Body.Close()
		return nil, err
	}
	refused := bytes.Contains(head, []byte("cannot impersonate"))
	if !refused && (t.g.Ready == nil || t.g.Ready() == nil) {
		resp.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(bytes.NewReader(head), resp.Body), resp.Body}
		return resp, nil
	}
	_ = resp.Body.Close()
	logr.FromContextOrDiscard(req.Context()).V(2).Info("kube-apiserver refused a request while not ready; answering 503", "path", req.URL.Path, "impersonation", refused)
	return statusResponse(req, http.StatusServiceUnavailable, metav1.StatusReasonServiceUnavailable,
		"kube-apiserver is not ready to act for users yet; try again shortly"), nil
}

// statusResponse is an answer of the proxy itself: a Status with the code.
func statusResponse(req *http.Request, code int, reason metav1.StatusReason, msg string) *http.Response {
	body, _ := json.Marshal(apistatus.New(code, reason, msg, apistatus.RetryAfter(RetryAfterSeconds)).ErrStatus)
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("Retry-After", strconv.Itoa(RetryAfterSeconds))
	return &http.Response{StatusCode: code, Status: fmt.Sprintf("%d %s", code, http.StatusText(code)), Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: h, Body: io.NopCloser(bytes.NewReader(body)), ContentLength: int64(len(body)), Request: req}
}

// cancelOnClose ends a request's context when its body is closed.
type cancelOnClose struct {
	io.ReadCloser
	cancel func()
}

func (c *cancelOnClose) Close() error {
	err := c.ReadCloser.Close()
	c.cancel()
	return err
}
