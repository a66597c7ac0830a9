package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/authentication/user"

	"github.com/superkube/super-kubenetes/internal/apiserver/filters"
	"github.com/superkube/super-kubenetes/internal/apiserver/routes"
	"github.com/superkube/super-kubenetes/internal/apiserver/server"
	"github.com/superkube/super-kubenetes/internal/audit"
	"github.com/superkube/super-kubenetes/internal/authn"
	"github.com/superkube/super-kubenetes/internal/authz"
	"github.com/superkube/super-kubenetes/internal/httpfilters"
)

// tokens accepts one token, for alice.
type tokens struct{}

func (tokens) AuthenticateToken(_ context.Context, raw string) (*authn.Result, error) {
	if raw == "alice-token" {
		return &authn.Result{User: &user.DefaultInfo{Name: "alice", Groups: []string{user.AllAuthenticated}}}, nil
	}
	return nil, fmt.Errorf("%w: unknown token", authn.ErrUnauthenticated)
}

// authorizer allows alice everything and nobody else anything.
type authorizer struct{}

func (authorizer) Authorize(a *authz.Attributes) authz.Decision {
	return authz.Decision{Allowed: a.User == "alice"}
}

type routeFunc func(mux routes.Mux)

func (f routeFunc) Install(mux routes.Mux) { f(mux) }

var (
	_ filters.TokenAuthenticator = tokens{}
	_ filters.Authorizer         = authorizer{}
)

func TestNewHandlerOrder(t *testing.T) {
	h := server.NewHandler(server.Deps{
		Log: logr.Discard(), Tokens: tokens{}, Authorizer: authorizer{}, Audit: audit.Sinks{},
		Ready: func() error { return nil }, MaxBodyBytes: 1 << 20, Registry: prometheus.NewRegistry(),
		Routes: []server.Route{routeFunc(func(mux routes.Mux) {
			mux.Handle("/api/v1/namespaces/{namespace}/pods/{name}", routes.Methods{http.MethodGet: func(w http.ResponseWriter, r *http.Request) {
				_, _ = fmt.Fprintf(w, `{"kind":"Pod","metadata":{"name":%q}}`, r.PathValue("name"))
			}})
			mux.Handle("/debug/panic", routes.Methods{http.MethodGet: func(http.ResponseWriter, *http.Request) { panic("route panicked") }})
		})},
	})

	// The cases run in order on one handler: the last reads the metrics
	// the others made.
	tests := []struct {
		name       string
		method     string
		path       string
		token      string
		body       string
		wantCode   int
		wantReason metav1.StatusReason // "" when the answer is not a Status
		check      func(t *testing.T, body string)
	}{
		{name: "an unauthenticated request to a protected path is 401",
			method: http.MethodGet, path: "/api/v1/namespaces/dev/pods/web-1",
			wantCode: http.StatusUnauthorized, wantReason: metav1.StatusReasonUnauthorized},
		{name: "/healthz is 200 without credentials",
			method: http.MethodGet, path: "/healthz", wantCode: http.StatusOK},
		{name: "/readyz is 200 without credentials while the server is ready",
			method: http.MethodGet, path: "/readyz", wantCode: http.StatusOK},
		{name: "/metrics is protected",
			method: http.MethodGet, path: "/metrics", wantCode: http.StatusUnauthorized, wantReason: metav1.StatusReasonUnauthorized},
		{name: "credentials that do not authenticate are 401 even on a public path, as authentication comes first",
			method: http.MethodGet, path: "/healthz", token: "stolen", wantCode: http.StatusUnauthorized, wantReason: metav1.StatusReasonUnauthorized},
		{name: "a malformed path is 400 before authentication",
			method: http.MethodGet, path: "/api/v1/namespaces/dev/pods/a%2Fb", wantCode: http.StatusBadRequest, wantReason: metav1.StatusReasonBadRequest},
		{name: "a declared body over the limit is 413 before authentication",
			method: http.MethodPost, path: "/api/v1/namespaces/dev/pods", body: strings.Repeat("x", 1<<20+1),
			wantCode: http.StatusRequestEntityTooLarge, wantReason: metav1.StatusReasonRequestEntityTooLarge},
		{name: "an unknown path for an authorized user is a 404 Status",
			method: http.MethodGet, path: "/apis/nothing.example.com/v1/here", token: "alice-token",
			wantCode: http.StatusNotFound, wantReason: metav1.StatusReasonNotFound},
		{name: "a route for an authorized user is answered",
			method: http.MethodGet, path: "/api/v1/namespaces/dev/pods/web-1", token: "alice-token", wantCode: http.StatusOK},
		{name: "another object of the same route is answered",
			method: http.MethodGet, path: "/api/v1/namespaces/prod/pods/web-2", token: "alice-token", wantCode: http.StatusOK},
		{name: "a route that panics is a 500 Status, recovered outside everything",
			method: http.MethodGet, path: "/debug/panic", token: "alice-token",
			wantCode: http.StatusInternalServerError, wantReason: metav1.StatusReasonInternalError},
		{name: "/metrics counts requests by route pattern, not by raw path",
			method: http.MethodGet, path: "/metrics", token: "alice-token", wantCode: http.StatusOK,
			check: func(t *testing.T, body string) {
				for _, want := range []string{
					`ke_apiserver_requests_total{code="200",method="GET",route="/api/v1/namespaces/{namespace}/pods/{name}"} 2`,
					`ke_apiserver_requests_total{code="401",method="GET",route="/api/v1/namespaces/{namespace}/pods/{name}"} 1`,
					`ke_apiserver_requests_total{code="200",method="GET",route="/healthz"} 1`,
					`ke_apiserver_requests_total{code="401",method="GET",route="/healthz"} 1`,
					`ke_apiserver_requests_total{code="401",method="GET",route="/metrics"} 1`,
					`ke_apiserver_requests_total{code="404",method="GET",route="other"} 1`,
					`ke_apiserver_authorization_decisions_total{decision="allow"}`,
					`ke_apiserver_authorization_decisions_total{decision="deny"} 2`,
				} {
					if !strings.Contains(body, want) {
						t.Errorf("the metrics lack %s", want)
					}
				}
				for _, raw := range []string{"web-1", "web-2", "nothing.example.com", "/namespaces/dev/", "a%2Fb"} {
					if strings.Contains(body, raw) {
						t.Errorf("the metrics hold the raw path part %q", raw)
					}
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var req *http.Request
			if tt.body != "" {
				req = httptest.NewRequest(tt.method, tt.path, strings.NewReader(tt.body))
			} else {
				req = httptest.NewRequest(tt.method, tt.path, nil)
			}
			if tt.token != "" {
				req.Header.Set("Authorization", "Bearer "+tt.token)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)

			if rec.Code != tt.wantCode {
				t.Fatalf("code = %d, want %d; body %s", rec.Code, tt.wantCode, rec.Body)
			}
			if rec.Header().Get(httpfilters.RequestIDHeader) == "" {
				t.Error("the answer has no request id")
			}
			if tt.wantReason != "" {
				var st metav1.Status
				if err := json.Unmarshal(rec.Body.Bytes(), &st); err != nil || st.Kind != "Status" {
					t.Fatalf("the body is not a Status (%v): %s", err, rec.Body)
				}
				if int(st.Code) != tt.wantCode || st.Reason != tt.wantReason {
					t.Errorf("Status = %d/%s, want %d/%s", st.Code, st.Reason, tt.wantCode, tt.wantReason)
				}
			}
			if tt.check != nil {
				tt.check(t, rec.Body.String())
			}
		})
	}
}

// A webhook reaches its handler with its own bearer token, past the
// platform's authentication (which would refuse the token) and
// authorization, also outside /webhooks/ (Alertmanager's notifications
// under /kapis).
func TestWebhooksPassThePlatformsAuthentication(t *testing.T) {
	const path = "/kapis/notification.superkube.io/v2beta2/alertmanager/webhook"
	h := server.NewHandler(server.Deps{
		Log: logr.Discard(), Tokens: tokens{}, Authorizer: authorizer{}, Audit: audit.Sinks{},
		Ready: func() error { return nil }, MaxBodyBytes: 1 << 20, Registry: prometheus.NewRegistry(),
		Webhooks: map[string]http.Handler{path: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") != "Bearer alertmanager-token" {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			w.WriteHeader(http.StatusAccepted)
		})},
	})
	for auth, want := range map[string]int{"Bearer alertmanager-token": http.StatusAccepted, "Bearer alice-token": http.StatusUnauthorized, "": http.StatusUnauthorized} {
		req := httptest.NewRequest(http.MethodPost, path, strings.NewReader("{}"))
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != want {
			t.Errorf("%q: %d, want %d", auth, w.Code, want)
		}
	}
	// A neighbouring path is the platform's: the token is refused there.
	req := httptest.NewRequest(http.MethodPost, path+"x", strings.NewReader("{}"))
	req.Header.Set("Authorization", "Bearer alertmanager-token")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != http.StatusUnauthorized {
		t.Errorf("neighbour: %d, want 401", w.Code)
	}
}
