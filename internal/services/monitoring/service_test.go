package monitoring_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/superkube/super-kubenetes/internal/monitoring/catalog"
	monitoring "github.com/superkube/super-kubenetes/internal/services/monitoring"
)

// prometheus answers every query with one sample and remembers the
// queries; it has the recording rules' series when recorded is true.
type prometheus struct {
	recorded bool
	mu       sync.Mutex
	queries  []string
}

func (p *prometheus) Query(_ context.Context, q string, ts time.Time) (model.Value, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if q == monitoring.RecordedProbe {
		if !p.recorded {
			return model.Vector{}, nil
		}
	} else {
		p.queries = append(p.queries, q)
	}
	return model.Vector{{Metric: model.Metric{}, Value: 1, Timestamp: model.TimeFromUnixNano(ts.UnixNano())}}, nil
}

func (p *prometheus) QueryRange(ctx context.Context, q string, r promv1.Range) (model.Value, error) {
	_, _ = p.Query(ctx, q, r.End)
	return model.Matrix{}, nil
}

func metric(t *testing.T, c *catalog.Catalog, l catalog.Level, name string) catalog.Metric {
	t.Helper()
	ms, err := c.Select(l, "", name)
	if err != nil || len(ms) != 1 {
		t.Fatalf("%s: %v", name, err)
	}
	return ms[0]
}

// The recorded series answer where Prometheus has them, for callers the
// recorded series can be confined for; the raw templates everywhere else.
func TestTheRecordedFormIsReadWherePrometheusHasIt(t *testing.T) {
	c := catalog.New()
	cluster := metric(t, c, catalog.Cluster, "cluster_cpu_usage")
	ns := metric(t, c, catalog.Namespace, "namespace_cpu_usage")
	podCount := metric(t, c, catalog.Namespace, "namespace_pod_count") // no recorded form
	for _, tc := range []struct {
		name     string
		recorded bool
		scope    []string
		m        catalog.Metric
		want     string
	}{
		{"unconfined, with the rules", true, nil, cluster, "superkube:cluster_cpu_usage:rate5m"},
		{"unconfined, without the rules", false, nil, cluster, "container_cpu_usage_seconds_total"},
		{"a namespace confined, with the rules", true, []string{"a"}, ns, `superkube:namespace_cpu_usage:rate5m{namespace="a"}`},
		{"no recorded form", true, nil, podCount, "kube_pod_info"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := &prometheus{recorded: tc.recorded}
			svc := &monitoring.Service{Catalog: c, Prometheus: p}
			if _, err := svc.Run(context.Background(), &monitoring.Request{Level: tc.m.Level, Metrics: []catalog.Metric{tc.m}, Scope: tc.scope, Time: time.Now()}); err != nil {
				t.Fatal(err)
			}
			if len(p.queries) != 1 || !strings.Contains(p.queries[0], tc.want) {
				t.Errorf("queries %q, want one containing %q", p.queries, tc.want)
			}
		})
	}
}

// Every recorded form names only recorded series and parses with the
// placeholders filled.
func TestRecordedFormsReadOnlyRecordedSeries(t *testing.T) {
	c := catalog.New()
	n := 0
	for _, l := range catalog.Levels() {
		for _, m := range c.Metrics(l) {
			if m.Recorded == "" {
				continue
			}
			n++
			q, err := monitoring.Query(m.Recorded, nil, nil)
			if err != nil {
				t.Errorf("%s: %v", m.Name, err)
				continue
			}
			if !strings.Contains(q, "superkube:") || strings.Contains(q, "container_") || strings.Contains(q, "kube_") {
				t.Errorf("%s reads %s", m.Name, q)
			}
		}
	}
	if n < 15 {
		t.Errorf("%d metrics have a recorded form", n)
	}
}
