// Package v1alpha2 contains the servicemesh.superkube.io/v1alpha2 API: the
// traffic governance of a project's services on the Istio the cluster runs.
// A Strategy releases a new version of a service (canary by weight or by
// request match, blue-green, mirroring); a ServicePolicy sets its
// connection pool, outlier detection (circuit breaking), load balancing,
// retries and timeout. ke-controller-manager compiles both, per service,
// into one Istio VirtualService and one DestinationRule (named after the
// service), validates them before writing, and never overwrites a
// VirtualService or DestinationRule it did not write (docs/servicemesh.md).
// +kubebuilder:object:generate=true
// +groupName=servicemesh.superkube.io
package v1alpha2
