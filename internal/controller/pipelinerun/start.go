package pipelinerun

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	devopsv1alpha3 "github.com/superkube/super-kubenetes/api/devops/v1alpha3"
	"github.com/superkube/super-kubenetes/internal/devops/definition"
	"github.com/superkube/super-kubenetes/internal/devops/engine"
	"github.com/superkube/super-kubenetes/internal/devops/runner"
)

// start resolves what the run needs and starts it; it reports false when
// the run could not start (and was finished with the reason).
func (r *Reconciler) start(ctx, runCtx context.Context, run *devopsv1alpha3.PipelineRun, p *devopsv1alpha3.Pipeline, a *active) (bool, error) {
	key := client.ObjectKeyFromObject(run)
	def := &p.Spec.Definition
	if run.Spec.Definition != nil {
		def = run.Spec.Definition
	}
	def = def.DeepCopy()
	name := p.Spec.Executor
	if name == "" {
		name = r.DefaultEngine
	}
	eng := r.Engines[name]
	fail := func(msg string) (bool, error) {
		if err := r.finish(ctx, run, devopsv1alpha3.PhaseFailed, msg); err != nil {
			return false, err
		}
		// The commit's status says why the run never started.
		r.notify(context.WithoutCancel(ctx), run, Notification{Run: key, Pipeline: p.Name, Source: p.Spec.Source.DeepCopy(),
			Credential: r.sourceCredential(ctx, run.Namespace, p.Spec.Source), Commit: run.Spec.Revision.Commit,
			Phase: devopsv1alpha3.PhaseFailed, Message: msg})
		return false, nil
	}
	if eng == nil {
		return fail(fmt.Sprintf("the %s executor is not configured in this controller manager", name))
	}
	if p.Spec.Disabled && run.Spec.Trigger.Kind != devopsv1alpha3.TriggerManual {
		return fail("the pipeline is disabled")
	}
	if errs := definition.Validate(def, definition.Path()); len(errs) > 0 {
		return fail("the definition is not valid: " + errs.ToAggregate().Error())
	}
	params, err := definition.Parameters(p.Spec.Parameters, run.Spec.Parameters)
	if err != nil {
		return fail(err.Error())
	}
	creds, err := r.credentials(ctx, run.Namespace, def, p.Spec.Source)
	if err != nil {
		if apierrors.IsNotFound(err) || strings.HasPrefix(err.Error(), "credential") {
			return fail(err.Error())
		}
		return false, err
	}
	who, err := r.identity(ctx, run.Spec.Trigger.User)
	if err != nil {
		return fail(err.Error())
	}
	rev := run.Spec.Revision
	if rev.Branch == "" && p.Spec.Source != nil {
		rev.Branch = p.Spec.Source.Branch
	}
	if rev.Branch == "" {
		rev.Branch = "main"
	}
	er := &engine.Run{Key: key, Pipeline: p.Name, Source: p.Spec.Source.DeepCopy(), Revision: rev, Definition: def,
		Params: params, Credentials: creds, User: who, Approval: a.approval}

	// Running, with the whole graph Pending, before anything runs.
	before := run.DeepCopy()
	now := metav1.NewTime(r.now())
	run.Status = devopsv1alpha3.PipelineRunStatus{Phase: devopsv1alpha3.PhaseRunning, Executor: name, StartTime: &now,
		QueuedTime: run.Status.QueuedTime, Definition: def, Stages: runner.Plan(def)}
	if err := r.Client.Status().Patch(ctx, run, lockedPatch(before)); err != nil {
		return false, client.IgnoreNotFound(err)
	}
	w := &writer{r: r, key: key, st: *run.Status.DeepCopy(), interval: r.WriteInterval, dirty: make(chan struct{}, 1)}
	n := Notification{Run: key, Pipeline: p.Name, Source: p.Spec.Source.DeepCopy(), Commit: rev.Commit, Phase: devopsv1alpha3.PhaseRunning}
	if p.Spec.Source != nil && p.Spec.Source.Credential != "" {
		n.Credential = creds[p.Spec.Source.Credential]
	}
	notified := false
	if n.Commit != "" {
		notified = true
	} else {
		// The commit is known once checkout resolved the branch.
		w.onCommit = func(commit string) {
			started := n
			started.Commit = commit
			r.notify(context.WithoutCancel(ctx), run, started)
		}
	}
	// The run outlives the reconcile that started it; runCtx ends it.
	go func() {
		defer a.cancel()
		if notified {
			r.notify(context.WithoutCancel(ctx), run, n)
		}
		stopWriter := w.loop()
		phase, msg := eng.Execute(runCtx, er, w)
		end := metav1.NewTime(r.now())
		w.Update(func(st *devopsv1alpha3.PipelineRunStatus) {
			st.Phase, st.Message, st.CompletionTime = phase, msg, &end
		})
		stopWriter()
		w.mu.Lock()
		if w.st.Commit != "" {
			n.Commit = w.st.Commit
		}
		w.mu.Unlock()
		n.Phase, n.Message = phase, msg
		r.notify(context.WithoutCancel(ctx), run, n)
		r.mu.Lock()
		delete(r.active, key)
		r.mu.Unlock()
		r.wakeQueued(context.WithoutCancel(ctx), key.Namespace)
	}()
	return true, nil
}

// credentialNames are the credentials a run reads.
func credentialNames(def *devopsv1alpha3.Definition, src *devopsv1alpha3.Source) []string {
	names := definition.Credentials(def)
	if src != nil && src.Credential != "" && !slices.Contains(names, src.Credential) {
		names = append(names, src.Credential)
	}
	return names
}

// credentials reads the credentials the run names: Secrets of the
// project's namespace of the credential types only.
func (r *Reconciler) credentials(ctx context.Context, ns string, def *devopsv1alpha3.Definition, src *devopsv1alpha3.Source) (map[string]map[string][]byte, error) {
	out := map[string]map[string][]byte{}
	for _, name := range credentialNames(def, src) {
		s := &corev1.Secret{}
		if err := r.Client.Get(ctx, types.NamespacedName{Namespace: ns, Name: name}, s); err != nil {
			if apierrors.IsNotFound(err) {
				return nil, fmt.Errorf("credential %q does not exist", name)
			}
			return nil, err
		}
		if _, ok := devopsv1alpha3.CredentialKeys[string(s.Type)]; !ok {
			return nil, fmt.Errorf("credential %q: secret of type %s is not a DevOps credential", name, s.Type)
		}
		out[name] = s.Data
	}
	return out, nil
}

// writer writes a run's progress to its status, at most once per interval.
type writer struct {
	r        *Reconciler
	key      types.NamespacedName
	interval time.Duration
	mu       sync.Mutex
	st       devopsv1alpha3.PipelineRunStatus
	dirty    chan struct{}
	// onCommit, when set, is called once, when the status first names
	// the commit (after checkout).
	onCommit func(commit string)
}

// Update changes the status and asks for a write.
func (w *writer) Update(change func(*devopsv1alpha3.PipelineRunStatus)) {
	w.mu.Lock()
	change(&w.st)
	var call func(string)
	commit := w.st.Commit
	if w.onCommit != nil && commit != "" && !w.st.Phase.Finished() {
		call, w.onCommit = w.onCommit, nil
	}
	w.mu.Unlock()
	if call != nil {
		call(commit)
	}
	select {
	case w.dirty <- struct{}{}:
	default:
	}
}

// loop writes until the returned stop is called, which writes the last
// state (retrying for a while) before it returns.
func (w *writer) loop() (stop func()) {
	interval := w.interval
	if interval <= 0 {
		interval = 250 * time.Millisecond
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		for {
			select {
			case <-w.dirty:
				_ = w.write(context.Background())
				select {
				case <-time.After(interval):
				case <-done:
				}
			case <-done:
				deadline := time.Now().Add(2 * time.Minute)
				for w.write(context.Background()) != nil && time.Now().Before(deadline) {
					time.Sleep(time.Second)
				}
				return
			}
		}
	}()
	return func() {
		close(done)
		<-finished
	}
}

func (w *writer) write(ctx context.Context) error {
	w.mu.Lock()
	st := *w.st.DeepCopy()
	w.mu.Unlock()
	run := &devopsv1alpha3.PipelineRun{}
	if err := w.r.Client.Get(ctx, w.key, run); err != nil {
		return client.IgnoreNotFound(err)
	}
	before := run.DeepCopy()
	run.Status = st
	if err := w.r.Client.Status().Patch(ctx, run, client.MergeFrom(before)); err != nil {
		logger(ctx).Error(err, "writing the run's progress", "run", w.key)
		return client.IgnoreNotFound(err)
	}
	return nil
}

// notify reports the run on its Git server; a failure is logged and
// recorded as an Event of the run, and the run goes on.
func (r *Reconciler) notify(ctx context.Context, run *devopsv1alpha3.PipelineRun, n Notification) {
	if r.Notifier == nil || n.Commit == "" {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := r.Notifier.Notify(ctx, n); err != nil {
		logger(ctx).Error(err, "reporting the run's commit status", "run", n.Run, "commit", n.Commit, "phase", n.Phase)
		if r.Recorder != nil {
			r.Recorder.Eventf(run, nil, corev1.EventTypeWarning, "CommitStatusFailed", "ReportCommitStatus",
				"setting the commit status of %s (%s): %v", n.Commit, n.Phase, err)
		}
	}
}

// sourceCredential reads the data of the source's credential, nil when
// there is none or it cannot be read.
func (r *Reconciler) sourceCredential(ctx context.Context, ns string, src *devopsv1alpha3.Source) map[string][]byte {
	if src == nil || src.Credential == "" {
		return nil
	}
	s := &corev1.Secret{}
	if err := r.Client.Get(ctx, types.NamespacedName{Namespace: ns, Name: src.Credential}, s); err != nil {
		return nil
	}
	return s.Data
}
