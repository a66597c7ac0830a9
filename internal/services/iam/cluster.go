package iam

import (
	"context"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	"github.com/superkube/super-kubenetes/internal/iam/builtin"
)

// The cluster: native ClusterRoles labelled with the cluster scope, and
// the ClusterRoleBindings to them. Its roles apply as the platform's do
// for the authorizer (authz.Place{}).

func (s *Service) clusterLevel() *level {
	return &level{At: At{Level: iamv1beta1.LevelCluster}, roles: clusterRoles{s}, bindings: clusterBindings{s}, lockKey: "cluster"}
}

type clusterRoles struct{ s *Service }

func (clusterRoles) kind() string                       { return "ClusterRole" }
func (clusterRoles) gr() schema.GroupResource           { return clusterRolesGR }
func (clusterRoles) names(name string) []string         { return []string{name} }
func (clusterRoles) checkName(n string) field.ErrorList { return validateRoleName(n) }

func (l clusterRoles) list(ctx context.Context) ([]client.Object, error) {
	list := &rbacv1.ClusterRoleList{}
	if err := l.s.Reader.List(ctx, list, client.MatchingLabels{iamv1beta1.ScopeLabel: string(iamv1beta1.LevelCluster)}); err != nil {
		return nil, err
	}
	return objects(list.Items, notMirror[*rbacv1.ClusterRole]), nil
}

func (l clusterRoles) get(ctx context.Context, name string) (client.Object, bool, error) {
	obj, err := l.s.lookup(ctx, client.ObjectKey{Name: name}, &rbacv1.ClusterRole{})
	return obj, obj != nil && nativeRoleOf(obj, iamv1beta1.LevelCluster), err
}

// pending resolves cluster-admin and cluster-viewer before
// ke-controller-manager has made or labelled them. cluster-admin is
// Kubernetes' own role and exists, unlabelled, before that: a role of the
// name that is not labelled does not stand in the way.
func (clusterRoles) pending(_ context.Context, name string, _ bool) (string, []rbacv1.PolicyRule, bool, error) {
	if b, ok := builtin.PendingClusterRole(name); ok {
		return name, b.EffectiveRules(), true, nil
	}
	return "", nil, false, nil
}

func (clusterRoles) build(existing client.Object, name string, annotations map[string]string, templates []string, rules []rbacv1.PolicyRule) client.Object {
	r := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if existing != nil {
		r = existing.(*rbacv1.ClusterRole).DeepCopy()
	}
	r.Annotations = nativeAnnotations(copyAnnotations(r.Annotations, annotations), templates, rules)
	r.Labels = withLabels(r.Labels, map[string]string{iamv1beta1.ScopeLabel: string(iamv1beta1.LevelCluster)})
	r.Rules = rules
	return r
}

func (l clusterRoles) inUse(ctx context.Context, name string) (int, error) {
	list := &rbacv1.ClusterRoleBindingList{}
	if err := l.s.Reader.List(ctx, list); err != nil {
		return 0, err
	}
	return count(list.Items, func(b *rbacv1.ClusterRoleBinding) bool {
		return b.RoleRef.Kind == "ClusterRole" && b.RoleRef.Name == name
	}), nil
}

type clusterBindings struct{ s *Service }

func (clusterBindings) gr() schema.GroupResource { return clusterMembersGR }

// list returns the ClusterRoleBindings to roles of the cluster level (not
// the mirrors of platform bindings).
func (l clusterBindings) list(ctx context.Context) ([]memberBinding, error) {
	roles := &rbacv1.ClusterRoleList{}
	if err := l.s.Reader.List(ctx, roles, client.MatchingLabels{iamv1beta1.ScopeLabel: string(iamv1beta1.LevelCluster)}); err != nil {
		return nil, err
	}
	scoped := map[string]bool{}
	for _, r := range roles.Items {
		scoped[r.Name] = true
	}
	list := &rbacv1.ClusterRoleBindingList{}
	if err := l.s.Reader.List(ctx, list); err != nil {
		return nil, err
	}
	out := make([]memberBinding, 0, len(list.Items))
	for i := range list.Items {
		b := &list.Items[i]
		if b.RoleRef.Kind == "ClusterRole" && scoped[b.RoleRef.Name] {
			out = appendNative(out, b, b.RoleRef.Name, b.Subjects)
		}
	}
	return out, nil
}

func (clusterBindings) build(name, username, role string) client.Object {
	return &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: bindingLabels(username, role, map[string]string{iamv1beta1.ScopeLabel: string(iamv1beta1.LevelCluster)})},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role},
		Subjects:   []rbacv1.Subject{userSubject(username)},
	}
}

func (clusterBindings) withoutUser(obj client.Object, username string) client.Object {
	b := obj.(*rbacv1.ClusterRoleBinding).DeepCopy()
	b.Subjects = nativeWithout(b.Subjects, username)
	return b
}
