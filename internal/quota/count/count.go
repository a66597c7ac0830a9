// Package count adds up what a workspace's projects use of a workspace
// quota, from the platform's cache: the quota controller keeps a quota's
// status with it, and the webhook counts with it a quota whose status is
// not current yet.
package count

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	quota "k8s.io/apiserver/pkg/quota/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	quotav1alpha2 "github.com/superkube/super-kubenetes/api/quota/v1alpha2"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	"github.com/superkube/super-kubenetes/internal/quota/usage"
)

// ChargeTTL is how long an admitted create counts while its object is not
// seen: one that never appears (a later admission step refused it) stops
// counting then.
const ChargeTTL = time.Minute

// Namespaces returns the names of the workspace's namespaces, sorted.
func Namespaces(ctx context.Context, r client.Reader, workspace string) ([]string, error) {
	var nss corev1.NamespaceList
	if err := r.List(ctx, &nss, client.MatchingLabels{tenantv1beta1.WorkspaceLabel: workspace}); err != nil {
		return nil, err
	}
	names := make([]string, 0, len(nss.Items))
	for _, ns := range nss.Items {
		names = append(names, ns.Name)
	}
	slices.Sort(names)
	return names, nil
}

// Place is one cluster a workspace is placed on, and the cache its
// objects are counted from.
type Place struct {
	// Cluster is the member cluster's name; empty for the host.
	Cluster string
	// Reader is the cluster's cache; nil while the cluster cannot be read
	// (its last count is kept then).
	Reader client.Reader
}

// Places gives the clusters a workspace's projects are counted on.
type Places interface {
	For(ctx context.Context, workspace string) ([]Place, error)
}

// Host counts the host cluster alone, from r.
func Host(r client.Reader) Places { return hostOnly{r} }

type hostOnly struct{ r client.Reader }

func (h hostOnly) For(context.Context, string) ([]Place, error) { return []Place{{Reader: h.r}}, nil }

// Workspace returns what each of the workspace's namespaces uses of the
// resources hard names (namespaces that use none of them included), on
// each place, sorted by cluster and name. A place without a reader is
// left out: the caller keeps its last count.
func Workspace(ctx context.Context, places []Place, workspace string, hard corev1.ResourceList) ([]quotav1alpha2.NamespaceUsage, error) {
	var out []quotav1alpha2.NamespaceUsage
	for _, p := range places {
		if p.Reader == nil {
			continue
		}
		names, err := Namespaces(ctx, p.Reader, workspace)
		if err != nil {
			if p.Cluster != "" {
				return nil, fmt.Errorf("cluster %s: %w", p.Cluster, err)
			}
			return nil, err
		}
		for _, ns := range names {
			used, err := Namespace(ctx, p.Reader, ns, hard)
			if err != nil {
				return nil, err
			}
			out = append(out, quotav1alpha2.NamespaceUsage{Cluster: p.Cluster, Namespace: ns, Used: used})
		}
	}
	Sort(out)
	return out, nil
}

// Sort orders usage by cluster (the host first) and namespace.
func Sort(nss []quotav1alpha2.NamespaceUsage) {
	slices.SortFunc(nss, func(a, b quotav1alpha2.NamespaceUsage) int {
		return cmp.Or(strings.Compare(a.Cluster, b.Cluster), strings.Compare(a.Namespace, b.Namespace))
	})
}

// Reader is the reader of cluster among places (nil when it cannot be
// read or the workspace is not placed there).
func Reader(places []Place, cluster string) client.Reader {
	for _, p := range places {
		if p.Cluster == cluster {
			return p.Reader
		}
	}
	return nil
}

// Namespace returns what one namespace uses of the resources hard names.
// Only the kinds that can use one of them are listed.
func Namespace(ctx context.Context, r client.Reader, ns string, hard corev1.ResourceList) (corev1.ResourceList, error) {
	used := corev1.ResourceList{}
	for _, k := range usage.Kinds {
		if !Limits(hard, k) {
			continue
		}
		switch k.Kind {
		case "Pod":
			var pods corev1.PodList
			// Read, not copied: only summed.
			if err := r.List(ctx, &pods, client.InNamespace(ns), client.UnsafeDisableDeepCopy); err != nil {
				return nil, err
			}
			for i := range pods.Items {
				used = quota.Add(used, usage.Limited(usage.Pod(&pods.Items[i]), hard))
			}
		case "PersistentVolumeClaim":
			var pvcs corev1.PersistentVolumeClaimList
			if err := r.List(ctx, &pvcs, client.InNamespace(ns), client.UnsafeDisableDeepCopy); err != nil {
				return nil, err
			}
			for i := range pvcs.Items {
				used = quota.Add(used, usage.Limited(usage.Claim(&pvcs.Items[i]), hard))
			}
		default:
			var l metav1.PartialObjectMetadataList
			l.SetGroupVersionKind(k.GroupVersionKind().GroupVersion().WithKind(k.Kind + "List"))
			if err := r.List(ctx, &l, client.InNamespace(ns)); err != nil {
				return nil, err
			}
			for range l.Items {
				used = quota.Add(used, usage.Limited(usage.Count(k), hard))
			}
		}
	}
	return used, nil
}

// Objects are an empty object of each counted kind, in the form the
// counting reads them (pods and claims whole, the others as metadata).
func Objects() []client.Object {
	out := make([]client.Object, 0, len(usage.Kinds))
	for _, k := range usage.Kinds {
		out = append(out, object(k))
	}
	return out
}

func object(k usage.Kind) client.Object {
	switch k.Kind {
	case "Pod":
		return &corev1.Pod{}
	case "PersistentVolumeClaim":
		return &corev1.PersistentVolumeClaim{}
	}
	m := &metav1.PartialObjectMetadata{}
	m.SetGroupVersionKind(k.GroupVersionKind())
	return m
}

// Limits says whether hard names a resource that objects of kind k use.
func Limits(hard corev1.ResourceList, k usage.Kind) bool {
	for name := range hard {
		switch {
		case name == k.Count || (k.Short != "" && name == k.Short):
			return true
		case k.Kind == "Pod" && (strings.HasSuffix(string(name), "cpu") || strings.HasSuffix(string(name), "memory") || strings.HasSuffix(string(name), "ephemeral-storage")):
			return true
		case k.Kind == "PersistentVolumeClaim" && name == corev1.ResourceRequestsStorage:
			return true
		}
	}
	return false
}

// Counted says whether the object of a charge is in r (the cache of the
// charge's cluster) as charged. A nil r has seen nothing.
func Counted(ctx context.Context, r client.Reader, c quotav1alpha2.Charge) (bool, error) {
	k, ok := usage.KindOfName(c.Resource)
	if !ok || c.Name == "" || r == nil {
		return false, nil
	}
	obj := object(k)
	if err := r.Get(ctx, client.ObjectKey{Namespace: c.Namespace, Name: c.Name}, obj); err != nil {
		return false, client.IgnoreNotFound(err)
	}
	if obj.GetUID() != c.UID {
		return false, nil
	}
	// An expansion is counted once the claim is seen requesting its size.
	if pvc, ok := obj.(*corev1.PersistentVolumeClaim); ok && c.Request != nil {
		q, ok := pvc.Spec.Resources.Requests[corev1.ResourceStorage]
		return ok && q.Cmp(*c.Request) >= 0, nil
	}
	return true, nil
}

// Total is the sum of the namespaces' usage and the pending charges.
func Total(nss []quotav1alpha2.NamespaceUsage, pending []quotav1alpha2.Charge) corev1.ResourceList {
	total := corev1.ResourceList{}
	for _, ns := range nss {
		total = quota.Add(total, ns.Used)
	}
	for _, c := range pending {
		total = quota.Add(total, c.Used)
	}
	return total
}

// Exceeded returns the names whose usage is above the hard limit, sorted.
func Exceeded(used, hard corev1.ResourceList) []string {
	var out []string
	for name, h := range hard {
		if u, ok := used[name]; ok && u.Cmp(h) > 0 {
			out = append(out, string(name))
		}
	}
	slices.Sort(out)
	return out
}

// UseChanged says whether an update can change what an object uses: a
// pod's ending and a claim's request do; nothing else's update does.
func UseChanged(old, obj any) bool {
	switch o := obj.(type) {
	case *corev1.Pod:
		was, ok := old.(*corev1.Pod)
		return !ok || usage.Terminal(o) != usage.Terminal(was)
	case *corev1.PersistentVolumeClaim:
		was, ok := old.(*corev1.PersistentVolumeClaim)
		return !ok || !quota.Equals(usage.Claim(o), usage.Claim(was))
	}
	return false
}
