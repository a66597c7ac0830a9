package admission

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	"github.com/superkube/super-kubenetes/internal/iam/builtin"
	"github.com/superkube/super-kubenetes/internal/iam/roletemplate"
)

// CacheObjects reads users, roles and role templates from a cache.
type CacheObjects struct {
	Reader client.Reader
}

var _ Objects = CacheObjects{}

// UserGroups implements Objects.
func (c CacheObjects) UserGroups(ctx context.Context, name string) ([]string, bool, error) {
	u := &iamv1beta1.User{}
	if err := c.Reader.Get(ctx, client.ObjectKey{Name: name}, u); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, false, nil
		}
		return nil, false, fmt.Errorf("reading user %s: %w", name, err)
	}
	return u.Status.Groups, true, nil
}

// RoleRules implements Objects: a role's own rules and those of the
// templates it aggregates, which ke-controller-manager makes its rules (and
// may not have done yet). A built-in role of a workspace, a project or the
// cluster that ke-controller-manager has not made yet has the rules it will
// have, as the IAM API sees it (builtin/pending.go).
func (c CacheObjects) RoleRules(ctx context.Context, ref RoleRef) ([]rbacv1.PolicyRule, bool, error) {
	var obj client.Object
	switch ref.Kind {
	case "GlobalRole":
		obj = &iamv1beta1.GlobalRole{}
	case "WorkspaceRole":
		obj = &iamv1beta1.WorkspaceRole{}
	case "ClusterRole":
		obj = &rbacv1.ClusterRole{}
	case "Role":
		obj = &rbacv1.Role{}
	default:
		return nil, false, nil
	}
	if err := c.Reader.Get(ctx, client.ObjectKey{Namespace: ref.Namespace, Name: ref.Name}, obj); err != nil {
		if apierrors.IsNotFound(err) {
			return c.pendingRules(ctx, ref)
		}
		return nil, false, fmt.Errorf("reading %s %s: %w", ref.Kind, ref.Name, err)
	}
	var rules []rbacv1.PolicyRule
	var templates []string
	switch o := obj.(type) {
	case *iamv1beta1.GlobalRole:
		rules, templates = o.Rules, templateNames(o.AggregationRoleTemplates)
	case *iamv1beta1.WorkspaceRole:
		if o.Labels[tenantv1beta1.WorkspaceLabel] != ref.Workspace {
			return nil, false, nil // another workspace's role: a binding to it grants nothing
		}
		rules, templates = o.Rules, templateNames(o.AggregationRoleTemplates)
	case *rbacv1.ClusterRole:
		rules = o.Rules
		templates, _ = roletemplate.NamesFromAnnotation(o.Annotations)
	case *rbacv1.Role:
		rules = o.Rules
		templates, _ = roletemplate.NamesFromAnnotation(o.Annotations)
	}
	if len(templates) == 0 {
		return rules, true, nil
	}
	more, err := c.TemplateRules(ctx, templates)
	if err != nil {
		return nil, false, err
	}
	return append(append([]rbacv1.PolicyRule{}, rules...), more...), true, nil
}

// TemplateRules implements Objects. A template that does not exist adds
// nothing (ke-controller-manager reports it on the role).
func (c CacheObjects) TemplateRules(ctx context.Context, names []string) ([]rbacv1.PolicyRule, error) {
	rules, _ := roletemplate.Aggregate(names, func(name string) (*iamv1beta1.RoleTemplate, bool) {
		t := &iamv1beta1.RoleTemplate{}
		if err := c.Reader.Get(ctx, client.ObjectKey{Name: name}, t); err != nil {
			return nil, false
		}
		return t, true
	})
	return rules, nil
}

// pendingRules returns the rules of a built-in role that does not exist
// yet and that ke-controller-manager will make: a workspace's role (by its
// full name) in an existing workspace, a project's role in a namespace of
// an existing workspace, a cluster-level role.
func (c CacheObjects) pendingRules(ctx context.Context, ref RoleRef) ([]rbacv1.PolicyRule, bool, error) {
	var b builtin.Role
	var ok bool
	ws := ""
	switch ref.Kind {
	case "WorkspaceRole":
		var full string
		full, b, ok = builtin.PendingWorkspaceRole(ref.Workspace, ref.Name)
		ok = ok && full == ref.Name
		ws = ref.Workspace
	case "Role":
		if b, ok = builtin.PendingProjectRole(ref.Name); ok {
			ns := &corev1.Namespace{}
			if err := c.Reader.Get(ctx, client.ObjectKey{Name: ref.Namespace}, ns); err != nil {
				return nil, false, client.IgnoreNotFound(err)
			}
			ws = ns.Labels[tenantv1beta1.WorkspaceLabel]
			ok = ws != ""
		}
	case "ClusterRole":
		b, ok = builtin.PendingClusterRole(ref.Name)
	}
	if !ok {
		return nil, false, nil
	}
	if ws != "" {
		if err := c.Reader.Get(ctx, client.ObjectKey{Name: ws}, &tenantv1beta1.Workspace{}); err != nil {
			return nil, false, client.IgnoreNotFound(err)
		}
	}
	return b.EffectiveRules(), true, nil
}
