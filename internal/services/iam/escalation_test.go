package iam

import (
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apiserver/pkg/authentication/user"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	"github.com/superkube/super-kubenetes/internal/authz"
)

// holder allows what its rules allow, in one workspace only.
type holder struct {
	workspace string
	rules     []rbacv1.PolicyRule
}

func (h holder) Authorize(a *authz.Attributes) authz.Decision {
	return authz.Decision{Allowed: a.Workspace == h.workspace && authz.RulesAllow(a, h.rules)}
}

func rule(groups, resources, verbs []string, names ...string) rbacv1.PolicyRule {
	return rbacv1.PolicyRule{APIGroups: groups, Resources: resources, Verbs: verbs, ResourceNames: names}
}

func TestAGrantNeedsEveryPermissionOfTheRoleWhereItApplies(t *testing.T) {
	read := []string{"get", "list"}
	caller := &user.DefaultInfo{Name: "alice"}
	s := &Service{Authorizer: holder{workspace: "ws", rules: []rbacv1.PolicyRule{
		rule([]string{"", "apps"}, []string{"pods", "deployments", "deployments/scale"}, read),
		rule([]string{""}, []string{"configmaps"}, []string{"*"}, "settings"),
	}}}
	for _, tt := range []struct {
		name    string
		rules   []rbacv1.PolicyRule
		where   At
		missing string
	}{
		{"what the caller holds", []rbacv1.PolicyRule{rule([]string{"apps"}, []string{"deployments", "deployments/scale"}, []string{"get"})}, At{Level: iamv1beta1.LevelWorkspace, Name: "ws"}, ""},
		{"another verb", []rbacv1.PolicyRule{rule([]string{""}, []string{"pods"}, []string{"delete"})}, At{Level: iamv1beta1.LevelWorkspace, Name: "ws"}, "delete pods"},
		{"a wildcard held only in part", []rbacv1.PolicyRule{rule([]string{"apps"}, []string{"*"}, read)}, At{Level: iamv1beta1.LevelWorkspace, Name: "ws"}, "get apps/*"},
		{"elsewhere", []rbacv1.PolicyRule{rule([]string{""}, []string{"pods"}, read)}, At{Level: iamv1beta1.LevelWorkspace, Name: "other"}, "get pods"},
		{"a named object held", []rbacv1.PolicyRule{rule([]string{""}, []string{"configmaps"}, []string{"update"}, "settings")}, At{Level: iamv1beta1.LevelWorkspace, Name: "ws"}, ""},
		{"every object when one is held", []rbacv1.PolicyRule{rule([]string{""}, []string{"configmaps"}, []string{"update"})}, At{Level: iamv1beta1.LevelWorkspace, Name: "ws"}, "update configmaps"},
		{"a subresource not held", []rbacv1.PolicyRule{rule([]string{""}, []string{"pods/exec"}, []string{"create"})}, At{Level: iamv1beta1.LevelWorkspace, Name: "ws"}, "create pods/exec"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := s.missingPermission(caller, tt.rules, tt.where); got != tt.missing {
				t.Fatalf("missing %q, want %q", got, tt.missing)
			}
		})
	}
}
