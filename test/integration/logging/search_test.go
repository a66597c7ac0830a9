package logging

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/superkube/super-kubenetes/internal/testutil/platform"
	"github.com/superkube/super-kubenetes/internal/testutil/victorialogs"
)

type histogramBody struct {
	Total    int    `json:"total"`
	Interval string `json:"interval"`
	Buckets  []struct {
		Time  int64 `json:"time"`
		Count int   `json:"count"`
	} `json:"buckets"`
}

func histogram(t *testing.T, tok string, q url.Values) histogramBody {
	t.Helper()
	q.Set("operation", "histogram")
	r := get(t, tok, "/logs", q)
	if r.Code != http.StatusOK {
		t.Fatalf("histogram: %d %s", r.Code, r.Body)
	}
	var body struct {
		Histogram histogramBody `json:"histogram"`
	}
	if err := json.Unmarshal(r.Body, &body); err != nil {
		t.Fatal(err)
	}
	return body.Histogram
}

type statisticsBody struct {
	Containers int `json:"containers"`
	Logs       int `json:"logs"`
}

func statistics(t *testing.T, tok string, q url.Values) statisticsBody {
	t.Helper()
	q.Set("operation", "statistics")
	r := get(t, tok, "/logs", q)
	if r.Code != http.StatusOK {
		t.Fatalf("statistics: %d %s", r.Code, r.Body)
	}
	var body struct {
		Statistics statisticsBody `json:"statistics"`
	}
	if err := json.Unmarshal(r.Body, &body); err != nil {
		t.Fatal(err)
	}
	return body.Statistics
}

func export(t *testing.T, tok string, q url.Values) []string {
	t.Helper()
	q.Set("operation", "export")
	r := get(t, tok, "/logs", q)
	if r.Code != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("export: %d %s %.300s", r.Code, r.Header.Get("Content-Type"), r.Body)
	}
	var lines []string
	sc := bufio.NewScanner(bytes.NewReader(r.Body))
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	return lines
}

// The filters narrow the lines as their parameters say; pages, sorting,
// histogram, statistics and export agree with each other.
func TestSearch(t *testing.T) {
	tok := users(t)[workspaceAdmin]
	count := func(q url.Values) int { return search(t, tok, "", q).Total }
	perContainer := linesPerContainer / 5 // ERROR lines of a container

	for name, c := range map[string]struct {
		q    url.Values
		want int
	}{
		"words (any case)":          {url.Values{"log_query": {"error"}}, 7 * perContainer},
		"words, all of them":        {url.Values{"log_query": {"ERROR,web-7d9f-b/main"}}, perContainer},
		"a phrase":                  {url.Values{"log_query": {"line 3 of namespace wsa-prod"}}, 2},
		"namespaces":                {url.Values{"namespaces": {"wsa-prod"}}, expected("wsa-prod")},
		"parts of namespace names":  {url.Values{"namespace_query": {"prod"}}, expected("wsa-prod")},
		"a workload's pods":         {url.Values{"workloads": {"web-7d9f"}}, 4 * linesPerContainer},
		"parts of workload names":   {url.Values{"workload_query": {"work"}}, linesPerContainer},
		"pods":                      {url.Values{"pods": {"api-0,worker-0"}}, 2 * linesPerContainer},
		"parts of pod names":        {url.Values{"pod_query": {"api"}}, 2 * linesPerContainer},
		"containers":                {url.Values{"containers": {"sidecar"}}, linesPerContainer},
		"parts of container names":  {url.Values{"container_query": {"side"}}, linesPerContainer},
		"filters together":          {url.Values{"namespaces": {"wsa-dev"}, "containers": {"main"}, "log_query": {"error"}}, 4 * perContainer},
		"a time range with nothing": {url.Values{"end_time": {created.Add(-time.Minute).Format(time.RFC3339)}}, 0},
		"a name that is not there":  {url.Values{"pods": {"nope"}}, 0},
		"quotes and pipes are text": {url.Values{"log_query": {`" | delete`}}, 0},
	} {
		if got := count(c.q); got != c.want {
			t.Errorf("%s (%s): %d lines, want %d", name, c.q.Encode(), got, c.want)
		}
	}

	// Pages: newest first by default, oldest first with sort=asc, and the
	// pages of from and size make up the whole.
	total := expected("wsa-dev", "wsa-prod")
	desc := search(t, tok, "", url.Values{"size": {"1000"}}).Records
	asc := search(t, tok, "", url.Values{"size": {"1000"}, "sort": {"asc"}}).Records
	if len(desc) != total || len(asc) != total {
		t.Fatalf("%d and %d records, want %d", len(desc), len(asc), total)
	}
	if !slices.IsSortedFunc(asc, func(a, b record) int { return a.Time.Compare(b.Time) }) ||
		!slices.IsSortedFunc(desc, func(a, b record) int { return b.Time.Compare(a.Time) }) {
		t.Error("the records are not in time order")
	}
	var paged []record
	for from := 0; from < total; from += 7 {
		p := search(t, tok, "", url.Values{"sort": {"asc"}, "from": {itoa(from)}, "size": {"7"}})
		if p.Total != total {
			t.Fatalf("a page's total %d, want %d", p.Total, total)
		}
		paged = append(paged, p.Records...)
	}
	if len(paged) != total {
		t.Fatalf("the pages hold %d records, want %d", len(paged), total)
	}
	r := asc[0]
	if r.Namespace == "" || r.Pod == "" || r.Container == "" || r.Node != "n1" || r.Time.IsZero() || r.Log == "" {
		t.Errorf("a record without its fields: %+v", r)
	}
	if p := search(t, tok, "", nil); len(p.Records) != 10 {
		t.Errorf("the default page has %d records, want 10", len(p.Records))
	}

	// A histogram's buckets add up to the lines, at the interval asked.
	q := url.Values{"namespaces": {"wsa-dev"}, "start_time": {created.Add(-time.Minute).Format(time.RFC3339)}, "end_time": {created.Add(time.Minute).Format(time.RFC3339)}, "interval": {"10s"}}
	h := histogram(t, tok, q)
	sum := 0
	for _, b := range h.Buckets {
		sum += b.Count
	}
	if h.Total != expected("wsa-dev") || sum != h.Total || h.Interval != "10s" || len(h.Buckets) == 0 {
		t.Errorf("histogram: total %d, buckets add up to %d, interval %s, want %d at 10s", h.Total, sum, h.Interval, expected("wsa-dev"))
	}
	if s := statistics(t, tok, url.Values{"namespaces": {"wsa-dev"}}); s.Containers != 5 || s.Logs != expected("wsa-dev") {
		t.Errorf("statistics %+v, want 5 containers and %d lines", s, expected("wsa-dev"))
	}
	lines := export(t, tok, url.Values{"pods": {"api-1"}})
	if len(lines) != linesPerContainer || !strings.Contains(lines[0], "api-1/main line 1 of") || !strings.Contains(lines[len(lines)-1], "line 20 of") {
		t.Errorf("the export, oldest first: %d lines %q ... %q", len(lines), lines[0], lines[len(lines)-1])
	}
}

// Bad parameters are a 400 Status that names the parameter; size above
// the most is the most.
func TestBadParameters(t *testing.T) {
	tok := users(t)[workspaceAdmin]
	for q, field := range map[string]string{
		"operation=drop":                        "operation",
		"sort=sideways":                         "sort",
		"size=0":                                "size",
		"size=ten":                              "size",
		"from=-1":                               "from",
		"from=100001":                           "from",
		"start_time=yesterday":                  "start_time",
		"end_time=2026-13-01T00:00:00Z":         "end_time",
		"start_time=2000&end_time=1000":         "start_time",
		"operation=histogram&interval=0s":       "interval",
		"operation=histogram&interval=1s":       "interval",
		"operation=histogram&interval=fortnite": "interval",
	} {
		r := api.Do(t, http.MethodGet, prefix+"/logs?"+q, tok, nil)
		platform.ExpectStatus(t, r, http.StatusBadRequest)
		details, _ := r.JSON["details"].(map[string]any)
		causes, _ := details["causes"].([]any)
		if len(causes) != 1 || causes[0].(map[string]any)["field"] != field {
			t.Errorf("%s: %s, want a cause naming %s", q, r.Body, field)
		}
	}
	if p := search(t, tok, "", url.Values{"size": {"5000"}}); len(p.Records) != expected("wsa-dev", "wsa-prod") {
		t.Errorf("size=5000: %d records", len(p.Records))
	}
}

// The store away or hanging: 503 with Retry-After and a message that
// says so, never the store's own words; all is well once it is back.
func TestTheStoreAway(t *testing.T) {
	tok := users(t)[projectViewer]
	check := func(what string) {
		t.Helper()
		for _, op := range []string{"query", "histogram", "statistics", "export"} {
			begin := time.Now()
			r := api.Do(t, http.MethodGet, prefix+"/logs?operation="+op, tok, nil)
			if r.Code != http.StatusServiceUnavailable || r.Str("kind") != "Status" || r.Header.Get("Retry-After") == "" ||
				!strings.Contains(r.Str("message"), "log store is unavailable") {
				t.Errorf("%s, %s: %d %s (Retry-After %q)", what, op, r.Code, r.Body, r.Header.Get("Retry-After"))
			}
			if took := time.Since(begin); took > timeout+3*time.Second {
				t.Errorf("%s, %s: answered after %s", what, op, took)
			}
		}
	}
	forward.Down()
	check("the store down")
	if err := forward.Up(); err != nil {
		t.Fatal(err)
	}
	forward.Stall()
	check("the store hanging")
	forward.Resume()
	platform.Eventually(t, "the search works again", 30*time.Second, func() error {
		if r := api.Do(t, http.MethodGet, prefix+"/logs", tok, nil); r.Code != http.StatusOK {
			return errorf(r)
		}
		return nil
	})
}

func errorf(r *platform.Response) error { return &statusError{r} }

type statusError struct{ r *platform.Response }

func (e *statusError) Error() string { return string(e.r.Body) }

// The export reads the range a slice at a time: lines spread over the
// range come out once each, oldest first, across the slices' edges. (The
// lines are of a namespace that no longer exists, eight days before the
// world's, where no other test looks.)
func TestExportAcrossSlicesKeepsOrderAndEveryLine(t *testing.T) {
	tok := users(t)
	from := worldEnd.Add(-8 * 24 * time.Hour).Truncate(time.Second)
	var lines []victorialogs.Line
	for i := range 100 {
		lines = append(lines, victorialogs.Line{Time: from.Add(time.Duration(i)*time.Minute + 30*time.Second), Namespace: "archived", Pod: "spread-0",
			Container: "main", Node: "n1", Message: "spread line " + itoa(i)})
	}
	if err := store.Write(t.Context(), lines); err != nil {
		t.Fatal(err)
	}
	if err := store.WaitCount(t.Context(), `kubernetes.pod_name:="spread-0"`, len(lines)); err != nil {
		t.Fatal(err)
	}
	got := export(t, tok["admin"], url.Values{"pods": {"spread-0"}, "start_time": {from.Format(time.RFC3339)},
		"end_time": {from.Add(101 * time.Minute).Format(time.RFC3339)}})
	if len(got) != len(lines) {
		t.Fatalf("the export has %d lines, want %d", len(got), len(lines))
	}
	for i, l := range got {
		if l != "spread line "+itoa(i) {
			t.Fatalf("line %d of the export is %q, want %q", i, l, "spread line "+itoa(i))
		}
	}
}
