package iam

import (
	"context"
	"errors"
	"strings"
	"unicode"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/authentication/user"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	"github.com/superkube/super-kubenetes/internal/controller/bootstrap"
	"github.com/superkube/super-kubenetes/internal/iam/password"
)

// PasswordChange is the body of PUT users/{user}/password.
type PasswordChange struct {
	// CurrentPassword is required when users change their own password.
	CurrentPassword string `json:"currentPassword,omitempty"`
	Password        string `json:"password"`
}

// CurrentPasswordCheck checks the current password that users give to
// change their own, as a login would: limited per source, counted by the
// lockout, and recorded. Its errors are answered as they are; a source or
// user that tried too often is a 429.
type CurrentPasswordCheck func(ctx context.Context, u *iamv1beta1.User, plain string) (bool, error)

// ValidatePassword applies the complexity rules: 8 to 72 bytes, three of
// lower-case, upper-case, digits and other characters, and not the user name.
func ValidatePassword(username, p string) field.ErrorList {
	path := field.NewPath("password")
	var errs field.ErrorList
	if len(p) < 8 || len(p) > 72 {
		errs = append(errs, field.Invalid(path, "", "must be 8 to 72 bytes long"))
	}
	var classes [4]bool
	for _, r := range p {
		switch {
		case unicode.IsLower(r):
			classes[0] = true
		case unicode.IsUpper(r):
			classes[1] = true
		case unicode.IsDigit(r):
			classes[2] = true
		default:
			classes[3] = true
		}
	}
	n := 0
	for _, c := range classes {
		if c {
			n++
		}
	}
	if n < 3 {
		errs = append(errs, field.Invalid(path, "", "must mix at least three of lower-case letters, upper-case letters, digits and other characters"))
	}
	if username != "" && strings.Contains(strings.ToLower(p), strings.ToLower(username)) {
		errs = append(errs, field.Invalid(path, "", "must not contain the user name"))
	}
	return errs
}

// ChangePassword sets the password of a user and revokes every token of
// the user. Users changing their own password give the current one, which
// current checks; others must hold every permission the user holds
// (CheckActOnUser). An administrator's reset keeps the user flagged to
// change the password at the next login; the user's own change clears the
// flag. Once the initial administrator has changed the generated
// password, the Secret that showed it goes.
func (s *Service) ChangePassword(ctx context.Context, caller user.Info, name string, in PasswordChange, current CurrentPasswordCheck) error {
	u, err := get[iamv1beta1.User](ctx, s, usersGR, name)
	if err != nil {
		return err
	}
	old, err := s.Passwords.Hash(ctx, u)
	if err != nil {
		return err
	}
	self := caller.GetName() == name
	if !self {
		if err := s.CheckActOnUser(ctx, caller, name); err != nil {
			return err
		}
	}
	if self {
		if err := checkCurrentPassword(ctx, current, u, in.CurrentPassword); err != nil {
			return err
		}
	}
	if errs := ValidatePassword(name, in.Password); len(errs) > 0 {
		return invalidPassword(name, errs)
	}
	if password.Matches(old, in.Password) {
		return invalidPassword(name, field.ErrorList{field.Invalid(field.NewPath("password"), "", "must differ from the current password")})
	}
	hash, err := password.Hash(in.Password, s.BcryptCost)
	if err != nil {
		return err
	}
	if err := s.Passwords.Set(ctx, u, hash); err != nil {
		return err
	}
	before := u.DeepCopy()
	// A User of an older version may still hold its hash: it goes.
	u.Spec.Password = ""
	// Only the user may clear the flag; an administrator's reset keeps it.
	u.Spec.PasswordChangeRequired = !self
	if err := s.Client.Patch(ctx, u, client.MergeFrom(before)); err != nil {
		return err
	}
	now := metav1.NewTime(s.Clock.Now())
	statusBefore := u.DeepCopy()
	u.Status.PasswordChangedAt = &now
	if err := s.Client.Status().Patch(ctx, u, client.MergeFrom(statusBefore)); err != nil {
		return err
	}
	if _, err := s.Tokens.RevokeUser(ctx, name); err != nil {
		return err
	}
	// Logins read hashes from a cache: answer once it has the new one, so
	// that the old password cannot log in after the caller was told it changed.
	s.waitHash(ctx, u, hash)
	if name == bootstrap.AdminUser {
		// The generated initial password is no longer of use.
		// The password has changed by now: a failure here is logged, not answered.
		secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: s.SystemNamespace, Name: bootstrap.AdminPasswordSecret}}
		if err := s.Client.Delete(ctx, secret); client.IgnoreNotFound(err) != nil {
			logr.FromContextOrDiscard(ctx).Error(err, "Deleting the initial administrator password Secret")
		}
	}
	return nil
}

// checkCurrentPassword refuses a current password that does not match: a
// 422 naming the field, so that the endpoint is no faster password oracle
// than the login (whose limits current applies).
func checkCurrentPassword(ctx context.Context, current CurrentPasswordCheck, u *iamv1beta1.User, plain string) error {
	if current == nil {
		return errors.New("no password checker is configured")
	}
	ok, err := current(ctx, u, plain)
	if err != nil {
		return err
	}
	if !ok {
		return invalidPassword(u.Name, field.ErrorList{field.Invalid(field.NewPath("currentPassword"), "", "is not the current password")})
	}
	return nil
}

// invalidPassword is the 422 of a password change. It names the kind
// without its group, as the endpoint always has.
func invalidPassword(name string, errs field.ErrorList) error {
	return apierrors.NewInvalid(schema.GroupKind{Kind: "User"}, name, errs)
}
