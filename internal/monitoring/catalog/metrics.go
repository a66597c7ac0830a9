package catalog

import "strings"

// Selectors of the raw series the templates share. cAdvisor's series of
// the pod sandbox (container "POD") and of whole pods (container "") are
// left out of the per-container sums.
const (
	containers = `container!="",container!="POD",namespace=~"$namespace",pod=~"$pod",container=~"$container"`
	cpuRate    = `rate(container_cpu_usage_seconds_total{` + containers + `}[5m])`
	memory     = `container_memory_working_set_bytes{` + containers + `}`
	netPods    = `pod!="",namespace=~"$namespace",pod=~"$pod"`
	rxRate     = `rate(container_network_receive_bytes_total{` + netPods + `}[5m])`
	txRate     = `rate(container_network_transmit_bytes_total{` + netPods + `}[5m])`
	podInfo    = `kube_pod_info{namespace=~"$namespace",pod=~"$pod"}`
	running    = `kube_pod_status_phase{phase="Running",namespace=~"$namespace",pod=~"$pod"}`

	// nodeCPU and nodeMemory sum the containers on each node.
	nodeContainers = `container!="",container!="POD",node=~"$node"`

	// workspaceOf maps each namespace to its workspace, from the
	// namespace's label superkube.io/workspace as kube-state-metrics
	// exports it.
	workspaceOf = `max by (namespace, workspace) (label_replace(kube_namespace_labels{label_superkube_io_workspace!="",label_superkube_io_workspace=~"$workspace",namespace=~"$namespace"}, "workspace", "$1", "label_superkube_io_workspace", "(.+)"))`

	// workloadOf maps each pod to its workload (workload_kind, workload):
	// a Deployment through its ReplicaSet, a StatefulSet or DaemonSet directly.
	workloadOf = `max by (namespace, pod, workload_kind, workload) (
  label_replace(label_replace(kube_pod_owner{owner_kind=~"StatefulSet|DaemonSet",namespace=~"$namespace",pod=~"$pod"}, "workload", "$1", "owner_name", "(.+)"), "workload_kind", "$1", "owner_kind", "(.+)")
  or
  label_replace(label_replace(
    label_replace(kube_pod_owner{owner_kind="ReplicaSet",namespace=~"$namespace",pod=~"$pod"}, "replicaset", "$1", "owner_name", "(.+)")
    * on (namespace, replicaset) group_left (owner_kind, owner_name) kube_replicaset_owner{owner_kind="Deployment",namespace=~"$namespace"},
    "workload", "$1", "owner_name", "(.+)"), "workload_kind", "$1", "owner_kind", "(.+)")
)`
)

// WorkloadOf is the template that maps pods to their workloads, which the
// service reads to find a workload's pods.
const WorkloadOf = workloadOf

// perWorkspace sums a per-namespace expression by workspace.
func perWorkspace(byNamespace string) string {
	return `sum by (workspace) (` + byNamespace + ` * on (namespace) group_left (workspace) ` + workspaceOf + `)`
}

// perWorkload sums a per-pod expression by workload.
func perWorkload(byPod string) string {
	return `sum by (namespace, workload_kind, workload) (` + byPod + ` * on (namespace, pod) group_left (workload_kind, workload) ` + workloadOf + `)`
}

// workloadReplicas joins the three kinds' replica series under the labels
// workload_kind and workload.
func workloadReplicas(deployment, statefulset, daemonset string) string {
	one := func(metric, label, kind string) string {
		return `max by (namespace, workload_kind, workload) (label_replace(label_replace(` + metric + `{namespace=~"$namespace"}, "workload", "$1", "` + label + `", "(.+)"), "workload_kind", "` + kind + `", "", ""))`
	}
	return strings.Join([]string{one(deployment, "deployment", "Deployment"), one(statefulset, "statefulset", "StatefulSet"), one(daemonset, "daemonset", "DaemonSet")}, " or ")
}

func p99(bucket string) string {
	return `histogram_quantile(0.99, sum by (le) (rate(` + bucket + `[5m])))`
}

// metrics is the catalog, level by level.
func metrics() []Metric {
	sumCPU, sumMem := `sum(`+cpuRate+`)`, `sum(`+memory+`)`
	cpuTotal, memTotal := `sum(kube_node_status_allocatable{resource="cpu"})`, `sum(kube_node_status_allocatable{resource="memory"})`
	nodeCPU := `sum by (node) (rate(container_cpu_usage_seconds_total{` + nodeContainers + `}[5m]))`
	nodeMem := `sum by (node) (container_memory_working_set_bytes{` + nodeContainers + `})`
	nodeAlloc := func(resource string) string {
		return `sum by (node) (kube_node_status_allocatable{resource="` + resource + `",node=~"$node"})`
	}
	podsOnNode := `kube_pod_info{node=~"$node"} * on (namespace, pod) group_left () kube_pod_status_phase{phase="Running"}`
	nsCPU, nsMem := `sum by (namespace) (`+cpuRate+`)`, `sum by (namespace) (`+memory+`)`
	nsRx, nsTx := `sum by (namespace) (`+rxRate+`)`, `sum by (namespace) (`+txRate+`)`
	nsPods, nsRunning := `count by (namespace) (`+podInfo+`)`, `sum by (namespace) (`+running+`)`
	podCPU, podMem := `sum by (namespace, pod) (`+cpuRate+`)`, `sum by (namespace, pod) (`+memory+`)`
	podRx, podTx := `sum by (namespace, pod) (`+rxRate+`)`, `sum by (namespace, pod) (`+txRate+`)`
	pvcUsed := `sum by (namespace, persistentvolumeclaim) (kubelet_volume_stats_used_bytes{namespace=~"$namespace",persistentvolumeclaim=~"$pvc"})`
	pvcTotal := `sum by (namespace, persistentvolumeclaim) (kube_persistentvolumeclaim_resource_requests_storage_bytes{namespace=~"$namespace",persistentvolumeclaim=~"$pvc"})`
	apiRate := `sum(rate(apiserver_request_total{job="apiserver"}[5m]))`
	all := func(ms ...Metric) []Metric { return ms }
	m := func(l Level, name, unit, desc, expr string, components ...string) Metric {
		return Metric{Name: name, Level: l, Unit: unit, Description: desc, Expr: expr, Components: components}
	}
	// rec gives a metric its form over the recorded series.
	rec := func(mt Metric, recorded string) Metric {
		mt.Recorded = recorded
		return mt
	}
	return all(
		rec(m(Cluster, "cluster_cpu_usage", Cores, "CPU used by every container", sumCPU), `superkube:cluster_cpu_usage:rate5m`),
		rec(m(Cluster, "cluster_cpu_total", Cores, "Allocatable CPU of the nodes", cpuTotal), `superkube:cluster_cpu_allocatable:cores`),
		rec(m(Cluster, "cluster_cpu_utilisation", Ratio, "CPU used over allocatable CPU", sumCPU+` / `+cpuTotal), `superkube:cluster_cpu_utilisation:ratio`),
		m(Cluster, "cluster_cpu_requests", Cores, "CPU requested by the pods' containers", `sum(kube_pod_container_resource_requests{resource="cpu"})`),
		m(Cluster, "cluster_cpu_limits", Cores, "CPU limits of the pods' containers", `sum(kube_pod_container_resource_limits{resource="cpu"})`),
		rec(m(Cluster, "cluster_memory_usage_wo_cache", Bytes, "Working-set memory of every container (without the page cache)", sumMem), `superkube:cluster_memory_working_set_bytes:sum`),
		rec(m(Cluster, "cluster_memory_total", Bytes, "Allocatable memory of the nodes", memTotal), `superkube:cluster_memory_allocatable:bytes`),
		rec(m(Cluster, "cluster_memory_utilisation", Ratio, "Working-set memory over allocatable memory", sumMem+` / `+memTotal), `superkube:cluster_memory_utilisation:ratio`),
		m(Cluster, "cluster_memory_requests", Bytes, "Memory requested by the pods' containers", `sum(kube_pod_container_resource_requests{resource="memory"})`),
		m(Cluster, "cluster_memory_limits", Bytes, "Memory limits of the pods' containers", `sum(kube_pod_container_resource_limits{resource="memory"})`),
		rec(m(Cluster, "cluster_pod_running_count", Count, "Pods in phase Running", `sum(`+running+`)`), `sum(superkube:namespace_pod_running:count)`),
		m(Cluster, "cluster_pod_count", Count, "Pods", `count(`+podInfo+`)`),
		m(Cluster, "cluster_pod_quota", Count, "Pods the nodes may run", `sum(kube_node_status_allocatable{resource="pods"})`),
		rec(m(Cluster, "cluster_node_total", Count, "Nodes", `count(kube_node_info)`), `superkube:cluster_node:count`),
		rec(m(Cluster, "cluster_node_online", Count, "Nodes whose condition Ready is true", `sum(kube_node_status_condition{condition="Ready",status="true"})`), `superkube:cluster_node_ready:count`),
		m(Cluster, "cluster_namespace_count", Count, "Namespaces", `count(kube_namespace_created)`),
		m(Cluster, "cluster_pvc_bound_count", Count, "PersistentVolumeClaims in phase Bound", `sum(kube_persistentvolumeclaim_status_phase{phase="Bound"})`),
		rec(m(Cluster, "cluster_net_bytes_received", BytesPerSec, "Bytes received by the pods", `sum(`+rxRate+`)`), `sum(superkube:namespace_network_receive_bytes:rate5m)`),
		rec(m(Cluster, "cluster_net_bytes_transmitted", BytesPerSec, "Bytes sent by the pods", `sum(`+txRate+`)`), `sum(superkube:namespace_network_transmit_bytes:rate5m)`),

		rec(m(Node, "node_cpu_usage", Cores, "CPU used by the node's containers", nodeCPU), `superkube:node_cpu_usage:rate5m{node=~"$node"}`),
		m(Node, "node_cpu_total", Cores, "Allocatable CPU", nodeAlloc("cpu")),
		rec(m(Node, "node_cpu_utilisation", Ratio, "CPU used over allocatable CPU", nodeCPU+` / on (node) `+nodeAlloc("cpu")), `superkube:node_cpu_utilisation:ratio{node=~"$node"}`),
		rec(m(Node, "node_memory_usage_wo_cache", Bytes, "Working-set memory of the node's containers", nodeMem), `superkube:node_memory_working_set_bytes:sum{node=~"$node"}`),
		m(Node, "node_memory_total", Bytes, "Allocatable memory", nodeAlloc("memory")),
		rec(m(Node, "node_memory_utilisation", Ratio, "Working-set memory over allocatable memory", nodeMem+` / on (node) `+nodeAlloc("memory")), `superkube:node_memory_utilisation:ratio{node=~"$node"}`),
		rec(m(Node, "node_pod_running_count", Count, "Pods running on the node", `sum by (node) (`+podsOnNode+`)`), `superkube:node_pod_running:count{node=~"$node"}`),
		m(Node, "node_pod_count", Count, "Pods scheduled to the node", `count by (node) (kube_pod_info{node=~"$node"})`),
		m(Node, "node_pod_quota", Count, "Pods the node may run", nodeAlloc("pods")),
		m(Node, "node_ready", Count, "1 when the node's condition Ready is true", `max by (node) (kube_node_status_condition{condition="Ready",status="true",node=~"$node"})`),
		m(Node, "node_net_bytes_received", BytesPerSec, "Bytes received by the node's pods", `sum by (node) (rate(container_network_receive_bytes_total{pod!="",node=~"$node"}[5m]))`),
		m(Node, "node_net_bytes_transmitted", BytesPerSec, "Bytes sent by the node's pods", `sum by (node) (rate(container_network_transmit_bytes_total{pod!="",node=~"$node"}[5m]))`),

		m(Workspace, "workspace_cpu_usage", Cores, "CPU used by the workspace's pods", perWorkspace(nsCPU)),
		m(Workspace, "workspace_memory_usage_wo_cache", Bytes, "Working-set memory of the workspace's pods", perWorkspace(nsMem)),
		m(Workspace, "workspace_net_bytes_received", BytesPerSec, "Bytes received by the workspace's pods", perWorkspace(nsRx)),
		m(Workspace, "workspace_net_bytes_transmitted", BytesPerSec, "Bytes sent by the workspace's pods", perWorkspace(nsTx)),
		m(Workspace, "workspace_pod_count", Count, "Pods of the workspace's projects", perWorkspace(nsPods)),
		m(Workspace, "workspace_pod_running_count", Count, "Running pods of the workspace's projects", perWorkspace(nsRunning)),

		rec(m(Namespace, "namespace_cpu_usage", Cores, "CPU used by the project's pods", nsCPU), `superkube:namespace_cpu_usage:rate5m{namespace=~"$namespace"}`),
		rec(m(Namespace, "namespace_memory_usage_wo_cache", Bytes, "Working-set memory of the project's pods", nsMem), `superkube:namespace_memory_working_set_bytes:sum{namespace=~"$namespace"}`),
		rec(m(Namespace, "namespace_net_bytes_received", BytesPerSec, "Bytes received by the project's pods", nsRx), `superkube:namespace_network_receive_bytes:rate5m{namespace=~"$namespace"}`),
		rec(m(Namespace, "namespace_net_bytes_transmitted", BytesPerSec, "Bytes sent by the project's pods", nsTx), `superkube:namespace_network_transmit_bytes:rate5m{namespace=~"$namespace"}`),
		m(Namespace, "namespace_pod_count", Count, "Pods of the project", nsPods),
		rec(m(Namespace, "namespace_pod_running_count", Count, "Running pods of the project", nsRunning), `superkube:namespace_pod_running:count{namespace=~"$namespace"}`),
		m(Namespace, "namespace_cpu_requests", Cores, "CPU requested by the project's containers", `sum by (namespace) (kube_pod_container_resource_requests{resource="cpu",namespace=~"$namespace"})`),
		m(Namespace, "namespace_memory_requests", Bytes, "Memory requested by the project's containers", `sum by (namespace) (kube_pod_container_resource_requests{resource="memory",namespace=~"$namespace"})`),

		m(Workload, "workload_cpu_usage", Cores, "CPU used by the workload's pods", perWorkload(podCPU)),
		m(Workload, "workload_memory_usage_wo_cache", Bytes, "Working-set memory of the workload's pods", perWorkload(podMem)),
		m(Workload, "workload_net_bytes_received", BytesPerSec, "Bytes received by the workload's pods", perWorkload(podRx)),
		m(Workload, "workload_net_bytes_transmitted", BytesPerSec, "Bytes sent by the workload's pods", perWorkload(podTx)),
		m(Workload, "workload_replica", Count, "Desired replicas (scheduled pods of a DaemonSet)", workloadReplicas("kube_deployment_spec_replicas", "kube_statefulset_replicas", "kube_daemonset_status_desired_number_scheduled")),
		m(Workload, "workload_replica_available", Count, "Available replicas (ready pods of a StatefulSet or DaemonSet)", workloadReplicas("kube_deployment_status_replicas_available", "kube_statefulset_status_replicas_ready", "kube_daemonset_status_number_ready")),

		m(Pod, "pod_cpu_usage", Cores, "CPU used by the pod's containers", podCPU),
		m(Pod, "pod_memory_usage_wo_cache", Bytes, "Working-set memory of the pod's containers", podMem),
		m(Pod, "pod_net_bytes_received", BytesPerSec, "Bytes received by the pod", podRx),
		m(Pod, "pod_net_bytes_transmitted", BytesPerSec, "Bytes sent by the pod", podTx),
		m(Pod, "pod_restarts", Count, "Restarts of the pod's containers", `sum by (namespace, pod) (kube_pod_container_status_restarts_total{namespace=~"$namespace",pod=~"$pod"})`),
		m(Pod, "pod_cpu_requests", Cores, "CPU requested by the pod's containers", `sum by (namespace, pod) (kube_pod_container_resource_requests{resource="cpu",namespace=~"$namespace",pod=~"$pod"})`),
		m(Pod, "pod_memory_requests", Bytes, "Memory requested by the pod's containers", `sum by (namespace, pod) (kube_pod_container_resource_requests{resource="memory",namespace=~"$namespace",pod=~"$pod"})`),

		m(Container, "container_cpu_usage", Cores, "CPU used by the container", `sum by (namespace, pod, container) (`+cpuRate+`)`),
		m(Container, "container_memory_usage_wo_cache", Bytes, "Working-set memory of the container", `sum by (namespace, pod, container) (`+memory+`)`),
		m(Container, "container_restarts", Count, "Restarts of the container", `sum by (namespace, pod, container) (kube_pod_container_status_restarts_total{namespace=~"$namespace",pod=~"$pod",container=~"$container"})`),

		m(PVC, "pvc_bytes_used", Bytes, "Bytes used on the claim's volume", pvcUsed),
		m(PVC, "pvc_bytes_total", Bytes, "Storage the claim requests", pvcTotal),
		m(PVC, "pvc_bytes_utilisation", Ratio, "Bytes used over the storage requested", pvcUsed+` / `+pvcTotal),

		m(Component, "component_up", Count, "1 for each scrape target of the component that answers", `up{job=~"$job"}`),
		m(Component, "component_cpu_usage", Cores, "CPU used by the component's processes", `rate(process_cpu_seconds_total{job=~"$job"}[5m])`),
		m(Component, "component_memory_usage", Bytes, "Resident memory of the component's processes", `process_resident_memory_bytes{job=~"$job"}`),
		m(Component, "apiserver_request_rate", CountPerSec, "Requests to kube-apiserver", apiRate, "apiserver"),
		m(Component, "apiserver_request_latency_p99", Seconds, "99th percentile of kube-apiserver's request latency, watches and connections aside",
			p99(`apiserver_request_duration_seconds_bucket{job="apiserver",verb!~"WATCH|CONNECT"}`), "apiserver"),
		m(Component, "apiserver_error_rate", Ratio, "Share of kube-apiserver's requests answered with a 5xx code",
			`sum(rate(apiserver_request_total{job="apiserver",code=~"5.."}[5m])) / `+apiRate, "apiserver"),
		m(Component, "etcd_server_has_leader", Count, "1 when etcd has a leader", `max(etcd_server_has_leader{job="etcd"})`, "etcd"),
		m(Component, "etcd_db_size", Bytes, "Size of etcd's database", `max(etcd_mvcc_db_total_size_in_bytes{job="etcd"})`, "etcd"),
		m(Component, "etcd_request_latency_p99", Seconds, "99th percentile of the latency of kube-apiserver's requests to etcd",
			p99(`etcd_request_duration_seconds_bucket{job="apiserver"}`), "etcd"),
		m(Component, "scheduler_schedule_attempts", CountPerSec, "Scheduling attempts by result", `sum by (result) (rate(scheduler_schedule_attempts_total{job="kube-scheduler"}[5m]))`, "scheduler"),
		m(Component, "scheduler_e2e_latency_p99", Seconds, "99th percentile of the scheduling attempts' duration",
			p99(`scheduler_scheduling_attempt_duration_seconds_bucket{job="kube-scheduler"}`), "scheduler"),
		m(Component, "controller_manager_workqueue_depth", Count, "Items waiting in each work queue of kube-controller-manager",
			`sum by (name) (workqueue_depth{job="kube-controller-manager"})`, "controller-manager"),
	)
}
