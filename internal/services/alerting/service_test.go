package alerting

import (
	"slices"
	"testing"
	"time"

	"github.com/prometheus/common/model"
)

func TestScopeAllowsOnlyWhatItNames(t *testing.T) {
	project := func(ns, label string) model.LabelSet {
		return model.LabelSet{"rule_level": "project", "rule_namespace": model.LabelValue(ns), "namespace": model.LabelValue(label)}
	}
	cluster := model.LabelSet{"rule_level": "cluster"}
	global := model.LabelSet{"rule_level": "global"}
	s := Scope{Namespaces: map[string]bool{"a": true}}
	for _, tt := range []struct {
		scope Scope
		l     model.LabelSet
		want  bool
	}{
		{s, project("a", "a"), true},
		{s, project("b", "b"), false},
		// A project alert whose namespace label says another project is
		// not trusted to be the first project's.
		{s, project("a", "b"), false},
		{s, cluster, false},
		{s, global, false},
		{Scope{Cluster: true}, cluster, true},
		{Scope{All: true}, global, true},
		{Scope{All: true, Level: "cluster"}, global, false},
		{ProjectScope("a", time.Time{}), project("a", "a"), true},
		{ProjectScope("a", time.Time{}), cluster, false},
	} {
		if got := tt.scope.Allows(tt.l); got != tt.want {
			t.Errorf("%+v allows %v: %v, want %v", tt.scope, tt.l, got, tt.want)
		}
	}
}

func TestProjectMatchersConfineTheSilence(t *testing.T) {
	out, errs := ProjectMatchers("dev", []Matcher{{Name: "alertname", Value: "X"}, {Name: "namespace", Value: "dev"}})
	if len(errs) != 0 {
		t.Fatal(errs)
	}
	var names []string
	for _, m := range out {
		names = append(names, m.Name+"="+m.Value)
	}
	if want := []string{"alertname=X", "namespace=dev", "rule_namespace=dev"}; !slices.Equal(names, want) {
		t.Errorf("matchers %v, want %v", names, want)
	}
	no := false
	for _, bad := range []Matcher{{Name: "namespace", Value: "prod"}, {Name: "namespace", Value: "dev|prod", IsRegex: true}, {Name: "rule_namespace", Value: "dev", IsEqual: &no}} {
		if _, errs := ProjectMatchers("dev", []Matcher{bad}); len(errs) != 1 || errs[0].Field != "matchers[0]" {
			t.Errorf("%+v: %v", bad, errs)
		}
	}
}

func TestIntervalsSplitAtGaps(t *testing.T) {
	at := func(s int) model.SamplePair {
		return model.SamplePair{Timestamp: model.TimeFromUnix(int64(1000 + s)), Value: 1}
	}
	end := time.Unix(1100, 0)
	got := intervals("firing", []model.SamplePair{at(0), at(10), at(20), at(50), at(60)}, 10*time.Second, time.Time{}, end)
	want := []Interval{{"firing", time.Unix(1000, 0), time.Unix(1030, 0)}, {"firing", time.Unix(1050, 0), time.Unix(1070, 0)}}
	if !slices.EqualFunc(got, want, func(a, b Interval) bool { return a.State == b.State && a.Start.Equal(b.Start) && a.End.Equal(b.End) }) {
		t.Errorf("intervals %+v, want %+v", got, want)
	}
	// Samples before the project's creation are another project's.
	got = intervals("firing", []model.SamplePair{at(0), at(10), at(20)}, 10*time.Second, time.Unix(1015, 0), end)
	if len(got) != 1 || !got[0].Start.Equal(time.Unix(1020, 0)) {
		t.Errorf("intervals %+v", got)
	}
}

// Prometheus adds its external labels to the alerts it sends: an alert is
// still matched with Alertmanager's copy, and never with another's.
func TestMarksMatchAlertsWithExternalLabels(t *testing.T) {
	am := mark{labels: model.LabelSet{"alertname": "X", "namespace": "a", "cluster": "c1"}, silencedBy: []string{"s1"}}
	other := mark{labels: model.LabelSet{"alertname": "X", "namespace": "b", "cluster": "c1"}, silencedBy: []string{"s2"}}
	m := marks{byFingerprint: map[model.Fingerprint]mark{am.labels.Fingerprint(): am, other.labels.Fingerprint(): other},
		byName: map[model.LabelValue][]mark{"X": {am, other}}}
	if got, ok := m.of(model.LabelSet{"alertname": "X", "namespace": "a"}); !ok || got.silencedBy[0] != "s1" {
		t.Errorf("a: %+v %v", got, ok)
	}
	if got, ok := m.of(model.LabelSet{"alertname": "X", "namespace": "b", "cluster": "c1"}); !ok || got.silencedBy[0] != "s2" {
		t.Errorf("b: %+v %v", got, ok)
	}
	if _, ok := m.of(model.LabelSet{"alertname": "X", "namespace": "z"}); ok {
		t.Error("z matched")
	}
}
