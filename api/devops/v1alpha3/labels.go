package v1alpha3

// Labels and annotations of the DevOps objects.
const (
	// ProjectLabel marks a DevOps project's namespace; its value is the
	// DevOpsProject's name.
	ProjectLabel = "devops.superkube.io/project"
	// PipelineLabel names a run's pipeline (and a branch pipeline's parent).
	PipelineLabel = "devops.superkube.io/pipeline"
	// TriggerLabel is a run's trigger kind.
	TriggerLabel = "devops.superkube.io/trigger"
	// BranchLabel is the branch (or pull request, "pr-<n>") of a branch
	// pipeline.
	BranchLabel = "devops.superkube.io/branch"
	// CreatorAnnotation is the user who created a pipeline: runs that no
	// user started (webhook, cron) act with their permissions.
	CreatorAnnotation = "devops.superkube.io/creator"
	// WebhookSecretKey is the key of the webhook's HMAC secret in the
	// Secret that a pipeline's spec.triggers.webhook.secretRef names.
	WebhookSecretKey = "secret"
)

// Credential types: the Secret types of a DevOps project's credentials. The
// API never returns their data. (Type names, not credentials.)
//
//nolint:gosec // G101: these are Secret type names.
const (
	// CredentialBasicAuth holds username and password.
	CredentialBasicAuth = "devops.superkube.io/basic-auth"
	// CredentialSSHAuth holds username and ssh-privatekey.
	CredentialSSHAuth = "devops.superkube.io/ssh-auth"
	// CredentialSecretText holds secret (a token).
	CredentialSecretText = "devops.superkube.io/secret-text"
	// CredentialKubeconfig holds kubeconfig.
	CredentialKubeconfig = "devops.superkube.io/kubeconfig"
)

// CredentialKeys are the data keys each credential type requires.
var CredentialKeys = map[string][]string{
	CredentialBasicAuth:  {"username", "password"},
	CredentialSSHAuth:    {"username", "ssh-privatekey"},
	CredentialSecretText: {"secret"},
	CredentialKubeconfig: {"kubeconfig"},
}

// ScanRequestedAnnotation on a pipeline with branch discovery asks for a
// scan now (its value is the time it was asked; the webhook sets it on a
// push or pull request).
const ScanRequestedAnnotation = "devops.superkube.io/scan-requested"
