package catalog_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/superkube/super-kubenetes/internal/monitoring/catalog"
	"github.com/superkube/super-kubenetes/internal/monitoring/promql"
)

var placeholderLeft = regexp.MustCompile(`"\$[a-z]`)

// Every template parses, and fills with every placeholder empty.
func TestTemplatesParseAndFill(t *testing.T) {
	c := catalog.New()
	units := map[string]bool{catalog.Cores: true, catalog.Bytes: true, catalog.BytesPerSec: true, catalog.Ratio: true, catalog.Count: true, catalog.CountPerSec: true, catalog.Seconds: true}
	filters := map[string]promql.Filter{}
	for _, p := range catalog.Placeholders() {
		filters[p] = promql.Filter{}
	}
	seen := map[string]bool{}
	for _, l := range catalog.Levels() {
		if len(c.Metrics(l)) == 0 {
			t.Errorf("level %s has no metric", l)
		}
		for _, m := range c.Metrics(l) {
			if seen[m.Name] {
				t.Errorf("%s is defined twice", m.Name)
			}
			seen[m.Name] = true
			if !units[m.Unit] {
				t.Errorf("%s: unit %q", m.Name, m.Unit)
			}
			expr, err := promql.Parse(m.Expr)
			if err != nil {
				t.Errorf("%s: %v", m.Name, err)
				continue
			}
			if err := promql.Fill(expr, filters); err != nil {
				t.Errorf("%s: %v", m.Name, err)
			}
			if placeholderLeft.MatchString(expr.String()) {
				t.Errorf("%s keeps a placeholder: %s", m.Name, expr)
			}
		}
	}
	// The names the console uses (the contract).
	for _, name := range []string{"cluster_cpu_usage", "cluster_cpu_total", "cluster_cpu_utilisation", "cluster_memory_usage_wo_cache",
		"cluster_memory_total", "cluster_memory_utilisation", "cluster_pod_running_count", "cluster_pod_count", "cluster_node_total",
		"cluster_node_online", "cluster_net_bytes_received", "cluster_net_bytes_transmitted", "node_cpu_usage", "node_cpu_total",
		"node_cpu_utilisation", "node_memory_usage_wo_cache", "node_memory_total", "node_memory_utilisation", "node_pod_running_count",
		"node_pod_quota", "node_net_bytes_received", "node_net_bytes_transmitted", "workspace_cpu_usage", "workspace_memory_usage_wo_cache",
		"workspace_net_bytes_received", "workspace_net_bytes_transmitted", "workspace_pod_count", "workspace_pod_running_count",
		"namespace_cpu_usage", "namespace_memory_usage_wo_cache", "namespace_net_bytes_received", "namespace_net_bytes_transmitted",
		"namespace_pod_count", "namespace_pod_running_count", "workload_cpu_usage", "workload_memory_usage_wo_cache",
		"workload_net_bytes_received", "workload_net_bytes_transmitted", "workload_replica", "workload_replica_available",
		"pod_cpu_usage", "pod_memory_usage_wo_cache", "pod_net_bytes_received", "pod_net_bytes_transmitted", "pod_restarts",
		"container_cpu_usage", "container_memory_usage_wo_cache", "pvc_bytes_used", "pvc_bytes_total", "pvc_bytes_utilisation",
		"apiserver_request_rate", "apiserver_request_latency_p99", "apiserver_error_rate", "etcd_server_has_leader", "etcd_db_size",
		"etcd_request_latency_p99", "scheduler_schedule_attempts", "scheduler_e2e_latency_p99", "controller_manager_workqueue_depth", "component_up"} {
		if !seen[name] {
			t.Errorf("the contract's metric %s is missing", name)
		}
	}
}

func TestSelect(t *testing.T) {
	c := catalog.New()
	tests := []struct {
		level             catalog.Level
		component, filter string
		want              []string
		wantErr           string
	}{
		{catalog.Pod, "", "pod_cpu_usage|pod_restarts", []string{"pod_cpu_usage", "pod_restarts"}, ""},
		{catalog.Pod, "", "pod_net.*", []string{"pod_net_bytes_received", "pod_net_bytes_transmitted"}, ""},
		{catalog.Pod, "", "pod_cpu_usage|node_cpu_usage", nil, `unknown metric "node_cpu_usage" of level pod: valid metrics are pod_cpu_usage,`},
		{catalog.Pod, "", "nothing.*", nil, "no metric of level pod matches"},
		{catalog.Pod, "", "pod_(", nil, "bad regular expression"},
		{catalog.Component, "etcd", "", []string{"component_up", "component_cpu_usage", "component_memory_usage", "etcd_server_has_leader", "etcd_db_size", "etcd_request_latency_p99"}, ""},
		{catalog.Component, "etcd", "apiserver_request_rate", nil, "unknown metric"},
	}
	for _, tt := range tests {
		got, err := c.Select(tt.level, tt.component, tt.filter)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%s %q: error %v, want %q", tt.level, tt.filter, err, tt.wantErr)
			}
			continue
		}
		var names []string
		for _, m := range got {
			names = append(names, m.Name)
		}
		if strings.Join(names, ",") != strings.Join(tt.want, ",") {
			t.Errorf("%s %q: %v, want %v (%v)", tt.level, tt.filter, names, tt.want, err)
		}
	}
	if _, err := catalog.ParseLevel("galaxy"); err == nil || !strings.Contains(err.Error(), "valid levels are cluster, node,") {
		t.Errorf("unknown level: %v", err)
	}
}
