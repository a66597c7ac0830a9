// Package workspacequota keeps the status of workspace quotas
// (quota.superkube.io ResourceQuota) current: the usage of each of the
// workspace's namespaces, the creates the webhook admitted that are not
// counted yet, the total, and whether the usage is above a hard limit (a
// quota lowered below what is used is accepted and flagged).
package workspacequota

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	quota "k8s.io/apiserver/pkg/quota/v1"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	quotav1alpha2 "github.com/superkube/super-kubenetes/api/quota/v1alpha2"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	"github.com/superkube/super-kubenetes/internal/quota/count"
	"github.com/superkube/super-kubenetes/internal/quota/ledger"
	"github.com/superkube/super-kubenetes/internal/quota/webhook"
)

// +kubebuilder:rbac:groups=quota.superkube.io,resources=resourcequotas,verbs=get;list;watch
// +kubebuilder:rbac:groups=quota.superkube.io,resources=resourcequotas/status,verbs=get;update;patch
// +kubebuilder:rbac:groups="",resources=pods;persistentvolumeclaims;services;configmaps;secrets,verbs=get;list;watch
// +kubebuilder:rbac:groups=apps,resources=deployments;statefulsets;daemonsets;replicasets,verbs=get;list;watch
// +kubebuilder:rbac:groups=batch,resources=jobs;cronjobs,verbs=get;list;watch
// +kubebuilder:rbac:groups=networking.k8s.io,resources=ingresses,verbs=get;list;watch

// Reconciler keeps workspace quotas' status.
type Reconciler struct {
	Client client.Client
	// Cache is the manager's cache, which the counting reads (the
	// client reads some kinds from kube-apiserver).
	Cache client.Reader
	// Places are the clusters a workspace is counted on (default: the
	// host alone, from Cache).
	Places count.Places
	// Book is the quotas' book, which the webhook charges; the reconciler
	// counts, settles it and writes it to the status.
	Book *ledger.Book
	// Settled receives the quotas the webhook charged (see Settler).
	Settled <-chan event.GenericEvent
	// Clock ages the pending charges (default: the real clock).
	Clock clock.PassiveClock
}

// SettleDelay is how long after a charge its quota's status is written.
const SettleDelay = 250 * time.Millisecond

// Settler is the webhook's side of Settled: it asks, without blocking, for
// a charged quota's status to be written.
type Settler chan event.GenericEvent

// NewSettler makes a Settler with room for bursts of charges; a charge
// that finds it full is written with the ones queued before it.
func NewSettler() Settler { return make(Settler, 1024) }

// Settle queues q.
func (s Settler) Settle(q *quotav1alpha2.ResourceQuota) {
	select {
	case s <- event.GenericEvent{Object: &quotav1alpha2.ResourceQuota{ObjectMeta: metav1.ObjectMeta{Name: q.Name}}}:
	default:
	}
}

// IndexWorkspace registers the index of quotas by workspace, which the
// reconciler and the webhook read.
func IndexWorkspace(ctx context.Context, mgr ctrl.Manager) error {
	return mgr.GetFieldIndexer().IndexField(ctx, &quotav1alpha2.ResourceQuota{}, webhook.WorkspaceIndex, func(o client.Object) []string {
		return []string{o.(*quotav1alpha2.ResourceQuota).Spec.Workspace}
	})
}

// SetupWithManager registers the reconciler; IndexWorkspace must have run.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	if r.Client == nil || r.Cache == nil || r.Book == nil {
		return errors.New("workspacequota: Client, Cache and Book are required")
	}
	if r.Clock == nil {
		r.Clock = clock.RealClock{}
	}
	if r.Places == nil {
		r.Places = count.Host(r.Cache)
	}
	b := ctrl.NewControllerManagedBy(mgr).
		// A deleted quota's account leaves the book.
		For(&quotav1alpha2.ResourceQuota{}, builder.WithPredicates(predicate.Funcs{DeleteFunc: func(e event.DeleteEvent) bool {
			r.Book.Forget(e.Object.GetUID())
			return true
		}})).
		// A namespace joining or leaving a workspace changes both quotas.
		Watches(&corev1.Namespace{}, handler.Funcs{
			CreateFunc: func(ctx context.Context, e event.CreateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
				r.enqueueWorkspace(ctx, q, e.Object.GetLabels()[tenantv1beta1.WorkspaceLabel])
			},
			UpdateFunc: func(ctx context.Context, e event.UpdateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
				was, is := e.ObjectOld.GetLabels()[tenantv1beta1.WorkspaceLabel], e.ObjectNew.GetLabels()[tenantv1beta1.WorkspaceLabel]
				if was != is {
					r.enqueueWorkspace(ctx, q, was)
					r.enqueueWorkspace(ctx, q, is)
				}
			},
			DeleteFunc: func(ctx context.Context, e event.DeleteEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
				r.enqueueWorkspace(ctx, q, e.Object.GetLabels()[tenantv1beta1.WorkspaceLabel])
			},
		})
	for _, obj := range count.Objects() {
		b = b.Watches(obj, handler.EnqueueRequestsFromMapFunc(r.quotasOfNamespace), builder.WithPredicates(changedUse{}))
	}
	if r.Settled != nil {
		// Charges are written together: one count and one status write
		// for the charges of SettleDelay.
		b = b.WatchesRawSource(source.Channel(r.Settled, handler.Funcs{
			GenericFunc: func(_ context.Context, e event.GenericEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
				q.AddAfter(reconcile.Request{NamespacedName: types.NamespacedName{Name: e.Object.GetName()}}, SettleDelay)
			},
		}))
	}
	return b.Complete(r)
}

// changedUse passes the events that can change what an object uses: its
// creation and deletion, a pod's phase and a claim's request.
type changedUse struct{}

func (changedUse) Create(event.CreateEvent) bool   { return true }
func (changedUse) Delete(event.DeleteEvent) bool   { return true }
func (changedUse) Generic(event.GenericEvent) bool { return false }
func (changedUse) Update(e event.UpdateEvent) bool {
	return count.UseChanged(e.ObjectOld, e.ObjectNew)
}

func (r *Reconciler) quotasOfNamespace(ctx context.Context, o client.Object) []reconcile.Request {
	var ns corev1.Namespace
	if err := r.Client.Get(ctx, client.ObjectKey{Name: o.GetNamespace()}, &ns); err != nil {
		return nil
	}
	return r.requests(ctx, ns.Labels[tenantv1beta1.WorkspaceLabel])
}

func (r *Reconciler) enqueueWorkspace(ctx context.Context, q workqueue.TypedRateLimitingInterface[reconcile.Request], ws string) {
	for _, req := range r.requests(ctx, ws) {
		q.Add(req)
	}
}

func (r *Reconciler) requests(ctx context.Context, ws string) []reconcile.Request {
	if ws == "" {
		return nil
	}
	var l quotav1alpha2.ResourceQuotaList
	if err := r.Client.List(ctx, &l, client.MatchingFields{webhook.WorkspaceIndex: ws}); err != nil {
		return nil
	}
	out := make([]reconcile.Request, 0, len(l.Items))
	for _, q := range l.Items {
		out = append(out, reconcile.Request{NamespacedName: types.NamespacedName{Name: q.Name}})
	}
	return out
}

// Reconcile recounts one quota.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	q := &quotav1alpha2.ResourceQuota{}
	if err := r.Client.Get(ctx, req.NamespacedName, q); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	now := r.Clock.Now()
	places, err := r.Places.For(ctx, q.Spec.Workspace)
	if err != nil {
		return ctrl.Result{}, err
	}
	book, err := r.Book.Recount(ctx, places, q, now)
	if err != nil {
		return ctrl.Result{}, err
	}
	pending := book.Pending
	next := q.DeepCopy()
	next.Status.Hard = q.Spec.Hard
	next.Status.Namespaces, next.Status.Pending, next.Status.Used = book.Namespaces, pending, book.Used
	next.Status.ObservedGeneration = q.Generation
	if over := count.Exceeded(next.Status.Used, q.Spec.Hard); len(over) > 0 {
		meta.SetStatusCondition(&next.Status.Conditions, metav1.Condition{Type: quotav1alpha2.ConditionExceeded, Status: metav1.ConditionTrue,
			Reason: "UsageAboveHard", ObservedGeneration: q.Generation,
			Message: fmt.Sprintf("usage is above the hard limit of %s: new objects that use them are refused until usage drops", strings.Join(over, ", "))})
	} else {
		meta.SetStatusCondition(&next.Status.Conditions, metav1.Condition{Type: quotav1alpha2.ConditionExceeded, Status: metav1.ConditionFalse,
			Reason: "WithinHard", ObservedGeneration: q.Generation, Message: "usage is within the hard limits"})
	}
	if !statusEqual(q.Status, next.Status) {
		// On a conflict (the spec changed) it is read and counted again.
		if err := r.Client.Status().Update(ctx, next); err != nil {
			if apierrors.IsConflict(err) {
				return ctrl.Result{RequeueAfter: 10 * time.Millisecond}, nil
			}
			return ctrl.Result{}, err
		}
	}
	// Come back when the oldest pending charge expires.
	var after time.Duration
	for _, c := range pending {
		if d := c.Time.Add(count.ChargeTTL).Sub(now); after == 0 || d < after {
			after = d + time.Second
		}
	}
	return ctrl.Result{RequeueAfter: after}, nil
}

func statusEqual(a, b quotav1alpha2.ResourceQuotaStatus) bool {
	if a.ObservedGeneration != b.ObservedGeneration || !quota.Equals(a.Hard, b.Hard) || !quota.Equals(a.Used, b.Used) ||
		len(a.Namespaces) != len(b.Namespaces) || len(a.Pending) != len(b.Pending) || len(a.Conditions) != len(b.Conditions) {
		return false
	}
	for i := range a.Namespaces {
		if a.Namespaces[i].Cluster != b.Namespaces[i].Cluster || a.Namespaces[i].Namespace != b.Namespaces[i].Namespace || !quota.Equals(a.Namespaces[i].Used, b.Namespaces[i].Used) {
			return false
		}
	}
	for i := range a.Pending {
		if a.Pending[i].UID != b.Pending[i].UID {
			return false
		}
	}
	for i := range a.Conditions {
		x, y := a.Conditions[i], b.Conditions[i]
		if x.Type != y.Type || x.Status != y.Status || x.Reason != y.Reason || x.Message != y.Message || x.ObservedGeneration != y.ObservedGeneration {
			return false
		}
	}
	return true
}

// The quota webhook's certificate (in the system namespace's Secrets, see
// internal/controller/doc.go) and its configuration (package webhookcert,
// wired in ke-controller-manager):
// +kubebuilder:rbac:groups=admissionregistration.k8s.io,resources=validatingwebhookconfigurations,verbs=get;list;watch;create;update;patch
