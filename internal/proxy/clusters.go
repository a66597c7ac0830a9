package proxy

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"sync"
	"time"

	"github.com/go-logr/logr"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	clusterv1alpha1 "github.com/superkube/super-kubenetes/api/cluster/v1alpha1"
	"github.com/superkube/super-kubenetes/internal/apiserver/apistatus"
	"github.com/superkube/super-kubenetes/internal/multicluster/memberconfig"
)

// kubeconfigRecheck is how long a Direct cluster's kubeconfig is used
// before its Secret is read again (so that rotated credentials take over).
const kubeconfigRecheck = 30 * time.Second

// Tunnels dials member clusters through their agents' tunnels.
type Tunnels interface {
	Connected(cluster string) bool
	DialContext(cluster string) func(ctx context.Context, network, address string) (net.Conn, error)
}

// members finds the kube-apiserver of the cluster a /clusters/ path names.
type members struct {
	host            *upstream
	clusters        client.Reader
	tunnels         Tunnels
	systemNamespace string
	log             logr.Logger
	buffers         httputil.BufferPool
	now             func() time.Time

	mu     sync.Mutex
	direct map[string]*member
}

// member is the upstream of a Direct cluster, built from its kubeconfig.
type member struct {
	uid     types.UID
	ref     clusterv1alpha1.SecretRef
	sum     [sha256.Size]byte
	checked time.Time
	up      *upstream
	// self forwards the host's controllers' requests with the member
	// kubeconfig's own identity (controllers.go).
	self http.Handler
	// rc reaches the member with that identity (through the tunnel for an
	// Agent cluster); it changes only when the kubeconfig does.
	rc *rest.Config
}

func newMembers(host *upstream, opts Options, buffers httputil.BufferPool) *members {
	return &members{host: host, clusters: opts.Clusters, tunnels: opts.Tunnels, systemNamespace: opts.SystemNamespace, log: opts.Log,
		buffers: buffers, now: time.Now, direct: map[string]*member{}}
}

// upstream returns the upstream of the named cluster: the host's for the
// Host cluster, one built from the kubeconfig Secret for a Direct one. An
// unknown cluster is a NotFound error.
func (m *members) upstream(ctx context.Context, name string) (*upstream, error) {
	up, _, err := m.lookup(ctx, name)
	return up, err
}

// lookup returns the upstream of the named cluster and, for a member, the
// handler that forwards with the member kubeconfig's own identity.
func (m *members) lookup(ctx context.Context, name string) (*upstream, http.Handler, error) {
	notFound := apierrors.NewNotFound(clusterv1alpha1.GroupVersion.WithResource("clusters").GroupResource(), name)
	if len(validation.IsDNS1123Label(name)) > 0 {
		return nil, nil, notFound
	}
	if m.clusters == nil {
		if name == clusterv1alpha1.HostClusterName {
			return m.host, nil, nil
		}
		return nil, nil, notFound
	}
	c := &clusterv1alpha1.Cluster{}
	if err := m.clusters.Get(ctx, client.ObjectKey{Name: name}, c); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, nil, notFound
		}
		return nil, nil, fmt.Errorf("reading cluster %s: %w", name, err)
	}
	if c.Spec.Connection.Type == clusterv1alpha1.ConnectionHost {
		return m.host, nil, nil
	}
	// A member the host could not reach on its last probe fails at once,
	// with the reason, rather than after a timeout of its own.
	if ready := meta.FindStatusCondition(c.Status.Conditions, clusterv1alpha1.ReadyCondition); ready != nil && ready.Status == metav1.ConditionFalse {
		return nil, nil, unavailable(name, notReadyMessage(ready))
	}
	switch c.Spec.Connection.Type {
	case clusterv1alpha1.ConnectionDirect:
	case clusterv1alpha1.ConnectionAgent:
		if m.tunnels == nil || !m.tunnels.Connected(name) {
			return nil, nil, unavailable(name, "its agent has no tunnel open to ke-apiserver")
		}
	default:
		return nil, nil, unavailable(name, fmt.Sprintf("its connection type %q is not supported", c.Spec.Connection.Type))
	}
	mem, err := m.directUpstream(ctx, c)
	if err != nil {
		return nil, nil, err
	}
	return mem.up, mem.self, nil
}

// MemberConfig returns the REST config by which ke-apiserver reaches a
// member cluster with its kubeconfig's own identity (through the agent's
// tunnel for an Agent cluster), or the error a request to the cluster gets:
// NotFound for an unknown cluster or the host, ServiceUnavailable for one
// that cannot be reached. The config is the same value as long as the
// member's kubeconfig does not change.
func (p *Proxy) MemberConfig(ctx context.Context, name string) (*rest.Config, error) {
	m := p.members
	notFound := apierrors.NewNotFound(clusterv1alpha1.GroupVersion.WithResource("clusters").GroupResource(), name)
	up, _, err := m.lookup(ctx, name)
	if err != nil {
		return nil, err
	}
	if up == m.host {
		return nil, notFound
	}
	m.mu.Lock()
	mem := m.direct[name]
	m.mu.Unlock()
	if mem == nil {
		return nil, notFound
	}
	return mem.rc, nil
}

// directUpstream returns the upstream of a Direct or Agent cluster,
// reading its kubeconfig again when the cached one is older than
// kubeconfigRecheck.
func (m *members) directUpstream(ctx context.Context, c *clusterv1alpha1.Cluster) (*member, error) {
	now := m.now()
	m.mu.Lock()
	cached := m.direct[c.Name]
	m.mu.Unlock()
	ref := c.Spec.Connection.KubeconfigSecretRef
	fresh := func(cached *member) bool {
		return cached != nil && ref != nil && cached.uid == c.UID && cached.ref == *ref
	}
	if fresh(cached) && now.Sub(cached.checked) < kubeconfigRecheck {
		return cached, nil
	}

	data, err := memberconfig.Read(ctx, m.clusters, m.systemNamespace, c)
	if err != nil {
		if errors.Is(err, memberconfig.ErrNotUsable) {
			return nil, unavailable(c.Name, err.Error())
		}
		return nil, err
	}
	sum := sha256.Sum256(data)
	next := &member{uid: c.UID, ref: *ref, sum: sum, checked: now}
	if fresh(cached) && cached.sum == sum {
		next.up, next.self, next.rc = cached.up, cached.self, cached.rc
	} else {
		rc, err := memberconfig.Parse(data)
		if err != nil {
			return nil, unavailable(c.Name, fmt.Sprintf("the kubeconfig in secret %s/%s %s", m.systemNamespace, ref.Name, err))
		}
		if c.Spec.Connection.Type == clusterv1alpha1.ConnectionAgent && m.tunnels != nil {
			// Every connection to the member goes through the agent's tunnel.
			rc.Dial = m.tunnels.DialContext(c.Name)
		}
		next.rc = rc
		if next.up, err = newUpstream(c.Name, rc, m.log, m.buffers); err != nil {
			return nil, unavailable(c.Name, fmt.Sprintf("the kubeconfig in secret %s/%s is not usable: %s", m.systemNamespace, ref.Name, err))
		}
		if next.self, err = newSelfUpstream(c.Name, rc, m.log, m.buffers); err != nil {
			return nil, unavailable(c.Name, fmt.Sprintf("the kubeconfig in secret %s/%s is not usable: %s", m.systemNamespace, ref.Name, err))
		}
	}
	m.mu.Lock()
	m.direct[c.Name] = next
	m.mu.Unlock()
	return next, nil
}

// notReadyMessage says why a cluster is not Ready, and since when.
func notReadyMessage(c *metav1.Condition) string {
	msg := c.Message
	if msg == "" {
		msg = c.Reason
	}
	return fmt.Sprintf("it is not Ready since %s: %s", c.LastTransitionTime.UTC().Format(time.RFC3339), msg)
}

// unavailable is the 503 of a cluster that cannot be reached as configured.
func unavailable(cluster, why string) error {
	return apistatus.New(http.StatusServiceUnavailable, metav1.StatusReasonServiceUnavailable,
		fmt.Sprintf("cluster %q cannot be reached: %s", cluster, why))
}
