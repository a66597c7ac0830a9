package meshtopology

import (
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/superkube/super-kubenetes/internal/testutil/platform"
)

func within(got, want, tolerance float64) bool { return math.Abs(got-want) <= tolerance }

// The graph of shop: its services and workloads with the rates and error
// ratios the simulator was told, the canary's 10% on reviews-v2, and
// other's ends as external nodes.
func TestGraphOfAProject(t *testing.T) {
	tok := users(t)
	g := decode[graph](t, get(t, tok[alice], "/namespaces/shop/topology?duration="+window.String()))
	if g.Units["rate"] != "requests per second" || g.Units["latency"] != "milliseconds" || g.Queries != 2 {
		t.Errorf("units %v, %d queries", g.Units, g.Queries)
	}
	type want struct{ rate, errorRatio float64 }
	wants := map[string]want{
		"unknown > service:shop/productpage":                             {2, 0},
		"service:shop/productpage > workload:shop/productpage-v1":        {2, 0},
		"workload:shop/productpage-v1 > service:shop/reviews":            {20, 0.12},
		"external:workload:other/other-client > service:shop/reviews":    {3, 0.12},
		"service:shop/reviews > workload:shop/reviews-v1":                {20.7, 0.1},
		"service:shop/reviews > workload:shop/reviews-v2":                {2.3, 0.3},
		"workload:shop/productpage-v1 > service:shop/ratings":            {10, 0},
		"workload:shop/reviews-v1 > service:shop/ratings":                {5, 0},
		"workload:shop/reviews-v2 > service:shop/ratings":                {5, 0},
		"service:shop/ratings > workload:shop/ratings-v1":                {20, 0},
		"workload:shop/productpage-v1 > external:service:other/payments": {4, 0.05},
	}
	got := map[string]edge{}
	for _, e := range g.Edges {
		got[e.Source+" > "+e.Target] = e
	}
	for k, w := range wants {
		e, ok := got[k]
		if !ok {
			t.Errorf("no edge %s", k)
			continue
		}
		if !within(e.Rate, w.rate, 0.1*w.rate) || !within(e.ErrorRatio, w.errorRatio, 0.03) {
			t.Errorf("%s: %.2f req/s, error ratio %.3f; want %.2f, %.3f", k, e.Rate, e.ErrorRatio, w.rate, w.errorRatio)
		}
		if e.Latency == nil {
			t.Errorf("%s has no latency", k)
		}
	}
	if len(got) != len(wants) {
		t.Errorf("%d edges, want %d: %v", len(got), len(wants), got)
	}
	if l := got["service:shop/reviews > workload:shop/reviews-v1"].Latency; l == nil || !within(l.P50, 40, 5) || l.P95 <= l.P50 || l.P99 < l.P95 {
		t.Errorf("reviews-v1's latency %+v, want p50 about 40ms", l)
	}
	for _, n := range g.Nodes {
		switch {
		case n.Kind == "workload" && (n.Namespace != shop || n.App == "" || n.Version == ""):
			t.Errorf("workload node %+v", n)
		case n.Kind == "external" && (n.Namespace != other || n.App != "" || n.Version != ""):
			t.Errorf("external node %+v shows more than its namespace and name", n)
		}
	}
}

// A member of one project reads its graph, where the other project's
// ends are external, and gets 403 for the other's.
func TestTenancy(t *testing.T) {
	tok := users(t)
	platform.ExpectStatus(t, get(t, tok[alice], "/namespaces/other/topology"), http.StatusForbidden)
	platform.ExpectStatus(t, get(t, tok[alice], "/namespaces/other/services/payments/versions/metrics"), http.StatusForbidden)
	platform.ExpectStatus(t, get(t, tok[bob], "/namespaces/shop/topology"), http.StatusForbidden)
	platform.ExpectStatus(t, get(t, tok[bob], "/namespaces/shop/services/reviews/versions/metrics"), http.StatusForbidden)
	g := decode[graph](t, get(t, tok[bob], "/namespaces/other/topology?duration="+window.String()))
	edges := map[string]edge{}
	for _, e := range g.Edges {
		edges[e.Source+" > "+e.Target] = e
		if strings.HasPrefix(e.Source, "workload:shop/") || strings.HasPrefix(e.Target, "workload:shop/") || strings.HasPrefix(e.Target, "service:shop/") {
			t.Errorf("bob sees shop's inside: %+v", e)
		}
	}
	for _, k := range []string{"external:workload:shop/productpage-v1 > service:other/payments", "service:other/payments > workload:other/payments-v1",
		"workload:other/other-client > external:service:shop/reviews"} {
		if _, ok := edges[k]; !ok {
			t.Errorf("no edge %s in %v", k, edges)
		}
	}
	if len(edges) != 3 {
		t.Errorf("bob's edges: %v", edges)
	}
}

type versions struct {
	Versions []struct {
		Version    string
		Rate       series
		ErrorRatio series
		Latency    map[string]series
	}
	Queries int
}

type series struct {
	Current *float64
	Points  []struct {
		T int64
		V float64
	}
}

// The canary's page: reviews-v2 takes 10% of the traffic, with its own
// error ratio and latency.
func TestVersionsOfACanary(t *testing.T) {
	tok := users(t)
	end := time.Now()
	q := url.Values{"start": {strconv.FormatInt(end.Add(-30*time.Second).Unix(), 10)}, "end": {strconv.FormatInt(end.Unix(), 10)}, "step": {"5s"}}
	v := decode[versions](t, get(t, tok[alice], "/namespaces/shop/services/reviews/versions/metrics?"+q.Encode()))
	if len(v.Versions) != 2 || v.Versions[0].Version != "v1" || v.Versions[1].Version != "v2" || v.Queries != 3 {
		t.Fatalf("versions %+v", v)
	}
	cur := func(s series) float64 {
		if s.Current == nil || len(s.Points) == 0 {
			t.Fatalf("no current value: %+v", s)
		}
		return *s.Current
	}
	v1, v2 := v.Versions[0], v.Versions[1]
	if share := cur(v2.Rate) / (cur(v1.Rate) + cur(v2.Rate)); !within(share, 0.1, 0.03) {
		t.Errorf("the canary has %.3f of the traffic, want 0.1", share)
	}
	if !within(cur(v1.ErrorRatio), 0.1, 0.03) || !within(cur(v2.ErrorRatio), 0.3, 0.06) {
		t.Errorf("error ratios %.3f and %.3f, want 0.1 and 0.3", cur(v1.ErrorRatio), cur(v2.ErrorRatio))
	}
	if !within(cur(v1.Latency["p50"]), 40, 5) || !within(cur(v2.Latency["p50"]), 80, 10) || cur(v2.Latency["p99"]) <= cur(v2.Latency["p50"]) {
		t.Errorf("latencies v1 %v v2 %v", cur(v1.Latency["p50"]), cur(v2.Latency["p50"]))
	}
}

// Bad parameters are a 422 naming the parameter.
func TestBadInput(t *testing.T) {
	tok := users(t)
	now := time.Now().Unix()
	for path, field := range map[string]string{
		"/namespaces/shop/topology?duration=abc":        "duration",
		"/namespaces/shop/topology?duration=1s":         "duration",
		"/namespaces/shop/topology?duration=5m&start=0": "duration",
		"/namespaces/shop/topology?start=" + strconv.FormatInt(now+60, 10) + "&end=" + strconv.FormatInt(now, 10): "start",
		"/namespaces/shop/topology?end=yesterday":                            "end",
		"/namespaces/shop/services/reviews/versions/metrics?step=0s":         "step",
		"/namespaces/shop/services/reviews/versions/metrics?step=1s&start=0": "start",
		"/namespaces/shop/services/reviews/versions/metrics?start=x":         "start",
		"/namespaces/shop/services/Bad_Name/versions/metrics":                "service",
	} {
		r := get(t, tok[alice], path)
		if r.Code != http.StatusUnprocessableEntity {
			t.Errorf("%s: %d %s", path, r.Code, r.Body)
			continue
		}
		causes, _ := r.JSON["details"].(map[string]any)["causes"].([]any)
		if len(causes) != 1 || causes[0].(map[string]any)["field"] != field {
			t.Errorf("%s: causes %v, want field %s", path, causes, field)
		}
	}
}
