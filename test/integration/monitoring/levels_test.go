package monitoring

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/superkube/super-kubenetes/internal/testutil/platform"
)

// Every level answers the platform administrator with data, in one
// request per level for all its metrics.
func TestEachLevelAnswers(t *testing.T) {
	users(t)
	tests := []struct {
		path, metric, label, object string
	}{
		{"/cluster", "cluster_cpu_usage", "", ""},
		{"/cluster", "cluster_node_total", "", ""},
		{"/nodes", "node_cpu_usage", "node", "n1"},
		{"/nodes/n2", "node_pod_running_count", "node", "n2"},
		{"/workspaces", "workspace_cpu_usage", "workspace", "wsa"},
		{"/workspaces/wsa", "workspace_pod_count", "workspace", "wsa"},
		{"/workspaces/wsa/namespaces", "namespace_cpu_usage", "namespace", "wsa-prod"},
		{"/workspaces/wsa/pods", "pod_cpu_usage", "pod", "api-0"},
		{"/namespaces", "namespace_memory_usage_wo_cache", "namespace", "other"},
		{"/namespaces/wsa-dev", "namespace_pod_running_count", "namespace", "wsa-dev"},
		{"/namespaces/wsa-dev/workloads", "workload_cpu_usage", "workload", "web"},
		{"/namespaces/wsa-prod/workloads/statefulset", "workload_cpu_usage", "workload", "api"},
		{"/namespaces/wsa-dev/workloads/deployment/web", "workload_replica", "workload", "web"},
		{"/namespaces/wsa-dev/workloads/deployment/web/pods", "pod_cpu_usage", "pod", "web-3"},
		{"/namespaces/wsa-dev/pods", "pod_memory_usage_wo_cache", "pod", "web-0"},
		{"/namespaces/wsa-dev/pods/web-1", "pod_restarts", "pod", "web-1"},
		{"/namespaces/wsa-dev/pods/web-1/containers", "container_cpu_usage", "container", "app"},
		{"/namespaces/wsa-dev/pods/web-1/containers/app", "container_memory_usage_wo_cache", "container", "app"},
		{"/nodes/n1/pods", "pod_cpu_usage", "pod", "secret-0"},
		{"/namespaces/wsa-dev/persistentvolumeclaims", "pvc_bytes_utilisation", "persistentvolumeclaim", "data-1"},
		{"/namespaces/wsa-dev/persistentvolumeclaims/data-0", "pvc_bytes_used", "persistentvolumeclaim", "data-0"},
		{"/cluster", "cluster_pvc_bound_count", "", ""},
		{"/components/apiserver", "apiserver_request_rate", "", ""},
		{"/components/etcd", "etcd_db_size", "", ""},
		{"/components/etcd", "component_up", "job", "etcd"},
	}
	for _, tt := range tests {
		t.Run(tt.path+" "+tt.metric, func(t *testing.T) {
			a := decode(t, get(t, admin, tt.path, nil))
			got := a.values(tt.metric, tt.label)
			if _, ok := got[tt.object]; !ok || len(a.Results) < 2 && tt.path != "/components/etcd" {
				t.Fatalf("%s has no %s of %q: %v (%d results)", tt.path, tt.metric, tt.object, got, len(a.Results))
			}
			for _, r := range a.Results {
				if r.Error != "" {
					t.Errorf("%s: %s", r.MetricName, r.Error)
				}
			}
		})
	}
	// The figures add up: a node's pods and the workloads' CPU.
	a := decode(t, get(t, admin, "/namespaces/wsa-dev/workloads/deployment/web", url.Values{"metrics_filter": {"workload_cpu_usage|workload_replica"}}))
	// Rates over 5m of series a few seconds old are low; the pods' and the
	// workload's, at the same instant, add up.
	at := url.Values{"time": {time.Now().Format(time.RFC3339Nano)}}
	web := decode(t, get(t, admin, "/namespaces/wsa-dev/workloads/deployment/web", merge(at, url.Values{"metrics_filter": {"workload_cpu_usage"}}))).values("workload_cpu_usage", "workload")["web"]
	sum := 0.0
	for _, v := range decode(t, get(t, admin, "/namespaces/wsa-dev/workloads/deployment/web/pods", merge(at, url.Values{"metrics_filter": {"pod_cpu_usage"}}))).values("pod_cpu_usage", "pod") {
		sum += v
	}
	if web <= 0 || web < sum*0.999 || web > sum*1.001 {
		t.Errorf("web uses %v cores, its pods %v", web, sum)
	}
	if n := a.values("workload_replica", "workload")["web"]; n != 10 {
		t.Errorf("web has %v replicas, want 10", n)
	}
	if len(a.Results) != 2 {
		t.Errorf("%d results for two metrics", len(a.Results))
	}
	// A project's claims: what each uses of what it requests, and no other project's.
	claims := decode(t, get(t, admin, "/namespaces/wsa-dev/persistentvolumeclaims", nil))
	if u := claims.values("pvc_bytes_utilisation", "persistentvolumeclaim"); len(u) != 2 || u["data-0"] != 0.25 || u["data-1"] != 0.75 {
		t.Errorf("wsa-dev's claims are used %v, want data-0 0.25 and data-1 0.75 and nothing else", u)
	}
	if n := decode(t, get(t, admin, "/cluster", url.Values{"metrics_filter": {"cluster_pvc_bound_count"}})).values("cluster_pvc_bound_count", "")[""]; n != 3 {
		t.Errorf("%v claims bound in the cluster, want 3", n)
	}
	pods := decode(t, get(t, admin, "/nodes/n2/pods", url.Values{"metrics_filter": {"pod_cpu_usage"}})).values("pod_cpu_usage", "pod")
	if len(pods) != 7 { // web-1,3,5,7,9 and app-0,1
		t.Errorf("node n2 runs %v, want 7 pods", pods)
	}
}

func TestRangeAndCatalog(t *testing.T) {
	users(t)
	var a *answer
	platform.Eventually(t, "a range of two points", time.Minute, func() error {
		now := time.Now()
		q := url.Values{"metrics_filter": {"pod_cpu_usage"}, "start": {strconv.FormatInt(now.Add(-time.Minute).Unix(), 10)}, "end": {now.Format(time.RFC3339)}, "step": {"2s"}}
		a = decode(t, get(t, admin, "/namespaces/wsa-dev/pods/web-2", q))
		if len(a.Results) != 1 || a.Results[0].ResultType != "matrix" || len(a.Results[0].Series) != 1 || len(a.Results[0].Series[0].Values) < 2 {
			return fmt.Errorf("range: %+v", a.Results)
		}
		return nil
	})
	if u := a.Results[0].Unit; u != "cores" {
		t.Errorf("unit %q", u)
	}
	r := get(t, admin, "/metrics", url.Values{"level": {"pod"}})
	if r.Code != http.StatusOK || r.Str("kind") != "MetricCatalog" {
		t.Fatalf("catalog: %d %s", r.Code, r.Body)
	}
	// The catalog is open to everyone who is logged in.
	if r := get(t, users(t)[nobody], "/metrics", nil); r.Code != http.StatusOK {
		t.Errorf("catalog for nobody: %d", r.Code)
	}
}

// Ranking orders the objects by the latest value of the sort metric and
// pages them; the other metrics answer for the page's objects only.
func TestRankingReturnsTheTopPods(t *testing.T) {
	users(t)
	top := func(path string, q url.Values) ([]string, *answer) {
		t.Helper()
		a := decode(t, get(t, admin, path, q))
		var order []string
		for _, r := range a.Results {
			if r.MetricName != q.Get("sort_metric") {
				continue
			}
			byValue := a.values(r.MetricName, "pod")
			for p := range byValue {
				order = append(order, p)
			}
			slices.SortFunc(order, func(x, y string) int {
				if byValue[x] > byValue[y] {
					return -1
				}
				return 1
			})
		}
		return order, a
	}
	q := url.Values{"metrics_filter": {"pod_cpu_usage|pod_memory_usage_wo_cache"}, "sort_metric": {"pod_cpu_usage"}, "limit": {"3"}}
	got, a := top("/namespaces/wsa-dev/pods", q)
	if !slices.Equal(got, []string{"web-9", "web-8", "web-7"}) || a.TotalItems == nil || *a.TotalItems != 10 || *a.Page != 1 {
		t.Fatalf("top 3: %v, total %v", got, a.TotalItems)
	}
	if mem := a.values("pod_memory_usage_wo_cache", "pod"); len(mem) != 3 || mem["web-9"] == 0 {
		t.Errorf("memory of the page: %v", mem)
	}
	q.Set("page", "2")
	if got, _ := top("/namespaces/wsa-dev/pods", q); !slices.Equal(got, []string{"web-6", "web-5", "web-4"}) {
		t.Errorf("page 2: %v", got)
	}
	q.Set("page", "1")
	q.Set("sort_type", "asc")
	if got, _ := top("/namespaces/wsa-dev/pods", q); !slices.Equal(got, []string{"web-2", "web-1", "web-0"}) {
		t.Errorf("bottom 3 (shown by value): %v", got)
	}
	// Across a workspace, and across a node (every namespace).
	q = url.Values{"metrics_filter": {"pod_cpu_usage"}, "sort_metric": {"pod_cpu_usage"}, "limit": {"2"}}
	if got, _ := top("/workspaces/wsa/pods", q); !slices.Equal(got, []string{"web-9", "web-8"}) {
		t.Errorf("top of wsa: %v", got)
	}
	if got, _ := top("/nodes/n1/pods", q); !slices.Equal(got, []string{"secret-0", "web-8"}) {
		t.Errorf("top of n1: %v", got)
	}
}

func merge(vs ...url.Values) url.Values {
	out := url.Values{}
	for _, v := range vs {
		for k, x := range v {
			out[k] = x
		}
	}
	return out
}
