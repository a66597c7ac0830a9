package impersonate

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apiserver/pkg/authentication/serviceaccount"
	"k8s.io/apiserver/pkg/authentication/user"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
)

// Subject returns the identity a controller acts as on someone's behalf
// (a release's operator, a pipeline run's user): a service account with
// its groups, or a platform user with the groups of their group bindings;
// always with system:authenticated. A user who does not exist, is disabled
// or is being deleted is an error that says so; role names the person in
// it ("the operator", "the run's user").
func Subject(ctx context.Context, r client.Reader, name, role string) (user.Info, error) {
	if ns, _, err := serviceaccount.SplitUsername(name); err == nil {
		return &user.DefaultInfo{Name: name, Groups: append(serviceaccount.MakeGroupNames(ns), user.AllAuthenticated)}, nil
	}
	u := &iamv1beta1.User{}
	if err := r.Get(ctx, client.ObjectKey{Name: name}, u); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, fmt.Errorf("%s %q is not a platform user", role, name)
		}
		return nil, err
	}
	if u.Spec.Disabled || u.DeletionTimestamp != nil {
		return nil, fmt.Errorf("%s %q is disabled", role, name)
	}
	groups := append(append([]string{}, u.Status.Groups...), user.AllAuthenticated)
	return &user.DefaultInfo{Name: u.Name, UID: string(u.UID), Groups: groups}, nil
}
