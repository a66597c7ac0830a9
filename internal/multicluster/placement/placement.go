// Package placement says which clusters a workspace is placed on: those its
// spec lists, those its cluster selector matches, and the host cluster for a
// workspace that names neither.
package placement

import (
	"fmt"
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	clusterv1alpha1 "github.com/superkube/super-kubenetes/api/cluster/v1alpha1"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
)

// Selector returns the workspace's cluster selector as labels.Selector;
// nil when it has none; an empty selector matches every cluster. A selector that does not parse is an error (the
// tenant API refuses such a spec, so only a hand-written object has one).
func Selector(ws *tenantv1beta1.Workspace) (labels.Selector, error) {
	if ws.Spec.ClusterSelector == nil {
		return nil, nil
	}
	sel, err := metav1.LabelSelectorAsSelector(ws.Spec.ClusterSelector)
	if err != nil {
		return nil, fmt.Errorf("workspace %s: spec.clusterSelector: %w", ws.Name, err)
	}
	return sel, nil
}

// Placed reports whether the workspace is placed on the cluster. A selector
// that does not parse places the workspace nowhere by selector.
func Placed(ws *tenantv1beta1.Workspace, c *clusterv1alpha1.Cluster) bool {
	if slices.ContainsFunc(ws.Spec.Clusters, func(r tenantv1beta1.ClusterRef) bool { return r.Name == c.Name }) {
		return true
	}
	sel, err := Selector(ws)
	if err != nil {
		return false
	}
	if sel == nil {
		return len(ws.Spec.Clusters) == 0 && IsHost(c)
	}
	return sel.Matches(labels.Set(c.Labels))
}

// Clusters returns the names of the clusters, among all, that the workspace
// is placed on, in the order of all.
func Clusters(ws *tenantv1beta1.Workspace, all []clusterv1alpha1.Cluster) []string {
	var out []string
	for i := range all {
		if Placed(ws, &all[i]) {
			out = append(out, all[i].Name)
		}
	}
	return out
}

// IsHost reports whether the cluster is the host cluster.
func IsHost(c *clusterv1alpha1.Cluster) bool {
	if c.Spec.Connection.Type == clusterv1alpha1.ConnectionHost {
		return true
	}
	_, ok := c.Labels[clusterv1alpha1.HostClusterLabel]
	return ok
}
