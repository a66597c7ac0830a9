package prometheus

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/superkube/super-kubenetes/internal/dev/cluster"
)

func targets(t *testing.T) Targets {
	t.Helper()
	dir := t.TempDir()
	var files []string
	for _, n := range []string{"ca.crt", "prometheus.crt", "prometheus.key"} {
		f := filepath.Join(dir, n)
		if err := os.WriteFile(f, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	return Targets{
		Cluster: cluster.Endpoints{APIServer: "127.0.0.1:6443", Etcd: "127.0.0.1:12379", ControllerManager: "127.0.0.1:10257",
			Scheduler: "127.0.0.1:10259", Kubelet: "127.0.0.1:10250", Nodes: []string{"ke-node-0", "ke-node-1"}},
		CAFile: files[0], CertFile: files[1], KeyFile: files[2],
		KeAPIServer: []string{"127.0.0.1:9444"}, KeConsole: []string{"127.0.0.1:8444"},
		KeControllerManager: []string{"127.0.0.1:10281"}, StateMetrics: []string{"127.0.0.1:10283"},
		MeshSim: []string{"127.0.0.1:9096"},
	}
}

// TestTheConfigurationIsOneThatPrometheusAccepts checks the rendered file
// with promtool, the checker of the Prometheus that ke-dev runs.
func TestTheConfigurationIsOneThatPrometheusAccepts(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("promtool is not installed (apt-get install prometheus)")
	}
	dir := t.TempDir()
	rules := filepath.Join(dir, "rules.yaml")
	if err := os.WriteFile(rules, []byte("groups: []\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	alertRules := filepath.Join(dir, "alert-rules")
	if err := os.MkdirAll(alertRules, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(alertRules, "global_x.yaml"), []byte("groups: []\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := &Config{Port: 9090, ScrapeInterval: 5 * time.Second, RulesFile: rules, AlertRulesDir: alertRules, Alertmanager: "127.0.0.1:9093"}
	data, err := Render(cfg, targets(t))
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(file, data, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(promtool, "check", "config", file).CombinedOutput()
	if err != nil {
		t.Fatalf("promtool check config: %v\n%s\n%s", err, out, data)
	}
	if !strings.Contains(string(out), "2 rule files found") {
		t.Errorf("the rules file is not loaded:\n%s", out)
	}
}

func TestEveryJobOfTheContractIsScraped(t *testing.T) {
	data, err := Render(&Config{Port: 9090, RulesFile: "/nonexistent/rules.yaml"}, targets(t))
	if err != nil {
		t.Fatal(err)
	}
	var f file
	if err := yaml.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.RuleFiles) != 0 {
		t.Errorf("a missing rules file is passed on: %v", f.RuleFiles)
	}
	if f.Global.ScrapeInterval != "15s" {
		t.Errorf("scrape interval %s, want the default 15s", f.Global.ScrapeInterval)
	}
	jobs := map[string]scrapeConfig{}
	for _, j := range f.ScrapeConfigs {
		jobs[j.JobName] = j
	}
	for _, want := range []string{"apiserver", "etcd", "kube-controller-manager", "kube-scheduler", "kubelet", "cadvisor",
		"ke-apiserver", "ke-controller-manager", "ke-console", "kube-state-metrics", "prometheus", "istio-mesh"} {
		if _, ok := jobs[want]; !ok {
			t.Errorf("no scrape job %q", want)
		}
	}
	// Each simulated node is a target of its own, named after the node.
	for _, job := range []string{"kubelet", "cadvisor"} {
		sc := jobs[job].StaticConfigs
		if len(sc) != 2 || sc[1].Labels["node"] != "ke-node-1" || sc[1].Labels["__metrics_path__"] != "/metrics/nodes/ke-node-1/metrics/resource" {
			t.Errorf("%s targets: %+v", job, sc)
		}
	}
}

func TestComponentsThatDoNotRunAreNotScraped(t *testing.T) {
	tg := targets(t)
	tg.KeAPIServer, tg.KeConsole, tg.KeControllerManager, tg.StateMetrics, tg.MeshSim = nil, nil, nil, nil, []string{""}
	data, err := Render(&Config{Port: 9090}, tg)
	if err != nil {
		t.Fatal(err)
	}
	for _, job := range []string{"ke-apiserver", "ke-console", "ke-controller-manager", "kube-state-metrics", "alertmanager", "istio-mesh"} {
		if strings.Contains(string(data), "job_name: "+job+"\n") {
			t.Errorf("job %s is scraped though it does not run", job)
		}
	}
	if strings.Contains(string(data), "alerting:") {
		t.Errorf("alerts are sent though no Alertmanager runs:\n%s", data)
	}
}

func TestAlertsGoToAlertmanagerWhichIsScraped(t *testing.T) {
	data, err := Render(&Config{Port: 9090, Alertmanager: "127.0.0.1:9093"}, targets(t))
	if err != nil {
		t.Fatal(err)
	}
	var f file
	if err := yaml.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	if f.Alerting == nil || len(f.Alerting.Alertmanagers) != 1 {
		t.Fatalf("alerting: %+v, want one Alertmanager", f.Alerting)
	}
	am := f.Alerting.Alertmanagers[0]
	if am.APIVersion != "v2" || len(am.StaticConfigs) != 1 || len(am.StaticConfigs[0].Targets) != 1 || am.StaticConfigs[0].Targets[0] != "127.0.0.1:9093" {
		t.Errorf("alertmanagers[0] = %+v, want API v2 at 127.0.0.1:9093", am)
	}
	for _, j := range f.ScrapeConfigs {
		if j.JobName == JobAlertmanager {
			if got := j.StaticConfigs[0].Targets; len(got) != 1 || got[0] != "127.0.0.1:9093" {
				t.Errorf("alertmanager job targets %v", got)
			}
			return
		}
	}
	t.Errorf("no scrape job %q", JobAlertmanager)
}
