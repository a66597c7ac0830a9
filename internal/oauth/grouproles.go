package oauth

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
)

// GrantedByLabel names the identity provider whose group mapping created a
// GlobalRoleBinding. Only bindings with this label are ever removed by a
// login; bindings an administrator made are left alone.
const GrantedByLabel = "iam.superkube.io/granted-by"

// syncGroupRoles brings the global roles that the provider's groups grant
// in line with the groups the user has now: a binding "<user>-<role>" for
// each mapped group, and none of those the provider granted earlier for
// groups the user has left. It runs at every successful login through an
// external provider; an error fails the login, so that a role the user
// lost is never kept because its removal failed.
func (s *Server) syncGroupRoles(ctx context.Context, provider string, u *iamv1beta1.User, groups []string) error {
	want := map[string]bool{}
	for _, m := range s.opts.GroupRoles[provider] {
		if slices.Contains(groups, m.Group) {
			want[m.GlobalRole] = true
		}
	}
	var errs []error
	for _, role := range slices.Sorted(maps.Keys(want)) {
		if err := s.ensureGroupRoleBinding(ctx, provider, u.Name, role); err != nil {
			errs = append(errs, err)
		}
	}
	granted := &iamv1beta1.GlobalRoleBindingList{}
	if err := s.bindings.List(ctx, granted, client.MatchingLabels{iamv1beta1.UserRefLabel: u.Name, GrantedByLabel: provider}); err != nil {
		return errors.Join(append(errs, fmt.Errorf("listing the global role bindings of user %s: %w", u.Name, err))...)
	}
	for i := range granted.Items {
		b := &granted.Items[i]
		if want[b.RoleRef.Name] && b.Name == groupRoleBindingName(u.Name, b.RoleRef.Name) {
			continue
		}
		if err := s.writer.Delete(ctx, b, client.Preconditions{UID: &b.UID}); client.IgnoreNotFound(err) != nil {
			errs = append(errs, fmt.Errorf("removing global role binding %s: %w", b.Name, err))
		}
	}
	return errors.Join(errs...)
}

// ensureGroupRoleBinding creates the binding of a role to a user for the
// provider unless it exists. An existing binding of that name is never
// changed: it is the provider's own, or an administrator's.
func (s *Server) ensureGroupRoleBinding(ctx context.Context, provider, user, role string) error {
	name := groupRoleBindingName(user, role)
	existing := &iamv1beta1.GlobalRoleBinding{}
	err := s.bindings.Get(ctx, client.ObjectKey{Name: name}, existing)
	switch {
	case err == nil:
		if existing.RoleRef.Name != role || !slices.ContainsFunc(existing.Subjects, isUser(user)) {
			// Names can collide ("a-b" + "c" and "a" + "b-c"); the user does
			// not get the role through someone else's binding.
			s.log(ctx).Error(errors.New("the binding's name is taken"), "A group's role cannot be granted",
				"provider", provider, "user", user, "globalRole", role, "binding", name)
		}
		return nil
	case !apierrors.IsNotFound(err):
		return fmt.Errorf("reading global role binding %s: %w", name, err)
	}
	b := &iamv1beta1.GlobalRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{
			iamv1beta1.UserRefLabel: user, iamv1beta1.RoleRefLabel: role, GrantedByLabel: provider}},
		RoleRef:  iamv1beta1.RoleRef{APIGroup: iamv1beta1.GroupName, Kind: "GlobalRole", Name: role},
		Subjects: []iamv1beta1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: user}},
	}
	if err := s.writer.Create(ctx, b); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("creating global role binding %s: %w", name, err)
	}
	return nil
}

func groupRoleBindingName(user, role string) string { return user + "-" + role }

func isUser(name string) func(iamv1beta1.Subject) bool {
	return func(s iamv1beta1.Subject) bool { return s.Kind == rbacv1.UserKind && s.Name == name }
}
