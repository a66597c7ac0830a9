package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Labels and condition constants.
const (
	// HostClusterLabel marks the cluster the platform itself runs on.
	HostClusterLabel = "cluster-role.superkube.io/host"
	// HostClusterName is the name of the host cluster's object.
	HostClusterName = "host"

	ReadyCondition    = "Ready"
	ReasonReachable   = "Reachable"
	ReasonUnreachable = "Unreachable"
)

// ConnectionType says how the platform reaches a cluster.
// +kubebuilder:validation:Enum=Host;Direct
type ConnectionType string

// Connection types.
const (
	// ConnectionHost is the cluster the platform runs on.
	ConnectionHost ConnectionType = "Host"
	// ConnectionDirect reaches a member cluster's kube-apiserver with a
	// kubeconfig kept in a Secret.
	ConnectionDirect ConnectionType = "Direct"
)

// SecretRef names a Secret in the system namespace and a key in it.
type SecretRef struct {
	// +kubebuilder:validation:MinLength=1
	Name string `json:"name"`
	// +kubebuilder:default=kubeconfig
	// +optional
	Key string `json:"key,omitempty"`
}

// Connection describes how to reach the cluster.
// +kubebuilder:validation:XValidation:rule="self.type != 'Direct' || has(self.kubeconfigSecretRef)",message="a Direct connection needs kubeconfigSecretRef",fieldPath=".kubeconfigSecretRef"
type Connection struct {
	Type ConnectionType `json:"type"`
	// KubeconfigSecretRef names the Secret, in superkube-system, that holds
	// the kubeconfig of a Direct connection.
	// +optional
	KubeconfigSecretRef *SecretRef `json:"kubeconfigSecretRef,omitempty"`
}

// ClusterSpec describes a managed cluster.
type ClusterSpec struct {
	// Provider is where the cluster runs (for example "local", "aws"), for display.
	// +kubebuilder:validation:MaxLength=63
	// +optional
	Provider string `json:"provider,omitempty"`
	// Connection says how the platform reaches the cluster.
	Connection Connection `json:"connection"`
	// Enable lets workspaces use the cluster.
	// +kubebuilder:default=true
	// +optional
	Enable bool `json:"enable,omitempty"`
}

// ClusterStatus is what the controllers observe.
type ClusterStatus struct {
	// KubernetesVersion is the version the cluster's kube-apiserver reports.
	// +optional
	KubernetesVersion string `json:"kubernetesVersion,omitempty"`
	// NodeCount is the number of nodes.
	// +optional
	NodeCount int32 `json:"nodeCount,omitempty"`
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// Conditions: Ready.
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// Cluster is a Kubernetes cluster managed by the platform.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Cluster,categories=superkube
// +kubebuilder:printcolumn:name="Connection",type=string,JSONPath=`.spec.connection.type`
// +kubebuilder:printcolumn:name="Version",type=string,JSONPath=`.status.kubernetesVersion`
// +kubebuilder:printcolumn:name="Nodes",type=integer,JSONPath=`.status.nodeCount`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:validation:XValidation:rule="self.metadata.name.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$') && size(self.metadata.name) <= 63",message="cluster name must be a DNS-1123 label"
type Cluster struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   ClusterSpec   `json:"spec"`
	Status ClusterStatus `json:"status,omitempty"`
}

// ClusterList is a list of clusters.
// +kubebuilder:object:root=true
type ClusterList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Cluster `json:"items"`
}
