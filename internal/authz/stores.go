package authz

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	toolscache "k8s.io/client-go/tools/cache"
	ctrlcache "sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
)

// InformerStores gets from cache the informers the authorizer reads, with
// the indexes it needs; the cache starts them when it starts.
func InformerStores(ctx context.Context, cache ctrlcache.Informers) (Stores, error) {
	var s Stores
	err := informerStores(ctx, cache, []storeField{
		{&s.GlobalRoleBindings, &iamv1beta1.GlobalRoleBinding{}, "GlobalRoleBindings"},
		{&s.GlobalRoles, &iamv1beta1.GlobalRole{}, "GlobalRoles"},
		{&s.WorkspaceRoleBindings, &iamv1beta1.WorkspaceRoleBinding{}, "WorkspaceRoleBindings"},
		{&s.WorkspaceRoles, &iamv1beta1.WorkspaceRole{}, "WorkspaceRoles"},
	})
	if err != nil {
		return s, err
	}
	native, err := NativeInformerStores(ctx, cache)
	if err != nil {
		return s, err
	}
	return s.WithNative(native), nil
}

// NativeInformerStores gets from cache the informers of the native kinds
// the authorizer reads (namespaces, roles and their bindings): a member
// cluster has these, and the platform's own kinds only on the host.
func NativeInformerStores(ctx context.Context, cache ctrlcache.Informers) (Stores, error) {
	var s Stores
	err := informerStores(ctx, cache, []storeField{
		{&s.RoleBindings, &rbacv1.RoleBinding{}, "RoleBindings"},
		{&s.Roles, &rbacv1.Role{}, "Roles"},
		{&s.ClusterRoleBindings, &rbacv1.ClusterRoleBinding{}, "ClusterRoleBindings"},
		{&s.ClusterRoles, &rbacv1.ClusterRole{}, "ClusterRoles"},
		{&s.Namespaces, &corev1.Namespace{}, "Namespaces"},
	})
	return s, err
}

// WithNative returns s with the native stores of native: the platform's
// roles and bindings of one, the namespaces and native RBAC of another
// cluster.
func (s Stores) WithNative(native Stores) Stores {
	s.RoleBindings, s.Roles = native.RoleBindings, native.Roles
	s.ClusterRoleBindings, s.ClusterRoles = native.ClusterRoleBindings, native.ClusterRoles
	s.Namespaces = native.Namespaces
	return s
}

type storeField struct {
	target *toolscache.Indexer
	obj    client.Object
	name   string
}

func informerStores(ctx context.Context, cache ctrlcache.Informers, fields []storeField) error {
	idx := Indexers()
	for _, f := range fields {
		inf, err := cache.GetInformer(ctx, f.obj)
		if err != nil {
			return err
		}
		sii, ok := inf.(toolscache.SharedIndexInformer)
		if !ok {
			return fmt.Errorf("the informer of %T has no indexer", f.obj)
		}
		if ix, ok := idx[f.name]; ok {
			if err := sii.AddIndexers(ix); err != nil {
				return err
			}
		}
		*f.target = sii.GetIndexer()
	}
	return nil
}
