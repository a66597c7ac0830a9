package tracing

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

func serviceNames(t *testing.T, tok, ns string) []string {
	t.Helper()
	r := get(t, tok, ns, "/services", nil)
	if r.Code != http.StatusOK {
		t.Fatalf("services of %s: %d %s", ns, r.Code, r.Body)
	}
	var out struct {
		Items []struct {
			Name, Namespace string
		} `json:"items"`
		TotalItems int `json:"totalItems"`
	}
	if err := json.Unmarshal(r.Body, &out); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range out.Items {
		if s.Namespace != ns {
			t.Errorf("service %s listed with namespace %s in %s", s.Name, s.Namespace, ns)
		}
		names = append(names, s.Name)
	}
	return names
}

// A member of project A sees A's services, never B's; B's member the
// reverse; neither may ask about the other's project.
func TestServicesAreTheNamespaces(t *testing.T) {
	tok := users(t)
	if got := serviceNames(t, tok[memberA], "shop-a"); !slices.Equal(got, servicesA) {
		t.Errorf("services of shop-a: %v, want %v", got, servicesA)
	}
	if got, want := serviceNames(t, tok[memberB], "shop-b"), []string{"frontend.shop-b", "payments.shop-b", "ratings.shop-b", "reviews.shop-b"}; !slices.Equal(got, want) {
		t.Errorf("services of shop-b: %v, want %v", got, want)
	}
	for _, c := range []struct{ user, ns string }{{memberA, "shop-b"}, {memberB, "shop-a"}, {nobody, "shop-a"}} {
		if r := get(t, tok[c.user], c.ns, "/services", nil); r.Code != http.StatusForbidden {
			t.Errorf("%s on services of %s: %d %s, want 403", c.user, c.ns, r.Code, r.Body)
		}
	}
	// The list convention: a name filter (ratings and reviews) and pages.
	r := get(t, tok[memberA], "shop-a", "/services", url.Values{"name": {"S.SHOP"}, "limit": {"1"}, "page": {"2"}})
	if r.Code != http.StatusOK || !strings.Contains(string(r.Body), `"reviews.shop-a"`) || r.JSON["totalItems"] != float64(2) {
		t.Errorf("services named like re, page 2 of 1: %d %s", r.Code, r.Body)
	}
}

func TestOperationsOfAServiceOfTheNamespace(t *testing.T) {
	tok := users(t)
	r := get(t, tok[memberA], "shop-a", "/services/frontend.shop-a/operations", nil)
	if r.Code != http.StatusOK || !strings.Contains(string(r.Body), `"GET /productpage"`) || !strings.Contains(string(r.Body), `"GET /slow"`) {
		t.Errorf("operations of frontend.shop-a: %d %s", r.Code, r.Body)
	}
	// Another namespace's service is refused, naming the service; one
	// Jaeger does not know is not found.
	r = get(t, tok[memberA], "shop-a", "/services/payments.shop-b/operations", nil)
	if r.Code != http.StatusUnprocessableEntity || cause(r) != "service" || strings.Contains(string(r.Body), "POST /charge") {
		t.Errorf("operations of shop-b's service in shop-a: %d %s", r.Code, r.Body)
	}
	if r = get(t, tok[memberA], "shop-a", "/services/nothing.shop-a/operations", nil); r.Code != http.StatusNotFound {
		t.Errorf("operations of an unknown service: %d %s", r.Code, r.Body)
	}
}

// A's member finds A's traces and never a span of B.
func TestSearchShowsOnlyTheCallersSpans(t *testing.T) {
	tok := users(t)
	got := searchTraces(t, tok[memberA], "shop-a", url.Values{"service": {"frontend.shop-a"}})
	if i := ids(got); !i[traceIDs["a"]] || !i[traceIDs["slow"]] || i[traceIDs["b"]] || len(got) != 2 {
		t.Errorf("frontend.shop-a's traces: %v", i)
	}
	onlyNamespaces(t, got, "shop-a")
	for _, tr := range got {
		if tr.TraceID != traceIDs["a"] {
			continue
		}
		// The waterfall: frontend → reviews → ratings, by depth, with the
		// tags and the log event.
		if len(tr.Spans) != 3 || tr.Spans[0].Service != "frontend.shop-a" || tr.Spans[1].Depth != 1 || tr.Spans[2].Depth != 2 ||
			tr.Spans[1].ParentSpanID != tr.Spans[0].SpanID || tr.Spans[2].ParentSpanID != tr.Spans[1].SpanID || tr.HiddenSpans != 0 {
			t.Errorf("trace a: %+v", tr)
		}
		if tr.Spans[1].StartOffset != 10000 || tr.Spans[1].Duration != 90000 || len(tr.Spans[1].Logs) != 1 {
			t.Errorf("reviews' span: offset %d µs, duration %d µs, logs %+v", tr.Spans[1].StartOffset, tr.Spans[1].Duration, tr.Spans[1].Logs)
		}
	}
	// A search with another namespace's service is refused.
	r := get(t, tok[memberA], "shop-a", "/traces", url.Values{"service": {"payments.shop-b"}})
	if r.Code != http.StatusUnprocessableEntity || cause(r) != "service" {
		t.Errorf("search with shop-b's service in shop-a: %d %s", r.Code, r.Body)
	}
	// B's member sees B's trace in full.
	got = searchTraces(t, tok[memberB], "shop-b", url.Values{"service": {"frontend.shop-b"}})
	if i := ids(got); len(got) != 1 || !i[traceIDs["b"]] {
		t.Errorf("frontend.shop-b's traces: %v", i)
	}
	onlyNamespaces(t, got, "shop-b")
}

// A trace that crosses projects shows each member only its own spans,
// re-parented to the nearest span it sees.
func TestACrossNamespaceTraceShowsOnlyTheCallersSpans(t *testing.T) {
	tok := users(t)
	got := searchTraces(t, tok[memberA], "shop-a", url.Values{"service": {"gateway.shop-a"}})
	if len(got) != 1 || got[0].TraceID != traceIDs["cross"] {
		t.Fatalf("gateway.shop-a's traces: %+v", got)
	}
	tr := got[0]
	if len(tr.Spans) != 2 || tr.HiddenSpans != 1 || len(tr.Warnings) == 0 || tr.Spans[0].Service != "gateway.shop-a" ||
		tr.Spans[1].Service != "ledger.shop-a" || tr.Spans[1].ParentSpanID != tr.Spans[0].SpanID || tr.Spans[1].Depth != 1 {
		t.Errorf("the cross trace for A: %+v", tr)
	}
	onlyNamespaces(t, got, "shop-a")
	if body := get(t, tok[memberA], "shop-a", "/traces/"+traceIDs["cross"], nil).Body; strings.Contains(string(body), "4242") || strings.Contains(string(body), "payments") {
		t.Errorf("B's span leaks to A: %s", body)
	}
	// B's member sees its payments span alone in that trace.
	r := get(t, tok[memberB], "shop-b", "/traces/"+traceIDs["cross"], nil)
	var b trace
	if err := json.Unmarshal(r.Body, &b); err != nil || r.Code != http.StatusOK {
		t.Fatalf("cross trace for B: %d %s", r.Code, r.Body)
	}
	if len(b.Spans) != 1 || b.Spans[0].Service != "payments.shop-b" || b.HiddenSpans != 2 || b.Spans[0].ParentSpanID != "" {
		t.Errorf("cross trace for B: %+v", b)
	}
}

// A trace of another project is not found: never revealed to exist.
func TestTraceByIDOfAnotherProjectIsNotFound(t *testing.T) {
	tok := users(t)
	r := get(t, tok[memberA], "shop-a", "/traces/"+traceIDs["b"], nil)
	if r.Code != http.StatusNotFound || strings.Contains(string(r.Body), "shop-b") {
		t.Errorf("B's trace for A: %d %s", r.Code, r.Body)
	}
	unknown := get(t, tok[memberA], "shop-a", "/traces/0123456789abcdef0123456789abcdef", nil)
	if unknown.Code != http.StatusNotFound || unknown.Str("reason") != r.Str("reason") {
		t.Errorf("an unknown trace: %d %s; another tenant's: %s", unknown.Code, unknown.Body, r.Body)
	}
	if r := get(t, tok[memberA], "shop-b", "/traces/"+traceIDs["b"], nil); r.Code != http.StatusForbidden {
		t.Errorf("A asking in shop-b: %d %s", r.Code, r.Body)
	}
	r = get(t, tok[memberA], "shop-a", "/traces/"+strings.ToUpper(traceIDs["a"]), nil)
	var a trace
	if err := json.Unmarshal(r.Body, &a); err != nil || r.Code != http.StatusOK || len(a.Spans) != 3 || a.RootService != "frontend.shop-a" {
		t.Errorf("A's own trace (upper case id): %d %s", r.Code, r.Body)
	}
	// The administrator sees every span of the cross trace.
	r = get(t, tok["admin"], "shop-a", "/traces/"+traceIDs["cross"], nil)
	if err := json.Unmarshal(r.Body, &a); err != nil || len(a.Spans) != 3 || a.HiddenSpans != 0 {
		t.Errorf("the cross trace for the administrator: %d %s", r.Code, r.Body)
	}
}

// The search's filters reach Jaeger: operation, tags and durations.
func TestSearchByOperationTagsAndDuration(t *testing.T) {
	tok := users(t)
	for _, q := range []url.Values{
		{"service": {"frontend.shop-a"}, "operation": {"GET /slow"}},
		{"service": {"frontend.shop-a"}, "tags": {`{"http.response.status_code":"500"}`}},
		{"service": {"frontend.shop-a"}, "minDuration": {"1s"}},
	} {
		got := searchTraces(t, tok[memberA], "shop-a", q)
		if len(got) != 1 || got[0].TraceID != traceIDs["slow"] || !got[0].Spans[0].Error {
			t.Errorf("search %s: %v", q.Encode(), ids(got))
		}
	}
	got := searchTraces(t, tok[memberA], "shop-a", url.Values{"service": {"frontend.shop-a"}, "maxDuration": {"500ms"}})
	if len(got) != 1 || got[0].TraceID != traceIDs["a"] {
		t.Errorf("maxDuration 500ms: %v", ids(got))
	}
	// A service whose resource names its namespace, and one whose name does.
	for svc, id := range map[string]string{"checkout": traceIDs["checkout"], "legacy.shop-a": traceIDs["legacy"]} {
		if got := searchTraces(t, tok[memberA], "shop-a", url.Values{"service": {svc}}); len(got) != 1 || got[0].TraceID != id {
			t.Errorf("%s's traces: %v", svc, ids(got))
		}
	}
	if got := searchTraces(t, tok[memberA], "shop-a", url.Values{"service": {"frontend.shop-a"}, "limit": {"1"}}); len(got) != 1 {
		t.Errorf("limit 1: %d traces", len(got))
	}
}

// A recreated namespace never shows its predecessor's spans.
func TestARecreatedNamespaceDoesNotShowOldSpans(t *testing.T) {
	tok := users(t)
	q := url.Values{"service": {"frontend.reborn"}, "start": {"0"}}
	got := searchTraces(t, tok[memberA], "reborn", q)
	if i := ids(got); len(got) != 1 || !i[traceIDs["reborn-new"]] {
		t.Errorf("reborn's traces: %v, want only %s", i, traceIDs["reborn-new"])
	}
	if r := get(t, tok[memberA], "reborn", "/traces/"+traceIDs["reborn-old"], nil); r.Code != http.StatusNotFound {
		t.Errorf("the predecessor's trace: %d %s", r.Code, r.Body)
	}
	// Not even the administrator sees it.
	if r := get(t, tok["admin"], "reborn", "/traces/"+traceIDs["reborn-old"], nil); r.Code != http.StatusNotFound {
		t.Errorf("the predecessor's trace for the administrator: %d %s", r.Code, r.Body)
	}
}

// Bad input is a 422 naming the parameter.
func TestBadInputNamesTheField(t *testing.T) {
	tok := users(t)
	for _, id := range []string{"not-hex", strings.Repeat("a", 33), "12345g"} {
		r := get(t, tok[memberA], "shop-a", "/traces/"+id, nil)
		if r.Code != http.StatusUnprocessableEntity || cause(r) != "traceID" || r.Str("kind") != "Status" {
			t.Errorf("trace id %q: %d %s", id, r.Code, r.Body)
		}
	}
	for field, q := range map[string]url.Values{
		"service":     {},
		"minDuration": {"service": {"frontend.shop-a"}, "minDuration": {"fast"}},
		"maxDuration": {"service": {"frontend.shop-a"}, "minDuration": {"2s"}, "maxDuration": {"1s"}},
		"tags":        {"service": {"frontend.shop-a"}, "tags": {`{"a":`}},
		"limit":       {"service": {"frontend.shop-a"}, "limit": {"0"}},
		"start":       {"service": {"frontend.shop-a"}, "start": {"yesterday"}},
	} {
		r := get(t, tok[memberA], "shop-a", "/traces", q)
		if r.Code != http.StatusUnprocessableEntity || cause(r) != field {
			t.Errorf("%s: %d %s", q.Encode(), r.Code, r.Body)
		}
	}
	if r := get(t, tok[memberA], "shop-a", "/traces", url.Values{"service": {"frontend.shop-a"}, "limit": {"1001"}}); r.Code != http.StatusUnprocessableEntity {
		t.Errorf("limit 1001: %d", r.Code)
	}
}
