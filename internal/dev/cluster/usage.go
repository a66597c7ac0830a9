package cluster

import (
	"fmt"
	"strings"
)

// Annotations that set the simulated usage of each container of a pod.
// They are KWOK's own names for CPU and memory; the network ones follow them.
const (
	UsageCPUAnnotation             = "kwok.x-k8s.io/usage-cpu"
	UsageMemoryAnnotation          = "kwok.x-k8s.io/usage-memory"
	UsageNetworkReceiveAnnotation  = "kwok.x-k8s.io/usage-network-receive"
	UsageNetworkTransmitAnnotation = "kwok.x-k8s.io/usage-network-transmit"
)

// Default simulated usage of a container whose pod has no annotation: CPU in
// cores, memory in bytes, network in bytes per second.
const (
	DefaultUsageCPU             = "10m"
	DefaultUsageMemory          = "32Mi"
	DefaultUsageNetworkReceive  = "2Ki"
	DefaultUsageNetworkTransmit = "1Ki"
)

// Usage of a simulated node beyond its pods (its system daemons), so that a
// node without pods still reports usage: metrics-server drops a node whose
// CPU or memory reads zero.
const (
	nodeSystemCPU    = "0.05"      // cores
	nodeSystemMemory = "536870912" // bytes, 512Mi
)

// resourceMetricsPath is where KWOK's server serves a simulated kubelet's
// metrics. All the nodes share one address and one kubelet port
// (127.0.0.1), so KWOK tells them apart by the node's name in the path.
//
// One path per node serves both the kubelet's resource metrics and the
// cAdvisor-style series: KWOK keeps one registry per node, and two Metric
// objects with paths of their own would each remove the other's series
// from it on every read (and may not describe one series twice).
const resourceMetricsPath = "/metrics/nodes/{nodeName}/metrics/resource"

// ResourceMetricsPath is where node's metrics are served on the kubelet
// port: the kubelet's resource metrics (/metrics/resource) and the
// cAdvisor-style container series (/metrics/cadvisor) together.
func ResourceMetricsPath(node string) string {
	return strings.ReplaceAll(resourceMetricsPath, "{nodeName}", node)
}

// usageExpression is the CEL expression of one resource's usage per
// container: the pod's annotation when it has one, else the default.
func usageExpression(annotation, fallback string) string {
	return fmt.Sprintf(`"%[1]s" in pod.metadata.annotations ? Quantity(pod.metadata.annotations["%[1]s"]) : Quantity(%[2]q)`, annotation, fallback)
}

// containerLabels name a container's series as the kubelet does.
const containerLabels = `
    labels:
    - name: namespace
      value: pod.metadata.namespace
    - name: pod
      value: pod.metadata.name
    - name: container
      value: container.name`

// podLabels name a pod's series (cAdvisor's network series belong to the
// pod's sandbox and carry its interface besides).
const podLabels = `
    labels:
    - name: namespace
      value: pod.metadata.namespace
    - name: pod
      value: pod.metadata.name`

// kwokUsageConfig is the KWOK configuration of the simulated usage and of the
// metrics each node serves: a ClusterResourceUsage for every pod, and a
// Metric with the kubelet's resource metrics (read by metrics-server and
// Prometheus) and cAdvisor's network series (read by Prometheus; the
// container CPU and memory series are the same in both). KWOK adds up a
// counter from the current usage each time it is read.
func kwokUsageConfig() string {
	usage := map[string]string{
		"cpu":              usageExpression(UsageCPUAnnotation, DefaultUsageCPU),
		"memory":           usageExpression(UsageMemoryAnnotation, DefaultUsageMemory),
		"network-receive":  usageExpression(UsageNetworkReceiveAnnotation, DefaultUsageNetworkReceive),
		"network-transmit": usageExpression(UsageNetworkTransmitAnnotation, DefaultUsageNetworkTransmit),
	}
	var b strings.Builder
	b.WriteString(`---
apiVersion: kwok.x-k8s.io/v1alpha1
kind: ClusterResourceUsage
metadata:
  name: usage-from-annotations
spec:
  usages:
  - usage:
`)
	for _, r := range []string{"cpu", "memory", "network-receive", "network-transmit"} {
		fmt.Fprintf(&b, "      %s:\n        expression: %s\n", r, quoteYAML(usage[r]))
	}
	fmt.Fprintf(&b, `---
apiVersion: kwok.x-k8s.io/v1alpha1
kind: Metric
metadata:
  name: simulated-kubelet
spec:
  path: %q
  metrics:
  - name: scrape_error
    help: 1 if there was an error while getting metrics from the node, 0 otherwise
    kind: gauge
    dimension: node
    value: "0"
  - name: node_cpu_usage_seconds_total
    help: Cumulative cpu time consumed by the node in core-seconds
    kind: counter
    dimension: node
    value: 'node.CumulativeUsage("cpu") + %s * node.SinceSecond()'
  - name: node_memory_working_set_bytes
    help: Current working set of the node in bytes
    kind: gauge
    dimension: node
    value: 'node.Usage("memory") + %s.0'
  - name: pod_cpu_usage_seconds_total
    help: Cumulative cpu time consumed by the pod in core-seconds
    kind: counter
    dimension: pod%s
    value: 'pod.CumulativeUsage("cpu")'
  - name: pod_memory_working_set_bytes
    help: Current working set of the pod in bytes
    kind: gauge
    dimension: pod%s
    value: 'pod.Usage("memory")'
  - name: container_start_time_seconds
    help: Start time of the container since unix epoch in seconds
    kind: gauge
    dimension: container%s
    value: 'double(int(pod.metadata.creationTimestamp))'
  - name: container_cpu_usage_seconds_total
    help: Cumulative cpu time consumed by the container in core-seconds
    kind: counter
    dimension: container%s
    value: 'pod.CumulativeUsage("cpu", container.name)'
  - name: container_memory_working_set_bytes
    help: Current working set of the container in bytes
    kind: gauge
    dimension: container%s
    value: 'pod.Usage("memory", container.name)'
  - name: container_network_receive_bytes_total
    help: Cumulative count of bytes received
    kind: counter
    dimension: pod%s
    - name: interface
      value: '"eth0"'
    value: 'pod.CumulativeUsage("network-receive")'
  - name: container_network_transmit_bytes_total
    help: Cumulative count of bytes transmitted
    kind: counter
    dimension: pod%s
    - name: interface
      value: '"eth0"'
    value: 'pod.CumulativeUsage("network-transmit")'
`, resourceMetricsPath, nodeSystemCPU, nodeSystemMemory, podLabels, podLabels, containerLabels, containerLabels, containerLabels,
		podLabels, podLabels)
	return b.String()
}

// quoteYAML quotes s as a single-quoted YAML scalar.
func quoteYAML(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}
