package apprepository

import (
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	appv2 "github.com/superkube/super-kubenetes/api/application/v2"
	"github.com/superkube/super-kubenetes/internal/application/repo"
)

func TestDue(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	r := &Reconciler{}
	synced := func(gen, condGen int64, ok bool, ago, interval time.Duration) *appv2.Repository {
		rp := &appv2.Repository{ObjectMeta: metav1.ObjectMeta{Generation: gen}, Spec: appv2.RepositorySpec{SyncInterval: metav1.Duration{Duration: interval}}}
		last := metav1.NewTime(now.Add(-ago))
		rp.Status.LastSyncTime = &last
		st := metav1.ConditionTrue
		if !ok {
			st = metav1.ConditionFalse
		}
		rp.Status.Conditions = []metav1.Condition{{Type: appv2.ReadyCondition, Status: st, ObservedGeneration: condGen}}
		return rp
	}
	for _, tc := range []struct {
		name string
		rp   *appv2.Repository
		due  bool
		wait time.Duration
	}{
		{"never synced", &appv2.Repository{}, true, 0},
		{"spec changed", synced(2, 1, true, time.Second, 0), true, 0},
		{"synced, no interval", synced(1, 1, true, time.Hour, 0), false, 0},
		{"interval not reached", synced(1, 1, true, 10*time.Minute, time.Hour), false, 50 * time.Minute},
		{"interval reached", synced(1, 1, true, time.Hour, time.Hour), true, 0},
		{"short interval counts as 5m", synced(1, 1, true, 2*time.Minute, time.Minute), false, 3 * time.Minute},
		{"failed, retry later", synced(1, 1, false, 20*time.Second, 0), false, 40 * time.Second},
		{"failed, retry now", synced(1, 1, false, 2*time.Minute, 0), true, 0},
	} {
		due, wait := r.due(tc.rp, now)
		if due != tc.due || wait != tc.wait {
			t.Errorf("%s: due %v wait %s, want %v %s", tc.name, due, wait, tc.due, tc.wait)
		}
	}
}

func TestInitialState(t *testing.T) {
	ws := map[string]string{appv2.WorkspaceLabel: "ws"}
	for _, tc := range []struct {
		labels  map[string]string
		trusted bool
		want    appv2.ReviewState
	}{
		{nil, true, appv2.StateActive},
		{ws, true, appv2.StateActive},
		{nil, false, appv2.StateSubmitted},
		{ws, false, appv2.StateDraft},
	} {
		rp := &appv2.Repository{ObjectMeta: metav1.ObjectMeta{Labels: tc.labels}, Spec: appv2.RepositorySpec{Trusted: tc.trusted}}
		if got := initialState(rp); got != tc.want {
			t.Errorf("%v trusted=%v: %s, want %s", tc.labels, tc.trusted, got, tc.want)
		}
	}
}

func TestDesiredApplicationKeepsWithinLimits(t *testing.T) {
	rp := &appv2.Repository{ObjectMeta: metav1.ObjectMeta{Name: "r", Labels: map[string]string{appv2.WorkspaceLabel: "ws"}}}
	many := make([]string, 50)
	for i := range many {
		many[i] = "k"
	}
	cv := repo.ChartVersion{Name: "c", Version: "1.0.0", Description: strings.Repeat("é", 3000), Icon: "http://insecure/icon.png",
		Home: "javascript:alert(1)", Keywords: many, Sources: many, Annotations: map[string]string{CategoriesAnnotation: "web, db ,,"}}
	a := desiredApplication(rp, "r-c", cv)
	if len(a.Spec.Description) > 4096 || !strings.HasSuffix(a.Spec.Description, "é") || a.Spec.Icon != "" || a.Spec.Home != "" ||
		len(a.Spec.Keywords) != 32 || len(a.Spec.Sources) != 16 {
		t.Errorf("%+v", a.Spec)
	}
	if strings.Join(a.Spec.Categories, ",") != "web,db" || a.Labels[appv2.CategoryLabelPrefix+"db"] != "true" || a.Labels[appv2.WorkspaceLabel] != "ws" || a.Labels[appv2.RepositoryLabel] != "r" {
		t.Errorf("%+v %+v", a.Labels, a.Spec.Categories)
	}
	v := desiredVersion(rp, "r-c", "r-c-1.0.0", repo.ChartVersion{Name: "c", Version: "1.0.0", URL: "https://x/c.tgz", Digest: "ab", Created: time.Unix(1, 5)})
	if v.Labels[appv2.ApplicationLabel] != "r-c" || v.Spec.Source.Repository != "r" || v.Spec.Created.Unix() != 1 {
		t.Errorf("%+v", v)
	}
}
