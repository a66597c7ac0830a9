package meshsim

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	istiov1 "istio.io/client-go/pkg/apis/networking/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/superkube/super-kubenetes/internal/scheme"
)

// Metric names, as Istio's sidecars export them.
const (
	RequestsTotal   = "istio_requests_total"
	RequestDuration = "istio_request_duration_milliseconds"
)

// DurationBuckets are Istio's default buckets of request durations (ms).
var DurationBuckets = []float64{0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000}

// labelNames are Istio's standard labels, in this order.
var labelNames = []string{"reporter", "source_workload", "source_workload_namespace", "source_app", "source_version",
	"destination_workload", "destination_workload_namespace", "destination_app", "destination_version",
	"destination_service", "destination_service_name", "destination_service_namespace",
	"request_protocol", "response_code", "response_flags", "connection_security_policy"}

var (
	requestsDesc = prometheus.NewDesc(RequestsTotal, "Requests, as reported by the destination's sidecar (simulated).", labelNames, nil)
	durationDesc = prometheus.NewDesc(RequestDuration, "Request durations in milliseconds (simulated).", labelNames, nil)
)

// Simulator is a Prometheus collector whose counters grow at the rates
// of the world's flows: each scrape adds what flowed since the previous
// one, so that a changed rate or weight shows from then on, and counters
// never go down.
type Simulator struct {
	// Reader reads the world (a cache).
	Reader client.Reader
	// Now is the clock; nil is time.Now.
	Now func() time.Time

	mu   sync.Mutex
	last time.Time
	acc  map[string]*series
}

// series is what one flow and response code have accumulated.
type series struct {
	labels []string
	count  float64
	sum    float64
	// buckets are cumulative counts, per DurationBuckets.
	buckets []float64
}

// New returns a simulator reading r.
func New(r client.Reader) *Simulator { return &Simulator{Reader: r, acc: map[string]*series{}} }

func (s *Simulator) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Describe sends nothing: the series come and go with the world
// (an unchecked collector).
func (s *Simulator) Describe(chan<- *prometheus.Desc) {}

// Collect advances the counters to now and sends them.
func (s *Simulator) Collect(ch chan<- prometheus.Metric) {
	w, err := Read(context.Background(), s.Reader)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(requestsDesc, err)
		return
	}
	flows := Flows(w)
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	dt := 0.0
	if !s.last.IsZero() {
		dt = max(now.Sub(s.last).Seconds(), 0)
	}
	s.last = now
	for i := range flows {
		s.advance(&flows[i], dt)
	}
	for _, sr := range s.acc {
		ch <- prometheus.MustNewConstMetric(requestsDesc, prometheus.CounterValue, sr.count, sr.labels...)
		b := make(map[float64]uint64, len(DurationBuckets))
		for i, le := range DurationBuckets {
			b[le] = uint64(sr.buckets[i])
		}
		ch <- prometheus.MustNewConstHistogram(durationDesc, uint64(sr.count), sr.sum, b, sr.labels...)
	}
}

// advance adds dt seconds of a flow: its successes as 200, its errors as
// 503, with durations spread evenly between half and one and a half
// times the mean latency (so p50 is the mean and p95 1.45 times it).
func (s *Simulator) advance(f *Flow, dt float64) {
	for _, code := range []struct {
		code  string
		share float64
	}{{"200", 1 - f.ErrorRatio}, {"503", f.ErrorRatio}} {
		if code.share <= 0 {
			continue
		}
		lv := f.labels(code.code)
		key := fmt.Sprint(lv)
		sr, ok := s.acc[key]
		if !ok {
			sr = &series{labels: lv, buckets: make([]float64, len(DurationBuckets))}
			s.acc[key] = sr
		}
		n := f.RPS * code.share * dt
		sr.count += n
		sr.sum += n * f.LatencyMs
		for i, le := range DurationBuckets {
			sr.buckets[i] += n * uniformCDF(le, f.LatencyMs)
		}
	}
}

// uniformCDF is the share of durations at most x for durations uniform
// on [mean/2, 3*mean/2].
func uniformCDF(x, mean float64) float64 {
	return math.Max(0, math.Min(1, (x-mean/2)/mean))
}

func (f *Flow) labels(code string) []string {
	security := "mutual_tls"
	if f.Source.Workload == Unknown {
		security = "none"
	}
	return []string{"destination", f.Source.Workload, f.Source.Namespace, f.Source.App, f.Source.Version,
		f.Destination.Workload, f.Destination.Namespace, f.Destination.App, f.Destination.Version,
		ServiceHost(f.ServiceNamespace, f.ServiceName), f.ServiceName, f.ServiceNamespace,
		"http", code, "-", security}
}

// Read lists the world from r. Without Istio's CRDs there are no
// VirtualServices nor DestinationRules, and traffic is split by replicas.
func Read(ctx context.Context, r client.Reader) (World, error) {
	var w World
	var deps appsv1.DeploymentList
	if err := r.List(ctx, &deps); err != nil {
		return w, err
	}
	for i := range deps.Items {
		d := &deps.Items[i]
		w.Workloads = append(w.Workloads, Workload{Namespace: d.Namespace, Name: d.Name, Labels: d.Spec.Template.Labels,
			Annotations: d.Annotations, Replicas: replicas(d.Spec.Replicas)})
	}
	var sts appsv1.StatefulSetList
	if err := r.List(ctx, &sts); err != nil {
		return w, err
	}
	for i := range sts.Items {
		s := &sts.Items[i]
		w.Workloads = append(w.Workloads, Workload{Namespace: s.Namespace, Name: s.Name, Labels: s.Spec.Template.Labels,
			Annotations: s.Annotations, Replicas: replicas(s.Spec.Replicas)})
	}
	var svcs corev1.ServiceList
	if err := r.List(ctx, &svcs); err != nil {
		return w, err
	}
	w.Services = svcs.Items
	var vss istiov1.VirtualServiceList
	if err := r.List(ctx, &vss); err != nil && !meta.IsNoMatchError(err) {
		return w, err
	}
	w.VirtualServices = vss.Items
	var drs istiov1.DestinationRuleList
	if err := r.List(ctx, &drs); err != nil && !meta.IsNoMatchError(err) {
		return w, err
	}
	w.DestinationRules = drs.Items
	return w, nil
}

func replicas(p *int32) int32 {
	if p == nil {
		return 1
	}
	return *p
}

// Handler serves the simulator's metrics (and nothing else) in
// Prometheus's text format.
func Handler(s *Simulator) http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(s)
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
}

// Start watches the cluster of cfg (an informer cache of Deployments,
// StatefulSets, Services and Istio's routing objects) and serves the
// metrics on ln at /metrics until ctx ends.
func Start(ctx context.Context, cfg *rest.Config, ln net.Listener) error {
	c, err := cache.New(cfg, cache.Options{Scheme: scheme.New()})
	if err != nil {
		return err
	}
	go func() { _ = c.Start(ctx) }()
	// Start the informers now, so the first scrape does not wait.
	for _, o := range []client.Object{&appsv1.Deployment{}, &appsv1.StatefulSet{}, &corev1.Service{}, &istiov1.VirtualService{}, &istiov1.DestinationRule{}} {
		if _, err := c.GetInformer(ctx, o); err != nil && !meta.IsNoMatchError(err) {
			return err
		}
	}
	if !c.WaitForCacheSync(ctx) {
		return errors.New("meshsim: the cache did not sync")
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", Handler(New(c)))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	go func() { _ = srv.Serve(ln) }()
	return nil
}
