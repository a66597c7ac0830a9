package prometheus

import "strconv"

// Pod is a synthetic pod: where it runs, what owns it and what it uses.
type Pod struct {
	Namespace, Name, Node string
	// Deployment, when set, owns the pod through the ReplicaSet
	// "<deployment>-rs"; StatefulSet owns it directly.
	Deployment, StatefulSet string
	// CPU is in cores, Memory in bytes; NetRx and NetTx in bytes/s.
	CPU, Memory, NetRx, NetTx float64
	Restarts                  float64
	// Phase defaults to Running.
	Phase string
}

// Cluster is a synthetic cluster whose series the exporter serves as
// cAdvisor and kube-state-metrics would, under their names and labels.
type Cluster struct {
	Nodes []string
	// Namespaces maps each namespace to its workspace ("" for none).
	Namespaces map[string]string
	Pods       []Pod
	PVCs       []PVC
}

// PVC is a bound PersistentVolumeClaim: the storage it requests and the
// bytes its volume uses.
type PVC struct {
	Namespace, Name string
	Requested, Used float64
}

// VolumeStats is the kubelet's series of the claims' volumes.
func (c Cluster) VolumeStats() []Series {
	out := make([]Series, 0, 2*len(c.PVCs))
	for _, v := range c.PVCs {
		l := map[string]string{"namespace": v.Namespace, "persistentvolumeclaim": v.Name}
		out = append(out,
			Series{Name: "kubelet_volume_stats_used_bytes", Labels: l, Value: v.Used},
			Series{Name: "kubelet_volume_stats_capacity_bytes", Labels: l, Value: v.Requested},
		)
	}
	return out
}

// CAdvisor is the cAdvisor-style container series of the pods (one
// container "app" per pod, and the pod's network).
func (c Cluster) CAdvisor() []Series {
	out := make([]Series, 0, 4*len(c.Pods))
	for _, p := range c.Pods {
		l := map[string]string{"namespace": p.Namespace, "pod": p.Name, "container": "app", "node": p.Node}
		out = append(out,
			Series{Name: "container_cpu_usage_seconds_total", Labels: l, Rate: nonZero(p.CPU)},
			Series{Name: "container_memory_working_set_bytes", Labels: l, Value: p.Memory},
		)
		net := map[string]string{"namespace": p.Namespace, "pod": p.Name, "node": p.Node, "interface": "eth0"}
		out = append(out,
			Series{Name: "container_network_receive_bytes_total", Labels: net, Rate: nonZero(p.NetRx)},
			Series{Name: "container_network_transmit_bytes_total", Labels: net, Rate: nonZero(p.NetTx)},
		)
	}
	return out
}

// nonZero keeps a counter a counter: a zero rate would make it a gauge.
func nonZero(v float64) float64 {
	if v == 0 {
		return 1e-9
	}
	return v
}

// StateMetrics is the kube-state-metrics-style object series.
func (c Cluster) StateMetrics() []Series {
	var out []Series
	for _, n := range c.Nodes {
		out = append(out,
			Series{Name: "kube_node_info", Labels: map[string]string{"node": n}, Value: 1},
			Series{Name: "kube_node_status_condition", Labels: map[string]string{"node": n, "condition": "Ready", "status": "true"}, Value: 1},
			Series{Name: "kube_node_status_allocatable", Labels: map[string]string{"node": n, "resource": "cpu", "unit": "core"}, Value: 8},
			Series{Name: "kube_node_status_allocatable", Labels: map[string]string{"node": n, "resource": "memory", "unit": "byte"}, Value: 32 << 30},
			Series{Name: "kube_node_status_allocatable", Labels: map[string]string{"node": n, "resource": "pods", "unit": "integer"}, Value: 110},
		)
	}
	for ns, ws := range c.Namespaces {
		l := map[string]string{"namespace": ns}
		if ws != "" {
			l["label_superkube_io_workspace"] = ws
		}
		out = append(out, Series{Name: "kube_namespace_labels", Labels: l, Value: 1},
			Series{Name: "kube_namespace_created", Labels: map[string]string{"namespace": ns}, Value: 1.7e9})
	}
	deployments := map[[2]string]int{}
	for _, p := range c.Pods {
		phase := p.Phase
		if phase == "" {
			phase = "Running"
		}
		owner, ownerKind := p.StatefulSet, "StatefulSet"
		if p.Deployment != "" {
			owner, ownerKind = p.Deployment+"-rs", "ReplicaSet"
			deployments[[2]string{p.Namespace, p.Deployment}]++
		}
		out = append(out,
			Series{Name: "kube_pod_info", Labels: map[string]string{"namespace": p.Namespace, "pod": p.Name, "node": p.Node, "created_by_kind": ownerKind, "created_by_name": owner}, Value: 1},
			Series{Name: "kube_pod_status_phase", Labels: map[string]string{"namespace": p.Namespace, "pod": p.Name, "phase": phase}, Value: 1},
			Series{Name: "kube_pod_container_status_restarts_total", Labels: map[string]string{"namespace": p.Namespace, "pod": p.Name, "container": "app"}, Value: p.Restarts},
			Series{Name: "kube_pod_container_resource_requests", Labels: map[string]string{"namespace": p.Namespace, "pod": p.Name, "container": "app", "node": p.Node, "resource": "cpu", "unit": "core"}, Value: 0.1},
		)
		if owner != "" {
			out = append(out, Series{Name: "kube_pod_owner", Labels: map[string]string{"namespace": p.Namespace, "pod": p.Name, "owner_kind": ownerKind, "owner_name": owner, "owner_is_controller": "true"}, Value: 1})
		}
	}
	for _, v := range c.PVCs {
		l := map[string]string{"namespace": v.Namespace, "persistentvolumeclaim": v.Name}
		out = append(out,
			Series{Name: "kube_persistentvolumeclaim_resource_requests_storage_bytes", Labels: l, Value: v.Requested},
			Series{Name: "kube_persistentvolumeclaim_status_phase", Labels: map[string]string{"namespace": v.Namespace, "persistentvolumeclaim": v.Name, "phase": "Bound"}, Value: 1},
		)
	}
	for d, n := range deployments {
		out = append(out,
			Series{Name: "kube_replicaset_owner", Labels: map[string]string{"namespace": d[0], "replicaset": d[1] + "-rs", "owner_kind": "Deployment", "owner_name": d[1], "owner_is_controller": "true"}, Value: 1},
			Series{Name: "kube_deployment_spec_replicas", Labels: map[string]string{"namespace": d[0], "deployment": d[1]}, Value: float64(n)},
			Series{Name: "kube_deployment_status_replicas_available", Labels: map[string]string{"namespace": d[0], "deployment": d[1]}, Value: float64(n)},
		)
	}
	return out
}

// ControlPlane is a few series of kube-apiserver and etcd.
func ControlPlane() (apiserver, etcd []Series) {
	for i, code := range []string{"200", "201", "500"} {
		apiserver = append(apiserver, Series{Name: "apiserver_request_total", Labels: map[string]string{"verb": "GET", "code": code}, Rate: float64(10 - 4*i)})
	}
	for _, le := range []float64{0.05, 0.1, 0.5, 1} {
		apiserver = append(apiserver, Series{Name: "apiserver_request_duration_seconds_bucket", Labels: map[string]string{"verb": "GET", "le": strconv.FormatFloat(le, 'f', -1, 64)}, Rate: 10 * le})
	}
	apiserver = append(apiserver, Series{Name: "apiserver_request_duration_seconds_bucket", Labels: map[string]string{"verb": "GET", "le": "+Inf"}, Rate: 10})
	etcd = []Series{{Name: "etcd_server_has_leader", Value: 1}, {Name: "etcd_mvcc_db_total_size_in_bytes", Value: 20 << 20}}
	return apiserver, etcd
}
