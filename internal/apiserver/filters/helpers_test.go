package filters_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/go-logr/logr"
	"github.com/go-logr/logr/funcr"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/authentication/user"

	"github.com/superkube/super-kubenetes/internal/audit"
	"github.com/superkube/super-kubenetes/internal/authn"
	"github.com/superkube/super-kubenetes/internal/authz"
)

// tokens is a TokenAuthenticator stub: a token it knows gives that result,
// "broken" gives an error that is not ErrUnauthenticated (a backend
// failure), and anything else is refused with a reason that must stay in
// the logs.
type tokens map[string]*authn.Result

func (t tokens) AuthenticateToken(_ context.Context, raw string) (*authn.Result, error) {
	if raw == "broken" {
		return nil, fmt.Errorf("token store unreachable: dial tcp 10.0.0.7:2379 (reason-%s)", raw)
	}
	if r, ok := t[raw]; ok {
		return r, nil
	}
	return nil, fmt.Errorf("%w: token %q expired at 12:00 (reason-detail)", authn.ErrUnauthenticated, raw)
}

// basicAuth is a BasicAuthenticator stub that accepts one user and password
// and remembers what it was asked.
type basicAuth struct {
	user, password string
	result         *authn.Result
	calls          []string
}

func (b *basicAuth) AuthenticateBasic(_ context.Context, _ *http.Request, username, password string) (*authn.Result, error) {
	b.calls = append(b.calls, username)
	if username == b.user && password == b.password {
		return b.result, nil
	}
	return nil, fmt.Errorf("%w: wrong password for %s (reason-detail)", authn.ErrUnauthenticated, username)
}

// authorizer is an Authorizer stub: it allows what allow says and
// remembers the attributes it was asked about.
type authorizer struct {
	allow func(a *authz.Attributes) bool
	mu    sync.Mutex
	asked []authz.Attributes
}

func (z *authorizer) Authorize(a *authz.Attributes) authz.Decision {
	z.mu.Lock()
	z.asked = append(z.asked, *a)
	z.mu.Unlock()
	if z.allow(a) {
		return authz.Decision{Allowed: true, Reason: "allowed by the stub"}
	}
	return authz.Decision{Reason: "no rule of the stub allows it"}
}

func (z *authorizer) calls() int {
	z.mu.Lock()
	defer z.mu.Unlock()
	return len(z.asked)
}

// decisions is a Decisions stub that counts what it observes.
type decisions struct {
	mu          sync.Mutex
	allow, deny int
}

func (d *decisions) Observe(allowed bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if allowed {
		d.allow++
	} else {
		d.deny++
	}
}

// sink is an audit.Sink that keeps events.
type sink struct {
	mu     sync.Mutex
	events []*audit.Event
}

func (s *sink) Write(e *audit.Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.events = append(s.events, e)
}

func (s *sink) all() []*audit.Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*audit.Event(nil), s.events...)
}

// logLines is a logger that keeps what it logs.
type logLines struct {
	mu    sync.Mutex
	lines []string
}

func (l *logLines) logger() logr.Logger {
	return funcr.New(func(prefix, args string) {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.lines = append(l.lines, prefix+" "+args)
	}, funcr.Options{Verbosity: 10})
}

func (l *logLines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

var (
	alice = &user.DefaultInfo{Name: "alice", Groups: []string{"developers", user.AllAuthenticated}}
	bob   = &user.DefaultInfo{Name: "bob", Groups: []string{user.AllAuthenticated}}
)

// status decodes a response that must be a Kubernetes Status.
func status(t *testing.T, rec *httptest.ResponseRecorder) metav1.Status {
	t.Helper()
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type = %q, want application/json; body %s", ct, rec.Body)
	}
	var st metav1.Status
	if err := json.Unmarshal(rec.Body.Bytes(), &st); err != nil {
		t.Fatalf("the body is not a Status: %v: %s", err, rec.Body)
	}
	if st.Kind != "Status" || st.APIVersion != "v1" || st.Status != metav1.StatusFailure {
		t.Fatalf("kind/apiVersion/status = %s/%s/%s, want Status/v1/Failure", st.Kind, st.APIVersion, st.Status)
	}
	if int(st.Code) != rec.Code {
		t.Fatalf("Status code %d differs from the HTTP code %d", st.Code, rec.Code)
	}
	return st
}

// reached is a handler that records that it ran and answers 200.
type reached struct {
	ran bool
	req *http.Request
}

func (h *reached) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.ran, h.req = true, r
	w.WriteHeader(http.StatusOK)
}
