// Package v2 contains the application.superkube.io/v2 API, the app store:
// Helm chart repositories (Repository), the applications and versions
// synced from them or uploaded by developers (Application,
// ApplicationVersion) with their review workflow, the platform's
// categories (Category), and releases of a version into a project
// (ApplicationRelease), which ke-controller-manager installs, upgrades,
// rolls back and uninstalls with the Helm SDK as the user who asked.
// +kubebuilder:object:generate=true
// +groupName=application.superkube.io
package v2
