// Package members keeps, in ke-apiserver, what it reads of each member
// cluster a request names: an informer cache of the member's namespaces and
// native RBAC, which with the platform's own roles and bindings (kept on the
// host) decides requests to the member exactly as the host's are decided,
// and, on first use, the list engine over the member's objects.
//
// A member's cache starts with the first request that needs it and stops
// when the member has not been asked for a while, when its kubeconfig
// changes, or when it can no longer be reached.
package members

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"
	ctrlcache "sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	clusterv1alpha1 "github.com/superkube/super-kubenetes/api/cluster/v1alpha1"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	"github.com/superkube/super-kubenetes/internal/apiserver/apistatus"
	"github.com/superkube/super-kubenetes/internal/authz"
	"github.com/superkube/super-kubenetes/internal/listengine"
	"github.com/superkube/super-kubenetes/internal/multicluster/placement"
)

// Defaults of the registry's durations.
const (
	DefaultSyncTimeout = 10 * time.Second
	DefaultIdleAfter   = 10 * time.Minute
)

// Configs gives the REST config that reaches a member with its kubeconfig's
// identity (the proxy's MemberConfig): the same value while the kubeconfig
// is unchanged; NotFound for an unknown cluster, ServiceUnavailable for one
// that cannot be reached.
type Configs interface {
	MemberConfig(ctx context.Context, name string) (*rest.Config, error)
}

// Registry holds the members' caches.
type Registry struct {
	Configs Configs
	// Reader reads the host's Cluster and Workspace objects (a cache).
	Reader client.Reader
	// Host decides requests to the host cluster.
	Host *authz.Authorizer
	// Platform are the host's stores; their platform roles and bindings
	// decide on members too.
	Platform authz.Stores
	// CacheOptions are the options of a member's cache (transforms); the
	// scheme must be set.
	CacheOptions func() ctrlcache.Options
	// Setup registers field indexes on a member's cache before it starts.
	Setup func(ctx context.Context, cache ctrlcache.Cache) error
	// Kinds are the list engine's kinds on a member.
	Kinds       func() []*listengine.Kind
	SyncTimeout time.Duration
	IdleAfter   time.Duration
	Log         logr.Logger

	mu      sync.Mutex
	ctx     context.Context
	members map[string]*Member
}

// Member is what ke-apiserver reads of one member cluster.
type Member struct {
	name   string
	rc     *rest.Config
	cache  ctrlcache.Cache
	stop   context.CancelFunc
	used   atomic.Int64
	synced func() bool
	// Authorizer decides requests to the member: the platform's bindings
	// (a workspace's only where it is placed on the member) and the
	// member's native ones.
	Authorizer *authz.Authorizer

	engineOnce sync.Once
	engine     *listengine.Engine
	engineErr  error
}

// Name is the member's name.
func (m *Member) Name() string { return m.name }

// Cache is the member's informer cache.
func (m *Member) Cache() ctrlcache.Cache { return m.cache }

// Config reaches the member with its kubeconfig's identity.
func (m *Member) Config() *rest.Config { return m.rc }

// Run keeps the registry until ctx ends: members' caches live in it, and
// those not asked for within IdleAfter are stopped.
func (r *Registry) Run(ctx context.Context) {
	r.mu.Lock()
	r.ctx = ctx
	if r.members == nil {
		r.members = map[string]*Member{}
	}
	r.mu.Unlock()
	idle := r.IdleAfter
	if idle <= 0 {
		idle = DefaultIdleAfter
	}
	wait.Until(func() { r.stopIdle(time.Now().Add(-idle)) }, time.Minute, ctx.Done())
	r.mu.Lock()
	defer r.mu.Unlock()
	for name, m := range r.members {
		m.stop()
		delete(r.members, name)
	}
}

func (r *Registry) stopIdle(before time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for name, m := range r.members {
		if time.Unix(0, m.used.Load()).Before(before) {
			r.Log.V(2).Info("Stopping the cache of an idle member cluster", "cluster", name)
			m.stop()
			delete(r.members, name)
		}
	}
}

// Member returns the member's cache, started and synced; the error is an
// API status (404 for an unknown cluster, 503 for one that cannot be
// reached or read).
func (r *Registry) Member(ctx context.Context, name string) (*Member, error) {
	rc, err := r.Configs.MemberConfig(ctx, name)
	if err != nil {
		return nil, err
	}
	m, err := r.member(name, rc)
	if err != nil {
		return nil, err
	}
	m.used.Store(time.Now().UnixNano())
	if m.synced() {
		return m, nil
	}
	timeout := r.SyncTimeout
	if timeout <= 0 {
		timeout = DefaultSyncTimeout
	}
	err = wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, timeout, true, func(context.Context) (bool, error) { return m.synced(), nil })
	if err != nil {
		return nil, unavailable(name, fmt.Sprintf("its namespaces and roles could not be read within %s", timeout))
	}
	return m, nil
}

// member returns the member for rc, making and starting its cache.
func (r *Registry) member(name string, rc *rest.Config) (*Member, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ctx == nil {
		return nil, unavailable(name, "ke-apiserver is starting")
	}
	if m := r.members[name]; m != nil {
		if m.rc == rc {
			return m, nil
		}
		// The kubeconfig changed: read the member with the new one.
		m.stop()
		delete(r.members, name)
	}
	opts := r.CacheOptions()
	cache, err := ctrlcache.New(rc, opts)
	if err != nil {
		return nil, unavailable(name, "its kubeconfig is not usable: "+err.Error())
	}
	ctx, stop := context.WithCancel(r.ctx)
	native, err := authz.NativeInformerStores(ctx, cache)
	if err != nil {
		stop()
		return nil, fmt.Errorf("the caches of cluster %s: %w", name, err)
	}
	if r.Setup != nil {
		if err := r.Setup(ctx, cache); err != nil {
			stop()
			return nil, fmt.Errorf("the caches of cluster %s: %w", name, err)
		}
	}
	stores := r.Platform.WithNative(native)
	stores.Placed = r.placed(name)
	m := &Member{name: name, rc: rc, cache: cache, stop: stop, Authorizer: authz.New(stores)}
	var synced []func() bool
	for _, obj := range []client.Object{&rbacv1.RoleBinding{}, &rbacv1.Role{}, &rbacv1.ClusterRoleBinding{}, &rbacv1.ClusterRole{}, &corev1.Namespace{}} {
		inf, err := cache.GetInformer(ctx, obj)
		if err != nil {
			stop()
			return nil, fmt.Errorf("the caches of cluster %s: %w", name, err)
		}
		synced = append(synced, inf.HasSynced)
	}
	m.synced = func() bool {
		for _, f := range synced {
			if !f() {
				return false
			}
		}
		return true
	}
	go func() {
		if err := cache.Start(ctx); err != nil && !errors.Is(err, context.Canceled) {
			r.Log.Error(err, "The cache of a member cluster stopped", "cluster", name)
		}
	}()
	r.members[name] = m
	return m, nil
}

// placed says whether a workspace is placed on the cluster, from the host's
// objects.
func (r *Registry) placed(cluster string) func(string) bool {
	return func(ws string) bool {
		ctx := context.Background()
		c := &clusterv1alpha1.Cluster{}
		if err := r.Reader.Get(ctx, types.NamespacedName{Name: cluster}, c); err != nil {
			return false
		}
		w := &tenantv1beta1.Workspace{}
		if err := r.Reader.Get(ctx, types.NamespacedName{Name: ws}, w); err != nil {
			return false
		}
		return placement.Placed(w, c)
	}
}

// Engine returns the list engine over the member's objects, started on
// first use and synced.
func (r *Registry) Engine(ctx context.Context, m *Member) (*listengine.Engine, error) {
	m.engineOnce.Do(func() {
		e := listengine.New(m.cache, r.Kinds())
		m.engineErr = e.Start(ctx)
		m.engine = e
	})
	if m.engineErr != nil {
		return nil, fmt.Errorf("the list engine of cluster %s: %w", m.name, m.engineErr)
	}
	timeout := r.SyncTimeout
	if timeout <= 0 {
		timeout = DefaultSyncTimeout
	}
	if err := wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, timeout, true, func(context.Context) (bool, error) {
		return m.engine.HasSynced(), nil
	}); err != nil {
		return nil, unavailable(m.name, fmt.Sprintf("its objects could not be read within %s", timeout))
	}
	return m.engine, nil
}

// Authorize decides a request: with the host's authorizer for the host
// cluster, with the member's for a member. A member that cannot be read is
// a refusal that carries the reason (503), not a 403.
func (r *Registry) Authorize(a *authz.Attributes) authz.Decision {
	if a.Cluster == "" || a.Cluster == clusterv1alpha1.HostClusterName {
		return r.Host.Authorize(a)
	}
	ctx, cancel := context.WithTimeout(context.Background(), r.syncTimeout()+5*time.Second)
	defer cancel()
	m, err := r.Member(ctx, a.Cluster)
	if err != nil {
		var status apierrors.APIStatus
		if !errors.As(err, &status) {
			r.Log.Error(err, "Reading a member cluster", "cluster", a.Cluster)
			err = unavailable(a.Cluster, "its namespaces and roles could not be read")
		}
		return authz.Decision{Reason: "cluster " + a.Cluster + " cannot be read", Err: err}
	}
	return m.Authorizer.Authorize(a)
}

func (r *Registry) syncTimeout() time.Duration {
	if r.SyncTimeout <= 0 {
		return DefaultSyncTimeout
	}
	return r.SyncTimeout
}

// unavailable is the 503 of a member that cannot be read.
func unavailable(cluster, why string) error {
	return apistatus.New(http.StatusServiceUnavailable, metav1.StatusReasonServiceUnavailable,
		fmt.Sprintf("cluster %q cannot be reached: %s", cluster, why))
}
