package apiserver

import (
	"context"
	"net/http"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/superkube/super-kubenetes/internal/testutil/platform"
)

// item finds an item of a list answer by name.
func item(r *platform.Response, name string) map[string]any {
	items, _ := r.JSON["items"].([]any)
	for _, it := range items {
		m, _ := it.(map[string]any)
		if md, _ := m["metadata"].(map[string]any); md["name"] == name {
			return m
		}
	}
	return nil
}

// derivedOf returns an object's derived values as the engine sends them.
func derivedOf(t *testing.T, obj map[string]any) map[string]any {
	t.Helper()
	d, ok := obj["derived"].(map[string]any)
	if !ok {
		t.Fatalf("the object has no derived values: %v", obj)
	}
	return d
}

func TestTheListEngineSendsTheStatusItFiltersByWithEachObject(t *testing.T) {
	ctx := context.Background()
	const ns = "derived-values"
	if err := st.k8s.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
		t.Fatal(err)
	}
	// A Deployment with 1 of 3 replicas ready and every replica updated.
	labels := map[string]string{"app": "web"}
	d := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "web"}, Spec: appsv1.DeploymentSpec{Replicas: ptr.To[int32](3),
		Selector: &metav1.LabelSelector{MatchLabels: labels},
		Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "nginx"}}}}}}
	if err := st.k8s.Create(ctx, d); err != nil {
		t.Fatal(err)
	}
	d.Status = appsv1.DeploymentStatus{ObservedGeneration: d.Generation, Replicas: 3, UpdatedReplicas: 3, ReadyReplicas: 1, AvailableReplicas: 1}
	if err := st.k8s.Status().Update(ctx, d); err != nil {
		t.Fatal(err)
	}
	// A running pod whose container is in CrashLoopBackOff after 5 restarts.
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "crashing"}, Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "nginx"}}}}
	if err := st.k8s.Create(ctx, p); err != nil {
		t.Fatal(err)
	}
	p.Status = corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{{Name: "c", Image: "nginx", RestartCount: 5,
		State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff"}}}}}
	if err := st.k8s.Status().Update(ctx, p); err != nil {
		t.Fatal(err)
	}
	// A ready node that is cordoned.
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "derived-cordoned"}, Spec: corev1.NodeSpec{Unschedulable: true}}
	if err := st.k8s.Create(ctx, n); err != nil {
		t.Fatal(err)
	}
	n.Status.Conditions = []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}}
	if err := st.k8s.Status().Update(ctx, n); err != nil {
		t.Fatal(err)
	}

	adm := api.Admin(t)
	// list waits until the filtered list holds the object, and returns it.
	list := func(t *testing.T, path, name string) map[string]any {
		t.Helper()
		var found map[string]any
		eventually(t, path+" holds "+name, func() error {
			r := api.Do(t, http.MethodGet, engine+path, adm, nil)
			if r.Code != http.StatusOK {
				return errf("%d %s", r.Code, r.Body)
			}
			if found = item(r, name); found == nil {
				return errf("not there: %s", r.Body)
			}
			return nil
		})
		return found
	}

	t.Run("a deployment with 1 of 3 ready is pending, in the filter and in the object", func(t *testing.T) {
		dv := derivedOf(t, list(t, "/namespaces/"+ns+"/deployments?status=pending", "web"))
		cols, _ := dv["columns"].(map[string]any)
		if dv["status"] != "pending" || dv["ready"] != "1/3" || cols["readyReplicas"] != float64(1) || cols["replicas"] != float64(3) || cols["status"] != "pending" {
			t.Fatalf("derived %v", dv)
		}
		r := api.Do(t, http.MethodGet, engine+"/namespaces/"+ns+"/deployments/web", adm, nil)
		if r.Code != http.StatusOK || derivedOf(t, r.JSON)["status"] != "pending" || r.JSON["kind"] != "Deployment" {
			t.Fatalf("get: %d %s", r.Code, r.Body)
		}
	})
	t.Run("a pod in CrashLoopBackOff is failed, with its restarts and readiness", func(t *testing.T) {
		dv := derivedOf(t, list(t, "/namespaces/"+ns+"/pods?status=failed", "crashing"))
		cols, _ := dv["columns"].(map[string]any)
		if dv["status"] != "failed" || dv["ready"] != "0/1" || cols["restarts"] != float64(5) {
			t.Fatalf("derived %v", dv)
		}
	})
	t.Run("a cordoned ready node is ready, so that the status filter finds it", func(t *testing.T) {
		if dv := derivedOf(t, list(t, "/nodes?status=ready&names=derived-cordoned", "derived-cordoned")); dv["status"] != "ready" {
			t.Fatalf("derived %v", dv)
		}
	})
	t.Run("every item of every list has its derived values", func(t *testing.T) {
		r := api.Do(t, http.MethodGet, engine+"/configmaps?limit=5", adm, nil)
		items, _ := r.JSON["items"].([]any)
		if r.Code != http.StatusOK || len(items) == 0 {
			t.Fatalf("%d %s", r.Code, r.Body)
		}
		for _, it := range items {
			if _, ok := it.(map[string]any)["derived"].(map[string]any); !ok {
				t.Fatalf("an item without derived values: %v", it)
			}
		}
	})
}
