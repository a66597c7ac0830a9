package listengine

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	storagev1 "k8s.io/api/storage/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	clusterv1alpha1 "github.com/superkube/super-kubenetes/api/cluster/v1alpha1"
	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	"github.com/superkube/super-kubenetes/internal/apiserver/apistatus"
)

// Kind describes a resource the engine lists and what is particular to it.
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
	// Columns are what the engine derives of each object (columns.go).
	Columns []Column
	// Ready, when set, is an object's readiness as shown: ready/desired
	// containers of a pod, replicas of a workload (derived.ready).
	Ready func(obj client.Object) string
	// DisplayName, when set, is the display name the name filter matches
	// when the object has no superkube.io/display-name annotation.
	DisplayName func(obj client.Object) string
	// Fields are the fields fieldSelector may name besides metadata.name
	// and metadata.namespace.
	Fields []Field
	// Selects, when set, keeps a numeric column counting the objects of
	// another kind that each object selects (the pods behind a service).
	Selects *Selection
	// Sanitize, when set, returns what may be shown of an object (a copy).
	Sanitize func(obj client.Object) client.Object

	// The positions of the columns by name and by filter parameter, and of
	// the status column (-1 without one); made by index.
	columns, filters map[string]int
	status           int
}

// Selection is a numeric column of a kind (Column) that counts, for each
// object, the objects of another kind (Of, a kind key) in its namespace
// that its label selector picks. The engine keeps it current as objects
// of both kinds come, change and go.
type Selection struct {
	Of     string
	Column string
	// Selector is an object's selector; nil selects nothing.
	Selector func(obj client.Object) labels.Selector
}

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

// kind is a kind with no columns of its own.
func kind[T client.Object](resource string, gvk schema.GroupVersionKind, namespaced bool, newObj func() T, columns ...Column) *Kind {
	return &Kind{Resource: resource, GVK: gvk, Namespaced: namespaced, New: typed(newObj), Columns: columns}
}

// BuiltinKinds are the resources the engine serves from the start.
func BuiltinKinds() []*Kind {
	apps, batch := appsv1.SchemeGroupVersion, batchv1.SchemeGroupVersion
	core, rbac := corev1.SchemeGroupVersion, rbacv1.SchemeGroupVersion
	iam := iamv1beta1.GroupVersion
	return []*Kind{
		podKind(),
		workloadKind("deployments", apps.WithKind("Deployment"), func() *appsv1.Deployment { return &appsv1.Deployment{} }, func(d *appsv1.Deployment) replicas {
			return replicas{ptrOr(d.Spec.Replicas, 1), d.Status.ReadyReplicas, d.Status.UpdatedReplicas, d.Status.Replicas, d.Generation, d.Status.ObservedGeneration}
		}),
		workloadKind("statefulsets", apps.WithKind("StatefulSet"), func() *appsv1.StatefulSet { return &appsv1.StatefulSet{} }, func(s *appsv1.StatefulSet) replicas {
			return replicas{ptrOr(s.Spec.Replicas, 1), s.Status.ReadyReplicas, s.Status.UpdatedReplicas, s.Status.Replicas, s.Generation, s.Status.ObservedGeneration}
		}),
		workloadKind("daemonsets", apps.WithKind("DaemonSet"), func() *appsv1.DaemonSet { return &appsv1.DaemonSet{} }, func(d *appsv1.DaemonSet) replicas {
			return replicas{d.Status.DesiredNumberScheduled, d.Status.NumberReady, d.Status.UpdatedNumberScheduled, d.Status.CurrentNumberScheduled, d.Generation, d.Status.ObservedGeneration}
		}),
		workloadKind("replicasets", apps.WithKind("ReplicaSet"), func() *appsv1.ReplicaSet { return &appsv1.ReplicaSet{} }, func(s *appsv1.ReplicaSet) replicas {
			return replicas{ptrOr(s.Spec.Replicas, 1), s.Status.ReadyReplicas, s.Status.Replicas, s.Status.Replicas, s.Generation, s.Status.ObservedGeneration}
		},
			// The revision of its Deployment that the ReplicaSet holds
			// (0 for one no Deployment numbered).
			numberColumn("revision", func(s *appsv1.ReplicaSet) int64 {
				n, _ := strconv.ParseInt(s.Annotations[deploymentRevisionAnnotation], 10, 64)
				return n
			}).sorted()),
		kind("controllerrevisions", apps.WithKind("ControllerRevision"), true, func() *appsv1.ControllerRevision { return &appsv1.ControllerRevision{} },
			numberColumn("revision", func(c *appsv1.ControllerRevision) int64 { return c.Revision }).sorted()),
		kind("jobs", batch.WithKind("Job"), true, func() *batchv1.Job { return &batchv1.Job{} },
			numberColumn("succeeded", func(j *batchv1.Job) int64 { return int64(j.Status.Succeeded) }).sorted(),
			numberColumn("failed", func(j *batchv1.Job) int64 { return int64(j.Status.Failed) }).sorted(),
			textColumn(statusColumn, jobStatus).sorted()),
		kind("cronjobs", batch.WithKind("CronJob"), true, func() *batchv1.CronJob { return &batchv1.CronJob{} },
			numberColumn("active", func(c *batchv1.CronJob) int64 { return int64(len(c.Status.Active)) }).sorted(),
			numberColumn("lastScheduleTime", func(c *batchv1.CronJob) int64 {
				if c.Status.LastScheduleTime == nil {
					return 0
				}
				return c.Status.LastScheduleTime.UnixNano()
			}).sorted(),
			textColumn(statusColumn, func(c *batchv1.CronJob) string {
				if c.Spec.Suspend != nil && *c.Spec.Suspend {
					return "stopped"
				}
				return "running"
			}).sorted()),
		serviceKind(),
		kind("endpointslices", discoveryv1.SchemeGroupVersion.WithKind("EndpointSlice"), true, func() *discoveryv1.EndpointSlice { return &discoveryv1.EndpointSlice{} },
			numberColumn("endpoints", func(s *discoveryv1.EndpointSlice) int64 { return int64(len(s.Endpoints)) }).sorted()),
		kind("ingresses", networkingv1.SchemeGroupVersion.WithKind("Ingress"), true, func() *networkingv1.Ingress { return &networkingv1.Ingress{} }),
		kind("configmaps", core.WithKind("ConfigMap"), true, func() *corev1.ConfigMap { return &corev1.ConfigMap{} }),
		secretKind(),
		kind("serviceaccounts", core.WithKind("ServiceAccount"), true, func() *corev1.ServiceAccount { return &corev1.ServiceAccount{} }),
		kind("persistentvolumeclaims", core.WithKind("PersistentVolumeClaim"), true, func() *corev1.PersistentVolumeClaim { return &corev1.PersistentVolumeClaim{} },
			textColumn(statusColumn, func(p *corev1.PersistentVolumeClaim) string { return lower(string(p.Status.Phase)) }).sorted(),
			textColumn("storageClass", func(p *corev1.PersistentVolumeClaim) string { return ptrOr(p.Spec.StorageClassName, "") }).sorted().filtered()),
		kind("persistentvolumes", core.WithKind("PersistentVolume"), false, func() *corev1.PersistentVolume { return &corev1.PersistentVolume{} },
			textColumn(statusColumn, func(p *corev1.PersistentVolume) string { return lower(string(p.Status.Phase)) }).sorted(),
			textColumn("storageClass", func(p *corev1.PersistentVolume) string { return p.Spec.StorageClassName }).sorted().filtered()),
		kind("storageclasses", storagev1.SchemeGroupVersion.WithKind("StorageClass"), false, func() *storagev1.StorageClass { return &storagev1.StorageClass{} },
			textColumn("provisioner", func(s *storagev1.StorageClass) string { return s.Provisioner }).sorted()),
		kind("nodes", core.WithKind("Node"), false, func() *corev1.Node { return &corev1.Node{} },
			textColumn(statusColumn, nodeStatus).sorted(),
			textColumn("role", nodeRole).sorted().filtered()),
		kind("namespaces", core.WithKind("Namespace"), false, func() *corev1.Namespace { return &corev1.Namespace{} },
			textColumn(statusColumn, func(n *corev1.Namespace) string { return lower(string(n.Status.Phase)) }).sorted(),
			textColumn("workspace", func(n *corev1.Namespace) string { return n.Labels[tenantv1beta1.WorkspaceLabel] }).sorted().filtered()),
		kind("events", core.WithKind("Event"), true, func() *corev1.Event { return &corev1.Event{} },
			numberColumn("lastTimestamp", eventLastTime).sorted(),
			numberColumn("count", func(e *corev1.Event) int64 { return int64(e.Count) }).sorted(),
			textColumn("type", func(e *corev1.Event) string { return e.Type }).sorted().filtered(),
			textColumn("reason", func(e *corev1.Event) string { return e.Reason }).sorted().filtered(),
			textColumn("involvedObjectKind", func(e *corev1.Event) string { return e.InvolvedObject.Kind }).filtered(),
			textColumn("involvedObjectName", func(e *corev1.Event) string { return e.InvolvedObject.Name }).filtered()),
		kind("horizontalpodautoscalers", autoscalingv2.SchemeGroupVersion.WithKind("HorizontalPodAutoscaler"), true,
			func() *autoscalingv2.HorizontalPodAutoscaler { return &autoscalingv2.HorizontalPodAutoscaler{} },
			numberColumn("replicas", func(h *autoscalingv2.HorizontalPodAutoscaler) int64 { return int64(h.Status.CurrentReplicas) }).sorted()),
		kind("networkpolicies", networkingv1.SchemeGroupVersion.WithKind("NetworkPolicy"), true, func() *networkingv1.NetworkPolicy { return &networkingv1.NetworkPolicy{} }),
		kind("roles", rbac.WithKind("Role"), true, func() *rbacv1.Role { return &rbacv1.Role{} }),
		kind("rolebindings", rbac.WithKind("RoleBinding"), true, func() *rbacv1.RoleBinding { return &rbacv1.RoleBinding{} },
			textColumn("role", func(b *rbacv1.RoleBinding) string { return b.RoleRef.Name }).sorted().filtered()),
		kind("customresourcedefinitions", apiextensionsv1.SchemeGroupVersion.WithKind("CustomResourceDefinition"), false,
			func() *apiextensionsv1.CustomResourceDefinition { return &apiextensionsv1.CustomResourceDefinition{} },
			textColumn("group", func(c *apiextensionsv1.CustomResourceDefinition) string { return c.Spec.Group }).sorted().filtered()),
		// The platform's own kinds.
		kind("workspaces", tenantv1beta1.GroupVersion.WithKind("Workspace"), false, func() *tenantv1beta1.Workspace { return &tenantv1beta1.Workspace{} },
			numberColumn("projects", func(w *tenantv1beta1.Workspace) int64 { return int64(w.Status.Namespaces) }).sorted(),
			textColumn("manager", func(w *tenantv1beta1.Workspace) string { return w.Spec.Manager }).sorted().filtered()),
		userKind(),
		kind("groups", iam.WithKind("Group"), false, func() *iamv1beta1.Group { return &iamv1beta1.Group{} }),
		kind("globalroles", iam.WithKind("GlobalRole"), false, func() *iamv1beta1.GlobalRole { return &iamv1beta1.GlobalRole{} }),
		kind("workspaceroles", iam.WithKind("WorkspaceRole"), false, func() *iamv1beta1.WorkspaceRole { return &iamv1beta1.WorkspaceRole{} }),
		kind("roletemplates", iam.WithKind("RoleTemplate"), false, func() *iamv1beta1.RoleTemplate { return &iamv1beta1.RoleTemplate{} }),
		kind("clusters", clusterv1alpha1.GroupVersion.WithKind("Cluster"), false, func() *clusterv1alpha1.Cluster { return &clusterv1alpha1.Cluster{} }),
	}
}

func ptrOr[T any](p *T, d T) T {
	if p == nil {
		return d
	}
	return *p
}

// podKind: restarts, the share of ready containers (sorted in thousandths;
// the ready filter is true when every container is ready), the status, the
// node; and the fields spec.nodeName and status.phase.
func podKind() *Kind {
	k := kind("pods", corev1.SchemeGroupVersion.WithKind("Pod"), true, func() *corev1.Pod { return &corev1.Pod{} },
		numberColumn("restarts", func(p *corev1.Pod) int64 { return containersOf(p).restarts }).sorted(),
		numberColumn("ready", func(p *corev1.Pod) int64 {
			c := containersOf(p)
			if c.total == 0 {
				return 0
			}
			return c.ready * 1000 / c.total
		}).sorted().filtered().matchedBy(func(v Value, param string) bool {
			return strings.EqualFold(strconv.FormatBool(v.Num == 1000), param)
		}),
		textColumn(statusColumn, podStatus).sorted(),
		textColumn("node", func(p *corev1.Pod) string { return p.Spec.NodeName }).sorted().filteredAs("nodeName").matchedBy(exactly),
	)
	k.Ready = func(o client.Object) string {
		c := containersOf(o.(*corev1.Pod))
		return strconv.FormatInt(c.ready, 10) + "/" + strconv.FormatInt(c.total, 10)
	}
	k.Fields = []Field{
		{Name: "spec.nodeName", Value: func(o client.Object) string { return o.(*corev1.Pod).Spec.NodeName }},
		{Name: "status.phase", Value: func(o client.Object) string { return string(o.(*corev1.Pod).Status.Phase) }},
	}
	return k
}

// containers are the counts of a pod's containers.
type containers struct{ ready, total, restarts int64 }

func containersOf(p *corev1.Pod) containers {
	var c containers
	for _, cs := range p.Status.ContainerStatuses {
		c.restarts += int64(cs.RestartCount)
		c.total++
		if cs.Ready {
			c.ready++
		}
	}
	if c.total == 0 {
		c.total = int64(len(p.Spec.Containers))
	}
	return c
}

// podStatus is the phase, failed when a container cannot start, and
// terminating once the pod is being deleted.
func podStatus(p *corev1.Pod) string {
	status := lower(string(p.Status.Phase))
	for _, cs := range p.Status.ContainerStatuses {
		if w := cs.State.Waiting; w != nil && (w.Reason == "CrashLoopBackOff" || w.Reason == "ImagePullBackOff" || w.Reason == "ErrImagePull") {
			status = "failed"
		}
	}
	if !p.DeletionTimestamp.IsZero() {
		status = "terminating"
	}
	if status == "" {
		status = "pending"
	}
	return status
}

// replicas are what a workload's columns are made of.
type replicas struct {
	desired, ready, updated, current int32
	generation, observed             int64
}

// status is running, updating, stopped or pending.
func (r replicas) status() string {
	switch {
	case r.desired == 0:
		return "stopped"
	case r.observed < r.generation || r.updated < r.desired || r.current > r.desired:
		return "updating"
	case r.ready < r.desired:
		return "pending"
	default:
		return "running"
	}
}

// workloadKind: ready and desired replicas, the status, and ready/desired
// as shown; then the kind's own columns.
func workloadKind[T client.Object](resource string, gvk schema.GroupVersionKind, newObj func() T, state func(T) replicas, own ...Column) *Kind {
	k := kind(resource, gvk, true, newObj, append([]Column{
		numberColumn("readyReplicas", func(o T) int64 { return int64(state(o).ready) }).sorted(),
		numberColumn("replicas", func(o T) int64 { return int64(state(o).desired) }).sorted(),
		textColumn(statusColumn, func(o T) string { return state(o).status() }).sorted(),
	}, own...)...)
	k.Ready = func(o client.Object) string {
		r := state(o.(T))
		return strconv.Itoa(int(r.ready)) + "/" + strconv.Itoa(int(r.desired))
	}
	return k
}

func jobStatus(j *batchv1.Job) string {
	status := "running"
	for _, c := range j.Status.Conditions {
		if c.Status != corev1.ConditionTrue {
			continue
		}
		switch c.Type {
		case batchv1.JobComplete:
			status = "completed"
		case batchv1.JobFailed:
			status = "failed"
		case batchv1.JobSuspended:
			status = "stopped"
		}
	}
	return status
}

// serviceKind: the type, the pods the service selects, kept current, and
// the podLabels filter: the services whose selector picks pods with the
// labels given (a workload's pod template's).
func serviceKind() *Kind {
	k := kind("services", corev1.SchemeGroupVersion.WithKind("Service"), true, func() *corev1.Service { return &corev1.Service{} },
		Column{Name: "pods", Numeric: true, Sortable: true},
		textColumn("type", func(s *corev1.Service) string { return string(s.Spec.Type) }).sorted().filtered(),
		textColumn(statusColumn, func(*corev1.Service) string { return "running" }),
		textColumn("selector", func(s *corev1.Service) string { return labels.Set(s.Spec.Selector).String() }).
			filteredAs("podLabels").compiledBy(selectorPicks),
	)
	k.Selects = &Selection{Of: "pods", Column: "pods", Selector: func(o client.Object) labels.Selector {
		if s := o.(*corev1.Service).Spec.Selector; len(s) > 0 {
			return labels.SelectorFromSet(s)
		}
		return nil
	}}
	return k
}

// deploymentRevisionAnnotation is where the deployment controller numbers
// the ReplicaSets of a Deployment.
const deploymentRevisionAnnotation = "deployment.kubernetes.io/revision"

// selectorPicks reads the podLabels filter (k=v,k2=v2: the labels of a pod)
// into a test of a service's selector column (k=v,... as labels.Set writes
// it): true when the selector is not empty and every pair of it is among
// the labels. A selector without pairs picks no pod.
func selectorPicks(param string) (func(Value) bool, error) {
	pod, err := labels.ConvertSelectorToLabelsMap(param)
	if err != nil {
		return nil, apistatus.BadRequest("podLabels", "must be labels written k=v,k2=v2: "+err.Error())
	}
	return func(v Value) bool {
		if v.Text == "" {
			return false
		}
		for pair := range strings.SplitSeq(v.Text, ",") {
			key, value, _ := strings.Cut(pair, "=")
			if got, ok := pod[key]; !ok || got != value {
				return false
			}
		}
		return true
	}, nil
}

// secretKind: the type; answers show the keys, never the values.
func secretKind() *Kind {
	k := kind("secrets", corev1.SchemeGroupVersion.WithKind("Secret"), true, func() *corev1.Secret { return &corev1.Secret{} },
		textColumn("type", func(s *corev1.Secret) string { return string(s.Type) }).sorted().filtered())
	k.Sanitize = func(o client.Object) client.Object {
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
	return k
}

// nodeStatus is ready or notready. A cordoned node keeps its state (the
// status filter finds it); that it takes no new pods is spec.unschedulable.
func nodeStatus(n *corev1.Node) string {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady && c.Status == corev1.ConditionTrue {
			return "ready"
		}
	}
	return "notready"
}

// nodeRole is the node-role.kubernetes.io/<role> label's role, or worker.
func nodeRole(n *corev1.Node) string {
	role := "worker"
	for l := range n.Labels {
		if name, ok := strings.CutPrefix(l, "node-role.kubernetes.io/"); ok && name != "" {
			role = name
		}
	}
	return role
}

// eventLastTime is when the event last happened, in Unix nanoseconds.
func eventLastTime(e *corev1.Event) int64 {
	last := e.LastTimestamp.Time
	if last.IsZero() {
		last = e.EventTime.Time
	}
	if last.IsZero() {
		last = e.CreationTimestamp.Time
	}
	return last.UnixNano()
}

// userKind: the state, the e-mail and the last login; the display name of
// the spec; no password in answers.
func userKind() *Kind {
	k := kind("users", iamv1beta1.GroupVersion.WithKind("User"), false, func() *iamv1beta1.User { return &iamv1beta1.User{} },
		numberColumn("lastLoginTime", func(u *iamv1beta1.User) int64 {
			if u.Status.LastLoginTime == nil {
				return 0
			}
			return u.Status.LastLoginTime.UnixNano()
		}).sorted(),
		textColumn("email", func(u *iamv1beta1.User) string { return u.Spec.Email }).sorted(),
		textColumn(statusColumn, func(u *iamv1beta1.User) string { return lower(string(u.Status.State)) }),
	)
	k.DisplayName = func(o client.Object) string { return o.(*iamv1beta1.User).Spec.DisplayName }
	k.Sanitize = func(o client.Object) client.Object {
		// No password: neither a hash nor what kubectl's
		// last-applied copy may hold.
		u := o.(*iamv1beta1.User).DeepCopy()
		u.Spec.Password = ""
		delete(u.Annotations, "kubectl.kubernetes.io/last-applied-configuration")
		return u
	}
	return k
}
