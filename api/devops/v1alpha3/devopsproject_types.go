package v1alpha3

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// DevOpsProjectSpec is a DevOps project's settings.
type DevOpsProjectSpec struct {
	// Description is free text.
	// +kubebuilder:validation:MaxLength=1024
	// +optional
	Description string `json:"description,omitempty"`
	// MaxConcurrentRuns bounds the runs of the project that execute at
	// once (default 10); further runs wait, in order, as Queued.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=200
	// +optional
	MaxConcurrentRuns int32 `json:"maxConcurrentRuns,omitempty"`
}

// DevOpsProjectStatus is where the project is.
type DevOpsProjectStatus struct {
	// Namespace is the project's namespace (its name).
	// +optional
	Namespace string `json:"namespace,omitempty"`
	// Conditions: Ready.
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// DevOpsProject is a workspace's DevOps project (its workspace is the
// superkube.io/workspace label). ke-controller-manager gives it a namespace
// of the same name, labelled with the workspace and devops.superkube.io/project,
// with the DevOps roles (owner, maintainer, developer, reporter) and its
// creator bound as owner.
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster,shortName=devopsproj
// +kubebuilder:subresource:status
// +kubebuilder:validation:XValidation:rule="size(self.metadata.name) <= 63",message="metadata.name must be at most 63 characters (it names a namespace)"
// +kubebuilder:printcolumn:name="Workspace",type=string,JSONPath=`.metadata.labels.superkube\.io/workspace`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type DevOpsProject struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +optional
	Spec   DevOpsProjectSpec   `json:"spec,omitempty"`
	Status DevOpsProjectStatus `json:"status,omitempty"`
}

// DevOpsProjectList is a list of DevOpsProject.
// +kubebuilder:object:root=true
type DevOpsProjectList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []DevOpsProject `json:"items"`
}
