package chart

import (
	"context"
	"maps"
	"slices"
	"testing"

	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// The controller manager's replicas stand by for the lease: a drain keeps
// one. Redis and VictoriaLogs run one replica each, where a budget of
// maxUnavailable 0 would block every drain of their node: they have none.
func TestThePodDisruptionBudgets(t *testing.T) {
	h := newHelm(t, "sk-pdb", "skpdb")
	if err := h.install(map[string]any{}); err != nil {
		t.Fatalf("helm install: %v", err)
	}
	var list policyv1.PodDisruptionBudgetList
	if err := env.Client.List(context.Background(), &list, client.InNamespace(h.namespace)); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, p := range list.Items {
		got[p.Name] = p.Spec.MaxUnavailable.String()
		sel, err := metav1.LabelSelectorAsSelector(p.Spec.Selector)
		if err != nil {
			t.Fatal(err)
		}
		component := p.Spec.Selector.MatchLabels["app.kubernetes.io/component"]
		d := h.deployment(component)
		if !sel.Matches(labels.Set(d.Spec.Template.Labels)) {
			t.Errorf("budget %s does not select the %s pods", p.Name, component)
		}
	}
	want := map[string]string{h.name("apiserver"): "1", h.name("console"): "1", h.name("controller-manager"): "1"}
	if !maps.Equal(got, want) {
		t.Errorf("budgets %v, want %v", got, want)
	}

	// One replica: no budget (it would block drains, or protect nothing).
	manifest, err := h.render(map[string]any{"controllerManager": map[string]any{"replicas": 1}})
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(objects(t, manifest), "PodDisruptionBudget/"+h.name("controller-manager")) {
		t.Error("a budget for a single ke-controller-manager")
	}
}
