package alerting

import (
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	alertingv2beta1 "github.com/superkube/super-kubenetes/api/alerting/v2beta1"
)

// APIVersion of the alerting API's own answers.
const APIVersion = alertingv2beta1.GroupName + "/v2beta1"

// Alert is one pending or firing alert, from Prometheus' rules, with what
// Alertmanager says of it (silenced, inhibited).
type Alert struct {
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
	// State is pending or firing.
	State    string    `json:"state"`
	ActiveAt time.Time `json:"activeAt"`
	// Value is the expression's value when the rule was last evaluated.
	Value string `json:"value"`
	// SilencedBy and InhibitedBy are the ids of the silences and the
	// fingerprints of the alerts that mute it in Alertmanager.
	SilencedBy  []string `json:"silencedBy"`
	InhibitedBy []string `json:"inhibitedBy"`
	// Level is project, cluster or global (the rule_level label); Namespace
	// the project of a project-level alert; Group and Rule the rule group
	// and the rule (its alert name).
	Level     string `json:"level"`
	Namespace string `json:"namespace,omitempty"`
	Group     string `json:"group"`
	Rule      string `json:"rule"`
	// Fingerprint identifies the alert's label set, as Alertmanager does.
	Fingerprint string `json:"fingerprint"`
}

// AlertList is the answer of the alerts endpoints (the list convention).
type AlertList struct {
	Items      []Alert `json:"items"`
	TotalItems int     `json:"totalItems"`
}

// HistoryEntry is one alert's pending and firing intervals over a range.
type HistoryEntry struct {
	// Labels are the alert's labels (without alertstate).
	Labels    map[string]string `json:"labels"`
	Level     string            `json:"level"`
	Namespace string            `json:"namespace,omitempty"`
	Group     string            `json:"group"`
	Rule      string            `json:"rule"`
	Intervals []Interval        `json:"intervals"`
}

// Interval is a stretch of time in one state. An interval still open at
// the end of the range ends there.
type Interval struct {
	State string    `json:"state"`
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// History is the answer of the history endpoints.
type History struct {
	APIVersion string         `json:"apiVersion"`
	Kind       string         `json:"kind"`
	Start      time.Time      `json:"start"`
	End        time.Time      `json:"end"`
	Step       string         `json:"step"`
	Items      []HistoryEntry `json:"items"`
	TotalItems int            `json:"totalItems"`
}

// Matcher is a silence's matcher, as Alertmanager takes it.
type Matcher struct {
	Name    string `json:"name"`
	Value   string `json:"value"`
	IsRegex bool   `json:"isRegex"`
	// IsEqual false makes it a negative matcher (!= or !~); default true.
	IsEqual *bool `json:"isEqual,omitempty"`
}

func (m Matcher) equal() bool { return m.IsEqual == nil || *m.IsEqual }

// Silence is a silence in Alertmanager.
type Silence struct {
	ID        string    `json:"id"`
	Matchers  []Matcher `json:"matchers"`
	StartsAt  time.Time `json:"startsAt"`
	EndsAt    time.Time `json:"endsAt"`
	Comment   string    `json:"comment"`
	CreatedBy string    `json:"createdBy"`
	// State is pending, active or expired.
	State     string    `json:"state"`
	UpdatedAt time.Time `json:"updatedAt"`
	// Namespace is the project of a project silence (its namespace
	// matcher), empty for a platform silence.
	Namespace string `json:"namespace,omitempty"`
}

// SilenceList is the answer of the silences endpoints.
type SilenceList struct {
	Items      []Silence `json:"items"`
	TotalItems int       `json:"totalItems"`
}

// NewSilence is the body of a silence's creation. createdBy is always the
// caller; a body's is ignored.
type NewSilence struct {
	Matchers []Matcher `json:"matchers"`
	StartsAt time.Time `json:"startsAt"`
	EndsAt   time.Time `json:"endsAt"`
	Comment  string    `json:"comment"`
}

// Preview is the current value of a rule's compiled expression.
type Preview struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	// Expr is the PromQL Prometheus will evaluate (confined to the
	// project for a project-level rule).
	Expr string `json:"expr"`
	// Unit is the builder metric's unit ("" for PromQL).
	Unit   string          `json:"unit"`
	Series []PreviewSeries `json:"series"`
	// Truncated is set when more series than MaxPreviewSeries answered.
	Truncated bool `json:"truncated,omitempty"`
}

// PreviewSeries is one series of a preview: its labels and value.
type PreviewSeries struct {
	Labels map[string]string `json:"labels"`
	Value  string            `json:"value"`
}

// MaxPreviewSeries bounds the series of a preview.
const MaxPreviewSeries = 200

// RuleState is what Prometheus says of one rule of a group.
type RuleState struct {
	Alert string `json:"alert"`
	// Health is ok, err or unknown (not loaded in Prometheus yet, or
	// disabled).
	Health    string `json:"health"`
	LastError string `json:"lastError,omitempty"`
	// State is inactive, pending, firing, or disabled.
	State string `json:"state"`
	// Alerts counts its pending and firing alerts.
	Alerts         int        `json:"alerts"`
	LastEvaluation *time.Time `json:"lastEvaluation,omitempty"`
}

// RuleGroupStatus is a group's status as ke-controller-manager wrote it,
// with each rule's state in Prometheus.
type RuleGroupStatus struct {
	alertingv2beta1.RuleGroupStatus `json:",inline"`
	RuleStates                      []RuleState `json:"ruleStates"`
}

// RuleGroup is the answer for a rule group of any level: the object, its
// status with the rules' states.
type RuleGroup struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              alertingv2beta1.RuleGroupSpec `json:"spec"`
	Status            RuleGroupStatus               `json:"status"`
}
