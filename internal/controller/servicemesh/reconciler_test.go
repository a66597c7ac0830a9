package servicemesh

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/event"

	meshv1 "github.com/superkube/super-kubenetes/api/servicemesh/v1alpha2"
)

func strategyAt(name string, age time.Duration, decision meshv1.Decision) meshv1.Strategy {
	return meshv1.Strategy{ObjectMeta: metav1.ObjectMeta{Name: name, CreationTimestamp: metav1.NewTime(time.Unix(1_000_000, 0).Add(-age))},
		Spec: meshv1.StrategySpec{Decision: decision}}
}

// The oldest undecided strategy routes and the younger undecided ones are
// in conflict; without an undecided one, the newest decided keeps routing.
func TestPickStrategy(t *testing.T) {
	st := &state{}
	pickStrategy(st, []meshv1.Strategy{strategyAt("young", time.Minute, ""), strategyAt("done", time.Hour, meshv1.Promote), strategyAt("old", 2*time.Minute, "")})
	if st.strategy.Name != "old" || len(st.others) != 1 || st.others[0].Name != "young" {
		t.Errorf("routing %s, others %v", st.strategy.Name, st.others)
	}
	st = &state{}
	pickStrategy(st, []meshv1.Strategy{strategyAt("first", time.Hour, meshv1.Rollback), strategyAt("second", time.Minute, meshv1.Promote)})
	if st.strategy.Name != "second" || len(st.others) != 0 {
		t.Errorf("routing %s, others %v", st.strategy.Name, st.others)
	}
	deleting := strategyAt("gone", time.Hour, "")
	deleting.DeletionTimestamp = &metav1.Time{Time: time.Now()}
	st = &state{}
	pickStrategy(st, []meshv1.Strategy{deleting})
	if st.strategy != nil {
		t.Errorf("a strategy being deleted routes: %s", st.strategy.Name)
	}
}

// Only the pod changes that change a version's count pass.
func TestPodChanged(t *testing.T) {
	p := func(phase corev1.PodPhase, version string) *corev1.Pod {
		return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"version": version}}, Status: corev1.PodStatus{Phase: phase}}
	}
	pred := podChanged()
	for name, tc := range map[string]struct {
		old, cur *corev1.Pod
		want     bool
	}{
		"running":         {p(corev1.PodPending, "v1"), p(corev1.PodRunning, "v1"), true},
		"relabelled":      {p(corev1.PodRunning, "v1"), p(corev1.PodRunning, "v2"), true},
		"a status detail": {p(corev1.PodRunning, "v1"), p(corev1.PodRunning, "v1"), false},
	} {
		if got := pred.Update(event.UpdateEvent{ObjectOld: tc.old, ObjectNew: tc.cur}); got != tc.want {
			t.Errorf("%s: %v", name, got)
		}
	}
}
