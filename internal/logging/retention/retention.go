// Package retention keeps each kind of record in the log store for its own
// time: container logs, Kubernetes events and audit records usually live
// for different periods (a week of logs, months of audit), while the store
// has one retention for everything. The Pruner, run by the elected
// ke-controller-manager, asks the store every Interval to delete each
// kind's records older than its retention, in the kind's tenant only. The
// store's own retention must be at least the longest of them: it still
// drops whatever is older than its own.
package retention

import (
	"context"
	"fmt"
	"time"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/superkube/super-kubenetes/internal/logging/victorialogs"
)

// Defaults of a Policy.
const (
	DefaultContainerLogs = 7 * 24 * time.Hour
	DefaultEvents        = 30 * 24 * time.Hour
	DefaultAudit         = 90 * 24 * time.Hour
	DefaultInterval      = time.Hour
	// Min is the shortest retention of a kind: the store deletes whole
	// records, and a shorter one would delete what was just written.
	Min = time.Hour
)

// Kind is one kind of record: its name (in the log and the metrics), the
// store's tenant that holds it and how long it is kept.
type Kind struct {
	Name   string
	Tenant victorialogs.Tenant
	Keep   time.Duration
}

// Kinds are the platform's three kinds of record with their retentions.
func Kinds(containerLogs, events, audit time.Duration) []Kind {
	return []Kind{
		{Name: "logs", Tenant: victorialogs.ContainerLogs, Keep: containerLogs},
		{Name: "events", Tenant: victorialogs.Events, Keep: events},
		{Name: "audit", Tenant: victorialogs.Audit, Keep: audit},
	}
}

var prunes = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "superkube_logstore_prunes_total",
	Help: "Deletions of records past their retention asked of the log store, by kind and result (started, skipped, failed)."}, []string{"kind", "result"})

// Collectors are the Pruner's metrics.
func Collectors() []prometheus.Collector { return []prometheus.Collector{prunes} }

// Pruner deletes the records of each kind past its retention.
type Pruner struct {
	// Store is a client of the store (in any tenant: each kind uses its own).
	Store *victorialogs.Client
	Kinds []Kind
	// Interval is the time between two rounds (DefaultInterval when zero).
	Interval time.Duration
	Log      logr.Logger
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// NeedLeaderElection makes only the elected replica prune.
func (p *Pruner) NeedLeaderElection() bool { return true }

// Start prunes at once and then every Interval until ctx ends. A round
// that fails is logged and tried again at the next.
func (p *Pruner) Start(ctx context.Context) error {
	interval := p.Interval
	if interval <= 0 {
		interval = DefaultInterval
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if err := p.Prune(ctx); err != nil && ctx.Err() == nil {
			p.Log.Info("the log store did not take a deletion; trying again next round", "error", err.Error())
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Prune asks the store once to delete, for each kind, the records older
// than its retention. While the store still runs an earlier deletion it
// starts none (each deletion rewrites parts of the store; they must not
// pile up). A kind kept zero or less is kept as long as the store keeps it.
func (p *Pruner) Prune(ctx context.Context) error {
	running, err := p.Store.DeleteTasks(ctx)
	if err != nil {
		return err
	}
	now := time.Now
	if p.Now != nil {
		now = p.Now
	}
	for _, k := range p.Kinds {
		if k.Keep <= 0 {
			continue
		}
		if running > 0 {
			prunes.WithLabelValues(k.Name, "skipped").Inc()
			continue
		}
		before := now().Add(-k.Keep)
		if err := p.Store.In(k.Tenant).DeleteBefore(ctx, before); err != nil {
			prunes.WithLabelValues(k.Name, "failed").Inc()
			return fmt.Errorf("deleting %s older than %s: %w", k.Name, k.Keep, err)
		}
		prunes.WithLabelValues(k.Name, "started").Inc()
		p.Log.V(1).Info("asked the log store to delete records past their retention", "kind", k.Name, "before", before.UTC().Format(time.RFC3339))
	}
	return nil
}
