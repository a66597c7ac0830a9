package chart

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/yaml"

	cmapp "github.com/superkube/super-kubenetes/internal/controllermanager/app"
)

// The chart's alerting values become ke-controller-manager's alerting
// configuration, which it accepts.
func TestTheChartConfiguresTheAlertRules(t *testing.T) {
	h := newHelm(t, "sk-alerting", "ska-rules")
	if err := h.install(map[string]any{"controllerManager": map[string]any{"alerting": map[string]any{
		"prometheusRules": false, "rulesDir": "/var/lib/superkube/alert-rules", "prometheusURL": "http://prometheus.monitoring.svc:9090",
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
	if a := cfg.Alerting; a.PrometheusRules || a.RulesDir != "/var/lib/superkube/alert-rules" || a.PrometheusURL != "http://prometheus.monitoring.svc:9090" {
		t.Errorf("alerting configuration %+v", a)
	}
	if errs := cfg.Validate(); len(errs) > 0 {
		t.Errorf("ke-controller-manager refuses the configuration: %v", errs)
	}
}
