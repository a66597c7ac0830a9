// Package subjects checks the users and groups that bindings name.
package subjects

import (
	"context"

	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
)

// Existing returns the subjects whose user exists (groups are always kept:
// they may come from an identity provider), and the names of missing users.
// A binding grants nothing to a user that does not exist yet, so that a user
// created later under that name does not inherit it by accident.
func Existing(ctx context.Context, c client.Reader, in []iamv1beta1.Subject) (kept []iamv1beta1.Subject, missing []string, err error) {
	for _, s := range in {
		if s.Kind != rbacv1.UserKind {
			kept = append(kept, s)
			continue
		}
		u := &iamv1beta1.User{}
		switch err := c.Get(ctx, types.NamespacedName{Name: s.Name}, u); {
		case apierrors.IsNotFound(err):
			missing = append(missing, s.Name)
		case err != nil:
			return nil, nil, err
		case !u.DeletionTimestamp.IsZero():
			missing = append(missing, s.Name)
		default:
			kept = append(kept, s)
		}
	}
	return kept, missing, nil
}
