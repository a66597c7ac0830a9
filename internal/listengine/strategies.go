package listengine

import (
	"fmt"
	"slices"

	"github.com/google/btree"
)

// The strategies of List, cheapest first. Each gives the same answer: the
// rows the query matches, in its order, cut to its page, and their number.
const (
	// byNamespaces sorts the rows of the few namespaces a query reads
	// (its namespace, or the caller's visible ones) instead of walking
	// every row.
	byNamespaces = "namespace subset"
	// byNameIndex counts the matches of a name filter (the only filter) in
	// the store's name index and walks the sorted rows only to the end of
	// the page.
	byNameIndex = "name index"
	// byWalk walks the tree of the sort column, filtering and counting
	// every row.
	byWalk = "full walk"
)

// subsetShare is the share of the store below which a query of a few
// namespaces sorts their rows rather than walk every row: 1/subsetShare.
const subsetShare = 8

// List runs a query on a kind with the cheapest strategy that answers it.
func (e *Engine) List(resource string, q *Query) (*Result, error) {
	s := e.store(resource)
	if s == nil {
		return nil, fmt.Errorf("no resource %q", resource)
	}
	match, err := matcher(s.kind, q)
	if err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	tree := s.trees[q.SortBy]
	if tree == nil {
		return nil, fmt.Errorf("cannot sort %s by %q", resource, q.SortBy)
	}
	if ns := namespacesOf(q); ns != nil && countIn(s, ns) < tree.Len()/subsetShare {
		return listNamespaces(s, q, ns, match), nil
	}
	if nameOnly(q) {
		if res, ok := listByNameIndex(s, q, match); ok {
			return res, nil
		}
	}
	return listAll(s, q, match), nil
}

// page collects the rows of the page a query asks for.
type page struct {
	kind       *Kind
	start, end int
	res        *Result
}

func newPage(s *store, q *Query, strategy string) *page {
	start, end := q.Window(1 << 62)
	p := &page{kind: s.kind, start: start, end: end, res: &Result{strategy: strategy}}
	if q.CountStatus {
		p.res.Counts = map[string]int{}
	}
	return p
}

// add counts a matching row, and keeps it when it falls on the page.
func (p *page) add(r *Row) {
	if p.res.Counts != nil {
		if st := r.status(p.kind); st != "" {
			p.res.Counts[st]++
		}
	}
	if p.res.Total >= p.start && p.res.Total < p.end {
		p.res.Items = append(p.res.Items, output(p.kind, r.Obj))
		p.res.Derived = append(p.res.Derived, derived(p.kind, r))
	}
	p.res.Total++
}

// full reports whether the page has every row it can take.
func (p *page) full() bool { return p.res.Total >= p.end }

// namespacesOf are the namespaces a query is limited to, or nil.
func namespacesOf(q *Query) []string {
	switch {
	case q.Namespace != "":
		return []string{q.Namespace}
	case q.VisibleSet != nil:
		out := make([]string, 0, len(q.VisibleSet))
		for ns := range q.VisibleSet {
			out = append(out, ns)
		}
		return out
	}
	return nil
}

func countIn(s *store, namespaces []string) int {
	n := 0
	for _, ns := range namespaces {
		n += len(s.byNS[ns])
	}
	return n
}

// listNamespaces is the namespace subset strategy: the rows of the
// namespaces, sorted as the query asks. The caller holds s.mu for reading.
func listNamespaces(s *store, q *Query, namespaces []string, match func(*Row) bool) *Result {
	rows := make([]*Row, 0, countIn(s, namespaces))
	for _, ns := range namespaces {
		for _, r := range s.byNS[ns] {
			rows = append(rows, r)
		}
	}
	sortRows(rows, s.kind, q)
	p := newPage(s, q, byNamespaces)
	for _, r := range rows {
		if match(r) {
			p.add(r)
		}
	}
	return p.res
}

// sortRows sorts rows in the order a query asks for, as the trees hold them.
func sortRows(rows []*Row, k *Kind, q *Query) {
	less := lessBy(q.SortBy, k)
	slices.SortFunc(rows, func(a, b *Row) int {
		switch {
		case less(a, b):
			return -1
		case less(b, a):
			return 1
		}
		return 0
	})
	if !q.Ascending {
		slices.Reverse(rows)
	}
}

// nameOnly reports whether a query filters by name and by nothing else
// but the caller's namespaces, and asks for no counts (the name index
// counts the matches, not their states).
func nameOnly(q *Query) bool {
	return q.Name != "" && q.Names == nil && q.Labels.Empty() && len(q.Fields.Requirements()) == 0 && len(q.Filters) == 0 && !q.CountStatus
}

// listByNameIndex is the name index strategy: the total from the name
// index, the page from the sorted rows, walked only until it is full. ok
// is false when the index cannot search the name. The caller holds s.mu
// for reading.
func listByNameIndex(s *store, q *Query, match func(*Row) bool) (*Result, bool) {
	total, ok := s.names().count(q.Name, func(r *Row) bool {
		return (q.Namespace == "" || r.Namespace == q.Namespace) && (q.Visible == nil || q.Visible(r.Namespace))
	})
	if !ok {
		return nil, false
	}
	p := newPage(s, q, byNameIndex)
	walk(s.trees[q.SortBy], q.Ascending, func(r *Row) bool {
		if match(r) {
			p.add(r)
		}
		return !p.full()
	})
	p.res.Total = total
	return p.res, true
}

// listAll is the full walk strategy. The caller holds s.mu for reading.
func listAll(s *store, q *Query, match func(*Row) bool) *Result {
	p := newPage(s, q, byWalk)
	walk(s.trees[q.SortBy], q.Ascending, func(r *Row) bool {
		if match(r) {
			p.add(r)
		}
		return true
	})
	return p.res
}

func walk(tree *btree.BTreeG[*Row], ascending bool, visit func(*Row) bool) {
	if ascending {
		tree.Ascend(btree.ItemIteratorG[*Row](visit))
	} else {
		tree.Descend(btree.ItemIteratorG[*Row](visit))
	}
}
