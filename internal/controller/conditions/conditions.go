// Package conditions sets the Ready condition the same way in every
// reconciler.
package conditions

import (
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Ready is the condition type every platform object reports.
const Ready = "Ready"

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

// IsReady reports whether the Ready condition is true.
func IsReady(conds []metav1.Condition) bool {
	return meta.IsStatusConditionTrue(conds, Ready)
}
