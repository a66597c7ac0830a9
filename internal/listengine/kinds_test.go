package listengine

import (
	"errors"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
)

func builtin(t *testing.T, resource string) *Kind {
	t.Helper()
	for _, k := range BuiltinKinds() {
		if k.Resource == resource {
			k.index()
			return k
		}
	}
	t.Fatalf("no built-in kind %s", resource)
	return nil
}

func TestEveryKindDeclaresItsColumnsOnce(t *testing.T) {
	for _, k := range BuiltinKinds() {
		names, filters := map[string]bool{}, map[string]bool{}
		for _, f := range commonFilters {
			filters[f] = true
		}
		for _, c := range k.Columns {
			if names[c.Name] {
				t.Errorf("%s declares the column %s twice", k.Resource, c.Name)
			}
			names[c.Name] = true
			if c.Filter != "" {
				if filters[c.Filter] {
					t.Errorf("%s declares the filter %s twice or over a common one", k.Resource, c.Filter)
				}
				filters[c.Filter] = true
			}
			if c.Value == nil && (k.Selects == nil || k.Selects.Column != c.Name) {
				t.Errorf("%s: nothing computes the column %s", k.Resource, c.Name)
			}
			if c.Name == "name" || c.Name == "createTime" {
				t.Errorf("%s: the column %s hides a common sort", k.Resource, c.Name)
			}
		}
		if len(k.Columns) > MaxColumns {
			t.Errorf("%s declares %d columns, more than a row holds (%d)", k.Resource, len(k.Columns), MaxColumns)
		}
		if k.Selects != nil && !names[k.Selects.Column] {
			t.Errorf("%s selects into a column it does not declare", k.Resource)
		}
	}
}

func TestDiscoveryListsWhatEachKindSortsAndFiltersBy(t *testing.T) {
	tests := []struct {
		resource        string
		sortBy, filters []string
		fields          []string
	}{
		{"pods", []string{"restarts", "ready", "status", "node"}, []string{"status", "ownerReference", "ownerKind", "ready", "nodeName"},
			[]string{"spec.nodeName", "status.phase"}},
		{"deployments", []string{"readyReplicas", "replicas", "status"}, []string{"status", "ownerReference", "ownerKind"}, []string{}},
		{"services", []string{"pods", "type"}, []string{"status", "ownerReference", "ownerKind", "type", "podLabels"}, []string{}},
		{"replicasets", []string{"readyReplicas", "replicas", "status", "revision"}, []string{"status", "ownerReference", "ownerKind"}, []string{}},
		{"controllerrevisions", []string{"revision"}, []string{"status", "ownerReference", "ownerKind"}, []string{}},
		{"events", []string{"lastTimestamp", "count", "type", "reason"},
			[]string{"status", "ownerReference", "ownerKind", "type", "reason", "involvedObjectKind", "involvedObjectName"}, []string{}},
		{"users", []string{"lastLoginTime", "email"}, []string{"status", "ownerReference", "ownerKind"}, []string{}},
		{"configmaps", nil, []string{"status", "ownerReference", "ownerKind"}, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.resource, func(t *testing.T) {
			k := builtin(t, tt.resource)
			if got := k.SortColumns(); !reflect.DeepEqual(got, tt.sortBy) {
				t.Errorf("sort columns %v, want %v", got, tt.sortBy)
			}
			if got := k.FilterNames(); !reflect.DeepEqual(got, tt.filters) {
				t.Errorf("filters %v, want %v", got, tt.filters)
			}
			if got := FieldSelectors(k); !reflect.DeepEqual(got, tt.fields) {
				t.Errorf("field selectors %v, want %v", got, tt.fields)
			}
		})
	}
}

func meta(name string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Namespace: "dev", Name: name, CreationTimestamp: metav1.NewTime(time.Unix(100, 0))}
}

func TestDerivedValuesOfEachKind(t *testing.T) {
	now := metav1.NewTime(time.Unix(1000, 0))
	three, suspended := int32(3), true
	tests := []struct {
		name     string
		resource string
		obj      client.Object
		want     Derived
	}{
		{"a running pod with one of two containers ready", "pods", &corev1.Pod{ObjectMeta: meta("web"),
			Spec: corev1.PodSpec{NodeName: "node-1", Containers: []corev1.Container{{}, {}}},
			Status: corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{
				{Ready: true, RestartCount: 2}, {RestartCount: 1}}}},
			Derived{Status: "running", Ready: "1/2", Columns: map[string]any{"restarts": int64(3), "ready": int64(500), "status": "running", "node": "node-1"}}},
		{"a pod whose container cannot pull its image has failed", "pods", &corev1.Pod{ObjectMeta: meta("bad"),
			Spec: corev1.PodSpec{Containers: []corev1.Container{{}}},
			Status: corev1.PodStatus{Phase: corev1.PodPending, ContainerStatuses: []corev1.ContainerStatus{
				{State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ImagePullBackOff"}}}}}},
			Derived{Status: "failed", Ready: "0/1", Columns: map[string]any{"restarts": int64(0), "ready": int64(0), "status": "failed", "node": ""}}},
		{"a pod being deleted is terminating; without statuses its containers count", "pods", &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Namespace: "dev", Name: "gone", DeletionTimestamp: &now},
			Spec:       corev1.PodSpec{Containers: []corev1.Container{{}, {}, {}}}},
			Derived{Status: "terminating", Ready: "0/3", Columns: map[string]any{"restarts": int64(0), "ready": int64(0), "status": "terminating", "node": ""}}},
		{"a deployment with fewer ready replicas than desired is pending", "deployments", &appsv1.Deployment{ObjectMeta: meta("web"),
			Spec:   appsv1.DeploymentSpec{Replicas: &three},
			Status: appsv1.DeploymentStatus{ReadyReplicas: 1, UpdatedReplicas: 3, Replicas: 3}},
			Derived{Status: "pending", Ready: "1/3", Columns: map[string]any{"readyReplicas": int64(1), "replicas": int64(3), "status": "pending"}}},
		{"a deployment its controller has not seen yet is updating", "deployments", &appsv1.Deployment{
			ObjectMeta: metav1.ObjectMeta{Namespace: "dev", Name: "new", Generation: 2},
			Status:     appsv1.DeploymentStatus{ObservedGeneration: 1, ReadyReplicas: 1, UpdatedReplicas: 1, Replicas: 1}},
			Derived{Status: "updating", Ready: "1/1", Columns: map[string]any{"readyReplicas": int64(1), "replicas": int64(1), "status": "updating"}}},
		{"a daemon set scheduled nowhere is stopped", "daemonsets", &appsv1.DaemonSet{ObjectMeta: meta("agent")},
			Derived{Status: "stopped", Ready: "0/0", Columns: map[string]any{"readyReplicas": int64(0), "replicas": int64(0), "status": "stopped"}}},
		{"a complete job", "jobs", &batchv1.Job{ObjectMeta: meta("once"), Status: batchv1.JobStatus{Succeeded: 1,
			Conditions: []batchv1.JobCondition{{Type: batchv1.JobComplete, Status: corev1.ConditionTrue}}}},
			Derived{Status: "completed", Columns: map[string]any{"succeeded": int64(1), "failed": int64(0), "status": "completed"}}},
		{"a suspended cron job is stopped", "cronjobs", &batchv1.CronJob{ObjectMeta: meta("nightly"),
			Spec: batchv1.CronJobSpec{Suspend: &suspended}, Status: batchv1.CronJobStatus{LastScheduleTime: &now}},
			Derived{Status: "stopped", Columns: map[string]any{"active": int64(0), "lastScheduleTime": now.UnixNano(), "status": "stopped"}}},
		{"a service runs; its pods are counted by the engine", "services", &corev1.Service{ObjectMeta: meta("web"),
			Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeNodePort}},
			Derived{Status: "running", Columns: map[string]any{"pods": int64(0), "type": "NodePort"}}},
		{"a node that is not ready, with its role", "nodes", &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "cp",
			Labels: map[string]string{"node-role.kubernetes.io/control-plane": ""}}},
			Derived{Status: "notready", Columns: map[string]any{"status": "notready", "role": "control-plane"}}},
		{"a namespace of a workspace", "namespaces", &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "web",
			Labels: map[string]string{tenantv1beta1.WorkspaceLabel: "team"}}, Status: corev1.NamespaceStatus{Phase: corev1.NamespaceActive}},
			Derived{Status: "active", Columns: map[string]any{"status": "active", "workspace": "team"}}},
		{"an event without a last timestamp happened when it was made", "events", &corev1.Event{ObjectMeta: meta("e1"), Type: "Warning",
			Reason: "BackOff", Count: 4, InvolvedObject: corev1.ObjectReference{Kind: "Pod", Name: "web"}},
			Derived{Columns: map[string]any{"lastTimestamp": time.Unix(100, 0).UnixNano(), "count": int64(4), "type": "Warning", "reason": "BackOff"}}},
		{"a user's state is its status but no sort column", "users", &iamv1beta1.User{ObjectMeta: metav1.ObjectMeta{Name: "alice"},
			Spec: iamv1beta1.UserSpec{Email: "a@example.com"}, Status: iamv1beta1.UserStatus{State: iamv1beta1.UserActive}},
			Derived{Status: "active", Columns: map[string]any{"lastLoginTime": int64(0), "email": "a@example.com"}}},
		{"a kind without columns derives nothing", "configmaps", &corev1.ConfigMap{ObjectMeta: meta("cfg")}, Derived{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := builtin(t, tt.resource)
			if got := derived(k, newRow(k, tt.obj)); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got  %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

func TestKindFiltersMatchTheirColumns(t *testing.T) {
	pod := func(name, node string, ready bool) *corev1.Pod {
		return &corev1.Pod{ObjectMeta: meta(name), Spec: corev1.PodSpec{NodeName: node, Containers: []corev1.Container{{}}},
			Status: corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{{Ready: ready}}}}
	}
	tests := []struct {
		name          string
		resource      string
		obj           client.Object
		filter, value string
		want          bool
	}{
		{"ready=true finds a pod whose containers are all ready", "pods", pod("a", "n1", true), "ready", "true", true},
		{"ready=false finds a pod with a container not ready", "pods", pod("b", "n1", false), "ready", "false", true},
		{"ready takes any case", "pods", pod("c", "n1", true), "ready", "True", true},
		{"ready=true does not find a pod not ready", "pods", pod("d", "n1", false), "ready", "true", false},
		{"nodeName matches the node to the letter", "pods", pod("e", "node-1", true), "nodeName", "node-1", true},
		{"nodeName does not match another case", "pods", pod("f", "node-1", true), "nodeName", "NODE-1", false},
		{"a service's type matches in any case", "services", &corev1.Service{ObjectMeta: meta("s"), Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeClusterIP}},
			"type", "clusterip", true},
		{"an event's involved object", "events", &corev1.Event{ObjectMeta: meta("e"), InvolvedObject: corev1.ObjectReference{Kind: "Pod"}},
			"involvedObjectKind", "Pod", true},
		{"podLabels finds a service whose selector is among the labels", "services", service(map[string]string{"app": "web"}),
			"podLabels", "app=web,tier=front", true},
		{"podLabels finds a service that selects every label", "services", service(map[string]string{"app": "web", "tier": "front"}),
			"podLabels", "tier=front,app=web", true},
		{"podLabels does not find a service that selects another value", "services", service(map[string]string{"app": "web", "tier": "back"}),
			"podLabels", "app=web,tier=front", false},
		{"podLabels does not find a service that selects a label the pods lack", "services", service(map[string]string{"app": "web", "zone": "a"}),
			"podLabels", "app=web", false},
		{"podLabels does not find a service without a selector", "services", service(nil), "podLabels", "app=web", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := builtin(t, tt.resource)
			q := query(t, tt.filter+"="+url.QueryEscape(tt.value))
			match, err := matcher(k, q)
			if err != nil {
				t.Fatal(err)
			}
			if got := match(newRow(k, tt.obj)); got != tt.want {
				t.Fatalf("matched %v, want %v", got, tt.want)
			}
		})
	}
}

func service(selector map[string]string) *corev1.Service {
	return &corev1.Service{ObjectMeta: meta("s"), Spec: corev1.ServiceSpec{Selector: selector}}
}

func TestAPodLabelsFilterThatIsNotLabelsIsRefusedNamingIt(t *testing.T) {
	for _, value := range []string{"app===", "app", "app=web,=x"} {
		_, err := matcher(builtin(t, "services"), query(t, "podLabels="+url.QueryEscape(value)))
		var st apierrors.APIStatus
		if !errors.As(err, &st) || st.Status().Code != 400 || !strings.Contains(err.Error(), "podLabels") {
			t.Errorf("%q: got %v, want a 400 naming podLabels", value, err)
		}
	}
}

func TestAUserWithoutADisplayNameAnnotationIsFoundByTheSpecs(t *testing.T) {
	k := builtin(t, "users")
	r := newRow(k, &iamv1beta1.User{ObjectMeta: metav1.ObjectMeta{Name: "u1"}, Spec: iamv1beta1.UserSpec{DisplayName: "Alice Liddell"}})
	if r.DisplayName != "alice liddell" {
		t.Fatalf("display name %q", r.DisplayName)
	}
	r = newRow(k, &iamv1beta1.User{ObjectMeta: metav1.ObjectMeta{Name: "u2", Annotations: map[string]string{tenantv1beta1.DisplayNameAnnotation: "Bob"}},
		Spec: iamv1beta1.UserSpec{DisplayName: "Robert"}})
	if r.DisplayName != "bob" {
		t.Fatalf("display name %q, want the annotation's", r.DisplayName)
	}
}
