// Package listengine answers list queries over large collections from
// informer caches: every object arrives once, its columns (pod phase,
// ready, restarts, a workload's ready and desired replicas, the pods behind
// a service ...), each declared once per kind (columns.go, kinds.go), are
// computed then, and it is kept in one ordered tree per sortable column. A
// query takes the cheapest of three strategies (strategies.go): sort the
// rows of a few namespaces, count a name filter's matches in the name
// index and walk only to the end of the page, or walk the tree of its sort
// column, filtering, counting and cutting its page; so sorting on a derived
// column costs what sorting on the name does.
package listengine

import (
	"strings"
	"sync"
	"sync/atomic"

	"github.com/google/btree"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Row is one object with what queries need of it, computed on arrival.
type Row struct {
	Key       string
	Namespace string
	Name      string
	// NameLower and DisplayName (lower-cased) serve the name filter.
	NameLower   string
	DisplayName string
	// Created is the creation time in Unix nanoseconds.
	Created int64
	Labels  labels.Set
	Obj     client.Object
	// Ready is the readiness as shown (Kind.Ready).
	Ready      string
	OwnerUIDs  []string
	OwnerKinds []string
	// Values are the kind's columns, in the order of Kind.Columns. They
	// are held in the row itself: queries read them for every row they
	// walk, and another allocation per row would cost a cache miss each.
	Values [MaxColumns]Value
}

// MaxColumns bounds the columns of a kind.
const MaxColumns = 8

// status is the row's state for the status filter (running, pending ...):
// its status column, or "" for a kind without one.
func (r *Row) status(k *Kind) string {
	if k.status < 0 {
		return ""
	}
	return r.Values[k.status].Text
}

// store keeps the rows of one kind and an ordered tree per sort column.
type store struct {
	mu      sync.RWMutex
	kind    *Kind
	rows    map[string]*Row
	byNS    map[string]map[string]*Row
	trees   map[string]*btree.BTreeG[*Row]
	version uint64
	subs    map[*Subscription]struct{}
	// nameIdx caches the name index of the rows at some version.
	nameIdx atomic.Pointer[nameIndex]
}

func newStore(k *Kind) *store {
	k.index()
	s := &store{kind: k, rows: map[string]*Row{}, byNS: map[string]map[string]*Row{}, trees: map[string]*btree.BTreeG[*Row]{},
		subs: map[*Subscription]struct{}{}}
	for _, col := range append([]string{"name", "createTime"}, k.SortColumns()...) {
		s.trees[col] = btree.NewG(32, lessBy(col, k))
	}
	return s
}

// lessBy orders rows by a column, then by name and namespace, ascending.
func lessBy(col string, k *Kind) btree.LessFunc[*Row] {
	tie := func(a, b *Row) bool {
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return a.Namespace < b.Namespace
	}
	i, _ := k.column(col)
	switch {
	case col == "name":
		return tie
	case col == "createTime":
		return func(a, b *Row) bool {
			if a.Created != b.Created {
				return a.Created < b.Created
			}
			return tie(a, b)
		}
	case k.Columns[i].Numeric:
		return func(a, b *Row) bool {
			if x, y := a.Values[i].Num, b.Values[i].Num; x != y {
				return x < y
			}
			return tie(a, b)
		}
	default:
		return func(a, b *Row) bool {
			if x, y := a.Values[i].Text, b.Values[i].Text; x != y {
				return x < y
			}
			return tie(a, b)
		}
	}
}

// upsert replaces the row of key; it returns the old row, if any.
func (s *store) upsert(r *Row) *Row {
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.rows[r.Key]
	if old != nil {
		s.removeLocked(old)
	}
	s.rows[r.Key] = r
	ns := s.byNS[r.Namespace]
	if ns == nil {
		ns = map[string]*Row{}
		s.byNS[r.Namespace] = ns
	}
	ns[r.Key] = r
	for _, t := range s.trees {
		t.ReplaceOrInsert(r)
	}
	s.version++
	return old
}

func (s *store) remove(key string) *Row {
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.rows[key]
	if old != nil {
		s.removeLocked(old)
		s.version++
	}
	return old
}

func (s *store) removeLocked(r *Row) {
	delete(s.rows, r.Key)
	if ns := s.byNS[r.Namespace]; ns != nil {
		delete(ns, r.Key)
		if len(ns) == 0 {
			delete(s.byNS, r.Namespace)
		}
	}
	for _, t := range s.trees {
		t.Delete(r)
	}
}

// get returns the row of a key.
func (s *store) get(key string) (*Row, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	r, ok := s.rows[key]
	return r, ok
}

// inNamespace returns the rows of one namespace (unordered).
func (s *store) inNamespace(ns string) []*Row {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]*Row, 0, len(s.byNS[ns]))
	for _, r := range s.byNS[ns] {
		out = append(out, r)
	}
	return out
}

// Key is the store key of a namespace and name.
func Key(namespace, name string) string {
	if namespace == "" {
		return name
	}
	return namespace + "/" + name
}

func lower(s string) string { return strings.ToLower(s) }
