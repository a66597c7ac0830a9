package elastic

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/google/go-cmp/cmp"

	"github.com/superkube/super-kubenetes/internal/logging/logsql"
	"github.com/superkube/super-kubenetes/internal/logging/victorialogs"
	loggingsvc "github.com/superkube/super-kubenetes/internal/services/logging"
)

const (
	pitID1   = "46ToAwMDaWR5BXV1aWQyKwZub2RlXzMAAAAAAAAAACoBYwADaWR4BXV1aWQxAgZub2RlXzEAAAAAAAAAAAEBYQADaWR5BXV1aWQyKgZub2RlXzIAAAAAAAAAAAwBYgACBXV1aWQyAAAFdXVpZDEAAQltYXRjaF9hbGw_gAAAAA=="
	pitID2   = "46ToAwMDaWR5BXV1aWQyKwZub2RlXzMAAAAAAAAAACoBYwADaWR4BXV1aWQxAgZub2RlXzEAAAAAAAAAAAEBYQADaWR5BXV1aWQyKgZub2RlXzIAAAAAAAAAAAwBYgACBXV1aWQyAAAFdXVpZDEAAQltYXRjaF9hbGw_gAAAAB=="
	scrollID = "FGluY2x1ZGVfY29udGV4dF91dWlkDXF1ZXJ5QW5kRmV0Y2gBFkxyNEJ1M0ZnU0t1c2Q2ZlR1a3pRb3cAAAAAAAAAJRZMZk1qQXhJcFJZaUxJVGFKcm1OaFN3"
)

// pageWriter notes how many requests the store had seen at each write: an
// export that streams writes a page before it asks for the next.
type pageWriter struct {
	s      *store
	out    strings.Builder
	writes []int
}

func (w *pageWriter) Write(p []byte) (int, error) {
	w.writes = append(w.writes, len(w.s.requests()))
	return w.out.Write(p)
}

func exportQuery() loggingsvc.Query {
	return loggingsvc.Query{Scope: logsql.Scope{All: true}, Window: loggingsvc.Window{Range: hour}}
}

const exportBody = `"query": {"bool": {"filter": [` + hourJSON + `]}}, "size": 2, "sort": [{"@timestamp": {"order": "asc"}}], "_source": ["log"]`

func TestExportPagesAPointInTimeAndStreams(t *testing.T) {
	s, c := newStore(t, Elasticsearch, ok("es8/pit_open.json"), ok("es8/pit_page1.json"), ok("es8/pit_page2.json"),
		ok("es8/pit_page3.json"), ok("es8/pit_close.json"))
	c.page = 2
	w := &pageWriter{s: s}
	began := 0
	n, err := c.Export(context.Background(), exportQuery(), w, func() { began++ })
	if err != nil || n != 5 || began != 1 {
		t.Fatalf("export: %d lines, begun %d times, %v; want 5 lines, begun once", n, began, err)
	}
	if got := w.out.String(); got != "line 1\nline 2\nline 3\nline 4\nline 5\n" {
		t.Errorf("export wrote %q", got)
	}
	if diff := cmp.Diff([]int{2, 3, 4}, w.writes); diff != "" {
		t.Errorf("requests seen at each write (-want +got), a page must be written before the next is asked:\n%s", diff)
	}
	got := s.requests()
	if len(got) != 5 {
		t.Fatalf("%d requests, want 5", len(got))
	}
	wantRequest(t, got[0], "POST", "/ks-logstash-log-*/_pit", map[string]string{"keep_alive": "1m"}, "")
	wantRequest(t, got[1], "POST", "/_search", nil, `{`+exportBody+`, "pit": {"id": "`+pitID1+`", "keep_alive": "1m"}, "track_total_hits": false}`)
	wantRequest(t, got[2], "POST", "/_search", nil, `{`+exportBody+`, "pit": {"id": "`+pitID1+`", "keep_alive": "1m"}, "track_total_hits": false,
		"search_after": [1796382000000, 42]}`)
	// The id of the last answer, and the sort values as they came (a
	// tiebreaker beyond 2^32 stays exact).
	wantRequest(t, got[3], "POST", "/_search", nil, `{`+exportBody+`, "pit": {"id": "`+pitID2+`", "keep_alive": "1m"}, "track_total_hits": false,
		"search_after": [1796382002500, 8589934612]}`)
	wantRequest(t, got[4], "DELETE", "/_pit", nil, `{"id": "`+pitID2+`"}`)
}

func TestExportStopsAtTheLimit(t *testing.T) {
	_, c := newStore(t, Elasticsearch, ok("es8/pit_open.json"), ok("es8/pit_page1.json"), ok("es8/pit_close.json"))
	c.page = loggingsvc.MaxExport + 1 // pages of 2 lines read as full pages would never end
	var out strings.Builder
	n, err := c.Export(context.Background(), exportQuery(), &out, func() {})
	if err != nil || n != 2 {
		t.Fatalf("export: %d, %v", n, err)
	}
}

func TestExportOfAStoreThatIsDownIsAnErrorBeforeAnyLine(t *testing.T) {
	_, c := newStore(t, Elasticsearch, reply{503, "es8/error_503_cluster_block.json"})
	began := false
	_, err := c.Export(context.Background(), exportQuery(), &strings.Builder{}, func() { began = true })
	if !loggingsvc.Unavailable(err) || began {
		t.Errorf("error %v, begun %v; want unavailable before the answer began", err, began)
	}
}

func TestOpenSearchExportScrolls(t *testing.T) {
	s, c := newStore(t, OpenSearch, ok("os2/scroll_page1.json"), ok("os2/scroll_page2.json"), ok("os2/scroll_clear.json"))
	c.page = 2
	w := &pageWriter{s: s}
	n, err := c.Export(context.Background(), exportQuery(), w, func() {})
	if err != nil || n != 3 || w.out.String() != "first\nsecond\nthird\n" {
		t.Fatalf("export: %d lines %q, %v", n, w.out.String(), err)
	}
	got := s.requests()
	if len(got) != 3 {
		t.Fatalf("%d requests, want 3", len(got))
	}
	wantRequest(t, got[0], "POST", "/ks-logstash-log-*/_search", map[string]string{"scroll": "1m"}, `{`+exportBody+`}`)
	wantRequest(t, got[1], "POST", "/_search/scroll", nil, `{"scroll": "1m", "scroll_id": "`+scrollID+`"}`)
	wantRequest(t, got[2], "DELETE", "/_search/scroll", nil, `{"scroll_id": ["`+scrollID+`"]}`)
}

func TestOpenSearchSearchAndAvailability(t *testing.T) {
	s, c := newStore(t, OpenSearch, ok("os2/info.json"), ok("os2/search_logs.json"), reply{503, "os2/error_503.json"})
	ctx := context.Background()
	if err := c.Available(ctx); err != nil {
		t.Fatal(err)
	}
	page, err := c.Search(ctx, loggingsvc.Query{Scope: logsql.Scope{Namespaces: map[string]time.Time{"dev": {}}}, Window: loggingsvc.Window{Size: 1}})
	if err != nil {
		t.Fatal(err)
	}
	want := &loggingsvc.Page{Total: 1, Records: []loggingsvc.Record{{Time: time.Date(2026, 12, 4, 18, 0, 0, 250e6, time.UTC),
		Log: "ready", Namespace: "dev", Pod: "api-0", Container: "api", Node: "ke-node-0"}}}
	if diff := cmp.Diff(want, page); diff != "" {
		t.Errorf("page (-want +got):\n%s", diff)
	}
	wantRequest(t, s.requests()[1], "POST", "/ks-logstash-log-*/_search", nil, `{
		"query": {"bool": {"filter": [{"bool": {"should": [{"bool": {"filter": [{"term": {"kubernetes.namespace_name.keyword": {"value": "dev"}}}]}}], "minimum_should_match": 1}}]}},
		"from": 0, "size": 1, "sort": [{"@timestamp": {"order": "desc"}}], "track_total_hits": true}`)
	if err := c.Available(ctx); !loggingsvc.Unavailable(err) {
		t.Errorf("a 503 is %v, want unavailable", err)
	}
}

func TestTailPollsFromTheNewestLineItHas(t *testing.T) {
	s, c := newStore(t, Elasticsearch, ok("es8/tail_page1.json"), ok("es8/tail_page2.json"))
	c.poll = 5 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var lines []string
	err := c.Tail(ctx, loggingsvc.Query{Scope: scope(), Search: logsql.Search{Workloads: []string{"web"}}}, 10*time.Second, func(r loggingsvc.Record) error {
		lines = append(lines, r.Log+"@"+r.Pod)
		if len(lines) == 3 {
			cancel()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"a@web-1", "b@web-2", "c@web-1"}, lines); diff != "" {
		t.Errorf("lines (-want +got), each once:\n%s", diff)
	}
	got := s.requests()
	if len(got) < 2 {
		t.Fatalf("%d requests, want 2 polls at least", len(got))
	}
	poll := func(from int64) string {
		return `{"query": {"bool": {"filter": [` + scopeJSON + `,
			{"bool": {"should": [` + webWorkloadJSON + `], "minimum_should_match": 1}},
			{"range": {"@timestamp": {"gte": ` + jsonInt(from) + `, "lte": 1796385598000, "format": "epoch_millis"}}}]}},
			"size": 5000, "sort": [{"@timestamp": {"order": "asc"}}], "track_total_hits": false}`
	}
	// From since (10 s) ago, then from the newest line's millisecond; up to
	// 2 s ago, so that lines on their way are not stepped over.
	wantRequest(t, got[0], "POST", "/ks-logstash-log-*/_search", nil, poll(1796385590000))
	wantRequest(t, got[1], "POST", "/ks-logstash-log-*/_search", nil, poll(1796385592500))
}

func jsonInt(n int64) string { return strconv.FormatInt(n, 10) }

func TestTailOfAStoreThatGoesAwayEnds(t *testing.T) {
	_, c := newStore(t, Elasticsearch, reply{503, "es8/error_503_cluster_block.json"})
	err := c.Tail(context.Background(), loggingsvc.Query{Scope: logsql.Scope{All: true}}, time.Second, func(loggingsvc.Record) error { return nil })
	if !loggingsvc.Unavailable(err) {
		t.Errorf("error %v, want unavailable", err)
	}
}

func eventRec(at, uid string) victorialogs.Record {
	return victorialogs.Record{logsql.FieldTime: at, logsql.FieldMessage: "Back-off restarting failed container",
		logsql.EventNamespace: "shop", logsql.EventObjectKind: "Pod", logsql.EventCount: "3", logsql.EventUID: uid}
}

func TestBulkWritesDailyIndicesAndDropsRefusedRecords(t *testing.T) {
	s, c := newStore(t, Elasticsearch, ok("es8/bulk_item_error.json"), ok("es8/bulk_item_error.json"))
	w := c.Writer(EventRecords, logr.Discard())
	recs := []victorialogs.Record{eventRec("2026-12-04T18:51:38Z", "u1"), eventRec("2026-12-03T23:59:59.5Z", "u2")}
	if err := w.Insert(context.Background(), recs, logsql.EventStream); err != nil {
		t.Fatalf("a record refused for good (400) failed the batch: %v", err)
	}
	if err := w.Insert(context.Background(), recs[:1], logsql.EventStream); err != nil {
		t.Fatal(err)
	}
	got := s.requests()
	lines, _ := got[0].Body.([]any)
	if got[0].Method != http.MethodPost || got[0].Path != "/_bulk" || len(lines) != 4 {
		t.Fatalf("request %s %s with %d lines, want POST /_bulk with 4", got[0].Method, got[0].Path, len(lines))
	}
	action := func(i int) (index, id string) {
		a := lines[i].(map[string]any)["index"].(map[string]any)
		return a["_index"].(string), a["_id"].(string)
	}
	i1, id1 := action(0)
	i2, id2 := action(2)
	if i1 != "superkube-events-2026.12.04" || i2 != "superkube-events-2026.12.03" {
		t.Errorf("indices %s and %s, want each record's UTC day", i1, i2)
	}
	if len(id1) != 40 || id1 == id2 {
		t.Errorf("ids %q and %q: want 40 hex digits, one per record", id1, id2)
	}
	if _, again := action(0); again != id1 {
		t.Error("the same record written again has another id")
	}
	again := got[1].Body.([]any)[0].(map[string]any)["index"].(map[string]any)["_id"]
	if again != id1 {
		t.Errorf("the same record written again has the id %v, want %s: a retry would add it twice", again, id1)
	}
	wantDoc := map[string]any{"@timestamp": "2026-12-04T18:51:38Z", "message": "Back-off restarting failed container",
		"namespace": "shop", "object.kind": "Pod", "count": "3", "event.uid": "u1"}
	if diff := cmp.Diff(wantDoc, lines[1]); diff != "" {
		t.Errorf("document (-want +got):\n%s", diff)
	}
}

func TestBulkRejectedForNowIsWrittenAgain(t *testing.T) {
	_, c := newStore(t, Elasticsearch, ok("es8/bulk_rejected.json"))
	err := c.Writer(AuditRecords, logr.Discard()).Insert(context.Background(), []victorialogs.Record{{logsql.FieldTime: "2026-12-04T10:00:00Z"}}, nil)
	if !errors.Is(err, loggingsvc.ErrUnavailable) {
		t.Errorf("a 429 item is %v, want an unavailable error so that the batch is written again", err)
	}
}
