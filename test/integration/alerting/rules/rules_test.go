// Package rules tests the alert rules controller of ke-controller-manager
// with a real kube-apiserver (envtest) and a real Prometheus: rule groups
// are compiled into rule files that Prometheus loads, a group that does not
// validate keeps its last good rules, built-in groups are created and fire.
package rules

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	alertingv2beta1 "github.com/superkube/super-kubenetes/api/alerting/v2beta1"
	"github.com/superkube/super-kubenetes/internal/alerting/rules"
	"github.com/superkube/super-kubenetes/internal/controller/alertrules"
	cmapp "github.com/superkube/super-kubenetes/internal/controllermanager/app"
	"github.com/superkube/super-kubenetes/internal/scheme"
	"github.com/superkube/super-kubenetes/internal/testutil/envtest"
	"github.com/superkube/super-kubenetes/internal/testutil/platform"
	"github.com/superkube/super-kubenetes/internal/testutil/prometheus"
)

var (
	k8s      client.Client
	prom     *prometheus.Server
	exporter *prometheus.Exporter
	rulesDir string
)

func TestMain(m *testing.M) {
	code, err := run(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		code = 1
	}
	os.Exit(code)
}

func run(m *testing.M) (int, error) {
	ctrl.SetLogger(logr.Discard())
	dir, err := os.MkdirTemp("", "alert-rules-")
	if err != nil {
		return 1, err
	}
	defer os.RemoveAll(dir)
	rulesDir = filepath.Join(dir, "rules")
	if err := os.MkdirAll(rulesDir, 0o755); err != nil {
		return 1, err
	}
	exporter = prometheus.NewExporter()
	defer exporter.Close()
	exporter.Set("/ksm", prometheus.Cluster{Nodes: []string{"node-1"}, Namespaces: map[string]string{"demo": ""},
		Pods: []prometheus.Pod{{Namespace: "demo", Name: "web-1", Node: "node-1", Deployment: "web"}}}.StateMetrics())
	prom, err = prometheus.Start(prometheus.Options{
		Jobs:      map[string]string{"kube-state-metrics": exporter.URL("/ksm")},
		RuleFiles: []string{filepath.Join(rulesDir, "*"+alertrules.FileSuffix)},
		Args:      []string{"--web.enable-lifecycle"},
	})
	if err != nil {
		return 1, err
	}
	defer prom.Stop()
	env, err := envtest.Start(envtest.Options{CRDDirs: []string{"testdata"}})
	if err != nil {
		return 1, err
	}
	defer func() { _ = env.Stop() }()
	if k8s, err = client.New(env.Config, client.Options{Scheme: scheme.New()}); err != nil {
		return 1, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := platform.StartControllers(ctx, env.Config, func(c *cmapp.Config) {
		c.Alerting.RulesDir, c.Alerting.PrometheusURL = rulesDir, prom.URL
		c.Alerting.ReloadDelay = metav1.Duration{Duration: 200 * time.Millisecond}
	}); err != nil {
		return 1, err
	}
	if err := k8s.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "demo"}}); err != nil {
		return 1, err
	}
	return m.Run(), nil
}

// promGroup is a group of Prometheus' /api/v1/rules.
type promGroup struct {
	Name           string  `json:"name"`
	File           string  `json:"file"`
	EvaluationTime float64 `json:"evaluationTime"`
	Rules          []struct {
		Name   string            `json:"name"`
		Query  string            `json:"query"`
		Health string            `json:"health"`
		State  string            `json:"state"`
		Labels map[string]string `json:"labels"`
		Alerts []struct {
			Labels map[string]string `json:"labels"`
			State  string            `json:"state"`
		} `json:"alerts"`
	} `json:"rules"`
}

// loaded returns the rule groups Prometheus has, by name.
func loaded(t *testing.T) map[string]promGroup {
	t.Helper()
	resp, err := http.Get(prom.URL + "/api/v1/rules?type=alert")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Data struct {
			Groups []promGroup `json:"groups"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	out := map[string]promGroup{}
	for _, g := range body.Data.Groups {
		out[g.Name] = g
	}
	return out
}

func ready(conds []metav1.Condition) *metav1.Condition {
	return meta.FindStatusCondition(conds, alertingv2beta1.ReadyCondition)
}

// waitGroup waits until the group's Ready condition has the reason, for
// its current generation, and returns the group.
func waitGroup(t *testing.T, ns, name, reason string) *alertingv2beta1.RuleGroup {
	t.Helper()
	g := &alertingv2beta1.RuleGroup{}
	platform.Eventually(t, "the group's Ready condition says "+reason, 30*time.Second, func() error {
		if err := k8s.Get(context.Background(), types.NamespacedName{Namespace: ns, Name: name}, g); err != nil {
			return err
		}
		c := ready(g.Status.Conditions)
		if c == nil || c.Reason != reason || c.ObservedGeneration != g.Generation {
			return fmt.Errorf("generation %d, Ready %+v", g.Generation, c)
		}
		return nil
	})
	return g
}

func restartsRule(threshold string) alertingv2beta1.Rule {
	return alertingv2beta1.Rule{Alert: "ManyRestarts", Severity: alertingv2beta1.SeverityCritical,
		Builder: &alertingv2beta1.RuleBuilder{Kind: alertingv2beta1.TargetPod, Metric: "pod_restarts", Comparison: ">", Threshold: threshold},
		Summary: "{{ $labels.pod }} restarted {{ $value }} times"}
}

// A project's group is compiled, confined to its namespace, loaded by
// Prometheus and marked Loaded; a bad change keeps the last good rules
// loaded and says why; disabling and deleting take the rules out.
func TestAProjectGroupIsLoadedAndABadChangeKeepsTheLastGoodRules(t *testing.T) {
	ctx := context.Background()
	g := &alertingv2beta1.RuleGroup{ObjectMeta: metav1.ObjectMeta{Namespace: "demo", Name: "web"},
		Spec: alertingv2beta1.RuleGroupSpec{Interval: "1s", Rules: []alertingv2beta1.Rule{
			restartsRule("100"),
			{Alert: "TargetDown", Expr: "up == 0", For: "1m"},
		}}}
	start := time.Now()
	if err := k8s.Create(ctx, g); err != nil {
		t.Fatal(err)
	}
	g = waitGroup(t, "demo", "web", alertingv2beta1.ReasonLoaded)
	t.Logf("FIGURE: a new group was Loaded (file written, Prometheus reloaded, status set) %s after its creation", time.Since(start).Round(time.Millisecond))
	if g.Status.Rules != 2 || g.Status.ObservedGeneration != g.Generation {
		t.Fatalf("status %+v", g.Status)
	}
	name := rules.GroupName(alertingv2beta1.LevelProject, "demo", "web")
	pg, ok := loaded(t)[name]
	if !ok || len(pg.Rules) != 2 {
		t.Fatalf("Prometheus has %+v", loaded(t))
	}
	for _, r := range pg.Rules {
		if !strings.Contains(r.Query, `namespace="demo"`) {
			t.Errorf("the rule %s is not confined to the project: %s", r.Name, r.Query)
		}
		if r.Labels["rule_level"] != "project" || r.Labels["rule_group"] != "web" || r.Labels["namespace"] != "demo" {
			t.Errorf("the rule %s has the labels %v", r.Name, r.Labels)
		}
	}
	file := filepath.Join(rulesDir, alertrules.Key{Level: alertingv2beta1.LevelProject, Namespace: "demo", Name: "web"}.FileName())
	good, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	// The PrometheusRule of the group, where the CRD is installed.
	pr := &unstructured.Unstructured{}
	pr.SetGroupVersionKind(alertrules.PrometheusRuleGVK)
	if err := k8s.Get(ctx, types.NamespacedName{Namespace: "demo", Name: "superkube-web"}, pr); err != nil {
		t.Fatalf("no PrometheusRule: %v", err)
	}
	groups, _, _ := unstructured.NestedSlice(pr.Object, "spec", "groups")
	if len(groups) != 1 || groups[0].(map[string]any)["name"] != name {
		t.Errorf("the PrometheusRule has %v", groups)
	}

	// A threshold that is not a number, then PromQL that does not parse.
	for _, bad := range []struct {
		change func(*alertingv2beta1.RuleGroup)
		says   string
	}{
		{func(g *alertingv2beta1.RuleGroup) { g.Spec.Rules[0].Builder.Threshold = "lots" }, "spec.rules[0].builder.threshold"},
		{func(g *alertingv2beta1.RuleGroup) {
			g.Spec.Rules[0] = alertingv2beta1.Rule{Alert: "ManyRestarts", Expr: "sum(up"}
		}, "parse"},
	} {
		cur := &alertingv2beta1.RuleGroup{}
		if err := k8s.Get(ctx, client.ObjectKeyFromObject(g), cur); err != nil {
			t.Fatal(err)
		}
		bad.change(cur)
		if err := k8s.Update(ctx, cur); err != nil {
			t.Fatal(err)
		}
		got := waitGroup(t, "demo", "web", alertingv2beta1.ReasonInvalid)
		c := ready(got.Status.Conditions)
		if c.Status != metav1.ConditionFalse || !strings.Contains(c.Message, bad.says) || !strings.Contains(c.Message, "last good rules stay") {
			t.Errorf("Ready %+v, want False saying %q", c, bad.says)
		}
		if got.Status.Rules != 2 || got.Status.ObservedGeneration == got.Generation {
			t.Errorf("status %+v: the last good rules are 2, of an older generation", got.Status)
		}
		if now, _ := os.ReadFile(file); string(now) != string(good) {
			t.Errorf("the rule file changed:\n%s", now)
		}
		if pg := loaded(t)[name]; len(pg.Rules) != 2 || !strings.Contains(pg.Rules[0].Query, "> 100") {
			t.Errorf("Prometheus no longer has the last good rules: %+v", pg)
		}
	}

	// Fixed: loaded again, with the new threshold.
	cur := &alertingv2beta1.RuleGroup{}
	if err := k8s.Get(ctx, client.ObjectKeyFromObject(g), cur); err != nil {
		t.Fatal(err)
	}
	cur.Spec.Rules[0] = restartsRule("5")
	start = time.Now()
	if err := k8s.Update(ctx, cur); err != nil {
		t.Fatal(err)
	}
	waitGroup(t, "demo", "web", alertingv2beta1.ReasonLoaded)
	t.Logf("FIGURE: a changed threshold was Loaded %s after the update", time.Since(start).Round(time.Millisecond))
	if pg := loaded(t)[name]; len(pg.Rules) != 2 || !strings.Contains(pg.Rules[0].Query, "> 5") {
		t.Fatalf("Prometheus has %+v", pg)
	}

	// Disabled: out of Prometheus, its file and PrometheusRule gone.
	if err := k8s.Get(ctx, client.ObjectKeyFromObject(g), cur); err != nil {
		t.Fatal(err)
	}
	cur.Spec.Disabled = true
	if err := k8s.Update(ctx, cur); err != nil {
		t.Fatal(err)
	}
	got := waitGroup(t, "demo", "web", alertingv2beta1.ReasonDisabled)
	if got.Status.Rules != 0 || ready(got.Status.Conditions).Status != metav1.ConditionTrue {
		t.Errorf("status %+v", got.Status)
	}
	if _, ok := loaded(t)[name]; ok {
		t.Error("Prometheus still has the disabled group")
	}
	if _, err := os.Stat(file); !os.IsNotExist(err) {
		t.Errorf("the disabled group's file: %v", err)
	}
	if err := k8s.Get(ctx, types.NamespacedName{Namespace: "demo", Name: "superkube-web"}, pr); err == nil {
		t.Error("the disabled group's PrometheusRule is still there")
	}

	// Enabled, then deleted: its file goes.
	if err := k8s.Get(ctx, client.ObjectKeyFromObject(g), cur); err != nil {
		t.Fatal(err)
	}
	cur.Spec.Disabled = false
	if err := k8s.Update(ctx, cur); err != nil {
		t.Fatal(err)
	}
	waitGroup(t, "demo", "web", alertingv2beta1.ReasonLoaded)
	if err := k8s.Delete(ctx, cur); err != nil {
		t.Fatal(err)
	}
	platform.Eventually(t, "the deleted group leaves Prometheus", 30*time.Second, func() error {
		if _, ok := loaded(t)[name]; ok {
			return fmt.Errorf("Prometheus still has %s", name)
		}
		if _, err := os.Stat(file); !os.IsNotExist(err) {
			return fmt.Errorf("the file: %v", err)
		}
		return nil
	})
}

// The built-in groups are created, loaded and marked Loaded; the built-in
// crash-loop alert fires for a pod whose restarts keep growing.
func TestTheBuiltinGroupsAreLoadedAndTheCrashLoopAlertFires(t *testing.T) {
	ctx := context.Background()
	for _, b := range rules.Builtin() {
		g := &alertingv2beta1.GlobalRuleGroup{}
		platform.Eventually(t, "the built-in group "+b.Name+" is Loaded", 60*time.Second, func() error {
			if err := k8s.Get(ctx, types.NamespacedName{Name: b.Name}, g); err != nil {
				return err
			}
			if c := ready(g.Status.Conditions); c == nil || c.Reason != alertingv2beta1.ReasonLoaded {
				return fmt.Errorf("Ready %+v", c)
			}
			return nil
		})
		if g.Labels[alertingv2beta1.BuiltinLabel] != "true" || int(g.Status.Rules) != len(b.Spec.Rules) {
			t.Errorf("%s: labels %v, status %+v", b.Name, g.Labels, g.Status)
		}
		if _, ok := loaded(t)[rules.GroupName(alertingv2beta1.LevelGlobal, "", b.Name)]; !ok {
			t.Errorf("Prometheus lacks %s", b.Name)
		}
	}

	// A pod that restarts every 5 seconds from now on.
	start := time.Now()
	exporter.Add("/ksm", prometheus.Series{Name: "kube_pod_container_status_restarts_total",
		Labels: map[string]string{"namespace": "demo", "pod": "crashy", "container": "app", "uid": "1"}, Rate: 0.2})
	platform.Eventually(t, "PodCrashLooping fires for demo/crashy", 2*time.Minute, func() error {
		for _, r := range loaded(t)[rules.GroupName(alertingv2beta1.LevelGlobal, "", rules.BuiltinWorkloads)].Rules {
			for _, a := range r.Alerts {
				if r.Name == "PodCrashLooping" && a.Labels["pod"] == "crashy" && a.State == "firing" {
					if a.Labels["rule_level"] != "global" || a.Labels["severity"] != "warning" {
						return fmt.Errorf("the alert has the labels %v", a.Labels)
					}
					return nil
				}
			}
		}
		return fmt.Errorf("not firing")
	})
	t.Logf("FIGURE: the built-in PodCrashLooping fired %s after the pod began restarting every 5 s (scrapes and evaluations every 1 s)",
		time.Since(start).Round(time.Second))
}
