package iam

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	"github.com/superkube/super-kubenetes/internal/iam/builtin"
)

// A project (a namespace): native Roles of the namespace labelled with the
// namespace scope, and the RoleBindings to them (not the mirrors of
// workspace bindings). The creator of a project of a workspace stays its
// admin.

func (s *Service) projectLevel(ctx context.Context, name string) (*level, error) {
	n, err := get[corev1.Namespace](ctx, s, namespacesGR, name)
	if err != nil {
		return nil, err
	}
	lv := &level{At: At{Level: iamv1beta1.LevelNamespace, Name: name}, roles: projectRoles{s, n}, bindings: projectBindings{s, name},
		lockKey: "namespace/" + name}
	if creator := n.Annotations[tenantv1beta1.CreatorAnnotation]; creator != "" && n.Labels[tenantv1beta1.WorkspaceLabel] != "" {
		_, role := builtin.NamespaceRoles(n.Labels)
		lv.keeper = keeper{user: creator, role: role, why: fmt.Sprintf(
			"user %s created project %s (annotation %s), and the platform keeps the creator its %s",
			creator, name, tenantv1beta1.CreatorAnnotation, role)}
	}
	return lv, nil
}

type projectRoles struct {
	s *Service
	n *corev1.Namespace
}

func (projectRoles) kind() string                       { return "Role" }
func (projectRoles) gr() schema.GroupResource           { return rolesGR }
func (projectRoles) names(name string) []string         { return []string{name} }
func (projectRoles) checkName(n string) field.ErrorList { return validateRoleName(n) }

func (l projectRoles) list(ctx context.Context) ([]client.Object, error) {
	list := &rbacv1.RoleList{}
	if err := l.s.Reader.List(ctx, list, client.InNamespace(l.n.Name), client.MatchingLabels{iamv1beta1.ScopeLabel: string(iamv1beta1.LevelNamespace)}); err != nil {
		return nil, err
	}
	return objects(list.Items, notMirror[*rbacv1.Role]), nil
}

func (l projectRoles) get(ctx context.Context, name string) (client.Object, bool, error) {
	obj, err := l.s.lookup(ctx, client.ObjectKey{Namespace: l.n.Name, Name: name}, &rbacv1.Role{})
	return obj, obj != nil && nativeRoleOf(obj, iamv1beta1.LevelNamespace), err
}

// pending resolves a built-in project role in a project of a workspace
// that exists, unless a Role of the name is not one of the project's.
func (l projectRoles) pending(ctx context.Context, name string, taken bool) (string, []rbacv1.PolicyRule, bool, error) {
	b, ok := builtin.PendingProjectRole(name)
	ws := l.n.Labels[tenantv1beta1.WorkspaceLabel]
	if !ok || taken || ws == "" {
		return "", nil, false, nil
	}
	if _, err := get[tenantv1beta1.Workspace](ctx, l.s, workspacesGR, ws); err != nil {
		if apierrors.IsNotFound(err) {
			return "", nil, false, nil
		}
		return "", nil, false, err
	}
	return name, b.EffectiveRules(), true, nil
}

func (l projectRoles) build(existing client.Object, name string, annotations map[string]string, templates []string, rules []rbacv1.PolicyRule) client.Object {
	r := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Namespace: l.n.Name, Name: name}}
	if existing != nil {
		r = existing.(*rbacv1.Role).DeepCopy()
	}
	r.Annotations = nativeAnnotations(copyAnnotations(r.Annotations, annotations), templates, rules)
	r.Labels = withLabels(r.Labels, map[string]string{iamv1beta1.ScopeLabel: string(iamv1beta1.LevelNamespace)})
	r.Rules = rules
	return r
}

func (l projectRoles) inUse(ctx context.Context, name string) (int, error) {
	list := &rbacv1.RoleBindingList{}
	if err := l.s.Reader.List(ctx, list, client.InNamespace(l.n.Name)); err != nil {
		return 0, err
	}
	return count(list.Items, func(b *rbacv1.RoleBinding) bool { return b.RoleRef.Kind == "Role" && b.RoleRef.Name == name }), nil
}

type projectBindings struct {
	s  *Service
	ns string
}

func (projectBindings) gr() schema.GroupResource { return projectMembersGR }

func (l projectBindings) list(ctx context.Context) ([]memberBinding, error) {
	list := &rbacv1.RoleBindingList{}
	if err := l.s.Reader.List(ctx, list, client.InNamespace(l.ns)); err != nil {
		return nil, err
	}
	out := make([]memberBinding, 0, len(list.Items))
	for i := range list.Items {
		if b := &list.Items[i]; b.RoleRef.Kind == "Role" {
			out = appendNative(out, b, b.RoleRef.Name, b.Subjects)
		}
	}
	return out, nil
}

func (l projectBindings) build(name, username, role string) client.Object {
	return &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Namespace: l.ns, Name: name,
			Labels: bindingLabels(username, role, map[string]string{iamv1beta1.ScopeLabel: string(iamv1beta1.LevelNamespace)})},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: role},
		Subjects: []rbacv1.Subject{userSubject(username)},
	}
}

func (projectBindings) withoutUser(obj client.Object, username string) client.Object {
	b := obj.(*rbacv1.RoleBinding).DeepCopy()
	b.Subjects = nativeWithout(b.Subjects, username)
	return b
}
