// Package v1alpha3 contains the devops.superkube.io/v1alpha3 API: DevOps
// projects of a workspace (DevOpsProject), each with its own namespace
// where its pipelines (Pipeline), their runs (PipelineRun) and its
// credentials (Secrets of the types below) live. ke-controller-manager
// creates the namespace and its roles, fires the cron and webhook triggers
// (one run per trigger, named from it), and carries each run out with an
// executor: local host processes (ke-dev and the tests), Kubernetes pods,
// or a Jenkins server.
// +kubebuilder:object:generate=true
// +groupName=devops.superkube.io
package v1alpha3
