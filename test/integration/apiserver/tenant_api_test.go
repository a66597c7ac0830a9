package apiserver

import (
	"context"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	clusterv1alpha1 "github.com/superkube/super-kubenetes/api/cluster/v1alpha1"
	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	"github.com/superkube/super-kubenetes/internal/testutil/platform"
)

const tenantAPI = "/kapis/tenant.superkube.io/v1beta1"

// bindGlobal binds a user to a global role.
func bindGlobal(t *testing.T, user, role string) {
	t.Helper()
	b := &iamv1beta1.GlobalRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: user + "-" + role, Labels: map[string]string{iamv1beta1.UserRefLabel: user}},
		RoleRef:    iamv1beta1.RoleRef{Kind: "GlobalRole", Name: role},
		Subjects:   []iamv1beta1.Subject{{Kind: "User", Name: user}},
	}
	if err := st.k8s.Create(context.Background(), b); err != nil {
		t.Fatalf("binding %s to %s: %v", user, role, err)
	}
}

// bindWorkspace binds a subject (User or Group) to a workspace's built-in role ("viewer", "regular" ...).
func bindWorkspace(t *testing.T, kind, subject, ws, suffix string) {
	t.Helper()
	role := ws + "-" + suffix
	b := &iamv1beta1.WorkspaceRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: strings.ToLower(kind) + "-" + subject + "-" + role, Labels: map[string]string{tenantv1beta1.WorkspaceLabel: ws}},
		RoleRef:    iamv1beta1.RoleRef{Kind: "WorkspaceRole", Name: role},
		Subjects:   []iamv1beta1.Subject{{Kind: kind, Name: subject}},
	}
	if err := st.k8s.Create(context.Background(), b); err != nil {
		t.Fatalf("binding %s to %s: %v", subject, role, err)
	}
}

// newWorkspace creates a workspace directly.
func newWorkspace(t *testing.T, name, manager string, clusters ...string) {
	t.Helper()
	ws := &tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: tenantv1beta1.WorkspaceSpec{Manager: manager}}
	for _, c := range clusters {
		ws.Spec.Clusters = append(ws.Spec.Clusters, tenantv1beta1.ClusterRef{Name: c})
	}
	if err := st.k8s.Create(context.Background(), ws); err != nil {
		t.Fatalf("creating workspace %s: %v", name, err)
	}
}

// expectField checks that a Status names the field among its causes.
func expectField(t *testing.T, r *platform.Response, field string) {
	t.Helper()
	if !strings.Contains(string(r.Body), `"field":"`+field+`"`) {
		t.Fatalf("the Status does not name the field %s: %s", field, r.Body)
	}
}

// untilAllowed repeats a request while it is refused (the authorizer's
// caches follow new bindings within moments) and returns the first other answer.
func untilAllowed(t *testing.T, what string, send func() *platform.Response) *platform.Response {
	t.Helper()
	var r *platform.Response
	eventually(t, what, func() error {
		r = send()
		if r.Code == http.StatusForbidden {
			return errf("%d %s", r.Code, r.Body)
		}
		return nil
	})
	return r
}

func TestASelfProvisionerCreatesAWorkspaceAndBecomesItsAdmin(t *testing.T) {
	ctx := context.Background()
	for _, u := range []string{"tn-creator", "tn-plain"} {
		newUser(t, u)
	}
	bindGlobal(t, "tn-creator", "platform-self-provisioner")
	creator, plain := api.Token(t, "tn-creator"), api.Token(t, "tn-plain")
	body := map[string]any{"metadata": map[string]any{"name": "tn-alpha", "annotations": map[string]string{
		tenantv1beta1.DisplayNameAnnotation: "Alpha team", tenantv1beta1.CreatorAnnotation: "someone-else"}}}

	r := untilAllowed(t, "the self-provisioner may create workspaces", func() *platform.Response {
		return api.DoJSON(t, http.MethodPost, tenantAPI+"/workspaces", creator, body)
	})
	if r.Code != http.StatusCreated {
		t.Fatalf("create: %d %s", r.Code, r.Body)
	}
	ws := &tenantv1beta1.Workspace{}
	if err := st.k8s.Get(ctx, keyOf("tn-alpha"), ws); err != nil {
		t.Fatal(err)
	}
	if ws.Spec.Manager != "tn-creator" || ws.Annotations[tenantv1beta1.CreatorAnnotation] != "tn-creator" ||
		ws.Annotations[tenantv1beta1.DisplayNameAnnotation] != "Alpha team" {
		t.Fatalf("the workspace is not the creator's: manager %q, annotations %v", ws.Spec.Manager, ws.Annotations)
	}

	t.Run("the controller makes the creator its admin", func(t *testing.T) {
		eventually(t, "the creator administers the workspace", func() error {
			b := &iamv1beta1.WorkspaceRoleBinding{}
			if err := st.k8s.Get(ctx, keyOf("tn-creator-tn-alpha-admin"), b); err != nil {
				return err
			}
			if !allowed(t, creator, map[string]string{"verb": "create", "group": "iam.superkube.io", "resource": "workspacerolebindings", "workspace": "tn-alpha"}) {
				return errf("the creator may not manage members yet")
			}
			return nil
		})
		eventually(t, "the creator's workspaces list shows it", func() error {
			r := api.Do(t, http.MethodGet, tenantAPI+"/workspaces", creator, nil)
			if got := names(r); !reflect.DeepEqual(got, []string{"tn-alpha"}) || total(r) != 1 {
				return errf("%d %s", r.Code, r.Body)
			}
			return nil
		})
	})
	t.Run("a self-provisioner cannot make someone else the manager", func(t *testing.T) {
		r := api.DoJSON(t, http.MethodPost, tenantAPI+"/workspaces", creator, map[string]any{"metadata": map[string]any{"name": "tn-alpha-2"}, "spec": map[string]any{"manager": "tn-plain"}})
		platform.ExpectStatus(t, r, http.StatusForbidden)
		expectField(t, r, "spec.manager")
	})
	t.Run("a regular user cannot create one", func(t *testing.T) {
		r := api.DoJSON(t, http.MethodPost, tenantAPI+"/workspaces", plain, map[string]any{"metadata": map[string]any{"name": "tn-beta"}})
		platform.ExpectStatus(t, r, http.StatusForbidden)
		if err := st.k8s.Get(ctx, keyOf("tn-beta"), &tenantv1beta1.Workspace{}); !apierrors.IsNotFound(err) {
			t.Fatalf("the workspace exists: %v", err)
		}
	})
	t.Run("a platform admin names the manager", func(t *testing.T) {
		r := api.DoJSON(t, http.MethodPost, tenantAPI+"/workspaces", api.Admin(t), map[string]any{"metadata": map[string]any{"name": "tn-gamma"}, "spec": map[string]any{"manager": "tn-plain"}})
		if r.Code != http.StatusCreated || r.JSON["spec"].(map[string]any)["manager"] != "tn-plain" {
			t.Fatalf("%d %s", r.Code, r.Body)
		}
	})
	t.Run("a name that is not a DNS label or tries to reach another path is refused", func(t *testing.T) {
		for _, name := range []string{"../etc", "Upper", "a.b", strings.Repeat("x", 41), ""} {
			r := api.DoJSON(t, http.MethodPost, tenantAPI+"/workspaces", api.Admin(t), map[string]any{"metadata": map[string]any{"name": name}})
			platform.ExpectStatus(t, r, http.StatusUnprocessableEntity)
			expectField(t, r, "metadata.name")
		}
		platform.ExpectStatus(t, api.Do(t, http.MethodGet, tenantAPI+"/workspaces/..%2f..%2fapi", api.Admin(t), nil), http.StatusBadRequest)
	})
	t.Run("a workspace on a cluster that does not exist is refused", func(t *testing.T) {
		r := api.DoJSON(t, http.MethodPost, tenantAPI+"/workspaces", api.Admin(t), map[string]any{"metadata": map[string]any{"name": "tn-nowhere"},
			"spec": map[string]any{"clusters": []map[string]string{{"name": "no-such-cluster"}}}})
		platform.ExpectStatus(t, r, http.StatusUnprocessableEntity)
		expectField(t, r, "spec.clusters[0].name")
	})
}

func TestAWorkspaceAdminReadsAndEditsTheirWorkspace(t *testing.T) {
	world(t)
	wsAdmin, outsider := api.Token(t, "ws-admin"), api.Token(t, "outsider")
	r := untilAllowed(t, "the workspace admin reads the workspace", func() *platform.Response {
		return api.Do(t, http.MethodGet, tenantAPI+"/workspaces/wsa", wsAdmin, nil)
	})
	if r.Code != http.StatusOK || r.Str("kind") != "Workspace" {
		t.Fatalf("%d %s", r.Code, r.Body)
	}
	platform.ExpectStatus(t, api.Do(t, http.MethodGet, tenantAPI+"/workspaces/wsa", outsider, nil), http.StatusForbidden)
	platform.ExpectStatus(t, api.Do(t, http.MethodGet, tenantAPI+"/workspaces/no-such-workspace", api.Admin(t), nil), http.StatusNotFound)

	r = api.Do(t, http.MethodPatch, tenantAPI+"/workspaces/wsa", wsAdmin,
		strings.NewReader(`{"metadata":{"annotations":{"superkube.io/display-name":"Team A","superkube.io/creator":"forged"}}}`),
		"Content-Type", "application/merge-patch+json")
	if r.Code != http.StatusOK {
		t.Fatalf("patch: %d %s", r.Code, r.Body)
	}
	ws := &tenantv1beta1.Workspace{}
	if err := st.k8s.Get(context.Background(), keyOf("wsa"), ws); err != nil {
		t.Fatal(err)
	}
	if ws.Annotations[tenantv1beta1.DisplayNameAnnotation] != "Team A" || ws.Annotations[tenantv1beta1.CreatorAnnotation] == "forged" || ws.Spec.Manager != "ws-admin" {
		t.Fatalf("patched workspace: %v %+v", ws.Annotations, ws.Spec)
	}

	stale := map[string]any{"metadata": map[string]any{"name": "wsa", "resourceVersion": "1"}, "spec": map[string]any{"manager": "ws-admin"}}
	platform.ExpectStatus(t, api.DoJSON(t, http.MethodPut, tenantAPI+"/workspaces/wsa", wsAdmin, stale), http.StatusConflict)
	r = api.DoJSON(t, http.MethodPut, tenantAPI+"/workspaces/wsa", wsAdmin, map[string]any{"spec": map[string]any{"namespacePolicy": "Sometimes"}})
	platform.ExpectStatus(t, r, http.StatusUnprocessableEntity)
	expectField(t, r, "spec.namespacePolicy")
	r = api.Do(t, http.MethodPost, tenantAPI+"/workspaces/wsa", wsAdmin, nil)
	if r.Code != http.StatusMethodNotAllowed && r.Code != http.StatusForbidden {
		t.Fatalf("POST on a workspace: %d %s", r.Code, r.Body)
	}
	platform.ExpectStatus(t, r, r.Code)
}

func TestTheWorkspacesListShowsAMemberOnlyTheirWorkspaces(t *testing.T) {
	newUser(t, "tn-member")
	for _, ws := range []string{"tn-list-a", "tn-list-b", "tn-list-c"} {
		newWorkspace(t, ws, "")
	}
	bindWorkspace(t, "User", "tn-member", "tn-list-a", "viewer")
	bindWorkspace(t, "User", "tn-member", "tn-list-b", "regular")
	member, adm := api.Token(t, "tn-member"), api.Admin(t)

	eventually(t, "the member sees their two workspaces", func() error {
		r := api.Do(t, http.MethodGet, tenantAPI+"/workspaces?sortBy=name&ascending=true", member, nil)
		if got := names(r); !reflect.DeepEqual(got, []string{"tn-list-a", "tn-list-b"}) || total(r) != 2 {
			return errf("%d %s", r.Code, r.Body)
		}
		return nil
	})
	tests := []struct {
		name, tok, query string
		want             []string
		total            int
	}{
		{"the admin sees all of them", adm, "?name=tn-list&sortBy=name&ascending=true", []string{"tn-list-a", "tn-list-b", "tn-list-c"}, 3},
		{"newest first by default", adm, "?name=tn-list", []string{"tn-list-c", "tn-list-b", "tn-list-a"}, 3},
		{"a page of a sorted list", adm, "?name=tn-list&sortBy=name&limit=2&page=2", []string{"tn-list-a"}, 3},
		{"names picks exact names", adm, "?names=tn-list-b,tn-list-c,no-such&sortBy=name", []string{"tn-list-c", "tn-list-b"}, 2},
		{"the name filter applies to a member too", member, "?name=LIST-B", []string{"tn-list-b"}, 1},
		{"a page beyond the end is empty with the total", member, "?page=5", nil, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := api.Do(t, http.MethodGet, tenantAPI+"/workspaces"+tt.query, tt.tok, nil)
			if r.Code != http.StatusOK || !reflect.DeepEqual(names(r), tt.want) || total(r) != tt.total {
				t.Fatalf("want %v of %d, got %d %s", tt.want, tt.total, r.Code, r.Body)
			}
		})
	}
	for param, query := range map[string]string{"sortBy": "?sortBy=shoeSize", "limit": "?limit=0", "page": "?page=x", "labelSelector": "?labelSelector=a%20in%20(b"} {
		t.Run("a bad "+param+" is a 400 naming it", func(t *testing.T) {
			r := api.Do(t, http.MethodGet, tenantAPI+"/workspaces"+query, member, nil)
			platform.ExpectStatus(t, r, http.StatusBadRequest)
			expectField(t, r, param)
		})
	}
	t.Run("a group binding makes the group's users belong", func(t *testing.T) {
		newUser(t, "tn-grouped")
		for _, o := range []client.Object{
			&iamv1beta1.Group{ObjectMeta: metav1.ObjectMeta{Name: "tn-team"}},
			&iamv1beta1.GroupBinding{ObjectMeta: metav1.ObjectMeta{Name: "tn-team-tn-grouped"}, GroupRef: iamv1beta1.GroupRef{Name: "tn-team"}, Users: []string{"tn-grouped"}},
		} {
			if err := st.k8s.Create(context.Background(), o); err != nil {
				t.Fatal(err)
			}
		}
		bindWorkspace(t, "Group", "tn-team", "tn-list-c", "viewer")
		tok := api.Token(t, "tn-grouped")
		eventually(t, "the group's workspace is listed", func() error {
			r := api.Do(t, http.MethodGet, tenantAPI+"/workspaces", tok, nil)
			if !reflect.DeepEqual(names(r), []string{"tn-list-c"}) {
				return errf("%d %s", r.Code, r.Body)
			}
			return nil
		})
	})
	platform.ExpectStatus(t, api.Do(t, http.MethodGet, tenantAPI+"/workspaces", "", nil), http.StatusUnauthorized)
}

func TestAWorkspaceAdminCreatesAProjectAndBecomesItsAdmin(t *testing.T) {
	world(t)
	ctx := context.Background()
	wsAdmin, viewer, outsider := api.Token(t, "ws-admin"), api.Token(t, "ws-viewer"), api.Token(t, "outsider")
	project := map[string]any{"metadata": map[string]any{"name": "wsa-tn-shop", "labels": map[string]string{
		"team": "shop", "pod-security.kubernetes.io/enforce": "privileged", tenantv1beta1.WorkspaceLabel: "elsewhere"},
		"annotations": map[string]string{tenantv1beta1.DisplayNameAnnotation: "Shop"}}}

	r := untilAllowed(t, "the workspace admin may create projects", func() *platform.Response {
		return api.DoJSON(t, http.MethodPost, tenantAPI+"/workspaces/wsa/namespaces", wsAdmin, project)
	})
	if r.Code != http.StatusCreated || r.Str("kind") != "Namespace" {
		t.Fatalf("create: %d %s", r.Code, r.Body)
	}
	ns := &corev1.Namespace{}
	if err := st.k8s.Get(ctx, keyOf("wsa-tn-shop"), ns); err != nil {
		t.Fatal(err)
	}
	wantLabels := map[string]string{"team": "shop", tenantv1beta1.WorkspaceLabel: "wsa", corev1.LabelMetadataName: "wsa-tn-shop"}
	if !reflect.DeepEqual(ns.Labels, wantLabels) || ns.Annotations[tenantv1beta1.CreatorAnnotation] != "ws-admin" || ns.Annotations[tenantv1beta1.DisplayNameAnnotation] != "Shop" {
		t.Fatalf("the namespace is not a project of wsa created by ws-admin: %v %v", ns.Labels, ns.Annotations)
	}

	t.Run("the creator becomes the project's admin", func(t *testing.T) {
		eventually(t, "the creator's binding", func() error {
			rb := &rbacv1.RoleBinding{}
			if err := st.k8s.Get(ctx, types.NamespacedName{Namespace: "wsa-tn-shop", Name: "ws-admin-admin"}, rb); err != nil {
				return err
			}
			if rb.RoleRef.Name != "admin" || len(rb.Subjects) != 1 || rb.Subjects[0].Name != "ws-admin" {
				return errf("binding %+v %+v", rb.RoleRef, rb.Subjects)
			}
			return nil
		})
	})
	t.Run("a viewer cannot create projects", func(t *testing.T) {
		r := api.DoJSON(t, http.MethodPost, tenantAPI+"/workspaces/wsa/namespaces", viewer, map[string]any{"metadata": map[string]any{"name": "wsa-tn-viewers"}})
		platform.ExpectStatus(t, r, http.StatusForbidden)
	})
	t.Run("the workspace's members list its projects, an outsider none", func(t *testing.T) {
		for _, tok := range []string{wsAdmin, viewer} {
			eventually(t, "the list shows the project", func() error {
				r := api.Do(t, http.MethodGet, tenantAPI+"/workspaces/wsa/namespaces?sortBy=name&ascending=true", tok, nil)
				if got := names(r); !slices.Contains(got, "wsa-tn-shop") || !slices.Contains(got, "wsa-web") || total(r) != len(got) {
					return errf("%d %s", r.Code, r.Body)
				}
				return nil
			})
		}
		r := api.Do(t, http.MethodGet, tenantAPI+"/workspaces/wsa/namespaces", outsider, nil)
		if r.Code != http.StatusOK || total(r) != 0 || len(names(r)) != 0 {
			t.Fatalf("an outsider's list: %d %s", r.Code, r.Body)
		}
		r = api.Do(t, http.MethodGet, tenantAPI+"/workspaces/wsa/namespaces?name=SHOP", wsAdmin, nil)
		if !reflect.DeepEqual(names(r), []string{"wsa-tn-shop"}) || total(r) != 1 {
			t.Fatalf("the name filter: %d %s", r.Code, r.Body)
		}
	})
	t.Run("a project operator who is no workspace member lists just their project", func(t *testing.T) {
		tok := api.Token(t, "operator")
		eventually(t, "the operator's list", func() error {
			r := api.Do(t, http.MethodGet, tenantAPI+"/workspaces/wsa/namespaces", tok, nil)
			if !reflect.DeepEqual(names(r), []string{"wsa-web"}) || total(r) != 1 {
				return errf("%d %s", r.Code, r.Body)
			}
			return nil
		})
	})
	t.Run("a project is read through its own workspace only", func(t *testing.T) {
		eventually(t, "the project is readable", func() error {
			if r := api.Do(t, http.MethodGet, tenantAPI+"/workspaces/wsa/namespaces/wsa-tn-shop", wsAdmin, nil); r.Code != http.StatusOK {
				return errf("%d %s", r.Code, r.Body)
			}
			return nil
		})
		platform.ExpectStatus(t, api.Do(t, http.MethodGet, tenantAPI+"/workspaces/wsa/namespaces/elsewhere", wsAdmin, nil), http.StatusNotFound)
		platform.ExpectStatus(t, api.Do(t, http.MethodDelete, tenantAPI+"/workspaces/wsa/namespaces/elsewhere", wsAdmin, nil), http.StatusNotFound)
		platform.ExpectStatus(t, api.Do(t, http.MethodGet, tenantAPI+"/workspaces/wsa/namespaces/wsa-tn-shop", outsider, nil), http.StatusForbidden)
	})
	t.Run("project names that are not DNS labels or reach for other paths are refused", func(t *testing.T) {
		for _, name := range []string{"shop..x", "..", "Shop", "a/b", ""} {
			r := api.DoJSON(t, http.MethodPost, tenantAPI+"/workspaces/wsa/namespaces", wsAdmin, map[string]any{"metadata": map[string]any{"name": name}})
			platform.ExpectStatus(t, r, http.StatusUnprocessableEntity)
			expectField(t, r, "metadata.name")
		}
		for _, path := range []string{"/workspaces/wsa/namespaces/..", "/workspaces/wsa/namespaces/%2e%2e", "/workspaces/wsa/namespaces/a%2fb", "/workspaces/../namespaces"} {
			r := api.Do(t, http.MethodGet, tenantAPI+path, wsAdmin, nil)
			if r.Code != http.StatusBadRequest && r.Code != http.StatusNotFound {
				t.Fatalf("%s: %d %s", path, r.Code, r.Body)
			}
			platform.ExpectStatus(t, r, r.Code)
		}
	})
	t.Run("an existing name is a conflict", func(t *testing.T) {
		r := api.DoJSON(t, http.MethodPost, tenantAPI+"/workspaces/wsa/namespaces", wsAdmin, map[string]any{"metadata": map[string]any{"name": "elsewhere"}})
		platform.ExpectStatus(t, r, http.StatusConflict)
	})
	t.Run("the workspace admin deletes the project", func(t *testing.T) {
		r := api.Do(t, http.MethodDelete, tenantAPI+"/workspaces/wsa/namespaces/wsa-tn-shop", wsAdmin, nil)
		if r.Code != http.StatusOK || r.Str("status") != metav1.StatusSuccess {
			t.Fatalf("%d %s", r.Code, r.Body)
		}
		eventually(t, "the namespace goes", func() error { return goneOrGoing(ctx, "wsa-tn-shop") })
	})
}

func TestDeletingAWorkspaceAppliesItsNamespacePolicy(t *testing.T) {
	ctx := context.Background()
	adm := api.Admin(t)
	for _, ws := range []string{"tn-del-keep", "tn-del-drop"} {
		if r := api.DoJSON(t, http.MethodPost, tenantAPI+"/workspaces", adm, map[string]any{"metadata": map[string]any{"name": ws}}); r.Code != http.StatusCreated {
			t.Fatalf("workspace %s: %d %s", ws, r.Code, r.Body)
		}
		eventually(t, "workspace "+ws+" is in the cache", func() error {
			r := api.DoJSON(t, http.MethodPost, tenantAPI+"/workspaces/"+ws+"/namespaces", adm, map[string]any{"metadata": map[string]any{"name": ws + "-p"}})
			if r.Code != http.StatusCreated {
				return errf("%d %s", r.Code, r.Body)
			}
			return nil
		})
	}
	r := api.Do(t, http.MethodDelete, tenantAPI+"/workspaces/tn-del-drop?namespacePolicy=Sometimes", adm, nil)
	platform.ExpectStatus(t, r, http.StatusBadRequest)
	expectField(t, r, "namespacePolicy")

	t.Run("namespacePolicy=Delete deletes the projects", func(t *testing.T) {
		r := api.Do(t, http.MethodDelete, tenantAPI+"/workspaces/tn-del-drop?namespacePolicy=Delete", adm, nil)
		if r.Code != http.StatusOK {
			t.Fatalf("%d %s", r.Code, r.Body)
		}
		eventually(t, "the project goes", func() error { return goneOrGoing(ctx, "tn-del-drop-p") })
		eventually(t, "the workspace goes", func() error { return gone(ctx, &tenantv1beta1.Workspace{}, "tn-del-drop") })
	})
	t.Run("the default Release keeps the projects without their label", func(t *testing.T) {
		r := api.Do(t, http.MethodDelete, tenantAPI+"/workspaces/tn-del-keep", adm, nil)
		if r.Code != http.StatusOK {
			t.Fatalf("%d %s", r.Code, r.Body)
		}
		eventually(t, "the workspace goes", func() error { return gone(ctx, &tenantv1beta1.Workspace{}, "tn-del-keep") })
		ns := &corev1.Namespace{}
		if err := st.k8s.Get(ctx, keyOf("tn-del-keep-p"), ns); err != nil {
			t.Fatal(err)
		}
		if _, ok := ns.Labels[tenantv1beta1.WorkspaceLabel]; ok || !ns.DeletionTimestamp.IsZero() {
			t.Fatalf("the released namespace: labels %v, deleted %v", ns.Labels, ns.DeletionTimestamp)
		}
	})
	t.Run("deleting it with its projects needs the right to delete them", func(t *testing.T) {
		newUser(t, "tn-del-settings")
		newWorkspace(t, "tn-del-guarded", "")
		if err := st.k8s.Create(ctx, &iamv1beta1.WorkspaceRole{
			ObjectMeta: metav1.ObjectMeta{Name: "tn-del-guarded-settings", Labels: map[string]string{tenantv1beta1.WorkspaceLabel: "tn-del-guarded"}},
			Rules:      []rbacv1.PolicyRule{{APIGroups: []string{tenantv1beta1.GroupName}, Resources: []string{"workspaces"}, Verbs: []string{"*"}}},
		}); err != nil {
			t.Fatal(err)
		}
		bindWorkspace(t, "User", "tn-del-settings", "tn-del-guarded", "settings")
		tok := api.Token(t, "tn-del-settings")
		eventually(t, "the user may read the workspace", func() error {
			if r := api.Do(t, http.MethodGet, tenantAPI+"/workspaces/tn-del-guarded", tok, nil); r.Code != http.StatusOK {
				return errf("%d %s", r.Code, r.Body)
			}
			return nil
		})
		r := api.Do(t, http.MethodDelete, tenantAPI+"/workspaces/tn-del-guarded?namespacePolicy=Delete", tok, nil)
		platform.ExpectStatus(t, r, http.StatusForbidden)
		expectField(t, r, "namespacePolicy")
		r = api.Do(t, http.MethodPatch, tenantAPI+"/workspaces/tn-del-guarded", tok, strings.NewReader(`{"spec":{"namespacePolicy":"Delete"}}`),
			"Content-Type", "application/merge-patch+json")
		platform.ExpectStatus(t, r, http.StatusForbidden)
		expectField(t, r, "spec.namespacePolicy")
		if r := api.Do(t, http.MethodDelete, tenantAPI+"/workspaces/tn-del-guarded", tok, nil); r.Code != http.StatusOK {
			t.Fatalf("%d %s", r.Code, r.Body)
		}
	})
}

func TestTheOverviewCountsAWorkspacesProjectsMembersAndPods(t *testing.T) {
	world(t)
	adm := api.Admin(t)
	newWorkspace(t, "tn-ov", "ws-admin")
	bindWorkspace(t, "User", "ws-viewer", "tn-ov", "viewer")
	bindWorkspace(t, "Group", "tn-ov-team", "tn-ov", "regular")
	eventually(t, "the projects are created", func() error {
		for _, p := range []string{"tn-ov-a", "tn-ov-b"} {
			r := api.DoJSON(t, http.MethodPost, tenantAPI+"/workspaces/tn-ov/namespaces", adm, map[string]any{"metadata": map[string]any{"name": p}})
			if r.Code != http.StatusCreated && r.Code != http.StatusConflict {
				return errf("%d %s", r.Code, r.Body)
			}
		}
		return nil
	})
	pods(t, "tn-ov-a", podSpec{"p1", "web", "node-1", corev1.PodRunning, 0}, podSpec{"p2", "web", "node-1", corev1.PodRunning, 0}, podSpec{"p3", "db", "node-1", corev1.PodPending, 0})
	pods(t, "tn-ov-b", podSpec{"p4", "web", "node-1", corev1.PodRunning, 0})

	wsAdmin := api.Token(t, "ws-admin")
	eventually(t, "the overview counts", func() error {
		r := api.Do(t, http.MethodGet, tenantAPI+"/workspaces/tn-ov/overview", wsAdmin, nil)
		want := map[string]any{"workspace": "tn-ov", "projects": 2.0, "members": 3.0, "pods": 4.0, "clusters": 1.0}
		if r.Code != http.StatusOK || !reflect.DeepEqual(r.JSON, want) {
			return errf("%d %s", r.Code, r.Body)
		}
		return nil
	})
	platform.ExpectStatus(t, api.Do(t, http.MethodGet, tenantAPI+"/workspaces/tn-ov/overview", api.Token(t, "outsider"), nil), http.StatusForbidden)
	platform.ExpectStatus(t, api.Do(t, http.MethodGet, tenantAPI+"/workspaces/no-such-ws/overview", adm, nil), http.StatusNotFound)
}

func TestTheClustersListShowsTheClustersACallerMayUse(t *testing.T) {
	ctx := context.Background()
	for _, c := range []string{"tn-member-1", "tn-member-2"} {
		cl := &clusterv1alpha1.Cluster{ObjectMeta: metav1.ObjectMeta{Name: c}, Spec: clusterv1alpha1.ClusterSpec{Provider: "aws", Enable: true,
			Connection: clusterv1alpha1.Connection{Type: clusterv1alpha1.ConnectionDirect, KubeconfigSecretRef: &clusterv1alpha1.SecretRef{Name: c + "-kubeconfig"}}}}
		if err := st.k8s.Create(ctx, cl); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, "the clusters are cached", func() error {
		r := api.Do(t, http.MethodGet, tenantAPI+"/clusters?names=tn-member-1,tn-member-2", api.Admin(t), nil)
		if total(r) != 2 {
			return errf("%d %s", r.Code, r.Body)
		}
		return nil
	})
	newWorkspace(t, "tn-cl-remote", "", "tn-member-1")
	newWorkspace(t, "tn-cl-home", "")
	for _, u := range []string{"tn-cl-remote-user", "tn-cl-both-user", "tn-cl-nobody"} {
		newUser(t, u)
	}
	bindWorkspace(t, "User", "tn-cl-remote-user", "tn-cl-remote", "viewer")
	bindWorkspace(t, "User", "tn-cl-both-user", "tn-cl-remote", "viewer")
	bindWorkspace(t, "User", "tn-cl-both-user", "tn-cl-home", "regular")

	tests := []struct {
		user string
		want []string
	}{
		{"tn-cl-remote-user", []string{"tn-member-1"}},
		{"tn-cl-both-user", []string{"host", "tn-member-1"}},
		{"tn-cl-nobody", nil},
	}
	for _, tt := range tests {
		t.Run(tt.user+" sees "+strings.Join(tt.want, ", "), func(t *testing.T) {
			tok := api.Token(t, tt.user)
			eventually(t, "the clusters of "+tt.user, func() error {
				r := api.Do(t, http.MethodGet, tenantAPI+"/clusters?sortBy=name&ascending=true", tok, nil)
				if r.Code != http.StatusOK || !reflect.DeepEqual(names(r), tt.want) || total(r) != len(tt.want) {
					return errf("%d %s", r.Code, r.Body)
				}
				return nil
			})
		})
	}
	t.Run("the platform admin sees every cluster", func(t *testing.T) {
		r := api.Do(t, http.MethodGet, tenantAPI+"/clusters?sortBy=name&ascending=true", api.Admin(t), nil)
		if got := names(r); !slices.Contains(got, "host") || !slices.Contains(got, "tn-member-2") || total(r) != len(got) {
			t.Fatalf("%d %s", r.Code, r.Body)
		}
		r = api.Do(t, http.MethodGet, tenantAPI+"/clusters?provider=aws&sortBy=name", api.Admin(t), nil)
		if got := names(r); !reflect.DeepEqual(got, []string{"tn-member-2", "tn-member-1"}) {
			t.Fatalf("the provider filter: %d %s", r.Code, r.Body)
		}
	})
}

// goneOrGoing reports nil once a namespace is deleted or being deleted.
func goneOrGoing(ctx context.Context, name string) error {
	ns := &corev1.Namespace{}
	if err := st.k8s.Get(ctx, keyOf(name), ns); apierrors.IsNotFound(err) {
		return nil
	} else if err != nil {
		return err
	}
	if ns.DeletionTimestamp.IsZero() {
		return errf("namespace %s is still there", name)
	}
	return nil
}

// gone reports nil once an object no longer exists.
func gone(ctx context.Context, obj client.Object, name string) error {
	if err := st.k8s.Get(ctx, keyOf(name), obj); !apierrors.IsNotFound(err) {
		return errf("%s still exists (%v)", name, err)
	}
	return nil
}
