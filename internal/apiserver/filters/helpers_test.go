package filters_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/authentication/user"

	"github.com/superkube/super-kubenetes/internal/audit"
	"github.com/superkube/super-kubenetes/internal/authn"
	"github.com/superkube/super-kubenetes/internal/authz"
	"github.com/superkube/super-kubenetes/internal/testutil/statustest"
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
type logLines = statustest.LogLines

var (
	alice = &user.DefaultInfo{Name: "alice", Groups: []string{"developers", user.AllAuthenticated}}
	bob   = &user.DefaultInfo{Name: "bob", Groups: []string{user.AllAuthenticated}}
)

// status decodes a response that must be a Kubernetes Status.
func status(t *testing.T, rec *httptest.ResponseRecorder) metav1.Status {
	t.Helper()
	return statustest.Failure(t, rec)
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
