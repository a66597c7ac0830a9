package v2

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// RepositorySpec is a Helm chart repository.
type RepositorySpec struct {
	// URL is an HTTP(S) Helm repository (its index.yaml is at URL/index.yaml)
	// or an OCI registry repository (oci://host/path).
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:Pattern=`^(https?|oci)://`
	URL string `json:"url"`
	// DisplayName is shown instead of the name.
	// +kubebuilder:validation:MaxLength=128
	// +optional
	DisplayName string `json:"displayName,omitempty"`
	// Description of the repository.
	// +kubebuilder:validation:MaxLength=1024
	// +optional
	Description string `json:"description,omitempty"`
	// CredentialsSecret names a Secret in superkube-system, labelled
	// application.superkube.io/repository=<this repository>, with the keys
	// username and password (basic auth or registry login) and, optionally,
	// ca.crt.
	// +kubebuilder:validation:MaxLength=253
	// +optional
	CredentialsSecret string `json:"credentialsSecret,omitempty"`
	// SyncInterval is how often the repository is synced again; 0 syncs
	// only when the spec changes or a sync is requested. At least 5m.
	// +optional
	SyncInterval metav1.Duration `json:"syncInterval,omitempty"`
	// Trusted puts the repository's charts in the store without review.
	// Only a platform administrator may set it.
	// +optional
	Trusted bool `json:"trusted,omitempty"`
	// SyncRequestedAt asks for a sync now when it changes (the console's
	// "sync" button writes the current time).
	// +optional
	SyncRequestedAt *metav1.Time `json:"syncRequestedAt,omitempty"`
}

// RepositoryStatus is what the last syncs found.
type RepositoryStatus struct {
	// ObservedGeneration is the generation the status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// LastSyncTime is when the last sync ended, successful or not.
	// +optional
	LastSyncTime *metav1.Time `json:"lastSyncTime,omitempty"`
	// LastSuccessfulSyncTime is when the last successful sync ended.
	// +optional
	LastSuccessfulSyncTime *metav1.Time `json:"lastSuccessfulSyncTime,omitempty"`
	// SyncError is the last sync's error; empty after a successful one.
	// +optional
	SyncError string `json:"syncError,omitempty"`
	// Applications and Versions count what the last successful sync found.
	// +optional
	Applications int `json:"applications,omitempty"`
	// +optional
	Versions int `json:"versions,omitempty"`
	// IndexDigest is the sha256 of the last index synced, so that an
	// unchanged index is not applied again.
	// +optional
	IndexDigest string `json:"indexDigest,omitempty"`
	// Conditions: Ready.
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// Repository is a Helm chart repository whose charts ke-controller-manager
// syncs into Applications and ApplicationVersions: at platform level, or
// in a workspace (label superkube.io/workspace).
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster,shortName=apprepo
// +kubebuilder:subresource:status
// +kubebuilder:printcolumn:name="URL",type=string,JSONPath=`.spec.url`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Apps",type=integer,JSONPath=`.status.applications`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type Repository struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   RepositorySpec   `json:"spec"`
	Status RepositoryStatus `json:"status,omitempty"`
}

// RepositoryList is a list of Repository.
// +kubebuilder:object:root=true
type RepositoryList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Repository `json:"items"`
}
