package listengine

import (
	"fmt"
	"slices"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	storagev1 "k8s.io/api/storage/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	clusterv1alpha1 "github.com/superkube/super-kubenetes/api/cluster/v1alpha1"
	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
)

// Kind describes a resource the engine lists.
type Kind struct {
	// Resource is the plural in URLs, for example "pods".
	Resource string
	// key names the kind inside the engine: the plural, or plural.group
	// for a custom resource whose plural a built-in kind already has.
	key        string
	GVK        schema.GroupVersionKind
	Namespaced bool
	// New makes an empty object (nil for resources read as unstructured).
	New func() client.Object
	// NumCols and StrCols are the derived sort columns.
	NumCols []string
	StrCols []string
	// Filters are the kind's own filter parameters, read from Row.Extra.
	Filters []string
	// Derive computes the derived columns of a row.
	Derive func(obj client.Object, r *Row)
	// Sanitize, when set, returns what may be shown of an object (a copy).
	Sanitize func(obj client.Object) client.Object
}

// commonFilters are the filters of every kind, from the row's fields.
var commonFilters = []string{"status", "ownerReference", "ownerKind"}

// FilterNames are every filter parameter the kind takes.
func (k *Kind) FilterNames() []string {
	out := slices.Clone(commonFilters)
	if k.Key() == "pods" {
		out = append(out, "nodeName")
	}
	return append(out, k.Filters...)
}

// SortColumns are every column the kind sorts by.
func (k *Kind) SortColumns() []string {
	return append(append([]string{}, k.NumCols...), k.StrCols...)
}

func (k *Kind) sortColumns() []string {
	return append([]string{"name", "createTime"}, k.SortColumns()...)
}

func (k *Kind) isNumeric(col string) bool { return slices.Contains(k.NumCols, col) }

// Key names the kind in List, Get and Subscribe.
func (k *Kind) Key() string {
	if k.key != "" {
		return k.key
	}
	return k.Resource
}

// GroupResource is the kind's group and resource, as authorization sees it.
func (k *Kind) GroupResource() schema.GroupResource {
	return schema.GroupResource{Group: k.GVK.Group, Resource: k.Resource}
}

func typed[T client.Object](f func() T) func() client.Object {
	return func() client.Object { return f() }
}

// BuiltinKinds are the resources the engine serves from the start.
func BuiltinKinds() []*Kind {
	apps, batch := appsv1.SchemeGroupVersion, batchv1.SchemeGroupVersion
	core := corev1.SchemeGroupVersion
	return []*Kind{
		{Resource: "pods", GVK: core.WithKind("Pod"), Namespaced: true, New: typed(func() *corev1.Pod { return &corev1.Pod{} }),
			NumCols: []string{"restarts", "ready"}, StrCols: []string{"status", "node"}, Filters: []string{"ready"}, Derive: derivePod},
		{Resource: "deployments", GVK: apps.WithKind("Deployment"), Namespaced: true, New: typed(func() *appsv1.Deployment { return &appsv1.Deployment{} }),
			NumCols: []string{"readyReplicas", "replicas"}, StrCols: []string{"status"}, Derive: func(o client.Object, r *Row) {
				d := o.(*appsv1.Deployment)
				workload(r, ptrOr(d.Spec.Replicas, 1), d.Status.ReadyReplicas, d.Status.UpdatedReplicas, d.Status.Replicas, d.Generation, d.Status.ObservedGeneration)
			}},
		{Resource: "statefulsets", GVK: apps.WithKind("StatefulSet"), Namespaced: true, New: typed(func() *appsv1.StatefulSet { return &appsv1.StatefulSet{} }),
			NumCols: []string{"readyReplicas", "replicas"}, StrCols: []string{"status"}, Derive: func(o client.Object, r *Row) {
				s := o.(*appsv1.StatefulSet)
				workload(r, ptrOr(s.Spec.Replicas, 1), s.Status.ReadyReplicas, s.Status.UpdatedReplicas, s.Status.Replicas, s.Generation, s.Status.ObservedGeneration)
			}},
		{Resource: "daemonsets", GVK: apps.WithKind("DaemonSet"), Namespaced: true, New: typed(func() *appsv1.DaemonSet { return &appsv1.DaemonSet{} }),
			NumCols: []string{"readyReplicas", "replicas"}, StrCols: []string{"status"}, Derive: func(o client.Object, r *Row) {
				d := o.(*appsv1.DaemonSet)
				workload(r, d.Status.DesiredNumberScheduled, d.Status.NumberReady, d.Status.UpdatedNumberScheduled, d.Status.CurrentNumberScheduled, d.Generation, d.Status.ObservedGeneration)
			}},
		{Resource: "replicasets", GVK: apps.WithKind("ReplicaSet"), Namespaced: true, New: typed(func() *appsv1.ReplicaSet { return &appsv1.ReplicaSet{} }),
			NumCols: []string{"readyReplicas", "replicas"}, StrCols: []string{"status"}, Derive: func(o client.Object, r *Row) {
				s := o.(*appsv1.ReplicaSet)
				workload(r, ptrOr(s.Spec.Replicas, 1), s.Status.ReadyReplicas, s.Status.Replicas, s.Status.Replicas, s.Generation, s.Status.ObservedGeneration)
			}},
		{Resource: "jobs", GVK: batch.WithKind("Job"), Namespaced: true, New: typed(func() *batchv1.Job { return &batchv1.Job{} }),
			NumCols: []string{"succeeded", "failed"}, StrCols: []string{"status"}, Derive: deriveJob},
		{Resource: "cronjobs", GVK: batch.WithKind("CronJob"), Namespaced: true, New: typed(func() *batchv1.CronJob { return &batchv1.CronJob{} }),
			NumCols: []string{"active", "lastScheduleTime"}, StrCols: []string{"status"}, Derive: func(o client.Object, r *Row) {
				c := o.(*batchv1.CronJob)
				r.Status = "running"
				if c.Spec.Suspend != nil && *c.Spec.Suspend {
					r.Status = "stopped"
				}
				r.Str["status"] = r.Status
				r.Num["active"] = int64(len(c.Status.Active))
				if c.Status.LastScheduleTime != nil {
					r.Num["lastScheduleTime"] = c.Status.LastScheduleTime.UnixNano()
				}
			}},
		{Resource: "services", GVK: core.WithKind("Service"), Namespaced: true, New: typed(func() *corev1.Service { return &corev1.Service{} }),
			NumCols: []string{"pods"}, StrCols: []string{"type"}, Filters: []string{"type"}, Derive: func(o client.Object, r *Row) {
				s := o.(*corev1.Service)
				r.Str["type"] = string(s.Spec.Type)
				r.Extra["type"] = lower(string(s.Spec.Type))
				r.Status = "running"
			}},
		{Resource: "endpointslices", GVK: discoveryv1.SchemeGroupVersion.WithKind("EndpointSlice"), Namespaced: true,
			New: typed(func() *discoveryv1.EndpointSlice { return &discoveryv1.EndpointSlice{} }), NumCols: []string{"endpoints"},
			Derive: func(o client.Object, r *Row) {
				r.Num["endpoints"] = int64(len(o.(*discoveryv1.EndpointSlice).Endpoints))
			}},
		{Resource: "ingresses", GVK: networkingv1.SchemeGroupVersion.WithKind("Ingress"), Namespaced: true, New: typed(func() *networkingv1.Ingress { return &networkingv1.Ingress{} })},
		{Resource: "configmaps", GVK: core.WithKind("ConfigMap"), Namespaced: true, New: typed(func() *corev1.ConfigMap { return &corev1.ConfigMap{} })},
		{Resource: "secrets", GVK: core.WithKind("Secret"), Namespaced: true, New: typed(func() *corev1.Secret { return &corev1.Secret{} }),
			StrCols: []string{"type"}, Filters: []string{"type"}, Derive: func(o client.Object, r *Row) {
				t := string(o.(*corev1.Secret).Type)
				r.Str["type"], r.Extra["type"] = t, lower(t)
			}, Sanitize: sanitizeSecret},
		{Resource: "serviceaccounts", GVK: core.WithKind("ServiceAccount"), Namespaced: true, New: typed(func() *corev1.ServiceAccount { return &corev1.ServiceAccount{} })},
		{Resource: "persistentvolumeclaims", GVK: core.WithKind("PersistentVolumeClaim"), Namespaced: true,
			New: typed(func() *corev1.PersistentVolumeClaim { return &corev1.PersistentVolumeClaim{} }), StrCols: []string{"status", "storageClass"},
			Filters: []string{"storageClass"}, Derive: func(o client.Object, r *Row) {
				p := o.(*corev1.PersistentVolumeClaim)
				r.Status = lower(string(p.Status.Phase))
				r.Str["status"] = r.Status
				if p.Spec.StorageClassName != nil {
					r.Str["storageClass"], r.Extra["storageClass"] = *p.Spec.StorageClassName, *p.Spec.StorageClassName
				}
			}},
		{Resource: "persistentvolumes", GVK: core.WithKind("PersistentVolume"), New: typed(func() *corev1.PersistentVolume { return &corev1.PersistentVolume{} }),
			StrCols: []string{"status", "storageClass"}, Filters: []string{"storageClass"}, Derive: func(o client.Object, r *Row) {
				p := o.(*corev1.PersistentVolume)
				r.Status = lower(string(p.Status.Phase))
				r.Str["status"], r.Str["storageClass"], r.Extra["storageClass"] = r.Status, p.Spec.StorageClassName, p.Spec.StorageClassName
			}},
		{Resource: "storageclasses", GVK: storagev1.SchemeGroupVersion.WithKind("StorageClass"), New: typed(func() *storagev1.StorageClass { return &storagev1.StorageClass{} }),
			StrCols: []string{"provisioner"}, Derive: func(o client.Object, r *Row) { r.Str["provisioner"] = o.(*storagev1.StorageClass).Provisioner }},
		{Resource: "nodes", GVK: core.WithKind("Node"), New: typed(func() *corev1.Node { return &corev1.Node{} }),
			StrCols: []string{"status", "role"}, Filters: []string{"role"}, Derive: deriveNode},
		{Resource: "namespaces", GVK: core.WithKind("Namespace"), New: typed(func() *corev1.Namespace { return &corev1.Namespace{} }),
			StrCols: []string{"status", "workspace"}, Filters: []string{"workspace"}, Derive: func(o client.Object, r *Row) {
				n := o.(*corev1.Namespace)
				r.Status = lower(string(n.Status.Phase))
				ws := n.Labels[tenantv1beta1.WorkspaceLabel]
				r.Str["status"], r.Str["workspace"], r.Extra["workspace"] = r.Status, ws, ws
			}},
		{Resource: "events", GVK: core.WithKind("Event"), Namespaced: true, New: typed(func() *corev1.Event { return &corev1.Event{} }),
			NumCols: []string{"lastTimestamp", "count"}, StrCols: []string{"type", "reason"}, Filters: []string{"type", "reason", "involvedObjectKind", "involvedObjectName"},
			Derive: deriveEvent},
		{Resource: "horizontalpodautoscalers", GVK: autoscalingv2.SchemeGroupVersion.WithKind("HorizontalPodAutoscaler"), Namespaced: true,
			New: typed(func() *autoscalingv2.HorizontalPodAutoscaler { return &autoscalingv2.HorizontalPodAutoscaler{} }), NumCols: []string{"replicas"},
			Derive: func(o client.Object, r *Row) {
				r.Num["replicas"] = int64(o.(*autoscalingv2.HorizontalPodAutoscaler).Status.CurrentReplicas)
			}},
		{Resource: "networkpolicies", GVK: networkingv1.SchemeGroupVersion.WithKind("NetworkPolicy"), Namespaced: true, New: typed(func() *networkingv1.NetworkPolicy { return &networkingv1.NetworkPolicy{} })},
		{Resource: "roles", GVK: rbacv1.SchemeGroupVersion.WithKind("Role"), Namespaced: true, New: typed(func() *rbacv1.Role { return &rbacv1.Role{} })},
		{Resource: "rolebindings", GVK: rbacv1.SchemeGroupVersion.WithKind("RoleBinding"), Namespaced: true, New: typed(func() *rbacv1.RoleBinding { return &rbacv1.RoleBinding{} }),
			StrCols: []string{"role"}, Filters: []string{"role"}, Derive: func(o client.Object, r *Row) {
				n := o.(*rbacv1.RoleBinding).RoleRef.Name
				r.Str["role"], r.Extra["role"] = n, n
			}},
		{Resource: "customresourcedefinitions", GVK: apiextensionsv1.SchemeGroupVersion.WithKind("CustomResourceDefinition"),
			New:     typed(func() *apiextensionsv1.CustomResourceDefinition { return &apiextensionsv1.CustomResourceDefinition{} }),
			StrCols: []string{"group"}, Filters: []string{"group"}, Derive: func(o client.Object, r *Row) {
				g := o.(*apiextensionsv1.CustomResourceDefinition).Spec.Group
				r.Str["group"], r.Extra["group"] = g, g
			}},
		// The platform's own kinds.
		{Resource: "workspaces", GVK: tenantv1beta1.GroupVersion.WithKind("Workspace"), New: typed(func() *tenantv1beta1.Workspace { return &tenantv1beta1.Workspace{} }),
			NumCols: []string{"projects"}, StrCols: []string{"manager"}, Filters: []string{"manager"}, Derive: func(o client.Object, r *Row) {
				w := o.(*tenantv1beta1.Workspace)
				r.Num["projects"] = int64(w.Status.Namespaces)
				r.Str["manager"], r.Extra["manager"] = w.Spec.Manager, w.Spec.Manager
			}},
		{Resource: "users", GVK: iamv1beta1.GroupVersion.WithKind("User"), New: typed(func() *iamv1beta1.User { return &iamv1beta1.User{} }),
			NumCols: []string{"lastLoginTime"}, StrCols: []string{"email"}, Derive: func(o client.Object, r *Row) {
				u := o.(*iamv1beta1.User)
				r.Status = lower(string(u.Status.State))
				r.Str["email"] = u.Spec.Email
				if u.Status.LastLoginTime != nil {
					r.Num["lastLoginTime"] = u.Status.LastLoginTime.UnixNano()
				}
				if r.DisplayName == "" {
					r.DisplayName = lower(u.Spec.DisplayName)
				}
			}, Sanitize: func(o client.Object) client.Object {
				// No password: neither a hash nor what kubectl's
				// last-applied copy may hold.
				u := o.(*iamv1beta1.User).DeepCopy()
				u.Spec.Password = ""
				delete(u.Annotations, "kubectl.kubernetes.io/last-applied-configuration")
				return u
			}},
		{Resource: "groups", GVK: iamv1beta1.GroupVersion.WithKind("Group"), New: typed(func() *iamv1beta1.Group { return &iamv1beta1.Group{} })},
		{Resource: "globalroles", GVK: iamv1beta1.GroupVersion.WithKind("GlobalRole"), New: typed(func() *iamv1beta1.GlobalRole { return &iamv1beta1.GlobalRole{} })},
		{Resource: "workspaceroles", GVK: iamv1beta1.GroupVersion.WithKind("WorkspaceRole"), New: typed(func() *iamv1beta1.WorkspaceRole { return &iamv1beta1.WorkspaceRole{} })},
		{Resource: "roletemplates", GVK: iamv1beta1.GroupVersion.WithKind("RoleTemplate"), New: typed(func() *iamv1beta1.RoleTemplate { return &iamv1beta1.RoleTemplate{} })},
		{Resource: "clusters", GVK: clusterv1alpha1.GroupVersion.WithKind("Cluster"), New: typed(func() *clusterv1alpha1.Cluster { return &clusterv1alpha1.Cluster{} })},
	}
}

func ptrOr(p *int32, d int32) int32 {
	if p == nil {
		return d
	}
	return *p
}

// workload sets the columns of a workload: ready/desired and a status of
// running, updating, stopped or pending.
func workload(r *Row, desired, ready, updated, current int32, generation, observed int64) {
	r.Num["replicas"], r.Num["readyReplicas"] = int64(desired), int64(ready)
	switch {
	case desired == 0:
		r.Status = "stopped"
	case observed < generation || updated < desired || current > desired:
		r.Status = "updating"
	case ready < desired:
		r.Status = "pending"
	default:
		r.Status = "running"
	}
	r.Str["status"] = r.Status
	r.Ready = strconv.Itoa(int(ready)) + "/" + strconv.Itoa(int(desired))
	r.Extra["ready"] = r.Ready
}

func derivePod(o client.Object, r *Row) {
	p := o.(*corev1.Pod)
	var restarts int64
	var readyN, total int64
	status := lower(string(p.Status.Phase))
	for _, cs := range p.Status.ContainerStatuses {
		restarts += int64(cs.RestartCount)
		total++
		if cs.Ready {
			readyN++
		}
		if cs.State.Waiting != nil && (cs.State.Waiting.Reason == "CrashLoopBackOff" || cs.State.Waiting.Reason == "ImagePullBackOff" || cs.State.Waiting.Reason == "ErrImagePull") {
			status = "failed"
		}
	}
	if total == 0 {
		total = int64(len(p.Spec.Containers))
	}
	if !p.DeletionTimestamp.IsZero() {
		status = "terminating"
	}
	if status == "" {
		status = "pending"
	}
	r.Status = status
	r.Node = p.Spec.NodeName
	r.Num["restarts"] = restarts
	// Ready sorts by the share of ready containers, in thousandths.
	if total > 0 {
		r.Num["ready"] = readyN * 1000 / total
	}
	r.Str["status"], r.Str["node"] = status, p.Spec.NodeName
	r.Ready = strconv.FormatInt(readyN, 10) + "/" + strconv.FormatInt(total, 10)
	r.Extra["ready"] = strconv.FormatBool(total > 0 && readyN == total)
}

func deriveJob(o client.Object, r *Row) {
	j := o.(*batchv1.Job)
	r.Status = "running"
	for _, c := range j.Status.Conditions {
		if c.Status != corev1.ConditionTrue {
			continue
		}
		switch c.Type {
		case batchv1.JobComplete:
			r.Status = "completed"
		case batchv1.JobFailed:
			r.Status = "failed"
		case batchv1.JobSuspended:
			r.Status = "stopped"
		}
	}
	r.Str["status"] = r.Status
	r.Num["succeeded"], r.Num["failed"] = int64(j.Status.Succeeded), int64(j.Status.Failed)
}

func deriveNode(o client.Object, r *Row) {
	n := o.(*corev1.Node)
	r.Status = "notready"
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady && c.Status == corev1.ConditionTrue {
			r.Status = "ready"
		}
	}
	// A cordoned node keeps its state (the status filter finds it); that it
	// takes no new pods is spec.unschedulable.
	role := "worker"
	for l := range n.Labels {
		if name, ok := cutPrefix(l, "node-role.kubernetes.io/"); ok && name != "" {
			role = name
		}
	}
	r.Str["status"], r.Str["role"], r.Extra["role"] = r.Status, role, role
}

func deriveEvent(o client.Object, r *Row) {
	e := o.(*corev1.Event)
	last := e.LastTimestamp.Time
	if last.IsZero() {
		last = e.EventTime.Time
	}
	if last.IsZero() {
		last = e.CreationTimestamp.Time
	}
	r.Num["lastTimestamp"], r.Num["count"] = last.UnixNano(), int64(e.Count)
	r.Str["type"], r.Str["reason"] = e.Type, e.Reason
	r.Extra["type"], r.Extra["reason"] = lower(e.Type), e.Reason
	r.Extra["involvedObjectKind"], r.Extra["involvedObjectName"] = e.InvolvedObject.Kind, e.InvolvedObject.Name
}

func sanitizeSecret(o client.Object) client.Object {
	s := o.(*corev1.Secret).DeepCopy()
	keys := make([]string, 0, len(s.Data))
	for k := range s.Data {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	// The values never leave the list; the keys tell what the secret holds.
	s.Data, s.StringData = nil, nil
	if s.Annotations == nil {
		s.Annotations = map[string]string{}
	}
	s.Annotations["superkube.io/data-keys"] = fmt.Sprint(keys)
	delete(s.Annotations, "kubectl.kubernetes.io/last-applied-configuration")
	return s
}

func cutPrefix(s, p string) (string, bool) {
	if len(s) >= len(p) && s[:len(p)] == p {
		return s[len(p):], true
	}
	return "", false
}
