// Package v2beta1 contains the alerting.superkube.io/v2beta1 API: alert rule
// groups at the three levels a rule can watch — a project (RuleGroup,
// namespaced), a cluster (ClusterRuleGroup) and the platform
// (GlobalRuleGroup). ke-controller-manager compiles them into Prometheus rule
// files; Prometheus evaluates them and Alertmanager routes what fires.
// +kubebuilder:object:generate=true
// +groupName=alerting.superkube.io
package v2beta1
