// Package v1alpha1 contains the cluster.superkube.io/v1alpha1 API: the
// Kubernetes clusters the platform manages, starting with the host cluster.
// +kubebuilder:object:generate=true
// +groupName=cluster.superkube.io
package v1alpha1
