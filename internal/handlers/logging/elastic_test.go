package logging_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/authentication/user"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/superkube/super-kubenetes/internal/apiserver/request"
	"github.com/superkube/super-kubenetes/internal/authz"
	logginghandlers "github.com/superkube/super-kubenetes/internal/handlers/logging"
	"github.com/superkube/super-kubenetes/internal/logging/elastic"
	"github.com/superkube/super-kubenetes/internal/scheme"
	"github.com/superkube/super-kubenetes/internal/testutil/statustest"
)

// admin may read everything.
type admin struct{}

func (admin) Authorize(*authz.Attributes) authz.Decision { return authz.Decision{Allowed: true} }
func (admin) Visible(authz.Attributes) authz.Visibility  { return authz.Visibility{All: true} }

// An Elasticsearch cluster that answers 503 (a cluster block, as recorded
// in package elastic's testdata) is a 503 Status with Retry-After for every
// search, and neither its message nor the credentials reach the caller.
func TestElasticsearchDownIs503WithoutItsMessage(t *testing.T) {
	recorded, err := os.ReadFile(filepath.Join("..", "..", "logging", "elastic", "testdata", "es8", "error_503_cluster_block.json"))
	if err != nil {
		t.Fatal(err)
	}
	var asked atomic.Int32
	es := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		asked.Add(1)
		w.Header().Set("X-Elastic-Product", "Elasticsearch")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write(recorded)
	}))
	defer es.Close()
	pw := filepath.Join(t.TempDir(), "password")
	if err := os.WriteFile(pw, []byte("s3cret-never-shown"), 0o600); err != nil {
		t.Fatal(err)
	}
	store, err := elastic.New(elastic.Config{Addresses: []string{es.URL}, Username: "superkube", PasswordFile: pw}, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	shop := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "shop", CreationTimestamp: metav1.Now()}}
	h := &logginghandlers.Handler{Service: store, Authorizer: admin{},
		Reader: fake.NewClientBuilder().WithScheme(scheme.New()).WithObjects(shop).Build()}
	mux := http.NewServeMux()
	h.Install(mux)
	for _, path := range []string{"/logs", "/namespaces/shop/logs?operation=histogram", "/logs?operation=statistics",
		"/logs?operation=export", "/logs?operation=tail", "/events", "/auditing/events?operation=histogram"} {
		t.Run(path, func(t *testing.T) {
			before := asked.Load()
			req := httptest.NewRequest(http.MethodGet, logginghandlers.Prefix+path, nil)
			req = req.WithContext(request.WithUser(req.Context(), &user.DefaultInfo{Name: "admin"}))
			rec := httptest.NewRecorder()
			mux.ServeHTTP(rec, req)
			if rec.Code != http.StatusServiceUnavailable {
				t.Fatalf("%d %s, want 503", rec.Code, rec.Body)
			}
			st := statustest.Failure(t, rec)
			if st.Reason != metav1.StatusReasonServiceUnavailable || rec.Header().Get("Retry-After") == "" {
				t.Errorf("reason %s, Retry-After %q", st.Reason, rec.Header().Get("Retry-After"))
			}
			for _, leak := range []string{"blocked", "cluster_block", "s3cret", "superkube", "_search"} {
				if strings.Contains(rec.Body.String(), leak) {
					t.Errorf("the answer holds %q: %s", leak, rec.Body)
				}
			}
			if asked.Load() == before {
				t.Error("the store was not asked")
			}
		})
	}
}
