package tunnel

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	clusterv1alpha1 "github.com/superkube/super-kubenetes/api/cluster/v1alpha1"
	"github.com/superkube/super-kubenetes/internal/multicluster/memberconfig"
	"github.com/superkube/super-kubenetes/internal/multicluster/probe"
)

// Reporter probes the Agent clusters whose tunnels this ke-apiserver
// holds, when a tunnel opens and then every Interval, and records what it
// saw in their status; a tunnel that closes makes its cluster not Ready at
// once. ke-controller-manager turns a status nobody refreshes into not
// Ready too (a ke-apiserver that died with the tunnel).
type Reporter struct {
	Tunnels *Server
	// Client reads Clusters and writes their status.
	Client client.Client
	// Secrets reads the kubeconfig Secrets live.
	Secrets   client.Reader
	Namespace string
	Interval  time.Duration
	Log       logr.Logger
	// Self is this replica's advertised URL, recorded as the holder of the
	// tunnels it accepts. A replica whose tunnel closes reports it only if
	// no other replica has recorded a tunnel of the cluster since.
	Self string

	mu      sync.Mutex
	running map[string]context.CancelFunc
	// reporting orders the status writes: a probe's outcome is written only
	// while its loop runs, so it never overwrites a closed tunnel's report.
	reporting sync.Mutex
}

// Run reports until ctx ends.
func (r *Reporter) Run(ctx context.Context) {
	if r.Interval <= 0 {
		r.Interval = 10 * time.Second
	}
	r.running = map[string]context.CancelFunc{}
	events := make(chan Event, 64)
	r.Tunnels.Watch(func(e Event) {
		select {
		case events <- e:
		case <-ctx.Done():
		}
	})
	for {
		select {
		case <-ctx.Done():
			r.mu.Lock()
			for _, cancel := range r.running {
				cancel()
			}
			r.mu.Unlock()
			return
		case e := <-events:
			r.handle(ctx, e)
		}
	}
}

func (r *Reporter) handle(ctx context.Context, e Event) {
	r.mu.Lock()
	if cancel, ok := r.running[e.Cluster]; ok {
		cancel()
		delete(r.running, e.Cluster)
	}
	var loopCtx context.Context
	if e.Connected {
		var cancel context.CancelFunc
		loopCtx, cancel = context.WithCancel(ctx)
		r.running[e.Cluster] = cancel
	}
	r.mu.Unlock()
	if !e.Connected {
		r.report(ctx, ctx, e, func(c *clusterv1alpha1.Cluster) {
			probe.NotConnected(c, fmt.Sprintf("the agent's tunnel closed at %s", e.Time.UTC().Format(time.RFC3339)))
		})
		return
	}
	go r.loop(loopCtx, e)
}

// loop probes one connected cluster until its tunnel closes.
func (r *Reporter) loop(ctx context.Context, e Event) {
	// A probe right after the join may read a cache that has not seen it
	// yet: the second comes a second later.
	r.probeOnce(ctx, e)
	select {
	case <-ctx.Done():
		return
	case <-time.After(time.Second):
	}
	t := time.NewTicker(r.Interval)
	defer t.Stop()
	for {
		r.probeOnce(ctx, e)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (r *Reporter) probeOnce(ctx context.Context, e Event) {
	if !r.Tunnels.Connected(e.Cluster) {
		return
	}
	start := time.Now()
	res, err := r.probe(ctx, e.Cluster)
	r.Log.V(2).Info("Probed a member cluster through its tunnel", "cluster", e.Cluster, "took", time.Since(start).String(), "ok", err == nil)
	r.report(context.WithoutCancel(ctx), ctx, e, func(c *clusterv1alpha1.Cluster) { probe.Record(c, time.Now(), res, err) })
}

func (r *Reporter) probe(ctx context.Context, cluster string) (probe.Result, error) {
	c := &clusterv1alpha1.Cluster{}
	if err := r.Client.Get(ctx, client.ObjectKey{Name: cluster}, c); err != nil {
		if apierrors.IsNotFound(err) {
			r.Log.Info("Closing the tunnel of a cluster that was removed", "cluster", cluster)
			r.Tunnels.Disconnect(cluster)
		}
		return probe.Result{}, err
	}
	if c.Spec.Connection.Type != clusterv1alpha1.ConnectionAgent || !c.DeletionTimestamp.IsZero() {
		r.Log.Info("Closing the tunnel of a cluster that is removed or not reached through an agent", "cluster", cluster)
		r.Tunnels.Disconnect(cluster)
		return probe.Result{}, errors.New("the cluster is not reached through an agent")
	}
	rc, err := memberconfig.RESTConfig(ctx, r.Secrets, r.Namespace, c)
	if err != nil {
		return probe.Result{}, err
	}
	rc.Dial = r.Tunnels.DialContext(cluster)
	return probe.Probe(ctx, rc)
}

// report applies set to the cluster's status, with the tunnel's state,
// unless valid has ended.
func (r *Reporter) report(ctx, valid context.Context, e Event, set func(*clusterv1alpha1.Cluster)) {
	r.reporting.Lock()
	defer r.reporting.Unlock()
	if valid.Err() != nil {
		return
	}
	c := &clusterv1alpha1.Cluster{}
	if err := r.Client.Get(ctx, client.ObjectKey{Name: e.Cluster}, c); err != nil {
		if client.IgnoreNotFound(err) != nil {
			r.Log.Error(err, "Reading a cluster to report its tunnel", "cluster", e.Cluster)
		}
		return
	}
	if c.Spec.Connection.Type != clusterv1alpha1.ConnectionAgent {
		return
	}
	if !e.Connected && c.Status.Agent != nil && c.Status.Agent.Connected && c.Status.Agent.Server != r.Self {
		// The agent has reconnected to another replica, which reports it.
		return
	}
	before := c.DeepCopy()
	if c.Status.Agent == nil {
		c.Status.Agent = &clusterv1alpha1.AgentStatus{}
	}
	if c.Status.Agent.Connected != e.Connected || c.Status.Agent.Since == nil || (e.Connected && c.Status.Agent.Server != r.Self) {
		since := metav1.NewTime(e.Time.UTC().Truncate(time.Second))
		c.Status.Agent.Connected, c.Status.Agent.Since, c.Status.Agent.Address = e.Connected, &since, e.Address
	}
	if e.Connected {
		c.Status.Agent.Server = r.Self
	}
	set(c)
	if equality.Semantic.DeepEqual(before.Status, c.Status) {
		return
	}
	if err := r.Client.Status().Patch(ctx, c, client.MergeFrom(before)); client.IgnoreNotFound(err) != nil && ctx.Err() == nil {
		r.Log.Error(err, "Recording a cluster's state", "cluster", e.Cluster)
	}
}
