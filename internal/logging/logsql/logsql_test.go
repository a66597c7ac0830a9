package logsql

import (
	"strings"
	"testing"
	"time"
)

func TestFilter(t *testing.T) {
	created := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	for name, c := range map[string]struct {
		s    Search
		sc   Scope
		want string
		ok   bool
	}{
		"nothing in scope":   {Search{}, Scope{}, "", false},
		"everything":         {Search{}, Scope{All: true}, "*", true},
		"a tenant's scope":   {Search{}, Scope{Namespaces: map[string]time.Time{"b": created, "a": {}}}, `(kubernetes.pod_namespace:in("a") OR (kubernetes.pod_namespace:="b" _time:>=2026-12-04T10:00:00Z))`, true},
		"all but the former": {Search{}, Scope{All: true, Namespaces: map[string]time.Time{"a": created}}, `NOT ((kubernetes.pod_namespace:="a" _time:<2026-12-04T10:00:00Z))`, true},
		"values stay values": {
			Search{Pods: []string{`x" OR *`}, Words: []string{`a") | delete`}, WorkloadParts: []string{`w*`}},
			Scope{All: true},
			`(kubernetes.pod_name:*"w*"*) (kubernetes.pod_name:="x\" OR *") _msg:i("a\") | delete")`, true,
		},
	} {
		got, ok := Filter(c.s, c.sc)
		if got != c.want || ok != c.ok {
			t.Errorf("%s:\n got %s %v\nwant %s %v", name, got, ok, c.want, c.ok)
		}
	}
}

// A workload's filter begins with its pods' prefix (the store narrows to it
// first) and quotes the name in the regular expressions too.
func TestAWorkloadBeginsWithItsPrefixAndQuotesItsName(t *testing.T) {
	got, _ := Filter(Search{Workloads: []string{"a.b", ""}}, Scope{All: true})
	if !strings.HasPrefix(got, `((kubernetes.pod_name:"a.b-"* (`) || !strings.Contains(got, `kubernetes.pod_name:~"^a\\.b-[0-9]+$"`) || strings.Count(got, " OR ") != 7 {
		t.Errorf("got %s", got)
	}
}

// A search from a time on names the namespaces created before it together,
// without times, and drops them from the exceptions of who reads everything.
func TestAScopeFromATimeNeedsNoTimesBeforeIt(t *testing.T) {
	start := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	early, late := start.Add(-time.Hour), start.Add(time.Hour)
	sc := Scope{Namespaces: map[string]time.Time{"a": early, "b": late, "c": {}, "d": start}}
	got, _ := Filter(Search{}, sc.From(start))
	if want := `(kubernetes.pod_namespace:in("a","c","d") OR (kubernetes.pod_namespace:="b" _time:>=2026-12-04T13:00:00Z))`; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	all := Scope{All: true, Namespaces: map[string]time.Time{"a": early, "b": late}}
	if got, _ := Filter(Search{}, all.From(start)); got != `NOT ((kubernetes.pod_namespace:="b" _time:<2026-12-04T13:00:00Z))` {
		t.Errorf("everything: %s", got)
	}
	if got := sc.From(time.Time{}); got.Namespaces["a"] != early {
		t.Errorf("a zero start changed the scope: %v", got)
	}
	if len(sc.Namespaces) != 4 || sc.Namespaces["a"] != early {
		t.Errorf("From changed its receiver: %v", sc)
	}
}
