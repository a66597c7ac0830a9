package network

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	networkv1alpha1 "github.com/superkube/super-kubenetes/api/network/v1alpha1"
	"github.com/superkube/super-kubenetes/internal/iam/builtin"
	"github.com/superkube/super-kubenetes/internal/testutil/platform"
)

// TestProjectAdminsIsolateTheirProjectThroughKeAPIServer goes through
// ke-apiserver's Kubernetes proxy as the users: the project admin turns
// isolation on and edits the allowed sources, the viewer reads and is
// refused writes, someone without a role is refused reads, and bad input
// comes back as kube-apiserver's 422 Status naming the field.
func TestProjectAdminsIsolateTheirProjectThroughKeAPIServer(t *testing.T) {
	create(t, newWorkspace("api", false))
	create(t, newNamespace("api-web", "api"))
	for _, u := range []string{"nadmin", "nviewer", "nobody"} {
		platform.NewUser(t, k8s, u, password)
	}
	for user, role := range map[string]string{"nadmin": builtin.ProjectAdmin, "nviewer": builtin.ProjectViewer} {
		create(t, &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: "api-web", Name: user + "-" + role, Labels: map[string]string{iamv1beta1.UserRefLabel: user}},
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: role},
			Subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: user}}})
	}
	admin, viewer, nobody := api.Token(t, "nadmin"), api.Token(t, "nviewer"), api.Token(t, "nobody")
	const coll = "/apis/network.superkube.io/v1alpha1/namespaces/api-web/networkisolations"
	obj := map[string]any{"apiVersion": "network.superkube.io/v1alpha1", "kind": "NetworkIsolation",
		"metadata": map[string]any{"name": "default", "namespace": "api-web"},
		"spec":     map[string]any{"enabled": true, "allowedSources": []any{map[string]any{"cidrs": []any{map[string]any{"cidr": "10.0.0.0/33"}}}}}}

	// Bad input, from the project admin: kube-apiserver's Status, field named.
	platform.Eventually(t, "the admin's create reaches kube-apiserver's validation", 30*time.Second, func() error {
		r := api.DoJSON(t, http.MethodPost, coll, admin, obj)
		if r.Code != http.StatusUnprocessableEntity || r.Str("kind") != "Status" || !strings.Contains(r.Str("message"), "spec.allowedSources[0].cidrs[0].cidr") {
			return fmt.Errorf("%d %s", r.Code, r.Body)
		}
		return nil
	})
	obj["spec"].(map[string]any)["allowedSources"] = []any{map[string]any{"cidrs": []any{map[string]any{"cidr": "10.0.0.0/8"}}, "ports": []any{map[string]any{"port": 70000}}}}
	if r := api.DoJSON(t, http.MethodPost, coll, admin, obj); r.Code != http.StatusUnprocessableEntity || !strings.Contains(r.Str("message"), "spec.allowedSources[0].ports[0].port") {
		t.Fatalf("port 70000: %d %s", r.Code, r.Body)
	}

	// The viewer may not create; the admin may.
	obj["spec"].(map[string]any)["allowedSources"] = []any{map[string]any{"cidrs": []any{map[string]any{"cidr": "10.0.0.0/8"}}, "ports": []any{map[string]any{"port": 443}}}}
	if r := api.DoJSON(t, http.MethodPost, coll, viewer, obj); r.Code != http.StatusForbidden || r.Str("kind") != "Status" {
		t.Fatalf("viewer create: %d %s", r.Code, r.Body)
	}
	if r := api.DoJSON(t, http.MethodPost, coll, admin, obj); r.Code != http.StatusCreated {
		t.Fatalf("admin create: %d %s", r.Code, r.Body)
	}
	expectPolicies(t, "api-web", networkv1alpha1.ProjectPolicyName)

	// The viewer reads it, not its neighbour.
	if r := api.Do(t, http.MethodGet, coll+"/default", viewer, nil); r.Code != http.StatusOK {
		t.Fatalf("viewer get: %d %s", r.Code, r.Body)
	}
	if r := api.Do(t, http.MethodGet, coll+"/default", nobody, nil); r.Code != http.StatusForbidden {
		t.Fatalf("nobody get: %d %s", r.Code, r.Body)
	}
	patch := `{"spec":{"enabled":false}}`
	if r := api.Do(t, http.MethodPatch, coll+"/default", viewer, strings.NewReader(patch), "Content-Type", "application/merge-patch+json"); r.Code != http.StatusForbidden {
		t.Fatalf("viewer patch: %d %s", r.Code, r.Body)
	}
	// The admin turns it off: the generated policy goes.
	if r := api.Do(t, http.MethodPatch, coll+"/default", admin, strings.NewReader(patch), "Content-Type", "application/merge-patch+json"); r.Code != http.StatusOK {
		t.Fatalf("admin patch: %d %s", r.Code, r.Body)
	}
	expectPolicies(t, "api-web")
}
