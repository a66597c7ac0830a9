// Package pipeline keeps pipelines: it checks each definition beyond what
// the CRD's schema can (unique names, the credentials and webhook secret it
// names, the cron schedule) into the Ready condition, fires the cron
// trigger (one run per slot, named from it, so that two replicas or a
// restart never make two), shows the newest run in the status, and deletes
// the oldest finished runs beyond runsToKeep. A pipeline whose Gitea
// source has discovery gets one child pipeline per matching branch and open
// pull request, rescanned every discovery.interval and at once when its
// scan-requested annotation changes (discovery.go).
package pipeline

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	devopsv1alpha3 "github.com/superkube/super-kubenetes/api/devops/v1alpha3"
	"github.com/superkube/super-kubenetes/internal/controller/conditions"
	"github.com/superkube/super-kubenetes/internal/devops/definition"
	"github.com/superkube/super-kubenetes/internal/devops/names"
)

// DefaultRunsToKeep is how many finished runs a pipeline keeps by default.
const DefaultRunsToKeep = 50

// Reasons of the Ready condition.
const (
	ReasonValid   = "Valid"
	ReasonInvalid = "Invalid"
)

// Reconciler reconciles pipelines.
type Reconciler struct {
	Client client.Client
	Clock  clock.PassiveClock
	// Discoverer lists the branches of pipelines with discovery; nil
	// discovers none. Recorder, when set, records discovery's failures.
	Discoverer Discoverer
	Recorder   events.EventRecorder

	scans scans
}

// +kubebuilder:rbac:groups=devops.superkube.io,resources=pipelines,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=devops.superkube.io,resources=pipelines/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=devops.superkube.io,resources=pipelineruns,verbs=get;list;watch;create;delete

// SetupWithManager registers the reconciler.
func (r *Reconciler) SetupWithManager(mgr manager.Manager) error {
	if r.Client == nil {
		return errors.New("pipeline: Client is required")
	}
	return builder.ControllerManagedBy(mgr).
		Named("pipeline").
		For(&devopsv1alpha3.Pipeline{}).
		Watches(&devopsv1alpha3.PipelineRun{}, handler.EnqueueRequestsFromMapFunc(func(_ context.Context, o client.Object) []reconcile.Request {
			run, ok := o.(*devopsv1alpha3.PipelineRun)
			if !ok {
				return nil
			}
			return []reconcile.Request{{NamespacedName: types.NamespacedName{Namespace: run.Namespace, Name: run.Spec.Pipeline}}}
		})).
		Complete(r)
}

func (r *Reconciler) now() time.Time {
	if r.Clock == nil {
		return time.Now()
	}
	return r.Clock.Now()
}

// Reconcile brings one pipeline in line.
func (r *Reconciler) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	p := &devopsv1alpha3.Pipeline{}
	if err := r.Client.Get(ctx, req.NamespacedName, p); err != nil {
		return reconcile.Result{}, client.IgnoreNotFound(err)
	}
	if !p.DeletionTimestamp.IsZero() {
		return reconcile.Result{}, nil
	}
	before := p.DeepCopy()
	problems := r.check(ctx, p)
	if len(problems) > 0 {
		conditions.SetReady(&p.Status.Conditions, p.Generation, false, ReasonInvalid, strings.Join(problems, "; "))
	} else {
		conditions.SetReady(&p.Status.Conditions, p.Generation, true, ReasonValid, "")
	}
	p.Status.ObservedGeneration = p.Generation
	var requeue time.Duration
	if len(problems) == 0 {
		var err error
		if requeue, err = r.cron(ctx, p); err != nil {
			return reconcile.Result{}, err
		}
	} else {
		p.Status.NextCron = nil
	}
	if len(problems) == 0 || !discovering(p) {
		scanIn, err := r.discover(ctx, p)
		if err != nil {
			return reconcile.Result{}, err
		}
		if scanIn > 0 && (requeue == 0 || scanIn < requeue) {
			requeue = scanIn
		}
	}
	if err := r.runs(ctx, p); err != nil {
		return reconcile.Result{}, err
	}
	if !equality.Semantic.DeepEqual(before.Status, p.Status) {
		if err := r.Client.Status().Patch(ctx, p, client.MergeFrom(before)); err != nil {
			return reconcile.Result{}, client.IgnoreNotFound(err)
		}
	}
	return reconcile.Result{RequeueAfter: requeue}, nil
}

// check finds what the schema cannot.
func (r *Reconciler) check(ctx context.Context, p *devopsv1alpha3.Pipeline) []string {
	var problems []string
	for _, e := range definition.Validate(&p.Spec.Definition, definition.Path()) {
		problems = append(problems, e.Error())
	}
	if c := p.Spec.Triggers.Cron; c != "" {
		if _, err := cron.ParseStandard(c); err != nil {
			problems = append(problems, fmt.Sprintf("spec.triggers.cron: %q: %v", c, err))
		}
	}
	secrets := definition.Credentials(&p.Spec.Definition)
	if p.Spec.Source != nil && p.Spec.Source.Credential != "" {
		secrets = append(secrets, p.Spec.Source.Credential)
	}
	for _, name := range secrets {
		s := &corev1.Secret{}
		if err := r.Client.Get(ctx, types.NamespacedName{Namespace: p.Namespace, Name: name}, s); apierrors.IsNotFound(err) {
			problems = append(problems, fmt.Sprintf("credential %q does not exist", name))
		} else if err == nil {
			if _, ok := devopsv1alpha3.CredentialKeys[string(s.Type)]; !ok {
				problems = append(problems, fmt.Sprintf("secret %q is not a DevOps credential (type %s)", name, s.Type))
			}
		}
	}
	if w := p.Spec.Triggers.Webhook; w != nil {
		s := &corev1.Secret{}
		if err := r.Client.Get(ctx, types.NamespacedName{Namespace: p.Namespace, Name: w.SecretRef}, s); apierrors.IsNotFound(err) {
			problems = append(problems, fmt.Sprintf("spec.triggers.webhook.secretRef: secret %q does not exist", w.SecretRef))
		} else if err == nil && len(s.Data[devopsv1alpha3.WebhookSecretKey]) == 0 {
			problems = append(problems, fmt.Sprintf("spec.triggers.webhook.secretRef: secret %q has no key %q", w.SecretRef, devopsv1alpha3.WebhookSecretKey))
		}
	}
	return problems
}

// cron makes the run of the latest slot that passed (one, however many
// passed while the controller was away) and returns the wait until the next.
func (r *Reconciler) cron(ctx context.Context, p *devopsv1alpha3.Pipeline) (time.Duration, error) {
	if p.Spec.Triggers.Cron == "" || p.Spec.Disabled {
		p.Status.NextCron = nil
		return 0, nil
	}
	sched, err := cron.ParseStandard(p.Spec.Triggers.Cron)
	if err != nil {
		// check reported it in the Ready condition.
		return 0, nil //nolint:nilerr // the schedule is the user's mistake, already reported
	}
	now := r.now().UTC()
	from := p.CreationTimestamp.UTC()
	if p.Status.LastCron != nil && p.Status.LastCron.After(from) {
		from = p.Status.LastCron.UTC()
	}
	var due time.Time
	for next := sched.Next(from); !next.After(now); next = sched.Next(next) {
		due = next
	}
	if !due.IsZero() {
		id := due.Format(time.RFC3339)
		run := &devopsv1alpha3.PipelineRun{
			ObjectMeta: metav1.ObjectMeta{Namespace: p.Namespace, Name: names.Run(p.Name, devopsv1alpha3.TriggerCron, id),
				Labels: map[string]string{devopsv1alpha3.PipelineLabel: p.Name, devopsv1alpha3.TriggerLabel: string(devopsv1alpha3.TriggerCron)}},
			Spec: devopsv1alpha3.PipelineRunSpec{Pipeline: p.Name,
				Trigger: devopsv1alpha3.Trigger{Kind: devopsv1alpha3.TriggerCron, ID: id, User: p.Annotations[devopsv1alpha3.CreatorAnnotation]}},
		}
		if err := r.Client.Create(ctx, run); err != nil && !apierrors.IsAlreadyExists(err) {
			return 0, err
		}
		t := metav1.NewTime(due)
		p.Status.LastCron = &t
	}
	next := sched.Next(now)
	t := metav1.NewTime(next)
	p.Status.NextCron = &t
	return next.Sub(now) + 50*time.Millisecond, nil
}

// runs shows the newest run and deletes the oldest finished ones beyond
// the pipeline's runsToKeep.
func (r *Reconciler) runs(ctx context.Context, p *devopsv1alpha3.Pipeline) error {
	var list devopsv1alpha3.PipelineRunList
	if err := r.Client.List(ctx, &list, client.InNamespace(p.Namespace), client.MatchingLabels{devopsv1alpha3.PipelineLabel: p.Name}); err != nil {
		return err
	}
	runs := list.Items[:0]
	for _, run := range list.Items {
		if run.Spec.Pipeline == p.Name {
			runs = append(runs, run)
		}
	}
	sort.Slice(runs, func(i, j int) bool {
		a, b := &runs[i], &runs[j]
		if !a.CreationTimestamp.Equal(&b.CreationTimestamp) {
			return b.CreationTimestamp.Before(&a.CreationTimestamp)
		}
		return a.Name > b.Name
	})
	p.Status.LastRun = nil
	if len(runs) > 0 {
		n := &runs[0]
		p.Status.LastRun = &devopsv1alpha3.RunSummary{Name: n.Name, Phase: n.Status.Phase, StartTime: n.Status.StartTime, CompletionTime: n.Status.CompletionTime}
		if p.Status.LastRun.Phase == "" {
			p.Status.LastRun.Phase = devopsv1alpha3.PhasePending
		}
	}
	keep := DefaultRunsToKeep
	if p.Spec.RunsToKeep > 0 {
		keep = int(p.Spec.RunsToKeep)
	}
	finished := 0
	for i := range runs {
		if !runs[i].Status.Phase.Finished() {
			continue
		}
		if finished++; finished > keep {
			if err := r.Client.Delete(ctx, &runs[i]); client.IgnoreNotFound(err) != nil {
				return err
			}
		}
	}
	return nil
}

func logger(ctx context.Context) interface{ Error(error, string, ...any) } {
	return log.FromContext(ctx)
}
