package faults

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	"github.com/superkube/super-kubenetes/internal/admission"
	"github.com/superkube/super-kubenetes/internal/iam/builtin"
	"github.com/superkube/super-kubenetes/internal/testutil/platform"
)

const (
	iamAPI    = "/kapis/iam.superkube.io/v1beta1"
	tenantAPI = "/kapis/tenant.superkube.io/v1beta1"
)

// While ke-controller-manager is down, a new workspace and a new project
// have no roles yet. Members are added all the same with their built-in
// roles (the bindings grant once the controllers make the roles), and the
// escalation check holds against the rules those roles will have: a user
// who holds what a workspace viewer may do may make viewers, not admins.
func TestMembersAreAddedWithBuiltinRolesWhileTheControllersAreDown(t *testing.T) {
	users(t, "member1", "member2", "delegate")
	ctx := context.Background()
	_, viewer, _ := builtin.PendingWorkspaceRole("any", builtin.WorkspaceViewer)
	delegateRole := &iamv1beta1.GlobalRole{ObjectMeta: metav1.ObjectMeta{Name: "outage-delegate"},
		Rules: append(viewer.EffectiveRules(), rbacv1.PolicyRule{APIGroups: []string{iamv1beta1.GroupName}, Resources: []string{"workspacerolebindings"},
			Verbs: []string{"get", "list", "watch", "create"}})}
	delegateBinding := &iamv1beta1.GlobalRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "delegate-outage-delegate"},
		RoleRef:  iamv1beta1.RoleRef{APIGroup: iamv1beta1.GroupName, Kind: "GlobalRole", Name: delegateRole.Name},
		Subjects: []iamv1beta1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: "delegate"}}}
	for _, o := range []client.Object{delegateRole, delegateBinding} {
		if err := st.k8s.Create(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	rootTok, delegateTok, memberTok := token(t, root), token(t, "delegate"), token(t, "member1")

	start := stopControllers(t)
	const ws, project = "outage", "outage-web"
	if r := do(t, http.MethodPost, tenantAPI+"/workspaces", rootTok, map[string]any{"metadata": map[string]any{"name": ws}, "spec": map[string]any{"manager": root}}); r.code != http.StatusCreated && r.code != http.StatusOK {
		t.Fatalf("creating the workspace: %d %s", r.code, r.body)
	}
	if r := do(t, http.MethodPost, tenantAPI+"/workspaces/"+ws+"/namespaces", rootTok, map[string]any{"metadata": map[string]any{"name": project}}); r.code != http.StatusCreated && r.code != http.StatusOK {
		t.Fatalf("creating the project: %d %s", r.code, r.body)
	}
	if err := st.k8s.Get(ctx, client.ObjectKey{Name: ws + "-viewer"}, &iamv1beta1.WorkspaceRole{}); !apierrors.IsNotFound(err) {
		t.Fatalf("the workspace's roles exist (%v): the controllers are not down", err)
	}
	if err := st.k8s.Get(ctx, client.ObjectKey{Namespace: project, Name: builtin.ProjectOperator}, &rbacv1.Role{}); !apierrors.IsNotFound(err) {
		t.Fatalf("the project's roles exist (%v): the controllers are not down", err)
	}

	if r := do(t, http.MethodPost, iamAPI+"/workspaces/"+ws+"/members", rootTok, map[string]string{"username": "member1", "role": "viewer"}); r.code != http.StatusCreated {
		t.Errorf("workspace member: %d %s", r.code, r.body)
	}
	if r := do(t, http.MethodPost, iamAPI+"/namespaces/"+project+"/members", rootTok, map[string]string{"username": "member1", "role": builtin.ProjectOperator}); r.code != http.StatusCreated {
		t.Errorf("project member: %d %s", r.code, r.body)
	}
	platform.Eventually(t, "the delegate's role reaches ke-apiserver", 30*time.Second, func() error {
		if r := do(t, http.MethodGet, iamAPI+"/workspaces/"+ws+"/members", delegateTok, nil); r.code != http.StatusOK {
			return fmt.Errorf("%d %s", r.code, r.body)
		}
		return nil
	})
	if r := do(t, http.MethodPost, iamAPI+"/workspaces/"+ws+"/members", delegateTok, map[string]string{"username": "member2", "role": "admin"}); r.code != http.StatusForbidden {
		t.Errorf("a viewer-level delegate made an admin of a workspace whose roles do not exist yet: %d %s", r.code, r.body)
	}
	if r := do(t, http.MethodPost, iamAPI+"/workspaces/"+ws+"/members", delegateTok, map[string]string{"username": "member2", "role": ws + "-viewer"}); r.code != http.StatusCreated {
		t.Errorf("the delegate may make viewers: %d %s", r.code, r.body)
	}

	// The controllers come back: the roles appear and the bindings grant.
	start()
	platform.Eventually(t, "member1's workspace binding is ready", time.Minute, func() error {
		list := &iamv1beta1.WorkspaceRoleBindingList{}
		if err := st.k8s.List(ctx, list, client.MatchingLabels{iamv1beta1.UserRefLabel: "member1", tenantv1beta1.WorkspaceLabel: ws}); err != nil {
			return err
		}
		if len(list.Items) != 1 || list.Items[0].RoleRef.Name != ws+"-viewer" || !meta.IsStatusConditionTrue(list.Items[0].Status.Conditions, "Ready") {
			return fmt.Errorf("bindings %+v", list.Items)
		}
		return nil
	})
	platform.Eventually(t, "member1 may list the project's pods as an operator", time.Minute, func() error {
		if r := do(t, http.MethodGet, "/api/v1/namespaces/"+project+"/pods", memberTok, nil); r.code != http.StatusOK {
			return fmt.Errorf("%d %s", r.code, r.body)
		}
		return nil
	})
}

// kube-apiserver's validating webhook decides about bindings written
// through /apis with the same knowledge: a built-in role that the
// controllers will make has the rules it will have; other missing roles
// have none.
func TestTheWebhookKnowsTheBuiltinRolesTheControllersWillMake(t *testing.T) {
	ctx := context.Background()
	stopControllers(t)
	const ws = "pending"
	for _, o := range []client.Object{
		&tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: ws}, Spec: tenantv1beta1.WorkspaceSpec{Manager: root}},
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ws + "-web", Labels: map[string]string{tenantv1beta1.WorkspaceLabel: ws}}},
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "not-a-project"}},
	} {
		if err := st.k8s.Create(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	objects := admission.CacheObjects{Reader: st.k8s}
	_, viewer, _ := builtin.PendingWorkspaceRole(ws, builtin.WorkspaceViewer)
	operator, _ := builtin.PendingProjectRole(builtin.ProjectOperator)
	for _, c := range []struct {
		name string
		ref  admission.RoleRef
		want []rbacv1.PolicyRule
	}{
		{"a built-in role of an existing workspace", admission.RoleRef{Kind: "WorkspaceRole", Name: ws + "-viewer", Workspace: ws}, viewer.EffectiveRules()},
		{"a built-in role of a project", admission.RoleRef{Kind: "Role", Name: builtin.ProjectOperator, Namespace: ws + "-web"}, operator.EffectiveRules()},
		{"a workspace role by its suffix only", admission.RoleRef{Kind: "WorkspaceRole", Name: "viewer", Workspace: ws}, nil},
		{"a built-in role of a workspace that does not exist", admission.RoleRef{Kind: "WorkspaceRole", Name: "ghost-viewer", Workspace: "ghost"}, nil},
		{"a built-in role name in a namespace outside workspaces", admission.RoleRef{Kind: "Role", Name: builtin.ProjectOperator, Namespace: "not-a-project"}, nil},
		{"a role that is not built in", admission.RoleRef{Kind: "WorkspaceRole", Name: ws + "-deployer", Workspace: ws}, nil},
	} {
		rules, ok, err := objects.RoleRules(ctx, c.ref)
		switch {
		case err != nil:
			t.Errorf("%s: %v", c.name, err)
		case ok != (c.want != nil):
			t.Errorf("%s: found %v", c.name, ok)
		case ok && !equality.Semantic.DeepEqual(rules, c.want):
			t.Errorf("%s: rules %v, want %v", c.name, rules, c.want)
		}
	}
}
