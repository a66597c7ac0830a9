package v2

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Maintainer of a chart.
type Maintainer struct {
	// +kubebuilder:validation:MaxLength=128
	Name string `json:"name"`
	// +kubebuilder:validation:MaxLength=256
	// +optional
	Email string `json:"email,omitempty"`
	// +kubebuilder:validation:MaxLength=2048
	// +optional
	URL string `json:"url,omitempty"`
}

// ApplicationSpec describes an app of the store or of a workspace's app
// templates, from its latest chart.
type ApplicationSpec struct {
	// DisplayName is the chart's name (or the one a developer gave).
	// +kubebuilder:validation:MaxLength=128
	// +optional
	DisplayName string `json:"displayName,omitempty"`
	// Description is the chart's description.
	// +kubebuilder:validation:MaxLength=4096
	// +optional
	Description string `json:"description,omitempty"`
	// Icon is the chart's icon: an https URL or a data: URI (at most 64 KiB).
	// +kubebuilder:validation:MaxLength=65536
	// +optional
	Icon string `json:"icon,omitempty"`
	// Categories are names of Category objects.
	// +kubebuilder:validation:MaxItems=16
	// +optional
	Categories []string `json:"categories,omitempty"`
	// Keywords of the chart, for search.
	// +kubebuilder:validation:MaxItems=32
	// +optional
	Keywords []string `json:"keywords,omitempty"`
	// Maintainers of the chart.
	// +kubebuilder:validation:MaxItems=32
	// +optional
	Maintainers []Maintainer `json:"maintainers,omitempty"`
	// Home is the project's home page.
	// +kubebuilder:validation:MaxLength=2048
	// +optional
	Home string `json:"home,omitempty"`
	// Sources are the chart's source URLs.
	// +kubebuilder:validation:MaxItems=16
	// +optional
	Sources []string `json:"sources,omitempty"`
	// ChartName is the chart's name (Chart.yaml name).
	// +kubebuilder:validation:MaxLength=253
	ChartName string `json:"chartName"`
}

// ApplicationStatus sums up the app's versions.
type ApplicationStatus struct {
	// State is active when a version is active (in the store), suspended
	// when every version that was active is suspended, else draft.
	// +optional
	State ReviewState `json:"state,omitempty"`
	// LatestVersion is the highest version (semver), whatever its state.
	// +optional
	LatestVersion string `json:"latestVersion,omitempty"`
	// LatestActiveVersion is the highest active version.
	// +optional
	LatestActiveVersion string `json:"latestActiveVersion,omitempty"`
	// Versions counts the app's versions.
	// +optional
	Versions int `json:"versions,omitempty"`
	// UpdateTime is when a version last changed.
	// +optional
	UpdateTime *metav1.Time `json:"updateTime,omitempty"`
}

// Application is an app: a chart, with its versions as ApplicationVersions.
// Synced from a Repository (label application.superkube.io/repository) or
// uploaded into a workspace (label superkube.io/workspace).
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster,shortName=app
// +kubebuilder:subresource:status
// +kubebuilder:printcolumn:name="Chart",type=string,JSONPath=`.spec.chartName`
// +kubebuilder:printcolumn:name="State",type=string,JSONPath=`.status.state`
// +kubebuilder:printcolumn:name="Latest",type=string,JSONPath=`.status.latestVersion`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type Application struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   ApplicationSpec   `json:"spec"`
	Status ApplicationStatus `json:"status,omitempty"`
}

// ApplicationList is a list of Application.
// +kubebuilder:object:root=true
type ApplicationList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Application `json:"items"`
}

// ReviewState is where a version is in the review workflow.
// +kubebuilder:validation:Enum=draft;submitted;passed;rejected;active;suspended
type ReviewState string

// Review states: draft → submitted → passed or rejected → active → suspended
// (and back to active). A rejected version goes back to draft to be fixed.
const (
	StateDraft     ReviewState = "draft"
	StateSubmitted ReviewState = "submitted"
	StatePassed    ReviewState = "passed"
	StateRejected  ReviewState = "rejected"
	StateActive    ReviewState = "active"
	StateSuspended ReviewState = "suspended"
)

// ReviewEvent is one transition of the review workflow: who made it, when,
// and why.
type ReviewEvent struct {
	// From and To are the states before and after.
	// +optional
	From ReviewState `json:"from,omitempty"`
	To   ReviewState `json:"to"`
	// User who made the transition (admission checks it is the writer).
	// +kubebuilder:validation:MaxLength=253
	User string `json:"user"`
	// Time of the transition.
	Time metav1.Time `json:"time"`
	// Message is the reviewer's comment; a rejection must have one.
	// +kubebuilder:validation:MaxLength=4096
	// +optional
	Message string `json:"message,omitempty"`
}

// ChartSource says where a version's chart archive is.
type ChartSource struct {
	// Repository is the Repository the chart was synced from; URL is the
	// chart's archive (https://... or oci://...:tag).
	// +kubebuilder:validation:MaxLength=253
	// +optional
	Repository string `json:"repository,omitempty"`
	// +kubebuilder:validation:MaxLength=2048
	// +optional
	URL string `json:"url,omitempty"`
	// ConfigMap in superkube-system holds an uploaded chart (binaryData
	// key chart.tgz).
	// +kubebuilder:validation:MaxLength=253
	// +optional
	ConfigMap string `json:"configMap,omitempty"`
	// Digest is the sha256 of the archive (hex), checked on every fetch.
	// +kubebuilder:validation:MaxLength=71
	// +optional
	Digest string `json:"digest,omitempty"`
}

// ApplicationVersionSpec is one chart version of an app.
type ApplicationVersionSpec struct {
	// Application is the name of the Application.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Application string `json:"application"`
	// Version is the chart's version (semver).
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=128
	Version string `json:"version"`
	// AppVersion is the version of the app the chart installs.
	// +kubebuilder:validation:MaxLength=128
	// +optional
	AppVersion string `json:"appVersion,omitempty"`
	// Description of this version.
	// +kubebuilder:validation:MaxLength=4096
	// +optional
	Description string `json:"description,omitempty"`
	// Created is the chart's creation time in its repository.
	// +optional
	Created *metav1.Time `json:"created,omitempty"`
	// Source of the chart archive.
	Source ChartSource `json:"source"`
	// HasSchema says the chart has values.schema.json.
	// +optional
	HasSchema bool `json:"hasSchema,omitempty"`
	// State in the review workflow. Changing it needs the permission of the
	// transition, and a new entry at the end of reviews naming the writer.
	// +kubebuilder:default=draft
	State ReviewState `json:"state"`
	// Reviews is the history of the workflow's transitions; entries are
	// only ever added.
	// +kubebuilder:validation:MaxItems=256
	// +optional
	Reviews []ReviewEvent `json:"reviews,omitempty"`
}

// ApplicationVersion is one version of an Application (label
// application.superkube.io/app), with its chart and review state.
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster,shortName=appver
// +kubebuilder:printcolumn:name="App",type=string,JSONPath=`.spec.application`
// +kubebuilder:printcolumn:name="Version",type=string,JSONPath=`.spec.version`
// +kubebuilder:printcolumn:name="State",type=string,JSONPath=`.spec.state`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type ApplicationVersion struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec ApplicationVersionSpec `json:"spec"`
}

// ApplicationVersionList is a list of ApplicationVersion.
// +kubebuilder:object:root=true
type ApplicationVersionList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []ApplicationVersion `json:"items"`
}

// CategorySpec is a grouping of the store's apps.
type CategorySpec struct {
	// DisplayName, by language (en, ko, zh); en is the fallback.
	// +optional
	DisplayName map[string]string `json:"displayName,omitempty"`
	// Description of the category.
	// +kubebuilder:validation:MaxLength=1024
	// +optional
	Description string `json:"description,omitempty"`
	// Icon is the name of an icon of the console's set.
	// +kubebuilder:validation:MaxLength=64
	// +optional
	Icon string `json:"icon,omitempty"`
}

// CategoryStatus counts the category's apps.
type CategoryStatus struct {
	// Applications counts the active apps in the category.
	// +optional
	Applications int `json:"applications,omitempty"`
}

// Category groups the store's apps; platform administrators manage them.
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster,shortName=appcat
// +kubebuilder:subresource:status
type Category struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   CategorySpec   `json:"spec,omitempty"`
	Status CategoryStatus `json:"status,omitempty"`
}

// CategoryList is a list of Category.
// +kubebuilder:object:root=true
type CategoryList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Category `json:"items"`
}
