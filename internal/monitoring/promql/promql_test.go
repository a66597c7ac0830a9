package promql_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/prometheus/prometheus/promql/parser"

	"github.com/superkube/super-kubenetes/internal/monitoring/promql"
)

// confinedTo checks that every selector of q keeps only series of the
// allowed namespaces: for each, some namespace matcher refuses every
// namespace outside the set (and the empty one, which series without a
// namespace label have).
func confinedTo(t *testing.T, q string, allowed []string) {
	t.Helper()
	expr, err := promql.Parse(q)
	if err != nil {
		t.Fatalf("the confined query does not parse: %v\n%s", err, q)
	}
	outside := []string{"", "other", "kube-system", "a.", "ab", "a|b", ".+", `"}`}
	n := 0
	parser.Inspect(expr, func(node parser.Node, _ []parser.Node) error {
		vs, ok := node.(*parser.VectorSelector)
		if !ok {
			return nil
		}
		n++
		for _, ns := range outside {
			refused := false
			for _, m := range vs.LabelMatchers {
				if m.Name == promql.NamespaceLabel && !m.Matches(ns) {
					refused = true
				}
			}
			if !refused && !contains(allowed, ns) {
				t.Errorf("selector %s reads namespace %q", vs, ns)
			}
		}
		return nil
	})
	if n == 0 && strings.Contains(q, "{") {
		t.Errorf("no selector in %s", q)
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func TestConfineKeepsEverySelectorInTheNamespaces(t *testing.T) {
	allowed := []string{"a", "b"}
	queries := []string{
		`container_cpu_usage_seconds_total`,
		`{__name__=~".+"}`,
		`{__name__=~".+", namespace=~".+"}`,
		`container_cpu_usage_seconds_total{namespace="other"}`,
		`container_cpu_usage_seconds_total{namespace!="a"}`,
		`sum by (namespace) (rate(container_cpu_usage_seconds_total[5m]))`,
		`up or kube_pod_info{namespace="other"}`,
		`kube_pod_info{namespace="a"} or on() kube_pod_info{namespace="other"}`,
		`kube_pod_info unless kube_pod_info{namespace="other"}`,
		`max_over_time(kube_pod_info{namespace="other"}[1h:1m])`,
		`rate(container_cpu_usage_seconds_total[5m:30s] offset 1h)`,
		`label_replace(kube_pod_info{namespace="other"}, "namespace", "a", "namespace", ".*")`,
		`label_replace({__name__=~".+"}, "namespace", "a", "", "")`,
		`sum(kube_pod_info) + on() group_left() count({__name__=~"kube_.+"})`,
		`absent(kube_pod_info{namespace="other"})`,
		`-kube_pod_info`,
		`(kube_pod_info)`,
		`kube_pod_info @ 1700000000`,
		`topk(5, rate({__name__=~"container_.*",namespace=~"o.*"}[1m]))`,
		`histogram_quantile(0.99, sum by (le) (rate(apiserver_request_duration_seconds_bucket[5m])))`,
		`count_values("namespace", kube_pod_info)`,
		`max_over_time(sum_over_time((up)[10m:])[5m:1m])`,
		`vector(1)`,
	}
	for _, q := range queries {
		t.Run(q, func(t *testing.T) {
			out, err := promql.ConfineString(q, allowed)
			if err != nil {
				t.Fatal(err)
			}
			confinedTo(t, out, allowed)
		})
	}
}

func TestConfineQuotesNamespacesAsLiterals(t *testing.T) {
	out, err := promql.ConfineString(`kube_pod_info`, []string{"a.b", "c"})
	if err != nil {
		t.Fatal(err)
	}
	expr, _ := promql.Parse(out)
	vs := expr.(*parser.VectorSelector)
	for _, ns := range []string{"a.b", "c"} {
		for _, m := range vs.LabelMatchers {
			if m.Name == "namespace" && !m.Matches(ns) {
				t.Errorf("%s refuses %q", out, ns)
			}
		}
	}
	for _, m := range vs.LabelMatchers {
		if m.Name == "namespace" && m.Matches("axb") {
			t.Errorf("%s reads namespace axb: the dot is a wildcard", out)
		}
	}
}

func TestConfineRefuses(t *testing.T) {
	if _, err := promql.ConfineString(`up`, nil); !errors.Is(err, promql.ErrNoNamespaces) {
		t.Errorf("no namespaces: %v, want ErrNoNamespaces", err)
	}
	for _, q := range []string{`up{`, `info(up)`, `up[5m`, `"}`, `up{namespace="a"}"} or {__name__=~".+"}`} {
		if _, err := promql.ConfineString(q, []string{"a"}); err == nil {
			t.Errorf("%s: confined, want a parse error", q)
		}
	}
}

func TestFill(t *testing.T) {
	tests := []struct {
		name, template string
		filters        map[string]promql.Filter
		want           string
		wantErr        string
	}{
		{"a name is an exact matcher", `kube_pod_info{pod=~"$pod"}`, map[string]promql.Filter{"pod": promql.Names("web-1")}, `kube_pod_info{pod="web-1"}`, ""},
		{"names are quoted in an alternation", `kube_pod_info{pod=~"$pod"}`, map[string]promql.Filter{"pod": promql.Names("b.1", "a")}, `kube_pod_info{pod=~"a|b\\.1"}`, ""},
		{"no filter selects everything", `kube_pod_info{pod=~"$pod",phase="Running"}`, map[string]promql.Filter{"pod": {}}, `kube_pod_info{phase="Running"}`, ""},
		{"no names select nothing", `kube_pod_info{pod=~"$pod"}`, map[string]promql.Filter{"pod": promql.Names()}, `kube_pod_info{pod=""}`, ""},
		{"a regex stays a value", `kube_pod_info{pod=~"$pod"}`, map[string]promql.Filter{"pod": {Regex: `"} or {__name__=~".+`}}, `kube_pod_info{pod=~"\"} or {__name__=~\".+"}`, ""},
		{"a bad regex fails", `kube_pod_info{pod=~"$pod"}`, map[string]promql.Filter{"pod": {Regex: `(`}}, "", "bad regular expression"},
		{"a regex is read as Prometheus reads it", `kube_pod_info{pod=~"$pod"}`, map[string]promql.Filter{"pod": {Regex: `x) or (y`}}, "", "bad regular expression"},
		{"an unknown placeholder fails", `kube_pod_info{pod=~"$pods"}`, map[string]promql.Filter{"pod": {}}, "", "has no filter"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			expr, err := promql.Parse(tt.template)
			if err != nil {
				t.Fatal(err)
			}
			err = promql.Fill(expr, tt.filters)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := expr.String(); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}
