package httpfilters_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/go-logr/logr"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/superkube/super-kubenetes/internal/apiserver/request"
	"github.com/superkube/super-kubenetes/internal/httpfilters"
	"github.com/superkube/super-kubenetes/internal/testutil/statustest"
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
			var logs statustest.LogLines
			h := httpfilters.WithPanicRecovery(tt.handler, logs.Logger())
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
			st := statustest.Failure(t, rec)
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
	h := httpfilters.WithPanicRecovery(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
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
			var logs statustest.LogLines
			var ctxID string
			h := httpfilters.WithRequestID(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				ctxID = request.IDFrom(r.Context())
				logr.FromContextOrDiscard(r.Context()).Info("Handling")
				w.WriteHeader(http.StatusOK)
			}), logs.Logger())
			req := httptest.NewRequest(http.MethodGet, "/healthz", nil)
			if tt.incoming != "" {
				req.Header.Set(httpfilters.RequestIDHeader, tt.incoming)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)

			echoed := rec.Header().Get(httpfilters.RequestIDHeader)
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
		h := httpfilters.WithRequestID(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}), logr.Discard())
		seen := map[string]bool{}
		for range 50 {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
			id := rec.Header().Get(httpfilters.RequestIDHeader)
			if seen[id] {
				t.Fatalf("id %q generated twice", id)
			}
			seen[id] = true
		}
	})
}

func TestRecorderNotesTheAnswer(t *testing.T) {
	tests := []struct {
		name      string
		handler   http.HandlerFunc
		wantCode  int
		wantBytes int64
	}{
		{"a handler that writes nothing answered 200", func(http.ResponseWriter, *http.Request) {}, http.StatusOK, 0},
		{"a body without a header is 200", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("hello")) }, http.StatusOK, 5},
		{"the first code counts", func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusNotFound)
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write([]byte("gone"))
		}, http.StatusNotFound, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inner := httptest.NewRecorder()
			rec := &httpfilters.Recorder{ResponseWriter: inner}
			tt.handler(rec, httptest.NewRequest(http.MethodGet, "/", nil))
			if rec.Answered() != tt.wantCode || rec.Bytes != tt.wantBytes {
				t.Fatalf("noted %d and %d bytes, want %d and %d", rec.Answered(), rec.Bytes, tt.wantCode, tt.wantBytes)
			}
			if rec.Unwrap() != inner {
				t.Fatal("Unwrap does not reach the wrapped writer")
			}
		})
	}
}
