package elastic

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/superkube/super-kubenetes/internal/logging/logsql"
)

// doc is a log document for eval: field (without the keyword suffix) to
// value; times in RFC 3339.
type doc map[string]string

// eval says whether the query DSL q (the subset the backend sends)
// matches d, as the store would: it proves what a query means, not only
// what it looks like.
func eval(t *testing.T, q any, d doc) bool {
	t.Helper()
	obj, _ := q.(map[string]any)
	if len(obj) != 1 {
		t.Fatalf("a clause with %d keys: %v", len(obj), q)
	}
	field := func(body any) (string, any) {
		for f, v := range body.(map[string]any) {
			return strings.TrimSuffix(f, ".keyword"), v
		}
		return "", nil
	}
	value := func(v any) string {
		if o, ok := v.(map[string]any); ok {
			return o["value"].(string)
		}
		return v.(string)
	}
	for op, body := range obj {
		switch op {
		case "bool":
			b := body.(map[string]any)
			for _, c := range list(b["filter"]) {
				if !eval(t, c, d) {
					return false
				}
			}
			for _, c := range list(b["must_not"]) {
				if eval(t, c, d) {
					return false
				}
			}
			if should := list(b["should"]); len(should) > 0 {
				for _, c := range should {
					if eval(t, c, d) {
						return true
					}
				}
				return false
			}
			return true
		case "term":
			f, v := field(body)
			return d[f] == value(v)
		case "exists":
			return d[strings.TrimSuffix(body.(map[string]any)["field"].(string), ".keyword")] != ""
		case "regexp":
			// Lucene's expressions match the whole value; those sent here
			// (a quoted name and classes) read the same in Go's syntax.
			f, v := field(body)
			return regexp.MustCompile("^(?:" + value(v) + ")$").MatchString(d[f])
		case "prefix":
			f, v := field(body)
			return strings.HasPrefix(d[f], value(v))
		case "wildcard":
			f, v := field(body)
			return wildcard(value(v)).MatchString(d[f])
		case "match_phrase":
			f, v := field(body)
			return strings.Contains(strings.ToLower(d[f]), strings.ToLower(v.(string)))
		case "range":
			f, v := field(body)
			at, err := time.Parse(time.RFC3339Nano, d[f])
			if err != nil {
				t.Fatalf("doc time %q: %v", d[f], err)
			}
			for cmpOp, bound := range v.(map[string]any) {
				b, err := time.Parse(time.RFC3339Nano, bound.(string))
				if err != nil {
					t.Fatalf("range bound %v: %v", bound, err)
				}
				switch cmpOp {
				case "gte":
					if at.Before(b) {
						return false
					}
				case "lt":
					if !at.Before(b) {
						return false
					}
				case "lte":
					if at.After(b) {
						return false
					}
				default:
					t.Fatalf("range %s", cmpOp)
				}
			}
			return true
		}
		t.Fatalf("a clause the evaluator does not know: %s", op)
	}
	return false
}

func list(v any) []any {
	l, _ := v.([]any)
	return l
}

// wildcard is the regular expression of a wildcard pattern.
func wildcard(p string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("^")
	for i := 0; i < len(p); i++ {
		switch c := p[i]; c {
		case '\\':
			i++
			if i < len(p) {
				b.WriteString(regexp.QuoteMeta(string(p[i])))
			}
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}

// asJSON is q as the store reads it.
func asJSON(t *testing.T, q m) any {
	t.Helper()
	raw, err := json.Marshal(q)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func logDoc(ns, pod, at, line string) doc {
	return doc{"kubernetes.namespace_name": ns, "kubernetes.pod_name": pod, "kubernetes.container_name": "app", "@timestamp": at, "log": line}
}

func TestTheQueryMeansWhatTheLogsQLFilterMeans(t *testing.T) {
	created := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	var (
		oldShop = logDoc("shop", "web-1", "2026-12-04T09:59:59.999Z", "error in the old shop")
		newShop = logDoc("shop", "web-2", "2026-12-04T10:00:00Z", "error in the new shop")
		dev     = logDoc("dev", "web-3", "2026-12-01T00:00:00Z", "Error in dev")
		gone    = logDoc("gone", "api-1", "2026-11-01T00:00:00Z", "error in a deleted namespace")
		webhook = logDoc("dev", "webhook-1", "2026-12-04T11:00:00Z", "error")
		star    = logDoc("dev", "a*b-1", "2026-12-04T11:00:00Z", "error")
	)
	labelled := func(d doc, labels ...string) doc {
		for i := 0; i+1 < len(labels); i += 2 {
			d["kubernetes.labels."+labels[i]] = labels[i+1]
		}
		return d
	}
	var (
		apiDeploy = labelled(logDoc("apps", "api-7d9f8-abcde", "2026-12-04T11:00:00Z", "x"), "pod-template-hash", "7d9f8")
		apiGW     = labelled(logDoc("apps", "api-gw-6c9b7-fghij", "2026-12-04T11:00:00Z", "x"), "pod-template-hash", "6c9b7")
		apiSts    = labelled(logDoc("apps", "api-0", "2026-12-04T11:00:00Z", "x"), "controller-revision-hash", "api-5f", "statefulset.kubernetes.io/pod-name", "api-0")
		apiJob    = labelled(logDoc("apps", "api-29001200-k2m4n", "2026-12-04T11:00:00Z", "x"), "job-name", "api-29001200")
	)
	all := []doc{oldShop, newShop, dev, gone, webhook, star}
	workloads := []doc{apiDeploy, apiGW, apiSts, apiJob}
	cases := []struct {
		name   string
		search logsql.Search
		scope  logsql.Scope
		want   []doc
		// over are the documents searched (all when nil).
		over []doc
	}{
		{"a member of a recreated namespace does not find the lines of the namespace of that name before it",
			logsql.Search{}, logsql.Scope{Namespaces: map[string]time.Time{"shop": created}}, []doc{newShop}, nil},
		{"each namespace counts from its own creation",
			logsql.Search{}, logsql.Scope{Namespaces: map[string]time.Time{"shop": created, "dev": time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)}}, []doc{newShop, webhook, star}, nil},
		{"a namespace without a creation time counts from the beginning",
			logsql.Search{}, logsql.Scope{Namespaces: map[string]time.Time{"dev": {}}}, []doc{dev, webhook, star}, nil},
		{"who may read everything finds deleted namespaces but not the earlier namespace of a name that exists",
			logsql.Search{}, logsql.Scope{All: true, Namespaces: map[string]time.Time{"shop": created, "dev": {}}}, []doc{newShop, dev, gone, webhook, star}, nil},
		{"a workload without its owner's labels matches its pods by the prefix <workload>-, not another workload that starts alike",
			logsql.Search{Workloads: []string{"web"}}, logsql.Scope{All: true}, []doc{oldShop, newShop, dev}, nil},
		{"a workload's pods by their labels and names, not those of a Deployment whose name starts alike",
			logsql.Search{Workloads: []string{"api"}}, logsql.Scope{All: true}, []doc{apiDeploy, apiSts, apiJob}, workloads},
		{"the longer name finds its own",
			logsql.Search{Workloads: []string{"api-gw"}}, logsql.Scope{All: true}, []doc{apiGW}, workloads},
		{"a part of a name is a substring, and its * is no wildcard",
			logsql.Search{PodParts: []string{"*b"}}, logsql.Scope{All: true}, []doc{star}, nil},
		{"words are all in the line, whatever their case",
			logsql.Search{Words: []string{"ERROR", "in"}}, logsql.Scope{All: true}, []doc{oldShop, newShop, dev, gone}, nil},
		{"exact namespaces and a scope are both applied",
			logsql.Search{Namespaces: []string{"dev", "gone"}}, logsql.Scope{Namespaces: map[string]time.Time{"dev": {}, "shop": {}}}, []doc{dev, webhook, star}, nil},
	}
	c := &Client{cfg: Config{}.Defaulted(), fields: Config{}.Defaulted().Fields}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			q, ok := c.logQuery(tc.search, tc.scope)
			if !ok {
				t.Fatal("the scope is not empty, yet no query")
			}
			jq := asJSON(t, q)
			var got []doc
			over := tc.over
			if over == nil {
				over = all
			}
			for _, d := range over {
				if eval(t, jq, d) {
					got = append(got, d)
				}
			}
			if len(got) != len(tc.want) {
				t.Fatalf("found %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i]["log"] != tc.want[i]["log"] || got[i]["kubernetes.pod_name"] != tc.want[i]["kubernetes.pod_name"] {
					t.Errorf("found %v, want %v", got, tc.want)
				}
			}
		})
	}
	if _, ok := c.logQuery(logsql.Search{}, logsql.Scope{}); ok {
		t.Error("an empty scope gave a query; it must find nothing")
	}
}
