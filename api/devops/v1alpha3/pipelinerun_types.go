package v1alpha3

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TriggerKind is what started a run.
// +kubebuilder:validation:Enum=manual;webhook;cron;rerun;replay
type TriggerKind string

// Trigger kinds.
const (
	TriggerManual  TriggerKind = "manual"
	TriggerWebhook TriggerKind = "webhook"
	TriggerCron    TriggerKind = "cron"
	TriggerRerun   TriggerKind = "rerun"
	TriggerReplay  TriggerKind = "replay"
)

// Trigger says what started a run, and as whom it acts.
type Trigger struct {
	Kind TriggerKind `json:"kind"`
	// ID identifies the trigger: the webhook's delivery, the cron slot,
	// the rerun run. Two runs never have the same kind and id.
	// +kubebuilder:validation:MaxLength=253
	// +optional
	ID string `json:"id,omitempty"`
	// User the run acts as (deploy steps): who started it, or the
	// pipeline's creator for webhook and cron runs.
	// +kubebuilder:validation:MaxLength=253
	// +optional
	User string `json:"user,omitempty"`
}

// Revision is the source revision a run builds.
type Revision struct {
	// +kubebuilder:validation:MaxLength=253
	// +optional
	Branch string `json:"branch,omitempty"`
	// Commit is a full hash (default: the branch's head when the run starts).
	// +kubebuilder:validation:MaxLength=64
	// +optional
	Commit string `json:"commit,omitempty"`
}

// ParamValue is a parameter's value for a run.
type ParamValue struct {
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=128
	Name string `json:"name"`
	// +kubebuilder:validation:MaxLength=4096
	Value string `json:"value"`
}

// Approval is a person's answer to an input step. kube-apiserver admits a
// new approval only from a user with the verb approve on pipelineruns in
// the run's namespace, and only under their own name.
type Approval struct {
	// Step is the input step, as "<stage>/<step>" (or
	// "<stage>/<branch>/<step>").
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Step string `json:"step"`
	// Approved proceeds; false aborts the run.
	Approved bool `json:"approved"`
	// User who answered.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	User string `json:"user"`
	// +kubebuilder:validation:MaxLength=1024
	// +optional
	Message string `json:"message,omitempty"`
}

// PipelineRunSpec is one run of a pipeline.
// +kubebuilder:validation:XValidation:rule="self.pipeline == oldSelf.pipeline && self.trigger == oldSelf.trigger",message="pipeline and trigger cannot change"
// +kubebuilder:validation:XValidation:rule="!has(oldSelf.parameters) || (has(self.parameters) && self.parameters == oldSelf.parameters)",message="parameters cannot change"
// +kubebuilder:validation:XValidation:rule="!has(oldSelf.approvals) || (has(self.approvals) && self.approvals.size() >= oldSelf.approvals.size() && oldSelf.approvals.all(a, a in self.approvals))",message="approvals cannot be removed or changed"
// +kubebuilder:validation:XValidation:rule="!has(oldSelf.cancel) || !oldSelf.cancel || (has(self.cancel) && self.cancel)",message="a cancelled run cannot be resumed"
type PipelineRunSpec struct {
	// Pipeline is the pipeline's name.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Pipeline string  `json:"pipeline"`
	Trigger  Trigger `json:"trigger"`
	// +optional
	Revision Revision `json:"revision,omitempty"`
	// +kubebuilder:validation:MaxItems=50
	// +listType=map
	// +listMapKey=name
	// +optional
	Parameters []ParamValue `json:"parameters,omitempty"`
	// Definition replaces the pipeline's for this run (replay); when
	// unset, the controller copies the pipeline's into the status.
	// +optional
	Definition *Definition `json:"definition,omitempty"`
	// Cancel stops the run: its running steps' processes are killed.
	// +optional
	Cancel bool `json:"cancel,omitempty"`
	// Approvals answer the run's input steps.
	// +kubebuilder:validation:MaxItems=100
	// +listType=atomic
	// +optional
	Approvals []Approval `json:"approvals,omitempty"`
}

// RunPhase is where a run (or a stage, or a step) is.
// +kubebuilder:validation:Enum=Pending;Queued;Running;Waiting;Succeeded;Failed;Cancelled;Skipped
type RunPhase string

// Phases. A run is never left Pending, Queued or Running forever: a run
// whose executor lost it (the controller restarted mid-step) is Failed
// with that reason, and every run has a timeout.
const (
	PhasePending   RunPhase = "Pending"
	PhaseQueued    RunPhase = "Queued"
	PhaseRunning   RunPhase = "Running"
	PhaseWaiting   RunPhase = "Waiting"
	PhaseSucceeded RunPhase = "Succeeded"
	PhaseFailed    RunPhase = "Failed"
	PhaseCancelled RunPhase = "Cancelled"
	PhaseSkipped   RunPhase = "Skipped"
)

// Finished says whether the phase is final.
func (p RunPhase) Finished() bool {
	return p == PhaseSucceeded || p == PhaseFailed || p == PhaseCancelled || p == PhaseSkipped
}

// StepStatus is a step's progress.
type StepStatus struct {
	Name string `json:"name"`
	// Kind is the step's kind (shell, checkout...).
	Kind  string   `json:"kind"`
	Phase RunPhase `json:"phase"`
	// Attempt counts the tries (1 for the first).
	// +optional
	Attempt int32 `json:"attempt,omitempty"`
	// +optional
	StartTime *metav1.Time `json:"startTime,omitempty"`
	// +optional
	CompletionTime *metav1.Time `json:"completionTime,omitempty"`
	// +optional
	ExitCode *int32 `json:"exitCode,omitempty"`
	// Message says why it failed or what it waits for.
	// +kubebuilder:validation:MaxLength=4096
	// +optional
	Message string `json:"message,omitempty"`
}

// StageStatus is a stage's (or a parallel branch's) progress.
type StageStatus struct {
	// Name is the stage's, or "<stage>/<branch>" for a parallel branch.
	Name  string   `json:"name"`
	Phase RunPhase `json:"phase"`
	// Parallel marks a parallel branch.
	// +optional
	Parallel bool `json:"parallel,omitempty"`
	// +optional
	Attempt int32 `json:"attempt,omitempty"`
	// +optional
	StartTime *metav1.Time `json:"startTime,omitempty"`
	// +optional
	CompletionTime *metav1.Time `json:"completionTime,omitempty"`
	// +kubebuilder:validation:MaxLength=4096
	// +optional
	Message string `json:"message,omitempty"`
	// +optional
	Steps []StepStatus `json:"steps,omitempty"`
}

// Artifact is a file a run kept.
type Artifact struct {
	// Path in the workspace.
	Path string `json:"path"`
	Size int64  `json:"size"`
	// SHA256 of its content.
	SHA256 string `json:"sha256"`
	// Step that kept it.
	// +optional
	Step string `json:"step,omitempty"`
}

// Image is an image a run built.
type Image struct {
	Reference string `json:"reference"`
	Digest    string `json:"digest"`
	// +optional
	Pushed bool `json:"pushed,omitempty"`
}

// CodeQuality is SonarQube's verdict on the run's commit.
type CodeQuality struct {
	ProjectKey string `json:"projectKey"`
	// QualityGate is OK, WARN, ERROR or NONE.
	QualityGate string `json:"qualityGate"`
	// +optional
	Bugs *int64 `json:"bugs,omitempty"`
	// +optional
	Vulnerabilities *int64 `json:"vulnerabilities,omitempty"`
	// +optional
	CodeSmells *int64 `json:"codeSmells,omitempty"`
	// Coverage in percent, as SonarQube writes it.
	// +optional
	Coverage string `json:"coverage,omitempty"`
	// +optional
	URL string `json:"url,omitempty"`
}

// PipelineRunStatus is a run's progress.
type PipelineRunStatus struct {
	// +optional
	Phase RunPhase `json:"phase,omitempty"`
	// +kubebuilder:validation:MaxLength=4096
	// +optional
	Message string `json:"message,omitempty"`
	// Executor that runs it.
	// +optional
	Executor string `json:"executor,omitempty"`
	// +optional
	QueuedTime *metav1.Time `json:"queuedTime,omitempty"`
	// +optional
	StartTime *metav1.Time `json:"startTime,omitempty"`
	// +optional
	CompletionTime *metav1.Time `json:"completionTime,omitempty"`
	// Commit built (resolved at checkout).
	// +optional
	Commit string `json:"commit,omitempty"`
	// Definition the run carries out (the pipeline's when it started, or
	// the replay's).
	// +optional
	Definition *Definition `json:"definition,omitempty"`
	// +optional
	Stages []StageStatus `json:"stages,omitempty"`
	// +kubebuilder:validation:MaxItems=200
	// +optional
	Artifacts []Artifact `json:"artifacts,omitempty"`
	// +kubebuilder:validation:MaxItems=20
	// +optional
	Images []Image `json:"images,omitempty"`
	// +optional
	CodeQuality *CodeQuality `json:"codeQuality,omitempty"`
	// ExternalID is the run's id in an outside engine (Jenkins' build URL).
	// +optional
	ExternalID string `json:"externalID,omitempty"`
}

// PipelineRun is one run of a pipeline. Its name is derived from its
// trigger, so a trigger delivered twice meets AlreadyExists instead of
// starting a second run.
// +kubebuilder:object:root=true
// +kubebuilder:resource:shortName=pr;plr
// +kubebuilder:subresource:status
// +kubebuilder:printcolumn:name="Pipeline",type=string,JSONPath=`.spec.pipeline`
// +kubebuilder:printcolumn:name="Trigger",type=string,JSONPath=`.spec.trigger.kind`
// +kubebuilder:printcolumn:name="Phase",type=string,JSONPath=`.status.phase`
// +kubebuilder:printcolumn:name="Started",type=date,JSONPath=`.status.startTime`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type PipelineRun struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   PipelineRunSpec   `json:"spec"`
	Status PipelineRunStatus `json:"status,omitempty"`
}

// PipelineRunList is a list of PipelineRun.
// +kubebuilder:object:root=true
type PipelineRunList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []PipelineRun `json:"items"`
}
