// Package monitoring runs the monitoring API's queries: it turns the
// catalog's templates into PromQL for a caller's scope (filters filled and
// namespaces confined through the syntax tree), runs many metrics
// concurrently against Prometheus, ranks and pages the objects of a list
// level, and keeps every namespace's samples from its creation on.
package monitoring

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
	"golang.org/x/sync/errgroup"

	"github.com/superkube/super-kubenetes/internal/monitoring/catalog"
	"github.com/superkube/super-kubenetes/internal/monitoring/client"
	"github.com/superkube/super-kubenetes/internal/monitoring/promql"
)

// DefaultConcurrency bounds the queries one request runs at once.
const DefaultConcurrency = 8

// Service runs the queries.
type Service struct {
	Catalog    *catalog.Catalog
	Prometheus client.Querier
	// Concurrency bounds the queries of one request in flight; 0 is
	// DefaultConcurrency.
	Concurrency int

	recorded recordedProbe
}

// RecordedProbe is the series whose presence tells that Prometheus runs
// the chart's recording rules, and RecordedProbeEvery how long an answer
// about it is kept.
const (
	RecordedProbe      = "superkube:cluster_node:count"
	RecordedProbeEvery = time.Minute
)

// recordedProbe remembers whether Prometheus had the recorded series.
type recordedProbe struct {
	mu      sync.Mutex
	checked time.Time
	present bool
}

// hasRecorded reports whether Prometheus has the recording rules' series,
// asking it at most once per RecordedProbeEvery. A failed probe counts as
// absent: the raw templates answer everywhere, only slower.
func (s *Service) hasRecorded(ctx context.Context) bool {
	p := &s.recorded
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.checked.IsZero() && time.Since(p.checked) < RecordedProbeEvery {
		return p.present
	}
	v, err := s.Prometheus.Query(ctx, RecordedProbe, time.Now())
	vec, ok := v.(model.Vector)
	p.present = err == nil && ok && len(vec) > 0
	if !errors.Is(err, context.Canceled) {
		p.checked = time.Now()
	}
	return p.present
}

// expr is the PromQL template a request reads a metric with: the recorded
// form where it has one and Prometheus has its series, unless the request
// is confined to namespaces and the recorded series do not carry them
// (only the namespace level's do).
func (s *Service) expr(ctx context.Context, req *Request, m catalog.Metric) string {
	if m.Recorded == "" || (req.Scope != nil && m.Level != catalog.Namespace) || !s.hasRecorded(ctx) {
		return m.Expr
	}
	return m.Recorded
}

// Request is one call of the API, already authorized and scoped.
type Request struct {
	Level   catalog.Level
	Metrics []catalog.Metric
	// Filters fill the templates' placeholders; a missing one selects
	// everything.
	Filters map[string]promql.Filter
	// Scope, when not nil, confines every query to these namespaces
	// (possibly none: then nothing is read).
	Scope []string
	// Keep, when set, keeps only the series whose labels it accepts (the
	// objects the caller may see that PromQL cannot tell apart).
	Keep func(model.Metric) bool
	// Time is the instant of an instant query; Range, when set, makes it a
	// range query.
	Time  time.Time
	Range *promv1.Range
	// Created maps namespaces to their creation: samples of a series of
	// that namespace from before are dropped. NotBefore, when set, drops
	// every sample before it (series summed over namespaces).
	Created   map[string]time.Time
	NotBefore time.Time
	// Sort ranks the objects of the level by the latest value of a metric
	// (a name of the catalog), and Page and Limit page them.
	Sort        string
	Ascending   bool
	Page, Limit int
}

// Run answers a request. It fails with client.ErrUnavailable when
// Prometheus does not answer; a query refused alone is that metric's
// error.
func (s *Service) Run(ctx context.Context, req *Request) (*Metrics, error) {
	out := &Metrics{APIVersion: APIVersion, Kind: Kind, Results: make([]Result, len(req.Metrics))}
	var ranked *Result
	if req.Sort != "" || req.Limit > 0 {
		var err error
		if ranked, err = s.rank(ctx, req, out); err != nil {
			return nil, err
		}
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(cmp.Or(s.Concurrency, DefaultConcurrency))
	var mu sync.Mutex
	var down error
	for i, m := range req.Metrics {
		if ranked != nil && req.Range == nil && m.Name == ranked.MetricName {
			// The instant query that ranked the objects answers for the page.
			page := *ranked
			page.Series = slices.DeleteFunc(slices.Clone(ranked.Series), func(se Series) bool { return !req.keep(labelSet(se.Labels)) })
			out.Results[i] = page
			continue
		}
		g.Go(func() error {
			res, err := s.metric(gctx, req, m, req.Range)
			if errors.Is(err, client.ErrUnavailable) {
				mu.Lock()
				down = err
				mu.Unlock()
				return err
			}
			if err != nil {
				res.Error = err.Error()
			}
			out.Results[i] = res
			return nil
		})
	}
	_ = g.Wait()
	if down != nil {
		return nil, down
	}
	return out, nil
}

// Query builds the PromQL of a template for a request's filters and scope.
func Query(template string, filters map[string]promql.Filter, scope []string) (string, error) {
	expr, err := promql.Parse(template)
	if err != nil {
		return "", fmt.Errorf("template: %w", err)
	}
	all := map[string]promql.Filter{}
	for _, p := range catalog.Placeholders() {
		all[p] = filters[p]
	}
	if err := promql.Fill(expr, all); err != nil {
		return "", err
	}
	if scope != nil {
		if err := promql.Confine(expr, scope); err != nil {
			return "", err
		}
	}
	return expr.String(), nil
}

// metric runs one metric, instant or over r.
func (s *Service) metric(ctx context.Context, req *Request, m catalog.Metric, r *promv1.Range) (Result, error) {
	res := Result{MetricName: m.Name, Unit: m.Unit, ResultType: "vector", Series: []Series{}}
	if r != nil {
		res.ResultType = "matrix"
	}
	if req.Scope != nil && len(req.Scope) == 0 {
		return res, nil // nothing is visible
	}
	q, err := Query(s.expr(ctx, req, m), req.Filters, req.Scope)
	if err != nil {
		return res, err
	}
	var v model.Value
	if r != nil {
		v, err = s.Prometheus.QueryRange(ctx, q, *r)
	} else {
		v, err = s.Prometheus.Query(ctx, q, req.Time)
	}
	if err != nil {
		return res, err
	}
	res.Series = req.series(v)
	return res, nil
}

// series converts Prometheus' answer, keeping the series and samples the
// request may show.
func (req *Request) series(v model.Value) []Series {
	out := []Series{}
	switch v := v.(type) {
	case model.Vector:
		for _, s := range v {
			if !req.keep(s.Metric) || !req.sampleVisible(s.Metric, s.Timestamp) {
				continue
			}
			out = append(out, Series{Labels: labelMap(s.Metric), Value: &Point{T: s.Timestamp, V: s.Value}})
		}
	case model.Matrix:
		for _, s := range v {
			if !req.keep(s.Metric) {
				continue
			}
			points := make([]Point, 0, len(s.Values))
			for _, p := range s.Values {
				if req.sampleVisible(s.Metric, p.Timestamp) {
					points = append(points, Point{T: p.Timestamp, V: p.Value})
				}
			}
			if len(points) > 0 {
				out = append(out, Series{Labels: labelMap(s.Metric), Values: points})
			}
		}
	case *model.Scalar:
		out = append(out, Series{Labels: map[string]string{}, Value: &Point{T: v.Timestamp, V: v.Value}})
	}
	return out
}

func (req *Request) keep(m model.Metric) bool { return req.Keep == nil || req.Keep(m) }

// sampleVisible drops samples from before the series' namespace was
// created (a namespace of the same name that was deleted is someone
// else's), or from before NotBefore.
func (req *Request) sampleVisible(m model.Metric, t model.Time) bool {
	at := t.Time()
	if !req.NotBefore.IsZero() && at.Before(req.NotBefore) {
		return false
	}
	if ns, ok := m[promql.NamespaceLabel]; ok {
		if c, ok := req.Created[string(ns)]; ok && at.Before(c.Truncate(time.Second)) {
			return false
		}
	}
	return true
}

func labelMap(m model.Metric) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[string(k)] = string(v)
	}
	return out
}

// rank runs the sort metric at the latest instant, orders the objects by
// its value, and narrows the request to the objects of the page. It
// returns the sort metric's result.
func (s *Service) rank(ctx context.Context, req *Request, out *Metrics) (*Result, error) {
	keys := req.Level.Keys()
	if len(keys) == 0 {
		return nil, nil
	}
	sortMetric := req.Metrics[0]
	if req.Sort != "" {
		i := slices.IndexFunc(s.Catalog.Metrics(req.Level), func(m catalog.Metric) bool { return m.Name == req.Sort })
		if i < 0 {
			return nil, fmt.Errorf("unknown sort metric %q", req.Sort)
		}
		sortMetric = s.Catalog.Metrics(req.Level)[i]
	}
	at := req.Time
	if req.Range != nil {
		at = req.Range.End
	}
	instant := *req
	instant.Time, instant.Range = at, nil
	res, err := s.metric(ctx, &instant, sortMetric, nil)
	if err != nil {
		return nil, err
	}
	type object struct {
		key   string
		value float64
		m     map[string]string
	}
	seen := map[string]bool{}
	objects := make([]object, 0, len(res.Series))
	for _, se := range res.Series {
		v, _ := se.latest()
		if math.IsNaN(v) {
			v = math.Inf(-1)
		}
		k := objectKey(se.Labels, keys)
		if !seen[k] {
			seen[k] = true
			objects = append(objects, object{k, v, se.Labels})
		}
	}
	slices.SortStableFunc(objects, func(a, b object) int {
		c := cmp.Compare(a.value, b.value)
		if !req.Ascending {
			c = -c
		}
		return cmp.Or(c, strings.Compare(a.key, b.key))
	})
	total, page := len(objects), max(req.Page, 1)
	out.TotalItems, out.Page = &total, &page
	if req.Limit > 0 {
		from := min((page-1)*req.Limit, total)
		objects = objects[from:min(from+req.Limit, total)]
	}
	onPage := map[string]bool{}
	for _, o := range objects {
		onPage[o.key] = true
	}
	// The page's objects by the labels that name them in PromQL (their
	// namespaces and names), exactly by key after.
	filters := map[string]promql.Filter{}
	for k, v := range req.Filters {
		filters[k] = v
	}
	for _, key := range keys {
		p := placeholderOfLabel(key)
		if p == "" {
			continue
		}
		seen := map[string]bool{}
		names := []string{}
		for _, o := range objects {
			if v := o.m[key]; !seen[v] {
				seen[v] = true
				names = append(names, v)
			}
		}
		filters[p] = promql.Names(names...)
	}
	req.Filters = filters
	keep := req.Keep
	req.Keep = func(m model.Metric) bool {
		return (keep == nil || keep(m)) && onPage[objectKey(labelMap(m), keys)]
	}
	return &res, nil
}

// placeholderOfLabel is the placeholder that selects series by a label of
// the levels' keys.
func placeholderOfLabel(label string) string {
	switch label {
	case "node":
		return catalog.PNode
	case "workspace":
		return catalog.PWorkspace
	case "namespace":
		return catalog.PNamespace
	case "pod":
		return catalog.PPod
	case "container":
		return catalog.PContainer
	case "persistentvolumeclaim":
		return catalog.PPVC
	}
	return ""
}

func labelSet(m map[string]string) model.Metric {
	out := make(model.Metric, len(m))
	for k, v := range m {
		out[model.LabelName(k)] = model.LabelValue(v)
	}
	return out
}

func objectKey(m map[string]string, keys []string) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = m[k]
	}
	return strings.Join(parts, "/")
}

// Objects runs a template at an instant and returns the label sets of its
// series: the pods of a node or of a workload, found before their metrics.
func (s *Service) Objects(ctx context.Context, template string, filters map[string]promql.Filter, scope []string, at time.Time) ([]model.Metric, error) {
	if scope != nil && len(scope) == 0 {
		return nil, nil
	}
	q, err := Query(template, filters, scope)
	if err != nil {
		return nil, err
	}
	v, err := s.Prometheus.Query(ctx, q, at)
	if err != nil {
		return nil, err
	}
	vec, _ := v.(model.Vector)
	out := make([]model.Metric, 0, len(vec))
	for _, s := range vec {
		out = append(out, s.Metric)
	}
	return out, nil
}

// Raw runs a query as it is written, for platform administrators.
func (s *Service) Raw(ctx context.Context, query string, at time.Time, r *promv1.Range) (*Metrics, error) {
	res := Result{MetricName: "query", ResultType: "vector", Series: []Series{}}
	var v model.Value
	var err error
	if r != nil {
		res.ResultType = "matrix"
		v, err = s.Prometheus.QueryRange(ctx, query, *r)
	} else {
		v, err = s.Prometheus.Query(ctx, query, at)
	}
	if err != nil {
		return nil, err
	}
	res.Series = (&Request{}).series(v)
	if _, ok := v.(*model.Scalar); ok {
		res.ResultType = "scalar"
	}
	return &Metrics{APIVersion: APIVersion, Kind: Kind, Results: []Result{res}}, nil
}
