package v1beta1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// NamespacePolicy says what happens to a workspace's namespaces when the
// workspace is deleted.
// +kubebuilder:validation:Enum=Release;Delete
type NamespacePolicy string

// Namespace policies.
const (
	// NamespacesRelease keeps the namespaces and removes their workspace label.
	NamespacesRelease NamespacePolicy = "Release"
	// NamespacesDelete deletes the namespaces with the workspace.
	NamespacesDelete NamespacePolicy = "Delete"
)

// ClusterRef names a cluster a workspace spans.
type ClusterRef struct {
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	Name string `json:"name"`
}

// WorkspaceSpec is what the creator sets. The display name and description
// are the annotations superkube.io/display-name and superkube.io/description.
type WorkspaceSpec struct {
	// Manager is the user who administers the workspace; it is bound to the
	// workspace's admin role.
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	// +kubebuilder:validation:MaxLength=63
	// +optional
	Manager string `json:"manager,omitempty"`

	// Clusters are the clusters the workspace may place projects on.
	// +kubebuilder:validation:MaxItems=100
	// +listType=map
	// +listMapKey=name
	// +optional
	Clusters []ClusterRef `json:"clusters,omitempty"`

	// ClusterSelector places the workspace also on every cluster whose
	// labels it matches. A workspace with neither clusters nor a selector
	// is placed on the host cluster alone.
	// +optional
	ClusterSelector *metav1.LabelSelector `json:"clusterSelector,omitempty"`

	// NetworkIsolation, when on, lets only the workspace's own projects reach
	// each other's pods: ke-controller-manager keeps a NetworkPolicy in each
	// of its namespaces that also lets in the system namespaces (DNS,
	// ingress controller, monitoring) and the project's allowed sources
	// (network.superkube.io NetworkIsolation). A project's own isolation is
	// narrower and replaces it there.
	// +optional
	NetworkIsolation bool `json:"networkIsolation,omitempty"`

	// NamespacePolicy is what happens to the workspace's namespaces when the
	// workspace is deleted: Release (default) keeps them, Delete removes them.
	// +kubebuilder:default=Release
	// +optional
	NamespacePolicy NamespacePolicy `json:"namespacePolicy,omitempty"`
}

// WorkspaceStatus is what the controllers observe.
type WorkspaceStatus struct {
	// Namespaces is the number of projects of the workspace.
	// +optional
	Namespaces int32 `json:"namespaces,omitempty"`
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// Conditions: Ready.
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// Workspace is a tenant: a set of projects, members and roles.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Cluster,shortName=ws,categories=superkube;tenant
// +kubebuilder:printcolumn:name="Manager",type=string,JSONPath=`.spec.manager`
// +kubebuilder:printcolumn:name="Projects",type=integer,JSONPath=`.status.namespaces`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:validation:XValidation:rule="self.metadata.name.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$') && size(self.metadata.name) <= 40",message="workspace name must be a DNS-1123 label of at most 40 characters (its roles are named after it)"
type Workspace struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   WorkspaceSpec   `json:"spec,omitempty"`
	Status WorkspaceStatus `json:"status,omitempty"`
}

// WorkspaceList is a list of workspaces.
// +kubebuilder:object:root=true
type WorkspaceList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Workspace `json:"items"`
}
