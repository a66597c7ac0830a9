package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/go-logr/logr/funcr"

	"github.com/superkube/super-kubenetes/internal/console/server"
	"github.com/superkube/super-kubenetes/internal/console/session"
	"github.com/superkube/super-kubenetes/internal/console/ui"
)

const origin = "https://console.test"

// sessions is a Sessions stub: a "test-session" cookie names a session
// whose CSRF value is the cookie's value.
type sessions struct{}

func (sessions) WithSession(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c, err := r.Cookie("test-session"); err == nil {
			r = r.WithContext(session.NewContext(r.Context(), &session.Session{ID: "id", Username: "alice", CSRF: c.Value}))
		}
		h.ServeHTTP(w, r)
	})
}

func (sessions) Handler() http.Handler { return named("auth") }

// named answers with its name, what it read of the body, and the nonce.
func named(name string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/console/auth/panic" {
			panic("a bug")
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusRequestEntityTooLarge)
			return
		}
		fmt.Fprintf(w, "%s %s %d nonce=%s", name, r.URL.Path, len(body), ui.NonceFrom(r.Context()))
	})
}

type fixture struct {
	h    http.Handler
	logs *bytes.Buffer
}

func newFixture(t *testing.T, base string, hsts bool, ready error) *fixture {
	t.Helper()
	f := &fixture{logs: &bytes.Buffer{}}
	var mu sync.Mutex
	log := funcr.New(func(prefix, args string) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintln(f.logs, prefix, args)
	}, funcr.Options{Verbosity: 10})
	f.h = server.NewHandler(server.Deps{
		Log: log, BasePath: base, Origin: origin, HSTS: hsts, UI: named("ui"), Sessions: sessions{}, API: named("api"),
		Ready: func(context.Context) error { return ready }, MaxAuthBodyBytes: 1024,
	})
	return f
}

func (f *fixture) do(method, path string, body string, headers ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, origin+path, strings.NewReader(body))
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Add(headers[i], headers[i+1])
	}
	w := httptest.NewRecorder()
	f.h.ServeHTTP(w, r)
	return w
}

func TestTheRouteTableSendsEachPathToItsHandler(t *testing.T) {
	f := newFixture(t, "/console/", true, nil)
	for _, tc := range []struct{ path, want string }{
		{"/console/", "ui"},
		{"/console/workspaces/demo", "ui"},
		{"/console/assets/index.js", "ui"},
		{"/console/auth/login", "auth"},
		{"/console/auth/idp/github", "auth"},
		{"/console/oauth/callback", "auth"},
		{"/console/oauth/callback/github", "api"},
		{"/console/oauth/keys", "api"},
		{"/console/kapis/tenant.superkube.io/v1alpha1/workspaces", "api"},
		{"/console/api/v1/namespaces", "api"},
		{"/console/apis/apps/v1/deployments", "api"},
		{"/console/clusters/host/api/v1/pods", "api"},
		{"/console/version", "api"},
		{"/healthz", "ok"},
		{"/console/healthz", "ok"},
		{"/readyz", "ok"},
		{"/console/livez", "ok"},
	} {
		w := f.do(http.MethodGet, tc.path, "")
		if got := strings.SplitN(w.Body.String(), " ", 2)[0]; w.Code != http.StatusOK || got != tc.want {
			t.Errorf("%s: %d %q, want %s", tc.path, w.Code, w.Body.String(), tc.want)
		}
	}
	if w := f.do(http.MethodGet, "/", ""); w.Code != http.StatusFound || w.Header().Get("Location") != "/console/" {
		t.Errorf("/: %d to %q, want a redirect to the base path", w.Code, w.Header().Get("Location"))
	}
	if w := f.do(http.MethodGet, "/api/v1/pods", ""); w.Code != http.StatusNotFound || !strings.Contains(w.Body.String(), `"kind":"Status"`) {
		t.Errorf("a path outside the base: %d %s", w.Code, w.Body)
	}
}

func TestReadyzSaysWhyTheConsoleIsNotReady(t *testing.T) {
	f := newFixture(t, "/", false, errors.New("the session store does not answer"))
	if w := f.do(http.MethodGet, "/readyz", ""); w.Code != 503 || !strings.Contains(w.Body.String(), "the session store does not answer") {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
}

func TestEveryResponseCarriesTheSecurityHeaders(t *testing.T) {
	for _, hsts := range []bool{true, false} {
		f := newFixture(t, "/", hsts, nil)
		for _, p := range []string{"/", "/api/v1/pods", "/auth/session", "/healthz", "/auth/panic"} {
			w := f.do(http.MethodGet, p, "")
			h := w.Header()
			for k, v := range map[string]string{
				"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "same-origin",
				"Cross-Origin-Opener-Policy": "same-origin", "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
			} {
				if h.Get(k) != v {
					t.Errorf("%s: %s %q, want %q", p, k, h.Get(k), v)
				}
			}
			if got := h.Get("Strict-Transport-Security"); (got == "max-age=31536000") != hsts {
				t.Errorf("%s: Strict-Transport-Security %q with https %v", p, got, hsts)
			}
			csp := h.Get("Content-Security-Policy")
			m := regexp.MustCompile(`script-src 'self' 'nonce-([A-Za-z0-9+/=]{24})';`).FindStringSubmatch(csp)
			if m == nil || !strings.HasPrefix(csp, "default-src 'self'; ") || !strings.Contains(csp, "frame-ancestors 'none'") ||
				!strings.Contains(csp, "object-src 'none'") || !strings.Contains(csp, "connect-src 'self'") {
				t.Fatalf("%s: CSP %q", p, csp)
			}
			if p != "/auth/panic" && !strings.HasSuffix(w.Body.String(), "nonce="+m[1]) && p != "/healthz" {
				t.Errorf("%s: the handler saw another nonce than the policy's: %q", p, w.Body.String())
			}
		}
	}
	f := newFixture(t, "/", false, nil)
	a, b := f.do(http.MethodGet, "/", ""), f.do(http.MethodGet, "/", "")
	if a.Header().Get("Content-Security-Policy") == b.Header().Get("Content-Security-Policy") {
		t.Fatal("two responses share a nonce")
	}
}

func statusOf(t *testing.T, w *httptest.ResponseRecorder) (reason, message string) {
	t.Helper()
	var st struct{ Kind, Reason, Message string }
	if err := json.Unmarshal(w.Body.Bytes(), &st); err != nil || st.Kind != "Status" {
		t.Fatalf("not a Status: %d %s", w.Code, w.Body)
	}
	return st.Reason, st.Message
}

func TestUnsafeRequestsWithoutTheCSRFTokenAreRefused(t *testing.T) {
	f := newFixture(t, "/", true, nil)
	const tok = "csrf-value-of-the-browser"
	cookie := "ke-csrf=" + tok
	for _, tc := range []struct {
		name    string
		method  string
		path    string
		headers []string
		allowed bool
	}{
		{"a login with the header and cookie", "POST", "/auth/login", []string{"X-CSRF-Token", tok, "Cookie", cookie}, true},
		{"a login from the console's origin", "POST", "/auth/login", []string{"X-CSRF-Token", tok, "Cookie", cookie, "Origin", origin}, true},
		{"a login without the header", "POST", "/auth/login", []string{"Cookie", cookie}, false},
		{"a login without the cookie", "POST", "/auth/login", []string{"X-CSRF-Token", tok}, false},
		{"a login with another value", "POST", "/auth/login", []string{"X-CSRF-Token", "other", "Cookie", cookie}, false},
		{"a login from another origin", "POST", "/auth/login", []string{"X-CSRF-Token", tok, "Cookie", cookie, "Origin", "https://evil.test"}, false},
		{"a login from an opaque origin", "POST", "/auth/login", []string{"X-CSRF-Token", tok, "Cookie", cookie, "Origin", "null"}, false},
		{"an API write of the session", "DELETE", "/api/v1/namespaces/demo", []string{"X-CSRF-Token", tok, "Cookie", cookie + "; test-session=" + tok}, true},
		{"an API write with the cookie of another session", "PUT", "/kapis/iam.superkube.io/v1beta1/users/alice",
			[]string{"X-CSRF-Token", tok, "Cookie", cookie + "; test-session=the-sessions-own"}, false},
		{"an API patch without the header", "PATCH", "/apis/apps/v1/namespaces/demo/deployments/web", []string{"Cookie", cookie}, false},
		{"a logout without the header", "POST", "/auth/logout", []string{"Cookie", cookie + "; test-session=" + tok}, false},
		{"a password change without the header", "POST", "/auth/password", []string{"Cookie", cookie + "; test-session=" + tok}, false},
		{"an API read", "GET", "/api/v1/pods", nil, true},
		{"an API read the browser made from the console", "GET", "/api/v1/pods", []string{"Sec-Fetch-Site", "same-origin"}, true},
		{"an API read typed in the address bar", "GET", "/api/v1/pods", []string{"Sec-Fetch-Site", "none"}, true},
		{"an API read from another site", "GET", "/api/v1/pods", []string{"Sec-Fetch-Site", "cross-site"}, false},
		{"an API read from a sibling site", "GET", "/api/v1/secrets", []string{"Sec-Fetch-Site", "same-site"}, false},
		{"the session read from another site (not readable there)", "GET", "/auth/session", []string{"Sec-Fetch-Site", "cross-site"}, true},
		{"the callback from the identity provider's site", "GET", "/oauth/callback", []string{"Sec-Fetch-Site", "cross-site"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := f.do(tc.method, tc.path, "{}", tc.headers...)
			if tc.allowed {
				if w.Code != http.StatusOK {
					t.Fatalf("%d %s", w.Code, w.Body)
				}
				return
			}
			if w.Code != http.StatusForbidden {
				t.Fatalf("%d %s, want 403", w.Code, w.Body)
			}
			if reason, msg := statusOf(t, w); reason != "Forbidden" || !strings.Contains(msg, "CSRF") {
				t.Fatalf("reason %q message %q", reason, msg)
			}
		})
	}
}

func TestWebSocketsMustComeFromTheConsolesOrigin(t *testing.T) {
	f := newFixture(t, "/", true, nil)
	upgrade := []string{"Connection", "Upgrade", "Upgrade", "websocket", "Sec-WebSocket-Protocol", "v5.channel.k8s.io"}
	exec := "/api/v1/namespaces/demo/pods/web/exec?command=sh"
	if w := f.do(http.MethodGet, exec, "", upgrade...); w.Code != http.StatusForbidden {
		t.Fatalf("without Origin: %d", w.Code)
	}
	if w := f.do(http.MethodGet, exec, "", append(upgrade, "Origin", "https://evil.test")...); w.Code != http.StatusForbidden {
		t.Fatalf("from another origin: %d", w.Code)
	} else if reason, msg := statusOf(t, w); reason != "Forbidden" || !strings.Contains(msg, "CSRF") {
		t.Fatalf("%q %q", reason, msg)
	}
	if w := f.do(http.MethodGet, exec, "", append(upgrade, "Origin", origin)...); w.Code != http.StatusOK {
		t.Fatalf("from the console: %d %s", w.Code, w.Body)
	}
	if w := f.do(http.MethodGet, "/", "", "Connection", "Upgrade", "Upgrade", "websocket", "Origin", "https://evil.test"); w.Code != http.StatusForbidden {
		t.Fatalf("Vite's WebSocket from another origin: %d", w.Code)
	}
}

func TestAuthBodiesAreLimited(t *testing.T) {
	f := newFixture(t, "/", true, nil)
	big := strings.Repeat("x", 2048)
	w := f.do(http.MethodPost, "/auth/login", big, "X-CSRF-Token", "t", "Cookie", "ke-csrf=t")
	if w.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	// The API is ke-apiserver's to limit.
	if w := f.do(http.MethodPost, "/api/v1/namespaces/demo/configmaps", big, "X-CSRF-Token", "t", "Cookie", "ke-csrf=t"); w.Code != 200 {
		t.Fatalf("%d", w.Code)
	}
}

func TestAPanicIsA500WithoutItsDetails(t *testing.T) {
	f := newFixture(t, "/console/", true, nil)
	w := f.do(http.MethodGet, "/console/auth/panic", "")
	if w.Code != 500 || strings.Contains(w.Body.String(), "a bug") {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	if !strings.Contains(f.logs.String(), "a bug") || !strings.Contains(f.logs.String(), "Handler panicked") {
		t.Fatal("the panic was not logged")
	}
	// The operator finds the panic by the request id the browser was given.
	id := w.Header().Get("X-Request-Id")
	for _, l := range strings.Split(f.logs.String(), "\n") {
		if strings.Contains(l, "Handler panicked") && (id == "" || !strings.Contains(l, `"requestID"="`+id+`"`)) {
			t.Fatalf("the panic's log line lacks the request id %q: %s", id, l)
		}
	}
}

func TestTheRequestLogLeavesCredentialsOut(t *testing.T) {
	f := newFixture(t, "/", true, nil)
	f.do(http.MethodGet, "/oauth/callback?code=secret-code&state=secret-state", "", "Cookie", "ke-session=secret-session")
	f.do(http.MethodGet, "/auth/idp/corp?x=secret-param", "", "Authorization", "Bearer secret-token")
	f.do(http.MethodGet, "/oauth/logout?id_token_hint=secret-hint", "")
	f.do(http.MethodGet, "/api/v1/pods?labelSelector=app%3Dweb", "", "Cookie", "ke-session=secret-session")
	logs := f.logs.String()
	for _, secret := range []string{"secret-code", "secret-state", "secret-session", "secret-param", "secret-token", "secret-hint"} {
		if strings.Contains(logs, secret) {
			t.Errorf("%s is in the log:\n%s", secret, logs)
		}
	}
	for _, want := range []string{`"path"="/oauth/callback"`, `"query"="labelSelector=app%3Dweb"`, `"status"=200`, `"requestID"=`} {
		if !strings.Contains(logs, want) {
			t.Errorf("the log lacks %s:\n%s", want, logs)
		}
	}
}
