package monitoring_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/authentication/user"

	"github.com/superkube/super-kubenetes/internal/apiserver/request"
	"github.com/superkube/super-kubenetes/internal/authz"
	monitoringhandlers "github.com/superkube/super-kubenetes/internal/handlers/monitoring"
	"github.com/superkube/super-kubenetes/internal/monitoring/catalog"
	monitoringsvc "github.com/superkube/super-kubenetes/internal/services/monitoring"
	"github.com/superkube/super-kubenetes/internal/testutil/statustest"
)

// admin may do everything.
type admin struct{}

func (admin) Authorize(*authz.Attributes) authz.Decision { return authz.Decision{Allowed: true} }
func (admin) Visible(authz.Attributes) authz.Visibility  { return authz.Visibility{All: true} }
func (admin) IsPlatformAdmin(authz.Subject) bool         { return true }

func serve(t *testing.T, h *monitoringhandlers.Handler, path string) *httptest.ResponseRecorder {
	t.Helper()
	mux := http.NewServeMux()
	h.Install(mux)
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req = req.WithContext(request.WithUser(req.Context(), &user.DefaultInfo{Name: "alice"}))
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, req)
	return rec
}

// Without a Prometheus URL every level and the raw query answer 503
// "monitoring is not configured"; the catalog still answers.
func TestWithoutPrometheusTheAPIAnswers503(t *testing.T) {
	h := &monitoringhandlers.Handler{Service: &monitoringsvc.Service{Catalog: catalog.New()}, Authorizer: admin{}}
	for _, p := range []string{"/cluster", "/namespaces/dev/pods", "/query?query=up"} {
		rec := serve(t, h, monitoringhandlers.Prefix+p)
		st := statustest.Failure(t, rec)
		if st.Code != http.StatusServiceUnavailable || st.Reason != metav1.StatusReasonServiceUnavailable || !strings.Contains(st.Message, "monitoring is not configured") {
			t.Errorf("%s: %d %s %q", p, st.Code, st.Reason, st.Message)
		}
	}
	if rec := serve(t, h, monitoringhandlers.Prefix+"/metrics?"+url.Values{"level": {"pod"}}.Encode()); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"pod_cpu_usage"`) {
		t.Errorf("catalog: %d %s", rec.Code, rec.Body)
	}
}
