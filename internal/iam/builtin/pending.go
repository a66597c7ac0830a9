package builtin

import (
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	"github.com/superkube/super-kubenetes/internal/iam/roletemplate"
)

// The built-in roles of a workspace, a project and the cluster are made by
// ke-controller-manager some time after the workspace or project (or the
// platform) is. Until then a binding to one is accepted (it grants nothing
// until the role exists, and the binding's controller reports RoleNotFound
// meanwhile); what it will grant is known from the built-in templates, so
// that the check that nobody grants what they do not hold still holds.

// EffectiveRules are the rules the role grants once made: its own, or the
// union of the rules of its built-in templates.
func (r Role) EffectiveRules() []rbacv1.PolicyRule {
	if r.Templates == nil {
		return r.Rules
	}
	byName := TemplatesByName()
	rules, _ := roletemplate.Aggregate(r.Templates, func(name string) (*iamv1beta1.RoleTemplate, bool) {
		t, ok := byName[name]
		if !ok {
			return nil, false
		}
		return &iamv1beta1.RoleTemplate{Spec: iamv1beta1.RoleTemplateSpec{Rules: t.Rules}}, true
	})
	return rules
}

// PendingWorkspaceRole returns the built-in role of workspace ws that name
// means (a suffix such as "admin", or the full name "<ws>-admin"), with its
// full name.
func PendingWorkspaceRole(ws, name string) (string, Role, bool) {
	suffix := strings.TrimPrefix(name, ws+"-")
	for _, r := range WorkspaceRoles() {
		if r.Name == suffix {
			return WorkspaceRoleName(ws, suffix), r, true
		}
	}
	return "", Role{}, false
}

// PendingProjectRole returns the built-in project role of a name.
func PendingProjectRole(name string) (Role, bool) {
	for _, r := range ProjectRoles() {
		if r.Name == name {
			return r, true
		}
	}
	return Role{}, false
}

// PendingClusterRole returns the built-in cluster-level role of a name:
// cluster-admin (Kubernetes' own role, which ke-controller-manager labels)
// or cluster-viewer.
func PendingClusterRole(name string) (Role, bool) {
	switch name {
	case ClusterAdmin:
		return Role{Name: ClusterAdmin, Rules: []rbacv1.PolicyRule{
			{APIGroups: all, Resources: all, Verbs: all},
			{NonResourceURLs: all, Verbs: all},
		}}, true
	case ClusterViewer:
		return Role{Name: ClusterViewer, Templates: ClusterViewerTemplates()}, true
	}
	return Role{}, false
}
