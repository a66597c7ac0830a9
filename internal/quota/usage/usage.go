// Package usage says what an object uses of a workspace quota, under the
// resource names of a Kubernetes ResourceQuota, and which kinds of object a
// workspace quota counts.
package usage

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/runtime/schema"
	quota "k8s.io/apiserver/pkg/quota/v1"
	resourcehelper "k8s.io/component-helpers/resource"
)

// Kind is a kind of object a workspace quota counts.
type Kind struct {
	// Resource is its API resource (plural, group).
	Resource schema.GroupResource
	// Version is the version the platform reads it in (v1 for all).
	Version string
	// Kind is its kind.
	Kind string
	// Count is the resource name under which its objects are counted
	// (count/<resource>.<group>); some also have a short name (pods).
	Count corev1.ResourceName
	// Short is the short count name, if any (pods, services...).
	Short corev1.ResourceName
}

// GroupVersionKind of the kind.
func (k Kind) GroupVersionKind() schema.GroupVersionKind {
	return schema.GroupVersionKind{Group: k.Resource.Group, Version: k.Version, Kind: k.Kind}
}

// Kinds are the kinds the quota counts. Pods and claims also use compute
// and storage; the others are counted only.
var Kinds = []Kind{
	kind("", "Pod", "pods", true),
	kind("", "PersistentVolumeClaim", "persistentvolumeclaims", true),
	kind("", "Service", "services", true),
	kind("", "ConfigMap", "configmaps", true),
	kind("", "Secret", "secrets", true),
	kind("apps", "Deployment", "deployments", false),
	kind("apps", "StatefulSet", "statefulsets", false),
	kind("apps", "DaemonSet", "daemonsets", false),
	kind("apps", "ReplicaSet", "replicasets", false),
	kind("batch", "Job", "jobs", false),
	kind("batch", "CronJob", "cronjobs", false),
	kind("networking.k8s.io", "Ingress", "ingresses", false),
}

func kind(group, k, resource string, short bool) Kind {
	gr := schema.GroupResource{Group: group, Resource: resource}
	out := Kind{Resource: gr, Version: "v1", Kind: k, Count: corev1.ResourceName("count/" + gr.String())}
	if short {
		out.Short = corev1.ResourceName(resource)
	}
	return out
}

// KindOf returns the counted kind of a resource, if it is one.
func KindOf(gr schema.GroupResource) (Kind, bool) {
	for _, k := range Kinds {
		if k.Resource == gr {
			return k, true
		}
	}
	return Kind{}, false
}

// KindOfName returns the counted kind of a resource given as
// <resource>[.<group>] (a Charge's Resource).
func KindOfName(name string) (Kind, bool) {
	return KindOf(schema.ParseGroupResource(name))
}

// Names are the resource names a workspace quota may limit.
func Names() []corev1.ResourceName {
	names := []corev1.ResourceName{
		corev1.ResourceCPU, corev1.ResourceRequestsCPU, corev1.ResourceLimitsCPU,
		corev1.ResourceMemory, corev1.ResourceRequestsMemory, corev1.ResourceLimitsMemory,
		corev1.ResourceRequestsStorage,
		corev1.ResourceEphemeralStorage, corev1.ResourceRequestsEphemeralStorage, corev1.ResourceLimitsEphemeralStorage,
	}
	for _, k := range Kinds {
		if k.Short != "" {
			names = append(names, k.Short)
		}
		names = append(names, k.Count)
	}
	return names
}

// Count is what an object of a counted kind uses that is not a pod or a
// claim: one of its count.
func Count(k Kind) corev1.ResourceList {
	one := resource.MustParse("1")
	l := corev1.ResourceList{k.Count: one}
	if k.Short != "" {
		l[k.Short] = one.DeepCopy()
	}
	return l
}

// Terminal says whether a pod has ended: it no longer uses compute or
// counts as a pod (as with a Kubernetes ResourceQuota).
func Terminal(p *corev1.Pod) bool {
	return p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed
}

// Pod is what a pod uses: its requests and limits (init containers,
// sidecars, overhead and pod-level resources as the scheduler counts them)
// and one pod. A pod that has ended uses nothing.
func Pod(p *corev1.Pod) corev1.ResourceList {
	if Terminal(p) {
		return corev1.ResourceList{}
	}
	out := Count(Kinds[0])
	req := resourcehelper.PodRequests(p, resourcehelper.PodResourcesOptions{})
	lim := resourcehelper.PodLimits(p, resourcehelper.PodResourcesOptions{})
	set := func(name corev1.ResourceName, l corev1.ResourceList, from corev1.ResourceName) {
		if q, ok := l[from]; ok {
			out[name] = q.DeepCopy()
		}
	}
	set(corev1.ResourceCPU, req, corev1.ResourceCPU)
	set(corev1.ResourceRequestsCPU, req, corev1.ResourceCPU)
	set(corev1.ResourceLimitsCPU, lim, corev1.ResourceCPU)
	set(corev1.ResourceMemory, req, corev1.ResourceMemory)
	set(corev1.ResourceRequestsMemory, req, corev1.ResourceMemory)
	set(corev1.ResourceLimitsMemory, lim, corev1.ResourceMemory)
	set(corev1.ResourceEphemeralStorage, req, corev1.ResourceEphemeralStorage)
	set(corev1.ResourceRequestsEphemeralStorage, req, corev1.ResourceEphemeralStorage)
	set(corev1.ResourceLimitsEphemeralStorage, lim, corev1.ResourceEphemeralStorage)
	return out
}

// Claim is what a persistent volume claim uses: the storage it requests
// and one claim.
func Claim(c *corev1.PersistentVolumeClaim) corev1.ResourceList {
	out := Count(Kinds[1])
	if q, ok := c.Spec.Resources.Requests[corev1.ResourceStorage]; ok {
		out[corev1.ResourceRequestsStorage] = q.DeepCopy()
	}
	return out
}

// Limited returns the part of use that the hard limits name.
func Limited(use, hard corev1.ResourceList) corev1.ResourceList {
	return quota.RemoveZeros(quota.Mask(use, quota.ResourceNames(hard)))
}
