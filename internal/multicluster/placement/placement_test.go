package placement

import (
	"slices"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	clusterv1alpha1 "github.com/superkube/super-kubenetes/api/cluster/v1alpha1"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
)

func TestClusters(t *testing.T) {
	cluster := func(name string, typ clusterv1alpha1.ConnectionType, labels map[string]string) clusterv1alpha1.Cluster {
		c := clusterv1alpha1.Cluster{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}}
		c.Spec.Connection.Type = typ
		return c
	}
	all := []clusterv1alpha1.Cluster{
		cluster("host", clusterv1alpha1.ConnectionHost, nil),
		cluster("eu-1", clusterv1alpha1.ConnectionAgent, map[string]string{"region": "eu"}),
		cluster("eu-2", clusterv1alpha1.ConnectionDirect, map[string]string{"region": "eu"}),
		cluster("us-1", clusterv1alpha1.ConnectionDirect, map[string]string{"region": "us"}),
	}
	ws := func(clusters []string, sel *metav1.LabelSelector) *tenantv1beta1.Workspace {
		w := &tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: "w"}}
		for _, c := range clusters {
			w.Spec.Clusters = append(w.Spec.Clusters, tenantv1beta1.ClusterRef{Name: c})
		}
		w.Spec.ClusterSelector = sel
		return w
	}
	for _, tc := range []struct {
		name string
		ws   *tenantv1beta1.Workspace
		want []string
	}{
		{"neither: the host alone", ws(nil, nil), []string{"host"}},
		{"a list", ws([]string{"eu-2", "us-1"}, nil), []string{"eu-2", "us-1"}},
		{"a selector", ws(nil, &metav1.LabelSelector{MatchLabels: map[string]string{"region": "eu"}}), []string{"eu-1", "eu-2"}},
		{"a list and a selector", ws([]string{"host"}, &metav1.LabelSelector{MatchLabels: map[string]string{"region": "us"}}), []string{"host", "us-1"}},
		{"an empty selector: every cluster", ws(nil, &metav1.LabelSelector{}), []string{"host", "eu-1", "eu-2", "us-1"}},
		{"a selector that does not parse places by list only", ws([]string{"eu-1"}, &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "region", Operator: "Bogus"}}}), []string{"eu-1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Clusters(tc.ws, all); !slices.Equal(got, tc.want) {
				t.Errorf("Clusters = %v, want %v", got, tc.want)
			}
		})
	}
}
