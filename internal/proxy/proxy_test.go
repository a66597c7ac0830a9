package proxy

import (
	"bufio"
	"crypto/tls"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/client-go/rest"

	"github.com/superkube/super-kubenetes/internal/apiserver/request"
)

// seen is what the upstream received.
type seen struct {
	path   string
	proto  int
	header http.Header
}

// upstreamServer stands in for kube-apiserver: it records what reaches it,
// streams /apis/stream line by line, and echoes on an upgraded connection.
func upstreamServer(t *testing.T) (*httptest.Server, chan seen, chan struct{}) {
	t.Helper()
	got := make(chan seen, 10)
	release := make(chan struct{})
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- seen{path: r.URL.EscapedPath() + "?" + r.URL.RawQuery, proto: r.ProtoMajor, header: r.Header.Clone()}
		switch {
		case r.Header.Get("Upgrade") != "":
			conn, brw, err := http.NewResponseController(w).Hijack()
			if err != nil {
				t.Errorf("hijack: %v", err)
				return
			}
			defer conn.Close()
			_, _ = brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: " + r.Header.Get("Upgrade") + "\r\n\r\n")
			_ = brw.Flush()
			line, _ := brw.ReadString('\n')
			_, _ = brw.WriteString("echo " + line)
			_ = brw.Flush()
		case r.URL.Path == "/apis/stream":
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"type":"ADDED"}`+"\n")
			_ = http.NewResponseController(w).Flush()
			<-release
			_, _ = io.WriteString(w, `{"type":"MODIFIED"}`+"\n")
		default:
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"kind":"PodList"}`)
		}
	}))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv, got, release
}

// proxyServer serves the proxy with the caller authenticated as u (nil: no caller).
func proxyServer(t *testing.T, upstream *httptest.Server, u user.Info) *httptest.Server {
	t.Helper()
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: upstream.Certificate().Raw})
	p, err := New(&rest.Config{Host: upstream.URL, TLSClientConfig: rest.TLSClientConfig{CAData: ca}}, Options{Log: logr.Discard()})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	p.Install(mux)
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u != nil {
			r = r.WithContext(request.WithUser(r.Context(), u))
		}
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

var caller = &user.DefaultInfo{Name: "dev", UID: "1234-abcd", Groups: []string{"developers", user.AllAuthenticated},
	Extra: map[string][]string{"scopes.example.com/team": {"a", "b"}}}

func TestTheRequestGoesAsTheCallerWhateverTheClientSent(t *testing.T) {
	up, got, _ := upstreamServer(t)
	srv := proxyServer(t, up, caller)
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/v1/namespaces/web/pods?limit=10", nil)
	req.Header.Set("Authorization", "Basic YWRtaW46c2VjcmV0")
	req.Header.Set("Impersonate-User", "admin")
	req.Header.Add("Impersonate-Group", "system:masters")
	req.Header.Set("Impersonate-Uid", "0")
	req.Header["impersonate-extra-scopes"] = []string{"all"}
	req.Header.Set("X-Remote-User", "admin")
	req.Header.Set("X-Remote-Group", "system:masters")
	req.Header.Set("Cookie", "session=secret")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Sec-WebSocket-Protocol", "base64url.bearer.authorization.k8s.io.c2VjcmV0, v5.channel.k8s.io")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(body) != `{"kind":"PodList"}` {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	s := <-got
	want := http.Header{
		"Impersonate-User":  {"dev"},
		"Impersonate-Uid":   {"1234-abcd"},
		"Impersonate-Group": {"developers", user.AllAuthenticated},
		"Impersonate-Extra-Scopes.example.com%2fteam": {"a", "b"},
	}
	for k, v := range want {
		if fmt.Sprint(s.header.Values(k)) != fmt.Sprint(v) {
			t.Errorf("%s: want %v, got %v", k, v, s.header.Values(k))
		}
	}
	for k := range s.header {
		if _, ok := want[k]; ok {
			continue
		}
		lower := strings.ToLower(k)
		if strings.HasPrefix(lower, "impersonate-") || strings.HasPrefix(lower, "x-remote-") || lower == "authorization" || lower == "cookie" {
			t.Errorf("the client's %s header reached kube-apiserver: %v", k, s.header[k])
		}
	}
	if s.path != "/api/v1/namespaces/web/pods?limit=10" {
		t.Errorf("path %q", s.path)
	}
	if got := s.header.Values("Sec-WebSocket-Protocol"); len(got) != 1 || got[0] != "v5.channel.k8s.io" {
		t.Errorf("Sec-WebSocket-Protocol %q, want only v5.channel.k8s.io", got)
	}
	if s.header.Get("Accept") != "application/json" {
		t.Errorf("Accept %q", s.header.Get("Accept"))
	}
	if s.proto != 2 {
		t.Errorf("an ordinary request went over HTTP/%d, want HTTP/2", s.proto)
	}
	if s.header.Get("X-Forwarded-For") != "127.0.0.1" {
		t.Errorf("X-Forwarded-For %q", s.header.Get("X-Forwarded-For"))
	}
}

func TestRoutes(t *testing.T) {
	up, got, _ := upstreamServer(t)
	srv := proxyServer(t, up, caller)
	tests := []struct {
		name     string
		path     string
		code     int
		upstream string
	}{
		{"the core group's discovery is forwarded", "/api", http.StatusOK, "/api?"},
		{"the groups' discovery is forwarded", "/apis", http.StatusOK, "/apis?"},
		{"a named group's path is forwarded", "/apis/apps/v1/deployments?watch=true", http.StatusOK, "/apis/apps/v1/deployments?watch=true"},
		{"the host cluster's path loses its prefix", "/clusters/host/api/v1/pods", http.StatusOK, "/api/v1/pods?"},
		{"an escaped segment stays escaped", "/clusters/host/api/v1/namespaces/a/configmaps/b%3Ac", http.StatusOK, "/api/v1/namespaces/a/configmaps/b%3Ac?"},
		{"an unknown cluster is not found", "/clusters/elsewhere/api/v1/pods", http.StatusNotFound, ""},
		{"a name that is no cluster name is not found", "/clusters/Not_A_Name/api/v1/pods", http.StatusNotFound, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := srv.Client().Get(srv.URL + tt.path)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.code {
				t.Fatalf("want %d, got %d: %s", tt.code, resp.StatusCode, body)
			}
			if tt.upstream == "" {
				var st map[string]any
				if err := json.Unmarshal(body, &st); err != nil || st["kind"] != "Status" || st["reason"] != "NotFound" {
					t.Fatalf("want a NotFound Status, got %s", body)
				}
				select {
				case s := <-got:
					t.Fatalf("the request reached kube-apiserver: %s", s.path)
				default:
				}
				return
			}
			if s := <-got; s.path != tt.upstream {
				t.Fatalf("kube-apiserver got %q, want %q", s.path, tt.upstream)
			}
		})
	}
}

func TestARequestWithoutACallerIsRefused(t *testing.T) {
	up, got, _ := upstreamServer(t)
	srv := proxyServer(t, up, nil)
	resp, err := srv.Client().Get(srv.URL + "/api/v1/pods")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("want 401, got %d", resp.StatusCode)
	}
	select {
	case s := <-got:
		t.Fatalf("the request reached kube-apiserver with ke-apiserver's identity: %s", s.path)
	default:
	}
}

func TestAStreamIsPassedOnAsItComes(t *testing.T) {
	up, _, release := upstreamServer(t)
	srv := proxyServer(t, up, caller)
	resp, err := srv.Client().Get(srv.URL + "/apis/stream")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	r := bufio.NewReader(resp.Body)
	first := make(chan string, 1)
	go func() { l, _ := r.ReadString('\n'); first <- l }()
	select {
	case l := <-first:
		if !strings.Contains(l, "ADDED") {
			t.Fatalf("first line %q", l)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the first event did not arrive before the stream ended: the proxy buffers")
	}
	close(release)
	if l, _ := r.ReadString('\n'); !strings.Contains(l, "MODIFIED") {
		t.Fatalf("second line %q", l)
	}
}

func TestAnUpgradeBecomesAConnectionOverHTTP1(t *testing.T) {
	for _, protocol := range []string{"SPDY/3.1", "websocket"} {
		t.Run(protocol, func(t *testing.T) {
			up, got, _ := upstreamServer(t)
			srv := proxyServer(t, up, caller)
			conn, err := tls.Dial("tcp", srv.Listener.Addr().String(), &tls.Config{InsecureSkipVerify: true, NextProtos: []string{"http/1.1"}})
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
			fmt.Fprintf(conn, "POST /api/v1/namespaces/web/pods/p/exec?command=sh HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: %s\r\nImpersonate-User: admin\r\n\r\n", protocol)
			br := bufio.NewReader(conn)
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusSwitchingProtocols {
				t.Fatalf("want 101, got %d", resp.StatusCode)
			}
			fmt.Fprint(conn, "hello\n")
			if l, _ := br.ReadString('\n'); l != "echo hello\n" {
				t.Fatalf("got %q", l)
			}
			s := <-got
			if s.proto != 1 || s.header.Get("Impersonate-User") != "dev" {
				t.Fatalf("the upgrade reached kube-apiserver over HTTP/%d as %q", s.proto, s.header.Get("Impersonate-User"))
			}
		})
	}
}

func TestEscapeExtraKey(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"a plain key stays as it is", "scopes", "scopes"},
		{"a slash is escaped", "example.com/team", "example.com%2Fteam"},
		{"a percent sign is escaped", "50%", "50%25"},
		{"a space is escaped", "a b", "a%20b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := escapeExtraKey(tt.in); got != tt.want {
				t.Fatalf("want %q, got %q", tt.want, got)
			}
		})
	}
}

func TestForwardingHeadersNameOnlyTheClientAddressKeAPIServerDetermined(t *testing.T) {
	up, got, _ := upstreamServer(t)
	tests := []struct {
		name     string
		clientIP string
		want     string
	}{
		{name: "without an address from the filter, the connection's peer", want: "127.0.0.1"},
		{name: "the address the client-address filter determined (behind a trusted proxy)", clientIP: "203.0.113.7", want: "203.0.113.7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: up.Certificate().Raw})
			p, err := New(&rest.Config{Host: up.URL, TLSClientConfig: rest.TLSClientConfig{CAData: ca}}, Options{Log: logr.Discard()})
			if err != nil {
				t.Fatal(err)
			}
			mux := http.NewServeMux()
			p.Install(mux)
			srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				ctx := request.WithUser(r.Context(), caller)
				if tt.clientIP != "" {
					ctx = request.WithClientIP(ctx, tt.clientIP)
				}
				mux.ServeHTTP(w, r.WithContext(ctx))
			}))
			defer srv.Close()
			req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/v1/namespaces/web/pods", nil)
			for k, v := range map[string]string{"X-Forwarded-For": "198.18.0.1", "X-Real-Ip": "198.18.0.2", "Forwarded": "for=198.18.0.3",
				"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "http"} {
				req.Header.Set(k, v)
			}
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			s := <-got
			if xff := s.header.Values("X-Forwarded-For"); len(xff) != 1 || xff[0] != tt.want {
				t.Errorf("X-Forwarded-For %q, want %q", xff, tt.want)
			}
			for _, k := range []string{"X-Real-Ip", "Forwarded", "X-Forwarded-Host", "X-Forwarded-Proto"} {
				if v := s.header.Values(k); len(v) > 0 {
					t.Errorf("the client's %s %q reached kube-apiserver", k, v)
				}
			}
		})
	}
}

// A kube-apiserver that refuses connections (stopped, or restarting) is
// answered 503 with a Retry-After, in the header and in the Status, as the
// guard's answers while it starts: a client waits and tries again.
func TestAnUnreachableKubeAPIServerIs503WithRetryAfter(t *testing.T) {
	upstream, _, _ := upstreamServer(t)
	srv := proxyServer(t, upstream, caller)
	upstream.Close()
	resp, err := srv.Client().Get(srv.URL + "/api/v1/namespaces/default/pods")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st struct {
		Kind, Reason string
		Code         int
		Details      struct {
			RetryAfterSeconds int `json:"retryAfterSeconds"`
		} `json:"details"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil || st.Kind != "Status" {
		t.Fatalf("%d: %v", resp.StatusCode, err)
	}
	if resp.StatusCode != http.StatusServiceUnavailable || st.Code != http.StatusServiceUnavailable || st.Reason != "ServiceUnavailable" {
		t.Errorf("HTTP %d, Status code %d, reason %s: want 503 ServiceUnavailable", resp.StatusCode, st.Code, st.Reason)
	}
	if resp.Header.Get("Retry-After") != fmt.Sprint(RetryAfterSeconds) || st.Details.RetryAfterSeconds != RetryAfterSeconds {
		t.Errorf("Retry-After %q, details.retryAfterSeconds %d: want %d in both", resp.Header.Get("Retry-After"), st.Details.RetryAfterSeconds, RetryAfterSeconds)
	}
}
