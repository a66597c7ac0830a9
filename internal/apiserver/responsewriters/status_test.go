package responsewriters

import (
	"net/http"
	"net/http/httptest"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestAStatusThatSaysWhenToRetryCarriesRetryAfter(t *testing.T) {
	for _, tc := range []struct {
		name      string
		err       error
		preset    string
		wantRetry string
	}{
		{"a 503 with retryAfterSeconds", &apierrors.StatusError{ErrStatus: metav1.Status{Code: http.StatusServiceUnavailable,
			Reason: metav1.StatusReasonServiceUnavailable, Details: &metav1.StatusDetails{RetryAfterSeconds: 2}}}, "", "2"},
		{"a Retry-After the caller set stays", &apierrors.StatusError{ErrStatus: metav1.Status{Code: http.StatusTooManyRequests,
			Reason: metav1.StatusReasonTooManyRequests, Details: &metav1.StatusDetails{RetryAfterSeconds: 2}}}, "7", "7"},
		{"a 503 without details has none", &apierrors.StatusError{ErrStatus: metav1.Status{Code: http.StatusServiceUnavailable, Reason: metav1.StatusReasonServiceUnavailable, Message: "away"}}, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			if tc.preset != "" {
				w.Header().Set("Retry-After", tc.preset)
			}
			WriteStatus(w, tc.err)
			if got := w.Header().Get("Retry-After"); got != tc.wantRetry {
				t.Errorf("Retry-After %q, want %q", got, tc.wantRetry)
			}
		})
	}
}
