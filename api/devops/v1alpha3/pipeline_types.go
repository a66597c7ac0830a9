package v1alpha3

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Source is the Git repository a pipeline builds.
type Source struct {
	// URL to clone (https://, http:// or ssh://).
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:Pattern=`^(https?|ssh)://`
	URL string `json:"url"`
	// Branch runs build by default (default main).
	// +kubebuilder:validation:MaxLength=253
	// +optional
	Branch string `json:"branch,omitempty"`
	// Credential is a basic-auth, ssh-auth or secret-text credential of the
	// project to clone with.
	// +kubebuilder:validation:MaxLength=253
	// +optional
	Credential string `json:"credential,omitempty"`
	// Discovery makes one child pipeline per branch and pull request
	// (multi-branch), and removes it when the branch goes.
	// +optional
	Discovery *Discovery `json:"discovery,omitempty"`
	// Provider is the Git server's API, for discovery and commit statuses.
	// +kubebuilder:validation:Enum=gitea;generic
	// +optional
	Provider string `json:"provider,omitempty"`
}

// Discovery says which refs become branch pipelines.
type Discovery struct {
	// Branches whose names match one of these globs (default: every branch).
	// +kubebuilder:validation:MaxItems=20
	// +optional
	Branches []string `json:"branches,omitempty"`
	// PullRequests discovers open pull requests too.
	// +optional
	PullRequests bool `json:"pullRequests,omitempty"`
	// Interval between scans (default 5m); webhooks scan at once.
	// +optional
	Interval *metav1.Duration `json:"interval,omitempty"`
}

// Triggers are what starts runs besides a person.
type Triggers struct {
	// Webhook starts a run on each push to the source (Gitea's webhook,
	// signed with the Secret's key "secret").
	// +optional
	Webhook *WebhookTrigger `json:"webhook,omitempty"`
	// Cron starts a run on a schedule (five fields, in UTC); one run per slot.
	// +kubebuilder:validation:MaxLength=253
	// +optional
	Cron string `json:"cron,omitempty"`
}

// WebhookTrigger is a Git webhook.
type WebhookTrigger struct {
	// SecretRef names a Secret of the project's namespace whose key
	// "secret" signs the deliveries (HMAC-SHA256).
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	SecretRef string `json:"secretRef"`
}

// Parameter is a value a person (or a trigger) gives a run.
type Parameter struct {
	// +kubebuilder:validation:Pattern=`^[A-Za-z_][A-Za-z0-9_]*$`
	// +kubebuilder:validation:MaxLength=128
	Name string `json:"name"`
	// +kubebuilder:validation:MaxLength=4096
	// +optional
	Default string `json:"default,omitempty"`
	// Choices, when set, are the only values allowed.
	// +kubebuilder:validation:MaxItems=100
	// +optional
	Choices []string `json:"choices,omitempty"`
	// +kubebuilder:validation:MaxLength=1024
	// +optional
	Description string `json:"description,omitempty"`
}

// PipelineSpec is a pipeline.
type PipelineSpec struct {
	// +kubebuilder:validation:MaxLength=1024
	// +optional
	Description string `json:"description,omitempty"`
	// +optional
	Source *Source `json:"source,omitempty"`
	// +optional
	Triggers Triggers `json:"triggers,omitempty"`
	// +kubebuilder:validation:MaxItems=50
	// +listType=map
	// +listMapKey=name
	// +optional
	Parameters []Parameter `json:"parameters,omitempty"`
	// Definition is what a run does.
	Definition Definition `json:"definition"`
	// MaxConcurrentRuns bounds this pipeline's runs that execute at once
	// (default 1); further runs wait, in order, as Queued.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=50
	// +optional
	MaxConcurrentRuns int32 `json:"maxConcurrentRuns,omitempty"`
	// Executor runs the steps: local, kubernetes or jenkins (default: the
	// controller manager's).
	// +kubebuilder:validation:Enum=local;kubernetes;jenkins
	// +optional
	Executor string `json:"executor,omitempty"`
	// Disabled pipelines start no run.
	// +optional
	Disabled bool `json:"disabled,omitempty"`
	// RunsToKeep is how many finished runs are kept (default 50).
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=1000
	// +optional
	RunsToKeep int32 `json:"runsToKeep,omitempty"`
}

// RunSummary is a short view of a run.
type RunSummary struct {
	Name  string   `json:"name"`
	Phase RunPhase `json:"phase"`
	// +optional
	StartTime *metav1.Time `json:"startTime,omitempty"`
	// +optional
	CompletionTime *metav1.Time `json:"completionTime,omitempty"`
}

// PipelineStatus is what the controller found.
type PipelineStatus struct {
	// ObservedGeneration is the generation last checked.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// LastRun is the newest run.
	// +optional
	LastRun *RunSummary `json:"lastRun,omitempty"`
	// NextCron is the next cron slot.
	// +optional
	NextCron *metav1.Time `json:"nextCron,omitempty"`
	// LastCron is the last cron slot a run was made for.
	// +optional
	LastCron *metav1.Time `json:"lastCron,omitempty"`
	// Branches are the discovered branch pipelines' refs.
	// +kubebuilder:validation:MaxItems=500
	// +optional
	Branches []string `json:"branches,omitempty"`
	// Conditions: Ready (the definition and its references are valid).
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// Pipeline is a CI/CD pipeline of a DevOps project.
// +kubebuilder:object:root=true
// +kubebuilder:resource:shortName=pl
// +kubebuilder:subresource:status
// +kubebuilder:printcolumn:name="Last run",type=string,JSONPath=`.status.lastRun.name`
// +kubebuilder:printcolumn:name="Phase",type=string,JSONPath=`.status.lastRun.phase`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type Pipeline struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   PipelineSpec   `json:"spec"`
	Status PipelineStatus `json:"status,omitempty"`
}

// PipelineList is a list of Pipeline.
// +kubebuilder:object:root=true
type PipelineList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Pipeline `json:"items"`
}
