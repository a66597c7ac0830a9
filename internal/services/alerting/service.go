// Package alerting reads and writes what the alerting API serves besides
// the rule group objects: the alerts Prometheus' rules hold (with
// Alertmanager's silenced and inhibited marks), their history from the
// ALERTS series, the silences in Alertmanager, and a rule's current value
// (preview). It trims everything to a Scope the handler computes from the
// caller's permissions.
package alerting

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	alertingv2beta1 "github.com/superkube/super-kubenetes/api/alerting/v2beta1"
	"github.com/superkube/super-kubenetes/internal/monitoring/client"
)

// Prometheus is what the service needs of Prometheus.
type Prometheus interface {
	client.Querier
	Rules(ctx context.Context) (promv1.RulesResult, error)
}

// Service answers the alerting API's reads and silences.
type Service struct {
	// Prometheus evaluates the rules; nil answers ErrNotConfigured.
	Prometheus Prometheus
	// Alertmanager holds silences and knows which alerts they mute; nil
	// leaves silencedBy empty and answers ErrNoAlertmanager for silences.
	Alertmanager *Alertmanager
}

// ErrNotConfigured is a Service without Prometheus.
var ErrNotConfigured = errors.New("alerting is not configured: ke-apiserver has no Prometheus URL (--prometheus-url)")

// ErrNoAlertmanager is a Service without Alertmanager, asked for silences.
var ErrNoAlertmanager = errors.New("silences are not available: ke-apiserver has no Alertmanager URL (alerting.alertmanagerURL)")

// Scope is what a caller may see of the alerts.
type Scope struct {
	// All is everything (a platform viewer).
	All bool
	// Cluster adds the cluster-level alerts.
	Cluster bool
	// Namespaces adds the project-level alerts of these projects.
	Namespaces map[string]bool
	// Created maps the namespaces to their creation: history from before
	// belongs to an earlier project of that name and is dropped.
	Created map[string]time.Time
	// Level, when set, keeps only the alerts of that level (project,
	// cluster, global).
	Level string
}

// Allows reports whether the scope covers an alert's labels.
func (s Scope) Allows(l model.LabelSet) bool {
	level := string(l[alertingv2beta1.RuleLevelLabel])
	if s.Level != "" && level != s.Level {
		return false
	}
	if s.All {
		return true
	}
	switch level {
	case alertingv2beta1.LevelCluster:
		return s.Cluster
	case alertingv2beta1.LevelProject:
		ns := string(l[alertingv2beta1.RuleNamespaceLabel])
		// A project's alert always carries its namespace label too.
		return ns != "" && s.Namespaces[ns] && string(l[model.LabelName("namespace")]) == ns
	}
	return false
}

// ProjectScope is the scope of one project's own alerts.
func ProjectScope(ns string, created time.Time) Scope {
	s := Scope{Namespaces: map[string]bool{ns: true}, Level: alertingv2beta1.LevelProject}
	if !created.IsZero() {
		s.Created = map[string]time.Time{ns: created}
	}
	return s
}

func (s *Service) prometheus() (Prometheus, error) {
	if s == nil || s.Prometheus == nil {
		return nil, ErrNotConfigured
	}
	return s.Prometheus, nil
}

// Alerts lists the pending and firing alerts in scope.
func (s *Service) Alerts(ctx context.Context, scope Scope) ([]Alert, error) {
	p, err := s.prometheus()
	if err != nil {
		return nil, err
	}
	res, err := p.Rules(ctx)
	if err != nil {
		return nil, err
	}
	out := []Alert{}
	for _, g := range res.Groups {
		for _, r := range g.Rules {
			ar, ok := r.(promv1.AlertingRule)
			if !ok {
				continue
			}
			for _, a := range ar.Alerts {
				if a == nil || !scope.Allows(a.Labels) {
					continue
				}
				out = append(out, alertOf(ar, a))
			}
		}
	}
	if s.Alertmanager != nil && len(out) > 0 {
		marks, err := s.Alertmanager.marks(ctx)
		if err != nil {
			return nil, err
		}
		for i := range out {
			if m, ok := marks.of(labelSet(out[i].Labels)); ok {
				out[i].SilencedBy, out[i].InhibitedBy = m.silencedBy, m.inhibitedBy
			}
		}
	}
	return out, nil
}

func alertOf(r promv1.AlertingRule, a *promv1.Alert) Alert {
	l := a.Labels
	return Alert{
		Labels: labelMap(l), Annotations: labelMap(a.Annotations),
		State: string(a.State), ActiveAt: a.ActiveAt, Value: plainValue(a.Value),
		SilencedBy: []string{}, InhibitedBy: []string{},
		Level:     string(l[alertingv2beta1.RuleLevelLabel]),
		Namespace: string(l[alertingv2beta1.RuleNamespaceLabel]),
		Group:     string(l[alertingv2beta1.RuleGroupLabel]),
		Rule:      r.Name, Fingerprint: l.Fingerprint().String(),
	}
}

// plainValue writes Prometheus' "5e+00" as 5, as the query API does.
func plainValue(v string) string {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return v
	}
	return model.SampleValue(f).String()
}

func labelSet(m map[string]string) model.LabelSet {
	out := make(model.LabelSet, len(m))
	for k, v := range m {
		out[model.LabelName(k)] = model.LabelValue(v)
	}
	return out
}

func labelMap(l model.LabelSet) map[string]string {
	out := make(map[string]string, len(l))
	for k, v := range l {
		out[string(k)] = string(v)
	}
	return out
}

// RuleKey names a rule of a group of a level.
type RuleKey struct {
	Level, Namespace, Group, Alert string
}

// RuleStates reads each rule's health and state from Prometheus, by the
// labels every compiled rule carries. Rules of other origins are left out.
func (s *Service) RuleStates(ctx context.Context) (map[RuleKey]RuleState, error) {
	p, err := s.prometheus()
	if err != nil {
		return nil, err
	}
	res, err := p.Rules(ctx)
	if err != nil {
		return nil, err
	}
	out := map[RuleKey]RuleState{}
	for _, g := range res.Groups {
		for _, r := range g.Rules {
			ar, ok := r.(promv1.AlertingRule)
			if !ok || ar.Labels[alertingv2beta1.RuleLevelLabel] == "" {
				continue
			}
			k := RuleKey{Level: string(ar.Labels[alertingv2beta1.RuleLevelLabel]), Namespace: string(ar.Labels[alertingv2beta1.RuleNamespaceLabel]),
				Group: string(ar.Labels[alertingv2beta1.RuleGroupLabel]), Alert: ar.Name}
			st := RuleState{Alert: ar.Name, Health: string(ar.Health), LastError: ar.LastError, State: ar.State, Alerts: len(ar.Alerts)}
			if st.State == "" {
				st.State = "inactive"
			}
			if !ar.LastEvaluation.IsZero() {
				t := ar.LastEvaluation
				st.LastEvaluation = &t
			}
			out[k] = st
		}
	}
	return out, nil
}

// StatesOf gives the rules of a group their states: from Prometheus, or
// disabled, or unknown when Prometheus has not loaded them (yet).
func StatesOf(states map[RuleKey]RuleState, level, namespace, group string, spec *alertingv2beta1.RuleGroupSpec) []RuleState {
	out := make([]RuleState, 0, len(spec.Rules))
	for _, r := range spec.Rules {
		switch st, ok := states[RuleKey{level, namespace, group, r.Alert}]; {
		case spec.Disabled || r.Disabled:
			out = append(out, RuleState{Alert: r.Alert, Health: "unknown", State: "disabled"})
		case ok:
			out = append(out, st)
		default:
			out = append(out, RuleState{Alert: r.Alert, Health: "unknown", State: "inactive"})
		}
	}
	return out
}

// MaxHistory bounds the range of a history request, and MaxHistoryPoints
// the samples of each of its series.
const (
	MaxHistory       = 31 * 24 * time.Hour
	MaxHistoryPoints = 11000
)

// HistoryStep is the default resolution of a history over r.
func HistoryStep(r time.Duration) time.Duration {
	return max((r / 1000).Truncate(time.Second), 15*time.Second)
}

// History turns the ALERTS series in scope over [start, end] into each
// alert's pending and firing intervals.
func (s *Service) History(ctx context.Context, scope Scope, start, end time.Time, step time.Duration) (*History, error) {
	p, err := s.prometheus()
	if err != nil {
		return nil, err
	}
	q := "ALERTS"
	if !scope.All && scope.Level == alertingv2beta1.LevelProject && len(scope.Namespaces) == 1 {
		for ns := range scope.Namespaces {
			q = fmt.Sprintf(`ALERTS{%s="project",%s=%q,namespace=%q}`, alertingv2beta1.RuleLevelLabel, alertingv2beta1.RuleNamespaceLabel, ns, ns)
		}
	} else if scope.Level != "" {
		q = fmt.Sprintf(`ALERTS{%s=%q}`, alertingv2beta1.RuleLevelLabel, scope.Level)
	}
	out := &History{APIVersion: APIVersion, Kind: "AlertHistory", Start: start, End: end, Step: model.Duration(step).String(), Items: []HistoryEntry{}}
	v, err := p.QueryRange(ctx, q, promv1.Range{Start: start, End: end, Step: step})
	if err != nil {
		return nil, err
	}
	m, _ := v.(model.Matrix)
	byAlert := map[model.Fingerprint]*HistoryEntry{}
	for _, ser := range m {
		l := model.LabelSet(ser.Metric).Clone()
		if !scope.Allows(l) {
			continue
		}
		state := string(l["alertstate"])
		delete(l, "alertstate")
		delete(l, model.MetricNameLabel)
		fp := l.Fingerprint()
		e, ok := byAlert[fp]
		if !ok {
			e = &HistoryEntry{Labels: labelMap(l), Level: string(l[alertingv2beta1.RuleLevelLabel]), Namespace: string(l[alertingv2beta1.RuleNamespaceLabel]),
				Group: string(l[alertingv2beta1.RuleGroupLabel]), Rule: string(l[model.AlertNameLabel]), Intervals: []Interval{}}
			byAlert[fp] = e
		}
		notBefore := scope.Created[e.Namespace]
		e.Intervals = append(e.Intervals, intervals(state, ser.Values, step, notBefore, end)...)
	}
	for _, e := range byAlert {
		if len(e.Intervals) == 0 {
			continue
		}
		sort.Slice(e.Intervals, func(i, j int) bool { return e.Intervals[i].Start.Before(e.Intervals[j].Start) })
		out.Items = append(out.Items, *e)
	}
	slices.SortFunc(out.Items, func(a, b HistoryEntry) int {
		if c := a.Intervals[0].Start.Compare(b.Intervals[0].Start); c != 0 {
			return -c // the latest first
		}
		return strings.Compare(a.Rule, b.Rule)
	})
	out.TotalItems = len(out.Items)
	return out, nil
}

// intervals splits samples into runs: a gap over one and a half steps
// ends a run. A run ends one step after its last sample, at most at end.
func intervals(state string, values []model.SamplePair, step time.Duration, notBefore, end time.Time) []Interval {
	var out []Interval
	var cur *Interval
	for _, v := range values {
		t := v.Timestamp.Time()
		if !notBefore.IsZero() && t.Before(notBefore.Truncate(time.Second)) {
			continue
		}
		if cur != nil && t.Sub(cur.End) <= step/2 {
			cur.End = minTime(t.Add(step), end)
			continue
		}
		out = append(out, Interval{State: state, Start: t, End: minTime(t.Add(step), end)})
		cur = &out[len(out)-1]
	}
	return out
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// Preview runs a rule's compiled expression at an instant.
func (s *Service) Preview(ctx context.Context, expr, unit string, at time.Time) (*Preview, error) {
	p, err := s.prometheus()
	if err != nil {
		return nil, err
	}
	v, err := p.Query(ctx, expr, at)
	if err != nil {
		return nil, err
	}
	out := &Preview{APIVersion: APIVersion, Kind: "RulePreview", Expr: expr, Unit: unit, Series: []PreviewSeries{}}
	switch v := v.(type) {
	case model.Vector:
		sort.Slice(v, func(i, j int) bool { return v[i].Metric.String() < v[j].Metric.String() })
		for _, smp := range v {
			if len(out.Series) == MaxPreviewSeries {
				out.Truncated = true
				break
			}
			out.Series = append(out.Series, PreviewSeries{Labels: labelMap(model.LabelSet(smp.Metric)), Value: smp.Value.String()})
		}
	case *model.Scalar:
		out.Series = append(out.Series, PreviewSeries{Labels: map[string]string{}, Value: v.Value.String()})
	}
	return out, nil
}
