package memberrbac

import (
	"sort"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Marked is what the member holds with MirroredByLabel: the objects the
// host wrote there before.
type Marked struct {
	ClusterRoles        []rbacv1.ClusterRole
	ClusterRoleBindings []rbacv1.ClusterRoleBinding
	RoleBindings        []rbacv1.RoleBinding
}

// Op is a write on the member.
type Op string

// Writes of a plan.
const (
	// Create an object that is not there (an unmarked object of the same
	// name makes it fail; it is left alone).
	Create Op = "create"
	// Update a marked object to the wanted labels and content.
	Update Op = "update"
	// Delete a marked object that is no longer wanted, or whose roleRef
	// (immutable) must change; in that case a Create follows.
	Delete Op = "delete"
)

// Change is one write. For an Update, Base is the object as the member
// holds it (the patch is computed against it) and Object the result.
type Change struct {
	Op     Op
	Object client.Object
	Base   client.Object
}

// Plan lists the writes that turn marked into want, in order: cluster
// roles, then cluster role bindings, then role bindings; deletions of a
// kind after its creations and updates. A member that matches makes an
// empty plan, so the steady state writes nothing. Labels that others added
// to a marked object are kept; only the wanted labels are compared.
func Plan(want State, marked Marked) []Change {
	var out []Change

	crs := map[string]*rbacv1.ClusterRole{}
	for i := range marked.ClusterRoles {
		crs[marked.ClusterRoles[i].Name] = &marked.ClusterRoles[i]
	}
	for i := range want.ClusterRoles {
		w := &want.ClusterRoles[i]
		have, ok := crs[w.Name]
		delete(crs, w.Name)
		switch {
		case !ok:
			out = append(out, Change{Op: Create, Object: w.DeepCopy()})
		case !hasLabels(have.Labels, w.Labels) || !equality.Semantic.DeepEqual(have.Rules, w.Rules) || have.AggregationRule != nil:
			next := have.DeepCopy()
			next.Labels = withLabels(next.Labels, w.Labels)
			next.Rules, next.AggregationRule = w.Rules, nil
			out = append(out, Change{Op: Update, Object: next, Base: have.DeepCopy()})
		}
	}
	var delCR, delCRB, delRB []Change
	for _, name := range sortedKeys(crs) {
		delCR = append(delCR, Change{Op: Delete, Object: crs[name].DeepCopy()})
	}

	crbs := map[string]*rbacv1.ClusterRoleBinding{}
	for i := range marked.ClusterRoleBindings {
		crbs[marked.ClusterRoleBindings[i].Name] = &marked.ClusterRoleBindings[i]
	}
	for i := range want.ClusterRoleBindings {
		w := &want.ClusterRoleBindings[i]
		have, ok := crbs[w.Name]
		delete(crbs, w.Name)
		switch {
		case !ok:
			out = append(out, Change{Op: Create, Object: w.DeepCopy()})
		case have.RoleRef != w.RoleRef:
			out = append(out, Change{Op: Delete, Object: have.DeepCopy()}, Change{Op: Create, Object: w.DeepCopy()})
		case !hasLabels(have.Labels, w.Labels) || !equality.Semantic.DeepEqual(have.Subjects, w.Subjects):
			next := have.DeepCopy()
			next.Labels = withLabels(next.Labels, w.Labels)
			next.Subjects = w.Subjects
			out = append(out, Change{Op: Update, Object: next, Base: have.DeepCopy()})
		}
	}
	for _, name := range sortedKeys(crbs) {
		delCRB = append(delCRB, Change{Op: Delete, Object: crbs[name].DeepCopy()})
	}

	rbs := map[types.NamespacedName]*rbacv1.RoleBinding{}
	for i := range marked.RoleBindings {
		rb := &marked.RoleBindings[i]
		rbs[types.NamespacedName{Namespace: rb.Namespace, Name: rb.Name}] = rb
	}
	for i := range want.RoleBindings {
		w := &want.RoleBindings[i]
		key := types.NamespacedName{Namespace: w.Namespace, Name: w.Name}
		have, ok := rbs[key]
		delete(rbs, key)
		switch {
		case !ok:
			out = append(out, Change{Op: Create, Object: w.DeepCopy()})
		case have.RoleRef != w.RoleRef:
			out = append(out, Change{Op: Delete, Object: have.DeepCopy()}, Change{Op: Create, Object: w.DeepCopy()})
		case !hasLabels(have.Labels, w.Labels) || !equality.Semantic.DeepEqual(have.Subjects, w.Subjects):
			next := have.DeepCopy()
			next.Labels = withLabels(next.Labels, w.Labels)
			next.Subjects = w.Subjects
			out = append(out, Change{Op: Update, Object: next, Base: have.DeepCopy()})
		}
	}
	keys := make([]types.NamespacedName, 0, len(rbs))
	for k := range rbs {
		keys = append(keys, k)
	}
	sortNames(keys)
	for _, k := range keys {
		delRB = append(delRB, Change{Op: Delete, Object: rbs[k].DeepCopy()})
	}
	// Bindings go before the roles they refer to.
	out = append(out, delRB...)
	out = append(out, delCRB...)
	return append(out, delCR...)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func sortNames(keys []types.NamespacedName) {
	sort.Slice(keys, func(i, j int) bool {
		return keys[i].Namespace < keys[j].Namespace || keys[i].Namespace == keys[j].Namespace && keys[i].Name < keys[j].Name
	})
}

func hasLabels(have, want map[string]string) bool {
	for k, v := range want {
		if got, ok := have[k]; !ok || got != v {
			return false
		}
	}
	return true
}

func withLabels(into, from map[string]string) map[string]string {
	if into == nil {
		into = map[string]string{}
	}
	for k, v := range from {
		into[k] = v
	}
	return into
}
