package topology

import (
	"context"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
)

type fake struct {
	mu      sync.Mutex
	queries []string
	reqs    model.Vector
	durs    model.Vector
}

func (f *fake) Query(_ context.Context, q string, _ time.Time) (model.Value, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.queries = append(f.queries, q)
	if strings.Contains(q, "bucket") {
		return f.durs, nil
	}
	return f.reqs, nil
}

func (f *fake) QueryRange(context.Context, string, promv1.Range) (model.Value, error) {
	return model.Matrix{}, nil
}

func sample(v float64, kv ...string) *model.Sample {
	m := model.Metric{}
	for i := 0; i < len(kv); i += 2 {
		m[model.LabelName(kv[i])] = model.LabelValue(kv[i+1])
	}
	return &model.Sample{Metric: m, Value: model.SampleValue(v)}
}

func edge(src, srcNS, svc, svcNS, dst string, extra ...string) []string {
	return append([]string{"source_workload", src, "source_workload_namespace", srcNS, "source_app", src, "source_version", "v1",
		"destination_service_name", svc, "destination_service_namespace", svcNS, "destination_workload", dst,
		"destination_workload_namespace", svcNS, "destination_app", svc, "destination_version", "v1"}, extra...)
}

func TestGraphShapesNodesAndEdges(t *testing.T) {
	f := &fake{reqs: model.Vector{
		sample(9, edge("front", "a", "back", "a", "back-v1", "response_code", "200")...),
		sample(1, edge("front", "a", "back", "a", "back-v1", "response_code", "503")...),
		sample(4, edge("front", "a", "db", "b", "db-v1", "response_code", "200")...),
		sample(2, edge("spy", "b", "back", "a", "back-v1", "response_code", "200")...),
		sample(3, edge("unknown", "unknown", "front", "a", "front-v1", "response_code", "200")...),
	}}
	for _, b := range [][2]float64{{10, 2}, {25, 8}, {50, 10}, {math.Inf(1), 10}} {
		// The buckets carry only the edge's names, as the query groups them.
		f.durs = append(f.durs, sample(b[1], "le", model.SampleValue(b[0]).String(), "source_workload", "front", "source_workload_namespace", "a",
			"destination_service_name", "back", "destination_service_namespace", "a", "destination_workload", "back-v1", "destination_workload_namespace", "a"))
	}
	g, err := (&Service{Prometheus: f}).Graph(context.Background(), "a", time.Unix(0, 0), time.Unix(600, 0))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.queries) != 2 {
		t.Fatalf("%d queries", len(f.queries))
	}
	for _, q := range f.queries {
		if !strings.Contains(q, `destination_workload_namespace="a"`) || !strings.Contains(q, `source_workload_namespace="a"`) ||
			!strings.Contains(q, `destination_workload_namespace!="a"`) || !strings.Contains(q, "[10m]") {
			t.Errorf("query not confined to a: %s", q)
		}
	}
	edges := map[string]Edge{}
	for _, e := range g.Edges {
		edges[e.Source+" > "+e.Target] = e
	}
	want := map[string]float64{
		"workload:a/front > service:a/back":        10,
		"service:a/back > workload:a/back-v1":      12,
		"workload:a/front > external:service:b/db": 4,
		"external:workload:b/spy > service:a/back": 2,
		"unknown > service:a/front":                3,
		"service:a/front > workload:a/front-v1":    3,
	}
	if len(edges) != len(want) {
		t.Fatalf("edges %v", edges)
	}
	for k, r := range want {
		if edges[k].Rate != r {
			t.Errorf("%s: rate %v, want %v", k, edges[k].Rate, r)
		}
	}
	if e := edges["workload:a/front > service:a/back"]; e.ErrorRatio != 0.1 || e.Latency == nil || e.Latency.P50 != 10+15*(5-2)/6.0 {
		t.Errorf("front > back: %+v %+v", e, e.Latency)
	}
	for _, n := range g.Nodes {
		if n.Kind == KindWorkload && (n.App == "" || n.Version == "") {
			t.Errorf("workload node without app and version: %+v", n)
		}
		if n.Kind == KindExternal && (n.App != "" || n.Version != "") {
			t.Errorf("external node with details: %+v", n)
		}
	}
}

func TestQuantileInTheLastBucketIsTheHighestBound(t *testing.T) {
	if q, ok := quantile(0.99, map[float64]float64{10: 1, 100: 1, math.Inf(1): 10}); !ok || q != 100 {
		t.Errorf("%v %v", q, ok)
	}
	if _, ok := quantile(0.5, map[float64]float64{10: 0, math.Inf(1): 0}); ok {
		t.Error("a quantile of nothing")
	}
}

func TestVersionQueriesAreConfined(t *testing.T) {
	r, e, l, err := versionQueries("a", `x"}) or vector(1`, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{r, e, l} {
		if !strings.Contains(q, `destination_workload_namespace="a"`) || !strings.Contains(q, `destination_service_namespace="a"`) ||
			strings.Contains(q, "vector(1)") {
			t.Errorf("%s", q)
		}
	}
}
