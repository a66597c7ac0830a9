package apiserver

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"

	"github.com/superkube/super-kubenetes/internal/testutil/platform"
)

func podTemplate(labels map[string]string, image string) corev1.PodTemplateSpec {
	return corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: image}}}}
}

// The console's workload pages read a Deployment's ReplicaSets and a
// StatefulSet's ControllerRevisions by revision, the Services that pick a
// workload's pods, and a project's workloads counted by state, all from
// the list engine.
func TestTheListEngineServesRevisionsRelatedServicesAndCountsByState(t *testing.T) {
	ctx := context.Background()
	const ns = "workload-pages"
	if err := st.k8s.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
		t.Fatal(err)
	}
	web := map[string]string{"app": "web", "tier": "front"}
	d := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "web"}, Spec: appsv1.DeploymentSpec{Replicas: ptr.To[int32](0),
		Selector: &metav1.LabelSelector{MatchLabels: web}, Template: podTemplate(web, "nginx:1.26")}}
	if err := st.k8s.Create(ctx, d); err != nil {
		t.Fatal(err)
	}
	adm := api.Admin(t)
	get := func(t *testing.T, path string) *platform.Response {
		t.Helper()
		r := api.Do(t, http.MethodGet, engine+path, adm, nil)
		if r.Code != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, r.Code, r.Body)
		}
		return r
	}
	// What the deployment controller makes (this suite runs only the
	// garbage collector and the namespace controller of
	// kube-controller-manager): revision 1, then 2 for a new image.
	for rev, image := range map[string]string{"1": "nginx:1.26", "2": "nginx:1.27"} {
		rs := &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "web-" + rev,
			Annotations:     map[string]string{"deployment.kubernetes.io/revision": rev},
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(d, appsv1.SchemeGroupVersion.WithKind("Deployment"))}},
			Spec: appsv1.ReplicaSetSpec{Replicas: ptr.To[int32](0), Selector: &metav1.LabelSelector{MatchLabels: web}, Template: podTemplate(web, image)}}
		if err := st.k8s.Create(ctx, rs); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("a Deployment's ReplicaSets sort by the revision they hold", func(t *testing.T) {
		path := "/namespaces/" + ns + "/replicasets?ownerReference=" + string(d.UID) + "&sortBy=revision"
		eventually(t, "two revisions", func() error {
			r := get(t, path)
			if r.JSON["totalItems"] != float64(2) {
				return errf("%s", r.Body)
			}
			items := r.JSON["items"].([]any)
			newest := items[0].(map[string]any)
			cols := derivedOf(t, newest)["columns"].(map[string]any)
			tmpl := newest["spec"].(map[string]any)["template"].(map[string]any)
			image := tmpl["spec"].(map[string]any)["containers"].([]any)[0].(map[string]any)["image"]
			if cols["revision"] != float64(2) || image != "nginx:1.27" {
				return errf("newest first: revision %v, image %v", cols["revision"], image)
			}
			return nil
		})
	})

	t.Run("a StatefulSet's ControllerRevisions are listed by its uid and revision", func(t *testing.T) {
		db := map[string]string{"app": "db"}
		s := &appsv1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "db"}, Spec: appsv1.StatefulSetSpec{Replicas: ptr.To[int32](0),
			Selector: &metav1.LabelSelector{MatchLabels: db}, Template: podTemplate(db, "postgres:16")}}
		if err := st.k8s.Create(ctx, s); err != nil {
			t.Fatal(err)
		}
		// What the stateful set controller makes: a revision per template.
		for rev, image := range map[int64]string{1: "postgres:16", 2: "postgres:17"} {
			data, err := json.Marshal(map[string]any{"spec": map[string]any{"template": podTemplate(db, image), "$patch": "replace"}})
			if err != nil {
				t.Fatal(err)
			}
			cr := &appsv1.ControllerRevision{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: fmt.Sprintf("db-%d", rev), Labels: db,
				OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(s, appsv1.SchemeGroupVersion.WithKind("StatefulSet"))}},
				Revision: rev, Data: runtime.RawExtension{Raw: data}}
			if err := st.k8s.Create(ctx, cr); err != nil {
				t.Fatal(err)
			}
		}
		eventually(t, "two revisions, the newest first", func() error {
			r := get(t, "/namespaces/"+ns+"/controllerrevisions?ownerReference="+string(s.UID)+"&sortBy=revision")
			items, _ := r.JSON["items"].([]any)
			if len(items) != 2 {
				return errf("%s", r.Body)
			}
			first := items[0].(map[string]any)
			if first["revision"] != float64(2) || derivedOf(t, first)["columns"].(map[string]any)["revision"] != float64(2) || first["data"] == nil {
				return errf("newest %v", first)
			}
			return nil
		})
	})

	t.Run("services are found by the pod labels their selector picks", func(t *testing.T) {
		svc := func(name string, sel map[string]string) *corev1.Service {
			return &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
				Spec: corev1.ServiceSpec{Selector: sel, Ports: []corev1.ServicePort{{Port: 80}}}}
		}
		for _, s := range []*corev1.Service{
			svc("web", map[string]string{"app": "web"}),
			svc("web-front", web),
			svc("web-back", map[string]string{"app": "web", "tier": "back"}),
			svc("external", nil),
		} {
			if err := st.k8s.Create(ctx, s); err != nil {
				t.Fatal(err)
			}
		}
		q := url.Values{"podLabels": {"app=web,tier=front"}, "sortBy": {"name"}, "ascending": {"true"}}
		eventually(t, "the services of web's pods", func() error {
			if got := fmt.Sprint(names(get(t, "/namespaces/"+ns+"/services?"+q.Encode()))); got != "[web web-front]" {
				return errf("%s", got)
			}
			return nil
		})
		r := api.Do(t, http.MethodGet, engine+"/namespaces/"+ns+"/services?podLabels=app%3D%3D%3D", adm, nil)
		platform.ExpectStatus(t, r, http.StatusBadRequest)
	})

	t.Run("a list counts the matching objects by state", func(t *testing.T) {
		// web runs 0 replicas (stopped); backend waits for 2 it cannot have.
		backend := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "api"}, Spec: appsv1.DeploymentSpec{Replicas: ptr.To[int32](2),
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "api"}}, Template: podTemplate(map[string]string{"app": "api"}, "api")}}
		if err := st.k8s.Create(ctx, backend); err != nil {
			t.Fatal(err)
		}
		eventually(t, "the counts", func() error {
			r := get(t, "/namespaces/"+ns+"/deployments?limit=1&countBy=status")
			counts, _ := r.JSON["counts"].(map[string]any)
			n := func(state string) float64 { v, _ := counts[state].(float64); return v }
			if r.JSON["totalItems"] != float64(2) || len(names(r)) != 1 || n("stopped") != 1 || n("running") != 0 || n("updating")+n("pending") != 1 {
				return errf("%s", r.Body)
			}
			return nil
		})
		if r := get(t, "/namespaces/"+ns+"/deployments"); r.JSON["counts"] != nil {
			t.Fatalf("counts without countBy: %s", r.Body)
		}
		r := api.Do(t, http.MethodGet, engine+"/namespaces/"+ns+"/deployments?countBy=image", adm, nil)
		platform.ExpectStatus(t, r, http.StatusBadRequest)
	})
}
