// Package apistatus builds the Kubernetes Status errors that handlers and
// services return: one constructor with any code and reason, options for
// the object concerned, the causes (the fields that are wrong) and a retry
// hint, and the common cases on top of it. It writes nothing: handlers
// answer with responsewriters.WriteStatus, and services, which never see
// HTTP, return these errors as they would return those of
// k8s.io/apimachinery/pkg/api/errors.
package apistatus

import (
	"net/http"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Option adds to a Status.
type Option func(*metav1.Status)

// About names the object the Status concerns.
func About(gr schema.GroupResource, name string) Option {
	return func(st *metav1.Status) {
		d := details(st)
		d.Group, d.Kind, d.Name = gr.Group, gr.Resource, name
	}
}

// Cause adds a cause: what is wrong with which field.
func Cause(typ metav1.CauseType, fieldPath, msg string) Option {
	return func(st *metav1.Status) {
		d := details(st)
		d.Causes = append(d.Causes, metav1.StatusCause{Type: typ, Field: fieldPath, Message: msg})
	}
}

// RetryAfter tells clients when to try again.
func RetryAfter(seconds int32) Option {
	return func(st *metav1.Status) { details(st).RetryAfterSeconds = seconds }
}

func details(st *metav1.Status) *metav1.StatusDetails {
	if st.Details == nil {
		st.Details = &metav1.StatusDetails{}
	}
	return st.Details
}

// New is a failure Status with the code, reason and message.
func New(code int, reason metav1.StatusReason, msg string, opts ...Option) *apierrors.StatusError {
	st := metav1.Status{TypeMeta: metav1.TypeMeta{Kind: "Status", APIVersion: "v1"}, Status: metav1.StatusFailure,
		Code: int32(code), Reason: reason, Message: msg} //nolint:gosec // HTTP codes fit
	for _, o := range opts {
		o(&st)
	}
	return &apierrors.StatusError{ErrStatus: st}
}

// BadRequest is a 400 that names the parameter or field that is wrong.
func BadRequest(param, msg string) error {
	return New(http.StatusBadRequest, metav1.StatusReasonBadRequest, param+": "+msg,
		Cause(metav1.CauseTypeFieldValueInvalid, param, msg))
}

// Invalid is a 422 for an object with invalid fields, one cause per field.
func Invalid(kind, name string, errs field.ErrorList) error {
	return apierrors.NewInvalid(schema.GroupKind{Kind: kind}, name, errs)
}

// Unauthorized is a 401.
func Unauthorized(msg string) error { return apierrors.NewUnauthorized(msg) }

// Success is the Status of a request that has nothing else to answer.
func Success(msg string, opts ...Option) metav1.Status {
	st := metav1.Status{TypeMeta: metav1.TypeMeta{Kind: "Status", APIVersion: "v1"}, Status: metav1.StatusSuccess,
		Code: http.StatusOK, Message: msg}
	for _, o := range opts {
		o(&st)
	}
	return st
}

// Deleted is the answer to a deletion, as Kubernetes gives it when it has
// no object left to return.
func Deleted(gr schema.GroupResource, name string) metav1.Status {
	return Success("", About(gr, name))
}
