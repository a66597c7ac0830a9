package topology

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
	"k8s.io/apiserver/pkg/authentication/user"

	"github.com/superkube/super-kubenetes/internal/apiserver/request"
	"github.com/superkube/super-kubenetes/internal/authz"
	"github.com/superkube/super-kubenetes/internal/servicemesh/topology"
)

type allow bool

func (a allow) Authorize(*authz.Attributes) authz.Decision { return authz.Decision{Allowed: bool(a)} }

type empty struct{}

func (empty) Query(context.Context, string, time.Time) (model.Value, error) {
	return model.Vector{}, nil
}
func (empty) QueryRange(context.Context, string, promv1.Range) (model.Value, error) {
	return model.Matrix{}, nil
}

func serve(h *Handler, path string) *httptest.ResponseRecorder {
	mux := http.NewServeMux()
	h.Install(mux)
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req = req.WithContext(request.WithUser(req.Context(), &user.DefaultInfo{Name: "alice"}))
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, req)
	return rec
}

func TestWithoutPrometheusBothAnswer503(t *testing.T) {
	for _, h := range []*Handler{{Authorizer: allow(true)}, {Service: &topology.Service{}, Authorizer: allow(true)}} {
		for _, p := range []string{"/namespaces/a/topology", "/namespaces/a/services/web/versions/metrics"} {
			if rec := serve(h, Prefix+p); rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "not configured") {
				t.Errorf("%s: %d %s", p, rec.Code, rec.Body)
			}
		}
	}
}

func TestACallerWhoMayNotListPodsGets403(t *testing.T) {
	h := &Handler{Service: &topology.Service{Prometheus: empty{}}, Authorizer: allow(false)}
	if rec := serve(h, Prefix+"/namespaces/a/topology"); rec.Code != http.StatusForbidden {
		t.Errorf("%d %s", rec.Code, rec.Body)
	}
}

func TestAnEmptyGraphIsListsNotNull(t *testing.T) {
	h := &Handler{Service: &topology.Service{Prometheus: empty{}}, Authorizer: allow(true)}
	rec := serve(h, Prefix+"/namespaces/a/topology?duration=5m")
	var g map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &g); err != nil || rec.Code != http.StatusOK {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	if _, ok := g["nodes"].([]any); !ok {
		t.Errorf("nodes %v", g["nodes"])
	}
	if g["start"] == g["end"] {
		t.Errorf("window %v..%v", g["start"], g["end"])
	}
}

func TestStepDefaultsToAHundredthOfTheRange(t *testing.T) {
	now := time.Unix(100000, 0)
	r, err := stepRange(map[string][]string{"start": {"90000"}}, now)
	if err != nil || r.Step != 100*time.Second || !r.End.Equal(now) {
		t.Errorf("%+v %v", r, err)
	}
	if _, err := stepRange(map[string][]string{"start": {"0"}, "end": {"100000"}, "step": {"1s"}}, now); err == nil || !strings.Contains(err.Error(), "step") {
		t.Errorf("100,000 points: %v", err)
	}
}
