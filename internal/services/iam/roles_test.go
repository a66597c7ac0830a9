package iam_test

import (
	"net/http"
	"reflect"
	"slices"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/authentication/user"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	iamsvc "github.com/superkube/super-kubenetes/internal/services/iam"
	"github.com/superkube/super-kubenetes/internal/testutil/servicetest"
)

// template is a role template of a level.
func template(name string, lv iamv1beta1.Level, rules ...rbacv1.PolicyRule) *iamv1beta1.RoleTemplate {
	return &iamv1beta1.RoleTemplate{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{iamv1beta1.ScopeLabel: string(lv)}},
		Spec: iamv1beta1.RoleTemplateSpec{Rules: rules}}
}

func roleRequest(name string, templates ...string) iamsvc.RoleRequest {
	return iamsvc.RoleRequest{ObjectMeta: metav1.ObjectMeta{Name: name}, Templates: templates}
}

func TestACustomRoleIsCreatedChangedAndDeletedAtEachLevel(t *testing.T) {
	s, _ := newService()
	env.Create(t, servicetest.Workspace("custom", "")...)
	env.Create(t, servicetest.Project("custom", "custom-dev", "")...)
	for _, tt := range []struct {
		name, kind, apiVersion, role string
		at                           iamsvc.At
	}{
		{"a platform role", "GlobalRole", "iam.superkube.io/v1beta1", "custom-global", at(iamv1beta1.LevelGlobal, "")},
		{"a cluster role", "ClusterRole", "rbac.authorization.k8s.io/v1", "custom-cluster", at(iamv1beta1.LevelCluster, "")},
		{"a workspace role, named after its workspace", "WorkspaceRole", "iam.superkube.io/v1beta1", "custom-reader", at(iamv1beta1.LevelWorkspace, "custom")},
		{"a project role", "Role", "rbac.authorization.k8s.io/v1", "custom-project", at(iamv1beta1.LevelNamespace, "custom-dev")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			view, edit := "custom-view-"+string(tt.at.Level), "custom-edit-"+string(tt.at.Level)
			env.Create(t, template(view, tt.at.Level, widgets), template(edit, tt.at.Level, editWidget))
			r, err := s.CreateRole(ctx, root, tt.at, roleRequest(tt.role, view))
			if err != nil {
				t.Fatalf("creating: %v", err)
			}
			if r.Kind != tt.kind || r.APIVersion != tt.apiVersion || !slices.Equal(r.Templates, []string{view}) || !reflect.DeepEqual(r.Rules, []rbacv1.PolicyRule{widgets}) {
				t.Fatalf("created %s %s with templates %v and rules %v", r.APIVersion, r.Kind, r.Templates, r.Rules)
			}
			if got, err := s.GetRole(ctx, tt.at, tt.role); err != nil || got.UID != r.UID {
				t.Fatalf("read back %+v, %v", got, err)
			}
			roles, err := s.Roles(ctx, tt.at)
			if err != nil || !slices.ContainsFunc(roles, func(r *iamsvc.Role) bool { return r.Name == tt.role }) {
				t.Fatalf("the roles (%v) leave out %s", err, tt.role)
			}
			change := roleRequest(tt.role, view, edit)
			change.Annotations = map[string]string{tenantv1beta1.DisplayNameAnnotation: "Widget editor"}
			r, err = s.UpdateRole(ctx, root, tt.at, tt.role, change)
			if err != nil {
				t.Fatalf("changing: %v", err)
			}
			if len(r.Templates) != 2 || len(r.Rules) != 2 || r.Annotations[tenantv1beta1.DisplayNameAnnotation] != "Widget editor" {
				t.Fatalf("changed to templates %v, rules %v, annotations %v", r.Templates, r.Rules, r.Annotations)
			}
			if err := s.DeleteRole(ctx, tt.at, tt.role); err != nil {
				t.Fatalf("deleting: %v", err)
			}
			_, err = s.GetRole(ctx, tt.at, tt.role)
			servicetest.ExpectStatus(t, err, http.StatusNotFound, "")
		})
	}
}

func TestRoleRequestsAreChecked(t *testing.T) {
	s, _ := newService()
	const ws = "rolecheck"
	lv := at(iamv1beta1.LevelWorkspace, ws)
	env.Create(t, servicetest.Workspace(ws, "")...)
	env.Create(t, servicetest.Workspace("rolecheck-other", "")...)
	env.Create(t, template("rolecheck-view", iamv1beta1.LevelWorkspace, widgets), template("rolecheck-any", iamv1beta1.LevelWorkspace, anyWidget),
		template("rolecheck-global", iamv1beta1.LevelGlobal, widgets), servicetest.WorkspaceRole(ws, ws+"-held", widgets),
		servicetest.WorkspaceMember(ws, "rolecheck-holder", ws+"-held"), servicetest.WorkspaceMember(ws, "rolecheck-manager", ws+"-admin"))
	manager := servicetest.Caller("rolecheck-manager")
	for _, tt := range []struct {
		name   string
		caller user.Info
		call   func(user.Info) error
		code   int32
		field  string
	}{
		{"a template of another level is refused", root, create(s, lv, roleRequest(ws+"-x", "rolecheck-global")), http.StatusUnprocessableEntity, "templates[0]"},
		{"a template that does not exist is refused", root, create(s, lv, roleRequest(ws+"-x", "rolecheck-nope")), http.StatusUnprocessableEntity, "templates[0]"},
		{"a template named twice is refused", root, create(s, lv, roleRequest(ws+"-x", "rolecheck-view", "rolecheck-view")), http.StatusUnprocessableEntity, "templates[1]"},
		{"a workspace role not named after its workspace is refused", root, create(s, lv, roleRequest("x", "rolecheck-view")), http.StatusUnprocessableEntity, "metadata.name"},
		{"a name that is taken is a duplicate", root, create(s, lv, roleRequest(ws+"-held", "rolecheck-view")), http.StatusConflict, "metadata.name"},
		{"a role that allows what the caller may not do is refused", manager, create(s, lv, roleRequest(ws+"-x", "rolecheck-any")), http.StatusForbidden, ""},
		{"nor may a role be changed to allow it", manager, func(c user.Info) error {
			_, err := s.UpdateRole(ctx, c, lv, ws+"-held", roleRequest(ws+"-held", "rolecheck-any"))
			return err
		}, http.StatusForbidden, ""},
		{"a built-in role is read-only", root, func(c user.Info) error {
			_, err := s.UpdateRole(ctx, c, lv, ws+"-viewer", roleRequest(ws+"-viewer", "rolecheck-view"))
			return err
		}, http.StatusConflict, "metadata.labels[iam.superkube.io/builtin]"},
		{"and is not deleted", root, func(user.Info) error { return s.DeleteRole(ctx, lv, ws+"-viewer") }, http.StatusConflict, "metadata.labels[iam.superkube.io/builtin]"},
		{"a role that a member holds is not deleted", root, func(user.Info) error { return s.DeleteRole(ctx, lv, ws+"-held") }, http.StatusConflict, ""},
		{"another workspace's role is not found in this one", root, func(user.Info) error {
			_, err := s.GetRole(ctx, lv, "rolecheck-other-viewer")
			return err
		}, http.StatusNotFound, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			servicetest.ExpectStatus(t, tt.call(tt.caller), tt.code, tt.field)
		})
	}
}

func create(s *iamsvc.Service, lv iamsvc.At, req iamsvc.RoleRequest) func(user.Info) error {
	return func(c user.Info) error {
		_, err := s.CreateRole(ctx, c, lv, req)
		return err
	}
}
