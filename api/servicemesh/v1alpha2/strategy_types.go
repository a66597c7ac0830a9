package v1alpha2

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// StrategyType is how a Strategy shares the traffic between two versions.
// +kubebuilder:validation:Enum=Canary;BlueGreen;Mirror
type StrategyType string

const (
	// Canary sends Weight percent of the requests, and every request that
	// matches Match, to the canary version; the rest to the principal.
	Canary StrategyType = "Canary"
	// BlueGreen sends every request to one version, Active.
	BlueGreen StrategyType = "BlueGreen"
	// Mirror serves every request from the principal and sends a copy of
	// Mirror.Percent of them to the canary, whose answers are dropped.
	Mirror StrategyType = "Mirror"
)

// Decision ends a Strategy.
// +kubebuilder:validation:Enum=Promote;Rollback
type Decision string

const (
	// Promote sends all the traffic to the canary version and scales the
	// principal's workloads to zero.
	Promote Decision = "Promote"
	// Rollback sends all the traffic to the principal version and scales
	// the canary's workloads to zero.
	Rollback Decision = "Rollback"
)

// Version names which of the two versions.
// +kubebuilder:validation:Enum=Principal;Canary
type Version string

// The two versions of a Strategy.
const (
	VersionPrincipal Version = "Principal"
	VersionCanary    Version = "Canary"
)

// StringMatch matches a header's or cookie's value: exactly one of Exact,
// Prefix and Regex (RE2 syntax, as Envoy reads it).
// +kubebuilder:validation:XValidation:rule="[has(self.exact), has(self.prefix), has(self.regex)].filter(x, x).size() == 1",message="exactly one of exact, prefix and regex"
type StringMatch struct {
	// +kubebuilder:validation:MaxLength=1024
	// +optional
	Exact *string `json:"exact,omitempty"`
	// +kubebuilder:validation:MaxLength=1024
	// +optional
	Prefix *string `json:"prefix,omitempty"`
	// +kubebuilder:validation:MaxLength=1024
	// +optional
	Regex *string `json:"regex,omitempty"`
}

// CookieMatch matches a cookie of the request.
type CookieMatch struct {
	// Name of the cookie.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=256
	// +kubebuilder:validation:Pattern=`^[!#$%&'*+\-.^_|~0-9A-Za-z]+$`
	Name string `json:"name"`
	// Value the cookie's value must match.
	Value StringMatch `json:"value"`
}

// RequestMatch selects requests: every header and every cookie listed
// must match (and). Several RequestMatches are alternatives (or).
// +kubebuilder:validation:XValidation:rule="(has(self.headers) && size(self.headers) > 0) || (has(self.cookies) && size(self.cookies) > 0)",message="a match needs at least one header or cookie"
type RequestMatch struct {
	// Headers by name (lower case, as HTTP/2 and Envoy carry them).
	// +kubebuilder:validation:MaxProperties=16
	// +optional
	Headers map[string]StringMatch `json:"headers,omitempty"`
	// Cookies of the Cookie header.
	// +kubebuilder:validation:MaxItems=16
	// +listType=atomic
	// +optional
	Cookies []CookieMatch `json:"cookies,omitempty"`
}

// MirrorSpec is the share of requests copied to the canary.
type MirrorSpec struct {
	// Percent of the requests mirrored, 0 to 100.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=100
	Percent int32 `json:"percent"`
}

// StrategySpec is a release of a new version of one Service of the
// namespace. The versions are the values of the pods' VersionLabel among
// the pods the Service selects: each version is usually one Deployment
// (reviews-v1, reviews-v2) whose pods carry app and version labels.
// +kubebuilder:validation:XValidation:rule="self.principal != self.canary",message="spec.canary must differ from spec.principal"
// +kubebuilder:validation:XValidation:rule="self.type != 'Mirror' || has(self.mirror)",message="spec.mirror is required for a Mirror strategy"
// +kubebuilder:validation:XValidation:rule="self.type == 'Canary' || (!has(self.weight) && !has(self.match))",message="spec.weight and spec.match are for a Canary strategy"
// +kubebuilder:validation:XValidation:rule="self.type == 'BlueGreen' || !has(self.active)",message="spec.active is for a BlueGreen strategy"
// +kubebuilder:validation:XValidation:rule="self.type == 'Mirror' || !has(self.mirror)",message="spec.mirror is for a Mirror strategy"
// +kubebuilder:validation:XValidation:rule="!has(oldSelf.decision) || (has(self.decision) && self.decision == oldSelf.decision)",message="spec.decision is final"
// +kubebuilder:validation:XValidation:rule="self.service == oldSelf.service && self.principal == oldSelf.principal && self.canary == oldSelf.canary && self.type == oldSelf.type",message="spec.type, spec.service, spec.principal and spec.canary cannot change: create another strategy"
type StrategySpec struct {
	// Type of release.
	Type StrategyType `json:"type"`
	// Service is the Kubernetes Service of this namespace whose traffic
	// the strategy shares; its host (and its FQDN) is the
	// VirtualService's host.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z]([-a-z0-9]*[a-z0-9])?$`
	Service string `json:"service"`
	// VersionLabel is the pod label whose value names a version; by
	// default "version".
	// +kubebuilder:validation:MaxLength=317
	// +optional
	VersionLabel string `json:"versionLabel,omitempty"`
	// Principal is the version that serves now.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$`
	Principal string `json:"principal"`
	// Canary is the new version.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$`
	Canary string `json:"canary"`
	// Weight is the percent of requests (not matched by Match) sent to
	// the canary, 0 to 100 (Canary only; default 0).
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=100
	// +optional
	Weight *int32 `json:"weight,omitempty"`
	// Match sends the requests that match any of these to the canary,
	// whatever Weight says (Canary only).
	// +kubebuilder:validation:MaxItems=8
	// +listType=atomic
	// +optional
	Match []RequestMatch `json:"match,omitempty"`
	// Active is the version that takes every request (BlueGreen only;
	// default Principal). Switching it is the blue-green switch.
	// +optional
	Active Version `json:"active,omitempty"`
	// Mirror is the share of requests copied to the canary (Mirror only).
	// +optional
	Mirror *MirrorSpec `json:"mirror,omitempty"`
	// Decision ends the release: Promote or Rollback. Once set it stays.
	// +optional
	Decision Decision `json:"decision,omitempty"`
}

// WorkloadStatus is a workload of one version.
type WorkloadStatus struct {
	// Kind is Deployment or StatefulSet.
	Kind string `json:"kind"`
	Name string `json:"name"`
	// Replicas wanted and ready.
	Replicas      int32 `json:"replicas"`
	ReadyReplicas int32 `json:"readyReplicas"`
}

// VersionStatus is what the cluster runs of one version.
type VersionStatus struct {
	// Name is the version label's value.
	Name string `json:"name"`
	// Weight is the percent of unmatched requests routed to it.
	Weight int32 `json:"weight"`
	// Pods of the service with this version.
	Pods int32 `json:"pods"`
	// Workloads of those pods.
	// +listType=atomic
	// +optional
	Workloads []WorkloadStatus `json:"workloads,omitempty"`
}

// StrategyPhase sums a Strategy's state.
// +kubebuilder:validation:Enum=Pending;Progressing;Promoted;RolledBack;Failed
type StrategyPhase string

// The phases of a Strategy.
const (
	StrategyPending     StrategyPhase = "Pending"     // not applied yet, or waiting for a condition the message names
	StrategyProgressing StrategyPhase = "Progressing" // traffic is shared as the spec says
	StrategyPromoted    StrategyPhase = "Promoted"
	StrategyRolledBack  StrategyPhase = "RolledBack"
	StrategyFailed      StrategyPhase = "Failed" // invalid against the cluster, or in conflict
)

// StrategyStatus is what ke-controller-manager made of the strategy.
type StrategyStatus struct {
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// +optional
	Phase StrategyPhase `json:"phase,omitempty"`
	// Versions: the principal first, then the canary.
	// +listType=atomic
	// +optional
	Versions []VersionStatus `json:"versions,omitempty"`
	// VirtualService and DestinationRule are the names of the generated
	// objects (in the strategy's namespace).
	// +optional
	VirtualService string `json:"virtualService,omitempty"`
	// +optional
	DestinationRule string `json:"destinationRule,omitempty"`
	// Field is the field of the spec a failure is about, as a path
	// (spec.canary, spec.match[0].headers.x-user.regex).
	// +optional
	Field string `json:"field,omitempty"`
	// DecidedAt is when the decision was carried out.
	// +optional
	DecidedAt *metav1.Time `json:"decidedAt,omitempty"`
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// Strategy releases a new version of a Service: canary, blue-green or
// mirroring, ended by a promote or a rollback.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Namespaced,categories=superkube;servicemesh
// +kubebuilder:printcolumn:name="Type",type=string,JSONPath=`.spec.type`
// +kubebuilder:printcolumn:name="Service",type=string,JSONPath=`.spec.service`
// +kubebuilder:printcolumn:name="Principal",type=string,JSONPath=`.spec.principal`
// +kubebuilder:printcolumn:name="Canary",type=string,JSONPath=`.spec.canary`
// +kubebuilder:printcolumn:name="Weight",type=integer,JSONPath=`.spec.weight`
// +kubebuilder:printcolumn:name="Phase",type=string,JSONPath=`.status.phase`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type Strategy struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec StrategySpec `json:"spec"`
	// +optional
	Status StrategyStatus `json:"status,omitempty"`
}

// StrategyList is a list of Strategies.
// +kubebuilder:object:root=true
type StrategyList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Strategy `json:"items"`
}
