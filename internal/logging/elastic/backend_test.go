package elastic

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/superkube/super-kubenetes/internal/logging/logsql"
	"github.com/superkube/super-kubenetes/internal/logging/victorialogs"
	loggingsvc "github.com/superkube/super-kubenetes/internal/services/logging"
)

var (
	shopCreated = time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	devCreated  = time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	hour        = victorialogs.Range{Start: time.Date(2026, 12, 4, 11, 0, 0, 0, time.UTC), End: testNow}
)

// scopeJSON is the tenancy clause of the scope {dev, shop (recreated)}.
const scopeJSON = `{"bool": {"should": [
	{"bool": {"filter": [{"term": {"kubernetes.namespace_name.keyword": {"value": "dev"}}}, {"range": {"@timestamp": {"gte": "2026-12-01T08:00:00Z"}}}]}},
	{"bool": {"filter": [{"term": {"kubernetes.namespace_name.keyword": {"value": "shop"}}}, {"range": {"@timestamp": {"gte": "2026-12-04T10:00:00Z"}}}]}}
], "minimum_should_match": 1}}`

const hourJSON = `{"range": {"@timestamp": {"gte": "2026-12-04T11:00:00.000Z", "lte": "2026-12-04T12:00:00.000Z"}}}`

func scope() logsql.Scope {
	return logsql.Scope{Namespaces: map[string]time.Time{"shop": shopCreated, "dev": devCreated}}
}

func TestSearchSendsTheScopeAndReadsAPage(t *testing.T) {
	s, c := newStore(t, Elasticsearch, ok("es8/search_logs.json"))
	page, err := c.Search(context.Background(), loggingsvc.Query{
		Search: logsql.Search{Words: []string{"error"}, Workloads: []string{"web"}, ContainerParts: []string{"ngi"}},
		Scope:  scope(),
		Window: loggingsvc.Window{Range: hour, From: 20, Size: 10},
	})
	if err != nil {
		t.Fatal(err)
	}
	got := s.requests()
	if len(got) != 1 {
		t.Fatalf("%d requests, want 1", len(got))
	}
	wantRequest(t, got[0], "POST", "/ks-logstash-log-*/_search", nil, `{
		"query": {"bool": {"filter": [`+scopeJSON+`,
			{"bool": {"should": [`+webWorkloadJSON+`], "minimum_should_match": 1}},
			{"bool": {"should": [{"wildcard": {"kubernetes.container_name.keyword": {"value": "*ngi*"}}}], "minimum_should_match": 1}},
			{"match_phrase": {"log": "error"}},
			`+hourJSON+`]}},
		"from": 20, "size": 10, "sort": [{"@timestamp": {"order": "desc"}}], "track_total_hits": true}`)
	want := &loggingsvc.Page{Total: 128, Records: []loggingsvc.Record{
		{Time: time.Date(2026, 12, 4, 18, 51, 38, 123e6, time.UTC), Log: "connection error: upstream timed out", Namespace: "shop",
			Pod: "web-5fc9f4bf66-xpjg8", Container: "nginx", Node: "ke-node-1", Owner: &loggingsvc.Owner{Kind: "Deployment", Name: "web"}},
		{Time: time.Date(2026, 12, 4, 18, 51, 37, 2e6, time.UTC), Log: "retrying after error", Namespace: "shop",
			Pod: "web-5fc9f4bf66-q2kzt", Container: "nginx", Node: "ke-node-2"},
	}}
	if diff := cmp.Diff(want, page); diff != "" {
		t.Errorf("page (-want +got):\n%s", diff)
	}
}

func TestAnEmptyScopeFindsNothingAndAsksNothing(t *testing.T) {
	s, c := newStore(t, Elasticsearch, ok("es8/search_logs.json"))
	ctx := context.Background()
	q := loggingsvc.Query{Window: loggingsvc.Window{Range: hour, Size: 10, Interval: time.Minute}}
	page, err := c.Search(ctx, q)
	if err != nil || page.Total != 0 || len(page.Records) != 0 {
		t.Errorf("search: %v, %v", page, err)
	}
	if h, err := c.Histogram(ctx, q); err != nil || len(h.Buckets) != 0 {
		t.Errorf("histogram: %v, %v", h, err)
	}
	if st, err := c.Statistics(ctx, q); err != nil || *st != (loggingsvc.Statistics{}) {
		t.Errorf("statistics: %v, %v", st, err)
	}
	if ev, err := c.Events(ctx, loggingsvc.EventQuery{Window: q.Window}); err != nil || ev.Total != 0 {
		t.Errorf("events: %v, %v", ev, err)
	}
	if au, err := c.Audit(ctx, loggingsvc.AuditQuery{Window: q.Window}); err != nil || au.Total != 0 {
		t.Errorf("audit: %v, %v", au, err)
	}
	if n := len(s.requests()); n != 0 {
		t.Errorf("%d requests for an empty scope, want none", n)
	}
}

func TestHistogramKeepsTheIntervalToTheRange(t *testing.T) {
	s, c := newStore(t, Elasticsearch, ok("es8/histogram.json"))
	h, err := c.Histogram(context.Background(), loggingsvc.Query{Scope: logsql.Scope{All: true},
		Window: loggingsvc.Window{Range: hour, Interval: 5 * time.Minute}})
	if err != nil {
		t.Fatal(err)
	}
	wantRequest(t, s.requests()[0], "POST", "/ks-logstash-log-*/_search", nil, `{
		"query": {"bool": {"filter": [`+hourJSON+`]}},
		"size": 0, "track_total_hits": false,
		"aggs": {"histogram": {"date_histogram": {"field": "@timestamp", "fixed_interval": "300000ms", "min_doc_count": 1,
			"hard_bounds": {"min": 1796382000000, "max": 1796385600000}}}}}`)
	want := &loggingsvc.Histogram{Total: 55, Interval: "5m0s", Buckets: []loggingsvc.Bucket{
		{Time: 1796382000000, Count: 12}, {Time: 1796382300000, Count: 3}, {Time: 1796383500000, Count: 40}}}
	if diff := cmp.Diff(want, h); diff != "" {
		t.Errorf("histogram (-want +got):\n%s", diff)
	}
}

func TestStatisticsCountContainersAndLines(t *testing.T) {
	s, c := newStore(t, Elasticsearch, ok("es8/statistics.json"))
	st, err := c.Statistics(context.Background(), loggingsvc.Query{Scope: scope(), Window: loggingsvc.Window{Range: hour}})
	if err != nil {
		t.Fatal(err)
	}
	wantRequest(t, s.requests()[0], "POST", "/ks-logstash-log-*/_search", nil, `{
		"query": {"bool": {"filter": [`+scopeJSON+`, `+hourJSON+`]}},
		"size": 0, "track_total_hits": true,
		"aggs": {"containers": {"cardinality": {"field": "kubernetes.docker_id.keyword"}}}}`)
	if *st != (loggingsvc.Statistics{Containers: 3, Logs: 128}) {
		t.Errorf("statistics %+v, want 3 containers and 128 lines", *st)
	}
}

func TestEventsSearchTheEventIndices(t *testing.T) {
	s, c := newStore(t, Elasticsearch, ok("es8/search_events.json"))
	page, err := c.Events(context.Background(), loggingsvc.EventQuery{
		Search: logsql.EventSearch{Kinds: []string{"Pod"}, Reasons: []string{"BackOff", "Failed"}, Words: []string{"back-off"}},
		Scope:  logsql.Scope{Namespaces: map[string]time.Time{"shop": shopCreated}},
		Window: loggingsvc.Window{Range: hour, Ascending: true, Size: 5},
	})
	if err != nil {
		t.Fatal(err)
	}
	wantRequest(t, s.requests()[0], "POST", "/superkube-events-*/_search", nil, `{
		"query": {"bool": {"filter": [
			{"bool": {"should": [{"bool": {"filter": [{"term": {"namespace.keyword": {"value": "shop"}}}, {"range": {"@timestamp": {"gte": "2026-12-04T10:00:00Z"}}}]}}], "minimum_should_match": 1}},
			{"bool": {"should": [{"term": {"object.kind.keyword": {"value": "Pod"}}}], "minimum_should_match": 1}},
			{"bool": {"should": [{"term": {"reason.keyword": {"value": "BackOff"}}}, {"term": {"reason.keyword": {"value": "Failed"}}}], "minimum_should_match": 1}},
			{"match_phrase": {"message": "back-off"}},
			`+hourJSON+`]}},
		"from": 0, "size": 5, "sort": [{"@timestamp": {"order": "asc"}}], "track_total_hits": true}`)
	want := &loggingsvc.EventPage{Total: 3, Records: []loggingsvc.Event{{
		Time: time.Date(2026, 12, 4, 18, 51, 38, 0, time.UTC), FirstTime: time.Date(2026, 12, 4, 18, 51, 35, 0, time.UTC),
		Namespace: "shop", Workspace: "retail",
		Object: loggingsvc.Object{Kind: "Pod", Namespace: "shop", Name: "web-0", UID: "7d1c6a3e-2b0f-4c55-a1a4-2f1e0d9c8b7a"},
		Reason: "BackOff", Type: "Warning", Message: "Back-off restarting failed container", Source: "kubelet", Count: 3,
		UID: "e5b8d4f2-90aa-4f63-8b35-1c2d3e4f5a6b"}}}
	if diff := cmp.Diff(want, page); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}

func TestAuditIsScopedByWorkspace(t *testing.T) {
	s, c := newStore(t, Elasticsearch, ok("es8/search_audit.json"))
	page, err := c.Audit(context.Background(), loggingsvc.AuditQuery{
		Search: logsql.AuditSearch{Verbs: []string{"delete"}, Codes: []string{"200"}},
		Scope:  logsql.Scope{Namespaces: map[string]time.Time{"wsa": shopCreated}},
		Window: loggingsvc.Window{Range: hour, Size: 10},
	})
	if err != nil {
		t.Fatal(err)
	}
	wantRequest(t, s.requests()[0], "POST", "/superkube-audit-*/_search", nil, `{
		"query": {"bool": {"filter": [
			{"bool": {"should": [{"bool": {"filter": [{"term": {"workspace.keyword": {"value": "wsa"}}}, {"range": {"@timestamp": {"gte": "2026-12-04T10:00:00Z"}}}]}}], "minimum_should_match": 1}},
			{"bool": {"should": [{"term": {"verb.keyword": {"value": "delete"}}}], "minimum_should_match": 1}},
			{"bool": {"should": [{"term": {"code.keyword": {"value": "200"}}}], "minimum_should_match": 1}},
			`+hourJSON+`]}},
		"from": 0, "size": 10, "sort": [{"@timestamp": {"order": "desc"}}], "track_total_hits": true}`)
	want := &loggingsvc.AuditPage{Total: 1, Records: []loggingsvc.AuditRecord{{
		Time: time.Date(2026, 12, 4, 19, 21, 30, 646974000, time.UTC), Source: "kube-apiserver", Type: "request", User: "pviewer",
		Impersonator: "ke-apiserver", Verb: "delete", Resource: "pods", Name: "web-7d9f-a", Namespace: "wsa-dev", Workspace: "wsa",
		Code: 200, Result: "success", SourceIP: "10.0.0.9", AuditID: "4f7c2b1e-8d3a-4e6f-9b0c-1a2d3e4f5b6c",
		Message: "pviewer delete pods wsa-dev/web-7d9f-a: 200"}}}
	if diff := cmp.Diff(want, page); diff != "" {
		t.Errorf("audit (-want +got):\n%s", diff)
	}
}

func TestStoreErrorsAreUnavailableWithoutTheirMessage(t *testing.T) {
	for _, tc := range []struct {
		name  string
		reply reply
	}{
		{"a cluster block (503)", reply{503, "es8/error_503_cluster_block.json"}},
		{"wrong credentials (401)", reply{401, "es8/error_401.json"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, c := newStore(t, Elasticsearch, tc.reply)
			_, err := c.Search(context.Background(), loggingsvc.Query{Scope: logsql.Scope{All: true}, Window: loggingsvc.Window{Range: hour, Size: 1}})
			if !loggingsvc.Unavailable(err) {
				t.Fatalf("error %v, want one that is unavailable", err)
			}
			for _, secret := range []string{"blocked", "security_exception", testUser, testPassword} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("the error %q holds %q", err, secret)
				}
			}
		})
	}
	t.Run("connection refused", func(t *testing.T) {
		c, err := New(Config{Addresses: []string{"http://127.0.0.1:1"}}, time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Available(context.Background()); !errors.Is(err, loggingsvc.ErrUnavailable) {
			t.Errorf("error %v, want unavailable", err)
		}
	})
}

func TestAvailableAsksTheRoot(t *testing.T) {
	s, c := newStore(t, Elasticsearch, ok("es8/info.json"))
	if err := c.Available(context.Background()); err != nil {
		t.Fatal(err)
	}
	wantRequest(t, s.requests()[0], "GET", "/", nil, "")
}

// webWorkloadJSON is the clause of the workload web (its meaning is
// proved in TestTheQueryMeansWhatTheLogsQLFilterMeans): the prefix web-,
// and the owner's labels with the shape of the pods' names.
const webWorkloadJSON = `{"bool":{"filter":[{"prefix":{"kubernetes.pod_name.keyword":{"value":"web-"}}},{"bool":{"minimum_should_match":1,"should":[{"term":{"kubernetes.labels.job-name.keyword":{"value":"web"}}},{"term":{"kubernetes.labels.batch.kubernetes.io/job-name.keyword":{"value":"web"}}},{"bool":{"filter":[{"exists":{"field":"kubernetes.labels.pod-template-hash"}},{"regexp":{"kubernetes.pod_name.keyword":{"value":"web-[^-]+-[^-]+"}}}]}},{"bool":{"filter":[{"exists":{"field":"kubernetes.labels.statefulset.kubernetes.io/pod-name"}},{"regexp":{"kubernetes.pod_name.keyword":{"value":"web-[0-9]+"}}}]}},{"bool":{"filter":[{"exists":{"field":"kubernetes.labels.controller-revision-hash"}},{"regexp":{"kubernetes.pod_name.keyword":{"value":"web-[^-]+"}}}],"must_not":[{"exists":{"field":"kubernetes.labels.statefulset.kubernetes.io/pod-name"}}]}},{"bool":{"filter":[{"bool":{"minimum_should_match":1,"should":[{"exists":{"field":"kubernetes.labels.job-name"}},{"exists":{"field":"kubernetes.labels.batch.kubernetes.io/job-name"}}]}},{"regexp":{"kubernetes.pod_name.keyword":{"value":"web-[0-9]+-[^-]+"}}}]}},{"bool":{"must_not":[{"exists":{"field":"kubernetes.labels.pod-template-hash"}},{"exists":{"field":"kubernetes.labels.controller-revision-hash"}},{"exists":{"field":"kubernetes.labels.job-name"}},{"exists":{"field":"kubernetes.labels.batch.kubernetes.io/job-name"}}]}}]}}]}}`
