// Package eventexport keeps Kubernetes events past their hour in
// kube-apiserver: the elected ke-controller-manager watches the events of
// every namespace and writes each occurrence once to the log store's
// events tenant, with the workspace of its namespace, where the logging
// API searches them.
//
// An event that happens again is the same object with a higher count: the
// exporter writes it again only when its count grew, so that each
// occurrence is one record. What was written before is read back from the
// store when the exporter starts (a new leader, a restart), so that no
// event is written twice after a failover. While the store does not
// answer, records wait in a bounded buffer and are written when it is
// back.
package eventexport

import (
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	"github.com/superkube/super-kubenetes/internal/logging/logsql"
	"github.com/superkube/super-kubenetes/internal/logging/victorialogs"
)

// Defaults of an Exporter.
const (
	// DefaultFlushInterval is the time between two writes to the store.
	DefaultFlushInterval = time.Second
	// DefaultMaxBuffer is the most records kept while the store is away;
	// beyond it the oldest are dropped (and counted).
	DefaultMaxBuffer = 100000
	// lookback is how far back the records written before are read when
	// the exporter starts: kube-apiserver keeps events an hour by default.
	lookback = 3 * time.Hour
	// maxRetryDelay bounds the wait between two failed writes.
	maxRetryDelay = 30 * time.Second
	// batchSize is the most records of one write.
	batchSize = 5000
)

// Exporter writes events to the store. It runs on the elected leader only.
type Exporter struct {
	// Informers gives the informer of events; Reader reads namespaces.
	Informers cache.Informers
	Reader    client.Reader
	// Store is the client of the store, in the events tenant.
	Store *victorialogs.Client
	Log   logr.Logger
	// FlushInterval and MaxBuffer default to the constants above.
	FlushInterval time.Duration
	MaxBuffer     int

	metricsOnce sync.Once
	written     prometheus.Counter
	dropped     prometheus.Counter
	failures    prometheus.Counter

	mu sync.Mutex
	// seen is the highest count written of each event (by UID).
	seen    map[types.UID]int32
	pending []victorialogs.Record
}

// NeedLeaderElection says that only the leader exports.
func (e *Exporter) NeedLeaderElection() bool { return true }

// Collectors are the exporter's metrics.
func (e *Exporter) Collectors() []prometheus.Collector {
	e.initMetrics()
	return []prometheus.Collector{e.written, e.dropped, e.failures}
}

func (e *Exporter) initMetrics() {
	e.metricsOnce.Do(func() {
		e.written = prometheus.NewCounter(prometheus.CounterOpts{Name: "superkube_event_export_records_total", Help: "Event records written to the log store."})
		e.dropped = prometheus.NewCounter(prometheus.CounterOpts{Name: "superkube_event_export_dropped_total", Help: "Event records dropped because the buffer was full while the log store did not answer."})
		e.failures = prometheus.NewCounter(prometheus.CounterOpts{Name: "superkube_event_export_write_failures_total", Help: "Writes to the log store that failed (and were retried)."})
	})
}

// Start loads what the store already holds, then exports until ctx ends.
func (e *Exporter) Start(ctx context.Context) error {
	e.initMetrics()
	if e.FlushInterval <= 0 {
		e.FlushInterval = DefaultFlushInterval
	}
	if e.MaxBuffer <= 0 {
		e.MaxBuffer = DefaultMaxBuffer
	}
	seen, err := e.loadSeen(ctx)
	if err != nil {
		return nil // ctx ended while the store was away
	}
	e.mu.Lock()
	e.seen = seen
	e.mu.Unlock()
	inf, err := e.Informers.GetInformer(ctx, &corev1.Event{})
	if err != nil {
		return err
	}
	reg, err := inf.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { e.observe(ctx, obj) },
		UpdateFunc: func(_, obj any) { e.observe(ctx, obj) },
		DeleteFunc: func(obj any) {
			if tomb, ok := obj.(toolscache.DeletedFinalStateUnknown); ok {
				obj = tomb.Obj
			}
			if ev, ok := obj.(*corev1.Event); ok {
				e.mu.Lock()
				delete(e.seen, ev.UID)
				e.mu.Unlock()
			}
		},
	})
	if err != nil {
		return err
	}
	defer func() { _ = inf.RemoveEventHandler(reg) }()
	e.Log.Info("Exporting Kubernetes events to the log store", "known", len(seen))
	e.flushLoop(ctx)
	return nil
}

// loadSeen reads the UIDs and counts of the events written in the last
// hours; it waits for the store (ctx ending is the only error).
func (e *Exporter) loadSeen(ctx context.Context) (map[types.UID]int32, error) {
	delay := time.Second
	for {
		seen := map[types.UID]int32{}
		query := "* | stats by (" + logsql.EventUID + ") max(" + logsql.EventCount + ") n"
		err := e.Store.Records(ctx, query, victorialogs.Range{Start: time.Now().Add(-lookback)}, func(r victorialogs.Record) error {
			n, _ := strconv.ParseInt(r["n"], 10, 32)
			seen[types.UID(r[logsql.EventUID])] = int32(n)
			return nil
		})
		if err == nil {
			return seen, nil
		}
		e.Log.Info("The log store does not answer; the event export waits for it", "retryIn", delay.String())
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(delay):
		}
		delay = min(2*delay, maxRetryDelay)
	}
}

// observe queues the record of an event whose count grew.
func (e *Exporter) observe(ctx context.Context, obj any) {
	ev, ok := obj.(*corev1.Event)
	if !ok {
		return
	}
	n := Count(ev)
	e.mu.Lock()
	if e.seen[ev.UID] >= n {
		e.mu.Unlock()
		return
	}
	e.seen[ev.UID] = n
	e.mu.Unlock()
	rec := Record(ev, e.workspace(ctx, ev.Namespace))
	e.mu.Lock()
	defer e.mu.Unlock()
	e.pending = append(e.pending, rec)
	e.trim()
}

// workspace is the workspace of a namespace, "" when none.
func (e *Exporter) workspace(ctx context.Context, ns string) string {
	if ns == "" || e.Reader == nil {
		return ""
	}
	n := &corev1.Namespace{}
	if err := e.Reader.Get(ctx, client.ObjectKey{Name: ns}, n); err != nil {
		return ""
	}
	return n.Labels[tenantv1beta1.WorkspaceLabel]
}

// flushLoop writes the queued records every FlushInterval; a failed
// write keeps them and is tried again later, less often.
func (e *Exporter) flushLoop(ctx context.Context) {
	delay := e.FlushInterval
	t := time.NewTimer(delay)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			// A last write, briefly.
			final, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			_ = e.flush(final)
			cancel()
			return
		case <-t.C:
		}
		if err := e.flush(ctx); err != nil {
			e.failures.Inc()
			delay = min(2*delay, maxRetryDelay)
			e.Log.Info("Writing events to the log store failed; they are kept and written later", "retryIn", delay.String(), "reason", err.Error())
		} else {
			delay = e.FlushInterval
		}
		t.Reset(delay)
	}
}

// flush writes the queued records in batches; a batch that fails goes
// back to the front of the queue.
func (e *Exporter) flush(ctx context.Context) error {
	for {
		e.mu.Lock()
		n := min(len(e.pending), batchSize)
		batch := e.pending[:n:n]
		e.pending = e.pending[n:]
		e.mu.Unlock()
		if n == 0 {
			return nil
		}
		if err := e.Store.Insert(ctx, batch, logsql.EventStream); err != nil {
			e.mu.Lock()
			e.pending = append(batch, e.pending...)
			e.trim()
			e.mu.Unlock()
			return err
		}
		e.written.Add(float64(n))
	}
}

// trim drops the oldest records beyond MaxBuffer; e.mu is held.
func (e *Exporter) trim() {
	if over := len(e.pending) - e.MaxBuffer; over > 0 {
		e.pending = append(e.pending[:0:0], e.pending[over:]...)
		e.dropped.Add(float64(over))
	}
}

// Count is how often the event happened.
func Count(ev *corev1.Event) int32 {
	n := ev.Count
	if ev.Series != nil && ev.Series.Count > n {
		n = ev.Series.Count
	}
	return max(n, 1)
}

// Time is when the event last happened.
func Time(ev *corev1.Event) time.Time {
	switch {
	case ev.Series != nil && !ev.Series.LastObservedTime.IsZero():
		return ev.Series.LastObservedTime.Time
	case !ev.LastTimestamp.IsZero():
		return ev.LastTimestamp.Time
	case !ev.EventTime.IsZero():
		return ev.EventTime.Time
	case !ev.CreationTimestamp.IsZero():
		return ev.CreationTimestamp.Time
	}
	// An event without any time (not one kube-apiserver stored) happened
	// when it is seen; the store drops records of year 1.
	return time.Now()
}

// Record is the store's record of an event's latest occurrence.
func Record(ev *corev1.Event, workspace string) victorialogs.Record {
	first := ev.FirstTimestamp.Time
	if first.IsZero() {
		first = ev.EventTime.Time
	}
	source := ev.ReportingController
	if source == "" {
		source = ev.Source.Component
	}
	r := victorialogs.Record{
		logsql.FieldTime: Time(ev).UTC().Format(time.RFC3339Nano), logsql.FieldMessage: ev.Message,
		logsql.EventNamespace: ev.Namespace, logsql.EventObjectKind: ev.InvolvedObject.Kind, logsql.EventObjectName: ev.InvolvedObject.Name,
		logsql.EventObjectNamespace: ev.InvolvedObject.Namespace, logsql.EventObjectUID: string(ev.InvolvedObject.UID),
		logsql.EventReason: ev.Reason, logsql.EventType: ev.Type, logsql.EventSource: source,
		logsql.EventCount: strconv.Itoa(int(Count(ev))), logsql.EventUID: string(ev.UID), logsql.EventName: ev.Name,
	}
	if workspace != "" {
		r[logsql.EventWorkspace] = workspace
	}
	if !first.IsZero() {
		r[logsql.EventFirstTime] = first.UTC().Format(time.RFC3339Nano)
	}
	return r
}
