package listengine

import (
	"sync/atomic"
)

// Change is what a subscriber learns of an object.
type Change struct {
	Type            string `json:"type"`
	Namespace       string `json:"namespace,omitempty"`
	Name            string `json:"name"`
	ResourceVersion string `json:"resourceVersion,omitempty"`
}

// Subscription receives the changes of one kind that its filter accepts.
// When it falls behind, changes are dropped and Missed is set: the
// subscriber should reload.
type Subscription struct {
	C      chan Change
	filter func(*Row) bool
	missed atomic.Bool
	s      *store
}

// Missed reports, and clears, whether changes were dropped since the last call.
func (sub *Subscription) Missed() bool { return sub.missed.Swap(false) }

// Subscribe registers for a kind's changes that match q.
func (e *Engine) Subscribe(resource string, q *Query) (*Subscription, error) {
	s := e.store(resource)
	if s == nil {
		return nil, errNoResource(resource)
	}
	m, err := matcher(s.kind, q)
	if err != nil {
		return nil, err
	}
	sub := &Subscription{C: make(chan Change, 256), filter: m, s: s}
	s.mu.Lock()
	s.subs[sub] = struct{}{}
	s.mu.Unlock()
	return sub, nil
}

// Close stops the subscription.
func (sub *Subscription) Close() {
	sub.s.mu.Lock()
	delete(sub.s.subs, sub)
	sub.s.mu.Unlock()
}

func (s *store) notify(typ string, r *Row) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for sub := range s.subs {
		if !sub.filter(r) {
			continue
		}
		select {
		case sub.C <- Change{Type: typ, Namespace: r.Namespace, Name: r.Name, ResourceVersion: r.Obj.GetResourceVersion()}:
		default:
			sub.missed.Store(true)
		}
	}
}

type errNoResource string

func (e errNoResource) Error() string { return "no resource " + string(e) }

// NoResource marks the error of a resource the engine does not know.
func (e errNoResource) NoResource() {}
