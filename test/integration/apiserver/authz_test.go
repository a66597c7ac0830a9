package apiserver

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	"github.com/superkube/super-kubenetes/internal/testutil/platform"
)

var worldOnce sync.Once

// world creates users at each level around workspace "wsa" and its project
// "wsa-web": a workspace admin (its manager), a workspace viewer, a project
// operator and an outsider.
func world(t *testing.T) {
	t.Helper()
	worldOnce.Do(func() {
		ctx := context.Background()
		for _, u := range []string{"ws-admin", "ws-viewer", "operator", "outsider"} {
			newUser(t, u)
		}
		for _, o := range []client.Object{
			&tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: "wsa"}, Spec: tenantv1beta1.WorkspaceSpec{Manager: "ws-admin"}},
			&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "wsa-web", Labels: map[string]string{tenantv1beta1.WorkspaceLabel: "wsa"}}},
			&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "elsewhere"}},
			&iamv1beta1.WorkspaceRoleBinding{
				ObjectMeta: metav1.ObjectMeta{Name: "ws-viewer-wsa-viewer", Labels: map[string]string{tenantv1beta1.WorkspaceLabel: "wsa", iamv1beta1.UserRefLabel: "ws-viewer"}},
				RoleRef:    iamv1beta1.RoleRef{Kind: "WorkspaceRole", Name: "wsa-viewer"},
				Subjects:   []iamv1beta1.Subject{{Kind: "User", Name: "ws-viewer"}},
			},
			&rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: "wsa-web", Name: "operator-operator", Labels: map[string]string{iamv1beta1.UserRefLabel: "operator"}},
				RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "operator"}, Subjects: []rbacv1.Subject{{Kind: "User", APIGroup: rbacv1.GroupName, Name: "operator"}}},
		} {
			if err := st.k8s.Create(ctx, o); err != nil {
				t.Fatalf("creating %s: %v", o.GetName(), err)
			}
		}
	})
}

func review(t *testing.T, tok string, spec map[string]any) *platform.Response {
	t.Helper()
	return api.DoJSON(t, http.MethodPost, "/kapis/iam.superkube.io/v1beta1/subjectaccessreviews", tok, map[string]any{"spec": spec})
}

func allowed(t *testing.T, tok string, attrs map[string]string) bool {
	t.Helper()
	r := review(t, tok, map[string]any{"resourceAttributes": attrs})
	if r.Code != http.StatusCreated {
		t.Fatalf("review: %d %s", r.Code, r.Body)
	}
	return r.JSON["status"].(map[string]any)["allowed"].(bool)
}

func TestEachLevelMayDoExactlyWhatItsRolesAllow(t *testing.T) {
	world(t)
	tokens := map[string]string{"admin": api.Admin(t)}
	for _, u := range []string{"ws-admin", "ws-viewer", "operator", "outsider"} {
		tokens[u] = api.Token(t, u)
	}
	res := func(verb, group, resource, ws, ns string) map[string]string {
		return map[string]string{"verb": verb, "group": group, "resource": resource, "workspace": ws, "namespace": ns}
	}
	tests := []struct {
		name  string
		user  string
		attrs map[string]string
		want  bool
	}{
		{"the platform admin manages users", "admin", res("create", "iam.superkube.io", "users", "", ""), true},
		{"the platform admin deletes deployments in any project", "admin", res("delete", "apps", "deployments", "", "wsa-web"), true},
		{"the workspace admin deletes deployments in its projects", "ws-admin", res("delete", "apps", "deployments", "", "wsa-web"), true},
		{"the workspace admin manages its members", "ws-admin", res("create", "iam.superkube.io", "workspacerolebindings", "wsa", ""), true},
		{"the workspace admin may not manage platform users", "ws-admin", res("create", "iam.superkube.io", "users", "", ""), false},
		{"the workspace viewer lists pods in its projects", "ws-viewer", res("list", "", "pods", "", "wsa-web"), true},
		{"the workspace viewer may not delete them", "ws-viewer", res("delete", "", "pods", "", "wsa-web"), false},
		{"the workspace viewer may not read secrets", "ws-viewer", res("get", "", "secrets", "", "wsa-web"), false},
		{"the workspace viewer sees nothing elsewhere", "ws-viewer", res("list", "", "pods", "", "elsewhere"), false},
		{"the project operator creates deployments", "operator", res("create", "apps", "deployments", "", "wsa-web"), true},
		{"the project operator may not manage members", "operator", res("create", "rbac.authorization.k8s.io", "rolebindings", "", "wsa-web"), false},
		{"the project operator sees nothing elsewhere", "operator", res("list", "", "pods", "", "elsewhere"), false},
		{"an outsider sees nothing", "outsider", res("list", "", "pods", "", "wsa-web"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eventually(t, "the answer settles", func() error {
				if got := allowed(t, tokens[tt.user], tt.attrs); got != tt.want {
					return errf("allowed=%v", got)
				}
				return nil
			})
		})
	}

	t.Run("a refused request is a 403 Status that says what was refused", func(t *testing.T) {
		r := api.Do(t, http.MethodGet, "/kapis/iam.superkube.io/v1beta1/users/ws-admin/kubeconfig", tokens["outsider"], nil)
		platform.ExpectStatus(t, r, http.StatusForbidden)
		if !strings.Contains(r.Str("message"), "user outsider may not get users/kubeconfig.iam.superkube.io ws-admin") {
			t.Fatalf("message %q", r.Str("message"))
		}
	})
	t.Run("reviewing someone else needs the right to", func(t *testing.T) {
		platform.ExpectStatus(t, review(t, tokens["ws-viewer"], map[string]any{"user": "admin", "resourceAttributes": res("list", "", "pods", "", "")}), http.StatusForbidden)
		r := review(t, tokens["admin"], map[string]any{"user": "ws-viewer", "resourceAttributes": res("list", "", "pods", "", "wsa-web")})
		if r.Code != http.StatusCreated || !r.JSON["status"].(map[string]any)["allowed"].(bool) {
			t.Fatalf("%d %s", r.Code, r.Body)
		}
	})
	t.Run("a batch review answers each action", func(t *testing.T) {
		r := review(t, tokens["ws-viewer"], map[string]any{"resourceAttributesList": []map[string]string{
			res("list", "", "pods", "", "wsa-web"), res("delete", "", "pods", "", "wsa-web")}})
		results, _ := r.JSON["status"].(map[string]any)["results"].([]any)
		if len(results) != 2 || !results[0].(map[string]any)["allowed"].(bool) || results[1].(map[string]any)["allowed"].(bool) {
			t.Fatalf("%s", r.Body)
		}
	})
	t.Run("an invalid review names the field", func(t *testing.T) {
		r := review(t, tokens["ws-viewer"], map[string]any{})
		platform.ExpectStatus(t, r, http.StatusUnprocessableEntity)
		if !strings.Contains(string(r.Body), `"field":"spec"`) {
			t.Fatalf("%s", r.Body)
		}
	})
}

func TestRoleTemplatesShowWhatTheUserHolds(t *testing.T) {
	world(t)
	tok := api.Token(t, "ws-viewer")
	var names []string
	eventually(t, "the viewer's templates", func() error {
		r := api.Do(t, http.MethodGet, "/kapis/iam.superkube.io/v1beta1/users/ws-viewer/roletemplates?scope=workspace&workspace=wsa", tok, nil)
		if r.Code != http.StatusOK {
			return errf("%d %s", r.Code, r.Body)
		}
		names = names[:0]
		for _, it := range r.JSON["items"].([]any) {
			names = append(names, it.(map[string]any)["metadata"].(map[string]any)["name"].(string))
		}
		if !contains(names, "workspace-view-members") {
			return errf("templates %v", names)
		}
		return nil
	})
	if contains(names, "workspace-manage-members") {
		t.Fatalf("a viewer holds a manage template: %v", names)
	}
	r := api.Do(t, http.MethodGet, "/kapis/iam.superkube.io/v1beta1/users/ws-viewer/roletemplates", tok, nil)
	platform.ExpectStatus(t, r, http.StatusBadRequest)
	if !strings.Contains(string(r.Body), `"field":"scope"`) {
		t.Fatalf("%s", r.Body)
	}
}

func TestKubectlWithAPlatformIdentityHasExactlyItsPermissions(t *testing.T) {
	world(t)
	tok := api.Token(t, "ws-viewer")
	r := api.Do(t, http.MethodGet, "/kapis/iam.superkube.io/v1beta1/users/ws-viewer/kubeconfig", tok, nil)
	if r.Code != http.StatusOK {
		t.Fatalf("kubeconfig: %d %s", r.Code, r.Body)
	}
	cfg, err := clientcmd.RESTConfigFromKubeConfig(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	// kube-apiserver fetches ke-apiserver's keys in the background at first.
	eventually(t, "kube-apiserver knows the user", func() error {
		ssr, err := cs.AuthenticationV1().SelfSubjectReviews().Create(ctx, &authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{})
		if err != nil {
			return err
		}
		if ssr.Status.UserInfo.Username != "ws-viewer" {
			return errf("kube-apiserver sees %q", ssr.Status.UserInfo.Username)
		}
		return nil
	})
	eventually(t, "the viewer lists pods in the workspace's project", func() error {
		_, err := cs.CoreV1().Pods("wsa-web").List(ctx, metav1.ListOptions{})
		return err
	})
	if _, err := cs.CoreV1().Pods("elsewhere").List(ctx, metav1.ListOptions{}); !apierrors.IsForbidden(err) {
		t.Fatalf("listing pods elsewhere: want Forbidden, got %v", err)
	}
	if err := cs.CoreV1().Pods("wsa-web").Delete(ctx, "any", metav1.DeleteOptions{}); !apierrors.IsForbidden(err) {
		t.Fatalf("deleting a pod: want Forbidden, got %v", err)
	}
	if _, err := cs.CoreV1().Secrets("wsa-web").List(ctx, metav1.ListOptions{}); !apierrors.IsForbidden(err) {
		t.Fatalf("listing secrets: want Forbidden, got %v", err)
	}
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
