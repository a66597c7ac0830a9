package iam

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/authentication/user"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	"github.com/superkube/super-kubenetes/internal/iam/password"
)

// lastApplied is where kubectl apply keeps a copy of the object, which may
// hold a password.
const lastApplied = "kubectl.kubernetes.io/last-applied-configuration"

const usersLock = "users"

// emailPattern is the pattern of the User CRD's spec.email.
var emailPattern = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)

// Languages are the values of spec.lang.
var Languages = []string{"en", "ko", "zh"}

// UserStates are the values of status.state.
var UserStates = []iamv1beta1.UserState{iamv1beta1.UserActive, iamv1beta1.UserDisabled, iamv1beta1.UserAuthLimitExceeded}

// Strip returns a copy of u fit to be returned: without the password hash,
// kubectl's last-applied copy (which may hold a plaintext password) and
// managed fields.
func Strip(u *iamv1beta1.User) *iamv1beta1.User {
	out := u.DeepCopy()
	out.Spec.Password = ""
	out.ManagedFields = nil
	delete(out.Annotations, lastApplied)
	out.APIVersion, out.Kind = iamv1beta1.GroupVersion.String(), "User"
	return out
}

// ListUsers returns every user, stripped.
func (s *Service) ListUsers(ctx context.Context) ([]*iamv1beta1.User, error) {
	list := &iamv1beta1.UserList{}
	if err := s.Reader.List(ctx, list); err != nil {
		return nil, err
	}
	out := make([]*iamv1beta1.User, 0, len(list.Items))
	for i := range list.Items {
		out = append(out, Strip(&list.Items[i]))
	}
	return out, nil
}

// GetUser returns a user, stripped.
func (s *Service) GetUser(ctx context.Context, name string) (*iamv1beta1.User, error) {
	u, err := get[iamv1beta1.User](ctx, s, usersGR, name)
	if err != nil {
		return nil, err
	}
	return Strip(u), nil
}

// validateProfile checks the fields a user's profile is made of. New users
// need an e-mail address; users that came without one (from an identity
// provider) may keep none.
func validateProfile(spec *iamv1beta1.UserSpec, requireEmail bool) field.ErrorList {
	p := field.NewPath("spec")
	var errs field.ErrorList
	switch addr, err := mail.ParseAddress(spec.Email); {
	case spec.Email == "" && !requireEmail:
	case spec.Email == "":
		errs = append(errs, field.Required(p.Child("email"), "an e-mail address is required"))
	case len(spec.Email) > 254:
		errs = append(errs, field.TooLong(p.Child("email"), "", 254))
	case err != nil || addr.Address != spec.Email || !emailPattern.MatchString(spec.Email):
		errs = append(errs, field.Invalid(p.Child("email"), spec.Email, "must be an e-mail address such as alice@example.com"))
	}
	if len(spec.DisplayName) > 128 {
		errs = append(errs, field.TooLong(p.Child("displayName"), "", 128))
	}
	if len(spec.Description) > 1024 {
		errs = append(errs, field.TooLong(p.Child("description"), "", 1024))
	}
	if spec.Lang != "" && !slices.Contains(Languages, spec.Lang) {
		errs = append(errs, field.NotSupported(p.Child("lang"), spec.Lang, Languages))
	}
	return errs
}

// emailTaken returns the other user that has the e-mail address.
func (s *Service) emailTaken(ctx context.Context, email, except string) (string, error) {
	list := &iamv1beta1.UserList{}
	if err := s.Reader.List(ctx, list); err != nil {
		return "", err
	}
	for i := range list.Items {
		u := &list.Items[i]
		if u.Name != except && u.DeletionTimestamp.IsZero() && strings.EqualFold(u.Spec.Email, email) {
			return u.Name, nil
		}
	}
	return "", nil
}

// CreateUser creates a user from in. A password is checked against the
// complexity rules and stored only as its bcrypt hash.
func (s *Service) CreateUser(ctx context.Context, in *iamv1beta1.User) (*iamv1beta1.User, error) {
	errs := validateName(field.NewPath("metadata", "name"), in.Name, false)
	errs = append(errs, validateProfile(&in.Spec, true)...)
	if in.Spec.Password != "" {
		for _, e := range ValidatePassword(in.Name, in.Spec.Password) {
			e.Field, e.BadValue = "spec.password", ""
			errs = append(errs, e)
		}
	}
	if len(errs) > 0 {
		return nil, invalid("User", in.Name, errs)
	}
	var hash string
	if in.Spec.Password != "" {
		var err error
		if hash, err = password.Hash(in.Spec.Password, s.BcryptCost); err != nil {
			return nil, err
		}
	}
	defer s.locks.lock(usersLock)()
	existing := &iamv1beta1.User{}
	switch err := s.Reader.Get(ctx, client.ObjectKey{Name: in.Name}, existing); {
	case err == nil:
		return nil, duplicate(usersGR, in.Name, "metadata.name", "a user of this name exists")
	case !apierrors.IsNotFound(err):
		return nil, err
	}
	if other, err := s.emailTaken(ctx, in.Spec.Email, in.Name); err != nil {
		return nil, err
	} else if other != "" {
		return nil, duplicate(usersGR, in.Name, "spec.email", "the e-mail address is another user's")
	}
	u := &iamv1beta1.User{
		ObjectMeta: metav1.ObjectMeta{Name: in.Name, Labels: in.Labels, Annotations: in.Annotations},
		Spec: iamv1beta1.UserSpec{Email: in.Spec.Email, DisplayName: in.Spec.DisplayName, Description: in.Spec.Description,
			Lang: in.Spec.Lang, PasswordChangeRequired: in.Spec.PasswordChangeRequired, Disabled: in.Spec.Disabled},
	}
	if u.Annotations != nil {
		delete(u.Annotations, lastApplied)
	}
	syncDisplayName(u)
	if err := s.Client.Create(ctx, u); err != nil {
		if apierrors.IsAlreadyExists(err) {
			return nil, duplicate(usersGR, in.Name, "metadata.name", "a user of this name exists")
		}
		return nil, err
	}
	// The hash goes into the user's password Secret, never into the User.
	if hash != "" {
		if err := s.Passwords.Set(ctx, u, hash); err != nil {
			if derr := s.Client.Delete(ctx, u, client.Preconditions{UID: &u.UID}); client.IgnoreNotFound(derr) != nil {
				err = errors.Join(err, fmt.Errorf("removing user %s again: %w", u.Name, derr))
			}
			return nil, err
		}
	}
	// Logins read users and hashes from caches: answer once they have them.
	s.waitCached(ctx, u)
	if hash != "" {
		s.waitHash(ctx, u, hash)
	}
	return Strip(u), nil
}

// syncDisplayName keeps the display-name annotation, which lists search,
// equal to spec.displayName.
func syncDisplayName(u *iamv1beta1.User) {
	if u.Spec.DisplayName == "" {
		delete(u.Annotations, tenantv1beta1.DisplayNameAnnotation)
		return
	}
	if u.Annotations == nil {
		u.Annotations = map[string]string{}
	}
	u.Annotations[tenantv1beta1.DisplayNameAnnotation] = u.Spec.DisplayName
}

// UpdateUser changes the profile of a user (e-mail, display name,
// description, language) to that of desired. The password, the disabled
// flag and the forced password change have their own endpoints: a desired
// user that changes them is refused. Metadata (but the resource version,
// for optimistic locking) and status are not changed here.
func (s *Service) UpdateUser(ctx context.Context, name string, desired *iamv1beta1.User) (*iamv1beta1.User, error) {
	defer s.locks.lock(usersLock)()
	cur, err := get[iamv1beta1.User](ctx, s, usersGR, name)
	if err != nil {
		return nil, err
	}
	spec := field.NewPath("spec")
	var errs field.ErrorList
	if desired.Name != "" && desired.Name != name {
		errs = append(errs, field.Invalid(field.NewPath("metadata", "name"), desired.Name, "must be the name in the path"))
	}
	if desired.Spec.Password != "" {
		errs = append(errs, field.Forbidden(spec.Child("password"), "is changed with PUT users/"+name+"/password"))
	}
	if desired.Spec.Disabled != cur.Spec.Disabled {
		errs = append(errs, field.Forbidden(spec.Child("disabled"), "is changed with POST users/"+name+"/disable or /enable"))
	}
	if desired.Spec.PasswordChangeRequired != cur.Spec.PasswordChangeRequired {
		errs = append(errs, field.Forbidden(spec.Child("passwordChangeRequired"), "is set when an administrator sets the password"))
	}
	errs = append(errs, validateProfile(&desired.Spec, cur.Spec.Email != "")...)
	if len(errs) > 0 {
		return nil, invalid("User", name, errs)
	}
	if desired.Spec.Email != "" && !strings.EqualFold(desired.Spec.Email, cur.Spec.Email) {
		if other, err := s.emailTaken(ctx, desired.Spec.Email, name); err != nil {
			return nil, err
		} else if other != "" {
			return nil, duplicate(usersGR, name, "spec.email", "the e-mail address is another user's")
		}
	}
	before := cur.DeepCopy()
	if rv := desired.ResourceVersion; rv != "" {
		before.ResourceVersion = rv
	}
	cur.Spec.Email, cur.Spec.DisplayName, cur.Spec.Description, cur.Spec.Lang =
		desired.Spec.Email, desired.Spec.DisplayName, desired.Spec.Description, desired.Spec.Lang
	syncDisplayName(cur)
	var opts []client.MergeFromOption
	if desired.ResourceVersion != "" {
		opts = append(opts, client.MergeFromWithOptimisticLock{})
	}
	if err := s.Client.Patch(ctx, cur, client.MergeFromWithOptions(before, opts...)); err != nil {
		return nil, err
	}
	s.waitCached(ctx, cur)
	return Strip(cur), nil
}

// DeleteUser deletes a user and revokes its tokens; the user controller
// removes its bindings, login records and group memberships.
func (s *Service) DeleteUser(ctx context.Context, caller user.Info, name string) error {
	if caller.GetName() == name {
		return conflict(usersGR, name, "you cannot delete your own account")
	}
	u, err := get[iamv1beta1.User](ctx, s, usersGR, name)
	if err != nil {
		return err
	}
	if err := s.Client.Delete(ctx, u, client.Preconditions{UID: &u.UID}); err != nil {
		if apierrors.IsNotFound(err) {
			return apierrors.NewNotFound(usersGR, name)
		}
		return err
	}
	_, err = s.Tokens.RevokeUser(ctx, name)
	return err
}

// SetDisabled disables or enables a user. Disabling revokes the user's
// tokens, once the cache (which logins read) says the user is disabled.
func (s *Service) SetDisabled(ctx context.Context, caller user.Info, name string, disabled bool) (*iamv1beta1.User, error) {
	if disabled && caller.GetName() == name {
		return nil, conflict(usersGR, name, "you cannot disable your own account")
	}
	u, err := get[iamv1beta1.User](ctx, s, usersGR, name)
	if err != nil {
		return nil, err
	}
	if u.Spec.Disabled != disabled {
		before := u.DeepCopy()
		u.Spec.Disabled = disabled
		if err := s.Client.Patch(ctx, u, client.MergeFrom(before)); err != nil {
			return nil, err
		}
		s.waitCached(ctx, u)
	}
	if disabled {
		if _, err := s.Tokens.RevokeUser(ctx, name); err != nil {
			return nil, fmt.Errorf("revoking the tokens of user %s: %w", name, err)
		}
	}
	return Strip(u), nil
}

// Unlock lifts a lockout after failed logins: failures before now no
// longer count (the user controller recomputes the state).
func (s *Service) Unlock(ctx context.Context, name string) (*iamv1beta1.User, error) {
	u, err := get[iamv1beta1.User](ctx, s, usersGR, name)
	if err != nil {
		return nil, err
	}
	before := u.DeepCopy()
	if u.Annotations == nil {
		u.Annotations = map[string]string{}
	}
	u.Annotations[iamv1beta1.UnlockedAtAnnotation] = s.Clock.Now().UTC().Format(time.RFC3339)
	if err := s.Client.Patch(ctx, u, client.MergeFrom(before)); err != nil {
		return nil, err
	}
	s.waitCached(ctx, u)
	return Strip(u), nil
}

// LoginRecords returns a user's login records.
func (s *Service) LoginRecords(ctx context.Context, name string) ([]*iamv1beta1.LoginRecord, error) {
	if _, err := get[iamv1beta1.User](ctx, s, usersGR, name); err != nil {
		return nil, err
	}
	list := &iamv1beta1.LoginRecordList{}
	if err := s.Reader.List(ctx, list, client.MatchingLabels{iamv1beta1.UserRefLabel: name}); err != nil {
		return nil, err
	}
	out := make([]*iamv1beta1.LoginRecord, 0, len(list.Items))
	for i := range list.Items {
		r := list.Items[i].DeepCopy()
		r.ManagedFields = nil
		r.APIVersion, r.Kind = iamv1beta1.GroupVersion.String(), "LoginRecord"
		out = append(out, r)
	}
	return out, nil
}
