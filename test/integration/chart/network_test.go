package chart

import (
	"context"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/yaml"

	cmapp "github.com/superkube/super-kubenetes/internal/controllermanager/app"
)

// The chart's networkIsolation values become ke-controller-manager's
// networkIsolation configuration, which it accepts; the monitoring
// namespace defaults to the release namespace.
func TestTheChartNamesTheNamespacesIsolatedProjectsAccept(t *testing.T) {
	h := newHelm(t, "sk-network", "skn-iso")
	if err := h.install(map[string]any{"controllerManager": map[string]any{"networkIsolation": map[string]any{
		"ingressNamespace": "traefik", "allowedNamespaces": []any{"backup", "mesh"},
	}}}); err != nil {
		t.Fatalf("helm install: %v", err)
	}
	cm := &corev1.ConfigMap{}
	if err := env.Client.Get(context.Background(), types.NamespacedName{Namespace: h.namespace, Name: h.name("controller-manager")}, cm); err != nil {
		t.Fatal(err)
	}
	cfg := cmapp.DefaultConfig()
	if err := yaml.UnmarshalStrict([]byte(cm.Data["config.yaml"]), &cfg); err != nil {
		t.Fatalf("ke-controller-manager's configuration: %v", err)
	}
	completed, err := cfg.Complete(env.Config)
	if err != nil {
		t.Fatalf("ke-controller-manager refuses the configuration: %v", err)
	}
	got := completed.NetworkIsolation.Namespaces()
	if want := []string{"kube-system", "traefik", h.namespace, "backup", "mesh"}; !slices.Equal(got, want) {
		t.Errorf("namespaces %v, want %v", got, want)
	}
}
