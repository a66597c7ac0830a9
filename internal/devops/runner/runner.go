// Package runner carries out a run's definition: stages in order, a
// stage's steps in order or its parallel branches at once, with when
// conditions, environments, timeouts, retries and input steps that wait
// for a person. It reports every stage and step as it starts and ends and
// writes each step's log, masked, to a log store. What a step does is a
// StepRunner's: host processes (package local) or pods.
package runner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	devopsv1alpha3 "github.com/superkube/super-kubenetes/api/devops/v1alpha3"
	"github.com/superkube/super-kubenetes/internal/devops/definition"
	"github.com/superkube/super-kubenetes/internal/devops/engine"
	"github.com/superkube/super-kubenetes/internal/devops/mask"
)

// DefaultRunTimeout bounds a run whose definition sets no timeout.
const DefaultRunTimeout = time.Hour

// MaxRunTimeout bounds every run.
const MaxRunTimeout = 24 * time.Hour

// Step is one step to carry out.
type Step struct {
	Run *engine.Run
	// Stage is the stage's status name ("<stage>" or "<stage>/<branch>").
	Stage string
	// Name is the step's name in its stage.
	Name string
	Spec devopsv1alpha3.Step
	// Env is the step's environment (KEY=VALUE), credentials included.
	Env []string
	// Log receives the step's output; it masks the run's credentials.
	Log io.Writer
	// Masker masks the run's credentials, for messages.
	Masker *mask.Masker
	// Attempt counts the tries (1 for the first).
	Attempt int32
	// Commit is the commit the run builds, once checked out ("" before).
	Commit string
}

// Result is what a step produced.
type Result struct {
	// ExitCode is the process's exit status, when the step ran one.
	ExitCode *int32
	// Commit is the commit a checkout step checked out.
	Commit      string
	Artifacts   []devopsv1alpha3.Artifact
	Images      []devopsv1alpha3.Image
	CodeQuality *devopsv1alpha3.CodeQuality
}

// StepRunner does what a step says. It returns an error when the step
// failed (a non-zero exit is an error with the ExitCode set); it stops the
// step and returns when ctx ends.
type StepRunner interface {
	RunStep(ctx context.Context, s *Step) (Result, error)
}

// LogStore keeps the steps' logs.
type LogStore interface {
	// Create opens a step's log for writing (an attempt after the first
	// appends). Close marks it finished.
	Create(run *engine.Run, stage, step string) (io.WriteCloser, error)
}

// Runner carries out runs with a StepRunner.
type Runner struct {
	Steps StepRunner
	Logs  LogStore
	// Now is the clock; nil is time.Now.
	Now func() time.Time
}

func (r *Runner) now() metav1.Time {
	if r.Now != nil {
		return metav1.NewTime(r.Now())
	}
	return metav1.Now()
}

// Errors that end a run, told apart by the phase they give.
var (
	errCancelled = errors.New("the run was cancelled")
	errRejected  = errors.New("rejected")
)

// timeoutError is a timeout of a part of the run.
type timeoutError struct{ what string }

func (e timeoutError) Error() string { return e.what + " timed out" }

// Execute carries out run, reporting to rep, and returns its final phase
// and message.
func (r *Runner) Execute(ctx context.Context, run *engine.Run, rep engine.Reporter) (devopsv1alpha3.RunPhase, string) {
	def := run.Definition
	if def == nil || len(def.Stages) == 0 {
		return devopsv1alpha3.PhaseFailed, "the run has no stages"
	}
	timeout := DefaultRunTimeout
	if def.Timeout != nil && def.Timeout.Duration > 0 {
		timeout = min(def.Timeout.Duration, MaxRunTimeout)
	}
	ctx, cancel := context.WithTimeoutCause(ctx, timeout, timeoutError{what: "the run (" + timeout.String() + ")"})
	defer cancel()
	x := &execution{r: r, run: run, rep: rep, masker: mask.New(run.Secrets())}
	rep.Update(func(st *devopsv1alpha3.PipelineRunStatus) {
		st.Stages = Plan(def)
	})
	env := newEnv(run)
	var err error
	for i := range def.Stages {
		if err = x.stage(ctx, &def.Stages[i], env); err != nil {
			x.skipRest()
			break
		}
	}
	phase, msg := outcome(ctx, err)
	return phase, x.masker.String(msg)
}

// outcome maps the error that ended the run to its phase and message.
func outcome(ctx context.Context, err error) (devopsv1alpha3.RunPhase, string) {
	switch {
	case err == nil:
		return devopsv1alpha3.PhaseSucceeded, ""
	case errors.Is(err, errCancelled) || (ctx.Err() != nil && errors.Is(context.Cause(ctx), context.Canceled)):
		return devopsv1alpha3.PhaseCancelled, "the run was cancelled"
	case errors.Is(err, errRejected):
		return devopsv1alpha3.PhaseCancelled, err.Error()
	default:
		return devopsv1alpha3.PhaseFailed, err.Error()
	}
}

// Plan lists the stages, parallel branches and steps of a definition, all
// Pending, so that the whole graph shows before it runs.
func Plan(def *devopsv1alpha3.Definition) []devopsv1alpha3.StageStatus {
	var out []devopsv1alpha3.StageStatus
	for _, s := range def.Stages {
		out = append(out, devopsv1alpha3.StageStatus{Name: s.Name, Phase: devopsv1alpha3.PhasePending, Steps: planSteps(s.Steps)})
		for _, b := range s.Parallel {
			out = append(out, devopsv1alpha3.StageStatus{Name: s.Name + "/" + b.Name, Parallel: true,
				Phase: devopsv1alpha3.PhasePending, Steps: planSteps(b.Steps)})
		}
	}
	return out
}

func planSteps(steps []devopsv1alpha3.Step) []devopsv1alpha3.StepStatus {
	out := make([]devopsv1alpha3.StepStatus, len(steps))
	for i, s := range steps {
		out[i] = devopsv1alpha3.StepStatus{Name: StepName(s, i), Kind: Kind(s), Phase: devopsv1alpha3.PhasePending}
	}
	return out
}

// Kind returns a step's kind ("unknown" when none is set).
func Kind(s devopsv1alpha3.Step) string {
	if k := definition.Kind(s); k != "" {
		return k
	}
	return "unknown"
}

// StepName is a step's name: its own, or its kind and position.
func StepName(s devopsv1alpha3.Step, i int) string { return definition.StepName(s, i) }

type execution struct {
	r      *Runner
	run    *engine.Run
	rep    engine.Reporter
	masker *mask.Masker
	mu     sync.Mutex
	commit string
}

func (x *execution) setStage(name string, change func(*devopsv1alpha3.StageStatus)) {
	x.rep.Update(func(st *devopsv1alpha3.PipelineRunStatus) {
		for i := range st.Stages {
			if st.Stages[i].Name == name {
				change(&st.Stages[i])
				return
			}
		}
	})
}

func (x *execution) setStep(stage, step string, change func(*devopsv1alpha3.StepStatus)) {
	x.setStage(stage, func(s *devopsv1alpha3.StageStatus) {
		for i := range s.Steps {
			if s.Steps[i].Name == step {
				change(&s.Steps[i])
				return
			}
		}
	})
}

// skipRest marks what never started as Skipped.
func (x *execution) skipRest() {
	x.rep.Update(func(st *devopsv1alpha3.PipelineRunStatus) {
		for j := range st.Stages {
			s := &st.Stages[j]
			if s.Phase == devopsv1alpha3.PhasePending {
				s.Phase = devopsv1alpha3.PhaseSkipped
			}
			for k := range s.Steps {
				if s.Steps[k].Phase == devopsv1alpha3.PhasePending {
					s.Steps[k].Phase = devopsv1alpha3.PhaseSkipped
				}
			}
		}
	})
}

// finish records a stage's end.
func (x *execution) finish(name string, err error) {
	now := x.r.now()
	x.setStage(name, func(s *devopsv1alpha3.StageStatus) {
		s.CompletionTime = &now
		s.Phase, s.Message = phaseOf(err)
		s.Message = x.masker.String(s.Message)
		for k := range s.Steps {
			if s.Steps[k].Phase == devopsv1alpha3.PhasePending {
				s.Steps[k].Phase = devopsv1alpha3.PhaseSkipped
			}
		}
	})
}

func phaseOf(err error) (devopsv1alpha3.RunPhase, string) {
	switch {
	case err == nil:
		return devopsv1alpha3.PhaseSucceeded, ""
	case errors.Is(err, errCancelled), errors.Is(err, context.Canceled), errors.Is(err, errRejected):
		return devopsv1alpha3.PhaseCancelled, err.Error()
	}
	return devopsv1alpha3.PhaseFailed, err.Error()
}

func (x *execution) stage(ctx context.Context, s *devopsv1alpha3.Stage, parent *env) error {
	e := parent.with(s.Environment)
	if ok, why := x.when(s.When, e); !ok {
		x.skip(s.Name, why)
		for _, b := range s.Parallel {
			x.skip(s.Name+"/"+b.Name, why)
		}
		return nil
	}
	start := x.r.now()
	x.setStage(s.Name, func(st *devopsv1alpha3.StageStatus) {
		st.Phase, st.StartTime = devopsv1alpha3.PhaseRunning, &start
	})
	var err error
	for attempt := int32(1); attempt <= s.Retry+1; attempt++ {
		x.setStage(s.Name, func(st *devopsv1alpha3.StageStatus) { st.Attempt = attempt })
		err = withTimeout(ctx, s.Timeout, "stage "+s.Name, func(ctx context.Context) error {
			if len(s.Parallel) > 0 {
				return x.parallel(ctx, s, e, attempt)
			}
			return x.steps(ctx, s.Name, s.Steps, e, attempt)
		})
		if err == nil || !retryable(ctx, err) {
			break
		}
	}
	x.finish(s.Name, err)
	return err
}

// retryable says whether a failure may be tried again: not a cancel, a
// rejection or the run's own timeout.
func retryable(ctx context.Context, err error) bool {
	return ctx.Err() == nil && !errors.Is(err, errCancelled) && !errors.Is(err, errRejected)
}

func (x *execution) skip(name, why string) {
	x.setStage(name, func(st *devopsv1alpha3.StageStatus) {
		st.Phase, st.Message = devopsv1alpha3.PhaseSkipped, why
		for k := range st.Steps {
			st.Steps[k].Phase = devopsv1alpha3.PhaseSkipped
		}
	})
}

func (x *execution) parallel(ctx context.Context, s *devopsv1alpha3.Stage, e *env, attempt int32) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	errs := make([]error, len(s.Parallel))
	var wg sync.WaitGroup
	for i := range s.Parallel {
		b := &s.Parallel[i]
		name := s.Name + "/" + b.Name
		be := e.with(b.Environment)
		if ok, why := x.when(b.When, be); !ok {
			x.skip(name, why)
			continue
		}
		wg.Go(func() {
			start := x.r.now()
			x.setStage(name, func(st *devopsv1alpha3.StageStatus) {
				st.Phase, st.StartTime, st.Attempt = devopsv1alpha3.PhaseRunning, &start, attempt
			})
			var err error
			for try := int32(1); try <= b.Retry+1; try++ {
				err = withTimeout(ctx, b.Timeout, "branch "+name, func(ctx context.Context) error {
					return x.steps(ctx, name, b.Steps, be, try)
				})
				if err == nil || !retryable(ctx, err) {
					break
				}
			}
			x.finish(name, err)
			if err != nil {
				errs[i] = fmt.Errorf("branch %s: %w", b.Name, err)
				// One failed branch fails the stage: stop the others.
				cancel(errs[i])
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil && !errors.Is(err, context.Canceled) {
			return err
		}
	}
	return errors.Join(errs...)
}

func (x *execution) steps(ctx context.Context, stage string, steps []devopsv1alpha3.Step, e *env, stageAttempt int32) error {
	for i := range steps {
		if err := x.step(ctx, stage, StepName(steps[i], i), &steps[i], e, stageAttempt); err != nil {
			return err
		}
	}
	return nil
}

func (x *execution) step(ctx context.Context, stage, name string, s *devopsv1alpha3.Step, e *env, stageAttempt int32) error {
	se := e.with(s.Environment)
	var err error
	for attempt := int32(1); attempt <= s.Retry+1; attempt++ {
		total := (stageAttempt-1)*(s.Retry+1) + attempt
		start := x.r.now()
		x.setStep(stage, name, func(st *devopsv1alpha3.StepStatus) {
			st.Phase, st.StartTime, st.CompletionTime, st.Attempt, st.ExitCode, st.Message = devopsv1alpha3.PhaseRunning, &start, nil, total, nil, ""
		})
		var res Result
		if s.Input != nil {
			err = x.input(ctx, stage, name, s)
		} else {
			res, err = x.runStep(ctx, stage, name, s, se, total)
		}
		end := x.r.now()
		x.record(res)
		x.setStep(stage, name, func(st *devopsv1alpha3.StepStatus) {
			st.CompletionTime, st.ExitCode = &end, res.ExitCode
			st.Phase, st.Message = phaseOf(err)
			st.Message = x.masker.String(st.Message)
		})
		if err == nil || !retryable(ctx, err) {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("step %s/%s: %w", stage, name, err)
	}
	return nil
}

// record keeps what a step produced in the run's status.
func (x *execution) record(res Result) {
	if res.Commit != "" {
		x.mu.Lock()
		x.commit = res.Commit
		x.mu.Unlock()
	}
	if res.Commit == "" && len(res.Artifacts) == 0 && len(res.Images) == 0 && res.CodeQuality == nil {
		return
	}
	x.rep.Update(func(st *devopsv1alpha3.PipelineRunStatus) {
		if res.Commit != "" {
			st.Commit = res.Commit
		}
		st.Artifacts = append(st.Artifacts, res.Artifacts...)
		st.Images = append(st.Images, res.Images...)
		if res.CodeQuality != nil {
			st.CodeQuality = res.CodeQuality
		}
	})
}

func (x *execution) runStep(ctx context.Context, stage, name string, s *devopsv1alpha3.Step, e *env, attempt int32) (Result, error) {
	vars, err := e.resolve(x.run)
	if err != nil {
		return Result{}, err
	}
	x.mu.Lock()
	commit := x.commit
	x.mu.Unlock()
	if commit != "" {
		vars = append(vars, "GIT_COMMIT="+commit)
	}
	log, err := x.r.Logs.Create(x.run, stage, name)
	if err != nil {
		return Result{}, fmt.Errorf("opening the step's log: %w", err)
	}
	mw := x.masker.Writer(log)
	defer func() {
		_ = mw.Close()
		_ = log.Close()
	}()
	if attempt > 1 {
		_, _ = fmt.Fprintf(mw, "--- attempt %d\n", attempt)
	}
	var res Result
	err = withTimeout(ctx, s.Timeout, "step "+name, func(ctx context.Context) error {
		var err error
		res, err = x.r.Steps.RunStep(ctx, &Step{Run: x.run, Stage: stage, Name: name, Spec: *s, Env: vars,
			Log: mw, Masker: x.masker, Attempt: attempt, Commit: commit})
		return err
	})
	if err != nil {
		_, _ = fmt.Fprintf(mw, "--- %s\n", err)
	}
	return res, err
}

// input waits for an approval of the step.
func (x *execution) input(ctx context.Context, stage, name string, s *devopsv1alpha3.Step) error {
	x.setStep(stage, name, func(st *devopsv1alpha3.StepStatus) {
		st.Phase, st.Message = devopsv1alpha3.PhaseWaiting, s.Input.Message
	})
	x.setStage(stage, func(st *devopsv1alpha3.StageStatus) { st.Phase = devopsv1alpha3.PhaseWaiting })
	defer x.setStage(stage, func(st *devopsv1alpha3.StageStatus) {
		if st.Phase == devopsv1alpha3.PhaseWaiting {
			st.Phase = devopsv1alpha3.PhaseRunning
		}
	})
	if x.run.Approval == nil {
		return errors.New("nobody can answer input steps here")
	}
	var a devopsv1alpha3.Approval
	err := withTimeout(ctx, s.Input.Timeout, "input "+name, func(ctx context.Context) error {
		var err error
		a, err = x.run.Approval(ctx, stage+"/"+name)
		return err
	})
	if err != nil {
		return err
	}
	if !a.Approved {
		msg := "rejected by " + a.User
		if a.Message != "" {
			msg += ": " + a.Message
		}
		return fmt.Errorf("%w %s", errRejected, strings.TrimPrefix(msg, "rejected "))
	}
	return nil
}

// withTimeout runs f with an optional timeout; a timeout's error names
// what timed out.
func withTimeout(ctx context.Context, d *metav1.Duration, what string, f func(context.Context) error) error {
	if d == nil || d.Duration <= 0 {
		err := f(ctx)
		return cause(ctx, err)
	}
	tctx, cancel := context.WithTimeoutCause(ctx, d.Duration, timeoutError{what: what + " (" + d.Duration.String() + ")"})
	defer cancel()
	return cause(tctx, f(tctx))
}

// cause replaces a context error with the reason the context ended.
func cause(ctx context.Context, err error) error {
	if err == nil || ctx.Err() == nil {
		return err
	}
	c := context.Cause(ctx)
	var te timeoutError
	if errors.As(c, &te) {
		return te
	}
	if errors.Is(c, context.Canceled) {
		return errCancelled
	}
	return c
}

// when decides a when block.
func (x *execution) when(w *devopsv1alpha3.When, e *env) (bool, string) {
	if w == nil {
		return true, ""
	}
	if w.Branch != "" {
		branch := x.run.Revision.Branch
		if ok, _ := path.Match(w.Branch, branch); !ok {
			return false, fmt.Sprintf("branch %q does not match %q", branch, w.Branch)
		}
	}
	if p := w.Parameter; p != nil && x.run.Params[p.Name] != p.Value {
		return false, fmt.Sprintf("parameter %s is not %q", p.Name, p.Value)
	}
	if v := w.Environment; v != nil {
		if val, _ := e.lookup(x.run, v.Name); val != v.Value {
			return false, fmt.Sprintf("%s is not %q", v.Name, v.Value)
		}
	}
	return true, ""
}

// QualityFunc reads the code-quality results of a commit (SonarQube).
type QualityFunc func(ctx context.Context, projectKey, branch, commit string) (*devopsv1alpha3.CodeQuality, error)

// CodeQuality carries out a codeQuality step with quality (nil: no
// SonarQube is configured, and the step fails saying so).
func CodeQuality(ctx context.Context, st *Step, quality QualityFunc) (Result, error) {
	if quality == nil {
		return Result{}, errors.New("no SonarQube server is configured (devops.sonarQube in the controller manager's configuration)")
	}
	q := st.Spec.CodeQuality
	cq, err := quality(ctx, q.ProjectKey, st.Run.Revision.Branch, st.Commit)
	if err != nil {
		return Result{}, fmt.Errorf("reading SonarQube: %w", err)
	}
	_, _ = fmt.Fprintf(st.Log, "quality gate %s for %s\n", cq.QualityGate, q.ProjectKey)
	res := Result{CodeQuality: cq}
	if q.FailOnQualityGate && cq.QualityGate != "OK" {
		return res, fmt.Errorf("the quality gate of %s is %s", q.ProjectKey, cq.QualityGate)
	}
	return res, nil
}
