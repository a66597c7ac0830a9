// Package statemetrics exports the state of Kubernetes objects (pods,
// workloads, nodes, namespaces, claims) from an informer cache as Prometheus
// series, under the metric and label names of kube-state-metrics v2, for
// clusters where kube-state-metrics itself does not run. Only the subset the
// monitoring API reads is exported; testdata/kube-state-metrics.txt lists it.
package statemetrics

import (
	"context"
	"strconv"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"
)

// Units of the resource series, as kube-state-metrics names them.
const (
	unitCore    = "core"
	unitByte    = "byte"
	unitInteger = "integer"
)

// Collector turns the objects Reader returns into series each time it is
// collected. Reader is read-only: lists do not copy the cached objects.
type Collector struct {
	reader client.Reader
	// active says whether to export: false on a replica that stands by.
	active func() bool
	// nsLabels are the namespace label keys kube_namespace_labels carries.
	nsLabels []string

	podInfo, podOwner, podPhase, restarts, ready, requests, limits         *prometheus.Desc
	deploySpec, deployAvailable, stsReplicas, stsReady, dsDesired, dsReady *prometheus.Desc
	rsOwner                                                                *prometheus.Desc
	nodeInfo, nodeCondition, nodeAllocatable, nodeCapacity                 *prometheus.Desc
	nsLabelsDesc, nsCreated                                                *prometheus.Desc
	pvcPhase, pvcStorage                                                   *prometheus.Desc

	// families are the name, help and type of each description, for the
	// streaming handler.
	families map[*prometheus.Desc]family
}

// family is what the text format says of a metric family.
type family struct {
	name, help string
	labels     []string
	counter    bool
}

// NewCollector returns a collector of what reader holds. active, when not
// nil, turns the export off while it returns false. namespaceLabels are
// the label keys of namespaces that kube_namespace_labels exports (as
// label_<key> with every character outside [a-zA-Z0-9_] made "_").
func NewCollector(reader client.Reader, active func() bool, namespaceLabels []string) *Collector {
	pod := []string{"namespace", "pod", "uid"}
	container := []string{"namespace", "pod", "uid", "container"}
	resources := []string{"namespace", "pod", "uid", "container", "node", "resource", "unit"}
	nsLabels := []string{"namespace"}
	for _, k := range namespaceLabels {
		nsLabels = append(nsLabels, "label_"+SanitizeLabelName(k))
	}
	families := map[*prometheus.Desc]family{}
	d := func(name, help string, labels []string, _ prometheus.Labels) *prometheus.Desc {
		desc := prometheus.NewDesc(name, help, labels, nil)
		families[desc] = family{name: name, help: help, labels: labels, counter: strings.HasSuffix(name, "_total")}
		return desc
	}
	return &Collector{
		reader: reader, active: active, nsLabels: namespaceLabels, families: families,
		podInfo: d("kube_pod_info", "Information about a pod: where it runs and what created it.",
			append(pod[:3:3], "host_ip", "pod_ip", "node", "created_by_kind", "created_by_name", "priority_class", "host_network"), nil),
		podOwner: d("kube_pod_owner", "The owners of a pod, one series per owner reference.",
			append(pod[:3:3], "owner_kind", "owner_name", "owner_is_controller"), nil),
		podPhase: d("kube_pod_status_phase", "The phase of a pod: 1 for the current one, 0 for the others.", append(pod[:3:3], "phase"), nil),
		restarts: d("kube_pod_container_status_restarts_total", "How many times a container restarted.", container, nil),
		ready:    d("kube_pod_container_status_ready", "Whether a container passes its readiness check.", container, nil),
		requests: d("kube_pod_container_resource_requests", "The resources a container requests.", resources, nil),
		limits:   d("kube_pod_container_resource_limits", "The resource limits of a container.", resources, nil),

		deploySpec:      d("kube_deployment_spec_replicas", "The replicas a deployment wants.", []string{"namespace", "deployment"}, nil),
		deployAvailable: d("kube_deployment_status_replicas_available", "The available replicas of a deployment.", []string{"namespace", "deployment"}, nil),
		stsReplicas:     d("kube_statefulset_replicas", "The replicas a statefulset wants.", []string{"namespace", "statefulset"}, nil),
		stsReady:        d("kube_statefulset_status_replicas_ready", "The ready replicas of a statefulset.", []string{"namespace", "statefulset"}, nil),
		dsDesired:       d("kube_daemonset_status_desired_number_scheduled", "The nodes a daemonset should run on.", []string{"namespace", "daemonset"}, nil),
		dsReady:         d("kube_daemonset_status_number_ready", "The nodes where a daemonset's pod is ready.", []string{"namespace", "daemonset"}, nil),
		rsOwner: d("kube_replicaset_owner", "The owners of a replicaset, one series per owner reference.",
			[]string{"namespace", "replicaset", "owner_kind", "owner_name", "owner_is_controller"}, nil),

		nodeInfo: d("kube_node_info", "Information about a node.", []string{"node", "kernel_version", "os_image", "container_runtime_version",
			"kubelet_version", "kubeproxy_version", "provider_id", "pod_cidr", "system_uuid", "internal_ip"}, nil),
		nodeCondition:   d("kube_node_status_condition", "The conditions of a node: 1 for the current status, 0 for the others.", []string{"node", "condition", "status"}, nil),
		nodeAllocatable: d("kube_node_status_allocatable", "The resources of a node that pods may use.", []string{"node", "resource", "unit"}, nil),
		nodeCapacity:    d("kube_node_status_capacity", "The resources of a node.", []string{"node", "resource", "unit"}, nil),

		nsLabelsDesc: d("kube_namespace_labels", "The allowed labels of a namespace.", nsLabels, nil),
		nsCreated:    d("kube_namespace_created", "When a namespace was created, in Unix seconds.", []string{"namespace"}, nil),

		pvcPhase:   d("kube_persistentvolumeclaim_status_phase", "The phase of a claim: 1 for the current one, 0 for the others.", []string{"namespace", "persistentvolumeclaim", "phase"}, nil),
		pvcStorage: d("kube_persistentvolumeclaim_resource_requests_storage_bytes", "The storage a claim requests, in bytes.", []string{"namespace", "persistentvolumeclaim"}, nil),
	}
}

// Describe sends the descriptions of every series.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.podInfo, c.podOwner, c.podPhase, c.restarts, c.ready, c.requests, c.limits,
		c.deploySpec, c.deployAvailable, c.stsReplicas, c.stsReady, c.dsDesired, c.dsReady, c.rsOwner,
		c.nodeInfo, c.nodeCondition, c.nodeAllocatable, c.nodeCapacity, c.nsLabelsDesc, c.nsCreated, c.pvcPhase, c.pvcStorage} {
		ch <- d
	}
}

// Collect sends the series of every object, or none while not active.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	if c.active != nil && !c.active() {
		return
	}
	ctx := context.Background()
	for _, collect := range []func(context.Context, chan<- prometheus.Metric) error{
		c.collectPods, c.collectDeployments, c.collectStatefulSets, c.collectDaemonSets, c.collectReplicaSets,
		c.collectNodes, c.collectNamespaces, c.collectClaims,
	} {
		if err := collect(ctx, ch); err != nil {
			// A kind that cannot be read leaves the others exported.
			log.FromContext(ctx).Error(err, "Reading objects for the state metrics")
		}
	}
}

// list reads every cached object of a kind without copying them.
func (c *Collector) list(ctx context.Context, l client.ObjectList) error {
	return c.reader.List(ctx, l, client.UnsafeDisableDeepCopy)
}

// sample is one series. It is a prometheus.Metric for any registry, and
// the streaming handler writes it without building its protobuf form
// (about 1 KiB of label pairs per series, 100,000 series per scrape).
type sample struct {
	desc   *prometheus.Desc
	typ    prometheus.ValueType
	value  float64
	labels []string // in the order of the description's label names
}

func (s *sample) Desc() *prometheus.Desc { return s.desc }

func (s *sample) Write(out *dto.Metric) error {
	m, err := prometheus.NewConstMetric(s.desc, s.typ, s.value, s.labels...)
	if err != nil {
		return err
	}
	return m.Write(out)
}

func gauge(ch chan<- prometheus.Metric, d *prometheus.Desc, v float64, labels ...string) {
	ch <- &sample{desc: d, typ: prometheus.GaugeValue, value: v, labels: labels}
}

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// Each collect function sends the series of one family after the other,
// never interleaved, so that the handler can stream them (see write.go).

func (c *Collector) collectPods(ctx context.Context, ch chan<- prometheus.Metric) error {
	var pods corev1.PodList
	if err := c.list(ctx, &pods); err != nil {
		return err
	}
	for _, emit := range []func(p *corev1.Pod, ns, name, uid string){
		func(p *corev1.Pod, ns, name, uid string) {
			var kind, by string
			if ref := metav1.GetControllerOf(p); ref != nil {
				kind, by = ref.Kind, ref.Name
			}
			gauge(ch, c.podInfo, 1, ns, name, uid, p.Status.HostIP, p.Status.PodIP, p.Spec.NodeName, kind, by,
				p.Spec.PriorityClassName, strconv.FormatBool(p.Spec.HostNetwork))
		},
		func(p *corev1.Pod, ns, name, uid string) {
			if len(p.OwnerReferences) == 0 {
				gauge(ch, c.podOwner, 1, ns, name, uid, "", "", "")
			}
			for _, o := range p.OwnerReferences {
				gauge(ch, c.podOwner, 1, ns, name, uid, o.Kind, o.Name, strconv.FormatBool(o.Controller != nil && *o.Controller))
			}
		},
		func(p *corev1.Pod, ns, name, uid string) {
			if p.Status.Phase == "" {
				return
			}
			for _, phase := range []corev1.PodPhase{corev1.PodPending, corev1.PodSucceeded, corev1.PodFailed, corev1.PodUnknown, corev1.PodRunning} {
				gauge(ch, c.podPhase, boolValue(p.Status.Phase == phase), ns, name, uid, string(phase))
			}
		},
		func(p *corev1.Pod, ns, name, uid string) {
			for _, s := range p.Status.ContainerStatuses {
				ch <- &sample{desc: c.restarts, typ: prometheus.CounterValue, value: float64(s.RestartCount), labels: []string{ns, name, uid, s.Name}}
			}
		},
		func(p *corev1.Pod, ns, name, uid string) {
			for _, s := range p.Status.ContainerStatuses {
				gauge(ch, c.ready, boolValue(s.Ready), ns, name, uid, s.Name)
			}
		},
		func(p *corev1.Pod, ns, name, uid string) {
			for _, ctr := range p.Spec.Containers {
				for res, q := range ctr.Resources.Requests {
					if unit, v, ok := resourceValue(res, q, false); ok {
						gauge(ch, c.requests, v, ns, name, uid, ctr.Name, p.Spec.NodeName, SanitizeLabelName(string(res)), unit)
					}
				}
			}
		},
		func(p *corev1.Pod, ns, name, uid string) {
			for _, ctr := range p.Spec.Containers {
				for res, q := range ctr.Resources.Limits {
					if unit, v, ok := resourceValue(res, q, false); ok {
						gauge(ch, c.limits, v, ns, name, uid, ctr.Name, p.Spec.NodeName, SanitizeLabelName(string(res)), unit)
					}
				}
			}
		},
	} {
		for i := range pods.Items {
			p := &pods.Items[i]
			emit(p, p.Namespace, p.Name, string(p.UID))
		}
	}
	return nil
}

func (c *Collector) collectDeployments(ctx context.Context, ch chan<- prometheus.Metric) error {
	var l appsv1.DeploymentList
	if err := c.list(ctx, &l); err != nil {
		return err
	}
	for i := range l.Items {
		if d := &l.Items[i]; d.Spec.Replicas != nil {
			gauge(ch, c.deploySpec, float64(*d.Spec.Replicas), d.Namespace, d.Name)
		}
	}
	for i := range l.Items {
		d := &l.Items[i]
		gauge(ch, c.deployAvailable, float64(d.Status.AvailableReplicas), d.Namespace, d.Name)
	}
	return nil
}

func (c *Collector) collectStatefulSets(ctx context.Context, ch chan<- prometheus.Metric) error {
	var l appsv1.StatefulSetList
	if err := c.list(ctx, &l); err != nil {
		return err
	}
	for i := range l.Items {
		if s := &l.Items[i]; s.Spec.Replicas != nil {
			gauge(ch, c.stsReplicas, float64(*s.Spec.Replicas), s.Namespace, s.Name)
		}
	}
	for i := range l.Items {
		s := &l.Items[i]
		gauge(ch, c.stsReady, float64(s.Status.ReadyReplicas), s.Namespace, s.Name)
	}
	return nil
}

func (c *Collector) collectDaemonSets(ctx context.Context, ch chan<- prometheus.Metric) error {
	var l appsv1.DaemonSetList
	if err := c.list(ctx, &l); err != nil {
		return err
	}
	for i := range l.Items {
		d := &l.Items[i]
		gauge(ch, c.dsDesired, float64(d.Status.DesiredNumberScheduled), d.Namespace, d.Name)
	}
	for i := range l.Items {
		d := &l.Items[i]
		gauge(ch, c.dsReady, float64(d.Status.NumberReady), d.Namespace, d.Name)
	}
	return nil
}

func (c *Collector) collectReplicaSets(ctx context.Context, ch chan<- prometheus.Metric) error {
	var l appsv1.ReplicaSetList
	if err := c.list(ctx, &l); err != nil {
		return err
	}
	for i := range l.Items {
		r := &l.Items[i]
		if len(r.OwnerReferences) == 0 {
			gauge(ch, c.rsOwner, 1, r.Namespace, r.Name, "", "", "")
		}
		for _, o := range r.OwnerReferences {
			gauge(ch, c.rsOwner, 1, r.Namespace, r.Name, o.Kind, o.Name, strconv.FormatBool(o.Controller != nil && *o.Controller))
		}
	}
	return nil
}

func (c *Collector) collectNodes(ctx context.Context, ch chan<- prometheus.Metric) error {
	var l corev1.NodeList
	if err := c.list(ctx, &l); err != nil {
		return err
	}
	for i := range l.Items {
		n := &l.Items[i]
		var internalIP string
		for _, a := range n.Status.Addresses {
			if a.Type == corev1.NodeInternalIP {
				internalIP = a.Address
			}
		}
		info := n.Status.NodeInfo
		gauge(ch, c.nodeInfo, 1, n.Name, info.KernelVersion, info.OSImage, info.ContainerRuntimeVersion, info.KubeletVersion,
			"deprecated", n.Spec.ProviderID, n.Spec.PodCIDR, info.SystemUUID, internalIP)
	}
	for i := range l.Items {
		n := &l.Items[i]
		for _, cond := range n.Status.Conditions {
			for _, s := range []corev1.ConditionStatus{corev1.ConditionTrue, corev1.ConditionFalse, corev1.ConditionUnknown} {
				gauge(ch, c.nodeCondition, boolValue(cond.Status == s), n.Name, string(cond.Type), strings.ToLower(string(s)))
			}
		}
	}
	for _, f := range []struct {
		desc      *prometheus.Desc
		resources func(*corev1.Node) corev1.ResourceList
	}{
		{c.nodeAllocatable, func(n *corev1.Node) corev1.ResourceList { return n.Status.Allocatable }},
		{c.nodeCapacity, func(n *corev1.Node) corev1.ResourceList { return n.Status.Capacity }},
	} {
		for i := range l.Items {
			n := &l.Items[i]
			for res, q := range f.resources(n) {
				if unit, v, ok := resourceValue(res, q, true); ok {
					gauge(ch, f.desc, v, n.Name, SanitizeLabelName(string(res)), unit)
				}
			}
		}
	}
	return nil
}

func (c *Collector) collectNamespaces(ctx context.Context, ch chan<- prometheus.Metric) error {
	var l corev1.NamespaceList
	if err := c.list(ctx, &l); err != nil {
		return err
	}
	for i := range l.Items {
		ns := &l.Items[i]
		values := make([]string, 1+len(c.nsLabels))
		values[0] = ns.Name
		for j, k := range c.nsLabels {
			values[1+j] = ns.Labels[k]
		}
		gauge(ch, c.nsLabelsDesc, 1, values...)
	}
	for i := range l.Items {
		if ns := &l.Items[i]; !ns.CreationTimestamp.IsZero() {
			gauge(ch, c.nsCreated, float64(ns.CreationTimestamp.Unix()), ns.Name)
		}
	}
	return nil
}

func (c *Collector) collectClaims(ctx context.Context, ch chan<- prometheus.Metric) error {
	var l corev1.PersistentVolumeClaimList
	if err := c.list(ctx, &l); err != nil {
		return err
	}
	for i := range l.Items {
		pvc := &l.Items[i]
		if pvc.Status.Phase == "" {
			continue
		}
		for _, phase := range []corev1.PersistentVolumeClaimPhase{corev1.ClaimLost, corev1.ClaimBound, corev1.ClaimPending} {
			gauge(ch, c.pvcPhase, boolValue(pvc.Status.Phase == phase), pvc.Namespace, pvc.Name, string(phase))
		}
	}
	for i := range l.Items {
		pvc := &l.Items[i]
		if q, ok := pvc.Spec.Resources.Requests[corev1.ResourceStorage]; ok {
			gauge(ch, c.pvcStorage, float64(q.Value()), pvc.Namespace, pvc.Name)
		}
	}
	return nil
}

// resourceValue returns the unit and value of a resource quantity as
// kube-state-metrics exports it: CPU in cores, memory and storage in
// bytes, pods (on nodes) and extended resources as integers. Other
// resources are not exported.
func resourceValue(name corev1.ResourceName, q resource.Quantity, node bool) (string, float64, bool) {
	switch {
	case name == corev1.ResourceCPU:
		return unitCore, float64(q.MilliValue()) / 1000, true
	case name == corev1.ResourceMemory, name == corev1.ResourceStorage, name == corev1.ResourceEphemeralStorage,
		strings.HasPrefix(string(name), corev1.ResourceHugePagesPrefix), strings.HasPrefix(string(name), "attachable-volumes-"):
		return unitByte, float64(q.Value()), true
	case name == corev1.ResourcePods:
		return unitInteger, float64(q.Value()), node
	case strings.Contains(string(name), "/") && !strings.HasPrefix(string(name), corev1.ResourceDefaultNamespacePrefix):
		// Extended resources: a domain-qualified name outside kubernetes.io.
		return unitInteger, float64(q.Value()), true
	}
	return "", 0, false
}

// SanitizeLabelName makes a Kubernetes name a Prometheus label name: every
// character outside [a-zA-Z0-9_] becomes "_".
func SanitizeLabelName(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '_'
	}, s)
}
