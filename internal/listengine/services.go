package listengine

import (
	"sync"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// servicePods keeps, for every service, the set of pods its selector
// picks, so that "pods" is a derived column of services kept current as
// pods and services change.
type servicePods struct {
	mu       sync.Mutex
	services *store
	pods     *store
	// byService maps a service key to its pods' keys.
	byService map[string]map[string]bool
	selectors map[string]labels.Selector
}

func newServicePods(services, pods *store) *servicePods {
	return &servicePods{services: services, pods: pods, byService: map[string]map[string]bool{}, selectors: map[string]labels.Selector{}}
}

// serviceChanged recomputes a service's pods; it returns their number.
func (sp *servicePods) serviceChanged(r *Row) int64 {
	svc, ok := r.Obj.(*corev1.Service)
	if !ok {
		return 0
	}
	sel := labels.Nothing()
	if len(svc.Spec.Selector) > 0 {
		sel = labels.SelectorFromSet(svc.Spec.Selector)
	}
	set := map[string]bool{}
	for _, p := range sp.pods.inNamespace(r.Namespace) {
		if sel.Matches(p.Labels) {
			set[p.Key] = true
		}
	}
	sp.mu.Lock()
	sp.byService[r.Key], sp.selectors[r.Key] = set, sel
	sp.mu.Unlock()
	return int64(len(set))
}

func (sp *servicePods) serviceDeleted(r *Row) {
	sp.mu.Lock()
	delete(sp.byService, r.Key)
	delete(sp.selectors, r.Key)
	sp.mu.Unlock()
}

// podChanged moves a pod in or out of the services of its namespace and
// updates the counts that changed.
func (sp *servicePods) podChanged(old, cur *Row) {
	r := cur
	if r == nil {
		r = old
	}
	var changed []string
	sp.mu.Lock()
	for _, svc := range sp.services.inNamespace(r.Namespace) {
		sel := sp.selectors[svc.Key]
		set := sp.byService[svc.Key]
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
			changed = append(changed, svc.Key)
		}
	}
	counts := make([]int64, len(changed))
	for i, k := range changed {
		counts[i] = int64(len(sp.byService[k]))
	}
	sp.mu.Unlock()
	for i, k := range changed {
		if svc, ok := sp.services.get(k); ok {
			next := *svc
			next.Num = map[string]int64{}
			for c, v := range svc.Num {
				next.Num[c] = v
			}
			next.Num["pods"] = counts[i]
			sp.services.upsert(&next)
			sp.services.notify("MODIFIED", &next)
		}
	}
}
