package v1beta1

// Labels and annotations shared by every platform object.
const (
	// WorkspaceLabel links a namespace (project), workspace role or binding to its workspace.
	WorkspaceLabel = "superkube.io/workspace"
	// CreatorAnnotation names the user who created an object.
	CreatorAnnotation = "superkube.io/creator"
	// DisplayNameAnnotation is the name shown in the console.
	DisplayNameAnnotation = "superkube.io/display-name"
	// DescriptionAnnotation is free text shown in the console.
	DescriptionAnnotation = "superkube.io/description"
	// WorkspaceFinalizer lets the workspace controller apply the cascade
	// policy to the workspace's namespaces before the workspace goes.
	WorkspaceFinalizer = "tenant.superkube.io/workspace-cleanup"
)

// Workspace condition types and reasons.
const (
	ReadyCondition = "Ready"

	// ReasonReconciled: the workspace's roles and its manager's binding are in place.
	ReasonReconciled = "Reconciled"
	// ReasonManagerNotFound: the manager is not a user (yet).
	ReasonManagerNotFound = "ManagerNotFound"
	// ReasonRolesFailed: the workspace's built-in roles could not be written.
	ReasonRolesFailed = "RolesFailed"
	// ReasonReconcileFailed: the last reconcile failed with an error (the
	// message says where); the controller retries, and observedGeneration
	// stays at the last generation brought in line.
	ReasonReconcileFailed = "ReconcileFailed"
)
