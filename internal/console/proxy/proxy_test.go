package proxy_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr"

	"github.com/superkube/super-kubenetes/internal/console/proxy"
)

// creds hands out a fixed token and remembers refusals.
type creds struct {
	token   string
	err     error
	mu      sync.Mutex
	asked   int
	refused []string
}

func (c *creds) Token(http.ResponseWriter, *http.Request) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.asked++
	return c.token, c.err
}

func (c *creds) Refused(_ context.Context, token string, h http.Header) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.refused = append(c.refused, token)
	h.Add("Set-Cookie", "ke-session=; Max-Age=0")
}

// seen is what the upstream received.
type seen struct {
	path, rawPath, query string
	header               http.Header
}

func newProxy(t *testing.T, upstream http.Handler, c *creds) (*httptest.Server, chan seen) {
	t.Helper()
	got := make(chan seen, 16)
	up := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- seen{path: r.URL.Path, rawPath: r.URL.RawPath, query: r.URL.RawQuery, header: r.Header.Clone()}
		upstream.ServeHTTP(w, r)
	}))
	t.Cleanup(up.Close)
	target, _ := url.Parse(up.URL)
	p, err := proxy.New(proxy.Options{Target: target, BasePath: "/console/", Transport: up.Client().Transport, Credentials: c,
		Public: []string{"oauth/"}, Log: logr.Discard()})
	if err != nil {
		t.Fatal(err)
	}
	front := httptest.NewServer(p)
	t.Cleanup(front.Close)
	return front, got
}

func TestRequestsReachKeAPIServerWithOnlyTheSessionsToken(t *testing.T) {
	c := &creds{token: "session-access-token"}
	front, got := newProxy(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") }), c)
	req, _ := http.NewRequest(http.MethodGet, front.URL+"/console/api/v1/namespaces/a%2Fb/pods?labelSelector=app%3Dweb&watch=true", nil)
	for k, v := range map[string]string{
		"Cookie": "ke-session=abc; ke-csrf=def", "Authorization": "Bearer browser-token", "X-CSRF-Token": "def",
		"Impersonate-User": "admin", "Impersonate-Group": "system:masters", "Impersonate-Extra-Scopes": "all", "Impersonate-Uid": "0",
		"X-Remote-User": "admin", "Accept": "application/json", "Proxy-Authorization": "Basic eA==",
		"Forwarded": "for=10.9.9.9", "X-Real-Ip": "10.9.9.9", "X-Forwarded-For": "10.9.9.9",
	} {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	s := <-got
	if s.path != "/api/v1/namespaces/a/b/pods" || s.rawPath != "/api/v1/namespaces/a%2Fb/pods" || s.query != "labelSelector=app%3Dweb&watch=true" {
		t.Fatalf("upstream saw %q (raw %q) ? %q", s.path, s.rawPath, s.query)
	}
	if s.header.Get("Authorization") != "Bearer session-access-token" || len(s.header.Values("Authorization")) != 1 {
		t.Fatalf("Authorization %q", s.header.Values("Authorization"))
	}
	for _, k := range []string{"Cookie", "X-Csrf-Token", "Impersonate-User", "Impersonate-Group", "Impersonate-Extra-Scopes", "Impersonate-Uid",
		"X-Remote-User", "Proxy-Authorization"} {
		if v := s.header.Values(k); len(v) > 0 {
			t.Errorf("%s reached ke-apiserver: %q", k, v)
		}
	}
	if s.header.Get("Accept") != "application/json" {
		t.Error("an ordinary header was dropped")
	}
	// The browser's address is the one the console saw, not one it claims.
	for _, k := range []string{"Forwarded", "X-Real-Ip"} {
		if v := s.header.Values(k); len(v) > 0 {
			t.Errorf("%s reached ke-apiserver: %q", k, v)
		}
	}
	if xff := s.header.Get("X-Forwarded-For"); xff != "127.0.0.1" {
		t.Errorf("X-Forwarded-For %q, want only the browser's address as the console saw it", xff)
	}
}

func TestWithoutASessionRequestsGoWithoutCredentials(t *testing.T) {
	c := &creds{}
	front, got := newProxy(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}), c)
	req, _ := http.NewRequest(http.MethodGet, front.URL+"/console/kapis/config.superkube.io/v1alpha2/identityproviders", nil)
	req.Header.Set("Authorization", "Bearer browser-token")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if s := <-got; s.header.Get("Authorization") != "" || s.path != "/kapis/config.superkube.io/v1alpha2/identityproviders" {
		t.Fatalf("%q %q", s.path, s.header.Get("Authorization"))
	}
}

func TestPublicPathsNeverCarryTheSessionsToken(t *testing.T) {
	c := &creds{token: "session-access-token"}
	front, got := newProxy(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}), c)
	resp, err := http.Get(front.URL + "/console/oauth/authorize?client_id=other&response_type=code")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if s := <-got; s.header.Get("Authorization") != "" || s.path != "/oauth/authorize" || c.asked != 0 {
		t.Fatalf("%q %q, credentials asked %d times", s.path, s.header.Get("Authorization"), c.asked)
	}
}

func TestACredentialsErrorIsAnswered(t *testing.T) {
	c := &creds{err: fmt.Errorf("%w", &statusError{})}
	front, _ := newProxy(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { t.Error("forwarded") }), c)
	resp, err := http.Get(front.URL + "/console/api/v1/pods")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusInternalServerError {
		t.Fatalf("%d", resp.StatusCode)
	}
}

type statusError struct{}

func (*statusError) Error() string { return "boom" }

func TestKeAPIServersCookiesChallengesAndSecurityHeadersStayBehind(t *testing.T) {
	c := &creds{token: "revoked-token"}
	front, _ := newProxy(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Set-Cookie", "ke_oauth_state=x; Path=/oauth/callback/")
		w.Header().Set("WWW-Authenticate", `Basic realm="superkube"`)
		w.Header().Set("Content-Security-Policy", "default-src 'none'")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = io.WriteString(w, `{"kind":"Status","code":401}`)
	}), c)
	resp, err := http.Get(front.URL + "/console/kapis/iam.superkube.io/v1beta1/users")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusUnauthorized || string(body) != `{"kind":"Status","code":401}` {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	if v := resp.Header.Values("Set-Cookie"); len(v) != 1 || v[0] != "ke-session=; Max-Age=0" {
		t.Fatalf("Set-Cookie %q: want only the credentials' expired session cookie", v)
	}
	for _, k := range []string{"Www-Authenticate", "Content-Security-Policy", "X-Content-Type-Options"} {
		if resp.Header.Get(k) != "" {
			t.Errorf("%s passed through", k)
		}
	}
	if len(c.refused) != 1 || c.refused[0] != "revoked-token" {
		t.Fatalf("refused %v", c.refused)
	}
}

func TestEventStreamsAreFlushedAsTheyCome(t *testing.T) {
	release := make(chan struct{})
	front, _ := newProxy(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, ": watching\n\nevent: ADDED\ndata: {\"name\":\"p1\"}\n\n")
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}), &creds{token: "t"})
	defer close(release)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, front.URL+"/console/kapis/resources.superkube.io/v1alpha3/namespaces/default/pods?watch=true", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	r := bufio.NewReader(resp.Body)
	for _, want := range []string{": watching", "", "event: ADDED", `data: {"name":"p1"}`} {
		line, err := r.ReadString('\n')
		if err != nil || strings.TrimSuffix(line, "\n") != want {
			t.Fatalf("read %q (%v), want %q while the stream is open", line, err, want)
		}
	}
}

func TestWebSocketUpgradesPassThrough(t *testing.T) {
	front, got := newProxy(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Upgrade") != "websocket" {
			http.Error(w, "not an upgrade", http.StatusBadRequest)
			return
		}
		conn, rw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close()
		fmt.Fprintf(rw, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Protocol: v5.channel.k8s.io\r\n\r\n")
		_ = rw.Flush()
		// Echo what comes, as a stand-in for a container's stdin and stdout.
		line, _ := rw.ReadString('\n')
		_, _ = rw.WriteString("echo: " + line)
		_ = rw.Flush()
	}), &creds{token: "session-access-token"})
	conn, err := net.Dial("tcp", strings.TrimPrefix(front.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(conn, "GET /console/api/v1/namespaces/default/pods/web/exec?command=sh&stdin=true&stdout=true HTTP/1.1\r\nHost: console.test\r\n"+
		"Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"+
		"Sec-WebSocket-Protocol: v5.channel.k8s.io, v4.channel.k8s.io, base64.channel.k8s.io, base64url.bearer.authorization.k8s.io.YnJvd3Nlcg\r\n"+
		"Cookie: ke-session=abc\r\nOrigin: https://console.test\r\n\r\n")
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusSwitchingProtocols || resp.Header.Get("Sec-WebSocket-Protocol") != "v5.channel.k8s.io" {
		t.Fatalf("%d %v", resp.StatusCode, resp.Header)
	}
	s := <-got
	if s.path != "/api/v1/namespaces/default/pods/web/exec" || s.header.Get("Authorization") != "Bearer session-access-token" ||
		s.header.Get("Sec-Websocket-Protocol") != "v5.channel.k8s.io, v4.channel.k8s.io, base64.channel.k8s.io" || s.header.Get("Cookie") != "" {
		t.Fatalf("upstream saw %q with %v", s.path, s.header)
	}
	fmt.Fprintf(conn, "ls\n")
	line, err := br.ReadString('\n')
	if err != nil || line != "echo: ls\n" {
		t.Fatalf("read %q, %v", line, err)
	}
}

// An unreachable ke-apiserver is one code everywhere: the HTTP code, the
// Status's code and its reason all say 503 Service Unavailable, with a
// Retry-After (the console's login endpoints answer the same).
func TestAnUnreachableKeAPIServerIs503(t *testing.T) {
	p, err := proxy.New(proxy.Options{Target: &url.URL{Scheme: "https", Host: "127.0.0.1:1"}, BasePath: "/", Transport: http.DefaultTransport,
		Credentials: &creds{}, Log: logr.Discard()})
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	p.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/api/v1/pods", nil))
	var st struct {
		Kind, Reason, Message string
		Code                  int
	}
	if err := json.Unmarshal(w.Body.Bytes(), &st); err != nil || st.Kind != "Status" {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	if w.Code != http.StatusServiceUnavailable || st.Code != w.Code || st.Reason != "ServiceUnavailable" {
		t.Errorf("HTTP %d, Status code %d, reason %s: want 503 three times", w.Code, st.Code, st.Reason)
	}
	if st.Message != "ke-apiserver cannot be reached; try again later" || w.Header().Get("Retry-After") == "" {
		t.Errorf("message %q, Retry-After %q", st.Message, w.Header().Get("Retry-After"))
	}
}
