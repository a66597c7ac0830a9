// Package cluster reports the state of the clusters the platform manages
// (whether the host reaches kube-apiserver, its version and the number of
// nodes) and cleans up after a member cluster that is removed.
//
// Direct clusters are probed here. Agent clusters are probed by the
// ke-apiserver that holds their tunnel; here a status that no ke-apiserver
// has refreshed for StaleAfter turns not Ready, so that a member never
// stays Ready after the host lost it.
package cluster

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/log"

	clusterv1alpha1 "github.com/superkube/super-kubenetes/api/cluster/v1alpha1"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	"github.com/superkube/super-kubenetes/internal/multicluster/agentauth"
	"github.com/superkube/super-kubenetes/internal/multicluster/memberconfig"
	"github.com/superkube/super-kubenetes/internal/multicluster/probe"
)

// StaleAfter is how old an Agent cluster's last probe may be before the
// cluster is not Ready: three of ke-apiserver's probes (every 10s).
const StaleAfter = 25 * time.Second

// agentCheck is how often Agent clusters' freshness is checked.
const agentCheck = 5 * time.Second

// Reconciler checks clusters periodically.
type Reconciler struct {
	Client client.Client
	// Reader reads kubeconfig Secrets without caching every Secret.
	Reader client.Reader
	// HostConfig reaches the host cluster.
	HostConfig *rest.Config
	// SystemNamespace holds the kubeconfig Secrets of member clusters.
	SystemNamespace string
	// Interval is how often a Direct or Host cluster is probed.
	Interval time.Duration
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// Unmirror, when set, removes from a member that is being removed what
	// the host mirrored into it (memberrbac.Unmirror through its client).
	Unmirror func(ctx context.Context, c *clusterv1alpha1.Cluster) error
}

// SetupWithManager registers the reconciler.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	if r.Client == nil || r.Reader == nil || r.HostConfig == nil || r.SystemNamespace == "" {
		return errors.New("cluster: Client, Reader, HostConfig and SystemNamespace are required")
	}
	if r.Interval <= 0 {
		r.Interval = 10 * time.Second
	}
	if r.Now == nil {
		r.Now = time.Now
	}
	return ctrl.NewControllerManagedBy(mgr).For(&clusterv1alpha1.Cluster{}).Complete(r)
}

// Reconcile checks one cluster and schedules the next check.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	c := &clusterv1alpha1.Cluster{}
	if err := r.Client.Get(ctx, req.NamespacedName, c); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	member := c.Spec.Connection.Type != clusterv1alpha1.ConnectionHost
	if !c.DeletionTimestamp.IsZero() {
		return ctrl.Result{}, r.cleanUp(ctx, c)
	}
	if member && !controllerutil.ContainsFinalizer(c, clusterv1alpha1.Finalizer) {
		controllerutil.AddFinalizer(c, clusterv1alpha1.Finalizer)
		if err := r.Client.Update(ctx, c); err != nil {
			return ctrl.Result{}, err
		}
	}
	before := c.DeepCopy()
	next := r.Interval
	if c.Spec.Connection.Type == clusterv1alpha1.ConnectionAgent {
		r.checkAgent(c)
		next = agentCheck
	} else {
		res, err := r.probe(ctx, c)
		probe.Record(c, r.Now(), res, err)
	}
	if !equality.Semantic.DeepEqual(before.Status, c.Status) {
		// Against the version read: a cached Cluster from before its agent
		// joined must not turn the Ready that ke-apiserver wrote since back
		// to "waiting for its agent" (a conflict reads it again).
		if err := r.Client.Status().Patch(ctx, c, client.MergeFromWithOptions(before, client.MergeFromWithOptimisticLock{})); err != nil {
			if apierrors.IsConflict(err) {
				return ctrl.Result{RequeueAfter: 100 * time.Millisecond}, nil
			}
			if client.IgnoreNotFound(err) != nil {
				return ctrl.Result{}, err
			}
		}
	}
	return ctrl.Result{RequeueAfter: next}, nil
}

// checkAgent turns an Agent cluster not Ready when its agent never joined
// or when no ke-apiserver has reached it lately.
func (r *Reconciler) checkAgent(c *clusterv1alpha1.Cluster) {
	if c.Spec.Connection.KubeconfigSecretRef == nil {
		probe.NotConnected(c, "waiting for its agent to join with a join token")
		return
	}
	ready := meta.FindStatusCondition(c.Status.Conditions, clusterv1alpha1.ReadyCondition)
	if ready == nil {
		probe.NotConnected(c, "its agent has joined but has not opened its tunnel yet")
		return
	}
	if ready.Status != metav1.ConditionTrue {
		return
	}
	last := c.Status.LastProbeTime
	if last == nil || r.Now().Sub(last.Time) > StaleAfter {
		since := "never"
		if c.Status.LastReachedTime != nil {
			since = c.Status.LastReachedTime.UTC().Format(time.RFC3339)
		}
		probe.Record(c, r.Now(), probe.Result{}, fmt.Errorf("no ke-apiserver has reached it through its agent since %s", since))
		c.Status.LastProbeTime = last
	}
}

func (r *Reconciler) probe(ctx context.Context, c *clusterv1alpha1.Cluster) (probe.Result, error) {
	cfg, err := r.restConfig(ctx, c)
	if err != nil {
		return probe.Result{}, err
	}
	return probe.Probe(ctx, cfg)
}

func (r *Reconciler) restConfig(ctx context.Context, c *clusterv1alpha1.Cluster) (*rest.Config, error) {
	if c.Spec.Connection.Type == clusterv1alpha1.ConnectionHost {
		return r.HostConfig, nil
	}
	return memberconfig.RESTConfig(ctx, r.Reader, r.SystemNamespace, c)
}

// cleanUp removes a deleted member from the workspaces placed on it and
// deletes its Secrets, then lets the object go.
func (r *Reconciler) cleanUp(ctx context.Context, c *clusterv1alpha1.Cluster) error {
	if !controllerutil.ContainsFinalizer(c, clusterv1alpha1.Finalizer) {
		return nil
	}
	// Read from kube-apiserver: a workspace placed on the cluster just
	// before its removal may not be in the cache yet.
	workspaces := &tenantv1beta1.WorkspaceList{}
	if err := r.Reader.List(ctx, workspaces); err != nil {
		return err
	}
	for i := range workspaces.Items {
		ws := &workspaces.Items[i]
		i := slices.IndexFunc(ws.Spec.Clusters, func(ref tenantv1beta1.ClusterRef) bool { return ref.Name == c.Name })
		if i < 0 {
			continue
		}
		before := ws.DeepCopy()
		ws.Spec.Clusters = slices.Delete(ws.Spec.Clusters, i, i+1)
		if err := r.Client.Patch(ctx, ws, client.MergeFromWithOptions(before, client.MergeFromWithOptimisticLock{})); client.IgnoreNotFound(err) != nil {
			return fmt.Errorf("removing cluster %s from workspace %s: %w", c.Name, ws.Name, err)
		}
	}
	// What the host mirrored into the member goes with it, when the member
	// can be reached; one that cannot keeps it, and the removal goes on
	// (a finalizer never waits for an unreachable member).
	if r.Unmirror != nil && c.Spec.Connection.Type != clusterv1alpha1.ConnectionHost && meta.IsStatusConditionTrue(c.Status.Conditions, clusterv1alpha1.ReadyCondition) {
		uctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		err := r.Unmirror(uctx, c)
		cancel()
		if err != nil {
			log.FromContext(ctx).Info("The host's mirrored RBAC could not be removed from the member; it stays there", "cluster", c.Name, "error", err.Error())
		}
	}
	secrets := &corev1.SecretList{}
	if err := r.Reader.List(ctx, secrets, client.InNamespace(r.SystemNamespace), client.MatchingLabels{agentauth.ClusterLabel: c.Name}); err != nil {
		return err
	}
	for i := range secrets.Items {
		if err := r.Client.Delete(ctx, &secrets.Items[i]); client.IgnoreNotFound(err) != nil {
			return fmt.Errorf("deleting the secrets of cluster %s: %w", c.Name, err)
		}
	}
	controllerutil.RemoveFinalizer(c, clusterv1alpha1.Finalizer)
	return client.IgnoreNotFound(r.Client.Update(ctx, c))
}
