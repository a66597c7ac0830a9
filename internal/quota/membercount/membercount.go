// Package membercount lets the elected ke-controller-manager count and
// charge workspace quotas on member clusters: an informer cache of each
// member's namespaces and counted objects, read through ke-apiserver's
// internal path (as the member RBAC controller writes there), and the
// places a workspace is counted on: the host and every Ready member it is
// placed on.
//
// A member's cache starts when a quota of a workspace placed there is
// first counted, and stops when the member has not been counted for a
// while (a removed member's included).
package membercount

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"
	toolscache "k8s.io/client-go/tools/cache"
	ctrlcache "sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	clusterv1alpha1 "github.com/superkube/super-kubenetes/api/cluster/v1alpha1"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	"github.com/superkube/super-kubenetes/internal/multicluster/placement"
	"github.com/superkube/super-kubenetes/internal/quota/count"
)

// Defaults of the durations.
const (
	DefaultSyncTimeout = 10 * time.Second
	DefaultIdleAfter   = 10 * time.Minute
)

// Caches holds the members' caches.
type Caches struct {
	// Config reaches a member (ke-apiserver's internal path).
	Config func(cluster string) (*rest.Config, error)
	Scheme *runtime.Scheme
	// Changed is told the workspace of a member namespace whose usage may
	// have changed (an object created or deleted, a pod ended, a claim
	// grown, a namespace joining or leaving the workspace). It must not
	// block.
	Changed     func(workspace string)
	SyncTimeout time.Duration
	IdleAfter   time.Duration
	Log         logr.Logger

	mu      sync.Mutex
	ctx     context.Context
	members map[string]*member
}

type member struct {
	cache  ctrlcache.Cache
	stop   context.CancelFunc
	synced []func() bool
	used   time.Time
}

func (m *member) hasSynced() bool {
	for _, f := range m.synced {
		if !f() {
			return false
		}
	}
	return true
}

// Start keeps the caches until ctx ends (a manager's runnable, on the
// leader only: only the leader counts and charges).
func (c *Caches) Start(ctx context.Context) error {
	c.mu.Lock()
	c.ctx = ctx
	if c.members == nil {
		c.members = map[string]*member{}
	}
	c.mu.Unlock()
	idle := c.IdleAfter
	if idle <= 0 {
		idle = DefaultIdleAfter
	}
	wait.Until(func() { c.stopIdle(time.Now().Add(-idle)) }, time.Minute, ctx.Done())
	c.mu.Lock()
	defer c.mu.Unlock()
	for name, m := range c.members {
		m.stop()
		delete(c.members, name)
	}
	return nil
}

// NeedLeaderElection is true: the followers forward to the leader.
func (c *Caches) NeedLeaderElection() bool { return true }

func (c *Caches) stopIdle(before time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for name, m := range c.members {
		if m.used.Before(before) {
			m.stop()
			delete(c.members, name)
		}
	}
}

// Reader returns the member's cache, started and synced. The first call
// waits up to SyncTimeout for it; later ones do not wait.
func (c *Caches) Reader(ctx context.Context, cluster string) (client.Reader, error) {
	m, fresh, err := c.member(cluster)
	if err != nil {
		return nil, err
	}
	if m.hasSynced() {
		return m.cache, nil
	}
	if !fresh {
		return nil, fmt.Errorf("the objects of cluster %s are not read yet", cluster)
	}
	timeout := c.SyncTimeout
	if timeout <= 0 {
		timeout = DefaultSyncTimeout
	}
	if err := wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, timeout, true, func(context.Context) (bool, error) { return m.hasSynced(), nil }); err != nil {
		return nil, fmt.Errorf("the objects of cluster %s could not be read within %s", cluster, timeout)
	}
	return m.cache, nil
}

func (c *Caches) member(cluster string) (*member, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ctx == nil {
		return nil, false, errors.New("member clusters are counted by the leading ke-controller-manager only")
	}
	if m := c.members[cluster]; m != nil {
		m.used = time.Now()
		return m, false, nil
	}
	rc, err := c.Config(cluster)
	if err != nil {
		return nil, false, err
	}
	cache, err := ctrlcache.New(rc, ctrlcache.Options{Scheme: c.Scheme, DefaultTransform: ctrlcache.TransformStripManagedFields()})
	if err != nil {
		return nil, false, fmt.Errorf("a cache of cluster %s: %w", cluster, err)
	}
	ctx, stop := context.WithCancel(c.ctx)
	m := &member{cache: cache, stop: stop, used: time.Now()}
	for _, obj := range append(count.Objects(), &corev1.Namespace{}) {
		inf, err := cache.GetInformer(ctx, obj)
		if err != nil {
			stop()
			return nil, false, fmt.Errorf("a cache of cluster %s: %w", cluster, err)
		}
		if _, err := inf.AddEventHandler(c.handler(ctx, cache)); err != nil {
			stop()
			return nil, false, err
		}
		m.synced = append(m.synced, inf.HasSynced)
	}
	go func() {
		if err := cache.Start(ctx); err != nil && !errors.Is(err, context.Canceled) {
			c.Log.Error(err, "The quota cache of a member cluster stopped", "cluster", cluster)
		}
	}()
	c.members[cluster] = m
	return m, true, nil
}

// handler tells Changed the workspace of what changed.
func (c *Caches) handler(ctx context.Context, cache client.Reader) toolscache.ResourceEventHandler {
	changed := func(obj any) {
		if c.Changed == nil {
			return
		}
		if t, ok := obj.(toolscache.DeletedFinalStateUnknown); ok {
			obj = t.Obj
		}
		o, ok := obj.(client.Object)
		if !ok {
			return
		}
		if ns, ok := o.(*corev1.Namespace); ok {
			if ws := ns.Labels[tenantv1beta1.WorkspaceLabel]; ws != "" {
				c.Changed(ws)
			}
			return
		}
		var ns corev1.Namespace
		if err := cache.Get(ctx, types.NamespacedName{Name: o.GetNamespace()}, &ns); err == nil {
			if ws := ns.Labels[tenantv1beta1.WorkspaceLabel]; ws != "" {
				c.Changed(ws)
			}
		}
	}
	return toolscache.ResourceEventHandlerFuncs{
		AddFunc: changed,
		UpdateFunc: func(old, obj any) {
			if o, ok := old.(*corev1.Namespace); ok {
				n := obj.(*corev1.Namespace)
				if was, is := o.Labels[tenantv1beta1.WorkspaceLabel], n.Labels[tenantv1beta1.WorkspaceLabel]; was != is {
					changed(old)
					changed(obj)
				}
				return
			}
			if count.UseChanged(old, obj) {
				changed(obj)
			}
		},
		DeleteFunc: changed,
	}
}

// Places are the clusters a workspace is counted on: the host (always:
// its namespaces labelled with the workspace are the workspace's) and
// every member the workspace is placed on; a member that is not Ready or
// whose objects cannot be read has no reader, and keeps its last count.
type Places struct {
	// Host is the host's cache.
	Host client.Reader
	// Objects reads the host's Workspace and Cluster objects.
	Objects client.Reader
	// Caches reads members; nil counts the host alone.
	Caches *Caches
	Log    logr.Logger
}

// For returns the places of the workspace, the host first.
func (p *Places) For(ctx context.Context, workspace string) ([]count.Place, error) {
	out := []count.Place{{Reader: p.Host}}
	if p.Caches == nil {
		return out, nil
	}
	var ws tenantv1beta1.Workspace
	if err := p.Objects.Get(ctx, types.NamespacedName{Name: workspace}, &ws); err != nil {
		if apierrors.IsNotFound(err) {
			return out, nil
		}
		return nil, err
	}
	var clusters clusterv1alpha1.ClusterList
	if err := p.Objects.List(ctx, &clusters); err != nil {
		return nil, err
	}
	slices.SortFunc(clusters.Items, func(a, b clusterv1alpha1.Cluster) int { return strings.Compare(a.Name, b.Name) })
	for i := range clusters.Items {
		c := &clusters.Items[i]
		if placement.IsHost(c) || !c.DeletionTimestamp.IsZero() || !placement.Placed(&ws, c) {
			continue
		}
		place := count.Place{Cluster: c.Name}
		if meta.IsStatusConditionTrue(c.Status.Conditions, clusterv1alpha1.ReadyCondition) {
			r, err := p.Caches.Reader(ctx, c.Name)
			if err != nil {
				p.Log.V(1).Info("A member cluster keeps its last quota count", "cluster", c.Name, "reason", err.Error())
			} else {
				place.Reader = r
			}
		}
		out = append(out, place)
	}
	return out, nil
}

// Reader is the cache of one member, for the webhook's reviews of it.
func (p *Places) Reader(ctx context.Context, cluster string) (client.Reader, error) {
	if p.Caches == nil {
		return nil, errors.New("member clusters are not counted")
	}
	return p.Caches.Reader(ctx, cluster)
}
