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
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/superkube/super-kubenetes/internal/logging/batch"
	"github.com/superkube/super-kubenetes/internal/logging/logsql"
	"github.com/superkube/super-kubenetes/internal/logging/victorialogs"
	"github.com/superkube/super-kubenetes/internal/logging/workspace"
)

// lookback is how far back the records written before are read when the
// exporter starts: kube-apiserver keeps events an hour by default.
const lookback = 3 * time.Hour

// maxWaitDelay bounds the wait between two reads of a store that is away.
const maxWaitDelay = 30 * time.Second

// Exporter writes events to the store. It runs on the elected leader only.
type Exporter struct {
	// Informers gives the informer of events; Reader reads namespaces.
	Informers cache.Informers
	Reader    client.Reader
	// Store is the client of VictoriaLogs, in the events tenant: the
	// records go there, and those of the last hours are read back at start.
	Store *victorialogs.Client
	// Out, when set, is where the records go instead (Elasticsearch or
	// OpenSearch, elastic.Writer). Nothing is read back at start: each
	// document's id is made of its content, so an occurrence written again
	// replaces itself.
	Out batch.Store
	Log logr.Logger
	// FlushInterval and MaxBuffer are the batch writer's (batch.Writer).
	FlushInterval time.Duration
	MaxBuffer     int

	out *batch.Writer
	mu  sync.Mutex
	// seen is the highest count written of each event (by UID).
	seen map[types.UID]int32
}

// NeedLeaderElection says that only the leader exports.
func (e *Exporter) NeedLeaderElection() bool { return true }

// Written is how many records the exporter wrote.
func (e *Exporter) Written() int64 {
	if e.out == nil {
		return 0
	}
	return e.out.Written()
}

func (e *Exporter) writer() *batch.Writer {
	if e.out == nil {
		var store batch.Store = e.Store
		if e.Out != nil {
			store = e.Out
		}
		e.out = &batch.Writer{Store: store, Stream: logsql.EventStream, Kind: "event", Log: e.Log, FlushInterval: e.FlushInterval, MaxBuffer: e.MaxBuffer}
	}
	return e.out
}

// Start loads what the store already holds, then exports until ctx ends.
func (e *Exporter) Start(ctx context.Context) error {
	out := e.writer()
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
	out.Run(ctx)
	return nil
}

// loadSeen reads the UIDs and counts of the events written in the last
// hours; it waits for the store (ctx ending is the only error).
func (e *Exporter) loadSeen(ctx context.Context) (map[types.UID]int32, error) {
	if e.Out != nil {
		return map[types.UID]int32{}, nil
	}
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
		delay = min(2*delay, maxWaitDelay)
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
	e.writer().Add(Record(ev, workspace.Lookup{Reader: e.Reader}.Of(ctx, ev.Namespace)))
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
