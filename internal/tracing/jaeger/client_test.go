package jaeger

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestQueryValuesAreJaegers(t *testing.T) {
	q := &Query{Service: "web.a", Operation: "GET /", Tags: map[string]string{"error": "true"}, MinDuration: 100 * time.Millisecond,
		Start: time.UnixMicro(1000), End: time.UnixMicro(2000), Limit: 20}
	v := q.Values()
	for k, want := range map[string]string{"service": "web.a", "operation": "GET /", "tags": `{"error":"true"}`, "minDuration": "100ms",
		"start": "1000", "end": "2000", "limit": "20"} {
		if v.Get(k) != want {
			t.Errorf("%s=%q, want %q", k, v.Get(k), want)
		}
	}
	if v.Has("maxDuration") {
		t.Errorf("maxDuration without one: %v", v)
	}
}

func TestAnswersAndFailuresAreTyped(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/services":
			_, _ = w.Write([]byte(`{"data":["web.a","db.b"],"total":2,"errors":null}`))
		case "/api/traces/abc":
			_, _ = w.Write([]byte(`{"data":[{"traceID":"abc","spans":[{"traceID":"abc","spanID":"1","operationName":"GET /","references":[{"refType":"CHILD_OF","traceID":"abc","spanID":"0"}],` +
				`"startTime":1000,"duration":5,"tags":[{"key":"n","type":"int64","value":7}],"logs":[],"processID":"p1"}],"processes":{"p1":{"serviceName":"web.a","tags":[]}}}]}`))
		case "/api/traces":
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"data":null,"errors":[{"code":400,"msg":"parameter 'service' is required"}]}`))
		case "/api/traces/def":
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"data":null,"errors":[{"code":404,"msg":"trace not found"}]}`))
		default:
			w.WriteHeader(http.StatusBadGateway)
		}
	}))
	defer srv.Close()
	c, err := New(srv.URL+"/", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if s, err := c.Services(ctx); err != nil || len(s) != 2 {
		t.Errorf("services %v %v", s, err)
	}
	tr, err := c.Trace(ctx, "abc")
	if err != nil || tr.Spans[0].Parent() != "0" || tr.Processes["p1"].ServiceName != "web.a" || tr.Spans[0].Tags[0].String() != "7" {
		t.Errorf("trace %+v %v", tr, err)
	}
	if _, err := c.Trace(ctx, "def"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing trace: %v", err)
	}
	var ae *APIError
	if _, err := c.Search(ctx, &Query{}); !errors.As(err, &ae) || ae.Message != "parameter 'service' is required" {
		t.Errorf("bad search: %v", err)
	}
	if _, err := c.Operations(ctx, "x"); !errors.Is(err, ErrUnavailable) {
		t.Errorf("a 502: %v", err)
	}
	if _, err := New("ftp://x", 0); err == nil {
		t.Error("an ftp URL is accepted")
	}
}
