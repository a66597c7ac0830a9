// Package topology builds a project's traffic graph and compares a
// service's versions from the standard metrics of an Istio mesh
// (istio_requests_total and istio_request_duration_milliseconds, as
// reported by the destination's sidecar), through the monitoring API's
// Prometheus. Every query is confined to the project's namespace by its
// syntax tree (internal/monitoring/promql): no name is spliced into
// PromQL text.
package topology

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strconv"
	"time"

	"github.com/prometheus/common/model"
	"golang.org/x/sync/errgroup"

	"github.com/superkube/super-kubenetes/internal/monitoring/client"
)

// Service answers the graph and version questions.
type Service struct {
	Prometheus client.Querier
}

// Units are stated in every answer.
var Units = map[string]string{
	"rate":       "requests per second",
	"errorRatio": "5xx responses over all responses, 0 to 1",
	"latency":    "milliseconds",
}

// Kinds of node.
const (
	// KindService is a Service of the namespace.
	KindService = "service"
	// KindWorkload is a workload of the namespace, with its app and
	// version (Kiali's "versioned app").
	KindWorkload = "workload"
	// KindUnknown is traffic from outside the mesh (an ingress).
	KindUnknown = "unknown"
	// KindExternal is a service or workload of another namespace: only
	// its namespace and name are shown, and no edge between two of them.
	KindExternal = "external"
)

// Node is a vertex of the graph.
type Node struct {
	ID        string `json:"id"`
	Kind      string `json:"kind"`
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name"`
	App       string `json:"app,omitempty"`
	Version   string `json:"version,omitempty"`
}

// Latency is the quantiles of the durations, in milliseconds.
type Latency struct {
	P50 float64 `json:"p50"`
	P95 float64 `json:"p95"`
	P99 float64 `json:"p99"`
}

// Edge is the traffic from a node to another over the window.
type Edge struct {
	Source string `json:"source"`
	Target string `json:"target"`
	// Rate is requests per second.
	Rate float64 `json:"rate"`
	// ErrorRatio is 5xx over all responses.
	ErrorRatio float64 `json:"errorRatio"`
	// Responses are requests per second by response class (2xx, 4xx...).
	Responses map[string]float64 `json:"responses"`
	// Latency is nil when no duration was recorded.
	Latency *Latency `json:"latency,omitempty"`
}

// Graph is a namespace's traffic.
type Graph struct {
	Namespace string            `json:"namespace"`
	Start     time.Time         `json:"start"`
	End       time.Time         `json:"end"`
	Units     map[string]string `json:"units"`
	Nodes     []Node            `json:"nodes"`
	Edges     []Edge            `json:"edges"`
	// Queries is how many Prometheus queries the graph took.
	Queries int `json:"queries"`
}

// Graph builds the traffic of ns between start and end: two instant
// queries at end over the window (the request rates by response code,
// and the duration buckets), both confined to series with an end in ns.
func (s *Service) Graph(ctx context.Context, ns string, start, end time.Time) (*Graph, error) {
	window := end.Sub(start)
	qr, err := graphRequests(ns, window)
	if err != nil {
		return nil, err
	}
	qd, err := graphDurations(ns, window)
	if err != nil {
		return nil, err
	}
	// The two queries run side by side: the graph takes the longer one.
	var reqs, durs model.Vector
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) { reqs, err = s.vector(gctx, qr, end); return err })
	g.Go(func() (err error) { durs, err = s.vector(gctx, qd, end); return err })
	if err := g.Wait(); err != nil {
		return nil, err
	}
	b := &builder{ns: ns, nodes: map[string]Node{}, edges: map[[2]string]*edgeAcc{}}
	for _, smp := range reqs {
		for _, e := range b.edgesOf(smp.Metric) {
			e.total += float64(smp.Value)
			class := responseClass(string(smp.Metric[lResponseCode]))
			e.responses[class] += float64(smp.Value)
		}
	}
	for _, smp := range durs {
		le, err := strconv.ParseFloat(string(smp.Metric[lLe]), 64)
		if err != nil {
			continue
		}
		for _, e := range b.edgesOf(smp.Metric) {
			e.buckets[le] += float64(smp.Value)
		}
	}
	return b.graph(start, end), nil
}

func (s *Service) vector(ctx context.Context, q string, at time.Time) (model.Vector, error) {
	v, err := s.Prometheus.Query(ctx, q, at)
	if err != nil {
		return nil, err
	}
	vec, ok := v.(model.Vector)
	if !ok {
		return nil, fmt.Errorf("prometheus answered a %s, not a vector", v.Type())
	}
	return vec, nil
}

func responseClass(code string) string {
	if len(code) == 3 && code[0] >= '1' && code[0] <= '5' {
		return code[:1] + "xx"
	}
	return "other"
}

type edgeAcc struct {
	total     float64
	responses map[string]float64
	buckets   map[float64]float64
}

type builder struct {
	ns    string
	nodes map[string]Node
	edges map[[2]string]*edgeAcc
}

// edgesOf are the edges a series adds to: caller → service, and service
// → the workload answering when the service is the namespace's.
func (b *builder) edgesOf(m model.Metric) []*edgeAcc {
	l := func(name string) string { return string(m[model.LabelName(name)]) }
	svcNS, svcName := l(lServiceNamespace), l(lServiceName)
	if svcName == "" {
		return nil
	}
	var src Node
	switch srcNS, srcWL := l(lSourceNamespace), l(lSourceWorkload); {
	case srcWL == "" || srcWL == "unknown":
		src = Node{ID: "unknown", Kind: KindUnknown, Name: "unknown"}
	case srcNS != b.ns:
		src = Node{ID: "external:workload:" + srcNS + "/" + srcWL, Kind: KindExternal, Namespace: srcNS, Name: srcWL}
	default:
		src = Node{ID: "workload:" + srcNS + "/" + srcWL, Kind: KindWorkload, Namespace: srcNS, Name: srcWL, App: l(lSourceApp), Version: l(lSourceVersion)}
	}
	if svcNS != b.ns {
		svc := Node{ID: "external:service:" + svcNS + "/" + svcName, Kind: KindExternal, Namespace: svcNS, Name: svcName}
		if src.Kind == KindExternal {
			return nil
		}
		return []*edgeAcc{b.edge(src, svc)}
	}
	svc := Node{ID: "service:" + svcNS + "/" + svcName, Kind: KindService, Namespace: svcNS, Name: svcName}
	out := []*edgeAcc{b.edge(src, svc)}
	if dstNS, dstWL := l(lDestNamespace), l(lDestWorkload); dstNS == b.ns && dstWL != "" && dstWL != "unknown" {
		dst := Node{ID: "workload:" + dstNS + "/" + dstWL, Kind: KindWorkload, Namespace: dstNS, Name: dstWL, App: l(lDestApp), Version: l(lDestVersion)}
		out = append(out, b.edge(svc, dst))
	}
	return out
}

func (b *builder) edge(from, to Node) *edgeAcc {
	// The first series naming a node describes it: the requests come
	// first, with app and version; the duration buckets carry only names.
	for _, n := range []Node{from, to} {
		if _, ok := b.nodes[n.ID]; !ok {
			b.nodes[n.ID] = n
		}
	}
	k := [2]string{from.ID, to.ID}
	e, ok := b.edges[k]
	if !ok {
		e = &edgeAcc{responses: map[string]float64{}, buckets: map[float64]float64{}}
		b.edges[k] = e
	}
	return e
}

func (b *builder) graph(start, end time.Time) *Graph {
	g := &Graph{Namespace: b.ns, Start: start, End: end, Units: Units, Nodes: []Node{}, Edges: []Edge{}, Queries: 2}
	for _, n := range b.nodes {
		g.Nodes = append(g.Nodes, n)
	}
	sort.Slice(g.Nodes, func(i, j int) bool { return g.Nodes[i].ID < g.Nodes[j].ID })
	for k, a := range b.edges {
		e := Edge{Source: k[0], Target: k[1], Rate: a.total, Responses: a.responses}
		if a.total > 0 {
			e.ErrorRatio = a.responses["5xx"] / a.total
		}
		if p50, ok := quantile(0.5, a.buckets); ok {
			p95, _ := quantile(0.95, a.buckets)
			p99, _ := quantile(0.99, a.buckets)
			e.Latency = &Latency{P50: p50, P95: p95, P99: p99}
		}
		g.Edges = append(g.Edges, e)
	}
	sort.Slice(g.Edges, func(i, j int) bool {
		return g.Edges[i].Source+" "+g.Edges[i].Target < g.Edges[j].Source+" "+g.Edges[j].Target
	})
	return g
}

// quantile is histogram_quantile over cumulative buckets (upper bound →
// rate), interpolating linearly within the bucket as Prometheus does; a
// quantile in the +Inf bucket is the highest finite bound. False when no
// request was recorded.
func quantile(q float64, buckets map[float64]float64) (float64, bool) {
	bounds := make([]float64, 0, len(buckets))
	for le := range buckets {
		bounds = append(bounds, le)
	}
	sort.Float64s(bounds)
	if len(bounds) < 2 || !math.IsInf(bounds[len(bounds)-1], 1) {
		return 0, false
	}
	total := buckets[bounds[len(bounds)-1]]
	if total <= 0 {
		return 0, false
	}
	rank := q * total
	lower, below := 0.0, 0.0
	for i, le := range bounds {
		count := buckets[le]
		if count >= rank {
			if math.IsInf(le, 1) {
				return bounds[len(bounds)-2], true
			}
			if i == 0 && le <= 0 {
				return le, true
			}
			if count == below {
				return le, true
			}
			return lower + (le-lower)*(rank-below)/(count-below), true
		}
		lower, below = le, count
	}
	return bounds[len(bounds)-2], true
}
