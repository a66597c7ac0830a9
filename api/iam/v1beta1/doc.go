// Package v1beta1 contains the iam.superkube.io/v1beta1 API: users, groups,
// login records, role templates, and the global and workspace roles and
// bindings of the platform's four-level permission model.
// +kubebuilder:object:generate=true
// +groupName=iam.superkube.io
package v1beta1
