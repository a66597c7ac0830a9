package statemetrics

import (
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	toolscache "k8s.io/client-go/tools/cache"
)

// The transforms below keep, of each object the exporter caches, only the
// fields its series read, so that the cache of 5,000 pods holds a few
// hundred bytes per pod instead of their whole specs, annotations and
// managed fields. The cache is the exporter's own: nothing else reads
// these trimmed objects.

// meta keeps the identity of an object (and the resource version the
// informer resumes from).
func meta(m *metav1.ObjectMeta, owners bool) metav1.ObjectMeta {
	out := metav1.ObjectMeta{Name: m.Name, Namespace: m.Namespace, UID: m.UID, ResourceVersion: m.ResourceVersion, CreationTimestamp: m.CreationTimestamp}
	if owners {
		out.OwnerReferences = m.OwnerReferences
	}
	return out
}

func trimPod(obj any) (any, error) {
	p, ok := obj.(*corev1.Pod)
	if !ok {
		return obj, nil
	}
	out := &corev1.Pod{ObjectMeta: meta(&p.ObjectMeta, true),
		Spec:   corev1.PodSpec{NodeName: p.Spec.NodeName, PriorityClassName: p.Spec.PriorityClassName, HostNetwork: p.Spec.HostNetwork},
		Status: corev1.PodStatus{Phase: p.Status.Phase, HostIP: p.Status.HostIP, PodIP: p.Status.PodIP},
	}
	out.Spec.Containers = make([]corev1.Container, len(p.Spec.Containers))
	for i, c := range p.Spec.Containers {
		out.Spec.Containers[i] = corev1.Container{Name: c.Name, Resources: corev1.ResourceRequirements{Requests: c.Resources.Requests, Limits: c.Resources.Limits}}
	}
	out.Status.ContainerStatuses = make([]corev1.ContainerStatus, len(p.Status.ContainerStatuses))
	for i, s := range p.Status.ContainerStatuses {
		out.Status.ContainerStatuses[i] = corev1.ContainerStatus{Name: s.Name, Ready: s.Ready, RestartCount: s.RestartCount}
	}
	return out, nil
}

func trimDeployment(obj any) (any, error) {
	d, ok := obj.(*appsv1.Deployment)
	if !ok {
		return obj, nil
	}
	return &appsv1.Deployment{ObjectMeta: meta(&d.ObjectMeta, false), Spec: appsv1.DeploymentSpec{Replicas: d.Spec.Replicas},
		Status: appsv1.DeploymentStatus{AvailableReplicas: d.Status.AvailableReplicas}}, nil
}

func trimStatefulSet(obj any) (any, error) {
	s, ok := obj.(*appsv1.StatefulSet)
	if !ok {
		return obj, nil
	}
	return &appsv1.StatefulSet{ObjectMeta: meta(&s.ObjectMeta, false), Spec: appsv1.StatefulSetSpec{Replicas: s.Spec.Replicas},
		Status: appsv1.StatefulSetStatus{ReadyReplicas: s.Status.ReadyReplicas}}, nil
}

func trimDaemonSet(obj any) (any, error) {
	d, ok := obj.(*appsv1.DaemonSet)
	if !ok {
		return obj, nil
	}
	return &appsv1.DaemonSet{ObjectMeta: meta(&d.ObjectMeta, false),
		Status: appsv1.DaemonSetStatus{DesiredNumberScheduled: d.Status.DesiredNumberScheduled, NumberReady: d.Status.NumberReady}}, nil
}

func trimReplicaSet(obj any) (any, error) {
	r, ok := obj.(*appsv1.ReplicaSet)
	if !ok {
		return obj, nil
	}
	return &appsv1.ReplicaSet{ObjectMeta: meta(&r.ObjectMeta, true)}, nil
}

func trimNode(obj any) (any, error) {
	n, ok := obj.(*corev1.Node)
	if !ok {
		return obj, nil
	}
	out := &corev1.Node{ObjectMeta: meta(&n.ObjectMeta, false),
		Spec:   corev1.NodeSpec{ProviderID: n.Spec.ProviderID, PodCIDR: n.Spec.PodCIDR},
		Status: corev1.NodeStatus{NodeInfo: n.Status.NodeInfo, Capacity: n.Status.Capacity, Allocatable: n.Status.Allocatable},
	}
	for _, a := range n.Status.Addresses {
		if a.Type == corev1.NodeInternalIP {
			out.Status.Addresses = append(out.Status.Addresses, a)
		}
	}
	out.Status.Conditions = make([]corev1.NodeCondition, len(n.Status.Conditions))
	for i, c := range n.Status.Conditions {
		out.Status.Conditions[i] = corev1.NodeCondition{Type: c.Type, Status: c.Status}
	}
	return out, nil
}

// trimNamespace keeps the labels kube_namespace_labels exports.
func trimNamespace(keys []string) toolscache.TransformFunc {
	return func(obj any) (any, error) {
		ns, ok := obj.(*corev1.Namespace)
		if !ok {
			return obj, nil
		}
		out := &corev1.Namespace{ObjectMeta: meta(&ns.ObjectMeta, false)}
		for _, k := range keys {
			if v, ok := ns.Labels[k]; ok {
				if out.Labels == nil {
					out.Labels = map[string]string{}
				}
				out.Labels[k] = v
			}
		}
		return out, nil
	}
}

func trimClaim(obj any) (any, error) {
	pvc, ok := obj.(*corev1.PersistentVolumeClaim)
	if !ok {
		return obj, nil
	}
	out := &corev1.PersistentVolumeClaim{ObjectMeta: meta(&pvc.ObjectMeta, false), Status: corev1.PersistentVolumeClaimStatus{Phase: pvc.Status.Phase}}
	if q, ok := pvc.Spec.Resources.Requests[corev1.ResourceStorage]; ok {
		out.Spec.Resources.Requests = corev1.ResourceList{corev1.ResourceStorage: q}
	}
	return out, nil
}
