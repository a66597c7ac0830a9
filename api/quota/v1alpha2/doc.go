// Package v1alpha2 contains the quota.superkube.io/v1alpha2 API: a
// ResourceQuota over every project of a workspace. ke-controller-manager
// keeps its usage current and serves the validating webhook through which
// kube-apiserver refuses a pod, a claim or an object that would exceed it.
// +kubebuilder:object:generate=true
// +groupName=quota.superkube.io
package v1alpha2
