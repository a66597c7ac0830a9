package v1alpha2

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// ResourceQuotaSpec is what a platform administrator sets.
// +kubebuilder:validation:XValidation:rule="self.workspace == oldSelf.workspace",message="the workspace of a quota cannot change",fieldPath=".workspace"
type ResourceQuotaSpec struct {
	// Workspace is the workspace whose projects the quota covers, on the
	// host and on every member cluster the workspace is placed on.
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	// +kubebuilder:validation:MaxLength=63
	Workspace string `json:"workspace"`

	// Hard is the most the workspace's projects may use together, with the
	// names of a Kubernetes ResourceQuota: cpu and requests.cpu,
	// limits.cpu, memory and requests.memory, limits.memory,
	// requests.storage, ephemeral-storage, pods, persistentvolumeclaims,
	// services, configmaps, secrets and count/<resource>.<group> of those
	// and of deployments, statefulsets, daemonsets, replicasets, jobs,
	// cronjobs and ingresses.
	// +kubebuilder:validation:MinProperties=1
	// +kubebuilder:validation:MaxProperties=30
	// +kubebuilder:validation:XValidation:rule="self.all(k, k in ['cpu','requests.cpu','limits.cpu','memory','requests.memory','limits.memory','requests.storage','ephemeral-storage','requests.ephemeral-storage','limits.ephemeral-storage','pods','persistentvolumeclaims','services','configmaps','secrets','count/pods','count/persistentvolumeclaims','count/services','count/configmaps','count/secrets','count/deployments.apps','count/statefulsets.apps','count/daemonsets.apps','count/replicasets.apps','count/jobs.batch','count/cronjobs.batch','count/ingresses.networking.k8s.io'])",message="only cpu, memory, storage, ephemeral-storage and the counts of pods, persistentvolumeclaims, services, configmaps, secrets, deployments, statefulsets, daemonsets, replicasets, jobs, cronjobs and ingresses can be limited"
	Hard corev1.ResourceList `json:"hard"`
}

// NamespaceUsage is what one project uses.
type NamespaceUsage struct {
	// Cluster is the member cluster the project is on; empty for the host.
	// +optional
	Cluster   string              `json:"cluster,omitempty"`
	Namespace string              `json:"namespace"`
	Used      corev1.ResourceList `json:"used,omitempty"`
}

// Charge is a create admitted by the webhook whose object the controller
// has not seen yet: it still counts, so that a recount never frees room
// that an admitted pod is about to take.
type Charge struct {
	// UID of the admitted object.
	UID types.UID `json:"uid"`
	// Resource is the object's resource (<resource>[.<group>]).
	Resource string `json:"resource"`
	// Cluster is the member cluster the object is created on; empty for
	// the host.
	// +optional
	Cluster   string `json:"cluster,omitempty"`
	Namespace string `json:"namespace"`
	Name      string `json:"name,omitempty"`
	// Request is, for a claim's expansion, the storage the claim grew to:
	// the charge counts until the claim is seen requesting it.
	// +optional
	Request *resource.Quantity  `json:"request,omitempty"`
	Used    corev1.ResourceList `json:"used"`
	// Time is when it was admitted; a charge whose object never appears
	// (another admission refused it) is dropped after a minute.
	Time metav1.Time `json:"time"`
}

// ResourceQuotaStatus is what the controller and the webhook observed.
type ResourceQuotaStatus struct {
	// Hard is the spec's hard limits the status was computed for.
	// +optional
	Hard corev1.ResourceList `json:"hard,omitempty"`
	// Used is the sum over the workspace's projects, pending charges
	// included.
	// +optional
	Used corev1.ResourceList `json:"used,omitempty"`
	// Namespaces is the usage of each project, by name. An atomic list:
	// only the platform writes it, and a map list would make every write
	// of the status merge each project's entry.
	// +listType=atomic
	// +optional
	Namespaces []NamespaceUsage `json:"namespaces,omitempty"`
	// Pending are the admitted creates not counted in a project yet.
	// +listType=atomic
	// +optional
	Pending []Charge `json:"pending,omitempty"`
	// Conditions: Exceeded is True while usage is above a hard limit (a
	// quota lowered below what is used: it is accepted, and new objects
	// are refused until usage drops).
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`
	// ObservedGeneration is the generation of the spec the status is for.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
}

// ConditionExceeded is the condition type of a quota whose usage is above
// one of its hard limits.
const ConditionExceeded = "Exceeded"

// ResourceQuota limits what all the projects of a workspace use together.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Cluster,shortName=wsquota,categories=superkube
// +kubebuilder:printcolumn:name="Workspace",type=string,JSONPath=`.spec.workspace`
// +kubebuilder:printcolumn:name="Exceeded",type=string,JSONPath=`.status.conditions[?(@.type=="Exceeded")].status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type ResourceQuota struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   ResourceQuotaSpec   `json:"spec"`
	Status ResourceQuotaStatus `json:"status,omitempty"`
}

// ResourceQuotaList is a list of ResourceQuota.
// +kubebuilder:object:root=true
type ResourceQuotaList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []ResourceQuota `json:"items"`
}
