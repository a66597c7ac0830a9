package memberrbac

import (
	"context"
	"fmt"

	rbacv1 "k8s.io/api/rbac/v1"
	kerrors "k8s.io/apimachinery/pkg/util/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	clusterv1alpha1 "github.com/superkube/super-kubenetes/api/cluster/v1alpha1"
)

// Unmirror deletes from a member everything the host mirrored into it (the
// objects labelled cluster.superkube.io/mirrored-by=host), for a cluster
// that is being removed: the platform's grants must not outlive the
// platform's hold on the cluster. The member's own objects, its projects'
// roles and their namespaces are left alone.
func Unmirror(ctx context.Context, mc client.Client) error {
	marked := client.MatchingLabels{clusterv1alpha1.MirroredByLabel: clusterv1alpha1.MirroredByHost}
	var errs []error
	rbs := &rbacv1.RoleBindingList{}
	if err := mc.List(ctx, rbs, marked); err != nil {
		return fmt.Errorf("listing the mirrored role bindings: %w", err)
	}
	for i := range rbs.Items {
		if err := mc.Delete(ctx, &rbs.Items[i]); client.IgnoreNotFound(err) != nil {
			errs = append(errs, err)
		}
	}
	for _, obj := range []client.Object{&rbacv1.ClusterRoleBinding{}, &rbacv1.ClusterRole{}} {
		if err := mc.DeleteAllOf(ctx, obj, marked); client.IgnoreNotFound(err) != nil {
			errs = append(errs, fmt.Errorf("deleting the mirrored %T: %w", obj, err))
		}
	}
	return kerrors.NewAggregate(errs)
}
