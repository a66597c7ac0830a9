package v2beta1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Severity of an alert.
// +kubebuilder:validation:Enum=critical;error;warning;info
type Severity string

// Severities, most urgent first.
const (
	SeverityCritical Severity = "critical"
	SeverityError    Severity = "error"
	SeverityWarning  Severity = "warning"
	SeverityInfo     Severity = "info"
)

// Comparison of a builder rule's metric with its threshold.
// +kubebuilder:validation:Enum=">";">=";"<";"<=";"==";"!="
type Comparison string

// TargetKind is what a builder rule watches.
// +kubebuilder:validation:Enum=Cluster;Node;Workload;Pod;Container;PersistentVolumeClaim
type TargetKind string

// Target kinds.
const (
	TargetCluster   TargetKind = "Cluster"
	TargetNode      TargetKind = "Node"
	TargetWorkload  TargetKind = "Workload"
	TargetPod       TargetKind = "Pod"
	TargetContainer TargetKind = "Container"
	TargetPVC       TargetKind = "PersistentVolumeClaim"
)

// RuleBuilder describes a rule without PromQL: a metric of a kind of target
// compared with a threshold. It compiles to PromQL.
type RuleBuilder struct {
	// Kind is what the rule watches. Project-level groups may watch
	// Workload, Pod, Container and PersistentVolumeClaim.
	Kind TargetKind `json:"kind"`
	// Names limits the rule to these targets (workload as kind/name, for
	// example deployment/web); empty means every target of the kind.
	// +kubebuilder:validation:MaxItems=100
	// +optional
	Names []string `json:"names,omitempty"`
	// Metric is a metric of the builder's catalog for the kind (for example
	// pod_cpu_usage, pod_memory_usage, pod_restarts, workload_unavailable_replicas,
	// node_cpu_utilisation, pvc_usage_ratio).
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=128
	Metric string `json:"metric"`
	// Comparison of the metric with the threshold.
	Comparison Comparison `json:"comparison"`
	// Threshold is a number, in the metric's unit. It is a string so that
	// a value that is not a number gets an error naming this field.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=64
	Threshold string `json:"threshold"`
}

// Rule is one alerting rule: exactly one of expr and builder.
type Rule struct {
	// Alert is the alert's name.
	// +kubebuilder:validation:Pattern=`^[a-zA-Z_][a-zA-Z0-9_]*$`
	// +kubebuilder:validation:MaxLength=128
	Alert string `json:"alert"`
	// Expr is a PromQL expression; an alert fires for each series it
	// returns. In a project-level group every selector is confined to the
	// project's namespace.
	// +kubebuilder:validation:MaxLength=4096
	// +optional
	Expr string `json:"expr,omitempty"`
	// Builder is the rule without PromQL.
	// +optional
	Builder *RuleBuilder `json:"builder,omitempty"`
	// For is how long the condition must hold before the alert fires (a
	// Prometheus duration such as 1m, 5m, 1h); empty fires at once.
	// +kubebuilder:validation:Pattern=`^(([0-9]+)(ms|s|m|h|d|w|y))*$`
	// +kubebuilder:validation:MaxLength=32
	// +optional
	For string `json:"for,omitempty"`
	// Severity of the alert.
	// +kubebuilder:default=warning
	// +optional
	Severity Severity `json:"severity,omitempty"`
	// Summary is a one-line template ({{ $labels.pod }}, {{ $value }}).
	// +kubebuilder:validation:MaxLength=1024
	// +optional
	Summary string `json:"summary,omitempty"`
	// Description is a longer template.
	// +kubebuilder:validation:MaxLength=8192
	// +optional
	Description string `json:"description,omitempty"`
	// Labels are added to the alert (they route notifications).
	// +kubebuilder:validation:MaxProperties=32
	// +optional
	Labels map[string]string `json:"labels,omitempty"`
	// Disabled leaves the rule out of Prometheus.
	// +optional
	Disabled bool `json:"disabled,omitempty"`
}

// RuleGroupSpec is the same at the three levels.
type RuleGroupSpec struct {
	// Interval is how often Prometheus evaluates the group (default: its
	// global evaluation interval).
	// +kubebuilder:validation:Pattern=`^(([0-9]+)(ms|s|m|h|d|w|y))*$`
	// +kubebuilder:validation:MaxLength=32
	// +optional
	Interval string `json:"interval,omitempty"`
	// Disabled leaves the whole group out of Prometheus.
	// +optional
	Disabled bool `json:"disabled,omitempty"`
	// Rules of the group.
	// +kubebuilder:validation:MaxItems=200
	// +listType=map
	// +listMapKey=alert
	Rules []Rule `json:"rules"`
}

// RuleGroupStatus is what ke-controller-manager observed.
type RuleGroupStatus struct {
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// Rules is the number of rules loaded into Prometheus.
	// +optional
	Rules int32 `json:"rules,omitempty"`
	// Conditions: Ready.
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// RuleGroup is a project's alert rules; their selectors are confined to
// the group's namespace.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Namespaced,shortName=rg,categories=superkube;alerting
// +kubebuilder:printcolumn:name="Rules",type=integer,JSONPath=`.status.rules`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type RuleGroup struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   RuleGroupSpec   `json:"spec"`
	Status RuleGroupStatus `json:"status,omitempty"`
}

// RuleGroupList is a list of project rule groups.
// +kubebuilder:object:root=true
type RuleGroupList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []RuleGroup `json:"items"`
}

// ClusterRuleGroup is a cluster's alert rules (nodes, every namespace).
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Cluster,shortName=crg,categories=superkube;alerting
// +kubebuilder:printcolumn:name="Rules",type=integer,JSONPath=`.status.rules`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type ClusterRuleGroup struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   RuleGroupSpec   `json:"spec"`
	Status RuleGroupStatus `json:"status,omitempty"`
}

// ClusterRuleGroupList is a list of cluster rule groups.
// +kubebuilder:object:root=true
type ClusterRuleGroupList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []ClusterRuleGroup `json:"items"`
}

// GlobalRuleGroup is a platform-level group of alert rules; the built-in
// groups are global.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Cluster,shortName=grg,categories=superkube;alerting
// +kubebuilder:printcolumn:name="Builtin",type=string,JSONPath=`.metadata.labels.alerting\.superkube\.io/builtin`
// +kubebuilder:printcolumn:name="Rules",type=integer,JSONPath=`.status.rules`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type GlobalRuleGroup struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   RuleGroupSpec   `json:"spec"`
	Status RuleGroupStatus `json:"status,omitempty"`
}

// GlobalRuleGroupList is a list of global rule groups.
// +kubebuilder:object:root=true
type GlobalRuleGroupList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []GlobalRuleGroup `json:"items"`
}
