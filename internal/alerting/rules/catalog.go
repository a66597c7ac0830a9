package rules

import (
	"slices"
	"strings"

	alertingv2beta1 "github.com/superkube/super-kubenetes/api/alerting/v2beta1"
)

// Text is a description in the console's languages.
type Text struct {
	En string `json:"en"`
	Ko string `json:"ko"`
	Zh string `json:"zh"`
}

// BuilderMetric is a metric a builder rule may compare with a threshold.
type BuilderMetric struct {
	Kind alertingv2beta1.TargetKind `json:"kind"`
	Name string                     `json:"name"`
	// Unit is one of cores, bytes, ratio, count, seconds (the monitoring
	// API's units).
	Unit        string `json:"unit"`
	Description Text   `json:"description"`
	// Labels name one target in the compiled expression's series (and so
	// in the alert's labels): {{ $labels.pod }} in a summary.
	Labels []string `json:"labels"`
	// Levels are the rule group levels that may use the metric.
	Levels []string `json:"levels"`

	// expr is the PromQL template: its placeholder matchers (`pod=~"$pod"`)
	// take the rule's names (see package promql's Fill).
	expr string
}

// Units.
const (
	unitCores   = "cores"
	unitBytes   = "bytes"
	unitRatio   = "ratio"
	unitCount   = "count"
	unitSeconds = "seconds"
)

// Placeholders of the templates, one per kind of name.
const (
	pNode        = "node"
	pPod         = "pod"
	pContainer   = "container"
	pPVC         = "pvc"
	pDeployment  = "deployment"
	pStatefulSet = "statefulset"
	pDaemonSet   = "daemonset"
)

// Series the templates share. cAdvisor's series of the pod sandbox
// (container "POD") and of whole pods (container "") are left out.
const (
	containerSel = `container!="",container!="POD",pod=~"$pod",container=~"$container"`
	podSel       = `container!="",container!="POD",pod=~"$pod"`
	nodeSel      = `container!="",container!="POD",node=~"$node"`

	// podWorkload maps each pod to its workload (labels workload_kind and
	// workload): a Deployment through its ReplicaSet, a StatefulSet or a
	// DaemonSet directly. Each kind has its own placeholder, so that the
	// names deployment/web and daemonset/agent select exactly those.
	podWorkload = `max by (namespace, pod, workload_kind, workload) (
  label_replace(label_replace(kube_pod_owner{owner_kind="StatefulSet",owner_name=~"$statefulset"}, "workload", "$1", "owner_name", "(.+)"), "workload_kind", "$1", "owner_kind", "(.+)")
  or
  label_replace(label_replace(kube_pod_owner{owner_kind="DaemonSet",owner_name=~"$daemonset"}, "workload", "$1", "owner_name", "(.+)"), "workload_kind", "$1", "owner_kind", "(.+)")
  or
  label_replace(label_replace(
    max by (namespace, pod, replicaset) (label_replace(kube_pod_owner{owner_kind="ReplicaSet"}, "replicaset", "$1", "owner_name", "(.+)"))
    * on (namespace, replicaset) group_left (owner_kind, owner_name)
    max by (namespace, replicaset, owner_kind, owner_name) (kube_replicaset_owner{owner_kind="Deployment",owner_name=~"$deployment"}),
    "workload", "$1", "owner_name", "(.+)"), "workload_kind", "$1", "owner_kind", "(.+)")
)`
)

// perWorkload sums a per-pod expression by workload.
func perWorkload(byPod string) string {
	return `sum by (namespace, workload_kind, workload) (` + byPod + ` * on (namespace, pod) group_left (workload_kind, workload) ` + podWorkload + `)`
}

// workloadDiff is wanted minus have for the three kinds, under the labels
// workload_kind and workload.
func workloadDiff(kinds [3][2]string) string {
	names := [3][2]string{{"deployment", "Deployment"}, {"statefulset", "StatefulSet"}, {"daemonset", "DaemonSet"}}
	parts := make([]string, 3)
	for i, k := range kinds {
		label, kind := names[i][0], names[i][1]
		sel := `{` + label + `=~"$` + label + `"}`
		by := ` by (namespace, ` + label + `) `
		diff := `max` + by + `(` + k[0] + sel + `) - max` + by + `(` + k[1] + sel + `)`
		parts[i] = `label_replace(label_replace(` + diff + `, "workload", "$1", "` + label + `", "(.+)"), "workload_kind", "` + kind + `", "", "")`
	}
	return `max by (namespace, workload_kind, workload) (` + strings.Join(parts, " or ") + `)`
}

var catalog = buildCatalog()

func buildCatalog() []BuilderMetric {
	podCPU := `sum by (namespace, pod) (rate(container_cpu_usage_seconds_total{` + podSel + `}[5m]))`
	podMem := `sum by (namespace, pod) (container_memory_working_set_bytes{` + podSel + `})`
	nodeCPU := `sum by (node) (rate(container_cpu_usage_seconds_total{` + nodeSel + `}[5m]))`
	nodeMem := `sum by (node) (container_memory_working_set_bytes{` + nodeSel + `})`
	nodeAlloc := func(r string) string {
		return `sum by (node) (kube_node_status_allocatable{resource="` + r + `",node=~"$node"})`
	}
	ctrCPU := `sum by (namespace, pod, container) (rate(container_cpu_usage_seconds_total{` + containerSel + `}[5m]))`
	ctrMem := `sum by (namespace, pod, container) (container_memory_working_set_bytes{` + containerSel + `})`
	ctrLimit := func(r string) string {
		return `sum by (namespace, pod, container) (kube_pod_container_resource_limits{resource="` + r + `",pod=~"$pod",container=~"$container"})`
	}
	restarts := func(by, sel string) string {
		return `sum by (` + by + `) (increase(kube_pod_container_status_restarts_total{` + sel + `}[5m]))`
	}
	pvc := `persistentvolumeclaim=~"$pvc"`
	pvcUsed := `sum by (namespace, persistentvolumeclaim) (kubelet_volume_stats_used_bytes{` + pvc + `})`
	pvcCap := `sum by (namespace, persistentvolumeclaim) (kubelet_volume_stats_capacity_bytes{` + pvc + `})`
	pvcAvail := `sum by (namespace, persistentvolumeclaim) (kubelet_volume_stats_available_bytes{` + pvc + `})`

	clusterCPU := `sum(rate(container_cpu_usage_seconds_total{container!="",container!="POD"}[5m])) / sum(kube_node_status_allocatable{resource="cpu"})`
	clusterMem := `sum(container_memory_working_set_bytes{container!="",container!="POD"}) / sum(kube_node_status_allocatable{resource="memory"})`

	type m = BuilderMetric
	k := func(kind alertingv2beta1.TargetKind, name, unit, expr string, d Text) m {
		return m{Kind: kind, Name: name, Unit: unit, expr: expr, Description: d}
	}
	out := []m{
		k(alertingv2beta1.TargetCluster, "cluster_cpu_utilisation", unitRatio, clusterCPU, Text{
			"CPU used by every container over the nodes' allocatable CPU (0–1)",
			"모든 컨테이너의 CPU 사용량 / 노드의 할당 가능 CPU (0–1)",
			"所有容器的 CPU 用量 / 节点可分配 CPU (0–1)"}),
		k(alertingv2beta1.TargetCluster, "cluster_memory_utilisation", unitRatio, clusterMem, Text{
			"Working-set memory of every container over the nodes' allocatable memory (0–1)",
			"모든 컨테이너의 워킹셋 메모리 / 노드의 할당 가능 메모리 (0–1)",
			"所有容器的工作集内存 / 节点可分配内存 (0–1)"}),
		k(alertingv2beta1.TargetCluster, "cluster_node_not_ready", unitCount,
			`sum(kube_node_status_condition{condition="Ready",status!="true"})`, Text{
				"Nodes whose condition Ready is not true",
				"Ready 상태가 아닌 노드 수",
				"Ready 状况不为 true 的节点数"}),
		k(alertingv2beta1.TargetCluster, "cluster_pod_pending", unitCount,
			`sum(kube_pod_status_phase{phase="Pending"})`, Text{
				"Pods in phase Pending",
				"Pending 단계의 파드 수",
				"处于 Pending 阶段的 Pod 数"}),

		k(alertingv2beta1.TargetNode, "node_ready", unitCount,
			`max by (node) (kube_node_status_condition{condition="Ready",status="true",node=~"$node"})`, Text{
				"1 when the node's condition Ready is true, 0 when not",
				"노드가 Ready이면 1, 아니면 0",
				"节点 Ready 时为 1，否则为 0"}),
		k(alertingv2beta1.TargetNode, "node_cpu_utilisation", unitRatio, nodeCPU+` / on (node) `+nodeAlloc("cpu"), Text{
			"CPU used by the node's containers over its allocatable CPU (0–1)",
			"노드 컨테이너의 CPU 사용량 / 할당 가능 CPU (0–1)",
			"节点上容器的 CPU 用量 / 可分配 CPU (0–1)"}),
		k(alertingv2beta1.TargetNode, "node_memory_utilisation", unitRatio, nodeMem+` / on (node) `+nodeAlloc("memory"), Text{
			"Working-set memory of the node's containers over its allocatable memory (0–1)",
			"노드 컨테이너의 워킹셋 메모리 / 할당 가능 메모리 (0–1)",
			"节点上容器的工作集内存 / 可分配内存 (0–1)"}),
		k(alertingv2beta1.TargetNode, "node_pod_utilisation", unitRatio,
			`count by (node) (kube_pod_info{node=~"$node"}) / on (node) `+nodeAlloc("pods"), Text{
				"Pods scheduled to the node over the pods it may run (0–1)",
				"노드에 배치된 파드 수 / 실행 가능한 파드 수 (0–1)",
				"调度到节点的 Pod 数 / 节点可运行的 Pod 数 (0–1)"}),

		k(alertingv2beta1.TargetWorkload, "workload_unavailable_replicas", unitCount, workloadDiff([3][2]string{
			{"kube_deployment_spec_replicas", "kube_deployment_status_replicas_available"},
			{"kube_statefulset_replicas", "kube_statefulset_status_replicas_ready"},
			{"kube_daemonset_status_desired_number_scheduled", "kube_daemonset_status_number_ready"},
		}), Text{
			"Replicas wanted but not available (not ready for a StatefulSet or DaemonSet)",
			"원하는 레플리카 중 사용할 수 없는 수 (StatefulSet·DaemonSet은 Ready가 아닌 수)",
			"期望但不可用的副本数 (StatefulSet 和 DaemonSet 为未就绪的副本数)"}),
		k(alertingv2beta1.TargetWorkload, "workload_cpu_usage", unitCores, perWorkload(podCPU), Text{
			"CPU used by the workload's pods",
			"워크로드 파드의 CPU 사용량",
			"工作负载 Pod 的 CPU 用量"}),
		k(alertingv2beta1.TargetWorkload, "workload_memory_usage", unitBytes, perWorkload(podMem), Text{
			"Working-set memory of the workload's pods",
			"워크로드 파드의 워킹셋 메모리",
			"工作负载 Pod 的工作集内存"}),
		k(alertingv2beta1.TargetWorkload, "workload_restarts", unitCount,
			perWorkload(restarts("namespace, pod", `pod=~"$pod"`)), Text{
				"Container restarts of the workload's pods in the last 5 minutes",
				"최근 5분간 워크로드 파드의 컨테이너 재시작 횟수",
				"最近 5 分钟内工作负载 Pod 的容器重启次数"}),

		k(alertingv2beta1.TargetPod, "pod_restarts", unitCount, restarts("namespace, pod", `pod=~"$pod"`), Text{
			"Container restarts of the pod in the last 5 minutes",
			"최근 5분간 파드의 컨테이너 재시작 횟수",
			"最近 5 分钟内 Pod 的容器重启次数"}),
		k(alertingv2beta1.TargetPod, "pod_not_ready", unitCount,
			`max by (namespace, pod) (1 - kube_pod_container_status_ready{pod=~"$pod"}) * on (namespace, pod) group_left () max by (namespace, pod) (kube_pod_status_phase{phase=~"Pending|Running",pod=~"$pod"})`, Text{
				"1 when a container of a pending or running pod is not ready, 0 when all are",
				"대기 중이거나 실행 중인 파드의 컨테이너 중 Ready가 아닌 것이 있으면 1, 모두 Ready이면 0",
				"Pending 或 Running 的 Pod 中有容器未就绪时为 1，全部就绪时为 0"}),
		k(alertingv2beta1.TargetPod, "pod_cpu_usage", unitCores, podCPU, Text{
			"CPU used by the pod's containers",
			"파드 컨테이너의 CPU 사용량",
			"Pod 中容器的 CPU 用量"}),
		k(alertingv2beta1.TargetPod, "pod_memory_usage", unitBytes, podMem, Text{
			"Working-set memory of the pod's containers",
			"파드 컨테이너의 워킹셋 메모리",
			"Pod 中容器的工作集内存"}),

		k(alertingv2beta1.TargetContainer, "container_restarts", unitCount,
			restarts("namespace, pod, container", `pod=~"$pod",container=~"$container"`), Text{
				"Restarts of the container in the last 5 minutes",
				"최근 5분간 컨테이너 재시작 횟수",
				"最近 5 分钟内容器的重启次数"}),
		k(alertingv2beta1.TargetContainer, "container_cpu_usage", unitCores, ctrCPU, Text{
			"CPU used by the container",
			"컨테이너의 CPU 사용량",
			"容器的 CPU 用量"}),
		k(alertingv2beta1.TargetContainer, "container_memory_usage", unitBytes, ctrMem, Text{
			"Working-set memory of the container",
			"컨테이너의 워킹셋 메모리",
			"容器的工作集内存"}),
		k(alertingv2beta1.TargetContainer, "container_cpu_limit_ratio", unitRatio, ctrCPU+` / `+ctrLimit("cpu"), Text{
			"CPU used by the container over its CPU limit (containers with a limit)",
			"컨테이너의 CPU 사용량 / CPU 제한 (제한이 있는 컨테이너)",
			"容器的 CPU 用量 / CPU 限制 (设有限制的容器)"}),
		k(alertingv2beta1.TargetContainer, "container_memory_limit_ratio", unitRatio, ctrMem+` / `+ctrLimit("memory"), Text{
			"Working-set memory of the container over its memory limit (containers with a limit)",
			"컨테이너의 워킹셋 메모리 / 메모리 제한 (제한이 있는 컨테이너)",
			"容器的工作集内存 / 内存限制 (设有限制的容器)"}),

		k(alertingv2beta1.TargetPVC, "pvc_usage_ratio", unitRatio, pvcUsed+` / `+pvcCap, Text{
			"Bytes used on the claim's volume over its capacity (0–1), from the kubelet's volume stats",
			"볼륨 사용 바이트 / 용량 (0–1), kubelet 볼륨 통계 기준",
			"卷已用字节 / 容量 (0–1)，来自 kubelet 的卷统计"}),
		k(alertingv2beta1.TargetPVC, "pvc_bytes_available", unitBytes, pvcAvail, Text{
			"Bytes still free on the claim's volume",
			"볼륨의 남은 바이트",
			"卷的剩余字节"}),
		k(alertingv2beta1.TargetPVC, "pvc_bytes_used", unitBytes, pvcUsed, Text{
			"Bytes used on the claim's volume",
			"볼륨의 사용 바이트",
			"卷的已用字节"}),
	}
	for i := range out {
		out[i].Labels = kindLabels(out[i].Kind)
		for _, l := range []string{alertingv2beta1.LevelProject, alertingv2beta1.LevelCluster, alertingv2beta1.LevelGlobal} {
			if KindAllowed(l, out[i].Kind) {
				out[i].Levels = append(out[i].Levels, l)
			}
		}
	}
	return out
}

// kindLabels are the labels that name one target of the kind.
func kindLabels(k alertingv2beta1.TargetKind) []string {
	switch k {
	case alertingv2beta1.TargetNode:
		return []string{"node"}
	case alertingv2beta1.TargetWorkload:
		return []string{"namespace", "workload_kind", "workload"}
	case alertingv2beta1.TargetPod:
		return []string{"namespace", "pod"}
	case alertingv2beta1.TargetContainer:
		return []string{"namespace", "pod", "container"}
	case alertingv2beta1.TargetPVC:
		return []string{"namespace", "persistentvolumeclaim"}
	}
	return []string{}
}

// Kinds lists the target kinds in the console's order.
func Kinds() []alertingv2beta1.TargetKind {
	return []alertingv2beta1.TargetKind{
		alertingv2beta1.TargetCluster, alertingv2beta1.TargetNode, alertingv2beta1.TargetWorkload,
		alertingv2beta1.TargetPod, alertingv2beta1.TargetContainer, alertingv2beta1.TargetPVC,
	}
}

// KindAllowed tells whether a group of the level may watch the kind: a
// project's groups watch what lives in a namespace.
func KindAllowed(level string, k alertingv2beta1.TargetKind) bool {
	if !slices.Contains(Kinds(), k) {
		return false
	}
	if level == alertingv2beta1.LevelProject {
		return k != alertingv2beta1.TargetCluster && k != alertingv2beta1.TargetNode
	}
	return true
}

// BuilderCatalog returns the builder's metrics, kind by kind.
func BuilderCatalog() []BuilderMetric {
	out := make([]BuilderMetric, len(catalog))
	for i, m := range catalog {
		m.Labels = slices.Clone(m.Labels)
		m.Levels = slices.Clone(m.Levels)
		out[i] = m
	}
	return out
}

// lookup finds a kind's metric.
func lookup(k alertingv2beta1.TargetKind, name string) (BuilderMetric, bool) {
	for _, m := range catalog {
		if m.Kind == k && m.Name == name {
			return m, true
		}
	}
	return BuilderMetric{}, false
}

// metricNames lists a kind's metrics.
func metricNames(k alertingv2beta1.TargetKind) []string {
	var out []string
	for _, m := range catalog {
		if m.Kind == k {
			out = append(out, m.Name)
		}
	}
	return out
}
