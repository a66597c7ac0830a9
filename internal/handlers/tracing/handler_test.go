package tracing

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/authentication/user"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/superkube/super-kubenetes/internal/apiserver/request"
	"github.com/superkube/super-kubenetes/internal/authz"
	"github.com/superkube/super-kubenetes/internal/testutil/statustest"
	"github.com/superkube/super-kubenetes/internal/tracing/jaeger"
)

// member may list pods in the namespaces given.
type member map[string]bool

func (m member) Authorize(a *authz.Attributes) authz.Decision {
	return authz.Decision{Allowed: a.Resource == "pods" && m[a.Namespace]}
}
func (m member) Visible(authz.Attributes) authz.Visibility { return authz.Visibility{Namespaces: m} }

// store answers one trace.
type store struct{ trace jaeger.Trace }

func (s *store) Services(context.Context) ([]string, error) {
	return []string{"web.a", "db.b", "api.a"}, nil
}
func (s *store) Operations(context.Context, string) ([]string, error) { return []string{"GET /"}, nil }
func (s *store) Search(context.Context, *jaeger.Query) ([]jaeger.Trace, error) {
	return []jaeger.Trace{s.trace}, nil
}
func (s *store) Trace(_ context.Context, id string) (*jaeger.Trace, error) {
	if id != s.trace.TraceID {
		return nil, jaeger.ErrNotFound
	}
	return &s.trace, nil
}

var created = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func handler(t *testing.T, st Store) *Handler {
	t.Helper()
	var objs []corev1.Namespace
	for _, ns := range []string{"a", "b"} {
		objs = append(objs, corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns, CreationTimestamp: metav1.NewTime(created)}})
	}
	c := fake.NewClientBuilder().WithObjects(&objs[0], &objs[1]).Build()
	return &Handler{Store: st, Authorizer: member{"a": true}, Reader: c, Now: func() time.Time { return created.Add(time.Hour) }}
}

func serve(h *Handler, path string) *httptest.ResponseRecorder {
	mux := http.NewServeMux()
	h.Install(mux)
	req := httptest.NewRequest(http.MethodGet, Prefix+"/namespaces/a/tracing"+path, nil)
	req = req.WithContext(request.WithUser(req.Context(), &user.DefaultInfo{Name: "alice"}))
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, req)
	return rec
}

func TestWithoutJaegerTheAPIAnswers503(t *testing.T) {
	h := handler(t, nil)
	for _, p := range []string{"/services", "/traces?service=web.a", "/traces/abc"} {
		st := statustest.Failure(t, serve(h, p))
		if st.Code != http.StatusServiceUnavailable || !strings.Contains(st.Message, "tracing is not configured") {
			t.Errorf("%s: %d %q", p, st.Code, st.Message)
		}
	}
}

// us is a time after the namespaces' creation, in microseconds.
func us(d time.Duration) int64 { return created.Add(d).UnixMicro() }

// A trace a → b → a → (b's child) shows a's spans re-parented, b's
// hidden and counted, and a span of a older than a's creation dropped.
func TestTrimKeepsTheCallersSpansInTreeOrder(t *testing.T) {
	tr := jaeger.Trace{TraceID: "abc", Processes: map[string]jaeger.Process{
		"p1": {ServiceName: "web.a"},
		"p2": {ServiceName: "db", Tags: []jaeger.KeyValue{{Key: "k8s.namespace.name", Type: "string", Value: "b"}}},
		"p3": {ServiceName: "api.a"},
	}}
	child := func(id, parent string) []jaeger.Reference {
		if parent == "" {
			return nil
		}
		return []jaeger.Reference{{RefType: "CHILD_OF", TraceID: "abc", SpanID: parent}}
	}
	for _, s := range []struct {
		id, parent, proc string
		start            time.Duration
	}{
		{"1", "", "p1", time.Minute},
		{"2", "1", "p2", time.Minute + time.Millisecond},
		{"3", "2", "p3", time.Minute + 2*time.Millisecond},
		{"4", "1", "p1", time.Minute + 5*time.Millisecond},
		{"5", "", "p1", -time.Hour},
	} {
		tr.Spans = append(tr.Spans, jaeger.Span{TraceID: "abc", SpanID: s.id, References: child(s.id, s.parent), ProcessID: s.proc,
			StartTime: us(s.start), Duration: 1000, OperationName: "op" + s.id})
	}
	h := handler(t, &store{trace: tr})
	rec := serve(h, "/traces/ABC")
	if rec.Code != http.StatusOK {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	var got Trace
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, s := range got.Spans {
		order = append(order, s.SpanID+"<"+s.ParentSpanID)
	}
	if strings.Join(order, " ") != "1< 3<1 4<1" || got.HiddenSpans != 2 || got.Spans[1].Depth != 1 || got.Spans[1].StartOffset != 2000 {
		t.Errorf("spans %v, hidden %d: %+v", order, got.HiddenSpans, got)
	}
	if strings.Contains(rec.Body.String(), `"db"`) {
		t.Errorf("b's service shows: %s", rec.Body)
	}
	// Listed services are a's only.
	if rec := serve(h, "/services"); !strings.Contains(rec.Body.String(), `"api.a"`) || strings.Contains(rec.Body.String(), "db.b") {
		t.Errorf("services: %s", rec.Body)
	}
}

func TestATraceWithoutTheNamespacesSpansIsNotFound(t *testing.T) {
	tr := jaeger.Trace{TraceID: "abc", Processes: map[string]jaeger.Process{"p": {ServiceName: "db.b"}},
		Spans: []jaeger.Span{{TraceID: "abc", SpanID: "1", ProcessID: "p", StartTime: us(time.Minute)}}}
	st := statustest.Failure(t, serve(handler(t, &store{trace: tr}), "/traces/abc"))
	if st.Code != http.StatusNotFound {
		t.Errorf("%d %s", st.Code, st.Message)
	}
}
