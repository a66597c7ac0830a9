package v1alpha1

// Names, labels and condition reasons of the generated NetworkPolicies.
const (
	// SingletonName is the only name a NetworkIsolation may have: one per
	// namespace.
	SingletonName = "default"

	// GeneratedByLabel marks every NetworkPolicy the platform generates; its
	// value is GeneratedBy. Policies without it are never touched.
	GeneratedByLabel = "network.superkube.io/generated-by"
	// GeneratedBy is the value of GeneratedByLabel.
	GeneratedBy = "ke-controller-manager"
	// IsolationLabel says which isolation a generated policy enforces:
	// IsolationProject or IsolationWorkspace.
	IsolationLabel = "network.superkube.io/isolation"

	// ProjectPolicyName is the generated policy of an isolated project.
	ProjectPolicyName = "superkube-project-isolation"
	// WorkspacePolicyName is the generated policy of a namespace of an
	// isolated workspace.
	WorkspacePolicyName = "superkube-workspace-isolation"
)

// Isolation is what isolates a namespace.
// +kubebuilder:validation:Enum=None;Project;Workspace
type Isolation string

// Isolations. A project's own isolation is the narrower one and wins over
// its workspace's.
const (
	IsolationNone      Isolation = "None"
	IsolationProject   Isolation = "Project"
	IsolationWorkspace Isolation = "Workspace"
)

// Condition reasons of a NetworkIsolation's Ready condition.
const (
	// ReasonEnforced: the namespace's generated policy is in place.
	ReasonEnforced = "Enforced"
	// ReasonNotIsolated: neither the project nor its workspace is isolated;
	// no policy is generated.
	ReasonNotIsolated = "NotIsolated"
	// ReasonPolicyConflict: a NetworkPolicy that the platform did not
	// generate has the generated policy's name; it is left alone.
	ReasonPolicyConflict = "PolicyConflict"
	// ReasonReconcileFailed: the last reconcile failed (the message says
	// where); the controller retries.
	ReasonReconcileFailed = "ReconcileFailed"
)
