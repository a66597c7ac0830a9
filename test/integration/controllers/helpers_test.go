package controllers

import (
	"encoding/json"
	"errors"
	"testing"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/superkube/super-kubenetes/internal/controller/conditions"
)

type errString string

func (e errString) Error() string { return string(e) }

func errNotReady(conds []metav1.Condition) error {
	c := meta.FindStatusCondition(conds, conditions.Ready)
	if c == nil {
		return errors.New("no Ready condition yet")
	}
	return errors.New("Ready=" + string(c.Status) + " " + c.Reason + ": " + c.Message)
}

// readyReason returns the reason of the Ready condition, or "" without one.
func readyReason(conds []metav1.Condition) string {
	if c := meta.FindStatusCondition(conds, conditions.Ready); c != nil {
		return c.Reason
	}
	return ""
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
