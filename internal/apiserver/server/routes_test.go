package server_test

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/superkube/super-kubenetes/internal/apiserver/openapi"
	"github.com/superkube/super-kubenetes/internal/apiserver/server"
	"github.com/superkube/super-kubenetes/internal/audit"
	confighandlers "github.com/superkube/super-kubenetes/internal/handlers/config"
	iamhandlers "github.com/superkube/super-kubenetes/internal/handlers/iam"
	logginghandlers "github.com/superkube/super-kubenetes/internal/handlers/logging"
	monitoringhandlers "github.com/superkube/super-kubenetes/internal/handlers/monitoring"
	"github.com/superkube/super-kubenetes/internal/handlers/resources"
	tenanthandlers "github.com/superkube/super-kubenetes/internal/handlers/tenant"
	"github.com/superkube/super-kubenetes/internal/oauth"
	"github.com/superkube/super-kubenetes/internal/testutil/statustest"
)

// TestEveryRouteAnswersAMethodItDoesNotTakeWith405AndAllow sends, to every
// path of every API package, a method the path does not take.
func TestEveryRouteAnswersAMethodItDoesNotTakeWith405AndAllow(t *testing.T) {
	routes := []server.Route{&oauth.Server{}, &iamhandlers.Handlers{}, &resources.Handler{}, &tenanthandlers.Handlers{}, &confighandlers.Handlers{}, &monitoringhandlers.Handler{}, &logginghandlers.Handler{}}
	h := server.NewHandler(server.Deps{
		Log: logr.Discard(), Tokens: tokens{}, Authorizer: authorizer{}, Audit: audit.Sinks{},
		Ready: func() error { return nil }, MaxBodyBytes: 1 << 20, Registry: prometheus.NewRegistry(), Routes: routes,
	})
	rec := &openapi.Recorder{}
	for _, r := range routes {
		r.Install(rec)
	}
	methods := map[string][]string{}
	for _, p := range rec.Patterns {
		method, path, _ := strings.Cut(p, " ")
		methods[path] = append(methods[path], method)
	}
	if len(methods) < 40 {
		t.Fatalf("only %d paths registered; the route table was not read", len(methods))
	}
	param := regexp.MustCompile(`\{[a-zA-Z]+\}`)
	for path, allowed := range methods {
		slices.Sort(allowed)
		wrong := ""
		for _, m := range []string{http.MethodPatch, http.MethodDelete, http.MethodPut, http.MethodPost, http.MethodGet} {
			if !slices.Contains(allowed, m) {
				wrong = m
				break
			}
		}
		t.Run(wrong+" "+path, func(t *testing.T) {
			req := httptest.NewRequest(wrong, param.ReplaceAllString(path, "x1"), nil)
			req.Header.Set("Authorization", "Bearer alice-token")
			rr := httptest.NewRecorder()
			h.ServeHTTP(rr, req)
			if rr.Code != http.StatusMethodNotAllowed {
				t.Fatalf("code %d, want 405: %s", rr.Code, rr.Body)
			}
			statustest.Failure(t, rr)
			if got, want := rr.Header().Get("Allow"), strings.Join(allowed, ", "); got != want {
				t.Errorf("Allow %q, want %q", got, want)
			}
		})
	}
}
