// Package v1alpha1 contains the network.superkube.io/v1alpha1 API: a
// project's network isolation (NetworkIsolation, one per namespace, named
// "default"). ke-controller-manager turns it, and the workspace's
// spec.networkIsolation switch, into NetworkPolicies in the affected
// namespaces.
// +kubebuilder:object:generate=true
// +groupName=network.superkube.io
package v1alpha1
