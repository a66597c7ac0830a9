package rules

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"

	alertingv2beta1 "github.com/superkube/super-kubenetes/api/alerting/v2beta1"
	"github.com/superkube/super-kubenetes/internal/monitoring/promql"
)

const (
	project = alertingv2beta1.LevelProject
	cluster = alertingv2beta1.LevelCluster
	global  = alertingv2beta1.LevelGlobal
)

func builder(kind alertingv2beta1.TargetKind, metric, cmp, threshold string, names ...string) *alertingv2beta1.RuleBuilder {
	return &alertingv2beta1.RuleBuilder{Kind: kind, Metric: metric, Comparison: alertingv2beta1.Comparison(cmp), Threshold: threshold, Names: names}
}

// confined checks that every selector of q keeps only the series of ns.
func confined(t *testing.T, q, ns string) {
	t.Helper()
	expr, err := promql.Parse(q)
	if err != nil {
		t.Fatalf("%s does not parse: %v", q, err)
	}
	n := 0
	parser.Inspect(expr, func(node parser.Node, _ []parser.Node) error {
		vs, ok := node.(*parser.VectorSelector)
		if !ok {
			return nil
		}
		n++
		for _, other := range []string{"", "other", "kube-system"} {
			refused := false
			for _, m := range vs.LabelMatchers {
				if m.Name == "namespace" && !m.Matches(other) && m.Matches(ns) {
					refused = true
				}
			}
			if !refused {
				t.Errorf("the selector %s reads namespace %q: %s", vs, other, q)
			}
		}
		return nil
	})
	if n == 0 {
		t.Errorf("no selector in %s", q)
	}
}

// Every metric of the catalog compiles at every level that may use it,
// with every comparison, and is confined at project level.
func TestEveryCatalogMetricCompiles(t *testing.T) {
	kinds := map[alertingv2beta1.TargetKind]int{}
	for _, m := range BuilderCatalog() {
		kinds[m.Kind]++
		if m.Description.En == "" || m.Description.Ko == "" || m.Description.Zh == "" {
			t.Errorf("%s lacks a description in a language: %+v", m.Name, m.Description)
		}
		if len(m.Levels) == 0 {
			t.Errorf("%s has no level", m.Name)
		}
		for _, level := range m.Levels {
			for _, cmp := range comparisons {
				r := &alertingv2beta1.Rule{Alert: "A", Builder: builder(m.Kind, m.Name, string(cmp), "0.5")}
				q, err := Expr(level, "demo", r)
				if err != nil {
					t.Fatalf("%s at %s level: %v", m.Name, level, err)
				}
				if !strings.HasSuffix(q, " "+string(cmp)+" 0.5") {
					t.Errorf("%s: the comparison is not the last operation: %s", m.Name, q)
				}
				if strings.Contains(q, "$") && !strings.Contains(q, `"$1"`) {
					t.Errorf("%s: a placeholder is left: %s", m.Name, q)
				}
				if level == project {
					confined(t, q, "demo")
				}
			}
		}
	}
	for _, k := range Kinds() {
		if kinds[k] < 2 {
			t.Errorf("kind %s has %d metrics", k, kinds[k])
		}
	}
}

func TestNamesLimitTheTargets(t *testing.T) {
	tests := []struct {
		name string
		b    *alertingv2beta1.RuleBuilder
		has  []string
		not  []string
	}{
		{"no names select every pod", builder("Pod", "pod_restarts", ">", "0"), nil, []string{`pod=`, `pod=~`}},
		{"one pod", builder("Pod", "pod_restarts", ">", "0", "web-1"), []string{`pod="web-1"`}, nil},
		{"two pods, quoted", builder("Pod", "pod_cpu_usage", ">", "0", "web.1", "db-0"), []string{`pod=~"db-0|web\\.1"`}, nil},
		{"nodes", builder("Node", "node_ready", "==", "0", "node-1"), []string{`node="node-1"`}, nil},
		{"containers", builder("Container", "container_memory_usage", ">", "1e9", "app"), []string{`container="app"`}, nil},
		{"claims", builder("PersistentVolumeClaim", "pvc_usage_ratio", ">", "0.9", "data"), []string{`persistentvolumeclaim="data"`}, nil},
		{"a deployment selects no statefulset nor daemonset", builder("Workload", "workload_unavailable_replicas", ">", "0", "deployment/web"),
			[]string{`deployment="web"`, `statefulset=""`, `daemonset=""`}, nil},
		{"workload kinds are case-insensitive", builder("Workload", "workload_cpu_usage", ">", "1", "StatefulSet/db", "daemonset/agent"),
			[]string{`owner_name="db"`, `owner_name="agent"`, `owner_name=""`}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := Expr(cluster, "", &alertingv2beta1.Rule{Alert: "A", Builder: tt.b})
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range tt.has {
				if !strings.Contains(q, s) {
					t.Errorf("%s lacks %s", q, s)
				}
			}
			for _, s := range tt.not {
				if strings.Contains(q, s) {
					t.Errorf("%s has %s", q, s)
				}
			}
		})
	}
}

func TestFreePromQLIsConfinedAtProjectLevel(t *testing.T) {
	r := &alertingv2beta1.Rule{Alert: "A", Expr: `sum(rate(http_requests_total{namespace="other"}[5m])) / on() group_left sum(up) > 1 or absent(up{job="x"})`}
	q, err := Expr(project, "demo", r)
	if err != nil {
		t.Fatal(err)
	}
	confined(t, q, "demo")
	// A matcher of another namespace stays: nothing matches both.
	if !strings.Contains(q, `namespace="other"`) {
		t.Errorf("a matcher was dropped: %s", q)
	}
	// Cluster and global levels keep the expression as written.
	for _, level := range []string{cluster, global} {
		q, err := Expr(level, "", r)
		if err != nil || q != r.Expr {
			t.Errorf("%s level: %q, %v", level, q, err)
		}
	}
}

func TestCompileLabelsAndAnnotations(t *testing.T) {
	spec := &alertingv2beta1.RuleGroupSpec{Interval: "30s", Rules: []alertingv2beta1.Rule{
		{Alert: "Restarts", Builder: builder("Pod", "pod_restarts", ">=", "2"), For: "1m", Severity: "critical",
			Labels: map[string]string{"team": "web"}, Description: "{{ $labels.pod }} restarted {{ $value }} times"},
		{Alert: "Off", Expr: "up == 0", Disabled: true},
		{Alert: "Braces", Expr: `up{job="{{x}}"} == 0`},
	}}
	g, err := Compile(project, "demo", "web", spec)
	if err != nil {
		t.Fatal(err)
	}
	if g.Name != "project/demo/web" || g.Interval.String() != "30s" || len(g.Rules) != 2 {
		t.Fatalf("group %s, interval %s, %d rules", g.Name, g.Interval, len(g.Rules))
	}
	r := g.Rules[0]
	want := map[string]string{"team": "web", "rule_level": "project", "rule_group": "web", "severity": "critical",
		"rule_namespace": "demo", "namespace": "demo"}
	for k, v := range want {
		if r.Labels[k] != v {
			t.Errorf("label %s is %q, want %q", k, r.Labels[k], v)
		}
	}
	if r.For.String() != "1m" || r.Annotations["summary"] == "" || r.Annotations["description"] == "" || r.Annotations["expr"] != r.Expr {
		t.Errorf("rule %+v", r)
	}
	if g.Rules[1].Annotations["expr"] == g.Rules[1].Expr || Render(g.Rules[1].Annotations["expr"], nil) != nil {
		t.Errorf("an expression with braces is not escaped in its annotation: %q", g.Rules[1].Annotations["expr"])
	}
	file, err := Marshal(g)
	if err != nil {
		t.Fatal(err)
	}
	if err := Check(file); err != nil {
		t.Fatalf("Prometheus' parser refuses the compiled group: %v\n%s", err, file)
	}
	level, ns, name, ok := ParseGroupName(g.Name)
	if !ok || level != project || ns != "demo" || name != "web" {
		t.Errorf("ParseGroupName(%q) = %s %s %s %v", g.Name, level, ns, name, ok)
	}
	if _, _, _, ok := ParseGroupName("superkube.rules"); ok {
		t.Error("a group that is not ours was parsed")
	}
	// A disabled group compiles to no rules.
	spec.Disabled = true
	if g, err := Compile(global, "", "x", spec); err != nil || len(g.Rules) != 0 || g.Name != "global/x" {
		t.Errorf("disabled: %+v %v", g, err)
	}
}

func TestValidate(t *testing.T) {
	ok := func() alertingv2beta1.Rule {
		return alertingv2beta1.Rule{Alert: "PodRestarts", Builder: builder("Pod", "pod_restarts", ">", "3"), For: "5m",
			Summary: "{{ $labels.pod }} restarted", Severity: "warning"}
	}
	tests := []struct {
		name   string
		level  string
		change func(*alertingv2beta1.RuleGroupSpec)
		field  string // "" when valid
		says   string
	}{
		{"a builder rule", project, func(*alertingv2beta1.RuleGroupSpec) {}, "", ""},
		{"a PromQL rule", cluster, func(s *alertingv2beta1.RuleGroupSpec) { s.Rules[0].Builder, s.Rules[0].Expr = nil, "up == 0" }, "", ""},
		{"threshold not a number", project, func(s *alertingv2beta1.RuleGroupSpec) { s.Rules[0].Builder.Threshold = "ten" },
			"spec.rules[0].builder.threshold", "not a number"},
		{"threshold with a unit", project, func(s *alertingv2beta1.RuleGroupSpec) { s.Rules[0].Builder.Threshold = "10Mi" },
			"spec.rules[0].builder.threshold", "not a number"},
		{"threshold infinite", project, func(s *alertingv2beta1.RuleGroupSpec) { s.Rules[0].Builder.Threshold = "Inf" },
			"spec.rules[0].builder.threshold", "finite"},
		{"unknown metric", project, func(s *alertingv2beta1.RuleGroupSpec) { s.Rules[0].Builder.Metric = "pod_cpu" },
			"spec.rules[0].builder.metric", "pod_restarts"},
		{"unknown comparison", project, func(s *alertingv2beta1.RuleGroupSpec) { s.Rules[0].Builder.Comparison = "=>" },
			"spec.rules[0].builder.comparison", `">="`},
		{"a node rule in a project", project, func(s *alertingv2beta1.RuleGroupSpec) {
			s.Rules[0].Builder = builder("Node", "node_ready", "==", "0")
		}, "spec.rules[0].builder.kind", "namespace"},
		{"a node rule in a cluster", cluster, func(s *alertingv2beta1.RuleGroupSpec) {
			s.Rules[0].Builder = builder("Node", "node_ready", "==", "0")
		}, "", ""},
		{"an unknown kind", global, func(s *alertingv2beta1.RuleGroupSpec) { s.Rules[0].Builder.Kind = "Service" },
			"spec.rules[0].builder.kind", "Unsupported"},
		{"a bad workload name", project, func(s *alertingv2beta1.RuleGroupSpec) {
			s.Rules[0].Builder = builder("Workload", "workload_unavailable_replicas", ">", "0", "deployment/web", "web")
		}, "spec.rules[0].builder.names[1]", "kind/name"},
		{"a bad pod name", project, func(s *alertingv2beta1.RuleGroupSpec) { s.Rules[0].Builder.Names = []string{`web"}`} },
			"spec.rules[0].builder.names[0]", "not a Kubernetes object name"},
		{"names of a cluster", global, func(s *alertingv2beta1.RuleGroupSpec) {
			s.Rules[0].Builder = builder("Cluster", "cluster_cpu_utilisation", ">", "0.9", "c1")
		}, "spec.rules[0].builder.names", "takes no names"},
		{"PromQL that does not parse", project, func(s *alertingv2beta1.RuleGroupSpec) { s.Rules[0].Builder, s.Rules[0].Expr = nil, "sum(up" },
			"spec.rules[0].expr", "does not parse"},
		{"both expr and builder", project, func(s *alertingv2beta1.RuleGroupSpec) { s.Rules[0].Expr = "up" },
			"spec.rules[0].expr", "not both"},
		{"neither expr nor builder", project, func(s *alertingv2beta1.RuleGroupSpec) { s.Rules[0].Builder = nil },
			"spec.rules[0].expr", "Required"},
		{"a summary that does not render", project, func(s *alertingv2beta1.RuleGroupSpec) { s.Rules[0].Summary = "{{ $labels.pod " },
			"spec.rules[0].summary", "does not render"},
		{"a description calling an unknown function", project, func(s *alertingv2beta1.RuleGroupSpec) {
			s.Rules[0].Description = "{{ nosuch $value }}"
		}, "spec.rules[0].description", "does not render"},
		{"a description failing when run", cluster, func(s *alertingv2beta1.RuleGroupSpec) {
			s.Rules[0].Description = `{{ with query "up" }}{{ . | first | value }}{{ end }}{{ "x" | humanizeDuration }}`
		}, "spec.rules[0].description", "does not render"},
		{"a project's description failing when run", project, func(s *alertingv2beta1.RuleGroupSpec) {
			s.Rules[0].Description = `{{ "x" | humanizeDuration }}`
		}, "spec.rules[0].description", "does not render"},
		{"templates with queries and humanize render", cluster, func(s *alertingv2beta1.RuleGroupSpec) {
			s.Rules[0].Description = `{{ $value | humanize }} {{ range query "up" }}{{ .Labels.job }}{{ end }} {{ $externalURL }}`
		}, "", ""},
		{"a query in a project's summary", project, func(s *alertingv2beta1.RuleGroupSpec) {
			s.Rules[0].Summary = `{{ with query "container_memory_usage_bytes{namespace='other'}" }}{{ . | first | value }}{{ end }}`
		}, "spec.rules[0].summary", "query is not allowed"},
		{"a query in a project's description, in a branch", project, func(s *alertingv2beta1.RuleGroupSpec) {
			s.Rules[0].Description = `{{ if eq 1 1 }}{{ range (query "up") }}{{ .Labels.job }}{{ end }}{{ end }}`
		}, "spec.rules[0].description", "query is not allowed"},
		{"a query in a template a project's description defines", project, func(s *alertingv2beta1.RuleGroupSpec) {
			s.Rules[0].Description = `{{ define "x" }}{{ query "up" | first | value }}{{ end }}{{ template "x" }}`
		}, "spec.rules[0].description", "query is not allowed"},
		{"a query in a project's label", project, func(s *alertingv2beta1.RuleGroupSpec) {
			s.Rules[0].Labels = map[string]string{"team": `{{ query "up" | first | label "job" }}`}
		}, "spec.rules[0].labels[team]", "query is not allowed"},
		{"the word query as text in a project's summary", project, func(s *alertingv2beta1.RuleGroupSpec) {
			s.Rules[0].Summary = `query of {{ $labels.pod }} is "query"`
		}, "", ""},
		{"a bad duration", project, func(s *alertingv2beta1.RuleGroupSpec) { s.Rules[0].For = "5 minutes" }, "spec.rules[0].for", "duration"},
		{"a bad interval", project, func(s *alertingv2beta1.RuleGroupSpec) { s.Interval = "1x" }, "spec.interval", "duration"},
		{"a zero interval", project, func(s *alertingv2beta1.RuleGroupSpec) { s.Interval = "0s" }, "spec.interval", "longer"},
		{"an unknown severity", project, func(s *alertingv2beta1.RuleGroupSpec) { s.Rules[0].Severity = "fatal" },
			"spec.rules[0].severity", "critical"},
		{"a reserved label", project, func(s *alertingv2beta1.RuleGroupSpec) { s.Rules[0].Labels = map[string]string{"namespace": "other"} },
			"spec.rules[0].labels[namespace]", "set by the platform"},
		{"namespace label at cluster level", cluster, func(s *alertingv2beta1.RuleGroupSpec) { s.Rules[0].Labels = map[string]string{"namespace": "demo"} },
			"", ""},
		{"a bad label name", project, func(s *alertingv2beta1.RuleGroupSpec) { s.Rules[0].Labels = map[string]string{"team-name": "x"} },
			"spec.rules[0].labels[team-name]", "label name"},
		{"a label template that does not render", project, func(s *alertingv2beta1.RuleGroupSpec) {
			s.Rules[0].Labels = map[string]string{"team": "{{ end }}"}
		}, "spec.rules[0].labels[team]", "does not render"},
		{"a bad alert name", project, func(s *alertingv2beta1.RuleGroupSpec) { s.Rules[0].Alert = "pod restarts" }, "spec.rules[0].alert", "letters"},
		{"two rules of one name", project, func(s *alertingv2beta1.RuleGroupSpec) { s.Rules = append(s.Rules, s.Rules[0]) },
			"spec.rules[1].alert", "Duplicate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := &alertingv2beta1.RuleGroupSpec{Rules: []alertingv2beta1.Rule{ok()}}
			tt.change(spec)
			ns := ""
			if tt.level == project {
				ns = "demo"
			}
			errs := Validate(tt.level, ns, spec)
			if tt.field == "" {
				if len(errs) > 0 {
					t.Fatalf("refused: %v", errs.ToAggregate())
				}
				return
			}
			if len(errs) == 0 {
				t.Fatal("accepted")
			}
			if errs[0].Field != tt.field || !strings.Contains(errs[0].Error(), tt.says) {
				t.Fatalf("got %v, want a mistake of %s saying %q", errs.ToAggregate(), tt.field, tt.says)
			}
		})
	}
}

func TestValidateRefusesALevelWithoutItsNamespace(t *testing.T) {
	spec := &alertingv2beta1.RuleGroupSpec{Rules: []alertingv2beta1.Rule{{Alert: "A", Expr: "up"}}}
	if errs := Validate(project, "", spec); len(errs) == 0 {
		t.Error("a project group without a namespace passed")
	}
	if errs := Validate("planet", "", spec); len(errs) == 0 {
		t.Error("an unknown level passed")
	}
}

func TestCheckReturnsTheParsersMessage(t *testing.T) {
	err := Check([]byte("groups:\n- name: g\n  rules:\n  - alert: A\n    expr: sum(up\n"))
	if err == nil || !strings.Contains(err.Error(), "parse") {
		t.Fatalf("got %v", err)
	}
	if err := Check([]byte("groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up == 0\n    for: 1m\n")); err != nil {
		t.Fatal(err)
	}
}

func TestTheBuiltinGroupsValidate(t *testing.T) {
	names := map[string]bool{}
	for _, g := range Builtin() {
		if g.Labels[alertingv2beta1.BuiltinLabel] != "true" || names[g.Name] {
			t.Errorf("%s: label %q, repeated %v", g.Name, g.Labels[alertingv2beta1.BuiltinLabel], names[g.Name])
		}
		names[g.Name] = true
		if errs := Validate(global, "", &g.Spec); len(errs) > 0 {
			t.Errorf("%s: %v", g.Name, errs.ToAggregate())
		}
		if errs := Validate(cluster, "", &g.Spec); len(errs) > 0 {
			t.Errorf("%s at cluster level: %v", g.Name, errs.ToAggregate())
		}
	}
	if len(names) != 5 {
		t.Errorf("%d built-in groups", len(names))
	}
}

// What Compile writes is read by the Prometheus that runs here (Debian's
// 2.42, older than the parser the package validates with): promtool checks
// the built-in groups and a group of every catalog metric at each level.
func TestPromtoolAcceptsTheCompiledGroups(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("promtool is not installed (apt-get install prometheus)")
	}
	var groups []rulefmt.RuleGroup
	for _, b := range Builtin() {
		g, err := Compile(global, "", b.Name, &b.Spec)
		if err != nil {
			t.Fatal(err)
		}
		groups = append(groups, g)
	}
	for _, level := range []string{project, cluster} {
		spec := &alertingv2beta1.RuleGroupSpec{Interval: "30s"}
		for _, m := range BuilderCatalog() {
			if slices.Contains(m.Levels, level) {
				spec.Rules = append(spec.Rules, alertingv2beta1.Rule{Alert: "A_" + m.Name, Builder: builder(m.Kind, m.Name, ">", "0.5", names(m.Kind)...),
					For: "1m", Description: "{{ $labels.namespace }} {{ $value | humanize }}"})
			}
		}
		spec.Rules = append(spec.Rules, alertingv2beta1.Rule{Alert: "Free", Expr: `sum by (job) (rate(http_requests_total[5m])) > 1`})
		g, err := Compile(level, "demo", "catalog", spec)
		if err != nil {
			t.Fatal(err)
		}
		groups = append(groups, g)
	}
	file, err := Marshal(groups...)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "rules.yaml")
	if err := os.WriteFile(path, file, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(promtool, "check", "rules", path).CombinedOutput()
	if err != nil {
		t.Fatalf("promtool check rules: %v\n%s", err, out)
	}
}

func names(k alertingv2beta1.TargetKind) []string {
	switch k {
	case alertingv2beta1.TargetCluster:
		return nil
	case alertingv2beta1.TargetWorkload:
		return []string{"deployment/web", "statefulset/db"}
	}
	return []string{"a", "b"}
}
