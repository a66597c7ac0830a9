package alerting

// TEMPORARY: until package internal/alerting/rules (helper H1, branch
// rules) is merged, this file stands in for its contract: Validate, Expr
// and BuilderCatalog, as the plan of issue 16 describes them. It is
// replaced by calls into the rules package once that is on main.

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/prometheus/common/model"
	"k8s.io/apimachinery/pkg/util/validation/field"

	alertingv2beta1 "github.com/superkube/super-kubenetes/api/alerting/v2beta1"
	"github.com/superkube/super-kubenetes/internal/monitoring/promql"
)

// BuilderMetric is a metric the rule builder offers.
type BuilderMetric struct {
	Kind        alertingv2beta1.TargetKind `json:"kind"`
	Metric      string                     `json:"metric"`
	Unit        string                     `json:"unit"`
	Description map[string]string          `json:"description"`
	expr        string
}

var builderCatalog = []BuilderMetric{
	{Kind: alertingv2beta1.TargetPod, Metric: "pod_cpu_usage", Unit: "cores",
		Description: map[string]string{"en": "CPU used by the pod", "ko": "파드의 CPU 사용량", "zh": "容器组的 CPU 用量"},
		expr:        `sum by (namespace, pod) (rate(container_cpu_usage_seconds_total{container!=""}[5m]))`},
	{Kind: alertingv2beta1.TargetPod, Metric: "pod_memory_usage", Unit: "bytes",
		Description: map[string]string{"en": "Memory used by the pod", "ko": "파드의 메모리 사용량", "zh": "容器组的内存用量"},
		expr:        `sum by (namespace, pod) (container_memory_working_set_bytes{container!=""})`},
	{Kind: alertingv2beta1.TargetPod, Metric: "pod_restarts", Unit: "count",
		Description: map[string]string{"en": "Container restarts in the last hour", "ko": "지난 1시간 컨테이너 재시작 횟수", "zh": "过去一小时的容器重启次数"},
		expr:        `sum by (namespace, pod) (increase(kube_pod_container_status_restarts_total[1h]))`},
}

// BuilderCatalog lists the builder's metrics.
func BuilderCatalog() []BuilderMetric { return builderCatalog }

func builderMetric(kind alertingv2beta1.TargetKind, name string) (BuilderMetric, bool) {
	for _, m := range builderCatalog {
		if m.Kind == kind && m.Metric == name {
			return m, true
		}
	}
	return BuilderMetric{}, false
}

var comparisons = map[alertingv2beta1.Comparison]string{">": ">", ">=": ">=", "<": "<", "<=": "<=", "==": "==", "!=": "!="}

// Validate checks a rule group's spec; paths are rooted at spec.
func Validate(level, namespace string, spec *alertingv2beta1.RuleGroupSpec) field.ErrorList {
	var errs field.ErrorList
	root := field.NewPath("spec")
	if spec.Interval != "" {
		if _, err := model.ParseDuration(spec.Interval); err != nil {
			errs = append(errs, field.Invalid(root.Child("interval"), spec.Interval, "is not a duration such as 1m"))
		}
	}
	seen := map[string]bool{}
	for i := range spec.Rules {
		r := &spec.Rules[i]
		p := root.Child("rules").Index(i)
		if r.Alert == "" || !model.LabelName(r.Alert).IsValidLegacy() {
			errs = append(errs, field.Invalid(p.Child("alert"), r.Alert, "must be a metric name (letters, digits, _)"))
		} else if seen[r.Alert] {
			errs = append(errs, field.Duplicate(p.Child("alert"), r.Alert))
		}
		seen[r.Alert] = true
		if r.For != "" {
			if _, err := model.ParseDuration(r.For); err != nil {
				errs = append(errs, field.Invalid(p.Child("for"), r.For, "is not a duration such as 5m"))
			}
		}
		switch {
		case (r.Expr == "") == (r.Builder == nil):
			errs = append(errs, field.Invalid(p, "", "exactly one of expr and builder is required"))
		case r.Builder != nil:
			errs = append(errs, validateBuilder(level, r.Builder, p.Child("builder"))...)
		default:
			if _, err := promql.Parse(r.Expr); err != nil {
				errs = append(errs, field.Invalid(p.Child("expr"), r.Expr, err.Error()))
			}
		}
	}
	return errs
}

func validateBuilder(level string, b *alertingv2beta1.RuleBuilder, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if _, ok := builderMetric(b.Kind, b.Metric); !ok {
		errs = append(errs, field.NotSupported(p.Child("metric"), b.Metric, metricNames(b.Kind)))
	}
	if _, ok := comparisons[b.Comparison]; !ok {
		errs = append(errs, field.NotSupported(p.Child("comparison"), string(b.Comparison), []string{">", ">=", "<", "<=", "==", "!="}))
	}
	if _, err := strconv.ParseFloat(strings.TrimSpace(b.Threshold), 64); err != nil {
		errs = append(errs, field.Invalid(p.Child("threshold"), b.Threshold, "must be a number"))
	}
	_ = level
	return errs
}

func metricNames(kind alertingv2beta1.TargetKind) []string {
	var out []string
	for _, m := range builderCatalog {
		if m.Kind == kind {
			out = append(out, m.Metric)
		}
	}
	return out
}

// Expr is the final PromQL of a rule: the builder compiled, confined to
// the namespace at project level.
func Expr(level, namespace string, r *alertingv2beta1.Rule) (string, error) {
	q := r.Expr
	if b := r.Builder; b != nil {
		m, ok := builderMetric(b.Kind, b.Metric)
		op, okOp := comparisons[b.Comparison]
		t, err := strconv.ParseFloat(strings.TrimSpace(b.Threshold), 64)
		if !ok || !okOp || err != nil {
			return "", fmt.Errorf("invalid builder rule")
		}
		q = fmt.Sprintf("%s %s %s", m.expr, op, strconv.FormatFloat(t, 'g', -1, 64))
	}
	if level == alertingv2beta1.LevelProject {
		return promql.ConfineString(q, []string{namespace})
	}
	expr, err := promql.Parse(q)
	if err != nil {
		return "", err
	}
	return expr.String(), nil
}
