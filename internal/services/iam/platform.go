package iam

import (
	"context"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
)

// The platform: GlobalRoles. Its GlobalRoleBindings are not members here.

func (s *Service) platformLevel() *level {
	return &level{At: At{Level: iamv1beta1.LevelGlobal}, roles: globalRoles{s}}
}

type globalRoles struct{ s *Service }

func (globalRoles) kind() string                       { return "GlobalRole" }
func (globalRoles) gr() schema.GroupResource           { return globalRolesGR }
func (globalRoles) names(name string) []string         { return []string{name} }
func (globalRoles) checkName(n string) field.ErrorList { return validateRoleName(n) }

func (globalRoles) pending(context.Context, string, bool) (string, []rbacv1.PolicyRule, bool, error) {
	return "", nil, false, nil
}

func (l globalRoles) list(ctx context.Context) ([]client.Object, error) {
	list := &iamv1beta1.GlobalRoleList{}
	if err := l.s.Reader.List(ctx, list); err != nil {
		return nil, err
	}
	return objects(list.Items, nil), nil
}

func (l globalRoles) get(ctx context.Context, name string) (client.Object, bool, error) {
	obj, err := l.s.lookup(ctx, client.ObjectKey{Name: name}, &iamv1beta1.GlobalRole{})
	return obj, obj != nil, err
}

func (globalRoles) build(existing client.Object, name string, annotations map[string]string, templates []string, rules []rbacv1.PolicyRule) client.Object {
	r := &iamv1beta1.GlobalRole{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if existing != nil {
		r = existing.(*iamv1beta1.GlobalRole).DeepCopy()
	}
	r.Annotations = copyAnnotations(r.Annotations, annotations)
	r.Labels = withLabels(r.Labels, map[string]string{iamv1beta1.ScopeLabel: string(iamv1beta1.LevelGlobal)})
	r.AggregationRoleTemplates = &iamv1beta1.AggregationRoleTemplates{TemplateNames: nonNil(templates)}
	r.Rules = rules
	return r
}

func (l globalRoles) inUse(ctx context.Context, name string) (int, error) {
	list := &iamv1beta1.GlobalRoleBindingList{}
	if err := l.s.Reader.List(ctx, list); err != nil {
		return 0, err
	}
	return count(list.Items, func(b *iamv1beta1.GlobalRoleBinding) bool { return b.RoleRef.Name == name }), nil
}
