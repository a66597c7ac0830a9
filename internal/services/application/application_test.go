package application

import (
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	applicationv2 "github.com/superkube/super-kubenetes/api/application/v2"
)

func TestCheckReviews(t *testing.T) {
	now := time.Date(2026, 12, 5, 4, 0, 0, 0, time.UTC)
	old := &applicationv2.ApplicationVersionSpec{State: applicationv2.StateDraft}
	ev := func(from, to applicationv2.ReviewState, user string, at time.Time, msg string) applicationv2.ReviewEvent {
		return applicationv2.ReviewEvent{From: from, To: to, User: user, Time: metav1.NewTime(at), Message: msg}
	}
	submit := &applicationv2.ApplicationVersionSpec{State: applicationv2.StateSubmitted,
		Reviews: []applicationv2.ReviewEvent{ev(applicationv2.StateDraft, applicationv2.StateSubmitted, "dev", now, "")}}
	if tr, changed, reason := CheckReviews(old, submit, "dev", now); reason != "" || !changed || tr.Action != "submit" {
		t.Errorf("submit: %v %v %q", tr, changed, reason)
	}
	if _, _, reason := CheckReviews(old, submit, "someone", now); !strings.Contains(reason, "must be someone") {
		t.Errorf("another writer: %q", reason)
	}
	if _, _, reason := CheckReviews(old, submit, "dev", now.Add(time.Hour)); !strings.Contains(reason, "within") {
		t.Errorf("an old event: %q", reason)
	}
	noEvent := &applicationv2.ApplicationVersionSpec{State: applicationv2.StateSubmitted}
	if _, _, reason := CheckReviews(old, noEvent, "dev", now); !strings.Contains(reason, "exactly one") {
		t.Errorf("no event: %q", reason)
	}
	sneaky := &applicationv2.ApplicationVersionSpec{State: applicationv2.StateDraft, Reviews: submit.Reviews}
	if _, _, reason := CheckReviews(old, sneaky, "dev", now); !strings.Contains(reason, "only with a change") {
		t.Errorf("an event without a change: %q", reason)
	}
	if _, _, reason := CheckReviews(submit, old, "dev", now); !strings.Contains(reason, "append-only") {
		t.Errorf("a removed event: %q", reason)
	}
	if got := Actions(); len(got) != 8 {
		t.Errorf("actions %v", got)
	}
	if CompareVersions("1.10.0", "1.9.0") <= 0 || CompareVersions("1.0.0", "nonsense") <= 0 {
		t.Error("semantic version order")
	}
}
