package listengine

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/superkube/super-kubenetes/internal/apiserver/listquery"
)

// query parses a list query as the handler does, taking any filter it names.
func query(t *testing.T, raw string) *Query {
	t.Helper()
	v, err := url.ParseQuery(raw)
	if err != nil {
		t.Fatal(err)
	}
	spec := listquery.Spec{SortBy: []string{v.Get("sortBy")}, FieldSelectors: []string{"spec.nodeName", "status.phase"}}
	for key := range v {
		switch key {
		case "page", "limit", "sortBy", "ascending", "labelSelector", "fieldSelector", "name", "names":
		default:
			spec.Filters = append(spec.Filters, key)
		}
	}
	q, err := listquery.Parse(v, spec)
	if err != nil {
		t.Fatal(err)
	}
	return &Query{Query: q}
}

// podStore is a store of n pods in 40 namespaces, with restarts, nodes,
// phases, labels and display names spread at random (the same every run).
func podStore(t *testing.T, n int) *store {
	t.Helper()
	k := builtin(t, "pods")
	s := newStore(k)
	rnd := rand.New(rand.NewPCG(7, 11))
	phases := []corev1.PodPhase{corev1.PodRunning, corev1.PodPending, corev1.PodSucceeded}
	for i := range n {
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: fmt.Sprintf("ns-%02d", i%40), Name: fmt.Sprintf("pod-%05d", rnd.IntN(100000)),
			CreationTimestamp: metav1.NewTime(time.Unix(int64(rnd.IntN(500)), 0)), Labels: map[string]string{"app": fmt.Sprintf("app-%d", i%5)}},
			Spec:   corev1.PodSpec{NodeName: fmt.Sprintf("node-%d", rnd.IntN(4)), Containers: []corev1.Container{{}}},
			Status: corev1.PodStatus{Phase: phases[rnd.IntN(3)], ContainerStatuses: []corev1.ContainerStatus{{RestartCount: int32(rnd.IntN(6)), Ready: rnd.IntN(2) == 0}}}}
		if rnd.IntN(4) == 0 {
			p.Annotations = map[string]string{"superkube.io/display-name": fmt.Sprintf("Web Pod %d", rnd.IntN(50))}
		}
		s.upsert(newRow(k, p))
	}
	return s
}

// reference answers a query the slow, obvious way: every row, filtered,
// sorted (as sortRows does, itself checked by TestSortRows), paged.
func reference(s *store, q *Query) (names []string, total int) {
	match, _ := matcher(s.kind, q)
	var rows []*Row
	for _, r := range s.rows {
		if match(r) {
			rows = append(rows, r)
		}
	}
	sortRows(rows, s.kind, q)
	start, end := q.Window(len(rows))
	for _, r := range rows[start:end] {
		names = append(names, r.Key)
	}
	return names, len(rows)
}

func keysOf(res *Result) []string {
	var out []string
	for _, o := range res.Items {
		out = append(out, Key(o.GetNamespace(), o.GetName()))
	}
	return out
}

func visibleTo(namespaces ...string) func(*Query) {
	return func(q *Query) {
		q.VisibleSet = map[string]bool{}
		for _, ns := range namespaces {
			q.VisibleSet[ns] = true
		}
		q.Visible = func(ns string) bool { return q.VisibleSet[ns] }
	}
}

func inNamespace(ns string) func(*Query) { return func(q *Query) { q.Namespace = ns } }

func TestEachStrategyAnswersAsTheReferenceDoes(t *testing.T) {
	s := podStore(t, 3000)
	tests := []struct {
		name  string
		query string
		scope func(*Query)
	}{
		{"the first page by creation time", "limit=20", nil},
		{"a middle page by restarts, ascending", "sortBy=restarts&ascending=true&page=7&limit=25", nil},
		{"by status with a status filter", "sortBy=status&status=running,pending&limit=50&page=2", nil},
		{"a name filter", "name=pod-0&sortBy=name&ascending=true&limit=30&page=3", nil},
		{"a name filter that matches display names", "name=web pod 1&limit=50", nil},
		{"a name filter in one namespace", "name=1&sortBy=restarts", inNamespace("ns-03")},
		{"a name filter among visible namespaces", "name=pod-1&sortBy=ready&limit=15&page=2", visibleTo("ns-01", "ns-02", "ns-30")},
		{"labels, fields and a kind filter", "labelSelector=app%3Dapp-2&fieldSelector=spec.nodeName%3Dnode-1&ready=true&sortBy=node", nil},
		{"one namespace by node", "sortBy=node&limit=100", inNamespace("ns-11")},
		{"a few visible namespaces by readiness", "sortBy=ready&page=2&limit=10", visibleTo("ns-05", "ns-06")},
		{"a page past the end", "page=1000&limit=50", nil},
		{"nothing matches", "name=zzz", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := query(t, tt.query)
			if tt.scope != nil {
				tt.scope(q)
			}
			want, wantTotal := reference(s, q)
			match, err := matcher(s.kind, q)
			if err != nil {
				t.Fatal(err)
			}
			results := map[string]*Result{byWalk: listAll(s, q, match)}
			if ns := namespacesOf(q); ns != nil {
				results[byNamespaces] = listNamespaces(s, q, ns, match)
			}
			if nameOnly(q) {
				res, ok := listByNameIndex(s, q, match)
				if !ok {
					t.Fatal("the name index could not answer a name filter")
				}
				results[byNameIndex] = res
			}
			for strategy, res := range results {
				if got := keysOf(res); res.Total != wantTotal || !slices.Equal(got, want) {
					t.Errorf("%s: total %d, page %v; want %d, %v", strategy, res.Total, got, wantTotal, want)
				}
				if len(res.Derived) != len(res.Items) {
					t.Errorf("%s: %d derived values for %d items", strategy, len(res.Derived), len(res.Items))
				}
			}
		})
	}
}

func TestListTakesTheCheapestStrategy(t *testing.T) {
	s := podStore(t, 3000)
	e := &Engine{kinds: map[string]*Kind{"pods": s.kind}, stores: map[string]*store{"pods": s}}
	all := make([]string, 40)
	for i := range all {
		all[i] = fmt.Sprintf("ns-%02d", i)
	}
	tests := []struct {
		name  string
		query string
		scope func(*Query)
		want  string
	}{
		{"one namespace is sorted on its own", "sortBy=restarts", inNamespace("ns-01"), byNamespaces},
		{"a few visible namespaces are sorted on their own", "", visibleTo("ns-01", "ns-02"), byNamespaces},
		{"many visible namespaces are walked", "", visibleTo(all[:30]...), byWalk},
		{"a name filter alone uses the name index", "name=pod-1", nil, byNameIndex},
		{"a name filter among many visible namespaces uses the name index", "name=pod-1", visibleTo(all[:30]...), byNameIndex},
		{"a name filter with another filter is walked", "name=pod-1&status=running", nil, byWalk},
		{"a name the index cannot search is walked", "name=a%00b", nil, byWalk},
		{"no filter at all is walked", "sortBy=node", nil, byWalk},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := query(t, tt.query)
			if tt.scope != nil {
				tt.scope(q)
			}
			res, err := e.List("pods", q)
			if err != nil {
				t.Fatal(err)
			}
			if res.strategy != tt.want {
				t.Fatalf("strategy %q, want %q", res.strategy, tt.want)
			}
			if want, total := reference(s, q); res.Total != total || !slices.Equal(keysOf(res), want) {
				t.Fatalf("total %d, want %d", res.Total, total)
			}
		})
	}
	t.Run("an unknown sort column is an error", func(t *testing.T) {
		q := query(t, "sortBy=colour")
		if _, err := e.List("pods", q); err == nil || !strings.Contains(err.Error(), "colour") {
			t.Fatalf("got %v", err)
		}
	})
}

func TestSortRows(t *testing.T) {
	k := builtin(t, "pods")
	row := func(ns, name string, restarts int64, created int64) *Row {
		r := &Row{Namespace: ns, Name: name, Created: created}
		i, _ := k.column("restarts")
		r.Values[i].Num = restarts
		return r
	}
	rows := []*Row{row("b", "x", 2, 30), row("a", "x", 2, 10), row("a", "y", 1, 20), row("a", "w", 3, 20)}
	names := func() string {
		var out []string
		for _, r := range rows {
			out = append(out, r.Namespace+"/"+r.Name)
		}
		return strings.Join(out, " ")
	}
	tests := []struct{ query, want string }{
		{"sortBy=restarts&ascending=true", "a/y a/x b/x a/w"},
		{"sortBy=restarts", "a/w b/x a/x a/y"},
		{"sortBy=name&ascending=true", "a/w a/x b/x a/y"},
		{"sortBy=createTime&ascending=true", "a/x a/w a/y b/x"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			sortRows(rows, k, query(t, tt.query))
			if got := names(); got != tt.want {
				t.Fatalf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestEveryStrategyCountsTheMatchesByState(t *testing.T) {
	s := podStore(t, 3000)
	e := &Engine{kinds: map[string]*Kind{"pods": s.kind}, stores: map[string]*store{"pods": s}}
	tests := []struct {
		name  string
		query string
		scope func(*Query)
		want  string
	}{
		{"every pod", "limit=5", nil, byWalk},
		{"one namespace", "limit=5", inNamespace("ns-04"), byNamespaces},
		{"a name filter, which the name index cannot count by state", "name=pod-1&limit=5", nil, byWalk},
		{"a status filter", "status=running&limit=5", nil, byWalk},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := query(t, tt.query)
			if tt.scope != nil {
				tt.scope(q)
			}
			q.CountStatus = true
			res, err := e.List("pods", q)
			if err != nil {
				t.Fatal(err)
			}
			if res.strategy != tt.want {
				t.Fatalf("strategy %q, want %q", res.strategy, tt.want)
			}
			match, _ := matcher(s.kind, q)
			want, sum := map[string]int{}, 0
			for _, r := range s.rows {
				if match(r) {
					want[r.status(s.kind)]++
				}
			}
			for _, n := range res.Counts {
				sum += n
			}
			if !maps.Equal(res.Counts, want) || sum != res.Total || len(res.Items) != 5 {
				t.Fatalf("counts %v (total %d, %d items), want %v", res.Counts, res.Total, len(res.Items), want)
			}
		})
	}
	t.Run("no counts unless asked", func(t *testing.T) {
		res, err := e.List("pods", query(t, "limit=5"))
		if err != nil || res.Counts != nil {
			t.Fatalf("counts %v, %v", res.Counts, err)
		}
	})
}
