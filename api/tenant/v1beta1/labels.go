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

	ReasonReconciled      = "Reconciled"
	ReasonManagerNotFound = "ManagerNotFound"
	ReasonRolesFailed     = "RolesFailed"
)
