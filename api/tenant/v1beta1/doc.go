// Package v1beta1 contains the tenant.superkube.io/v1beta1 API: workspaces,
// the tenants that own projects (namespaces) on one or more clusters.
// +kubebuilder:object:generate=true
// +groupName=tenant.superkube.io
package v1beta1
