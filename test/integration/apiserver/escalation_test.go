package apiserver

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	"github.com/superkube/super-kubenetes/internal/scheme"
	"github.com/superkube/super-kubenetes/internal/testutil/platform"
)

// The escalation rule holds on every path that writes an object: the
// platform's API (/kapis), the Kubernetes API through ke-apiserver's proxy
// (/apis, /api) and kubectl straight at kube-apiserver with a downloaded
// kubeconfig (whose writes kube-apiserver checks with ke-apiserver's
// validating webhook).

// kubectlAs returns a client that talks straight to kube-apiserver with the
// user's downloaded kubeconfig, once kube-apiserver knows the user.
func kubectlAs(t *testing.T, user string) client.Client {
	t.Helper()
	r := api.Do(t, http.MethodGet, "/kapis/iam.superkube.io/v1beta1/users/"+user+"/kubeconfig", api.Token(t, user), nil)
	if r.Code != http.StatusOK {
		t.Fatalf("kubeconfig of %s: %d %s", user, r.Code, r.Body)
	}
	cfg, err := clientcmd.RESTConfigFromKubeConfig(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "kube-apiserver knows "+user, func() error {
		ssr, err := cs.AuthenticationV1().SelfSubjectReviews().Create(context.Background(), &authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{})
		if err != nil {
			return err
		}
		if ssr.Status.UserInfo.Username != user {
			return errf("kube-apiserver sees %q", ssr.Status.UserInfo.Username)
		}
		return nil
	})
	c, err := client.New(cfg, client.Options{Scheme: scheme.New()})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// customGlobalRole makes a platform role of templates and binds the user to it.
func customGlobalRole(t *testing.T, user, role string, templates ...string) {
	t.Helper()
	ctx := context.Background()
	for _, o := range []client.Object{
		&iamv1beta1.GlobalRole{ObjectMeta: metav1.ObjectMeta{Name: role}, AggregationRoleTemplates: &iamv1beta1.AggregationRoleTemplates{TemplateNames: templates}},
		&iamv1beta1.GlobalRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: user + "-" + role, Labels: map[string]string{iamv1beta1.UserRefLabel: user}},
			RoleRef: iamv1beta1.RoleRef{Kind: "GlobalRole", Name: role}, Subjects: []iamv1beta1.Subject{{Kind: "User", Name: user}}},
	} {
		if err := st.k8s.Create(ctx, o); err != nil {
			t.Fatalf("creating %s: %v", o.GetName(), err)
		}
	}
}

// refused fails unless err is a 403 from kube-apiserver.
func refused(t *testing.T, what string, err error) {
	t.Helper()
	if !apierrors.IsForbidden(err) {
		t.Fatalf("%s: want 403, got %v", what, err)
	}
}

// refusedHTTP fails unless r is a 403 Status.
func refusedHTTP(t *testing.T, what string, r *platform.Response) {
	t.Helper()
	if r.Code != http.StatusForbidden || r.Str("kind") != "Status" {
		t.Fatalf("%s: want a 403 Status, got %d %s", what, r.Code, r.Body)
	}
}

// created repeats a request until it answers 201 (a new workspace or
// project reaches ke-apiserver's cache, and its roles are made, within
// moments) and fails the test with the last answer otherwise.
func created(t *testing.T, what string, send func() *platform.Response) {
	t.Helper()
	var r *platform.Response
	eventually(t, what, func() error {
		if r = send(); r.Code != http.StatusCreated {
			return errf("%d %s", r.Code, r.Body)
		}
		return nil
	})
}

func jsonPatch(t *testing.T, path, tok string, patch string) *platform.Response {
	t.Helper()
	return api.Do(t, http.MethodPatch, path, tok, strings.NewReader(patch), "Content-Type", "application/merge-patch+json")
}

func TestAUserManagerCannotTakeOverAPlatformAdministrator(t *testing.T) {
	adm := api.Admin(t)
	ctx := context.Background()
	newUser(t, "esc-um")
	newUser(t, "esc-regular")
	customGlobalRole(t, "esc-um", "esc-user-manager", "global-view-users", "global-manage-users")
	// A group bound to platform-admin.
	if err := st.k8s.Create(ctx, &iamv1beta1.GlobalRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "esc-admins-platform-admin"},
		RoleRef: iamv1beta1.RoleRef{Kind: "GlobalRole", Name: "platform-admin"}, Subjects: []iamv1beta1.Subject{{Kind: "Group", Name: "esc-admins"}}}); err != nil {
		t.Fatal(err)
	}
	r := api.DoJSON(t, http.MethodPost, iamAPI+"/groups", adm, map[string]any{"metadata": map[string]any{"name": "esc-admins"}})
	if r.Code != http.StatusCreated {
		t.Fatalf("group: %d %s", r.Code, r.Body)
	}
	um := api.Token(t, "esc-um")
	const newPass = "Taken-0ver!pass"

	// Through the platform's API.
	r = iamUntil(t, "the user manager may manage users", func() *platform.Response {
		return api.DoJSON(t, http.MethodPut, iamAPI+"/users/esc-regular/password", um, map[string]string{"password": newPass})
	})
	if r.Code != http.StatusOK {
		t.Fatalf("a user manager sets an ordinary user's password: %d %s", r.Code, r.Body)
	}
	refusedHTTP(t, "password of admin", api.DoJSON(t, http.MethodPut, iamAPI+"/users/admin/password", um, map[string]string{"password": newPass}))
	refusedHTTP(t, "disable admin", api.Do(t, http.MethodPost, iamAPI+"/users/admin/disable", um, nil))
	refusedHTTP(t, "delete admin", api.Do(t, http.MethodDelete, iamAPI+"/users/admin", um, nil))
	refusedHTTP(t, "change admin's e-mail", jsonPatch(t, iamAPI+"/users/admin", um, `{"spec":{"email":"mallory@example.com"}}`))
	refusedHTTP(t, "join the admins' group", api.DoJSON(t, http.MethodPost, iamAPI+"/groups/esc-admins/members", um, map[string]string{"username": "esc-um"}))
	if r := api.Login(t, "admin", newPass); r.Code == http.StatusOK {
		t.Fatal("the user manager took over the administrator")
	}

	// Through the proxy.
	refusedHTTP(t, "disable admin through /apis", jsonPatch(t, "/apis/iam.superkube.io/v1beta1/users/admin", um, `{"spec":{"disabled":true}}`))
	refusedHTTP(t, "delete admin through /apis", api.Do(t, http.MethodDelete, "/apis/iam.superkube.io/v1beta1/users/admin", um, nil))
	refusedHTTP(t, "join the admins' group through /apis", api.DoJSON(t, http.MethodPost, "/apis/iam.superkube.io/v1beta1/groupbindings", um, map[string]any{
		"apiVersion": "iam.superkube.io/v1beta1", "kind": "GroupBinding", "metadata": map[string]any{"name": "esc-sneak"},
		"groupRef": map[string]any{"name": "esc-admins"}, "users": []string{"esc-um"}}))

	// Straight at kube-apiserver.
	kc := kubectlAs(t, "esc-um")
	u := &iamv1beta1.User{}
	if err := kc.Get(ctx, types.NamespacedName{Name: "admin"}, u); err != nil {
		t.Fatalf("the user manager reads users: %v", err)
	}
	u.Spec.Disabled = true
	refused(t, "disable admin with kubectl", kc.Update(ctx, u))
	refused(t, "join the admins' group with kubectl", kc.Create(ctx, &iamv1beta1.GroupBinding{ObjectMeta: metav1.ObjectMeta{Name: "esc-sneak2"},
		GroupRef: iamv1beta1.GroupRef{Name: "esc-admins"}, Users: []string{"esc-um"}}))
	// An ordinary user remains the manager's to manage.
	reg := &iamv1beta1.User{}
	if err := kc.Get(ctx, types.NamespacedName{Name: "esc-regular"}, reg); err != nil {
		t.Fatal(err)
	}
	reg.Spec.Description = "managed"
	if err := kc.Update(ctx, reg); err != nil {
		t.Fatalf("the user manager updates an ordinary user with kubectl: %v", err)
	}
	if err := st.k8s.Get(ctx, types.NamespacedName{Name: "admin"}, u); err != nil || u.Spec.Disabled {
		t.Fatalf("the administrator: %v disabled=%v", err, u.Spec.Disabled)
	}
}

func TestARoleManagerCannotGrantWhatItDoesNotHoldOnAnyPath(t *testing.T) {
	api.Admin(t)
	ctx := context.Background()
	newUser(t, "esc-rm")
	customGlobalRole(t, "esc-rm", "esc-role-manager", "global-view-roles", "global-manage-roles")
	rm := api.Token(t, "esc-rm")
	binding := map[string]any{"apiVersion": "iam.superkube.io/v1beta1", "kind": "GlobalRoleBinding", "metadata": map[string]any{"name": "esc-rm-root"},
		"roleRef": map[string]any{"kind": "GlobalRole", "name": "platform-admin"}, "subjects": []map[string]any{{"kind": "User", "name": "esc-rm"}}}
	iamUntil(t, "the role manager reads roles", func() *platform.Response {
		return api.Do(t, http.MethodGet, "/apis/iam.superkube.io/v1beta1/globalroles", rm, nil)
	})
	r := api.DoJSON(t, http.MethodPost, "/apis/iam.superkube.io/v1beta1/globalrolebindings", rm, binding)
	if r.Code != http.StatusForbidden || !strings.Contains(r.Str("message"), "may not grant GlobalRole \"platform-admin\"") {
		t.Fatalf("binding itself to platform-admin through /apis: %d %s", r.Code, r.Body)
	}
	refusedHTTP(t, "an all-powerful GlobalRole through /apis", api.DoJSON(t, http.MethodPost, "/apis/iam.superkube.io/v1beta1/globalroles", rm, map[string]any{
		"apiVersion": "iam.superkube.io/v1beta1", "kind": "GlobalRole", "metadata": map[string]any{"name": "esc-root"},
		"rules": []map[string]any{{"apiGroups": []string{"*"}, "resources": []string{"*"}, "verbs": []string{"*"}}}}))
	refusedHTTP(t, "a GlobalRole of templates it lacks through /apis", api.DoJSON(t, http.MethodPost, "/apis/iam.superkube.io/v1beta1/globalroles", rm, map[string]any{
		"apiVersion": "iam.superkube.io/v1beta1", "kind": "GlobalRole", "metadata": map[string]any{"name": "esc-users"},
		"aggregationRoleTemplates": map[string]any{"templateNames": []string{"global-manage-users"}}}))
	// Its own template, widened, would widen its own role.
	refusedHTTP(t, "widen a role template through /apis", jsonPatch(t, "/apis/iam.superkube.io/v1beta1/roletemplates/global-manage-roles", rm,
		`{"spec":{"rules":[{"apiGroups":["*"],"resources":["*"],"verbs":["*"]}]}}`))
	// A workspace role with rules it lacks.
	if err := st.k8s.Create(ctx, &tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: "esc-ws"}, Spec: tenantv1beta1.WorkspaceSpec{Manager: "admin"}}); err != nil {
		t.Fatal(err)
	}
	kc := kubectlAs(t, "esc-rm")
	refused(t, "bind itself to platform-admin with kubectl", kc.Create(ctx, &iamv1beta1.GlobalRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "esc-rm-root2"},
		RoleRef: iamv1beta1.RoleRef{Kind: "GlobalRole", Name: "platform-admin"}, Subjects: []iamv1beta1.Subject{{Kind: "User", Name: "esc-rm"}}}))
	refused(t, "bind itself to a workspace's admin role with kubectl", kc.Create(ctx, &iamv1beta1.WorkspaceRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "esc-rm-wsadmin", Labels: map[string]string{tenantv1beta1.WorkspaceLabel: "esc-ws"}},
		RoleRef:    iamv1beta1.RoleRef{Kind: "WorkspaceRole", Name: "esc-ws-admin"}, Subjects: []iamv1beta1.Subject{{Kind: "User", Name: "esc-rm"}}}))
	refused(t, "a ClusterRole with everything with kubectl", kc.Create(ctx, &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "esc-rm-all"},
		Rules: []rbacv1.PolicyRule{{APIGroups: []string{"*"}, Resources: []string{"*"}, Verbs: []string{"*"}}}}))
	// What it holds, it may hand out.
	ok := &iamv1beta1.GlobalRole{ObjectMeta: metav1.ObjectMeta{Name: "esc-role-viewer"}, AggregationRoleTemplates: &iamv1beta1.AggregationRoleTemplates{TemplateNames: []string{"global-view-roles"}}}
	if err := kc.Create(ctx, ok); err != nil {
		t.Fatalf("a role of what it holds: %v", err)
	}
	gr := &iamv1beta1.GlobalRoleBinding{}
	if err := st.k8s.Get(ctx, types.NamespacedName{Name: "esc-rm-root"}, gr); !apierrors.IsNotFound(err) {
		t.Fatalf("the escalating binding exists: %v", err)
	}
}

func TestClusterTemplatesStayOffThePlatformsResources(t *testing.T) {
	a := api.Admin(t)
	ctx := context.Background()
	newUser(t, "esc-cm")
	r := api.DoJSON(t, http.MethodPost, iamAPI+"/clusterroles", a, map[string]any{"metadata": map[string]any{"name": "esc-project-manager"},
		"templates": []string{"cluster-view-projects", "cluster-manage-projects"}})
	if r.Code != http.StatusCreated {
		t.Fatalf("role: %d %s", r.Code, r.Body)
	}
	if r := api.DoJSON(t, http.MethodPost, iamAPI+"/clustermembers", a, map[string]string{"username": "esc-cm", "role": "esc-project-manager"}); r.Code != http.StatusCreated {
		t.Fatalf("member: %d %s", r.Code, r.Body)
	}
	iamExpectKube(t, "esc-cm", "create", "apps", "deployments", "default", true)
	for _, res := range []string{"users", "globalrolebindings", "groupbindings"} {
		iamExpectKube(t, "esc-cm", "create", iamv1beta1.GroupName, res, "", false)
		iamExpectKube(t, "esc-cm", "update", iamv1beta1.GroupName, res, "", false)
	}
	iamExpectKube(t, "esc-cm", "escalate", rbacv1.GroupName, "roles", "default", false)
	iamExpectKube(t, "esc-cm", "bind", rbacv1.GroupName, "roles", "default", false)
	iamExpectKube(t, "esc-cm", "impersonate", "", "serviceaccounts", "default", false)
	cm := api.Token(t, "esc-cm")
	refusedHTTP(t, "the password of admin", api.DoJSON(t, http.MethodPut, iamAPI+"/users/admin/password", cm, map[string]string{"password": "Taken-0ver!pass"}))
	refusedHTTP(t, "disable admin through /apis", jsonPatch(t, "/apis/iam.superkube.io/v1beta1/users/admin", cm, `{"spec":{"disabled":true}}`))
	refusedHTTP(t, "read admin", api.Do(t, http.MethodGet, iamAPI+"/users/admin", cm, nil))
	kc := kubectlAs(t, "esc-cm")
	u := &iamv1beta1.User{}
	refused(t, "read admin with kubectl", kc.Get(ctx, types.NamespacedName{Name: "admin"}, u))
	// What the template's name says, it allows.
	cmObj := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "esc-cm"}}
	if err := kc.Create(ctx, cmObj); err != nil {
		t.Fatalf("a cluster project manager creates a config map: %v", err)
	}
}

func TestAProjectAdministratorCannotWriteRolesBeyondItsRights(t *testing.T) {
	a := api.Admin(t)
	ctx := context.Background()
	newUser(t, "esc-pa")
	if err := st.k8s.Create(ctx, &tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: "esc-pws"}, Spec: tenantv1beta1.WorkspaceSpec{Manager: "admin"}}); err != nil {
		t.Fatal(err)
	}
	created(t, "the project", func() *platform.Response {
		return api.DoJSON(t, http.MethodPost, "/kapis/tenant.superkube.io/v1beta1/workspaces/esc-pws/namespaces", a, map[string]any{"metadata": map[string]any{"name": "esc-proj"}})
	})
	created(t, "the member", func() *platform.Response {
		return api.DoJSON(t, http.MethodPost, "/kapis/iam.superkube.io/v1beta1/namespaces/esc-proj/members", a, map[string]string{"username": "esc-pa", "role": "admin"})
	})
	iamExpectKube(t, "esc-pa", "create", rbacv1.GroupName, "roles", "esc-proj", true)
	iamExpectKube(t, "esc-pa", "escalate", rbacv1.GroupName, "roles", "esc-proj", false)
	iamExpectKube(t, "esc-pa", "bind", rbacv1.GroupName, "roles", "esc-proj", false)
	pa := api.Token(t, "esc-pa")
	everything := map[string]any{"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": map[string]any{"name": "esc-all", "namespace": "esc-proj"},
		"rules": []map[string]any{{"apiGroups": []string{"*"}, "resources": []string{"*"}, "verbs": []string{"*"}}}}
	refusedHTTP(t, "a Role with everything through /apis", api.DoJSON(t, http.MethodPost, "/apis/rbac.authorization.k8s.io/v1/namespaces/esc-proj/roles", pa, everything))
	refusedHTTP(t, "a binding to cluster-admin through /apis", api.DoJSON(t, http.MethodPost, "/apis/rbac.authorization.k8s.io/v1/namespaces/esc-proj/rolebindings", pa, map[string]any{
		"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": map[string]any{"name": "esc-root", "namespace": "esc-proj"},
		"roleRef":  map[string]any{"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
		"subjects": []map[string]any{{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "esc-pa"}}}))
	kc := kubectlAs(t, "esc-pa")
	refused(t, "a Role with service account tokens with kubectl", kc.Create(ctx, &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Namespace: "esc-proj", Name: "esc-tokens"},
		Rules: []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"serviceaccounts/token"}, Verbs: []string{"create"}}}}))
	// A role of what it holds is its to make and bind.
	role := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Namespace: "esc-proj", Name: "esc-readers"},
		Rules: []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get", "list"}}}}
	if err := kc.Create(ctx, role); err != nil {
		t.Fatalf("a role of what it holds: %v", err)
	}
	rb := &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: "esc-proj", Name: "esc-readers"},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "esc-readers"},
		Subjects: []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: "User", Name: "esc-pa"}}}
	if err := kc.Create(ctx, rb); err != nil {
		t.Fatalf("a binding of that role: %v", err)
	}
	// Reserved markers of the platform's roles stay the platform's.
	builtin := &rbacv1.Role{}
	if err := kc.Get(ctx, types.NamespacedName{Namespace: "esc-proj", Name: "esc-readers"}, builtin); err != nil {
		t.Fatal(err)
	}
	builtin.Labels = map[string]string{iamv1beta1.BuiltinLabel: "true"}
	refused(t, "mark a role as built in", kc.Update(ctx, builtin))
}

func TestProjectsKeepTheirWorkspaceAndCreator(t *testing.T) {
	a := api.Admin(t)
	ctx := context.Background()
	newUser(t, "esc-owner")
	for _, ws := range []string{"esc-home", "esc-away"} {
		if err := st.k8s.Create(ctx, &tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: ws}, Spec: tenantv1beta1.WorkspaceSpec{Manager: "admin"}}); err != nil {
			t.Fatal(err)
		}
	}
	created(t, "the project", func() *platform.Response {
		return api.DoJSON(t, http.MethodPost, "/kapis/tenant.superkube.io/v1beta1/workspaces/esc-home/namespaces", a, map[string]any{"metadata": map[string]any{"name": "esc-home-app"}})
	})
	created(t, "the member", func() *platform.Response {
		return api.DoJSON(t, http.MethodPost, "/kapis/iam.superkube.io/v1beta1/namespaces/esc-home-app/members", a, map[string]string{"username": "esc-owner", "role": "admin"})
	})
	iamExpectKube(t, "esc-owner", "patch", "", "namespaces", "esc-home-app", true)
	owner := api.Token(t, "esc-owner")
	ns := "/api/v1/namespaces/esc-home-app"
	refusedHTTP(t, "move the project to another workspace through /api",
		jsonPatch(t, ns, owner, `{"metadata":{"labels":{"superkube.io/workspace":"esc-away"}}}`))
	refusedHTTP(t, "take the project out of its workspace through /api",
		jsonPatch(t, ns, owner, `{"metadata":{"labels":{"superkube.io/workspace":null}}}`))
	refusedHTTP(t, "name itself the creator through /api",
		jsonPatch(t, ns, owner, `{"metadata":{"annotations":{"superkube.io/creator":"esc-owner"}}}`))
	kc := kubectlAs(t, "esc-owner")
	// The controllers may still be writing the new namespace: a conflict
	// is read again, and the move must then be refused.
	refused(t, "move the project with kubectl", retry.RetryOnConflict(retry.DefaultRetry, func() error {
		obj := &corev1.Namespace{}
		if err := kc.Get(ctx, types.NamespacedName{Name: "esc-home-app"}, obj); err != nil {
			return err
		}
		obj.Labels[tenantv1beta1.WorkspaceLabel] = "esc-away"
		return kc.Update(ctx, obj)
	}))
	// Its own words stay its own.
	if r := jsonPatch(t, ns, owner, `{"metadata":{"annotations":{"superkube.io/display-name":"Home app"}}}`); r.Code != http.StatusOK {
		t.Fatalf("the display name: %d %s", r.Code, r.Body)
	}
	// A platform administrator may move it.
	if r := jsonPatch(t, ns, a, `{"metadata":{"labels":{"superkube.io/workspace":"esc-away"}}}`); r.Code != http.StatusOK {
		t.Fatalf("the administrator moves the project: %d %s", r.Code, r.Body)
	}
}

func TestADisabledUsersKubeconfigStopsWorkingOnKubeAPIServer(t *testing.T) {
	a := api.Admin(t)
	ctx := context.Background()
	newUser(t, "esc-kc")
	kc := kubectlAs(t, "esc-kc")
	if err := kc.Create(ctx, &authenticationv1.SelfSubjectReview{}); err != nil {
		t.Fatal(err)
	}
	if r := api.Do(t, http.MethodPost, iamAPI+"/users/esc-kc/disable", a, nil); r.Code != http.StatusOK {
		t.Fatalf("disable: %d %s", r.Code, r.Body)
	}
	start := time.Now()
	platform.Eventually(t, "the kubeconfig stops working", 30*time.Second, func() error {
		err := kc.Create(ctx, &authenticationv1.SelfSubjectReview{})
		if apierrors.IsUnauthorized(err) {
			return nil
		}
		return fmt.Errorf("kube-apiserver answered %v", err)
	})
	t.Logf("FIGURE kubeconfig refused %.1fs after the user was disabled", time.Since(start).Seconds())
}
