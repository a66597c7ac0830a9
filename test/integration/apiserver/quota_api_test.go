package apiserver

import (
	"context"
	"net/http"
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	quotav1alpha2 "github.com/superkube/super-kubenetes/api/quota/v1alpha2"
	"github.com/superkube/super-kubenetes/internal/testutil/platform"
)

const quotaAPI = "/kapis/quota.superkube.io/v1alpha2"

// A workspace's members read its quotas at /kapis, and only its; writing
// a quota takes a platform role on every path (here /apis through the
// proxy, decided by kube-apiserver's RBAC).
func TestWorkspaceMembersReadTheirWorkspacesQuotas(t *testing.T) {
	newUser(t, "qt-viewer")
	newWorkspace(t, "qt-a", "")
	newWorkspace(t, "qt-b", "")
	bindWorkspace(t, "User", "qt-viewer", "qt-a", "viewer")
	for _, ws := range []string{"qt-a", "qt-b"} {
		q := &quotav1alpha2.ResourceQuota{ObjectMeta: metav1.ObjectMeta{Name: ws}, Spec: quotav1alpha2.ResourceQuotaSpec{Workspace: ws,
			Hard: corev1.ResourceList{corev1.ResourcePods: resource.MustParse("10")}}}
		if err := st.k8s.Create(context.Background(), q); err != nil {
			t.Fatal(err)
		}
	}
	viewer := api.Token(t, "qt-viewer")
	r := untilAllowed(t, "the viewer reads qt-a's quotas", func() *platform.Response {
		return api.Do(t, http.MethodGet, quotaAPI+"/workspaces/qt-a/resourcequotas", viewer, nil)
	})
	if r.Code != http.StatusOK || !reflect.DeepEqual(names(r), []string{"qt-a"}) || total(r) != 1 {
		t.Fatalf("qt-a's quotas: %d %s", r.Code, r.Body)
	}
	if r := api.Do(t, http.MethodGet, quotaAPI+"/workspaces/qt-a/resourcequotas/qt-b", viewer, nil); r.Code != http.StatusNotFound {
		t.Errorf("another workspace's quota by name under qt-a: %d %s", r.Code, r.Body)
	}
	if r := api.Do(t, http.MethodGet, quotaAPI+"/workspaces/qt-b/resourcequotas", viewer, nil); r.Code != http.StatusForbidden {
		t.Errorf("qt-b's quotas: %d %s", r.Code, r.Body)
	}
	body := map[string]any{"apiVersion": "quota.superkube.io/v1alpha2", "kind": "ResourceQuota", "metadata": map[string]any{"name": "qt-a-more"},
		"spec": map[string]any{"workspace": "qt-a", "hard": map[string]any{"pods": "1000"}}}
	if r := api.DoJSON(t, http.MethodPost, "/apis/quota.superkube.io/v1alpha2/resourcequotas", viewer, body); r.Code != http.StatusForbidden {
		t.Errorf("a viewer writing a quota through the proxy: %d %s", r.Code, r.Body)
	}
	if r := api.DoJSON(t, http.MethodPost, "/apis/quota.superkube.io/v1alpha2/resourcequotas", api.Admin(t), body); r.Code != http.StatusCreated {
		t.Errorf("the administrator writing a quota through the proxy: %d %s", r.Code, r.Body)
	}
}
