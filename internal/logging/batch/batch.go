// Package batch writes records to the log store in the background, in
// batches, for the platform's own kinds of record (Kubernetes events,
// audit records). Adding a record never waits for the store: while the
// store does not answer, records wait in a bounded buffer and are written,
// in order and once each, when it is back; beyond the bound the oldest are
// dropped and counted.
package batch

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/superkube/super-kubenetes/internal/logging/victorialogs"
)

// Defaults of a Writer.
const (
	// DefaultFlushInterval is the time between two writes to the store.
	DefaultFlushInterval = time.Second
	// DefaultMaxBuffer is the most records kept while the store is away.
	DefaultMaxBuffer = 100000
	// maxRetryDelay bounds the wait between two failed writes.
	maxRetryDelay = 30 * time.Second
	// size is the most records of one write.
	size = 5000
)

// The writers' metrics, by kind of record.
var (
	written = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "superkube_logstore_records_written_total",
		Help: "Records the platform wrote to the log store, by kind (event, audit)."}, []string{"kind"})
	dropped = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "superkube_logstore_records_dropped_total",
		Help: "Records dropped because the buffer was full while the log store did not answer, by kind."}, []string{"kind"})
	failures = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "superkube_logstore_write_failures_total",
		Help: "Writes to the log store that failed and were tried again, by kind."}, []string{"kind"})
)

// Collectors are the metrics of every writer of the process.
func Collectors() []prometheus.Collector { return []prometheus.Collector{written, dropped, failures} }

// Store takes a batch of records of one kind: a *victorialogs.Client in
// the kind's tenant, or an Elasticsearch or OpenSearch index
// (elastic.Writer). stream names the fields that make a record's stream,
// for the stores that keep one.
type Store interface {
	Insert(ctx context.Context, records []victorialogs.Record, stream []string) error
}

// Writer writes records of one kind to the store.
type Writer struct {
	// Store is where the records go; Stream the fields that make a
	// record's stream.
	Store  Store
	Stream []string
	// Kind names the records in the metrics and the log.
	Kind string
	Log  logr.Logger
	// FlushInterval and MaxBuffer default to the constants above.
	FlushInterval time.Duration
	MaxBuffer     int

	written atomic.Int64
	mu      sync.Mutex
	pending []victorialogs.Record
}

// Add queues records.
func (w *Writer) Add(recs ...victorialogs.Record) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.pending = append(w.pending, recs...)
	w.trim()
}

// Written is how many records this writer wrote.
func (w *Writer) Written() int64 { return w.written.Load() }

// Run writes the queued records every FlushInterval until ctx ends, then
// tries once more, briefly. A failed write keeps them and is tried again,
// less often.
func (w *Writer) Run(ctx context.Context) {
	interval := w.FlushInterval
	if interval <= 0 {
		interval = DefaultFlushInterval
	}
	delay := interval
	t := time.NewTimer(delay)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			final, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			_ = w.Flush(final)
			cancel()
			return
		case <-t.C:
		}
		if err := w.Flush(ctx); err != nil {
			failures.WithLabelValues(w.Kind).Inc()
			delay = min(2*delay, maxRetryDelay)
			w.Log.Info("Writing to the log store failed; the records are kept and written later", "kind", w.Kind, "retryIn", delay.String(), "reason", err.Error())
		} else {
			delay = interval
		}
		t.Reset(delay)
	}
}

// Flush writes the queued records in batches; a batch that fails goes
// back to the front of the queue.
func (w *Writer) Flush(ctx context.Context) error {
	for {
		w.mu.Lock()
		n := min(len(w.pending), size)
		batch := w.pending[:n:n]
		w.pending = w.pending[n:]
		w.mu.Unlock()
		if n == 0 {
			return nil
		}
		if err := w.Store.Insert(ctx, batch, w.Stream); err != nil {
			w.mu.Lock()
			w.pending = append(batch, w.pending...)
			w.trim()
			w.mu.Unlock()
			return err
		}
		written.WithLabelValues(w.Kind).Add(float64(n))
		w.written.Add(int64(n))
	}
}

// trim drops the oldest records beyond the bound; w.mu is held.
func (w *Writer) trim() {
	limit := w.MaxBuffer
	if limit <= 0 {
		limit = DefaultMaxBuffer
	}
	if over := len(w.pending) - limit; over > 0 {
		w.pending = append(w.pending[:0:0], w.pending[over:]...)
		dropped.WithLabelValues(w.Kind).Add(float64(over))
	}
}
