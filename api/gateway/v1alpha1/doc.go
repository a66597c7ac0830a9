// Package v1alpha1 contains the gateway.superkube.io/v1alpha1 API: which
// IngressClasses, GatewayClasses and shared Gateways a workspace's projects
// may use. A WorkspaceGatewayPolicy (cluster-scoped, named after the
// workspace, written by platform administrators) sets the workspace's
// limit; a GatewayPolicy (one per project, named "default", written by the
// workspace's administrators) narrows it for one project. kube-apiserver
// enforces both with ValidatingAdmissionPolicies that ke-controller-manager
// keeps (docs/gateway.md).
// +kubebuilder:object:generate=true
// +groupName=gateway.superkube.io
package v1alpha1
