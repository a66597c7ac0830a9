package filters_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/go-logr/logr"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	"github.com/superkube/super-kubenetes/internal/apiserver/filters"
	"github.com/superkube/super-kubenetes/internal/apiserver/request"
	"github.com/superkube/super-kubenetes/internal/apiserver/responsewriters"
)

func TestWithPanicRecovery(t *testing.T) {
	const secret = "secret-panic-value-db-password=hunter2"
	tests := []struct {
		name     string
		handler  http.HandlerFunc
		wantCode int
	}{
		{"a handler that panics with a string is a 500 Status that shows nothing of the panic",
			func(http.ResponseWriter, *http.Request) { panic(secret) }, http.StatusInternalServerError},
		{"a handler that panics with an error is a 500 Status that shows nothing of the panic",
			func(http.ResponseWriter, *http.Request) { panic(errors.New(secret)) }, http.StatusInternalServerError},
		{"a handler that panics with an API status error is still a plain 500 Status",
			func(http.ResponseWriter, *http.Request) {
				panic(apierrors.NewForbidden(schema.GroupResource{Resource: "pods"}, secret, errors.New(secret)))
			},
			http.StatusInternalServerError},
		{"a handler that does not panic is answered as it answers",
			func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }, http.StatusNoContent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs logLines
			h := filters.WithPanicRecovery(tt.handler, logs.logger())
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/namespaces/dev/pods", nil))

			if rec.Code != tt.wantCode {
				t.Fatalf("code = %d, want %d", rec.Code, tt.wantCode)
			}
			if tt.wantCode != http.StatusInternalServerError {
				if logs.String() != "" {
					t.Errorf("a request that did not panic logged %q", logs.String())
				}
				return
			}
			st := status(t, rec)
			if st.Code != http.StatusInternalServerError || st.Reason != metav1.StatusReasonInternalError {
				t.Errorf("Status code/reason = %d/%s, want 500/InternalError", st.Code, st.Reason)
			}
			body := rec.Body.String()
			for _, leak := range []string{"hunter2", "secret-panic-value", "goroutine", ".go:", "runtime/debug", "panic("} {
				if strings.Contains(body, leak) {
					t.Errorf("the body shows %q: %s", leak, body)
				}
			}
			// The operator, on the other hand, gets the panic and the stack.
			if l := logs.String(); !strings.Contains(l, "secret-panic-value") || !strings.Contains(l, "goroutine") {
				t.Errorf("the log lacks the panic value or the stack: %s", l)
			}
		})
	}
}

func TestWithPanicRecoveryRepanicsErrAbortHandler(t *testing.T) {
	h := filters.WithPanicRecovery(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic(http.ErrAbortHandler)
	}), logr.Discard())
	rec := httptest.NewRecorder()
	defer func() {
		if v := recover(); v != http.ErrAbortHandler {
			t.Fatalf("recovered %v, want http.ErrAbortHandler panicked again", v)
		}
		if rec.Body.Len() != 0 {
			t.Errorf("an aborted request got a body: %s", rec.Body)
		}
	}()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/watch", nil))
	t.Fatal("ServeHTTP returned although the handler aborted")
}

func TestWithRequestID(t *testing.T) {
	generated := regexp.MustCompile(`^[0-9a-f]{24}$`)
	tests := []struct {
		name     string
		incoming string // "" sends no header
		wantKept bool
	}{
		{"a well-formed incoming id is kept and echoed", "client-Req.0001_abc", true},
		{"an incoming id of exactly 64 allowed characters is kept", strings.Repeat("a", 64), true},
		{"a missing id is replaced by a generated one", "", false},
		{"an id shorter than 8 characters is replaced", "abc", false},
		{"an id longer than 64 characters is replaced", strings.Repeat("a", 65), false},
		{"an id with spaces is replaced", "bad id with spaces", false},
		{"an id with markup is replaced", "abcdefgh<script>", false},
		{"an id trying to inject a log field is replaced", `abcdefgh" "user"="admin`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs logLines
			var ctxID string
			h := filters.WithRequestID(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				ctxID = request.IDFrom(r.Context())
				logr.FromContextOrDiscard(r.Context()).Info("Handling")
				w.WriteHeader(http.StatusOK)
			}), logs.logger())
			req := httptest.NewRequest(http.MethodGet, "/healthz", nil)
			if tt.incoming != "" {
				req.Header.Set(filters.RequestIDHeader, tt.incoming)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)

			echoed := rec.Header().Get(filters.RequestIDHeader)
			if echoed == "" || echoed != ctxID {
				t.Fatalf("echoed id %q, id in the context %q: want the same, non-empty", echoed, ctxID)
			}
			if tt.wantKept && echoed != tt.incoming {
				t.Errorf("id = %q, want the incoming %q kept", echoed, tt.incoming)
			}
			if !tt.wantKept && !generated.MatchString(echoed) {
				t.Errorf("id = %q, want a generated id of 24 hex characters", echoed)
			}
			if l := logs.String(); !strings.Contains(l, `"requestID"="`+echoed+`"`) {
				t.Errorf("the context's logger does not carry the id: %s", l)
			}
		})
	}

	t.Run("generated ids differ from request to request", func(t *testing.T) {
		h := filters.WithRequestID(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}), logr.Discard())
		seen := map[string]bool{}
		for range 50 {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
			id := rec.Header().Get(filters.RequestIDHeader)
			if seen[id] {
				t.Fatalf("id %q generated twice", id)
			}
			seen[id] = true
		}
	})
}

// readsBody reads the whole body and answers 200 with its length, or the
// Status BodyError makes of the read error, as handlers do.
type readsBody struct{ ran bool }

func (h *readsBody) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.ran = true
	b, err := io.ReadAll(r.Body)
	if err != nil {
		responsewriters.WriteStatus(w, filters.BodyError(err))
		return
	}
	_, _ = io.WriteString(w, strconv.Itoa(len(b)))
}

// unsized hides the length of a reader so that the request is chunked.
type unsized struct{ io.Reader }

func TestWithBodyLimit(t *testing.T) {
	const limit = 1024
	sized := func(n int) io.Reader { return strings.NewReader(strings.Repeat("x", n)) }
	chunked := func(n int) io.Reader { return unsized{strings.NewReader(strings.Repeat("x", n))} }
	tests := []struct {
		name        string
		body        io.Reader
		wantCode    int
		wantHandler bool
	}{
		{"a declared Content-Length over the limit is 413 before the handler runs", sized(limit + 1), http.StatusRequestEntityTooLarge, false},
		{"a chunked body over the limit fails the handler's read, which BodyError makes 413", chunked(4 * limit), http.StatusRequestEntityTooLarge, true},
		{"a declared body exactly at the limit passes", sized(limit), http.StatusOK, true},
		{"a chunked body exactly at the limit passes", chunked(limit), http.StatusOK, true},
		{"a small body passes", sized(10), http.StatusOK, true},
		{"a request without a body passes", nil, http.StatusOK, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inner := &readsBody{}
			h := filters.WithBodyLimit(inner, limit)
			req := httptest.NewRequest(http.MethodPost, "/api/v1/namespaces/dev/configmaps", tt.body)
			if _, ok := tt.body.(unsized); ok {
				req.TransferEncoding = []string{"chunked"}
				if req.ContentLength != -1 {
					t.Fatalf("the test's chunked request declares a length %d", req.ContentLength)
				}
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)

			if rec.Code != tt.wantCode {
				t.Fatalf("code = %d, want %d; body %s", rec.Code, tt.wantCode, rec.Body)
			}
			if inner.ran != tt.wantHandler {
				t.Errorf("handler ran = %v, want %v", inner.ran, tt.wantHandler)
			}
			if tt.wantCode == http.StatusRequestEntityTooLarge {
				st := status(t, rec)
				if st.Reason != metav1.StatusReasonRequestEntityTooLarge || !strings.Contains(st.Message, "1 KiB") {
					t.Errorf("Status reason/message = %s/%q, want RequestEntityTooLarge naming the limit of 1 KiB", st.Reason, st.Message)
				}
			}
		})
	}
}

func TestWithBodyLimitOverAConnection(t *testing.T) {
	const limit = 1024
	srv := httptest.NewServer(filters.WithBodyLimit(&readsBody{}, limit))
	t.Cleanup(srv.Close)
	tests := []struct {
		name     string
		body     io.Reader
		wantCode int
	}{
		{"a chunked body over the limit is 413", unsized{strings.NewReader(strings.Repeat("x", 8*limit))}, http.StatusRequestEntityTooLarge},
		{"a declared body over the limit is 413", strings.NewReader(strings.Repeat("x", 8*limit)), http.StatusRequestEntityTooLarge},
		{"a chunked body within the limit passes", unsized{strings.NewReader("small")}, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+"/api/v1/namespaces/dev/configmaps", tt.body)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != tt.wantCode {
				b, _ := io.ReadAll(resp.Body)
				t.Fatalf("code = %d, want %d; body %s", resp.StatusCode, tt.wantCode, b)
			}
		})
	}
}

func TestBodyError(t *testing.T) {
	tests := []struct {
		name       string
		err        error
		wantCode   int32
		wantReason metav1.StatusReason
		wantInMsg  string
	}{
		{"a body over the limit is 413 naming the limit in MiB", &http.MaxBytesError{Limit: 3 << 20}, http.StatusRequestEntityTooLarge, metav1.StatusReasonRequestEntityTooLarge, "3 MiB"},
		{"a wrapped body-over-the-limit error is still 413", fmt.Errorf("decoding: %w", &http.MaxBytesError{Limit: 1000}), http.StatusRequestEntityTooLarge, metav1.StatusReasonRequestEntityTooLarge, "1000 bytes"},
		{"any other read error is 400", io.ErrUnexpectedEOF, http.StatusBadRequest, metav1.StatusReasonBadRequest, "could not be read"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var se apierrors.APIStatus
			if !errors.As(filters.BodyError(tt.err), &se) {
				t.Fatalf("BodyError(%v) is not an API status", tt.err)
			}
			st := se.Status()
			if st.Code != tt.wantCode || st.Reason != tt.wantReason || !strings.Contains(st.Message, tt.wantInMsg) {
				t.Errorf("Status = %d/%s/%q, want %d/%s containing %q", st.Code, st.Reason, st.Message, tt.wantCode, tt.wantReason, tt.wantInMsg)
			}
		})
	}
}

func TestWithRequestInfo(t *testing.T) {
	tests := []struct {
		name      string
		method    string
		target    string
		want      *request.Info // checked fields only; nil for a 400
		wantField string
	}{
		{"a namespaced object path puts its info in the context", http.MethodDelete, "/api/v1/namespaces/dev/pods/web-1",
			&request.Info{IsResourceRequest: true, Verb: "delete", Namespace: "dev", Resource: "pods", Name: "web-1", Level: iamv1beta1.LevelNamespace}, ""},
		{"a watch query makes the verb watch", http.MethodGet, "/apis/apps/v1/namespaces/dev/deployments?watch=true",
			&request.Info{IsResourceRequest: true, Verb: "watch", APIGroup: "apps", Namespace: "dev", Resource: "deployments", Level: iamv1beta1.LevelNamespace}, ""},
		{"a non-resource path is not a resource request", http.MethodGet, "/healthz",
			&request.Info{Verb: "get", Level: iamv1beta1.LevelGlobal}, ""},
		{"an encoded slash in a name is 400 naming the name", http.MethodGet, "/api/v1/namespaces/dev/secrets/a%2F..%2Fb", nil, "name"},
		{"an encoded slash in a namespace is 400 naming the namespace", http.MethodGet, "/api/v1/namespaces/dev%2Fx/secrets", nil, "namespace"},
		{"a .. segment is 400 naming the path", http.MethodGet, "/api/v1/namespaces/dev/../kube-system/secrets", nil, "path"},
		{"an encoded .. segment is 400 naming the path", http.MethodGet, "/api/v1/namespaces/dev/%2E%2E/kube-system/secrets", nil, "path"},
		{"an encoded slash in a workspace is 400 naming the workspace", http.MethodGet, "/kapis/tenant.superkube.io/v1beta1/workspaces/a%2Fb/namespaces", nil, "workspace"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got *request.Info
			inner := &reached{}
			h := filters.WithRequestInfo(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				got, _ = request.InfoFrom(r.Context())
				inner.ServeHTTP(w, r)
			}))
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(tt.method, tt.target, nil))

			if tt.want == nil {
				if inner.ran {
					t.Fatal("the handler ran for a malformed path")
				}
				st := status(t, rec)
				if st.Code != http.StatusBadRequest || st.Reason != metav1.StatusReasonBadRequest {
					t.Fatalf("Status = %d/%s, want 400/BadRequest", st.Code, st.Reason)
				}
				if st.Details == nil || len(st.Details.Causes) != 1 || st.Details.Causes[0].Field != tt.wantField {
					t.Fatalf("Status details = %+v, want one cause for field %q", st.Details, tt.wantField)
				}
				return
			}
			if rec.Code != http.StatusOK || got == nil {
				t.Fatalf("code = %d, info %v: want 200 with info in the context", rec.Code, got)
			}
			if got.IsResourceRequest != tt.want.IsResourceRequest || got.Verb != tt.want.Verb || got.APIGroup != tt.want.APIGroup ||
				got.Namespace != tt.want.Namespace || got.Resource != tt.want.Resource || got.Name != tt.want.Name || got.Level != tt.want.Level {
				t.Errorf("info = %+v, want %+v", got, tt.want)
			}
		})
	}
}
