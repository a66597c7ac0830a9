// Package rules turns the alerting API's rule groups into Prometheus rule
// groups: a builder rule (a metric of a kind of target compared with a
// threshold) compiles to PromQL from the builder's catalog, a project's
// rules are confined to its namespace by adding a namespace matcher to
// every selector (package promql, through the syntax tree), and every alert
// gets the labels that tell where it comes from. Validate checks a group
// with Prometheus' own rule parser, PromQL parser and template expander,
// and names the field of each mistake.
package rules

import (
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"
	"go.yaml.in/yaml/v3"

	alertingv2beta1 "github.com/superkube/super-kubenetes/api/alerting/v2beta1"
	"github.com/superkube/super-kubenetes/internal/monitoring/promql"
)

// ExprAnnotation is the annotation that carries a compiled rule's PromQL,
// so that a notification can say what fired.
const ExprAnnotation = "expr"

// Comparisons a builder rule may use.
var comparisons = []alertingv2beta1.Comparison{">", ">=", "<", "<=", "==", "!="}

// GroupName is the name of the Prometheus rule group of an object:
// project/<namespace>/<name>, cluster/<name> or global/<name>.
func GroupName(level, namespace, name string) string {
	if level == alertingv2beta1.LevelProject {
		return level + "/" + namespace + "/" + name
	}
	return level + "/" + name
}

// ParseGroupName is the inverse of GroupName; ok is false for a group that
// is not one of ours (the recording rules the chart ships, for example).
func ParseGroupName(group string) (level, namespace, name string, ok bool) {
	parts := strings.Split(group, "/")
	switch {
	case len(parts) == 3 && parts[0] == alertingv2beta1.LevelProject && parts[1] != "" && parts[2] != "":
		return parts[0], parts[1], parts[2], true
	case len(parts) == 2 && (parts[0] == alertingv2beta1.LevelCluster || parts[0] == alertingv2beta1.LevelGlobal) && parts[1] != "":
		return parts[0], "", parts[1], true
	}
	return "", "", "", false
}

// Expr returns the final PromQL of one rule: the builder compiled, or the
// expression as written, confined to the namespace at project level.
func Expr(level, namespace string, r *alertingv2beta1.Rule) (string, error) {
	if err := checkLevel(level, namespace); err != nil {
		return "", err
	}
	switch {
	case r.Builder != nil && r.Expr != "":
		return "", errors.New("a rule has either expr or builder, not both")
	case r.Builder != nil:
		return compileBuilder(level, namespace, r.Builder)
	case strings.TrimSpace(r.Expr) == "":
		return "", errors.New("a rule needs expr or builder")
	}
	if level != alertingv2beta1.LevelProject {
		if _, err := promql.Parse(r.Expr); err != nil {
			return "", err
		}
		return strings.TrimSpace(r.Expr), nil
	}
	return promql.ConfineString(r.Expr, []string{namespace})
}

func checkLevel(level, namespace string) error {
	switch level {
	case alertingv2beta1.LevelProject:
		if namespace == "" {
			return errors.New("a project-level group needs a namespace")
		}
	case alertingv2beta1.LevelCluster, alertingv2beta1.LevelGlobal:
	default:
		return fmt.Errorf("unknown level %q: valid levels are project, cluster, global", level)
	}
	return nil
}

// builderError is a mistake in one field of a builder, for Validate.
type builderError struct {
	field string // kind, metric, comparison, threshold, names
	index int    // of names, or -1
	value any
	msg   string
	// notSupported lists the valid values, when the value is not one.
	notSupported []string
}

func (e *builderError) Error() string {
	f := "builder." + e.field
	if e.index >= 0 {
		f += "[" + strconv.Itoa(e.index) + "]"
	}
	return f + ": " + e.msg
}

// Threshold parses a builder's threshold: a finite decimal number.
func Threshold(s string) (float64, error) {
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || strings.TrimSpace(s) != s {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	if v != v || v > maxFloat || v < -maxFloat {
		return 0, fmt.Errorf("%q is not a finite number", s)
	}
	return v, nil
}

const maxFloat = 1.7976931348623157e308

// workloadKinds maps the kind part of a workload's name to its placeholder.
var workloadKinds = map[string]string{"deployment": pDeployment, "statefulset": pStatefulSet, "daemonset": pDaemonSet}

// filters are the placeholders' filters for a builder's names.
func filters(b *alertingv2beta1.RuleBuilder) (map[string]promql.Filter, error) {
	f := map[string]promql.Filter{}
	for _, p := range []string{pNode, pPod, pContainer, pPVC, pDeployment, pStatefulSet, pDaemonSet} {
		f[p] = promql.Filter{}
	}
	if len(b.Names) == 0 {
		return f, nil
	}
	for i, n := range b.Names {
		if msg := checkName(b.Kind, n); msg != "" {
			return nil, &builderError{field: "names", index: i, value: n, msg: msg}
		}
	}
	switch b.Kind {
	case alertingv2beta1.TargetCluster:
		return nil, &builderError{field: "names", index: -1, value: b.Names, msg: "a Cluster rule watches the whole cluster and takes no names"}
	case alertingv2beta1.TargetNode:
		f[pNode] = promql.Names(b.Names...)
	case alertingv2beta1.TargetPod:
		f[pPod] = promql.Names(b.Names...)
	case alertingv2beta1.TargetContainer:
		f[pContainer] = promql.Names(b.Names...)
	case alertingv2beta1.TargetPVC:
		f[pPVC] = promql.Names(b.Names...)
	case alertingv2beta1.TargetWorkload:
		byKind := map[string][]string{}
		for _, n := range b.Names {
			kind, name, _ := strings.Cut(n, "/")
			p := workloadKinds[strings.ToLower(kind)]
			byKind[p] = append(byKind[p], name)
		}
		for _, p := range []string{pDeployment, pStatefulSet, pDaemonSet} {
			f[p] = promql.Names(byKind[p]...)
		}
	}
	return f, nil
}

// checkName says what is wrong with a target's name, or "".
func checkName(k alertingv2beta1.TargetKind, n string) string {
	name := n
	if k == alertingv2beta1.TargetWorkload {
		kind, rest, ok := strings.Cut(n, "/")
		if _, known := workloadKinds[strings.ToLower(kind)]; !ok || !known {
			return "a workload is named kind/name, the kind being deployment, statefulset or daemonset (for example deployment/web)"
		}
		name = rest
	}
	if name == "" || len(name) > 253 {
		return "a name has 1 to 253 characters"
	}
	for _, c := range name {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' && c != '.' && c != '_' {
			return fmt.Sprintf("%q is not a Kubernetes object name (lower-case letters, digits, '-' and '.')", name)
		}
	}
	return ""
}

func compileBuilder(level, namespace string, b *alertingv2beta1.RuleBuilder) (string, error) {
	if !KindAllowed(alertingv2beta1.LevelGlobal, b.Kind) {
		return "", &builderError{field: "kind", index: -1, value: string(b.Kind), msg: "unknown kind", notSupported: kindNames(alertingv2beta1.LevelGlobal)}
	}
	if !KindAllowed(level, b.Kind) {
		return "", &builderError{field: "kind", index: -1, value: string(b.Kind),
			msg: "a project's rules watch what lives in its namespace", notSupported: kindNames(level)}
	}
	m, ok := lookup(b.Kind, b.Metric)
	if !ok {
		return "", &builderError{field: "metric", index: -1, value: b.Metric,
			msg: "not a metric of kind " + string(b.Kind), notSupported: metricNames(b.Kind)}
	}
	cmp := alertingv2beta1.Comparison(strings.TrimSpace(string(b.Comparison)))
	if !containsComparison(cmp) {
		return "", &builderError{field: "comparison", index: -1, value: string(b.Comparison), msg: "unknown comparison", notSupported: comparisonNames()}
	}
	v, err := Threshold(b.Threshold)
	if err != nil {
		return "", &builderError{field: "threshold", index: -1, value: b.Threshold, msg: err.Error() + " (write a decimal number in the metric's unit, " + m.Unit + ")"}
	}
	f, err := filters(b)
	if err != nil {
		return "", err
	}
	expr, err := promql.Parse(m.expr)
	if err != nil {
		return "", fmt.Errorf("the catalog's metric %s does not parse: %w", m.Name, err)
	}
	if err := promql.Fill(expr, f); err != nil {
		return "", fmt.Errorf("the catalog's metric %s: %w", m.Name, err)
	}
	q := "(" + expr.String() + ") " + string(cmp) + " " + strconv.FormatFloat(v, 'g', -1, 64)
	if level != alertingv2beta1.LevelProject {
		if _, err := promql.Parse(q); err != nil {
			return "", fmt.Errorf("the compiled rule does not parse: %w", err)
		}
		return q, nil
	}
	return promql.ConfineString(q, []string{namespace})
}

func containsComparison(c alertingv2beta1.Comparison) bool {
	for _, k := range comparisons {
		if k == c {
			return true
		}
	}
	return false
}

func comparisonNames() []string {
	out := make([]string, len(comparisons))
	for i, c := range comparisons {
		out[i] = string(c)
	}
	return out
}

func kindNames(level string) []string {
	var out []string
	for _, k := range Kinds() {
		if KindAllowed(level, k) {
			out = append(out, string(k))
		}
	}
	return out
}

// Compile returns the Prometheus rule group of an object: its enabled
// rules, each with its final PromQL, its labels (the rule's, then
// rule_level, rule_group, severity and at project level rule_namespace
// and namespace, which a rule's labels cannot change) and annotations
// (summary, description, expr). A disabled group compiles to a group
// without rules.
func Compile(level, namespace, name string, spec *alertingv2beta1.RuleGroupSpec) (rulefmt.RuleGroup, error) {
	g := rulefmt.RuleGroup{Name: GroupName(level, namespace, name), Rules: []rulefmt.Rule{}}
	if err := checkLevel(level, namespace); err != nil {
		return g, err
	}
	if spec.Interval != "" {
		d, err := model.ParseDuration(spec.Interval)
		if err != nil {
			return g, fmt.Errorf("interval: %w", err)
		}
		g.Interval = d
	}
	if spec.Disabled {
		return g, nil
	}
	for i := range spec.Rules {
		r := &spec.Rules[i]
		if r.Disabled {
			continue
		}
		expr, err := Expr(level, namespace, r)
		if err != nil {
			return g, fmt.Errorf("rule %s: %w", r.Alert, err)
		}
		out := rulefmt.Rule{Alert: r.Alert, Expr: expr, Labels: map[string]string{}, Annotations: map[string]string{}}
		if r.For != "" {
			d, err := model.ParseDuration(r.For)
			if err != nil {
				return g, fmt.Errorf("rule %s: for: %w", r.Alert, err)
			}
			out.For = d
		}
		for k, v := range r.Labels {
			out.Labels[k] = v
		}
		sev := r.Severity
		if sev == "" {
			sev = alertingv2beta1.SeverityWarning
		}
		out.Labels[alertingv2beta1.RuleLevelLabel] = level
		out.Labels[alertingv2beta1.RuleGroupLabel] = name
		out.Labels[alertingv2beta1.SeverityLabel] = string(sev)
		if level == alertingv2beta1.LevelProject {
			out.Labels[alertingv2beta1.RuleNamespaceLabel] = namespace
			out.Labels[promql.NamespaceLabel] = namespace
		}
		summary := r.Summary
		if summary == "" {
			summary = defaultSummary(r)
		}
		out.Annotations[alertingv2beta1.SummaryAnnotation] = summary
		if r.Description != "" {
			out.Annotations[alertingv2beta1.DescriptionAnnotation] = r.Description
		}
		out.Annotations[ExprAnnotation] = literal(expr)
		g.Rules = append(g.Rules, out)
	}
	return g, nil
}

// defaultSummary names the alert and its target.
func defaultSummary(r *alertingv2beta1.Rule) string {
	if r.Builder == nil {
		return r.Alert + `: {{ printf "%.4g" $value }}`
	}
	var target []string
	for _, l := range kindLabels(r.Builder.Kind) {
		target = append(target, "{{ $labels."+l+" }}")
	}
	who := strings.Join(target, "/")
	if who == "" {
		who = "the cluster"
	}
	return fmt.Sprintf(`%s: %s of %s is {{ printf "%%.4g" $value }} (%s %s)`, r.Alert, r.Builder.Metric, who,
		literal(string(r.Builder.Comparison)), literal(r.Builder.Threshold))
}

// literal makes text safe in a template: text with a template's delimiters
// becomes a template that prints it.
func literal(s string) string {
	if !strings.Contains(s, "{{") && !strings.Contains(s, "}}") {
		return s
	}
	return "{{ " + strconv.Quote(s) + " }}"
}

// Marshal writes rule groups as a Prometheus rule file.
func Marshal(groups ...rulefmt.RuleGroup) ([]byte, error) {
	return yaml.Marshal(rulefmt.RuleGroups{Groups: groups})
}

// Check parses a rule file as Prometheus does (its rule parser, PromQL
// parser and templates, label names as Prometheus 2 reads them) and
// returns the parser's message, or nil.
func Check(file []byte) error {
	_, errs := rulefmt.Parse(file, false, model.LegacyValidation, pqlParser, slog.New(slog.DiscardHandler))
	if len(errs) == 0 {
		return nil
	}
	return errors.Join(errs...)
}
