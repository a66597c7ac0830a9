package requestbody_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/superkube/super-kubenetes/internal/apiserver/requestbody"
	"github.com/superkube/super-kubenetes/internal/apiserver/responsewriters"
	"github.com/superkube/super-kubenetes/internal/testutil/statustest"
)

// readsBody reads the whole body and answers 200 with its length, or the
// Status ReadError makes of the read error, as handlers do.
type readsBody struct{ ran bool }

func (h *readsBody) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.ran = true
	b, err := io.ReadAll(r.Body)
	if err != nil {
		responsewriters.WriteStatus(w, requestbody.ReadError(err))
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
		{"a chunked body over the limit fails the handler's read, which ReadError makes 413", chunked(4 * limit), http.StatusRequestEntityTooLarge, true},
		{"a declared body exactly at the limit passes", sized(limit), http.StatusOK, true},
		{"a chunked body exactly at the limit passes", chunked(limit), http.StatusOK, true},
		{"a small body passes", sized(10), http.StatusOK, true},
		{"a request without a body passes", nil, http.StatusOK, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inner := &readsBody{}
			h := requestbody.WithLimit(inner, limit)
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
				st := statustest.Failure(t, rec)
				if st.Reason != metav1.StatusReasonRequestEntityTooLarge || !strings.Contains(st.Message, "1 KiB") {
					t.Errorf("Status reason/message = %s/%q, want RequestEntityTooLarge naming the limit of 1 KiB", st.Reason, st.Message)
				}
			}
		})
	}
}

func TestWithBodyLimitOverAConnection(t *testing.T) {
	const limit = 1024
	srv := httptest.NewServer(requestbody.WithLimit(&readsBody{}, limit))
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

func TestReadError(t *testing.T) {
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
			if !errors.As(requestbody.ReadError(tt.err), &se) {
				t.Fatalf("ReadError(%v) is not an API status", tt.err)
			}
			st := se.Status()
			if st.Code != tt.wantCode || st.Reason != tt.wantReason || !strings.Contains(st.Message, tt.wantInMsg) {
				t.Errorf("Status = %d/%s/%q, want %d/%s containing %q", st.Code, st.Reason, st.Message, tt.wantCode, tt.wantReason, tt.wantInMsg)
			}
		})
	}
}
