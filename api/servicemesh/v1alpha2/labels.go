package v1alpha2

const (
	// ManagedByLabel marks the VirtualServices and DestinationRules that
	// ke-controller-manager generated (value ManagedByValue). An object
	// without it is hand-written and never changed by the platform.
	ManagedByLabel = "servicemesh.superkube.io/managed-by"
	// ManagedByValue is ManagedByLabel's value.
	ManagedByValue = "super-kubenetes"
	// ServiceLabel names, on a generated object, the Service it routes.
	ServiceLabel = "servicemesh.superkube.io/service"
	// DefaultVersionLabel is the pod label that tells a service's versions
	// apart, as in Istio's conventions (app and version).
	DefaultVersionLabel = "version"
	// AppLabel is the pod label of the application, Istio's convention.
	AppLabel = "app"
	// InjectionLabel on a namespace turns on Istio's sidecar injection
	// (value "enabled"): the project joins the mesh.
	InjectionLabel = "istio-injection"
)

// Condition types of Strategy and ServicePolicy.
const (
	// ConditionReady: the generated objects are written and match the spec.
	ConditionReady = "Ready"
	// Reasons of ConditionReady=False.
	ReasonInvalid         = "Invalid"         // the spec, checked against the cluster, is wrong (the message names the field)
	ReasonServiceNotFound = "ServiceNotFound" // spec.service names no Service
	ReasonNoPods          = "NoPods"          // a version has no pod
	ReasonConflict        = "Conflict"        // a hand-written VirtualService or DestinationRule routes the host, or two strategies claim one service
	ReasonApplied         = "Applied"         // Ready=True
)
