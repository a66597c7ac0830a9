package listengine

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"k8s.io/apimachinery/pkg/labels"
	toolscache "k8s.io/client-go/tools/cache"
	ctrlcache "sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	"github.com/superkube/super-kubenetes/internal/apiserver/listquery"
)

// Engine serves list queries for many kinds.
type Engine struct {
	cache ctrlcache.Cache
	// mu guards kinds and stores, which grow as custom resources are asked for.
	mu            sync.RWMutex
	kinds         map[string]*Kind
	stores        map[string]*store
	dynamicSynced map[string]toolscache.InformerSynced
	// selections keep the kinds' Selection columns (the pods behind a service).
	selections []*selection
	synced     []toolscache.InformerSynced
}

// New makes an engine over the cache for the kinds.
func New(cache ctrlcache.Cache, kinds []*Kind) *Engine {
	e := &Engine{cache: cache, kinds: map[string]*Kind{}, stores: map[string]*store{}, dynamicSynced: map[string]toolscache.InformerSynced{}}
	for _, k := range kinds {
		e.kinds[k.Resource] = k
		e.stores[k.Resource] = newStore(k)
	}
	for _, k := range kinds {
		if k.Selects != nil && e.stores[k.Selects.Of] != nil {
			e.selections = append(e.selections, newSelection(e.stores[k.Key()], e.stores[k.Selects.Of]))
		}
	}
	return e
}

// Kind returns the kind of a resource.
func (e *Engine) Kind(resource string) (*Kind, bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	k, ok := e.kinds[resource]
	return k, ok
}

func (e *Engine) store(resource string) *store {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.stores[resource]
}

// Kinds returns every kind served.
func (e *Engine) Kinds() []*Kind {
	e.mu.RLock()
	defer e.mu.RUnlock()
	out := make([]*Kind, 0, len(e.kinds))
	for _, k := range e.kinds {
		out = append(out, k)
	}
	slices.SortFunc(out, func(a, b *Kind) int { return strings.Compare(a.Resource, b.Resource) })
	return out
}

// Start registers the engine on the cache's informers; call it before the
// cache starts (or any time after: informers replay their objects).
func (e *Engine) Start(ctx context.Context) error {
	for name, k := range e.kinds {
		inf, err := e.cache.GetInformer(ctx, k.New())
		if err != nil {
			return fmt.Errorf("informer of %s: %w", name, err)
		}
		s := e.stores[name]
		reg, err := inf.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
			AddFunc:    func(o any) { e.put(s, o) },
			UpdateFunc: func(_, o any) { e.put(s, o) },
			DeleteFunc: func(o any) { e.drop(s, o) },
		})
		if err != nil {
			return err
		}
		e.synced = append(e.synced, reg.HasSynced)
	}
	return nil
}

// HasSynced reports whether every kind has received its initial objects.
func (e *Engine) HasSynced() bool {
	for _, f := range e.synced {
		if !f() {
			return false
		}
	}
	return len(e.synced) > 0
}

func (e *Engine) put(s *store, o any) {
	obj, ok := o.(client.Object)
	if !ok {
		return
	}
	r := newRow(s.kind, obj)
	for _, sel := range e.selections {
		if sel.owner == s {
			sel.ownerChanged(r)
		}
	}
	old := s.upsert(r)
	for _, sel := range e.selections {
		if sel.selected == s {
			sel.selectedChanged(old, r)
		}
	}
	s.notify(eventType(old), r)
}

func (e *Engine) drop(s *store, o any) {
	if tomb, ok := o.(toolscache.DeletedFinalStateUnknown); ok {
		o = tomb.Obj
	}
	obj, ok := o.(client.Object)
	if !ok {
		return
	}
	old := s.remove(Key(obj.GetNamespace(), obj.GetName()))
	if old == nil {
		return
	}
	for _, sel := range e.selections {
		switch s {
		case sel.selected:
			sel.selectedChanged(old, nil)
		case sel.owner:
			sel.ownerDeleted(old)
		}
	}
	s.notify("DELETED", old)
}

func eventType(old *Row) string {
	if old == nil {
		return "ADDED"
	}
	return "MODIFIED"
}

// newRow computes a row and its columns.
func newRow(k *Kind, obj client.Object) *Row {
	display := obj.GetAnnotations()[tenantv1beta1.DisplayNameAnnotation]
	if display == "" && k.DisplayName != nil {
		display = k.DisplayName(obj)
	}
	r := &Row{Key: Key(obj.GetNamespace(), obj.GetName()), Namespace: obj.GetNamespace(), Name: obj.GetName(), NameLower: lower(obj.GetName()),
		DisplayName: lower(display), Created: obj.GetCreationTimestamp().UnixNano(), Labels: labels.Set(obj.GetLabels()), Obj: obj}
	for _, ref := range obj.GetOwnerReferences() {
		r.OwnerUIDs = append(r.OwnerUIDs, string(ref.UID))
		r.OwnerKinds = append(r.OwnerKinds, ref.Kind)
	}
	for i, c := range k.Columns {
		if c.Value != nil {
			r.Values[i] = c.Value(obj)
		}
	}
	if k.Ready != nil {
		r.Ready = k.Ready(obj)
	}
	return r
}

// Query is a list request as the engine runs it.
type Query struct {
	*listquery.Query
	// Namespace restricts the list to one namespace.
	Namespace string
	// Visible, when set, says which namespaces the caller may see.
	Visible func(namespace string) bool
	// VisibleSet, when set, lists them; a small set is read namespace by
	// namespace instead of walking every row.
	VisibleSet map[string]bool
	// CountStatus asks for the number of matching objects in each state
	// (Result.Counts) besides the page.
	CountStatus bool
}

// Result is a page and the number of all matching objects.
type Result struct {
	Items []client.Object
	// Derived[i] are the derived values of Items[i].
	Derived []Derived
	Total   int
	// Counts are the matching objects by state (the status column), when
	// the query asked for them; objects of no state are not counted.
	Counts map[string]int
	// strategy is the strategy that answered (strategies.go).
	strategy string
}

// Derived is what the engine computes of an object when it arrives, as list
// and get answers show it beside the object (docs/api.md), so that clients
// show the same values the engine filters and sorts by rather than
// computing their own.
type Derived struct {
	// Status is the state the status filter matches (running, pending ...).
	Status string `json:"status,omitempty"`
	// Ready is the readiness as ready/desired, for pods (containers) and
	// workloads (replicas).
	Ready string `json:"ready,omitempty"`
	// Columns are the kind's derived sort columns, with the values sorted on.
	Columns map[string]any `json:"columns,omitempty"`
}

// derived returns a row's derived values.
func derived(k *Kind, r *Row) Derived {
	d := Derived{Status: r.status(k), Ready: r.Ready}
	for i, c := range k.Columns {
		if !c.Sortable {
			continue
		}
		if d.Columns == nil {
			d.Columns = map[string]any{}
		}
		if c.Numeric {
			d.Columns[c.Name] = r.Values[i].Num
		} else {
			d.Columns[c.Name] = r.Values[i].Text
		}
	}
	return d
}

// Get returns one object, as it may be shown, and its derived values.
func (e *Engine) Get(resource, namespace, name string) (client.Object, Derived, bool) {
	s := e.store(resource)
	if s == nil {
		return nil, Derived{}, false
	}
	r, ok := s.get(Key(namespace, name))
	if !ok {
		return nil, Derived{}, false
	}
	return output(s.kind, r.Obj), derived(s.kind, r), true
}

func output(k *Kind, o client.Object) client.Object {
	if k.Sanitize != nil {
		o = k.Sanitize(o)
	}
	return o
}

// matcher builds the filter of a query.
func matcher(k *Kind, q *Query) (func(*Row) bool, error) {
	var fieldFns []func(*Row) bool
	for _, req := range q.Fields.Requirements() {
		get := fieldGetter(k, req.Field)
		if get == nil {
			return nil, fmt.Errorf("cannot select %s on field %s", k.Resource, req.Field)
		}
		want, op := req.Value, req.Operator
		fieldFns = append(fieldFns, func(r *Row) bool {
			eq := get(r) == want
			if op == "!=" {
				return !eq
			}
			return eq
		})
	}
	statuses := splitSet(q.Filters["status"])
	compiled := map[string]func(Value) bool{}
	for name, v := range q.Filters {
		if i, ok := k.filters[name]; ok && k.Columns[i].Compile != nil {
			test, err := k.Columns[i].Compile(v)
			if err != nil {
				return nil, err
			}
			compiled[name] = test
		}
	}
	return func(r *Row) bool {
		if q.Namespace != "" && r.Namespace != q.Namespace {
			return false
		}
		if q.Visible != nil && !q.Visible(r.Namespace) {
			return false
		}
		if q.Names != nil && !q.Names[r.Name] {
			return false
		}
		if q.Name != "" && !strings.Contains(r.NameLower, q.Name) && (r.DisplayName == "" || !strings.Contains(r.DisplayName, q.Name)) {
			return false
		}
		if !q.Labels.Empty() && !q.Labels.Matches(r.Labels) {
			return false
		}
		for _, f := range fieldFns {
			if !f(r) {
				return false
			}
		}
		for name, v := range q.Filters {
			switch name {
			case "status":
				if !statuses[r.status(k)] {
					return false
				}
			case "ownerReference":
				if !slices.Contains(r.OwnerUIDs, v) {
					return false
				}
			case "ownerKind":
				if !slices.Contains(r.OwnerKinds, v) {
					return false
				}
			default:
				i, ok := k.filters[name]
				if test := compiled[name]; test != nil {
					if !test(r.Values[i]) {
						return false
					}
					continue
				}
				if !ok || !k.Columns[i].matches(r.Values[i], v) {
					return false
				}
			}
		}
		return true
	}, nil
}

func fieldGetter(k *Kind, field string) func(*Row) string {
	switch field {
	case "metadata.name":
		return func(r *Row) string { return r.Name }
	case "metadata.namespace":
		return func(r *Row) string { return r.Namespace }
	}
	for _, f := range k.Fields {
		if f.Name == field {
			return func(r *Row) string { return f.Value(r.Obj) }
		}
	}
	return nil
}

func splitSet(v string) map[string]bool {
	if v == "" {
		return nil
	}
	out := map[string]bool{}
	for _, s := range strings.Split(v, ",") {
		out[strings.ToLower(strings.TrimSpace(s))] = true
	}
	return out
}
