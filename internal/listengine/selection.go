package listengine

import (
	"sync"

	"k8s.io/apimachinery/pkg/labels"
)

// selection keeps a Kind's Selection: for every object of the owner kind
// (services), the set of objects of the selected kind (pods) in its
// namespace that its selector picks, and their number in the owner's
// column, kept current as objects of both kinds change.
type selection struct {
	mu       sync.Mutex
	owner    *store
	selected *store
	col      int
	selector func(r *Row) labels.Selector
	// picked maps an owner's key to the keys of the objects it selects.
	picked    map[string]map[string]bool
	selectors map[string]labels.Selector
}

func newSelection(owner, selected *store) *selection {
	sel := owner.kind.Selects
	col, _ := owner.kind.column(sel.Column)
	return &selection{owner: owner, selected: selected, col: col, picked: map[string]map[string]bool{}, selectors: map[string]labels.Selector{},
		selector: func(r *Row) labels.Selector {
			if s := sel.Selector(r.Obj); s != nil {
				return s
			}
			return labels.Nothing()
		}}
}

// ownerChanged recomputes what an owner selects and sets its column.
func (sp *selection) ownerChanged(r *Row) {
	sel := sp.selector(r)
	set := map[string]bool{}
	for _, p := range sp.selected.inNamespace(r.Namespace) {
		if sel.Matches(p.Labels) {
			set[p.Key] = true
		}
	}
	sp.mu.Lock()
	sp.picked[r.Key], sp.selectors[r.Key] = set, sel
	sp.mu.Unlock()
	r.Values[sp.col].Num = int64(len(set))
}

func (sp *selection) ownerDeleted(r *Row) {
	sp.mu.Lock()
	delete(sp.picked, r.Key)
	delete(sp.selectors, r.Key)
	sp.mu.Unlock()
}

// selectedChanged moves an object in or out of the owners of its
// namespace and updates the counts that changed.
func (sp *selection) selectedChanged(old, cur *Row) {
	r := cur
	if r == nil {
		r = old
	}
	var changed []string
	sp.mu.Lock()
	for _, owner := range sp.owner.inNamespace(r.Namespace) {
		sel := sp.selectors[owner.Key]
		set := sp.picked[owner.Key]
		if sel == nil || set == nil {
			continue
		}
		in := cur != nil && sel.Matches(cur.Labels)
		if in != set[r.Key] {
			if in {
				set[r.Key] = true
			} else {
				delete(set, r.Key)
			}
			changed = append(changed, owner.Key)
		}
	}
	counts := make([]int64, len(changed))
	for i, k := range changed {
		counts[i] = int64(len(sp.picked[k]))
	}
	sp.mu.Unlock()
	for i, k := range changed {
		if owner, ok := sp.owner.get(k); ok {
			next := *owner
			next.Values[sp.col].Num = counts[i]
			sp.owner.upsert(&next)
			sp.owner.notify("MODIFIED", &next)
		}
	}
}
