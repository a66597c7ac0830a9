package proxy_test

import (
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/rest"

	"github.com/superkube/super-kubenetes/internal/proxy"
)

// guardedTransport is the transport of the proxy's configuration for a
// server, with the guard.
func guardedTransport(t *testing.T, srv *httptest.Server, g proxy.Guard) http.RoundTripper {
	t.Helper()
	rt, err := rest.TransportFor(proxy.WithGuard(&rest.Config{Host: srv.URL}, g))
	if err != nil {
		t.Fatal(err)
	}
	return rt
}

// answer is what a round trip brought: the code, the headers, the body.
type answer struct {
	StatusCode int
	Header     http.Header
}

func roundTrip(t *testing.T, rt http.RoundTripper, url string) (answer, string, time.Duration) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	resp, err := rt.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return answer{resp.StatusCode, resp.Header}, string(body), time.Since(start)
}

func statusOf(t *testing.T, body string) (code int, reason string) {
	t.Helper()
	var st struct {
		Kind   string
		Code   int
		Reason string
	}
	if err := json.Unmarshal([]byte(body), &st); err != nil || st.Kind != "Status" {
		t.Fatalf("not a Status: %s", body)
	}
	return st.Code, st.Reason
}

func TestAnUpstreamThatDoesNotBeginToAnswerInTimeIs504(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	resp, body, took := roundTrip(t, guardedTransport(t, srv, proxy.Guard{Timeout: 200 * time.Millisecond}), srv.URL+"/api/v1/pods")
	code, reason := statusOf(t, body)
	if resp.StatusCode != http.StatusGatewayTimeout || code != http.StatusGatewayTimeout || reason != "Timeout" || resp.Header.Get("Retry-After") == "" {
		t.Errorf("%d %v %s", resp.StatusCode, resp.Header, body)
	}
	if took > 2*time.Second {
		t.Errorf("answered after %s", took)
	}
}

func TestAnAnswerThatBeganInTimeStreamsForAsLongAsItLasts(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusOK)
		for i := range 5 {
			_, _ = io.WriteString(w, strings.Repeat("x", i+1)+"\n")
			w.(http.Flusher).Flush()
			time.Sleep(100 * time.Millisecond)
		}
	}))
	defer srv.Close()
	resp, body, took := roundTrip(t, guardedTransport(t, srv, proxy.Guard{Timeout: 150 * time.Millisecond}), srv.URL+"/api/v1/pods?watch=true")
	if resp.StatusCode != http.StatusOK || strings.Count(body, "\n") != 5 || took < 400*time.Millisecond {
		t.Errorf("%d after %s: %q", resp.StatusCode, took, body)
	}
}

func TestAForbiddenImpersonationIs503(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusForbidden)
		_, _ = io.WriteString(w, `{"kind":"Status","apiVersion":"v1","status":"Failure","message":"namespaces is forbidden: User \"ke-apiserver\" cannot impersonate-on:user-info:list resource \"namespaces\"","reason":"Forbidden","code":403}`)
	}))
	defer srv.Close()
	resp, body, _ := roundTrip(t, guardedTransport(t, srv, proxy.Guard{}), srv.URL+"/api/v1/namespaces")
	if code, reason := statusOf(t, body); resp.StatusCode != http.StatusServiceUnavailable || code != http.StatusServiceUnavailable || reason != "ServiceUnavailable" ||
		resp.Header.Get("Retry-After") == "" {
		t.Errorf("%d %v %s", resp.StatusCode, resp.Header, body)
	}
}

func TestACallersForbiddenIs403UnlessKubeAPIServerIsNotReady(t *testing.T) {
	const denied = `{"kind":"Status","apiVersion":"v1","status":"Failure","message":"pods is forbidden: User \"alice\" cannot list resource \"pods\"","reason":"Forbidden","code":403}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusForbidden)
		_, _ = io.WriteString(w, denied)
	}))
	defer srv.Close()
	resp, body, _ := roundTrip(t, guardedTransport(t, srv, proxy.Guard{Ready: func() error { return nil }}), srv.URL+"/api/v1/pods")
	if resp.StatusCode != http.StatusForbidden || body != denied {
		t.Errorf("ready: %d %s", resp.StatusCode, body)
	}
	notReady := func() error { return errors.New("kube-apiserver has not answered as ready") }
	resp, body, _ = roundTrip(t, guardedTransport(t, srv, proxy.Guard{Ready: notReady}), srv.URL+"/api/v1/pods")
	if code, _ := statusOf(t, body); resp.StatusCode != http.StatusServiceUnavailable || code != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Errorf("not ready: %d %v %s", resp.StatusCode, resp.Header, body)
	}
}

// timeoutError is what a transport's own timer returns (the TLS handshake's).
type timeoutError struct{}

func (timeoutError) Error() string   { return "net/http: TLS handshake timeout" }
func (timeoutError) Timeout() bool   { return true }
func (timeoutError) Temporary() bool { return true }

type failingTransport struct{ err error }

func (f failingTransport) RoundTrip(*http.Request) (*http.Response, error) { return nil, f.err }

// The transport's own timeout and the guard's both mean kube-apiserver did
// not answer in time: 504 whichever fires first (the fault suite saw a 503
// when the TLS handshake's 10 s ran out just before the guard's 10 s).
func TestATransportTimeoutIs504LikeTheGuards(t *testing.T) {
	for _, c := range []struct {
		err  error
		want int // 0: the error is returned
	}{
		{timeoutError{}, http.StatusGatewayTimeout},
		{&net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}, 0},
	} {
		rt, err := rest.TransportFor(proxy.WithGuard(&rest.Config{Host: "https://127.0.0.1:1", Transport: failingTransport{c.err}}, proxy.Guard{Timeout: time.Minute}))
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest(http.MethodGet, "https://127.0.0.1:1/api/v1/pods", nil)
		resp, err := rt.RoundTrip(req)
		if c.want == 0 {
			if err == nil {
				t.Errorf("%v: answered %d, want the error", c.err, resp.StatusCode)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%v: %v", c.err, err)
		}
		body, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if code, reason := statusOf(t, string(body)); resp.StatusCode != c.want || code != c.want || reason != "Timeout" || resp.Header.Get("Retry-After") == "" {
			t.Errorf("%v: %d %v %s", c.err, resp.StatusCode, resp.Header, body)
		}
	}
}
