package rules

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/prometheus/prometheus/template"
	"k8s.io/apimachinery/pkg/util/validation/field"

	alertingv2beta1 "github.com/superkube/super-kubenetes/api/alerting/v2beta1"
)

var pqlParser = parser.NewParser(parser.Options{})

var alertName = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)

var severities = []string{
	string(alertingv2beta1.SeverityCritical), string(alertingv2beta1.SeverityError),
	string(alertingv2beta1.SeverityWarning), string(alertingv2beta1.SeverityInfo),
}

// reservedLabels are set by Compile; a rule's labels may not set them.
func reservedLabels(level string) []string {
	r := []string{model.AlertNameLabel, alertingv2beta1.RuleLevelLabel, alertingv2beta1.RuleGroupLabel,
		alertingv2beta1.RuleNamespaceLabel, alertingv2beta1.SeverityLabel}
	if level == alertingv2beta1.LevelProject {
		// A project's alerts are routed by their namespace.
		r = append(r, "namespace")
	}
	return r
}

// Validate checks a rule group of the level (a project's namespace at
// project level) and returns each mistake with its field, rooted at spec:
// spec.rules[0].builder.threshold. The compiled group is then checked by
// Prometheus' rule parser, whose message a mistake the other checks do not
// know comes with.
func Validate(level, namespace string, spec *alertingv2beta1.RuleGroupSpec) field.ErrorList {
	root := field.NewPath("spec")
	var errs field.ErrorList
	if err := checkLevel(level, namespace); err != nil {
		return append(errs, field.Invalid(field.NewPath("metadata", "namespace"), namespace, err.Error()))
	}
	if spec.Interval != "" {
		if d, err := model.ParseDuration(spec.Interval); err != nil {
			errs = append(errs, field.Invalid(root.Child("interval"), spec.Interval, "not a duration such as 30s, 1m or 1h"))
		} else if d <= 0 {
			errs = append(errs, field.Invalid(root.Child("interval"), spec.Interval, "must be longer than 0s"))
		}
	}
	seen := map[string]bool{}
	for i := range spec.Rules {
		r := &spec.Rules[i]
		p := root.Child("rules").Index(i)
		switch {
		case r.Alert == "":
			errs = append(errs, field.Required(p.Child("alert"), "every rule has a name"))
		case !alertName.MatchString(r.Alert) || len(r.Alert) > 128:
			errs = append(errs, field.Invalid(p.Child("alert"), r.Alert, "a name has letters, digits and '_', does not begin with a digit and has at most 128 characters"))
		case seen[r.Alert]:
			errs = append(errs, field.Duplicate(p.Child("alert"), r.Alert))
		}
		seen[r.Alert] = true
		errs = append(errs, validateRule(level, namespace, r, p)...)
	}
	if len(errs) > 0 {
		return errs
	}
	// What Prometheus itself makes of the compiled group.
	g, err := Compile(level, namespace, "check", spec)
	if err != nil {
		return append(errs, field.Invalid(root.Child("rules"), "", err.Error()))
	}
	file, err := Marshal(g)
	if err != nil {
		return append(errs, field.InternalError(root.Child("rules"), err))
	}
	if err := Check(file); err != nil {
		errs = append(errs, field.Invalid(root.Child("rules"), "", "Prometheus' rule parser refuses the group: "+err.Error()))
	}
	return errs
}

func validateRule(level, namespace string, r *alertingv2beta1.Rule, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	switch {
	case r.Builder != nil && strings.TrimSpace(r.Expr) != "":
		errs = append(errs, field.Invalid(p.Child("expr"), r.Expr, "a rule has either expr or builder, not both"))
	case r.Builder == nil && strings.TrimSpace(r.Expr) == "":
		errs = append(errs, field.Required(p.Child("expr"), "a rule needs expr (PromQL) or builder"))
	case r.Builder != nil:
		if _, err := Expr(level, namespace, r); err != nil {
			errs = append(errs, builderFieldError(p.Child("builder"), r.Builder, err))
		}
	default:
		if _, err := Expr(level, namespace, r); err != nil {
			errs = append(errs, field.Invalid(p.Child("expr"), r.Expr, "does not parse: "+err.Error()))
		}
	}
	if r.For != "" {
		if _, err := model.ParseDuration(r.For); err != nil {
			errs = append(errs, field.Invalid(p.Child("for"), r.For, "not a duration such as 30s, 5m or 1h"))
		}
	}
	if r.Severity != "" && !slices.Contains(severities, string(r.Severity)) {
		errs = append(errs, field.NotSupported(p.Child("severity"), r.Severity, severities))
	}
	sample := sampleLabels(r)
	for _, k := range slices.Sorted(maps.Keys(r.Labels)) {
		v := r.Labels[k]
		lp := p.Child("labels").Key(k)
		switch {
		case !model.LegacyValidation.IsValidLabelName(k) || strings.HasPrefix(k, "__"):
			errs = append(errs, field.Invalid(lp, k, "a label name has letters, digits and '_', does not begin with a digit or '__'"))
		case slices.Contains(reservedLabels(level), k):
			errs = append(errs, field.Forbidden(lp, "the label "+k+" is set by the platform"))
		case !utf8.ValidString(v):
			errs = append(errs, field.Invalid(lp, v, "not valid UTF-8"))
		default:
			errs = append(errs, checkTemplate(level, lp, v, sample)...)
		}
	}
	errs = append(errs, checkTemplate(level, p.Child("summary"), r.Summary, sample)...)
	errs = append(errs, checkTemplate(level, p.Child("description"), r.Description, sample)...)
	return errs
}

// checkTemplate renders a label or annotation template on the sample
// alert. At project level it first refuses the template function query:
// Prometheus runs it over everything it holds, out of the project's
// confinement, so a project's rule could copy another project's series
// into its alert's text.
func checkTemplate(level string, p *field.Path, text string, sample map[string]string) field.ErrorList {
	if level == alertingv2beta1.LevelProject && usesQuery(text) {
		return field.ErrorList{field.Forbidden(p, "the template function query is not allowed in a project's rules: it would read series of other projects")}
	}
	if err := Render(text, sample); err != nil {
		return field.ErrorList{field.Invalid(p, text, err.Error())}
	}
	return nil
}

// builderFieldError names the builder's field of a compile error.
func builderFieldError(p *field.Path, b *alertingv2beta1.RuleBuilder, err error) *field.Error {
	var be *builderError
	if !errors.As(err, &be) {
		return field.Invalid(p, b.Metric, err.Error())
	}
	fp := p.Child(be.field)
	if be.index >= 0 {
		fp = fp.Index(be.index)
	}
	if len(be.notSupported) > 0 {
		e := field.NotSupported(fp, be.value, be.notSupported)
		e.Detail = be.msg + "; " + e.Detail
		return e
	}
	return field.Invalid(fp, be.value, be.msg)
}

// sampleLabels are the labels of a made-up alert of the rule, on which its
// templates are tried.
func sampleLabels(r *alertingv2beta1.Rule) map[string]string {
	l := map[string]string{"namespace": "example", "alertname": r.Alert}
	if r.Builder != nil {
		for _, k := range kindLabels(r.Builder.Kind) {
			l[k] = "example"
		}
	}
	for k, v := range r.Labels {
		l[k] = v
	}
	return l
}

// Render expands a template as Prometheus expands an alert's summary: on
// labels and the value 1, with $labels, $value, $externalLabels and
// $externalURL defined and query answering nothing. Its error is the
// expander's message.
func Render(text string, labels map[string]string) error {
	if text == "" {
		return nil
	}
	defs := "{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}{{$value := .Value}}"
	data := template.AlertTemplateData(labels, map[string]string{}, "http://prometheus.example", promql.Sample{F: 1})
	noQuery := func(context.Context, string, time.Time) (promql.Vector, error) { return promql.Vector{}, nil }
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	e := template.NewTemplateExpander(ctx, defs+text, "template", data, model.Now(), noQuery, nil, nil)
	if _, err := e.Expand(); err != nil {
		return fmt.Errorf("the template does not render: %s", strings.TrimPrefix(err.Error(), "error "))
	}
	return nil
}
