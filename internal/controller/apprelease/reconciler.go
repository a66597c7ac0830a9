// Package apprelease reconciles ApplicationReleases: it installs,
// upgrades, rolls back and (before the object goes, through the finalizer
// application.superkube.io/uninstall) uninstalls Helm releases with the
// Helm SDK, always as the user named by the release's operator annotation
// (impersonating the user and the user's groups), never as
// ke-controller-manager itself.
//
// Operations are asynchronous. Before an operation starts, the status
// records it (type, generation, start, deadline = start + spec.timeout,
// holder = this process, user, attempt) with phase Installing, Upgrading,
// RollingBack or Uninstalling; when it ends the status says Deployed or
// Failed with Helm's own message. A release is never left in progress:
//
//   - an operation whose holder is another process (the one that started
//     it stopped or lost leadership: a restart in the middle of an
//     install) is found when this process starts and on every resync. Its
//     Helm revision, left pending-install/pending-upgrade/pending-rollback,
//     is marked failed (as Helm itself marks a failed operation, so that
//     Helm accepts the next one), the release is marked Failed (reason
//     Interrupted, naming the process and the operation), and the
//     operation is then carried out once more (attempt 2). An interrupted
//     second attempt stays Failed until the spec changes again.
//   - an operation of this process that has not ended 30s after its
//     deadline is cancelled, its pending revision marked failed, and the
//     release marked Failed (a timeout is not retried).
//
// Values are checked against the chart's values.schema.json before
// anything is installed (Failed, reason InvalidInput, naming the field).
// The status also carries the rendered notes, Helm's history (newest
// first, at most 20) and the release's objects with their readiness
// (Deployments, StatefulSets and DaemonSets by ready replicas, other kinds
// by existing), read as the operator; Ready is True when the last
// operation succeeded and every object is ready.
//
// Uninstall deletes the release's objects, Helm's release Secrets, and the
// hook objects that the hooks' delete policies left behind (those with
// helm.sh/resource-policy: keep stay). CRDs that a chart installed from
// its crds/ folder stay too, as Helm never deletes them.
package apprelease

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-logr/logr"
	rcommon "helm.sh/helm/v4/pkg/release/common"
	releaseutil "helm.sh/helm/v4/pkg/release/v1/util"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/events"
	"k8s.io/client-go/util/retry"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	appv2 "github.com/superkube/super-kubenetes/api/application/v2"
	"github.com/superkube/super-kubenetes/internal/application/chart"
	"github.com/superkube/super-kubenetes/internal/application/chartsource"
	"github.com/superkube/super-kubenetes/internal/application/release"
	"github.com/superkube/super-kubenetes/internal/controller/conditions"
	"github.com/superkube/super-kubenetes/internal/impersonate"
)

// +kubebuilder:rbac:groups=application.superkube.io,resources=applicationreleases,verbs=get;list;watch;update;patch
// +kubebuilder:rbac:groups=application.superkube.io,resources=applicationreleases/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=application.superkube.io,resources=applicationreleases/finalizers,verbs=update
// +kubebuilder:rbac:groups=application.superkube.io,resources=applicationversions;repositories,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=configmaps,verbs=get
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get;list
// +kubebuilder:rbac:groups=iam.superkube.io,resources=users,verbs=get;list;watch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch
// +kubebuilder:rbac:groups="",resources=users;groups;serviceaccounts,verbs=impersonate
// +kubebuilder:rbac:groups=authentication.k8s.io,resources=uids,verbs=impersonate

// Operation types.
const (
	OpInstall   = "install"
	OpUpgrade   = "upgrade"
	OpRollback  = "rollback"
	OpUninstall = "uninstall"
)

const (
	// DefaultTimeout bounds an operation when spec.timeout is not set.
	DefaultTimeout = 5 * time.Minute
	// MaxTimeout is the largest spec.timeout honoured.
	MaxTimeout = 30 * time.Minute
	// grace is how long after its deadline an operation of this process
	// may still end by itself before it is declared failed.
	grace = 30 * time.Second
	// maxAttempts of one generation's operation (interruptions included).
	maxAttempts = 2
	// maxMessage bounds status.message and notes (the API allows 32768).
	maxMessage = 32000
	// maxResources listed in the status.
	maxResources = 500
)

// Reconciler reconciles ApplicationReleases.
type Reconciler struct {
	// Client is the manager's client; Reader reads uncached (versions,
	// Secrets, ConfigMaps).
	Client client.Client
	Reader client.Reader
	// Config is ke-controller-manager's identity (which may impersonate);
	// every Helm action and every read of a release's objects impersonates
	// the release's operator on top of it.
	Config *rest.Config
	// SystemNamespace holds uploaded charts and repository credentials.
	SystemNamespace string
	// Holder names this process in the operations it runs (default:
	// hostname, pid and a random suffix, new for every process).
	Holder string
	// Charts fetches chart archives (default: a chartsource.Source).
	Charts chartsource.Fetcher
	// WorkspaceAllowedCIDRs are the internal networks a workspace's
	// repository may reach (for the default Charts).
	WorkspaceAllowedCIDRs []netip.Prefix
	// Now is the clock (default time.Now).
	Now func() time.Time
	// MaxOperations bounds the Helm operations that run at once (default
	// 8); an operation waits for a slot within its deadline.
	MaxOperations int
	// Recorder records an event for each operation's start and end
	// (default: the manager's recorder).
	Recorder events.EventRecorder

	helm    *release.Client
	objects *objectReader
	log     logr.Logger

	opsCtx  context.Context
	stopOps context.CancelFunc
	slots   chan struct{}

	mu      sync.Mutex
	running map[types.NamespacedName]*running
}

// running is an operation of this process.
type running struct {
	op     appv2.ReleaseOperation
	cancel context.CancelFunc
	// ended is set when the action returned and its outcome is being
	// written.
	ended atomic.Bool
}

// NewHolder returns a name for this process: host, pid, random suffix.
func NewHolder() string {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(b))
}

// SetupWithManager registers the controller.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	if r.Client == nil || r.Reader == nil || r.Config == nil || r.SystemNamespace == "" {
		return errors.New("apprelease: Client, Reader, Config and SystemNamespace are required")
	}
	if r.Holder == "" {
		r.Holder = NewHolder()
	}
	if r.Charts == nil {
		r.Charts = &chartsource.Source{Reader: r.Reader, SystemNamespace: r.SystemNamespace, WorkspaceAllowedCIDRs: r.WorkspaceAllowedCIDRs}
	}
	if r.Now == nil {
		r.Now = time.Now
	}
	if r.Recorder == nil {
		r.Recorder = mgr.GetEventRecorder("apprelease-controller")
	}
	r.log = mgr.GetLogger().WithName("apprelease")
	r.helm = &release.Client{Config: r.Config, Log: r.log.WithName("helm").V(2)}
	objs, err := newObjectReader(r.Config, mgr.GetRESTMapper())
	if err != nil {
		return err
	}
	r.objects = objs
	r.running = map[types.NamespacedName]*running{}
	if r.MaxOperations <= 0 {
		r.MaxOperations = 8
	}
	r.slots = make(chan struct{}, r.MaxOperations)
	r.opsCtx, r.stopOps = context.WithCancel(context.Background())
	// The operations end with the process (or its leadership).
	if err := mgr.Add(manager.RunnableFunc(func(ctx context.Context) error {
		<-ctx.Done()
		r.stopOps()
		return nil
	})); err != nil {
		return err
	}
	return ctrl.NewControllerManagedBy(mgr).Named("apprelease").For(&appv2.ApplicationRelease{}).Complete(r)
}

func inProgress(p appv2.ReleasePhase) bool {
	switch p {
	case appv2.PhaseInstalling, appv2.PhaseUpgrading, appv2.PhaseRollingBack, appv2.PhaseUninstalling:
		return true
	}
	return false
}

func (r *Reconciler) runningOp(key types.NamespacedName) *running {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.running[key]
}

// Reconcile implements reconcile.Reconciler.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	ar := &appv2.ApplicationRelease{}
	if err := r.Client.Get(ctx, req.NamespacedName, ar); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	now := r.Now()

	// An operation of this process is running: its end writes the status.
	if run := r.runningOp(req.NamespacedName); run != nil {
		if run.ended.Load() {
			return ctrl.Result{RequeueAfter: time.Second}, nil
		}
		end := run.op.Deadline.Add(grace)
		if now.Before(end) {
			if ar.DeletionTimestamp != nil && run.op.Type != OpUninstall {
				run.cancel() // the release goes: stop the install or upgrade, then uninstall
			}
			return ctrl.Result{RequeueAfter: end.Sub(now) + time.Second}, nil
		}
		// It outlived its deadline: give it up.
		run.cancel()
		r.forget(req.NamespacedName, run)
		return ctrl.Result{}, r.abandon(ctx, ar, run.op, fmt.Sprintf("The %s did not end within its timeout (deadline %s); it was cancelled.",
			run.op.Type, run.op.Deadline.UTC().Format(time.RFC3339)), false)
	}

	// An operation in progress that no goroutine of this process runs:
	// the process that started it died (or this one restarted).
	if op := ar.Status.Operation; op != nil && inProgress(ar.Status.Phase) {
		why := fmt.Sprintf("ke-controller-manager %s, which started it at %s, stopped before it ended.", op.Holder, op.StartedAt.UTC().Format(time.RFC3339))
		if op.Holder == r.Holder {
			why = fmt.Sprintf("it stopped at %s without a result.", now.UTC().Format(time.RFC3339))
		}
		retry := op.Type != OpUninstall && op.Generation == ar.Generation && op.Attempt < maxAttempts
		return ctrl.Result{RequeueAfter: time.Second}, r.abandon(ctx, ar, *op, fmt.Sprintf("The %s of generation %d (attempt %d) was interrupted: %s", op.Type, op.Generation, max(op.Attempt, 1), why), retry)
	}

	if ar.DeletionTimestamp != nil {
		return r.finalize(ctx, ar)
	}
	if !controllerutil.ContainsFinalizer(ar, appv2.ReleaseFinalizer) {
		before := ar.DeepCopy()
		controllerutil.AddFinalizer(ar, appv2.ReleaseFinalizer)
		if err := r.Client.Patch(ctx, ar, client.MergeFromWithOptions(before, client.MergeFromWithOptimisticLock{})); err != nil {
			return ctrl.Result{}, err
		}
	}
	if ar.Status.ObservedGeneration != ar.Generation {
		return r.start(ctx, ar)
	}
	return r.refresh(ctx, ar)
}

func (r *Reconciler) forget(key types.NamespacedName, run *running) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.running[key] == run {
		delete(r.running, key)
	}
}

// abandon records that an operation will not end by itself: Helm's pending
// revision (if the operation left one) is marked failed as the operator,
// and the release is marked Failed with why. retry leaves the generation
// unobserved so that the operation is carried out once more.
func (r *Reconciler) abandon(ctx context.Context, ar *appv2.ApplicationRelease, op appv2.ReleaseOperation, why string, retry bool) error {
	msg := why
	if u, err := r.operator(ctx, op.User); err == nil {
		hop := release.Operation{Name: ar.Name, Namespace: ar.Namespace, User: u}
		pending, err := r.helm.Pending(ctx, hop)
		switch {
		case err != nil:
			msg += " Helm's state could not be read: " + conditions.Message(err)
		case pending != nil:
			status := pending.Info.Status
			if err := r.helm.MarkFailed(ctx, hop, pending, "Interrupted: "+why); err != nil {
				msg += fmt.Sprintf(" Helm's revision %d (%s) could not be marked failed: %s", pending.Version, status, conditions.Message(err))
			} else {
				msg += fmt.Sprintf(" Helm's revision %d (%s) was marked failed.", pending.Version, status)
			}
		}
	}
	if retry {
		msg += " It is tried once more."
	}
	applied := false
	err := r.writeStatus(ctx, ar, op, func(st *appv2.ApplicationReleaseStatus) {
		applied = true
		st.Phase = appv2.PhaseFailed
		st.Message = truncate(msg)
		if !retry {
			st.ObservedGeneration = op.Generation
		}
		conditions.SetReady(&st.Conditions, ar.Generation, false, appv2.ReasonInterrupted, conditions.Message(errors.New(msg)))
	})
	if err == nil && applied {
		r.Recorder.Eventf(ar, nil, corev1.EventTypeWarning, appv2.ReasonInterrupted, titleCase(op.Type), "%s", truncateTo(msg, 1000))
	}
	return err
}

// writeStatus applies change to the latest status if it still shows op
// (nil: whatever it shows), retrying on conflicts.
func (r *Reconciler) writeStatus(ctx context.Context, ar *appv2.ApplicationRelease, op appv2.ReleaseOperation, change func(*appv2.ApplicationReleaseStatus)) error {
	key := client.ObjectKeyFromObject(ar)
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		cur := &appv2.ApplicationRelease{}
		if err := r.Reader.Get(ctx, key, cur); err != nil {
			return client.IgnoreNotFound(err)
		}
		if cur.UID != ar.UID {
			return nil
		}
		if op.Type != "" {
			o := cur.Status.Operation
			if o == nil || !inProgress(cur.Status.Phase) || o.Holder != op.Holder || !o.StartedAt.Equal(&op.StartedAt) || o.Type != op.Type {
				return nil // someone else's operation (or already recorded)
			}
		}
		before := cur.Status.DeepCopy()
		change(&cur.Status)
		if equality.Semantic.DeepEqual(before, &cur.Status) {
			return nil
		}
		return r.Client.Status().Update(ctx, cur)
	})
}

// operator returns the user a release's operations run as
// (impersonate.Subject).
func (r *Reconciler) operator(ctx context.Context, name string) (user.Info, error) {
	if name == "" {
		return nil, fmt.Errorf("the release has no %s annotation naming the user to install as", appv2.OperatorAnnotation)
	}
	return impersonate.Subject(ctx, r.Client, name, "the operator")
}

// timeout of a release's operations.
func timeout(ar *appv2.ApplicationRelease) time.Duration {
	if ar.Spec.Timeout == nil || ar.Spec.Timeout.Duration <= 0 {
		return DefaultTimeout
	}
	return min(ar.Spec.Timeout.Duration, MaxTimeout)
}

// invalid records that the spec cannot be carried out as it is.
func (r *Reconciler) invalid(ctx context.Context, ar *appv2.ApplicationRelease, reason string, err error) (ctrl.Result, error) {
	msg := conditions.Message(err)
	return ctrl.Result{}, r.writeStatus(ctx, ar, appv2.ReleaseOperation{}, func(st *appv2.ApplicationReleaseStatus) {
		st.Phase = appv2.PhaseFailed
		st.Message = truncate(msg)
		st.ObservedGeneration = ar.Generation
		conditions.SetReady(&st.Conditions, ar.Generation, false, reason, msg)
	})
}

// retryLater records a failure that may pass (a chart repository or the
// API that does not answer) and tries the spec again in a minute.
func (r *Reconciler) retryLater(ctx context.Context, ar *appv2.ApplicationRelease, err error) (ctrl.Result, error) {
	msg := conditions.Message(err) + " (tried again in a minute)"
	return ctrl.Result{RequeueAfter: time.Minute}, r.writeStatus(ctx, ar, appv2.ReleaseOperation{}, func(st *appv2.ApplicationReleaseStatus) {
		st.Phase = appv2.PhaseFailed
		st.Message = truncate(msg)
		conditions.SetReady(&st.Conditions, ar.Generation, false, appv2.ReasonFailed, msg)
	})
}

// start begins the operation that carries out the spec.
func (r *Reconciler) start(ctx context.Context, ar *appv2.ApplicationRelease) (ctrl.Result, error) {
	opUser := ar.Annotations[appv2.OperatorAnnotation]
	u, err := r.operator(ctx, opUser)
	if err != nil {
		if apierrors.IsNotFound(err) || !isAPIError(err) {
			return r.invalid(ctx, ar, appv2.ReasonInvalidInput, err)
		}
		return ctrl.Result{}, err
	}
	hop := release.Operation{Name: ar.Name, Namespace: ar.Namespace, User: u, Timeout: timeout(ar)}

	hist, err := r.helm.History(ctx, hop)
	if err != nil {
		// Reading the history needs what every operation needs: a refusal
		// is the operator's answer; anything else is tried again.
		if apierrors.IsForbidden(err) || apierrors.IsUnauthorized(err) {
			return r.invalid(ctx, ar, appv2.ReasonFailed, err)
		}
		return r.retryLater(ctx, ar, fmt.Errorf("reading the release's history: %w", err))
	}
	deployedOnce := false
	for _, h := range hist {
		if h.Info != nil && (h.Info.Status == rcommon.StatusDeployed || h.Info.Status == rcommon.StatusSuperseded) {
			deployedOnce = true
		}
	}
	kind, phase := OpInstall, appv2.PhaseInstalling
	switch {
	case ar.Spec.RollbackTo != nil && len(hist) > 0 && !rolledBackTo(ar, *ar.Spec.RollbackTo):
		kind, phase = OpRollback, appv2.PhaseRollingBack
		found := false
		for _, h := range hist {
			found = found || h.Version == *ar.Spec.RollbackTo
		}
		if !found {
			return r.invalid(ctx, ar, appv2.ReasonInvalidInput, fmt.Errorf("the release has no revision %d to roll back to", *ar.Spec.RollbackTo))
		}
	case deployedOnce:
		kind, phase = OpUpgrade, appv2.PhaseUpgrading
	}

	if kind != OpRollback {
		ver := &appv2.ApplicationVersion{}
		if err := r.Reader.Get(ctx, client.ObjectKey{Name: ar.Spec.Version}, ver); err != nil {
			if apierrors.IsNotFound(err) {
				return r.invalid(ctx, ar, appv2.ReasonInvalidInput, fmt.Errorf("the application version %q does not exist", ar.Spec.Version))
			}
			return ctrl.Result{}, err
		}
		if ver.Spec.Application != ar.Spec.Application {
			return r.invalid(ctx, ar, appv2.ReasonInvalidInput, fmt.Errorf("the version %q belongs to application %q, not %q", ver.Name, ver.Spec.Application, ar.Spec.Application))
		}
		archive, err := r.Charts.Fetch(ctx, ver)
		if err != nil {
			return r.retryLater(ctx, ar, fmt.Errorf("fetching the chart: %w", err))
		}
		ch, err := chart.Load(archive)
		if err != nil {
			return r.invalid(ctx, ar, appv2.ReasonInvalidInput, fmt.Errorf("the chart of version %s does not load: %w", ver.Name, err))
		}
		if err := ch.ValidateValues(ar.Spec.Values); err != nil {
			return r.invalid(ctx, ar, appv2.ReasonInvalidInput, err)
		}
		vals, _ := chart.ParseValues(nil, ar.Spec.Values) // checked by ValidateValues
		hop.Chart, hop.Values = ch.Chart, vals
	}

	now := r.Now()
	op := appv2.ReleaseOperation{Type: kind, Generation: ar.Generation, StartedAt: metav1.NewTime(now.Truncate(time.Second)),
		Deadline: ptrTime(now.Add(hop.Timeout)), Holder: r.Holder, User: u.GetName(), Attempt: 1}
	if prev := ar.Status.Operation; prev != nil && prev.Generation == ar.Generation && prev.Type != OpUninstall {
		op.Attempt = prev.Attempt + 1
	}
	ar.Status.Phase = phase
	ar.Status.Operation = &op
	ar.Status.Message = fmt.Sprintf("%s of %s as %s started", titleCase(kind), versionWord(ar), u.GetName())
	conditions.SetReady(&ar.Status.Conditions, ar.Generation, false, appv2.ReasonInProgress, ar.Status.Message)
	// An update (not a patch): two processes cannot both start one.
	if err := r.Client.Status().Update(ctx, ar); err != nil {
		return ctrl.Result{}, err
	}
	r.Recorder.Eventf(ar, nil, corev1.EventTypeNormal, "OperationStarted", titleCase(kind), "%s", ar.Status.Message)
	r.launch(ar, op, hop)
	return ctrl.Result{}, nil
}

// rolledBackTo says whether the last operation rolled the release back to
// revision: a later change of the spec that leaves rollbackTo as it was is
// an upgrade, not the same rollback again.
func rolledBackTo(ar *appv2.ApplicationRelease, revision int) bool {
	op, st := ar.Status.Operation, ar.Status
	return op != nil && op.Type == OpRollback && st.Phase == appv2.PhaseDeployed && len(st.History) > 0 &&
		st.History[0].Description == fmt.Sprintf("Rollback to %d", revision)
}

func versionWord(ar *appv2.ApplicationRelease) string {
	if ar.Spec.RollbackTo != nil {
		return fmt.Sprintf("revision %d", *ar.Spec.RollbackTo)
	}
	return ar.Spec.Version
}

func titleCase(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func ptrTime(t time.Time) *metav1.Time {
	mt := metav1.NewTime(t.Truncate(time.Second))
	return &mt
}

func isAPIError(err error) bool {
	var st apierrors.APIStatus
	return errors.As(err, &st)
}

// launch runs op in a goroutine of the process.
func (r *Reconciler) launch(ar *appv2.ApplicationRelease, op appv2.ReleaseOperation, hop release.Operation) {
	key := client.ObjectKeyFromObject(ar)
	ctx, cancel := context.WithDeadline(r.opsCtx, op.Deadline.Time)
	run := &running{op: op, cancel: cancel}
	r.mu.Lock()
	r.running[key] = run
	r.mu.Unlock()
	log := r.log.WithValues("release", key, "operation", op.Type, "generation", op.Generation, "user", op.User)
	ar = ar.DeepCopy()
	go func() {
		defer cancel()
		defer r.forget(key, run)
		log.V(1).Info("Operation started")
		var err error
		select {
		case r.slots <- struct{}{}:
			defer func() { <-r.slots }()
		case <-ctx.Done():
			err = fmt.Errorf("waiting for one of the %d operations that may run at once: %w", r.MaxOperations, ctx.Err())
		}
		switch {
		case err != nil:
		case op.Type == OpInstall:
			_, err = r.helm.Install(ctx, hop)
		case op.Type == OpUpgrade:
			_, err = r.helm.Upgrade(ctx, hop)
		case op.Type == OpRollback:
			err = r.helm.Rollback(ctx, hop, *ar.Spec.RollbackTo)
		case op.Type == OpUninstall:
			err = r.uninstall(ctx, ar, hop)
		}
		run.ended.Store(true)
		if r.opsCtx.Err() != nil {
			// The process stops: the next one finds the operation unfinished.
			log.Info("Operation abandoned: the process stops", "error", err)
			return
		}
		// The outcome is written with a context of its own: the
		// operation's may have ended.
		wctx, wcancel := context.WithTimeout(context.Background(), time.Minute)
		defer wcancel()
		if werr := r.finish(wctx, ar, op, hop, err); werr != nil {
			log.Error(werr, "Recording the outcome")
		}
		log.V(1).Info("Operation ended", "error", err)
	}()
}

// finish records the outcome of an operation.
func (r *Reconciler) finish(ctx context.Context, ar *appv2.ApplicationRelease, op appv2.ReleaseOperation, hop release.Operation, opErr error) error {
	if op.Type == OpUninstall {
		if opErr == nil || r.namespaceGoing(ctx, ar.Namespace) {
			return r.removeFinalizer(ctx, ar)
		}
		msg := conditions.Message(opErr)
		return r.writeStatus(ctx, ar, op, func(st *appv2.ApplicationReleaseStatus) {
			st.Phase = appv2.PhaseFailed
			st.Message = truncate("Uninstall failed (retried every minute): " + msg)
			conditions.SetReady(&st.Conditions, ar.Generation, false, appv2.ReasonFailed, msg)
		})
	}
	if errors.Is(opErr, context.Canceled) {
		opErr = fmt.Errorf("the %s was cancelled because the release is being deleted: %w", op.Type, opErr)
	}
	if errors.Is(opErr, context.DeadlineExceeded) {
		opErr = fmt.Errorf("the %s did not end within its timeout of %s: %w", op.Type, hop.Timeout, opErr)
	}
	// A revision Helm left pending (its goroutine was cut by the deadline)
	// is marked failed, so that the next operation may proceed.
	if opErr != nil {
		if p, err := r.helm.Pending(ctx, hop); err == nil && p != nil {
			_ = r.helm.MarkFailed(ctx, hop, p, "Failed: "+opErr.Error())
		}
	}
	snap := r.snapshot(ctx, ar, hop)
	if opErr != nil {
		r.Recorder.Eventf(ar, nil, corev1.EventTypeWarning, appv2.ReasonFailed, titleCase(op.Type), "%s", truncateTo(conditions.Message(opErr), 1000))
	} else {
		r.Recorder.Eventf(ar, nil, corev1.EventTypeNormal, appv2.ReasonDeployed, titleCase(op.Type), "Revision %d: %s", snap.revision, snap.description)
	}
	return r.writeStatus(ctx, ar, op, func(st *appv2.ApplicationReleaseStatus) {
		st.ObservedGeneration = op.Generation
		snap.apply(st)
		if opErr != nil {
			msg := conditions.Message(opErr)
			st.Phase = appv2.PhaseFailed
			st.Message = truncate(msg)
			conditions.SetReady(&st.Conditions, ar.Generation, false, appv2.ReasonFailed, msg)
			return
		}
		st.Phase = appv2.PhaseDeployed
		st.Message = truncate(snap.description)
		setReadiness(st, ar.Generation)
	})
}

// snapshot is what Helm and the cluster say of a release.
type snapshot struct {
	ok          bool
	revision    int
	description string
	notes       string
	history     []appv2.ReleaseRevision
	resources   []appv2.ReleaseResource
}

func (s snapshot) apply(st *appv2.ApplicationReleaseStatus) {
	if !s.ok {
		return
	}
	st.Revision, st.Notes, st.History, st.Resources = s.revision, truncate(s.notes), s.history, s.resources
}

// snapshot reads the release's history and its latest revision's objects
// as the operator.
func (r *Reconciler) snapshot(ctx context.Context, ar *appv2.ApplicationRelease, hop release.Operation) snapshot {
	hist, err := r.helm.History(ctx, hop)
	if err != nil || len(hist) == 0 {
		return snapshot{}
	}
	sort.Slice(hist, func(i, j int) bool { return hist[i].Version > hist[j].Version })
	s := snapshot{ok: true}
	latest := hist[0]
	s.revision = latest.Version
	if latest.Info != nil {
		s.description, s.notes = latest.Info.Description, latest.Info.Notes
	}
	for i, h := range hist {
		if i == 20 {
			break
		}
		rv := appv2.ReleaseRevision{Revision: h.Version}
		if h.Chart != nil && h.Chart.Metadata != nil {
			rv.Version, rv.AppVersion = h.Chart.Metadata.Version, h.Chart.Metadata.AppVersion
		}
		if h.Info != nil {
			rv.Status, rv.Description = string(h.Info.Status), truncateTo(h.Info.Description, 1024)
			if !h.Info.LastDeployed.IsZero() {
				t := metav1.NewTime(h.Info.LastDeployed.Truncate(time.Second))
				rv.Updated = &t
			}
		}
		s.history = append(s.history, rv)
	}
	// The objects are those of the deployed revision (or else the latest).
	shown := latest
	for _, h := range hist {
		if h.Info != nil && h.Info.Status == rcommon.StatusDeployed {
			shown = h
			break
		}
	}
	s.resources = r.objects.readiness(ctx, hop.User, ar.Namespace, manifestObjects(shown.Manifest))
	return s
}

// manifestObjects lists the objects of a rendered manifest.
func manifestObjects(manifest string) []appv2.ReleaseResource {
	docs := releaseutil.SplitManifests(manifest)
	keys := make([]string, 0, len(docs))
	for k := range docs {
		keys = append(keys, k)
	}
	sort.Sort(releaseutil.BySplitManifestsOrder(keys))
	var out []appv2.ReleaseResource
	for _, k := range keys {
		h, ok := parseHead(docs[k])
		if !ok {
			continue
		}
		out = append(out, appv2.ReleaseResource{APIVersion: h.APIVersion, Kind: h.Kind, Name: h.Metadata.Name, Namespace: h.Metadata.Namespace})
		if len(out) == maxResources {
			break
		}
	}
	return out
}

// setReadiness sets Ready from the resources of a deployed release.
func setReadiness(st *appv2.ApplicationReleaseStatus, generation int64) {
	var waiting []string
	for _, res := range st.Resources {
		if !res.Ready {
			w := res.Kind + " " + res.Name
			if res.Message != "" {
				w += " (" + res.Message + ")"
			}
			waiting = append(waiting, w)
		}
	}
	if len(waiting) == 0 {
		conditions.SetReady(&st.Conditions, generation, true, appv2.ReasonDeployed, fmt.Sprintf("Revision %d is deployed and its %d objects are ready", st.Revision, len(st.Resources)))
		return
	}
	msg := fmt.Sprintf("%d of %d objects are not ready: %s", len(waiting), len(st.Resources), strings.Join(waiting, ", "))
	conditions.SetReady(&st.Conditions, generation, false, appv2.ReasonNotReady, truncateTo(msg, 1000))
}

// refresh updates the readiness of a deployed release's objects.
func (r *Reconciler) refresh(ctx context.Context, ar *appv2.ApplicationRelease) (ctrl.Result, error) {
	if ar.Status.Phase != appv2.PhaseDeployed {
		return ctrl.Result{}, nil
	}
	u, err := r.operator(ctx, ar.Annotations[appv2.OperatorAnnotation])
	if err != nil {
		// The operator is gone or disabled: the objects are read as nobody
		// else; the next spec change names a new operator.
		return ctrl.Result{RequeueAfter: 5 * time.Minute}, nil //nolint:nilerr // not an error of the reconcile
	}
	res := r.objects.readiness(ctx, u, ar.Namespace, stripReadiness(ar.Status.Resources))
	if err := r.writeStatus(ctx, ar, appv2.ReleaseOperation{}, func(st *appv2.ApplicationReleaseStatus) {
		if st.Phase != appv2.PhaseDeployed || st.ObservedGeneration != ar.Generation {
			return
		}
		st.Resources = res
		setReadiness(st, ar.Generation)
	}); err != nil {
		return ctrl.Result{}, err
	}
	for _, x := range res {
		if !x.Ready {
			// Often at first, then every minute for a release that stays
			// not ready (an image that does not pull).
			if op := ar.Status.Operation; op != nil && r.Now().Sub(op.StartedAt.Time) > 5*time.Minute {
				return ctrl.Result{RequeueAfter: time.Minute}, nil
			}
			return ctrl.Result{RequeueAfter: 10 * time.Second}, nil
		}
	}
	return ctrl.Result{RequeueAfter: 5 * time.Minute}, nil
}

func stripReadiness(in []appv2.ReleaseResource) []appv2.ReleaseResource {
	out := make([]appv2.ReleaseResource, len(in))
	for i, x := range in {
		out[i] = appv2.ReleaseResource{APIVersion: x.APIVersion, Kind: x.Kind, Name: x.Name, Namespace: x.Namespace}
	}
	return out
}

// finalize uninstalls a release whose object is being deleted.
func (r *Reconciler) finalize(ctx context.Context, ar *appv2.ApplicationRelease) (ctrl.Result, error) {
	if !controllerutil.ContainsFinalizer(ar, appv2.ReleaseFinalizer) {
		return ctrl.Result{}, nil
	}
	// Nothing to uninstall when Helm has no record of the release (it was
	// never installed: its operator was refused, its values invalid...).
	// Only the records' metadata are listed, as ke-controller-manager.
	if none, err := r.noHelmRecords(ctx, ar); err != nil {
		return ctrl.Result{}, err
	} else if none {
		return ctrl.Result{}, r.removeFinalizer(ctx, ar)
	}
	// A failed uninstall is tried again every minute.
	if op := ar.Status.Operation; op != nil && op.Type == OpUninstall && ar.Status.Phase == appv2.PhaseFailed {
		if wait := time.Until(op.StartedAt.Add(time.Minute)); wait > 0 {
			return ctrl.Result{RequeueAfter: wait}, nil
		}
	}
	u, err := r.operator(ctx, ar.Annotations[appv2.OperatorAnnotation])
	if err != nil {
		if r.namespaceGoing(ctx, ar.Namespace) {
			return ctrl.Result{}, r.removeFinalizer(ctx, ar)
		}
		return ctrl.Result{RequeueAfter: time.Minute}, r.writeStatus(ctx, ar, appv2.ReleaseOperation{}, func(st *appv2.ApplicationReleaseStatus) {
			st.Phase = appv2.PhaseFailed
			st.Message = truncate("Cannot uninstall: " + conditions.Message(err))
			conditions.SetReady(&st.Conditions, ar.Generation, false, appv2.ReasonFailed, st.Message)
		})
	}
	hop := release.Operation{Name: ar.Name, Namespace: ar.Namespace, User: u, Timeout: timeout(ar)}
	now := r.Now()
	op := appv2.ReleaseOperation{Type: OpUninstall, Generation: ar.Generation, StartedAt: metav1.NewTime(now.Truncate(time.Second)),
		Deadline: ptrTime(now.Add(hop.Timeout)), Holder: r.Holder, User: u.GetName(), Attempt: 1}
	ar.Status.Phase = appv2.PhaseUninstalling
	ar.Status.Operation = &op
	ar.Status.Message = "Uninstall as " + u.GetName() + " started"
	conditions.SetReady(&ar.Status.Conditions, ar.Generation, false, appv2.ReasonInProgress, ar.Status.Message)
	if err := r.Client.Status().Update(ctx, ar); err != nil {
		return ctrl.Result{}, err
	}
	r.launch(ar, op, hop)
	return ctrl.Result{}, nil
}

// uninstall uninstalls the release and deletes the hook objects it left.
func (r *Reconciler) uninstall(ctx context.Context, ar *appv2.ApplicationRelease, hop release.Operation) error {
	hist, err := r.helm.History(ctx, hop)
	if err != nil {
		return err
	}
	var hooks []appv2.ReleaseResource
	for _, h := range hist {
		for _, hk := range h.Hooks {
			if head, ok := parseHead(hk.Manifest); ok && head.Metadata.Annotations["helm.sh/resource-policy"] != "keep" {
				hooks = append(hooks, appv2.ReleaseResource{APIVersion: head.APIVersion, Kind: head.Kind, Name: head.Metadata.Name, Namespace: head.Metadata.Namespace})
			}
		}
	}
	if err := r.helm.Uninstall(ctx, hop); err != nil {
		return err
	}
	return r.objects.deleteAll(ctx, hop.User, ar.Namespace, hooks)
}

// noHelmRecords says whether Helm has no release Secret for the release.
func (r *Reconciler) noHelmRecords(ctx context.Context, ar *appv2.ApplicationRelease) (bool, error) {
	list := &metav1.PartialObjectMetadataList{}
	list.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("SecretList"))
	if err := r.Reader.List(ctx, list, client.InNamespace(ar.Namespace), client.MatchingLabels{"owner": "helm", "name": ar.Name}); err != nil {
		return false, err
	}
	return len(list.Items) == 0, nil
}

// namespaceGoing says whether the namespace is being deleted (its objects,
// Helm's Secrets included, go with it).
func (r *Reconciler) namespaceGoing(ctx context.Context, name string) bool {
	ns := &corev1.Namespace{}
	if err := r.Client.Get(ctx, client.ObjectKey{Name: name}, ns); err != nil {
		return apierrors.IsNotFound(err)
	}
	return ns.DeletionTimestamp != nil
}

func (r *Reconciler) removeFinalizer(ctx context.Context, ar *appv2.ApplicationRelease) error {
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		cur := &appv2.ApplicationRelease{}
		if err := r.Reader.Get(ctx, client.ObjectKeyFromObject(ar), cur); err != nil {
			return client.IgnoreNotFound(err)
		}
		if cur.UID != ar.UID || !controllerutil.RemoveFinalizer(cur, appv2.ReleaseFinalizer) {
			return nil
		}
		return client.IgnoreNotFound(r.Client.Update(ctx, cur))
	})
}

func truncate(s string) string { return truncateTo(s, maxMessage) }

func truncateTo(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
