package v1beta1

// Condition types.
const (
	// ReadyCondition is true when the controller has brought the object and
	// everything derived from it in line with its spec.
	ReadyCondition = "Ready"
)

// Condition reasons.
const (
	// ReasonReconciled: everything derived from the object is in place.
	ReasonReconciled = "Reconciled"
	// ReasonPasswordHashed: the password written into the user's spec was
	// hashed (when a plaintext) and moved into the user's password Secret.
	ReasonPasswordHashed = "PasswordHashed"
	// ReasonInvalidPassword: the password could not be hashed (for example too long).
	ReasonInvalidPassword = "InvalidPassword"
	// ReasonRoleNotFound: a binding names a role that does not exist.
	ReasonRoleNotFound = "RoleNotFound"
	// ReasonUserNotFound: a binding or workspace names a user that does not exist.
	ReasonUserNotFound = "UserNotFound"
	// ReasonGroupNotFound: a group binding names a group that does not exist.
	ReasonGroupNotFound = "GroupNotFound"
	// ReasonTemplateNotFound: a role names a role template that does not exist.
	ReasonTemplateNotFound = "RoleTemplateNotFound"
	// ReasonWorkspaceNotFound: an object names a workspace that does not exist.
	ReasonWorkspaceNotFound = "WorkspaceNotFound"
	// ReasonMirrorFailed: the native RBAC objects could not be written.
	ReasonMirrorFailed = "MirrorFailed"
	// ReasonReconcileFailed: the last reconcile failed with an error (the
	// message says where); the controller retries, and observedGeneration
	// stays at the last generation brought in line.
	ReasonReconcileFailed = "ReconcileFailed"
)
