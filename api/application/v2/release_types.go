package v2

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ApplicationReleaseSpec is what should be installed: a version of an app,
// with values.
type ApplicationReleaseSpec struct {
	// Application is the name of the Application.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Application string `json:"application"`
	// Version is the name of the ApplicationVersion to install; changing it
	// upgrades (or downgrades) the release.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Version string `json:"version"`
	// Values are the chart's values, as YAML (at most 512 KiB); changing
	// them upgrades the release.
	// +kubebuilder:validation:MaxLength=524288
	// +optional
	Values string `json:"values,omitempty"`
	// RollbackTo, when set together with a change of the spec, rolls the
	// release back to that revision of its history (Helm's rollback)
	// instead of upgrading; version and values must be those of the
	// revision.
	// +kubebuilder:validation:Minimum=1
	// +optional
	RollbackTo *int `json:"rollbackTo,omitempty"`
	// Timeout bounds an install, upgrade or rollback (default 5m, at most
	// 30m); an operation that runs longer fails.
	// +optional
	Timeout *metav1.Duration `json:"timeout,omitempty"`
}

// ReleasePhase is where a release is.
// +kubebuilder:validation:Enum=Pending;Installing;Upgrading;RollingBack;Deployed;Failed;Uninstalling
type ReleasePhase string

// Release phases. A release is never left in Installing, Upgrading or
// RollingBack: an operation that ended without a word (ke-controller-manager
// restarted in the middle) is found and marked Failed, or carried out again.
const (
	PhasePending      ReleasePhase = "Pending"
	PhaseInstalling   ReleasePhase = "Installing"
	PhaseUpgrading    ReleasePhase = "Upgrading"
	PhaseRollingBack  ReleasePhase = "RollingBack"
	PhaseDeployed     ReleasePhase = "Deployed"
	PhaseFailed       ReleasePhase = "Failed"
	PhaseUninstalling ReleasePhase = "Uninstalling"
)

// ReleaseOperation is the operation in progress (or the last one).
type ReleaseOperation struct {
	// Type is install, upgrade, rollback or uninstall.
	Type string `json:"type"`
	// Generation of the spec the operation carries out.
	Generation int64 `json:"generation"`
	// StartedAt is when it started; Deadline when it must have ended.
	StartedAt metav1.Time `json:"startedAt"`
	// +optional
	Deadline *metav1.Time `json:"deadline,omitempty"`
	// Holder is the ke-controller-manager process that runs it; another
	// process that finds the operation unfinished knows it died.
	// +optional
	Holder string `json:"holder,omitempty"`
	// User the operation runs as (impersonated).
	// +optional
	User string `json:"user,omitempty"`
	// Attempt counts the tries of this generation's operation: an
	// operation interrupted because its process stopped is tried once more.
	// +optional
	Attempt int `json:"attempt,omitempty"`
}

// ReleaseRevision is one revision of the release's Helm history.
type ReleaseRevision struct {
	Revision int `json:"revision"`
	// Version is the chart's version; AppVersion the app's.
	// +optional
	Version string `json:"version,omitempty"`
	// +optional
	AppVersion string `json:"appVersion,omitempty"`
	// Status is Helm's status of the revision (deployed, superseded, failed...).
	Status string `json:"status"`
	// +optional
	Updated *metav1.Time `json:"updated,omitempty"`
	// Description is Helm's description (Install complete, Upgrade failed: ...).
	// +optional
	Description string `json:"description,omitempty"`
}

// ReleaseResource is an object the release created, and whether it is ready.
type ReleaseResource struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Name       string `json:"name"`
	// +optional
	Namespace string `json:"namespace,omitempty"`
	// Ready says whether the object is ready (workloads: their replicas;
	// other kinds: that they exist).
	Ready bool `json:"ready"`
	// Message says what it waits for.
	// +optional
	Message string `json:"message,omitempty"`
}

// ApplicationReleaseStatus is the release as installed.
type ApplicationReleaseStatus struct {
	// Phase of the release.
	// +optional
	Phase ReleasePhase `json:"phase,omitempty"`
	// ObservedGeneration is the generation of the spec last carried out
	// (successfully or not).
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// Revision is the deployed (or last attempted) revision.
	// +optional
	Revision int `json:"revision,omitempty"`
	// Message is Helm's own message about the last operation; on a failure,
	// its error.
	// +kubebuilder:validation:MaxLength=32768
	// +optional
	Message string `json:"message,omitempty"`
	// Notes are the chart's rendered NOTES.txt.
	// +kubebuilder:validation:MaxLength=32768
	// +optional
	Notes string `json:"notes,omitempty"`
	// Operation is the operation in progress, or the last one.
	// +optional
	Operation *ReleaseOperation `json:"operation,omitempty"`
	// History is the Helm history, newest first (at most 20 revisions).
	// +kubebuilder:validation:MaxItems=20
	// +optional
	History []ReleaseRevision `json:"history,omitempty"`
	// Resources are the objects of the deployed manifest (at most 500).
	// +kubebuilder:validation:MaxItems=500
	// +optional
	Resources []ReleaseResource `json:"resources,omitempty"`
	// Conditions: Ready.
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// ApplicationRelease is a Helm release of an app version in a project.
// ke-controller-manager installs, upgrades, rolls back and (before the
// object goes) uninstalls it, impersonating the user named by the
// application.superkube.io/operator annotation.
// +kubebuilder:object:root=true
// +kubebuilder:resource:shortName=apprls
// +kubebuilder:subresource:status
// +kubebuilder:printcolumn:name="App",type=string,JSONPath=`.spec.application`
// +kubebuilder:printcolumn:name="Version",type=string,JSONPath=`.spec.version`
// +kubebuilder:printcolumn:name="Phase",type=string,JSONPath=`.status.phase`
// +kubebuilder:printcolumn:name="Revision",type=integer,JSONPath=`.status.revision`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type ApplicationRelease struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   ApplicationReleaseSpec   `json:"spec"`
	Status ApplicationReleaseStatus `json:"status,omitempty"`
}

// ApplicationReleaseList is a list of ApplicationRelease.
// +kubebuilder:object:root=true
type ApplicationReleaseList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []ApplicationRelease `json:"items"`
}
