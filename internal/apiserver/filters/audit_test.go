package filters_test

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/apiserver/pkg/authentication/user"

	"github.com/superkube/super-kubenetes/internal/apiserver/filters"
	"github.com/superkube/super-kubenetes/internal/apiserver/request"
	"github.com/superkube/super-kubenetes/internal/audit"
	"github.com/superkube/super-kubenetes/internal/authz"
	"github.com/superkube/super-kubenetes/internal/httpfilters"
)

// Secrets sent in every audited request; none may reach an event.
const (
	querySecret  = "query-secret-123"
	bodySecret   = "body-secret-456"
	headerSecret = "tok-header-secret-789"
	badToken     = "wrong-secret-token"
)

var t0 = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

// steppingClock answers t0, then 25ms later, and so on.
func steppingClock() func() time.Time {
	n := 0
	return func() time.Time {
		n++
		return t0.Add(time.Duration(n-1) * 25 * time.Millisecond)
	}
}

// auditChain is the server's chain from request id to authorization:
// audit outside, capture after authentication and request info.
func auditChain(h http.Handler, s audit.Sink) http.Handler {
	z := &authorizer{allow: func(a *authz.Attributes) bool { return a.User == "alice" && a.Verb != "delete" }}
	h = filters.WithAuthorization(h, z, []string{"/oauth/"}, nil, nil)
	h = filters.WithAuditCapture(h)
	h = filters.WithAuthentication(h, tokens{headerSecret: {User: alice}}, nil)
	h = filters.WithRequestInfo(h)
	h = filters.WithAudit(h, s, steppingClock())
	return httpfilters.WithRequestID(h, logr.Discard())
}

func TestWithAudit(t *testing.T) {
	const reqID = "req-id-0000001"
	anonymous := []string{user.AllUnauthenticated}
	tests := []struct {
		name    string
		method  string
		path    string // without the query, which every request gets
		token   string
		handler func(w http.ResponseWriter, r *http.Request)
		want    *audit.Event // nil: no event
	}{
		{name: "a create by an authenticated user is one success event saying who did what, where and from where",
			method: http.MethodPost, path: "/api/v1/namespaces/dev/configmaps", token: headerSecret,
			handler: func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusCreated) },
			want: &audit.Event{Type: "request", User: "alice", Groups: alice.Groups, Method: http.MethodPost,
				Path: "/api/v1/namespaces/dev/configmaps", Verb: "create", Resource: "configmaps", Namespace: "dev", Scope: "namespace",
				Code: http.StatusCreated, Result: "success", Reason: "allowed by the stub"}},
		{name: "a delete the authorizer denies is one denied event",
			method: http.MethodDelete, path: "/api/v1/namespaces/dev/configmaps/cm-1", token: headerSecret,
			handler: func(w http.ResponseWriter, _ *http.Request) { t.Error("the handler ran for a denied request") },
			want: &audit.Event{Type: "request", User: "alice", Groups: alice.Groups, Method: http.MethodDelete,
				Path: "/api/v1/namespaces/dev/configmaps/cm-1", Verb: "delete", Resource: "configmaps", Name: "cm-1", Namespace: "dev", Scope: "namespace",
				Code: http.StatusForbidden, Result: "denied", Reason: "no rule of the stub allows it"}},
		{name: "an update the handler fails is one failure event",
			method: http.MethodPut, path: "/apis/apps/v1/namespaces/dev/deployments/web", token: headerSecret,
			handler: func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusConflict) },
			want: &audit.Event{Type: "request", User: "alice", Groups: alice.Groups, Method: http.MethodPut,
				Path: "/apis/apps/v1/namespaces/dev/deployments/web", Verb: "update", APIGroup: "apps", Resource: "deployments", Name: "web",
				Namespace: "dev", Scope: "namespace", Code: http.StatusConflict, Result: "failure", Reason: "allowed by the stub"}},
		{name: "a patch whose handler writes without WriteHeader is recorded as 200",
			method: http.MethodPatch, path: "/api/v1/namespaces/dev/configmaps/cm-1", token: headerSecret,
			handler: func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "{}") },
			want: &audit.Event{Type: "request", User: "alice", Groups: alice.Groups, Method: http.MethodPatch,
				Path: "/api/v1/namespaces/dev/configmaps/cm-1", Verb: "patch", Resource: "configmaps", Name: "cm-1", Namespace: "dev", Scope: "namespace",
				Code: http.StatusOK, Result: "success", Reason: "allowed by the stub"}},
		{name: "a mutating request with a refused token is one failure event without a user",
			method: http.MethodPost, path: "/api/v1/namespaces/dev/configmaps", token: badToken,
			handler: func(w http.ResponseWriter, _ *http.Request) { t.Error("the handler ran for a refused token") },
			want: &audit.Event{Type: "request", Method: http.MethodPost, Path: "/api/v1/namespaces/dev/configmaps",
				Code: http.StatusUnauthorized, Result: "failure"}},
		{name: "a mutating request of the anonymous user that is denied is one denied event",
			method: http.MethodPost, path: "/api/v1/namespaces/dev/configmaps",
			handler: func(w http.ResponseWriter, _ *http.Request) { t.Error("the handler ran for a denied request") },
			want: &audit.Event{Type: "request", User: user.Anonymous, Groups: anonymous, Method: http.MethodPost,
				Path: "/api/v1/namespaces/dev/configmaps", Verb: "create", Resource: "configmaps", Namespace: "dev", Scope: "namespace",
				Code: http.StatusUnauthorized, Result: "denied", Reason: "no rule of the stub allows it"}},
		{name: "a GET whose handler notes a login is one login event naming its subject",
			method: http.MethodGet, path: "/oauth/callback/github",
			handler: func(w http.ResponseWriter, r *http.Request) {
				note := request.AuditNoteFrom(r.Context())
				note.Event, note.Subject = "login", "alice"
				http.Redirect(w, r, "/console", http.StatusFound)
			},
			want: &audit.Event{Type: "login", User: user.Anonymous, Groups: anonymous, Subject: "alice", Method: http.MethodGet,
				Path: "/oauth/callback/github", Verb: "get", Scope: "global", Code: http.StatusFound, Result: "success"}},
		{name: "a failed login noted by the handler is one failure login event",
			method: http.MethodPost, path: "/oauth/token",
			handler: func(w http.ResponseWriter, r *http.Request) {
				note := request.AuditNoteFrom(r.Context())
				note.Event, note.Subject = "login", "alice"
				w.WriteHeader(http.StatusUnauthorized)
			},
			want: &audit.Event{Type: "login", User: user.Anonymous, Groups: anonymous, Subject: "alice", Method: http.MethodPost,
				Path: "/oauth/token", Verb: "post", Scope: "global", Code: http.StatusUnauthorized, Result: "failure"}},
		{name: "a GET without an audit note event produces no event",
			method: http.MethodGet, path: "/api/v1/namespaces/dev/configmaps", token: headerSecret,
			handler: func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) }},
		{name: "a GET that fails without an audit note event produces no event",
			method: http.MethodGet, path: "/api/v1/namespaces/dev/configmaps", token: badToken,
			handler: func(w http.ResponseWriter, _ *http.Request) { t.Error("the handler ran for a refused token") }},
		{name: "a HEAD produces no event",
			method: http.MethodHead, path: "/api/v1/namespaces/dev/configmaps", token: headerSecret,
			handler: func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) }},
		{name: "an OPTIONS produces no event",
			method: http.MethodOptions, path: "/oauth/token",
			handler: func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &sink{}
			var ran bool
			var bodyRead string
			h := auditChain(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				ran = true
				// The handler reads the body, so the secret in it was
				// there to be recorded.
				b, _ := io.ReadAll(r.Body)
				bodyRead = string(b)
				tt.handler(w, r)
			}), s)
			req := httptest.NewRequest(tt.method, tt.path+"?dryRun=All&token="+querySecret,
				strings.NewReader(`{"data":{"password":"`+bodySecret+`"}}`))
			req.RemoteAddr = "198.51.100.7:40123"
			req.Header.Set("User-Agent", "kubectl/v1.37.2")
			req.Header.Set(httpfilters.RequestIDHeader, reqID)
			if tt.token != "" {
				req.Header.Set("Authorization", "Bearer "+tt.token)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)

			if ran && !strings.Contains(bodyRead, bodySecret) {
				t.Fatalf("the handler read %q, want the body with its secret", bodyRead)
			}
			events := s.all()
			for _, e := range events {
				data, err := json.Marshal(e)
				if err != nil {
					t.Fatal(err)
				}
				for _, secret := range []string{querySecret, "dryRun", bodySecret, headerSecret, badToken, "Bearer"} {
					if strings.Contains(string(data), secret) {
						t.Errorf("the event holds %q: %s", secret, data)
					}
				}
			}
			if tt.want == nil {
				if len(events) != 0 {
					t.Fatalf("got %d events, want none: %+v", len(events), events[0])
				}
				return
			}
			if len(events) != 1 {
				t.Fatalf("got %d events, want exactly one", len(events))
			}
			want := *tt.want
			want.Time, want.LatencyMS = t0, 25
			want.RequestID, want.SourceIP, want.UserAgent = reqID, "198.51.100.7", "kubectl/v1.37.2"
			if got := *events[0]; !reflect.DeepEqual(got, want) {
				t.Errorf("event =\n%+v\nwant\n%+v", got, want)
			}
		})
	}
}

func TestWithAuditRecordsPanics(t *testing.T) {
	tests := []struct {
		name      string
		method    string
		panicWith any
		wantCode  int // to the client
		wantEvent *audit.Event
	}{
		{name: "a create whose handler panics is still one failure event with the 500 the client gets",
			method: http.MethodPost, panicWith: "boom", wantCode: http.StatusInternalServerError,
			wantEvent: &audit.Event{Code: http.StatusInternalServerError, Result: "failure"}},
		{name: "an update whose handler aborts is still one failure event, and the abort goes on",
			method: http.MethodPut, panicWith: http.ErrAbortHandler,
			wantEvent: &audit.Event{Code: http.StatusInternalServerError, Result: "failure"}},
		{name: "a GET whose handler panics produces no event",
			method: http.MethodGet, panicWith: "boom", wantCode: http.StatusInternalServerError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &sink{}
			var logs logLines
			h := httpfilters.WithPanicRecovery(auditChain(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
				panic(tt.panicWith)
			}), s), logs.Logger())
			req := httptest.NewRequest(tt.method, "/api/v1/namespaces/dev/configmaps/cm-1", nil)
			req.Header.Set("Authorization", "Bearer "+headerSecret)
			rec := httptest.NewRecorder()
			func() {
				defer func() {
					v := recover()
					if (v != nil) != (tt.panicWith == http.ErrAbortHandler) {
						t.Errorf("recovered %v after the chain", v)
					}
				}()
				h.ServeHTTP(rec, req)
			}()

			if tt.wantCode != 0 {
				if rec.Code != tt.wantCode {
					t.Fatalf("code = %d, want %d", rec.Code, tt.wantCode)
				}
				// The stack the operator gets still leads to where the
				// handler panicked.
				if !strings.Contains(logs.String(), "audit_test.go") {
					t.Errorf("the logged stack lacks the panicking handler: %s", logs.String())
				}
			}
			events := s.all()
			if tt.wantEvent == nil {
				if len(events) != 0 {
					t.Fatalf("got %d events, want none", len(events))
				}
				return
			}
			if len(events) != 1 {
				t.Fatalf("got %d events, want exactly one", len(events))
			}
			if e := events[0]; e.Code != tt.wantEvent.Code || e.Result != tt.wantEvent.Result || e.User != "alice" || e.Name != "cm-1" {
				t.Errorf("event = %+v, want code %d, result %s for alice on cm-1", e, tt.wantEvent.Code, tt.wantEvent.Result)
			}
		})
	}
}

func TestWithAuditSourceIP(t *testing.T) {
	tests := []struct {
		name       string
		remoteAddr string
		want       string
	}{
		{"an IPv4 source has its port removed", "192.0.2.1:1234", "192.0.2.1"},
		{"an IPv6 source has its port and brackets removed", "[2001:db8::1]:443", "2001:db8::1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &sink{}
			h := filters.WithAudit(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}), s, time.Now)
			req := httptest.NewRequest(http.MethodDelete, "/api/v1/namespaces/dev", nil)
			req.RemoteAddr = tt.remoteAddr
			h.ServeHTTP(httptest.NewRecorder(), req)
			if ev := s.all(); len(ev) != 1 || ev[0].SourceIP != tt.want {
				t.Fatalf("events %+v, want one with source IP %s", ev, tt.want)
			}
		})
	}
}

func TestWithAuditLetsTheHandlerFlush(t *testing.T) {
	tests := []struct {
		name   string
		method string
	}{
		{"a watch, which is not audited, can flush", http.MethodGet},
		{"an audited request can flush", http.MethodPost},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &sink{}
			var flushErr error
			h := auditChain(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				_, _ = io.WriteString(w, `{"type":"ADDED"}`)
				flushErr = http.NewResponseController(w).Flush()
			}), s)
			req := httptest.NewRequest(tt.method, "/api/v1/namespaces/dev/pods?watch=true", nil)
			req.Header.Set("Authorization", "Bearer "+headerSecret)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if flushErr != nil {
				t.Fatalf("Flush through the audit recorder failed: %v", flushErr)
			}
			if !rec.Flushed {
				t.Fatal("the flush did not reach the response writer")
			}
		})
	}

	t.Run("a flush reaches the client before the handler returns", func(t *testing.T) {
		release := make(chan struct{})
		srv := httptest.NewServer(auditChain(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			_, _ = io.WriteString(w, "first event\n")
			if err := http.NewResponseController(w).Flush(); err != nil {
				t.Errorf("Flush: %v", err)
			}
			<-release
		}), &sink{}))
		t.Cleanup(srv.Close)
		defer close(release)
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+"/api/v1/namespaces/dev/pods?watch=true", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+headerSecret)
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		line, err := bufio.NewReader(resp.Body).ReadString('\n')
		if err != nil || line != "first event\n" {
			t.Fatalf("read %q, %v: want the flushed event while the handler waits", line, err)
		}
	})
}

func TestWithAuditLetsTheHandlerHijack(t *testing.T) {
	s := &sink{}
	srv := httptest.NewServer(auditChain(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		conn, buf, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Errorf("Hijack through the audit recorder failed: %v", err)
			return
		}
		defer conn.Close()
		_, _ = buf.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: SPDY/3.1\r\nConnection: Upgrade\r\n\r\nhello")
		_ = buf.Flush()
	}), s))
	t.Cleanup(srv.Close)

	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_, _ = io.WriteString(conn, "GET /api/v1/namespaces/dev/pods/web-1/exec HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "+headerSecret+
		"\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n\r\n")
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	got, err := io.ReadAll(conn)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(got), "HTTP/1.1 101 ") || !strings.HasSuffix(string(got), "hello") {
		t.Fatalf("read %q, want the hijacked connection's 101 and data", got)
	}
}

// The stubs must keep fitting the filters' interfaces.
var (
	_ filters.TokenAuthenticator = tokens{}
	_ filters.BasicAuthenticator = (*basicAuth)(nil)
	_ filters.Authorizer         = (*authorizer)(nil)
	_ filters.Decisions          = (*decisions)(nil)
)
