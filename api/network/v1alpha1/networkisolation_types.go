package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Protocol of an allowed port.
// +kubebuilder:validation:Enum=TCP;UDP;SCTP
type Protocol string

// CIDR is an IPv4 or IPv6 address range such as 10.0.0.0/8.
// +kubebuilder:validation:MinLength=1
// +kubebuilder:validation:MaxLength=43
// +kubebuilder:validation:XValidation:rule="isCIDR(self)",message="must be a CIDR such as 10.0.0.0/8 or fd00::/8"
type CIDR string

// IPBlock is a range of addresses outside the cluster's pod network (or
// inside it) that may connect.
// +kubebuilder:validation:XValidation:rule="!isCIDR(self.cidr) || !has(self.except) || self.except.all(e, !isCIDR(e) || cidr(self.cidr).containsCIDR(e))",message="every except entry must lie inside cidr",fieldPath=".except"
type IPBlock struct {
	// CIDR is the range, IPv4 or IPv6, such as 10.0.0.0/8.
	CIDR CIDR `json:"cidr"`
	// Except are ranges inside CIDR that may not connect.
	// +kubebuilder:validation:MaxItems=32
	// +listType=atomic
	// +optional
	Except []CIDR `json:"except,omitempty"`
}

// Port is a port on the project's pods that an allowed source may reach.
type Port struct {
	// Protocol is TCP (default), UDP or SCTP.
	// +kubebuilder:default=TCP
	// +optional
	Protocol Protocol `json:"protocol,omitempty"`
	// Port is the port number.
	// +kubebuilder:validation:XValidation:rule="self >= 1 && self <= 65535",message="must be a port number between 1 and 65535"
	Port int32 `json:"port"`
}

// AllowedSource lets more sources reach the project's pods. Namespaces,
// workspaces and CIDRs add up (any of them may connect); ports, when set,
// limit the source to those ports. A source with ports alone lets anyone
// reach those ports.
// +kubebuilder:validation:XValidation:rule="has(self.namespaces) || has(self.workspaces) || has(self.cidrs) || has(self.ports)",message="an allowed source names at least one of namespaces, workspaces, cidrs or ports"
type AllowedSource struct {
	// Namespaces whose pods may connect.
	// +kubebuilder:validation:MaxItems=64
	// +kubebuilder:validation:items:MaxLength=63
	// +kubebuilder:validation:items:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	// +listType=set
	// +optional
	Namespaces []string `json:"namespaces,omitempty"`
	// Workspaces whose projects' pods may connect.
	// +kubebuilder:validation:MaxItems=64
	// +kubebuilder:validation:items:MaxLength=63
	// +kubebuilder:validation:items:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	// +listType=set
	// +optional
	Workspaces []string `json:"workspaces,omitempty"`
	// CIDRs are address ranges that may connect.
	// +kubebuilder:validation:MaxItems=64
	// +listType=atomic
	// +optional
	CIDRs []IPBlock `json:"cidrs,omitempty"`
	// Ports limits the source to these ports; empty allows every port.
	// +kubebuilder:validation:MaxItems=32
	// +listType=atomic
	// +optional
	Ports []Port `json:"ports,omitempty"`
}

// NetworkIsolationSpec is what a project admin sets.
type NetworkIsolationSpec struct {
	// Enabled isolates the project: its pods accept connections only from
	// the project itself, the platform's system namespaces (DNS, ingress
	// controller, monitoring) and the allowed sources.
	// +optional
	Enabled bool `json:"enabled"`
	// AllowedSources are more sources that may connect while the project,
	// or its workspace, is isolated.
	// +kubebuilder:validation:MaxItems=32
	// +listType=atomic
	// +optional
	AllowedSources []AllowedSource `json:"allowedSources,omitempty"`
}

// NetworkIsolationStatus is what ke-controller-manager observed.
type NetworkIsolationStatus struct {
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// Isolation is what isolates the namespace now: Project (this object),
	// Workspace (the workspace's spec.networkIsolation) or None.
	// +optional
	Isolation Isolation `json:"isolation,omitempty"`
	// Policy is the name of the generated NetworkPolicy, if any.
	// +optional
	Policy string `json:"policy,omitempty"`
	// Conditions: Ready.
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// NetworkIsolation is a project's network isolation switch and its allowed
// sources. There is at most one per namespace, named "default".
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Namespaced,shortName=netiso,categories=superkube;network
// +kubebuilder:printcolumn:name="Enabled",type=boolean,JSONPath=`.spec.enabled`
// +kubebuilder:printcolumn:name="Isolation",type=string,JSONPath=`.status.isolation`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:validation:XValidation:rule="self.metadata.name == 'default'",message="metadata.name must be default: a project has one NetworkIsolation"
type NetworkIsolation struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   NetworkIsolationSpec   `json:"spec,omitempty"`
	Status NetworkIsolationStatus `json:"status,omitempty"`
}

// NetworkIsolationList is a list of network isolations.
// +kubebuilder:object:root=true
type NetworkIsolationList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []NetworkIsolation `json:"items"`
}
