//go:build bench

// Package alertrules benchmarks the alert rules controller at scale: 1,000
// rules in 200 projects (one RuleGroup of 5 builder rules each) compiled by
// ke-controller-manager on a real kube-apiserver and loaded into a real
// Prometheus that scrapes synthetic series of 1,000 pods. It prints the
// time until all are loaded, the time from a change to its being loaded,
// and Prometheus' evaluation time of the rules. Run with `make bench`.
package alertrules

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	alertingv2beta1 "github.com/superkube/super-kubenetes/api/alerting/v2beta1"
	"github.com/superkube/super-kubenetes/internal/controller/alertrules"
	cmapp "github.com/superkube/super-kubenetes/internal/controllermanager/app"
	"github.com/superkube/super-kubenetes/internal/scheme"
	"github.com/superkube/super-kubenetes/internal/testutil/bench"
	"github.com/superkube/super-kubenetes/internal/testutil/envtest"
	"github.com/superkube/super-kubenetes/internal/testutil/platform"
	"github.com/superkube/super-kubenetes/internal/testutil/prometheus"
)

const (
	projects      = 200
	rulesPerGroup = 5
	podsPerNS     = 5
	changes       = 20
	interval      = 5 * time.Second
)

func BenchmarkAlertRulesAtScale(b *testing.B) {
	ctrl.SetLogger(logr.Discard())
	dir := b.TempDir()
	rulesDir := filepath.Join(dir, "rules")
	if err := os.MkdirAll(rulesDir, 0o755); err != nil {
		b.Fatal(err)
	}
	cluster := prometheus.Cluster{Nodes: []string{"node-1", "node-2", "node-3"}, Namespaces: map[string]string{}}
	for n := range projects {
		ns := fmt.Sprintf("p-%03d", n)
		cluster.Namespaces[ns] = ""
		for p := range podsPerNS {
			cluster.Pods = append(cluster.Pods, prometheus.Pod{Namespace: ns, Name: fmt.Sprintf("web-%d", p), Node: cluster.Nodes[p%3],
				Deployment: "web", CPU: 0.01 * float64(p+1), Memory: 64 << 20, Restarts: float64(p)})
		}
	}
	exp := prometheus.NewExporter()
	defer exp.Close()
	exp.Set("/cadvisor", cluster.CAdvisor())
	exp.Set("/ksm", cluster.StateMetrics())
	prom, err := prometheus.Start(prometheus.Options{ScrapeInterval: interval,
		Jobs:      map[string]string{"cadvisor": exp.URL("/cadvisor"), "kube-state-metrics": exp.URL("/ksm")},
		RuleFiles: []string{filepath.Join(rulesDir, "*"+alertrules.FileSuffix)}, Args: []string{"--web.enable-lifecycle"}})
	if err != nil {
		b.Fatal(err)
	}
	defer prom.Stop()

	env, err := envtest.Start(envtest.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer env.Stop()
	k8s, err := client.New(env.Config, client.Options{Scheme: scheme.New()})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := platform.StartControllers(ctx, env.Config, func(c *cmapp.Config) {
		c.Alerting.RulesDir, c.Alerting.PrometheusURL = rulesDir, prom.URL
	}); err != nil {
		b.Fatal(err)
	}
	if err := bench.Parallel(8, projects, func(n int) error {
		return k8s.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("p-%03d", n)}})
	}); err != nil {
		b.Fatal(err)
	}
	if err := prom.WaitFor(ctx, `kube_pod_info`, len(cluster.Pods), 2*time.Minute); err != nil {
		b.Fatal(err)
	}

	b.ResetTimer()
	// 1,000 rules: the same five builder rules in each project.
	start := time.Now()
	if err := bench.Parallel(8, projects, func(n int) error {
		return k8s.Create(ctx, group(fmt.Sprintf("p-%03d", n), "2"))
	}); err != nil {
		b.Fatal(err)
	}
	created := time.Since(start)
	waitAll(b, k8s, 1)
	all := time.Since(start)
	got := loaded(b, prom.URL)
	if got.rules < projects*rulesPerGroup {
		b.Fatalf("Prometheus has %d of our rules, want %d", got.rules, projects*rulesPerGroup)
	}
	fmt.Fprintf(os.Stderr, "%-52s %d groups, %d rules (created in %s)\n", "rules loaded into Prometheus", got.groups, got.rules, created.Round(time.Millisecond))
	fmt.Fprintf(os.Stderr, "%-52s %s\n", "all 200 groups Loaded after the first create", all.Round(time.Millisecond))

	// One change at a time: the time from the update to the group's Ready
	// condition saying Loaded for it (Prometheus reloaded with it).
	var took []time.Duration
	for i := range changes {
		ns := fmt.Sprintf("p-%03d", (i*37)%projects)
		g := &alertingv2beta1.RuleGroup{}
		if err := k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "workloads"}, g); err != nil {
			b.Fatal(err)
		}
		g.Spec.Rules[0].Builder.Threshold = strconv.Itoa(3 + i)
		t0 := time.Now()
		if err := k8s.Update(ctx, g); err != nil {
			b.Fatal(err)
		}
		waitLoaded(b, k8s, ns, g.Generation) // the update's generation
		took = append(took, time.Since(t0))
	}
	sort.Slice(took, func(i, j int) bool { return took[i] < took[j] })
	fmt.Fprintf(os.Stderr, "%-52s p50 %s, p95 %s, max %s (%d changes, reload delay 0.5 s)\n", "a change to one group until Loaded",
		took[len(took)/2].Round(time.Millisecond), took[len(took)*95/100].Round(time.Millisecond), took[len(took)-1].Round(time.Millisecond), changes)

	// A change to every group at once (a new threshold everywhere).
	start = time.Now()
	if err := bench.Parallel(8, projects, func(n int) error {
		g := &alertingv2beta1.RuleGroup{}
		if err := k8s.Get(ctx, client.ObjectKey{Namespace: fmt.Sprintf("p-%03d", n), Name: "workloads"}, g); err != nil {
			return err
		}
		g.Spec.Rules[1].Builder.Threshold = "0.75"
		return k8s.Update(ctx, g)
	}); err != nil {
		b.Fatal(err)
	}
	waitAll(b, k8s, 0)
	fmt.Fprintf(os.Stderr, "%-52s %s\n", "a change to all 200 groups until all Loaded", time.Since(start).Round(time.Millisecond))

	// Prometheus' evaluation of the 1,000 rules, after a few evaluations.
	time.Sleep(3 * interval)
	got = loaded(b, prom.URL)
	b.StopTimer()
	fmt.Fprintf(os.Stderr, "%-52s sum %s, slowest group %s (every %s)\n", "rule evaluation time (/api/v1/rules evaluationTime)",
		secs(got.evalSum), secs(got.evalMax), interval)
	// What one reload of the 1,000 rules costs Prometheus.
	var reloads []time.Duration
	for range 5 {
		t0 := time.Now()
		resp, err := http.Post(prom.URL+"/-/reload", "", nil)
		if err != nil {
			b.Fatal(err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("reload: %s", resp.Status)
		}
		reloads = append(reloads, time.Since(t0))
	}
	sort.Slice(reloads, func(i, j int) bool { return reloads[i] < reloads[j] })
	fmt.Fprintf(os.Stderr, "%-52s p50 %s (5 reloads)\n", "one Prometheus reload of the 1,000 rules", reloads[2].Round(time.Millisecond))
	if rss, hwm, err := bench.Memory(prom.PID()); err == nil {
		fmt.Fprintf(os.Stderr, "%-52s rss %d MiB, peak %d MiB\n", "Prometheus memory", rss>>20, hwm>>20)
	}
	b.ReportMetric(all.Seconds(), "all-loaded-s")
	b.ReportMetric(took[len(took)*95/100].Seconds(), "change-p95-s")
	b.ReportMetric(got.evalSum, "eval-sum-s")
}

// group is a project's five builder rules.
func group(ns, threshold string) *alertingv2beta1.RuleGroup {
	r := func(name string, kind alertingv2beta1.TargetKind, metric, cmp, threshold string) alertingv2beta1.Rule {
		return alertingv2beta1.Rule{Alert: name, For: "1m", Builder: &alertingv2beta1.RuleBuilder{Kind: kind, Metric: metric,
			Comparison: alertingv2beta1.Comparison(cmp), Threshold: threshold},
			Summary: "{{ $labels.namespace }} {{ $value }}"}
	}
	return &alertingv2beta1.RuleGroup{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "workloads"},
		Spec: alertingv2beta1.RuleGroupSpec{Rules: []alertingv2beta1.Rule{
			r("Restarts", alertingv2beta1.TargetPod, "pod_restarts", ">=", threshold),
			r("PodCPU", alertingv2beta1.TargetPod, "pod_cpu_usage", ">", "0.5"),
			r("ContainerMemory", alertingv2beta1.TargetContainer, "container_memory_usage", ">", "1e9"),
			r("Unavailable", alertingv2beta1.TargetWorkload, "workload_unavailable_replicas", ">", "0"),
			r("NotReady", alertingv2beta1.TargetPod, "pod_not_ready", "==", "1"),
		}}}
}

// waitAll waits until every group is Loaded for its generation (at least
// minGen).
func waitAll(b *testing.B, k8s client.Client, minGen int64) {
	b.Helper()
	deadline := time.Now().Add(5 * time.Minute)
	for {
		list := &alertingv2beta1.RuleGroupList{}
		if err := k8s.List(context.Background(), list); err != nil {
			b.Fatal(err)
		}
		n := 0
		for _, g := range list.Items {
			c := meta.FindStatusCondition(g.Status.Conditions, alertingv2beta1.ReadyCondition)
			if c != nil && c.Reason == alertingv2beta1.ReasonLoaded && c.ObservedGeneration == g.Generation && g.Generation >= minGen {
				n++
			}
		}
		if n == projects {
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d groups Loaded after 5 minutes", n, projects)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func waitLoaded(b *testing.B, k8s client.Client, ns string, gen int64) {
	b.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		g := &alertingv2beta1.RuleGroup{}
		if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "workloads"}, g); err != nil {
			b.Fatal(err)
		}
		c := meta.FindStatusCondition(g.Status.Conditions, alertingv2beta1.ReadyCondition)
		if c != nil && c.Reason == alertingv2beta1.ReasonLoaded && c.ObservedGeneration >= gen {
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("%s/workloads not Loaded after a minute: %+v", ns, c)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

type promRules struct {
	groups, rules    int
	evalSum, evalMax float64
}

// loaded sums what Prometheus' /api/v1/rules says of the projects' groups.
func loaded(b *testing.B, base string) promRules {
	b.Helper()
	resp, err := http.Get(base + "/api/v1/rules?type=alert")
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Data struct {
			Groups []struct {
				Name           string            `json:"name"`
				EvaluationTime float64           `json:"evaluationTime"`
				Rules          []json.RawMessage `json:"rules"`
			} `json:"groups"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		b.Fatal(err)
	}
	var out promRules
	for _, g := range body.Data.Groups {
		if len(g.Name) < 8 || g.Name[:8] != "project/" {
			continue
		}
		out.groups++
		out.rules += len(g.Rules)
		out.evalSum += g.EvaluationTime
		out.evalMax = max(out.evalMax, g.EvaluationTime)
	}
	return out
}

func secs(s float64) string {
	return (time.Duration(s * float64(time.Second))).Round(10 * time.Microsecond).String()
}
