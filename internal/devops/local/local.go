// Package local is the engine that ke-dev and the tests use: each step of a
// run is a host process in the run's work folder (KWOK's pods run no
// containers). It is sandboxed as far as a host process can be without
// privileges, and is not a security boundary: it is meant for one
// developer's machine and the tests, never for a shared cluster.
//
//   - A run has its own folder: workspace/ (the checkout), logs/,
//     artifacts/ and home/ (the steps' HOME).
//   - A step's environment is clean: only PATH, the Go caches, the step's
//     variables and the run's parameters; credentials only where a
//     variable names them, masked in every log.
//   - Each step is its own process group, killed whole on cancel or timeout,
//     with limits on CPU time and open files (bash's ulimit).
//
// Shell steps run `bash -e`; checkout runs git with the credential as an
// HTTP header given through the environment (never on a command line);
// buildImage builds the Go program with `go build` and packs it into an
// OCI image with internal/imagebuild; deploy applies manifests to a
// project as the run's user (impersonated), never as the controller.
package local

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"

	devopsv1alpha3 "github.com/superkube/super-kubenetes/api/devops/v1alpha3"
	"github.com/superkube/super-kubenetes/internal/devops/engine"
	"github.com/superkube/super-kubenetes/internal/devops/runner"
)

// QualityFunc reads the code-quality results of a commit (SonarQube).
type QualityFunc = runner.QualityFunc

// Engine runs steps as host processes.
type Engine struct {
	// Dir holds the runs' folders.
	Dir string
	// Config reaches kube-apiserver for deploy steps; the user is
	// impersonated on a copy.
	Config *rest.Config
	// Quality reads SonarQube for codeQuality steps; nil refuses them.
	Quality QualityFunc
	// CPUSeconds and OpenFiles limit each step (defaults 600 and 4096).
	CPUSeconds int
	OpenFiles  int
	// PassEnv names variables of the controller's environment every step
	// gets (default PATH, the Go caches and proxy settings, LANG).
	PassEnv []string
	// Now is the clock; nil is time.Now.
	Now func() time.Time

	logs *Logs
}

// Name is "local".
func (e *Engine) Name() string { return engine.Local }

func (e *Engine) logStore() *Logs {
	if e.logs == nil {
		e.logs = &Logs{Dir: e.Dir}
	}
	return e.logs
}

// Execute carries out the run.
func (e *Engine) Execute(ctx context.Context, run *engine.Run, rep engine.Reporter) (devopsv1alpha3.RunPhase, string) {
	dir := RunDir(e.Dir, run.Key)
	for _, d := range []string{"workspace", "artifacts", "home"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o700); err != nil {
			return devopsv1alpha3.PhaseFailed, "preparing the run's folder: " + err.Error()
		}
	}
	r := &runner.Runner{Steps: &steps{e: e, dir: dir}, Logs: e.logStore(), Now: e.Now}
	return r.Execute(ctx, run, rep)
}

// Logs reads a step's log.
func (e *Engine) Logs(ctx context.Context, run types.NamespacedName, stage, step string, follow bool) (io.ReadCloser, error) {
	return e.logStore().Open(ctx, run, stage, step, follow)
}

// Remove deletes a run's folder.
func (e *Engine) Remove(run types.NamespacedName) error {
	return os.RemoveAll(RunDir(e.Dir, run))
}

// steps is the StepRunner of one run.
type steps struct {
	e   *Engine
	dir string
}

func (s *steps) workspace() string { return filepath.Join(s.dir, "workspace") }

// RunStep does one step.
func (s *steps) RunStep(ctx context.Context, st *runner.Step) (runner.Result, error) {
	sp := st.Spec
	switch {
	case sp.Shell != nil:
		return s.shell(ctx, st, sp.Shell.Script)
	case sp.Checkout != nil:
		return s.checkout(ctx, st)
	case sp.BuildImage != nil:
		return s.buildImage(ctx, st)
	case sp.Deploy != nil:
		return s.deploy(ctx, st)
	case sp.Artifacts != nil:
		return s.artifacts(st)
	case sp.CodeQuality != nil:
		return s.codeQuality(ctx, st)
	}
	return runner.Result{}, errors.New("the local executor cannot run this step")
}

func (s *steps) codeQuality(ctx context.Context, st *runner.Step) (runner.Result, error) {
	return runner.CodeQuality(ctx, st, s.e.Quality)
}
