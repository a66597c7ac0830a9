// Package cluster reports the state of the clusters the platform manages:
// whether kube-apiserver answers, its version and the number of nodes.
package cluster

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	clusterv1alpha1 "github.com/superkube/super-kubenetes/api/cluster/v1alpha1"
	"github.com/superkube/super-kubenetes/internal/controller/conditions"
)

// Reconciler checks clusters periodically.
type Reconciler struct {
	Client client.Client
	// Reader reads kubeconfig Secrets without caching every Secret.
	Reader client.Reader
	// HostConfig reaches the host cluster.
	HostConfig *rest.Config
	// SystemNamespace holds the kubeconfig Secrets of member clusters.
	SystemNamespace string
	// Interval is how often a cluster is checked.
	Interval time.Duration
}

// SetupWithManager registers the reconciler.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	if r.Client == nil || r.Reader == nil || r.HostConfig == nil || r.SystemNamespace == "" {
		return errors.New("cluster: Client, Reader, HostConfig and SystemNamespace are required")
	}
	if r.Interval <= 0 {
		r.Interval = time.Minute
	}
	return ctrl.NewControllerManagedBy(mgr).For(&clusterv1alpha1.Cluster{}).Complete(r)
}

// Reconcile checks one cluster and schedules the next check.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	c := &clusterv1alpha1.Cluster{}
	if err := r.Client.Get(ctx, req.NamespacedName, c); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	before := c.DeepCopy()
	version, nodes, err := r.probe(ctx, c)
	if err != nil {
		conditions.SetReady(&c.Status.Conditions, c.Generation, false, clusterv1alpha1.ReasonUnreachable, err.Error())
	} else {
		c.Status.KubernetesVersion = version
		c.Status.NodeCount = nodes
		c.Status.ObservedGeneration = c.Generation
		conditions.SetReady(&c.Status.Conditions, c.Generation, true, clusterv1alpha1.ReasonReachable, "")
	}
	if !equality.Semantic.DeepEqual(before.Status, c.Status) {
		if err := r.Client.Status().Patch(ctx, c, client.MergeFrom(before)); client.IgnoreNotFound(err) != nil {
			return ctrl.Result{}, err
		}
	}
	return ctrl.Result{RequeueAfter: r.Interval}, nil
}

func (r *Reconciler) probe(ctx context.Context, c *clusterv1alpha1.Cluster) (string, int32, error) {
	cfg, err := r.restConfig(ctx, c)
	if err != nil {
		return "", 0, err
	}
	cfg = rest.CopyConfig(cfg)
	cfg.Timeout = 10 * time.Second
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return "", 0, err
	}
	v, err := dc.ServerVersion()
	if err != nil {
		return "", 0, fmt.Errorf("kube-apiserver did not answer: %w", err)
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return "", 0, err
	}
	// Only the count is needed: ask for one item and read the remaining count.
	nodes, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{Limit: 1})
	if err != nil {
		return "", 0, fmt.Errorf("listing nodes: %w", err)
	}
	count := int64(len(nodes.Items))
	if nodes.RemainingItemCount != nil {
		count += *nodes.RemainingItemCount
	}
	return v.GitVersion, int32(count), nil //nolint:gosec // node counts fit
}

func (r *Reconciler) restConfig(ctx context.Context, c *clusterv1alpha1.Cluster) (*rest.Config, error) {
	if c.Spec.Connection.Type == clusterv1alpha1.ConnectionHost {
		return r.HostConfig, nil
	}
	ref := c.Spec.Connection.KubeconfigSecretRef
	if ref == nil {
		return nil, errors.New("a Direct connection needs kubeconfigSecretRef")
	}
	s := &corev1.Secret{}
	if err := r.Reader.Get(ctx, types.NamespacedName{Namespace: r.SystemNamespace, Name: ref.Name}, s); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, fmt.Errorf("secret %s/%s does not exist", r.SystemNamespace, ref.Name)
		}
		return nil, err
	}
	key := ref.Key
	if key == "" {
		key = "kubeconfig"
	}
	data, ok := s.Data[key]
	if !ok {
		return nil, fmt.Errorf("secret %s/%s has no key %q", r.SystemNamespace, ref.Name, key)
	}
	cfg, err := clientcmd.RESTConfigFromKubeConfig(data)
	if err != nil {
		return nil, fmt.Errorf("the kubeconfig in secret %s/%s is invalid: %w", r.SystemNamespace, ref.Name, err)
	}
	return cfg, nil
}
