package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ProjectPolicyName is the only name a project's GatewayPolicy may have.
const ProjectPolicyName = "default"

// GatewayPolicySpec lists what the routes of a workspace's (or a
// project's) namespaces may use. Each list is independent: a list that is
// not set leaves that kind unrestricted at this level; an empty list
// allows nothing. A project's lists can only narrow its workspace's: an
// object must pass both.
type GatewayPolicySpec struct {
	// IngressClassNames are the IngressClasses an Ingress may name in
	// spec.ingressClassName (or the legacy kubernetes.io/ingress.class
	// annotation). An Ingress without a class gets the cluster's default
	// class at creation; with no default class it is refused.
	// +kubebuilder:validation:MaxItems=64
	// +kubebuilder:validation:items:MinLength=1
	// +kubebuilder:validation:items:MaxLength=253
	// +listType=set
	// +optional
	IngressClassNames *[]string `json:"ingressClassNames,omitempty"`
	// GatewayClassNames are the GatewayClasses a Gateway created in the
	// namespaces may name in spec.gatewayClassName.
	// +kubebuilder:validation:MaxItems=64
	// +kubebuilder:validation:items:MinLength=1
	// +kubebuilder:validation:items:MaxLength=253
	// +listType=set
	// +optional
	GatewayClassNames *[]string `json:"gatewayClassNames,omitempty"`
	// Gateways are the Gateways outside the route's own namespace, as
	// "namespace/name", that an HTTPRoute (or another route kind) may name
	// in spec.parentRefs. A route may always attach to the Gateways of its
	// own namespace, whose classes GatewayClassNames limits.
	// +kubebuilder:validation:MaxItems=64
	// +kubebuilder:validation:items:MaxLength=317
	// +kubebuilder:validation:items:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?/[a-z0-9]([-a-z0-9.]*[a-z0-9])?$`
	// +listType=set
	// +optional
	Gateways *[]string `json:"gateways,omitempty"`
}

// GatewayPolicy narrows, for one project, what its workspace's
// WorkspaceGatewayPolicy allows. There is at most one per namespace, named
// "default". Workspace administrators write it; project members only read
// it.
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Namespaced,shortName=gwpolicy,categories=superkube;gateway
// +kubebuilder:printcolumn:name="IngressClasses",type=string,JSONPath=`.spec.ingressClassNames`
// +kubebuilder:printcolumn:name="GatewayClasses",type=string,JSONPath=`.spec.gatewayClassNames`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:validation:XValidation:rule="self.metadata.name == 'default'",message="metadata.name must be default: a project has one GatewayPolicy"
type GatewayPolicy struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec GatewayPolicySpec `json:"spec,omitempty"`
}

// GatewayPolicyList is a list of GatewayPolicies.
// +kubebuilder:object:root=true
type GatewayPolicyList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []GatewayPolicy `json:"items"`
}

// WorkspaceGatewayPolicy is what every project of a workspace may use; it
// is named after the workspace. Only platform administrators write it.
// Without one, the workspace's projects are unrestricted (but for their
// own GatewayPolicies).
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Cluster,shortName=wsgwpolicy,categories=superkube;gateway
// +kubebuilder:printcolumn:name="IngressClasses",type=string,JSONPath=`.spec.ingressClassNames`
// +kubebuilder:printcolumn:name="GatewayClasses",type=string,JSONPath=`.spec.gatewayClassNames`
// +kubebuilder:printcolumn:name="Enforced",type=string,JSONPath=`.status.conditions[?(@.type=="Enforced")].status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:validation:XValidation:rule="self.metadata.name.size() <= 63 && self.metadata.name.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$')",message="metadata.name must be the workspace's name"
type WorkspaceGatewayPolicy struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   GatewayPolicySpec            `json:"spec,omitempty"`
	Status WorkspaceGatewayPolicyStatus `json:"status,omitempty"`
}

// WorkspaceGatewayPolicyStatus says whether kube-apiserver enforces the
// policy.
type WorkspaceGatewayPolicyStatus struct {
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// Binding is the ValidatingAdmissionPolicyBinding that applies the
	// policy to the workspace's namespaces.
	// +optional
	Binding string `json:"binding,omitempty"`
	// Conditions: Enforced.
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// The Enforced condition of a WorkspaceGatewayPolicy.
const (
	// ConditionEnforced is True once the policy's binding is in place.
	ConditionEnforced = "Enforced"
	// ReasonBound: the binding is in place.
	ReasonBound = "Bound"
	// ReasonBindFailed: the binding could not be written.
	ReasonBindFailed = "BindFailed"
)

// WorkspaceGatewayPolicyList is a list of WorkspaceGatewayPolicies.
// +kubebuilder:object:root=true
type WorkspaceGatewayPolicyList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []WorkspaceGatewayPolicy `json:"items"`
}
