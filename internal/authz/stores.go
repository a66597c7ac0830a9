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
	idx := Indexers()
	get := func(obj client.Object, name string) (toolscache.Indexer, error) {
		inf, err := cache.GetInformer(ctx, obj)
		if err != nil {
			return nil, err
		}
		sii, ok := inf.(toolscache.SharedIndexInformer)
		if !ok {
			return nil, fmt.Errorf("the informer of %T has no indexer", obj)
		}
		if ix, ok := idx[name]; ok {
			if err := sii.AddIndexers(ix); err != nil {
				return nil, err
			}
		}
		return sii.GetIndexer(), nil
	}
	var s Stores
	var err error
	for _, f := range []struct {
		target *toolscache.Indexer
		obj    client.Object
		name   string
	}{
		{&s.GlobalRoleBindings, &iamv1beta1.GlobalRoleBinding{}, "GlobalRoleBindings"},
		{&s.GlobalRoles, &iamv1beta1.GlobalRole{}, "GlobalRoles"},
		{&s.WorkspaceRoleBindings, &iamv1beta1.WorkspaceRoleBinding{}, "WorkspaceRoleBindings"},
		{&s.WorkspaceRoles, &iamv1beta1.WorkspaceRole{}, "WorkspaceRoles"},
		{&s.RoleBindings, &rbacv1.RoleBinding{}, "RoleBindings"},
		{&s.Roles, &rbacv1.Role{}, "Roles"},
		{&s.ClusterRoleBindings, &rbacv1.ClusterRoleBinding{}, "ClusterRoleBindings"},
		{&s.ClusterRoles, &rbacv1.ClusterRole{}, "ClusterRoles"},
		{&s.Namespaces, &corev1.Namespace{}, "Namespaces"},
	} {
		if *f.target, err = get(f.obj, f.name); err != nil {
			return s, err
		}
	}
	return s, nil
}
