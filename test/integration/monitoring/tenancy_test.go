package monitoring

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/superkube/super-kubenetes/internal/monitoring/promql"
	"github.com/superkube/super-kubenetes/internal/testutil/platform"
)

// Each kind of user gets what it may see, and 403 elsewhere: node,
// cluster and component levels need the right to list nodes, a workspace
// its membership, a namespace the right to list its pods, raw PromQL a
// platform administrator.
func TestTenancyAsFiveKindsOfUser(t *testing.T) {
	tok := users(t)
	all := []string{"other", "wsa-dev", "wsa-prod", "wsb-app"}
	tests := []struct {
		user, path string
		code       int
		// namespaces are those the answer shows (all of them when nil).
		namespaces []string
	}{
		{"admin", "/namespaces", 200, all},
		{"admin", "/query?query=up", 200, nil},

		{clusterViewer, "/cluster", 200, nil},
		{clusterViewer, "/nodes/n1/pods", 200, []string{"other", "wsa-dev", "wsa-prod"}},
		{clusterViewer, "/components/etcd", 200, nil},
		{clusterViewer, "/namespaces", 200, all},
		{clusterViewer, "/query?query=up", 403, nil},
		{clusterViewer, "/workspaces/wsa", 403, nil},

		{workspaceAdmin, "/workspaces/wsa", 200, nil},
		{workspaceAdmin, "/workspaces/wsa/namespaces", 200, []string{"wsa-dev", "wsa-prod"}},
		{workspaceAdmin, "/workspaces/wsa/pods", 200, []string{"wsa-dev", "wsa-prod"}},
		{workspaceAdmin, "/namespaces", 200, []string{"wsa-dev", "wsa-prod"}},
		{workspaceAdmin, "/nodes/n1/pods", 200, []string{"wsa-dev", "wsa-prod"}},
		{workspaceAdmin, "/workspaces/wsb", 403, nil},
		{workspaceAdmin, "/namespaces/wsb-app/pods", 403, nil},
		{workspaceAdmin, "/cluster", 403, nil},
		{workspaceAdmin, "/nodes", 403, nil},
		{workspaceAdmin, "/query?query=up", 403, nil},

		{projectViewer, "/namespaces", 200, []string{"wsa-dev"}},
		{projectViewer, "/namespaces/wsa-dev/pods", 200, []string{"wsa-dev"}},
		{projectViewer, "/namespaces/wsa-dev/workloads", 200, []string{"wsa-dev"}},
		{projectViewer, "/nodes/n1/pods", 200, []string{"wsa-dev"}},
		{projectViewer, "/namespaces/wsa-prod/pods", 403, nil},
		{projectViewer, "/namespaces/other", 403, nil},
		{projectViewer, "/workspaces/wsa", 403, nil},
		{projectViewer, "/components/apiserver", 403, nil},
		{projectViewer, "/query_range?query=up&start=0", 403, nil},

		{nobody, "/namespaces", 200, []string{}},
		{nobody, "/workspaces", 200, []string{}},
		{nobody, "/nodes/n1/pods", 200, []string{}},
		{nobody, "/namespaces/wsa-dev", 403, nil},
		{nobody, "/workspaces/wsa/pods", 403, nil},
		{nobody, "/cluster", 403, nil},
		{nobody, "/query?query=up", 403, nil},
	}
	for _, tt := range tests {
		t.Run(tt.user+" "+tt.path, func(t *testing.T) {
			r := api.Do(t, http.MethodGet, prefix+tt.path, tok[tt.user], nil)
			if tt.code != http.StatusOK {
				platform.ExpectStatus(t, r, tt.code)
				return
			}
			a := decode(t, r)
			if tt.namespaces != nil && !slices.Equal(a.namespaces(), tt.namespaces) {
				t.Errorf("namespaces %v, want %v", a.namespaces(), tt.namespaces)
			}
		})
	}
	// The workspace's sums hold only what the caller sees: the workspace
	// admin's wsa is wsa-dev and wsa-prod; nobody sees no workspace.
	if ws := decode(t, get(t, tok[workspaceAdmin], "/workspaces", url.Values{"metrics_filter": {"workspace_pod_count"}})).values("workspace_pod_count", "workspace"); len(ws) != 1 || ws["wsa"] != 13 {
		t.Errorf("the workspace admin's workspaces: %v, want wsa with 13 pods", ws)
	}
	// The project viewer's pods of node n1 are wsa-dev's on n1.
	pods := decode(t, get(t, tok[projectViewer], "/nodes/n1/pods", url.Values{"metrics_filter": {"pod_cpu_usage"}})).values("pod_cpu_usage", "pod")
	if len(pods) != 5 {
		t.Errorf("the project viewer's pods on n1: %v", pods)
	}
}

// No input a tenant controls reads another namespace: filters that are
// regular expressions or PromQL fragments stay label values, raw PromQL
// is refused, and what the API runs is confined by the parser.
func TestCraftedInputNeverReadsAnotherNamespace(t *testing.T) {
	tok := users(t)[projectViewer]
	injections := []string{`.+`, `.*`, `"}`, `.+"} or {__name__=~".+`, `web-1"} or up{namespace="other`, `wsa-dev|other`, `other`,
		`{__name__=~".+"}`, `x") or label_replace(up, "namespace", "wsa-dev", "", "") or vector(1`}
	paths := []string{"/namespaces", "/namespaces/wsa-dev/pods", "/namespaces/wsa-dev/workloads", "/nodes/n1/pods", "/namespaces/wsa-dev/pods/web-1/containers"}
	for _, path := range paths {
		for _, inj := range injections {
			for _, param := range []string{"resources_filter", "metrics_filter"} {
				r := get(t, tok, path, url.Values{param: {inj}})
				if r.Code == http.StatusBadRequest {
					continue // refused: fine
				}
				a := decode(t, r)
				for _, ns := range a.namespaces() {
					if ns != "wsa-dev" {
						t.Errorf("%s %s=%q read namespace %s", path, param, inj, ns)
					}
				}
				// The marker is a sample's whole value, "4242" (a usage such
				// as 0.04242913 merely holds its digits).
				if strings.Contains(string(r.Body), "secret-0") || strings.Contains(string(r.Body), `"4242"`) {
					t.Errorf("%s %s=%q read other's series: %s", path, param, inj, r.Body)
				}
			}
		}
	}
	// Raw PromQL of any shape is the platform administrator's only.
	for _, q := range []string{`{__name__=~".+"}`, `tenant_secret`, `tenant_secret{namespace="wsa-dev"}`} {
		for _, ep := range []string{"/query", "/query_range"} {
			platform.ExpectStatus(t, get(t, tok, ep, url.Values{"query": {q}, "start": {"0"}}), http.StatusForbidden)
		}
	}
}

// The injector, on crafted queries against the real Prometheus: confined
// to wsa-dev (whose marker is 1), no answer holds other's marker 4242 or
// another namespace's (2, 3), whatever the query does with its labels.
func TestConfinedQueriesAgainstPrometheus(t *testing.T) {
	users(t)
	queries := []string{
		`tenant_secret`,
		`{__name__=~".+"}`,
		`{__name__=~"tenant_.*", namespace="other"}`,
		`tenant_secret or tenant_secret{namespace="other"}`,
		`tenant_secret{namespace="wsa-dev"} or on() tenant_secret{namespace!="wsa-dev"}`,
		`sum(tenant_secret)`,
		`max_over_time(tenant_secret[1m:1s])`,
		`max_over_time({__name__="tenant_secret",namespace=~"o.*"}[5m:1s] offset 1s)`,
		`label_replace(tenant_secret{namespace="other"}, "namespace", "wsa-dev", "namespace", ".*")`,
		`label_replace({__name__=~"tenant_.+"}, "namespace", "wsa-dev", "", "")`,
		`count_values("v", {__name__=~"tenant_.+"})`,
		`sum by (namespace) (tenant_secret) + on() group_left() sum(tenant_secret{namespace="other"})`,
		`topk(10, tenant_secret)`,
		`absent(tenant_secret{namespace="other"})`,
		`tenant_secret unless tenant_secret{namespace="other"}`,
	}
	for _, q := range queries {
		t.Run(q, func(t *testing.T) {
			confined, err := promql.ConfineString(q, []string{"wsa-dev"})
			if err != nil {
				t.Fatal(err)
			}
			// The administrator runs the confined query as the API would.
			r := get(t, admin, "/query", url.Values{"query": {confined}})
			a := decode(t, r)
			for _, res := range a.Results {
				for _, s := range res.Series {
					v, _ := strconv.ParseFloat(s.Value[1].(string), 64)
					name := s.Labels["__name__"]
					if v == 4242 || name == "tenant_secret" && v != 1 || name == "" && strings.Contains(q, "tenant_") && v > 1 {
						t.Errorf("%s read another namespace: %v = %v", confined, s.Labels, v)
					}
					for k, l := range s.Labels {
						if strings.Contains(l, "4242") || k == "namespace" && l != "wsa-dev" {
							t.Errorf("%s read another namespace: %v", confined, s.Labels)
						}
					}
				}
			}
		})
	}
}
