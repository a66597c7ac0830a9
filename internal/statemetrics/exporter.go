package statemetrics

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"
)

// Path is where the series are served.
const Path = "/metrics"

// Options configure an Exporter.
type Options struct {
	// Scheme knows the core and apps types; client-go's scheme when nil.
	Scheme *runtime.Scheme
	// NamespaceLabels are the namespace label keys kube_namespace_labels
	// exports (kube-state-metrics' --metric-labels-allowlist for namespaces).
	NamespaceLabels []string
}

// Exporter holds an informer cache of the objects the series describe and
// the collector that reads it. It exports series only while it runs,
// which under a manager with leader election is while its replica leads:
// the others answer an empty page, so that HA replicas do not double the
// series. Its cache is its own, with the objects trimmed to what the
// series read (see trim.go), and it fills only on the leader.
type Exporter struct {
	cache     cache.Cache
	collector *Collector
	synced    atomic.Bool
}

// kinds are the objects the exporter caches, with their transforms.
func kinds(namespaceLabels []string) map[client.Object]cache.ByObject {
	return map[client.Object]cache.ByObject{
		&corev1.Pod{}:                   {Transform: trimPod},
		&appsv1.Deployment{}:            {Transform: trimDeployment},
		&appsv1.StatefulSet{}:           {Transform: trimStatefulSet},
		&appsv1.DaemonSet{}:             {Transform: trimDaemonSet},
		&appsv1.ReplicaSet{}:            {Transform: trimReplicaSet},
		&corev1.Node{}:                  {Transform: trimNode},
		&corev1.Namespace{}:             {Transform: trimNamespace(namespaceLabels)},
		&corev1.PersistentVolumeClaim{}: {Transform: trimClaim},
	}
}

// New returns an exporter of the cluster cfg reaches. It reads nothing
// until Start.
func New(cfg *rest.Config, opts Options) (*Exporter, error) {
	scheme := opts.Scheme
	if scheme == nil {
		scheme = clientgoscheme.Scheme
	}
	c, err := cache.New(cfg, cache.Options{Scheme: scheme, ByObject: kinds(opts.NamespaceLabels),
		// Reading a kind that Start did not register is a bug, not a reason to block a scrape.
		ReaderFailOnMissingInformer: true})
	if err != nil {
		return nil, fmt.Errorf("creating the cache of the state metrics: %w", err)
	}
	e := &Exporter{cache: c}
	e.collector = NewCollector(c, e.synced.Load, opts.NamespaceLabels)
	return e, nil
}

// Start fills the cache, exports while ctx lasts and stops exporting when
// it ends.
func (e *Exporter) Start(ctx context.Context) error {
	for obj := range kinds(nil) {
		if _, err := e.cache.GetInformer(ctx, obj); err != nil {
			return fmt.Errorf("watching %T for the state metrics: %w", obj, err)
		}
	}
	done := make(chan error, 1)
	go func() { done <- e.cache.Start(ctx) }()
	if !e.cache.WaitForCacheSync(ctx) {
		if err := <-done; err != nil {
			return fmt.Errorf("filling the cache of the state metrics: %w", err)
		}
		return errors.New("the cache of the state metrics stopped before it was filled")
	}
	e.synced.Store(true)
	defer e.synced.Store(false)
	log.FromContext(ctx).Info("Exporting the state metrics")
	return <-done
}

// NeedLeaderElection makes a manager start the exporter on the leader only.
func (e *Exporter) NeedLeaderElection() bool { return true }

// Exporting reports whether the exporter exports series now.
func (e *Exporter) Exporting() bool { return e.synced.Load() }

// Collector is the exporter's collector, for a registry of one's own.
func (e *Exporter) Collector() prometheus.Collector { return e.collector }

// Handler streams the series in Prometheus' text format at any path (see
// Collector.ServeHTTP); an exporter that does not run serves a valid page
// without series.
func (e *Exporter) Handler() http.Handler { return e.collector }
