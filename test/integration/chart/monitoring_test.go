package chart

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/yaml"

	"github.com/superkube/super-kubenetes/internal/apiserver/app"
)

// The chart's monitoring, logging and alerting values become ke-apiserver's configuration, which
// it accepts, and mount the credentials' Secret where the configuration
// points.
func TestTheChartConfiguresTheMonitoringAndLoggingAPIs(t *testing.T) {
	h := newHelm(t, "sk-monitoring", "skm")
	if err := h.install(map[string]any{"apiserver": map[string]any{"issuer": "https://ke.example.com", "monitoring": map[string]any{
		"prometheusURL": "http://prometheus.monitoring.svc:9090", "timeout": "5s",
		"auth": map[string]any{"existingSecret": "prom-auth", "bearerTokenKey": "token"},
	}, "logging": map[string]any{"victoriaLogsURL": "http://victoria-logs.logging.svc:9428", "timeout": "20s"},
		"alerting": map[string]any{"alertmanagerURL": "http://alertmanager.monitoring.svc:9093", "timeout": "7s"}}}); err != nil {
		t.Fatalf("helm install: %v", err)
	}
	cm := &corev1.ConfigMap{}
	if err := env.Client.Get(context.Background(), types.NamespacedName{Namespace: h.namespace, Name: h.name("apiserver")}, cm); err != nil {
		t.Fatal(err)
	}
	cfg := app.DefaultConfig()
	if err := yaml.UnmarshalStrict([]byte(cm.Data["config.yaml"]), &cfg); err != nil {
		t.Fatalf("ke-apiserver's configuration: %v", err)
	}
	m := cfg.Monitoring
	if m.PrometheusURL != "http://prometheus.monitoring.svc:9090" || m.Timeout.Duration != 5*time.Second || m.Concurrency != 8 ||
		m.BearerTokenFile != "/etc/ke-apiserver/prometheus/token" || m.Username != "" {
		t.Errorf("monitoring configuration %+v", m)
	}
	if l := cfg.Logging; l.VictoriaLogsURL != "http://victoria-logs.logging.svc:9428" || l.Timeout.Duration != 20*time.Second {
		t.Errorf("logging configuration %+v", l)
	}
	if a := cfg.Alerting; a.AlertmanagerURL != "http://alertmanager.monitoring.svc:9093" || a.Timeout.Duration != 7*time.Second {
		t.Errorf("alerting configuration %+v", a)
	}
	if errs := cfg.Validate(); len(errs) > 0 {
		t.Errorf("ke-apiserver refuses the configuration: %v", errs)
	}
	if got := mountedSecret(h.deployment("apiserver"), "/etc/ke-apiserver/prometheus"); got != "prom-auth" {
		t.Errorf("the credentials' Secret mounted at /etc/ke-apiserver/prometheus: %q", got)
	}
}
