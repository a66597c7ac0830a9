// Package pipelinerun carries out PipelineRuns. A run is admitted in the
// order it was made when its pipeline's and its project's limits of
// concurrent runs allow (Queued until then), started with the engine its
// pipeline names (its definition, parameters, credentials and user
// resolved here), and followed: the engine's progress is written to the
// run's status as it happens, a cancel kills what runs, and a new approval
// reaches the input step that waits for it. A run that this process did
// not start but finds Running (the controller manager restarted) is
// Failed with that reason, so that no run stays Running or Queued forever.
package pipelinerun

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	devopsv1alpha3 "github.com/superkube/super-kubenetes/api/devops/v1alpha3"
	"github.com/superkube/super-kubenetes/internal/devops/engine"
	"github.com/superkube/super-kubenetes/internal/impersonate"
)

// Defaults of the limits.
const (
	DefaultPipelineConcurrency = 1
	DefaultProjectConcurrency  = 10
)

// workers reconcile runs at once; the admission count is taken under a
// lock, so they never start more runs than the limits allow.
const workers = 12

// Reconciler carries out PipelineRuns.
type Reconciler struct {
	Client client.Client
	// Engines by name; DefaultEngine runs pipelines that name none. A run
	// whose engine is not configured fails, saying so.
	Engines       map[string]engine.Engine
	DefaultEngine string
	// Clock; nil is the real one.
	Clock clock.PassiveClock
	// WriteInterval is how often a run's progress is written at most
	// (default 250ms).
	WriteInterval time.Duration
	// Notifier, when set, reports each run on its source's Git server
	// (commit statuses); Recorder, when set, records its failures as
	// Events of the run.
	Notifier Notifier
	Recorder events.EventRecorder

	mu     sync.Mutex
	active map[types.NamespacedName]*active
	wake   chan event.TypedGenericEvent[*devopsv1alpha3.PipelineRun]
}

// active is a run this process carries out.
type active struct {
	pipeline string
	cancel   context.CancelFunc
	mu       sync.Mutex
	approved []devopsv1alpha3.Approval
	changed  chan struct{}
}

// +kubebuilder:rbac:groups=devops.superkube.io,resources=pipelineruns,verbs=get;list;watch;update;patch;delete
// +kubebuilder:rbac:groups=devops.superkube.io,resources=pipelineruns/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=devops.superkube.io,resources=pipelines;devopsprojects,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get
// +kubebuilder:rbac:groups="",resources=pods,verbs=get;list;watch;create;delete
// +kubebuilder:rbac:groups="",resources=pods/log,verbs=get
// +kubebuilder:rbac:groups="",resources=persistentvolumeclaims,verbs=create;delete
// +kubebuilder:rbac:groups=iam.superkube.io,resources=users,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=users;groups;serviceaccounts,verbs=impersonate
// +kubebuilder:rbac:groups=authentication.k8s.io,resources=uids,verbs=impersonate

// SetupWithManager registers the reconciler.
func (r *Reconciler) SetupWithManager(mgr manager.Manager) error {
	if r.Client == nil {
		return errors.New("pipelinerun: Client is required")
	}
	r.active = map[types.NamespacedName]*active{}
	r.wake = make(chan event.TypedGenericEvent[*devopsv1alpha3.PipelineRun], 1024)
	return builder.ControllerManagedBy(mgr).
		Named("pipelinerun").
		For(&devopsv1alpha3.PipelineRun{}).
		WatchesRawSource(source.Channel(r.wake, &handler.TypedEnqueueRequestForObject[*devopsv1alpha3.PipelineRun]{})).
		// Starting a run waits on several reads and a write: more workers
		// keep a burst of triggers from waiting in the queue with no phase.
		WithOptions(controller.Options{MaxConcurrentReconciles: workers}).
		Complete(r)
}

func (r *Reconciler) now() time.Time {
	if r.Clock == nil {
		return time.Now()
	}
	return r.Clock.Now()
}

// Reconcile moves one run on.
//
// The run is read from the manager's cache, which may be behind: a run this
// process has just finished (and forgotten) can still show Running there,
// and one it has just started can still show Queued. So every status write
// made from what was read (finish, queue, start) carries the
// resourceVersion it was read at: a stale read ends in a conflict, and the
// newer version's event brings the run back.
func (r *Reconciler) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	res, err := r.reconcile(ctx, req)
	if apierrors.IsConflict(err) {
		return reconcile.Result{RequeueAfter: time.Second}, nil
	}
	return res, err
}

// lockedPatch is a merge patch that fails when the run changed since it was read.
func lockedPatch(before *devopsv1alpha3.PipelineRun) client.Patch {
	return client.MergeFromWithOptions(before, client.MergeFromWithOptimisticLock{})
}

func (r *Reconciler) reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	run := &devopsv1alpha3.PipelineRun{}
	if err := r.Client.Get(ctx, req.NamespacedName, run); err != nil {
		if apierrors.IsNotFound(err) {
			// A deleted run stops, and its folder goes.
			r.stop(req.NamespacedName)
			r.forget(req.NamespacedName)
		}
		return reconcile.Result{}, client.IgnoreNotFound(err)
	}
	if run.Status.Phase.Finished() {
		return reconcile.Result{}, nil
	}
	if a := r.lookup(req.NamespacedName); a != nil {
		if run.Spec.Cancel || !run.DeletionTimestamp.IsZero() {
			a.cancel()
		}
		a.setApprovals(run.Spec.Approvals)
		return reconcile.Result{}, nil
	}
	switch run.Status.Phase {
	case devopsv1alpha3.PhaseRunning, devopsv1alpha3.PhaseWaiting:
		return reconcile.Result{}, r.finish(ctx, run, devopsv1alpha3.PhaseFailed,
			"the controller manager stopped while the run was running (its steps were stopped); rerun it")
	}
	if run.Spec.Cancel {
		return reconcile.Result{}, r.finish(ctx, run, devopsv1alpha3.PhaseCancelled, "cancelled before it started")
	}
	return r.admit(ctx, run)
}

func (r *Reconciler) lookup(key types.NamespacedName) *active {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.active[key]
}

func (r *Reconciler) stop(key types.NamespacedName) {
	if a := r.lookup(key); a != nil {
		a.cancel()
	}
}

// forget removes a deleted run's files from the engines that keep some.
func (r *Reconciler) forget(key types.NamespacedName) {
	for _, e := range r.Engines {
		if rm, ok := e.(interface {
			Remove(types.NamespacedName) error
		}); ok {
			_ = rm.Remove(key)
		}
	}
}

// finish ends a run that is not carried out here.
func (r *Reconciler) finish(ctx context.Context, run *devopsv1alpha3.PipelineRun, phase devopsv1alpha3.RunPhase, msg string) error {
	before := run.DeepCopy()
	now := metav1.NewTime(r.now())
	run.Status.Phase, run.Status.Message, run.Status.CompletionTime = phase, msg, &now
	for i := range run.Status.Stages {
		s := &run.Status.Stages[i]
		if !s.Phase.Finished() {
			s.Phase = phase
		}
		for j := range s.Steps {
			if !s.Steps[j].Phase.Finished() {
				s.Steps[j].Phase = phase
			}
		}
	}
	return client.IgnoreNotFound(r.Client.Status().Patch(ctx, run, lockedPatch(before)))
}

// limits returns how many runs the pipeline and the project may run at once.
func (r *Reconciler) limits(ctx context.Context, p *devopsv1alpha3.Pipeline) (int, int) {
	perPipeline, perProject := DefaultPipelineConcurrency, DefaultProjectConcurrency
	if p.Spec.MaxConcurrentRuns > 0 {
		perPipeline = int(p.Spec.MaxConcurrentRuns)
	}
	proj := &devopsv1alpha3.DevOpsProject{}
	if err := r.Client.Get(ctx, types.NamespacedName{Name: p.Namespace}, proj); err == nil && proj.Spec.MaxConcurrentRuns > 0 {
		perProject = int(proj.Spec.MaxConcurrentRuns)
	}
	return perPipeline, perProject
}

// admit starts the run if its turn has come, or queues it.
func (r *Reconciler) admit(ctx context.Context, run *devopsv1alpha3.PipelineRun) (reconcile.Result, error) {
	p := &devopsv1alpha3.Pipeline{}
	if err := r.Client.Get(ctx, types.NamespacedName{Namespace: run.Namespace, Name: run.Spec.Pipeline}, p); err != nil {
		if apierrors.IsNotFound(err) {
			return reconcile.Result{}, r.finish(ctx, run, devopsv1alpha3.PhaseFailed, fmt.Sprintf("pipeline %q does not exist", run.Spec.Pipeline))
		}
		return reconcile.Result{}, err
	}
	perPipeline, perProject := r.limits(ctx, p)
	first, err := r.firstInLine(ctx, run)
	if err != nil {
		return reconcile.Result{}, err
	}
	r.mu.Lock()
	inPipeline, inProject := 0, 0
	for k, a := range r.active {
		if k.Namespace == run.Namespace {
			inProject++
			if a.pipeline == run.Spec.Pipeline {
				inPipeline++
			}
		}
	}
	if !first || inPipeline >= perPipeline || inProject >= perProject {
		r.mu.Unlock()
		return reconcile.Result{RequeueAfter: 5 * time.Second}, r.queue(ctx, run, inPipeline, perPipeline, inProject, perProject, first)
	}
	a := &active{pipeline: run.Spec.Pipeline, changed: make(chan struct{}), approved: run.Spec.Approvals}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	a.cancel = cancel
	r.active[client.ObjectKeyFromObject(run)] = a
	r.mu.Unlock()

	started, err := r.start(ctx, runCtx, run, p, a)
	if err != nil || !started {
		cancel()
		r.mu.Lock()
		delete(r.active, client.ObjectKeyFromObject(run))
		r.mu.Unlock()
	}
	return reconcile.Result{}, err
}

// firstInLine says whether no older run of the pipeline waits to start.
func (r *Reconciler) firstInLine(ctx context.Context, run *devopsv1alpha3.PipelineRun) (bool, error) {
	var list devopsv1alpha3.PipelineRunList
	if err := r.Client.List(ctx, &list, client.InNamespace(run.Namespace), client.MatchingLabels{devopsv1alpha3.PipelineLabel: run.Spec.Pipeline}); err != nil {
		return false, err
	}
	for i := range list.Items {
		o := &list.Items[i]
		if o.Name == run.Name || o.Spec.Cancel || o.Spec.Pipeline != run.Spec.Pipeline {
			continue
		}
		if o.Status.Phase != "" && o.Status.Phase != devopsv1alpha3.PhasePending && o.Status.Phase != devopsv1alpha3.PhaseQueued {
			continue
		}
		if older(o, run) {
			return false, nil
		}
	}
	return true, nil
}

func older(a, b *devopsv1alpha3.PipelineRun) bool {
	if !a.CreationTimestamp.Equal(&b.CreationTimestamp) {
		return a.CreationTimestamp.Before(&b.CreationTimestamp)
	}
	return a.Name < b.Name
}

// queue records why the run waits.
func (r *Reconciler) queue(ctx context.Context, run *devopsv1alpha3.PipelineRun, inPipeline, perPipeline, inProject, perProject int, first bool) error {
	var msg string
	switch {
	case !first:
		msg = "waiting for older runs of the pipeline to start"
	case inPipeline >= perPipeline:
		msg = fmt.Sprintf("waiting: %d of the pipeline's %d concurrent runs are running", inPipeline, perPipeline)
	default:
		msg = fmt.Sprintf("waiting: %d of the project's %d concurrent runs are running", inProject, perProject)
	}
	if run.Status.Phase == devopsv1alpha3.PhaseQueued && run.Status.Message == msg {
		return nil
	}
	before := run.DeepCopy()
	run.Status.Phase, run.Status.Message = devopsv1alpha3.PhaseQueued, msg
	if run.Status.QueuedTime == nil {
		now := metav1.NewTime(r.now())
		run.Status.QueuedTime = &now
	}
	return client.IgnoreNotFound(r.Client.Status().Patch(ctx, run, lockedPatch(before)))
}

// wakeQueued asks for another look at the namespace's waiting runs.
func (r *Reconciler) wakeQueued(ctx context.Context, namespace string) {
	var list devopsv1alpha3.PipelineRunList
	if err := r.Client.List(ctx, &list, client.InNamespace(namespace)); err != nil {
		return
	}
	sort.Slice(list.Items, func(i, j int) bool { return older(&list.Items[i], &list.Items[j]) })
	for i := range list.Items {
		o := &list.Items[i]
		if o.Status.Phase == devopsv1alpha3.PhaseQueued || o.Status.Phase == "" || o.Status.Phase == devopsv1alpha3.PhasePending {
			select {
			case r.wake <- event.TypedGenericEvent[*devopsv1alpha3.PipelineRun]{Object: o}:
			default:
			}
		}
	}
}

func (a *active) setApprovals(approvals []devopsv1alpha3.Approval) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(approvals) == len(a.approved) {
		return
	}
	a.approved = approvals
	close(a.changed)
	a.changed = make(chan struct{})
}

// approval waits for the step's answer.
func (a *active) approval(ctx context.Context, step string) (devopsv1alpha3.Approval, error) {
	for {
		a.mu.Lock()
		for _, ap := range a.approved {
			if ap.Step == step {
				a.mu.Unlock()
				return ap, nil
			}
		}
		ch := a.changed
		a.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return devopsv1alpha3.Approval{}, ctx.Err()
		}
	}
}

// identity returns the user a run acts as (impersonate.Subject); nil
// when the run names nobody.
func (r *Reconciler) identity(ctx context.Context, name string) (user.Info, error) {
	if name == "" {
		return nil, nil
	}
	return impersonate.Subject(ctx, r.Client, name, "the run's user")
}

// logger of the reconcile.
func logger(ctx context.Context) interface{ Error(error, string, ...any) } {
	return log.FromContext(ctx)
}
