package application

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	appv2 "github.com/superkube/super-kubenetes/api/application/v2"
)

func version(app, v string, state appv2.ReviewState, at time.Time) appv2.ApplicationVersion {
	return appv2.ApplicationVersion{ObjectMeta: metav1.ObjectMeta{CreationTimestamp: metav1.NewTime(at)},
		Spec: appv2.ApplicationVersionSpec{Application: app, Version: v, State: state}}
}

func TestSummary(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	later := version("a", "1.10.0", appv2.StateDraft, t0)
	later.Spec.Reviews = []appv2.ReviewEvent{{To: appv2.StateDraft, Time: metav1.NewTime(t0.Add(time.Hour))}}
	st := Summary("a", []appv2.ApplicationVersion{
		version("a", "1.2.0", appv2.StateActive, t0),
		version("a", "1.9.0", appv2.StateSuspended, t0),
		later,
		version("other", "9.0.0", appv2.StateActive, t0.Add(2*time.Hour)),
	})
	if st.State != appv2.StateActive || st.LatestVersion != "1.10.0" || st.LatestActiveVersion != "1.2.0" || st.Versions != 3 || !st.UpdateTime.Time.Equal(t0.Add(time.Hour)) {
		t.Errorf("%+v", st)
	}
	if st := Summary("a", []appv2.ApplicationVersion{version("a", "1.0.0", appv2.StateSuspended, t0), version("a", "1.1.0", appv2.StateRejected, t0)}); st.State != appv2.StateSuspended || st.LatestActiveVersion != "" {
		t.Errorf("%+v", st)
	}
	if st := Summary("a", nil); st.State != appv2.StateDraft || st.Versions != 0 || st.UpdateTime != nil {
		t.Errorf("%+v", st)
	}
}
