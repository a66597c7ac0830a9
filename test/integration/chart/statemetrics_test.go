package chart

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"helm.sh/helm/v4/pkg/action"
	release "helm.sh/helm/v4/pkg/release/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/yaml"

	cmapp "github.com/superkube/super-kubenetes/internal/controllermanager/app"
	"github.com/superkube/super-kubenetes/internal/testutil/envtest"
)

// controllerManagerConfig is the configuration the chart gives ke-controller-manager.
func (h *helm) controllerManagerConfig() cmapp.Config {
	h.t.Helper()
	cm := &corev1.ConfigMap{}
	if err := env.Client.Get(context.Background(), types.NamespacedName{Namespace: h.namespace, Name: h.name("controller-manager")}, cm); err != nil {
		h.t.Fatal(err)
	}
	cfg := cmapp.DefaultConfig()
	if err := yaml.UnmarshalStrict([]byte(cm.Data["config.yaml"]), &cfg); err != nil {
		h.t.Fatalf("ke-controller-manager's configuration: %v", err)
	}
	return cfg
}

func TestTheChartExposesTheObjectStateMetricsToPrometheus(t *testing.T) {
	h := newHelm(t, "sk-state-metrics", "sksm")
	if err := h.install(nil); err != nil {
		t.Fatalf("helm install: %v", err)
	}
	if got := h.controllerManagerConfig().StateMetricsBindAddress; got != ":8085" {
		t.Errorf("stateMetricsBindAddress is %q", got)
	}
	var port *corev1.ContainerPort
	for _, p := range h.deployment("controller-manager").Spec.Template.Spec.Containers[0].Ports {
		if p.Name == "state-metrics" {
			port = &p
		}
	}
	if port == nil || port.ContainerPort != 8085 {
		t.Errorf("the container's state-metrics port is %+v", port)
	}
	svc := &corev1.Service{}
	if err := env.Client.Get(context.Background(), types.NamespacedName{Namespace: h.namespace, Name: h.name("controller-manager-state-metrics")}, svc); err != nil {
		t.Fatal(err)
	}
	if len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].Port != 8085 || svc.Spec.Ports[0].TargetPort.String() != "state-metrics" {
		t.Errorf("the Service's ports are %+v", svc.Spec.Ports)
	}
	if a := svc.Annotations; a["prometheus.io/scrape"] != "true" || a["prometheus.io/port"] != "8085" || a["prometheus.io/path"] != "/metrics" {
		t.Errorf("a Prometheus that discovers by annotation does not find the Service: %v", a)
	}

	if err := h.upgrade(map[string]any{"controllerManager": map[string]any{"stateMetrics": map[string]any{"enabled": false}}}); err != nil {
		t.Fatalf("helm upgrade: %v", err)
	}
	if got := h.controllerManagerConfig().StateMetricsBindAddress; got != "0" {
		t.Errorf("stateMetrics.enabled=false leaves stateMetricsBindAddress %q", got)
	}
	if h.serviceExists(h.name("controller-manager-state-metrics")) {
		t.Error("stateMetrics.enabled=false keeps the Service")
	}
}

func TestTheStateMetricsServiceMonitorKeepsTheSeriesLabelsUnderTheKubeStateMetricsJob(t *testing.T) {
	h := newHelm(t, "sk-state-metrics-sm", "sksmm")
	i := action.NewInstall(h.cfg)
	i.ReleaseName, i.Namespace = h.release, h.namespace
	// The ServiceMonitor's CRD is not installed here: render only.
	i.DryRunStrategy = action.DryRunClient
	rel, err := i.Run(h.chart, map[string]any{"controllerManager": map[string]any{"stateMetrics": map[string]any{"serviceMonitor": map[string]any{"enabled": true}}}})
	if err != nil {
		t.Fatalf("helm template: %v", err)
	}
	var sm map[string]any
	for doc := range strings.SplitSeq(rel.(*release.Release).Manifest, "\n---") {
		var obj map[string]any
		if err := yaml.Unmarshal([]byte(doc), &obj); err != nil {
			t.Fatal(err)
		}
		if obj["kind"] == "ServiceMonitor" && strings.HasSuffix(obj["metadata"].(map[string]any)["name"].(string), "-state-metrics") {
			sm = obj
		}
	}
	if sm == nil {
		t.Fatal("no ServiceMonitor of the state metrics")
	}
	spec := sm["spec"].(map[string]any)
	ep := spec["endpoints"].([]any)[0].(map[string]any)
	if ep["port"] != "state-metrics" || ep["honorLabels"] != true {
		t.Errorf("the endpoint does not scrape the state-metrics port keeping the series' labels: %v", ep)
	}
	relabel := ep["relabelings"].([]any)[0].(map[string]any)
	if relabel["targetLabel"] != "job" || relabel["replacement"] != "kube-state-metrics" {
		t.Errorf("the job is not kube-state-metrics: %v", relabel)
	}
	if spec["selector"].(map[string]any)["matchLabels"].(map[string]any)["superkube.io/metrics"] != "state" {
		t.Errorf("the ServiceMonitor does not select the state metrics Service: %v", spec["selector"])
	}
}

func TestTheChartShipsTheRecordingRules(t *testing.T) {
	root, err := envtest.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join(root, "charts", "super-kubenetes", "files", "prometheus", "rules.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	h := newHelm(t, "sk-rules", "skr")
	i := action.NewInstall(h.cfg)
	i.ReleaseName, i.Namespace = h.release, h.namespace
	// The PrometheusRule's CRD is not installed here: render only.
	i.DryRunStrategy = action.DryRunClient
	rel, err := i.Run(h.chart, map[string]any{"prometheusRules": map[string]any{"prometheusRule": map[string]any{"enabled": true}}})
	if err != nil {
		t.Fatalf("helm template: %v", err)
	}
	var wantGroups map[string]any
	if err := yaml.Unmarshal(want, &wantGroups); err != nil {
		t.Fatal(err)
	}
	found := 0
	for doc := range strings.SplitSeq(rel.(*release.Release).Manifest, "\n---") {
		var obj map[string]any
		if err := yaml.Unmarshal([]byte(doc), &obj); err != nil {
			t.Fatal(err)
		}
		switch {
		case obj["kind"] == "ConfigMap" && strings.HasSuffix(obj["metadata"].(map[string]any)["name"].(string), "-prometheus-rules"):
			found++
			if got := obj["data"].(map[string]any)["rules.yaml"]; got != string(want) {
				t.Errorf("the ConfigMap's rules.yaml differs from files/prometheus/rules.yaml")
			}
		case obj["kind"] == "PrometheusRule":
			found++
			if diff := cmp.Diff(wantGroups, obj["spec"]); diff != "" {
				t.Errorf("the PrometheusRule's groups differ from files/prometheus/rules.yaml (-want +got):\n%s", diff)
			}
		}
	}
	if found != 2 {
		t.Errorf("found %d of the ConfigMap and the PrometheusRule", found)
	}
}
