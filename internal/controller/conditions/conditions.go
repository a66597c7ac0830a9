// Package conditions sets the Ready condition the same way in every
// reconciler.
package conditions

import (
	"errors"
	"fmt"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Ready is the condition type every platform object reports.
const Ready = "Ready"

// ReasonReconcileFailed is the reason of a Ready condition that is false
// because the last reconcile failed with an error; the controller retries.
// The API packages publish the same value (iamv1beta1.ReasonReconcileFailed,
// tenantv1beta1.ReasonReconcileFailed).
const ReasonReconcileFailed = "ReconcileFailed"

// maxMessage bounds a condition message; the API allows 32768 bytes.
const maxMessage = 1024

// SetReady records whether the object is ready, why, and for which generation.
func SetReady(conds *[]metav1.Condition, generation int64, ready bool, reason, message string) {
	status := metav1.ConditionFalse
	if ready {
		status = metav1.ConditionTrue
	}
	meta.SetStatusCondition(conds, metav1.Condition{
		Type:               Ready,
		Status:             status,
		Reason:             reason,
		Message:            message,
		ObservedGeneration: generation,
	})
}

// Finish records the outcome of a reconcile, failing closed: an object is
// ready only when the reconcile found it so and returned no error. A failed
// reconcile keeps the more specific reason the reconciler set, or else says
// ReasonReconcileFailed with Message(err). observedGeneration moves to
// generation only when the object is ready, so that it never claims a
// generation the controller did not bring in line.
func Finish(conds *[]metav1.Condition, observedGeneration *int64, generation int64, ready bool, reason, message string, err error) {
	if err != nil && ready {
		ready, reason, message = false, ReasonReconcileFailed, Message(err)
	}
	SetReady(conds, generation, ready, reason, message)
	if ready {
		*observedGeneration = generation
	}
}

// Message describes err for a condition or an event, which every reader of
// the object sees: the text of API errors that may repeat values of the
// object sent (invalid fields, bad requests, internal errors) is replaced by
// their reason and the fields concerned, so that no secret (a password,
// its hash) reaches the status. Errors of the reconciler's own wording and
// the API's not found, conflict and forbidden answers are kept.
func Message(err error) string {
	if err == nil {
		return ""
	}
	msg := err.Error()
	for _, se := range statusErrors(err) {
		if safe, ok := summary(se.Status()); ok {
			msg = strings.ReplaceAll(msg, se.Error(), safe)
		}
	}
	if len(msg) > maxMessage {
		msg = msg[:maxMessage] + "..."
	}
	return msg
}

// statusError is an error that carries an API status (apierrors.APIStatus).
type statusError interface {
	error
	apierrors.APIStatus
}

// statusErrors returns the API status errors in err's tree.
func statusErrors(err error) []statusError {
	var out []statusError
	var walk func(error)
	walk = func(e error) {
		if e == nil {
			return
		}
		if se, ok := e.(statusError); ok { //nolint:errorlint // the tree is walked by hand
			out = append(out, se)
			return
		}
		switch x := e.(type) { //nolint:errorlint // the tree is walked by hand
		case interface{ Unwrap() []error }:
			for _, c := range x.Unwrap() {
				walk(c)
			}
		case interface{ Errors() []error }: // kerrors.Aggregate
			for _, c := range x.Errors() {
				walk(c)
			}
		default:
			walk(errors.Unwrap(e))
		}
	}
	walk(err)
	return out
}

// summary is what may be said of an API status whose message may repeat
// the object; false when its message may be shown as it is.
func summary(st metav1.Status) (string, bool) {
	switch st.Reason {
	case metav1.StatusReasonNotFound, metav1.StatusReasonAlreadyExists, metav1.StatusReasonConflict, metav1.StatusReasonForbidden,
		metav1.StatusReasonUnauthorized, metav1.StatusReasonTimeout, metav1.StatusReasonServerTimeout, metav1.StatusReasonTooManyRequests,
		metav1.StatusReasonServiceUnavailable, metav1.StatusReasonGone:
		return "", false
	}
	what := "the API server refused the request"
	if d := st.Details; d != nil && d.Kind != "" {
		what = fmt.Sprintf("the API server refused the request for %s %q", d.Kind, d.Name)
	}
	var fields []string
	if st.Details != nil {
		for _, c := range st.Details.Causes {
			if c.Field != "" {
				fields = append(fields, c.Field)
			}
		}
	}
	s := fmt.Sprintf("%s (%s, %d)", what, st.Reason, st.Code)
	if len(fields) > 0 {
		s += ": invalid " + strings.Join(fields, ", ")
	}
	return s, true
}

// IsReady reports whether the Ready condition is true.
func IsReady(conds []metav1.Condition) bool {
	return meta.IsStatusConditionTrue(conds, Ready)
}
