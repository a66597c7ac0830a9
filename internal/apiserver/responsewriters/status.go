// Package responsewriters writes API answers: objects as JSON and every
// error as a Kubernetes Status with the matching HTTP code.
package responsewriters

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/superkube/super-kubenetes/internal/apiserver/apistatus"
)

// WriteJSON writes v as JSON with the status code.
func WriteJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	_ = enc.Encode(v)
}

// requestIDHeader is the header the request id filter sets on every
// answer (httpfilters.RequestIDHeader, which imports this package).
const requestIDHeader = "X-Request-Id"

// WriteStatus writes a Status built from err. Errors that are not API
// status errors become 500 InternalError. A 500 never shows its cause (the
// message and details of an internal error may hold anything): it says that
// the error was logged, with the request id. The cause of every server
// error (5xx) goes to the request log (RecordCause), which logs it once
// with the request id. A Status whose details say when to retry
// (retryAfterSeconds) carries the Retry-After header too, as Kubernetes'
// answers do.
func WriteStatus(w http.ResponseWriter, err error) {
	var se apierrors.APIStatus
	if !errors.As(err, &se) {
		se = apierrors.NewInternalError(err)
	}
	st := se.Status()
	st.Kind, st.APIVersion = "Status", "v1"
	if st.Status == "" {
		st.Status = metav1.StatusFailure
	}
	code := int(st.Code)
	if code == 0 {
		code = http.StatusInternalServerError
		st.Code = int32(code)
	}
	if code >= http.StatusInternalServerError {
		RecordCause(w, err)
	}
	if code == http.StatusInternalServerError {
		st.Reason, st.Details = metav1.StatusReasonInternalError, nil
		st.Message = "an internal error occurred; it has been logged"
		if id := w.Header().Get(requestIDHeader); id != "" {
			st.Message += " with request id " + id
		}
	}
	if st.Details != nil && st.Details.RetryAfterSeconds > 0 && w.Header().Get("Retry-After") == "" {
		w.Header().Set("Retry-After", strconv.Itoa(int(st.Details.RetryAfterSeconds)))
	}
	WriteJSON(w, code, st)
}

// CauseRecorder is a response writer that keeps the cause of a server error
// for the request log (the request log filter's writer is one).
type CauseRecorder interface {
	RecordCause(err error)
}

// RecordCause hands the cause of a server error to the first CauseRecorder
// among w and the writers it wraps (Unwrap), if there is one. Handlers that
// answer a 5xx without WriteStatus call it so that the cause is logged.
func RecordCause(w http.ResponseWriter, err error) {
	for w != nil {
		if c, ok := w.(CauseRecorder); ok {
			c.RecordCause(err)
			return
		}
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			return
		}
		w = u.Unwrap()
	}
}

// WriteDeleted answers a deletion as Kubernetes does when it has no object
// left to return: a Status of success naming the object.
func WriteDeleted(w http.ResponseWriter, gr schema.GroupResource, name string) {
	WriteJSON(w, http.StatusOK, apistatus.Deleted(gr, name))
}
