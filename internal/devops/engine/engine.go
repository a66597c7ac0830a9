// Package engine defines what carries out a pipeline run. An Engine takes
// a run (its definition, parameters, credentials and revision) and reports
// its progress as changes to the run's status; it serves the logs of the
// run's steps. The run's Kubernetes object stays the source of truth: an
// engine holds no queue of its own, so a run is never queued forever in a
// place the platform cannot see.
package engine

import (
	"context"
	"errors"
	"io"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apiserver/pkg/authentication/user"

	devopsv1alpha3 "github.com/superkube/super-kubenetes/api/devops/v1alpha3"
)

// Engine names.
const (
	Local      = "local"
	Kubernetes = "kubernetes"
	Jenkins    = "jenkins"
)

// Run is what an engine needs to carry out one run.
type Run struct {
	// Key is the PipelineRun's namespace and name.
	Key types.NamespacedName
	// Pipeline is the pipeline's name; Source its Git source (may be nil).
	Pipeline string
	Source   *devopsv1alpha3.Source
	// Revision is the branch (and commit) to build.
	Revision devopsv1alpha3.Revision
	// Definition is what to do.
	Definition *devopsv1alpha3.Definition
	// Params are the run's parameters, defaults filled in.
	Params map[string]string
	// Credentials are the project's credentials the definition and the
	// source name, by name then key. Their values (and base64 forms) must
	// never reach a log.
	Credentials map[string]map[string][]byte
	// User is the user the run acts as (deploy steps), with their groups;
	// nil when the run has nobody to act as.
	User user.Info
	// Approval blocks until the input step ("<stage>/<step>") is answered,
	// or ctx ends.
	Approval func(ctx context.Context, step string) (devopsv1alpha3.Approval, error)
}

// Secrets returns every credential value of the run, for masking.
func (r *Run) Secrets() [][]byte {
	var out [][]byte
	for _, c := range r.Credentials {
		for _, v := range c {
			if len(v) > 0 {
				out = append(out, v)
			}
		}
	}
	return out
}

// Reporter receives a run's progress: each call changes the status (the
// engine never replaces it whole) and is written to the PipelineRun.
type Reporter interface {
	Update(change func(*devopsv1alpha3.PipelineRunStatus))
}

// ReporterFunc adapts a function to Reporter.
type ReporterFunc func(change func(*devopsv1alpha3.PipelineRunStatus))

// Update calls f.
func (f ReporterFunc) Update(change func(*devopsv1alpha3.PipelineRunStatus)) { f(change) }

// Engine carries out runs.
type Engine interface {
	// Name is the engine's name (Local, Kubernetes, Jenkins).
	Name() string
	// Execute carries out run until it ends, reporting every stage and
	// step as it starts and ends. It returns the run's final phase and
	// message. Cancelling ctx stops the run: every process or remote
	// build it started is gone when Execute returns, and the phase is
	// Cancelled.
	Execute(ctx context.Context, run *Run, r Reporter) (devopsv1alpha3.RunPhase, string)
	// Logs reads a step's log (stage is "<stage>" or
	// "<stage>/<branch>"), following it while the step runs when follow
	// is set. The log is already masked.
	Logs(ctx context.Context, run types.NamespacedName, stage, step string, follow bool) (io.ReadCloser, error)
}

// ErrNoLog is returned by Logs for a step that wrote no log (yet).
var ErrNoLog = errors.New("the step has no log")
