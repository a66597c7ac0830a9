package v1alpha3

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Definition is what a pipeline does: stages run in order; a stage's
// steps run in order, or its parallel branches at once.
type Definition struct {
	// Environment is given to every step.
	// +kubebuilder:validation:MaxItems=100
	// +listType=map
	// +listMapKey=name
	// +optional
	Environment []EnvVar `json:"environment,omitempty"`
	// Timeout bounds the whole run (default 1h, at most 24h).
	// +optional
	Timeout *metav1.Duration `json:"timeout,omitempty"`
	// Stages, in order.
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=50
	Stages []Stage `json:"stages"`
}

// EnvVar is an environment variable of steps. Value may name parameters as
// ${params.NAME}.
type EnvVar struct {
	// +kubebuilder:validation:Pattern=`^[A-Za-z_][A-Za-z0-9_]*$`
	// +kubebuilder:validation:MaxLength=128
	Name string `json:"name"`
	// +kubebuilder:validation:MaxLength=4096
	// +optional
	Value string `json:"value,omitempty"`
	// Credential puts a credential's key into the variable; its value is
	// masked in every log.
	// +optional
	Credential *CredentialKeyRef `json:"credential,omitempty"`
}

// CredentialKeyRef names a key of a credential of the DevOps project.
type CredentialKeyRef struct {
	// Name of the credential (a Secret of the project's namespace).
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`
	// Key of its data.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Key string `json:"key"`
}

// When decides whether a stage runs; every condition set must hold.
type When struct {
	// Branch is a glob (path.Match) the run's branch must match.
	// +kubebuilder:validation:MaxLength=253
	// +optional
	Branch string `json:"branch,omitempty"`
	// Parameter must equal a value.
	// +optional
	Parameter *ParameterMatch `json:"parameter,omitempty"`
	// Environment must hold a value (after the parameters are put in).
	// +optional
	Environment *EnvMatch `json:"environment,omitempty"`
}

// ParameterMatch is a parameter's expected value.
type ParameterMatch struct {
	// +kubebuilder:validation:MinLength=1
	Name  string `json:"name"`
	Value string `json:"value"`
}

// EnvMatch is a variable's expected value.
type EnvMatch struct {
	// +kubebuilder:validation:MinLength=1
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Stage is a named group of steps, or of parallel branches.
// +kubebuilder:validation:XValidation:rule="has(self.steps) != has(self.parallel)",message="a stage has either steps or parallel branches"
type Stage struct {
	// Name is unique in the pipeline.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	Name string `json:"name"`
	// +optional
	When *When `json:"when,omitempty"`
	// +kubebuilder:validation:MaxItems=100
	// +listType=map
	// +listMapKey=name
	// +optional
	Environment []EnvVar `json:"environment,omitempty"`
	// Timeout bounds the stage.
	// +optional
	Timeout *metav1.Duration `json:"timeout,omitempty"`
	// Retry runs a failed stage again, up to this many more times.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=10
	// +optional
	Retry int32 `json:"retry,omitempty"`
	// Steps run in order.
	// +kubebuilder:validation:MaxItems=100
	// +optional
	Steps []Step `json:"steps,omitempty"`
	// Parallel branches run at once; the stage fails when one fails.
	// +kubebuilder:validation:MaxItems=20
	// +optional
	Parallel []Branch `json:"parallel,omitempty"`
}

// Branch is one of a stage's parallel branches.
type Branch struct {
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	Name string `json:"name"`
	// +optional
	When *When `json:"when,omitempty"`
	// +kubebuilder:validation:MaxItems=100
	// +listType=map
	// +listMapKey=name
	// +optional
	Environment []EnvVar `json:"environment,omitempty"`
	// +optional
	Timeout *metav1.Duration `json:"timeout,omitempty"`
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=10
	// +optional
	Retry int32 `json:"retry,omitempty"`
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=100
	Steps []Step `json:"steps"`
}

// Step is one action; exactly one of its kinds is set (checked by the API
// and the controllers: a rule per step would exceed the CRD's CEL budget).
type Step struct {
	// Name is unique in its stage (or branch); default: the kind and its index.
	// +kubebuilder:validation:MaxLength=63
	// +optional
	Name string `json:"name,omitempty"`
	// Image runs the step on the Kubernetes executor (default: the
	// executor's image for the kind).
	// +kubebuilder:validation:MaxLength=1024
	// +optional
	Image string `json:"image,omitempty"`
	// +optional
	Timeout *metav1.Duration `json:"timeout,omitempty"`
	// Retry runs a failed step again, up to this many more times.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=10
	// +optional
	Retry int32 `json:"retry,omitempty"`
	// +kubebuilder:validation:MaxItems=100
	// +listType=map
	// +listMapKey=name
	// +optional
	Environment []EnvVar `json:"environment,omitempty"`

	// +optional
	Shell *ShellStep `json:"shell,omitempty"`
	// +optional
	Checkout *CheckoutStep `json:"checkout,omitempty"`
	// +optional
	BuildImage *BuildImageStep `json:"buildImage,omitempty"`
	// +optional
	Deploy *DeployStep `json:"deploy,omitempty"`
	// +optional
	Input *InputStep `json:"input,omitempty"`
	// +optional
	CodeQuality *CodeQualityStep `json:"codeQuality,omitempty"`
	// +optional
	Artifacts *ArtifactsStep `json:"artifacts,omitempty"`
}

// ShellStep runs a script with sh -e.
type ShellStep struct {
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=65536
	Script string `json:"script"`
}

// CheckoutStep clones the pipeline's source at the run's revision into the
// workspace (or Dir in it).
type CheckoutStep struct {
	// +kubebuilder:validation:MaxLength=253
	// +optional
	Dir string `json:"dir,omitempty"`
}

// BuildImageStep builds an image from source: on the Kubernetes executor
// with a daemonless builder image; on the local executor, an OCI image of
// the Go program in Context, written to the run's artifacts and pushed to
// Image when a registry is set.
type BuildImageStep struct {
	// Context is the folder of the source in the workspace (default ".").
	// +kubebuilder:validation:MaxLength=253
	// +optional
	Context string `json:"context,omitempty"`
	// Image is the reference to tag (and push) the image as.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=1024
	Image string `json:"image"`
	// Push pushes the image to its registry, with PushCredential.
	// +optional
	Push bool `json:"push,omitempty"`
	// +kubebuilder:validation:MaxLength=253
	// +optional
	PushCredential string `json:"pushCredential,omitempty"`
}

// DeployStep applies manifests of the workspace to a project, with the
// permissions of the run's user (never the controller's).
type DeployStep struct {
	// Project is the target namespace.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	Project string `json:"project"`
	// Manifests are files or folders in the workspace (YAML).
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=50
	Manifests []string `json:"manifests"`
}

// InputStep waits for a person's approval.
type InputStep struct {
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=1024
	Message string `json:"message"`
	// Timeout after which the run is aborted (default: the stage's or
	// the run's).
	// +optional
	Timeout *metav1.Duration `json:"timeout,omitempty"`
}

// CodeQualityStep reads SonarQube's analysis of the run's commit.
type CodeQualityStep struct {
	// ProjectKey is SonarQube's project key.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=400
	ProjectKey string `json:"projectKey"`
	// FailOnQualityGate fails the step when the quality gate is not OK.
	// +optional
	FailOnQualityGate bool `json:"failOnQualityGate,omitempty"`
}

// ArtifactsStep keeps files of the workspace with the run.
type ArtifactsStep struct {
	// Paths are globs relative to the workspace.
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=50
	Paths []string `json:"paths"`
}
