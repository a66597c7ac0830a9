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
	// ReasonAgentNotConnected: an Agent cluster whose agent has no tunnel
	// open to ke-apiserver (never joined, or gone).
	ReasonAgentNotConnected = "AgentNotConnected"
	// ReasonUnsupportedVersion: kube-apiserver answers with a version
	// outside the range the platform supports.
	ReasonUnsupportedVersion = "UnsupportedVersion"

	// Finalizer lets ke-controller-manager remove what a cluster left
	// behind (its Secrets, its place in workspaces) before it goes.
	Finalizer = "cluster.superkube.io/cleanup"

	// KubeconfigKey is the key of a kubeconfig Secret.
	KubeconfigKey = "kubeconfig"

	// MirroredByLabel marks the native RBAC objects the host writes into a
	// member cluster (value MirroredByHost). Only objects with this label
	// are ever changed or pruned there; everything else on the member is
	// the member's own.
	MirroredByLabel = "cluster.superkube.io/mirrored-by"
	// MirroredByHost is the value of MirroredByLabel.
	MirroredByHost = "host"

	// RBACSyncedCondition says whether the member's native RBAC matches the
	// platform's roles and bindings (written by ke-controller-manager's
	// member RBAC controller, beside Ready).
	RBACSyncedCondition = "RBACSynced"
	// ReasonRBACSynced: the member's mirrored RBAC is what the platform wants.
	ReasonRBACSynced = "Synced"
	// ReasonRBACSyncFailed: a read or write on the member failed.
	ReasonRBACSyncFailed = "SyncFailed"
	// ReasonRBACClusterNotReady: the member is not Ready; its RBAC is
	// brought in line once it is (condition Unknown).
	ReasonRBACClusterNotReady = "ClusterNotReady"
	// ReasonRBACNameTaken: an object the platform would write exists on the
	// member without MirroredByLabel, and is left alone.
	ReasonRBACNameTaken = "NameTaken"
	// ReasonRBACHostItself: the member's kubeconfig reaches the host cluster
	// itself (the same kube-system namespace); nothing is written there.
	ReasonRBACHostItself = "HostItself"
)

// ConnectionType says how the platform reaches a cluster.
// +kubebuilder:validation:Enum=Host;Direct;Agent
type ConnectionType string

// Connection types.
const (
	// ConnectionHost is the cluster the platform runs on.
	ConnectionHost ConnectionType = "Host"
	// ConnectionDirect reaches a member cluster's kube-apiserver with a
	// kubeconfig kept in a Secret.
	ConnectionDirect ConnectionType = "Direct"
	// ConnectionAgent reaches a member cluster through a tunnel its agent
	// holds open to ke-apiserver (for clusters the host cannot reach). The
	// kubeconfig the agent hands over when it joins is kept in a Secret and
	// used through the tunnel.
	ConnectionAgent ConnectionType = "Agent"
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
	// the kubeconfig of a Direct connection, or of an Agent connection
	// once its agent has joined.
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
	// LastProbeTime is when the host last tried to reach the cluster.
	// +optional
	LastProbeTime *metav1.Time `json:"lastProbeTime,omitempty"`
	// LastReachedTime is when the host last reached the cluster's
	// kube-apiserver.
	// +optional
	LastReachedTime *metav1.Time `json:"lastReachedTime,omitempty"`
	// Agent is the state of an Agent cluster's tunnel, as ke-apiserver sees it.
	// +optional
	Agent *AgentStatus `json:"agent,omitempty"`
	// Conditions: Ready.
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// AgentStatus is the state of an agent's tunnel.
type AgentStatus struct {
	// Joined is when the agent joined with its join token.
	// +optional
	Joined *metav1.Time `json:"joined,omitempty"`
	// Connected says whether a tunnel is open.
	Connected bool `json:"connected"`
	// Since is when the tunnel opened or closed.
	// +optional
	Since *metav1.Time `json:"since,omitempty"`
	// Address is where the agent's tunnel came from.
	// +optional
	Address string `json:"address,omitempty"`
	// Server is the ke-apiserver replica that holds the tunnel (its
	// advertised URL); the other replicas forward the cluster's requests
	// to it.
	// +optional
	Server string `json:"server,omitempty"`
}

// Cluster is a Kubernetes cluster managed by the platform.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Cluster,categories=superkube
// +kubebuilder:printcolumn:name="Connection",type=string,JSONPath=`.spec.connection.type`
// +kubebuilder:printcolumn:name="Version",type=string,JSONPath=`.status.kubernetesVersion`
// +kubebuilder:printcolumn:name="Nodes",type=integer,JSONPath=`.status.nodeCount`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Reached",type=date,JSONPath=`.status.lastReachedTime`
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
