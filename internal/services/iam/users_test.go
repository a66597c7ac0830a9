package iam_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/authentication/user"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	"github.com/superkube/super-kubenetes/internal/authn/tokenstore"
	"github.com/superkube/super-kubenetes/internal/iam/password"
	iamsvc "github.com/superkube/super-kubenetes/internal/services/iam"
	"github.com/superkube/super-kubenetes/internal/testutil/servicetest"
)

const goodPassword = "Widget-Passw0rd"

func newUser(name, pass string) *iamv1beta1.User {
	u := servicetest.User(name)
	u.Spec.Password = pass
	return u
}

// userManager may manage users and groups on the platform, and nothing else.
func userManager(t *testing.T, name string) user.Info {
	t.Helper()
	env.Create(t, servicetest.GlobalRole(name+"-role", servicetest.Rule(iamv1beta1.GroupName, []string{"users", "users/password", "groups", "groupbindings"},
		"get", "list", "create", "update", "patch", "delete")), servicetest.GlobalMember(name, name+"-role"))
	return servicetest.Caller(name)
}

func TestUsersAreCreatedWithTheirPasswordHashedApart(t *testing.T) {
	s, _ := newService()
	if _, err := s.CreateUser(ctx, newUser("created-taken", "")); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name  string
		in    *iamv1beta1.User
		code  int32
		field string
	}{
		{"a user with a password that keeps the rules is created", newUser("created", goodPassword), 0, ""},
		{"a password that is too weak is refused", newUser("created-weak", "password"), http.StatusUnprocessableEntity, "spec.password"},
		{"a password with the user name in it is refused", newUser("created-named", "Created-Named-1"), http.StatusUnprocessableEntity, "spec.password"},
		{"a name that is no DNS label is refused", newUser("Created_Bad", ""), http.StatusUnprocessableEntity, "metadata.name"},
		{"a name that is taken is a duplicate", newUser("created-taken", ""), http.StatusConflict, "metadata.name"},
		{"another user's e-mail address is a duplicate", &iamv1beta1.User{ObjectMeta: metav1.ObjectMeta{Name: "created-copy"},
			Spec: iamv1beta1.UserSpec{Email: "Created-Taken@example.com"}}, http.StatusConflict, "spec.email"},
		{"a user needs an e-mail address", &iamv1beta1.User{ObjectMeta: metav1.ObjectMeta{Name: "created-mute"}}, http.StatusUnprocessableEntity, "spec.email"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			u, err := s.CreateUser(ctx, tt.in)
			if !servicetest.Expect(t, err, tt.code, tt.field) {
				return
			}
			stored := &iamv1beta1.User{}
			if err := env.Client.Get(ctx, client.ObjectKeyFromObject(u), stored); err != nil {
				t.Fatal(err)
			}
			hash, err := s.Passwords.Hash(ctx, stored)
			if u.Spec.Password != "" || stored.Spec.Password != "" || err != nil || !password.Matches(hash, tt.in.Spec.Password) {
				t.Fatalf("answered password %q, stored %q, kept hash %q (%v)", u.Spec.Password, stored.Spec.Password, hash, err)
			}
		})
	}
}

func TestAProfileChangesButNotTheAccountState(t *testing.T) {
	s, _ := newService()
	if _, err := s.CreateUser(ctx, newUser("profile", "")); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name   string
		change func(*iamv1beta1.User)
		code   int32
		field  string
	}{
		{"the display name and e-mail address change", func(u *iamv1beta1.User) {
			u.Spec.DisplayName, u.Spec.Email = "Pro File", "pro@example.com"
		}, 0, ""},
		{"the password does not change here", func(u *iamv1beta1.User) { u.Spec.Password = goodPassword }, http.StatusUnprocessableEntity, "spec.password"},
		{"nor does the disabled flag", func(u *iamv1beta1.User) { u.Spec.Disabled = true }, http.StatusUnprocessableEntity, "spec.disabled"},
		{"a rename is refused", func(u *iamv1beta1.User) { u.Name = "renamed" }, http.StatusUnprocessableEntity, "metadata.name"},
		{"a stale resource version is a conflict", func(u *iamv1beta1.User) { u.ResourceVersion = "1" }, http.StatusConflict, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cur, err := s.GetUser(ctx, "profile")
			if err != nil {
				t.Fatal(err)
			}
			desired := cur.DeepCopy()
			desired.ResourceVersion = ""
			tt.change(desired)
			u, err := s.UpdateUser(ctx, "profile", desired)
			if tt.code != 0 {
				servicetest.ExpectStatus(t, err, tt.code, tt.field)
				return
			}
			if err != nil || u.Spec.Email != "pro@example.com" || u.Annotations[tenantv1beta1.DisplayNameAnnotation] != "Pro File" {
				t.Fatalf("got %+v, %v", u, err)
			}
		})
	}
}

func TestDisablingAUserRevokesItsTokens(t *testing.T) {
	s, tokens := newService()
	env.Create(t, servicetest.User("disabled"))
	if err := tokens.Add(ctx, tokenstore.Record{ID: "disabled-token", User: "disabled", Type: "access", ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name     string
		caller   user.Info
		disabled bool
		code     int32
	}{
		{"users do not disable themselves", servicetest.Caller("disabled"), true, http.StatusConflict},
		{"an administrator disables a user", root, true, 0},
		{"and enables it again", root, false, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			u, err := s.SetDisabled(ctx, tt.caller, "disabled", tt.disabled)
			if tt.code != 0 {
				servicetest.ExpectStatus(t, err, tt.code, "")
				return
			}
			if err != nil || u.Spec.Disabled != tt.disabled {
				t.Fatalf("got %+v, %v", u, err)
			}
			if _, ok, _ := tokens.Get(ctx, "disabled-token"); ok {
				t.Fatal("the user's token is still valid")
			}
		})
	}
}

func TestActingOnAUserNeedsWhatTheUserHolds(t *testing.T) {
	s, _ := newService()
	manager := userManager(t, "acting-manager")
	env.Create(t, servicetest.User("acting-plain"), servicetest.User("acting-gone"))
	for _, tt := range []struct {
		name string
		call func() error
		code int32
	}{
		{"a user manager acts on a user who holds less", func() error { return s.CheckActOnUser(ctx, manager, "acting-plain") }, 0},
		{"but not on a platform administrator", func() error { return s.CheckActOnUser(ctx, manager, servicetest.Root) }, http.StatusForbidden},
		{"nobody deletes their own account", func() error { return s.DeleteUser(ctx, root, servicetest.Root) }, http.StatusConflict},
		{"a user is deleted", func() error { return s.DeleteUser(ctx, root, "acting-gone") }, 0},
		{"a user who does not exist is not found", func() error { return s.DeleteUser(ctx, root, "acting-nobody") }, http.StatusNotFound},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			servicetest.Expect(t, err, tt.code, "")
		})
	}
}

func TestAPasswordIsChangedByItsUserOrReset(t *testing.T) {
	s, tokens := newService()
	manager := userManager(t, "changing-manager")
	if _, err := s.CreateUser(ctx, newUser("changing", goodPassword)); err != nil {
		t.Fatal(err)
	}
	self := servicetest.Caller("changing")
	// current checks as the OAuth server does, without its limits.
	current := func(ctx context.Context, u *iamv1beta1.User, plain string) (bool, error) {
		hash, err := s.Passwords.Hash(ctx, u)
		return password.Matches(hash, plain), err
	}
	tooMany := func(context.Context, *iamv1beta1.User, string) (bool, error) {
		return false, apierrors.NewTooManyRequests("too many failed password attempts; try again later", 60)
	}
	for _, tt := range []struct {
		name           string
		caller         user.Info
		user           string
		in             iamsvc.PasswordChange
		check          iamsvc.CurrentPasswordCheck
		code           int32
		field          string
		mustChangeNext bool
	}{
		{name: "a wrong current password is refused", caller: self, user: "changing", in: iamsvc.PasswordChange{CurrentPassword: "Wrong-Passw0rd", Password: "Next-Passw0rd"},
			check: current, code: http.StatusUnprocessableEntity, field: "currentPassword"},
		{name: "too many attempts are refused as the check says", caller: self, user: "changing", in: iamsvc.PasswordChange{CurrentPassword: goodPassword, Password: "Next-Passw0rd"},
			check: tooMany, code: http.StatusTooManyRequests},
		{name: "without a check users cannot change their own", caller: self, user: "changing", in: iamsvc.PasswordChange{CurrentPassword: goodPassword, Password: "Next-Passw0rd"},
			code: http.StatusInternalServerError},
		{name: "a weak password is refused", caller: self, user: "changing", in: iamsvc.PasswordChange{CurrentPassword: goodPassword, Password: "weak"},
			check: current, code: http.StatusUnprocessableEntity, field: "password"},
		{name: "the same password is refused", caller: self, user: "changing", in: iamsvc.PasswordChange{CurrentPassword: goodPassword, Password: goodPassword},
			check: current, code: http.StatusUnprocessableEntity, field: "password"},
		{name: "users change their own with the current one", caller: self, user: "changing", in: iamsvc.PasswordChange{CurrentPassword: goodPassword, Password: "Next-Passw0rd"},
			check: current},
		{name: "an administrator resets it, and the user must change it at the next login", caller: root, user: "changing",
			in: iamsvc.PasswordChange{Password: "Reset-Passw0rd"}, mustChangeNext: true},
		{name: "a user manager may not reset a platform administrator's", caller: manager, user: servicetest.Root,
			in: iamsvc.PasswordChange{Password: "Taken-0ver-Passw0rd"}, code: http.StatusForbidden},
		{name: "a user who does not exist is not found", caller: root, user: "changing-nobody", in: iamsvc.PasswordChange{Password: "Next-Passw0rd"},
			code: http.StatusNotFound},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if err := tokens.Add(ctx, tokenstore.Record{ID: "changing-token", User: "changing", Type: "access", ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
				t.Fatal(err)
			}
			err := s.ChangePassword(ctx, tt.caller, tt.user, tt.in, tt.check)
			if tt.code == http.StatusInternalServerError {
				var st apierrors.APIStatus
				if err == nil || errors.As(err, &st) {
					t.Fatalf("got %v, want a server fault", err)
				}
				return
			}
			if !servicetest.Expect(t, err, tt.code, tt.field) {
				return
			}
			u := &iamv1beta1.User{}
			if err := env.Client.Get(ctx, client.ObjectKey{Name: "changing"}, u); err != nil {
				t.Fatal(err)
			}
			hash, err := s.Passwords.Hash(ctx, u)
			if err != nil || !password.Matches(hash, tt.in.Password) || u.Spec.PasswordChangeRequired != tt.mustChangeNext || u.Status.PasswordChangedAt == nil {
				t.Fatalf("the password does not match (%v), or passwordChangeRequired=%v, or no passwordChangedAt", err, u.Spec.PasswordChangeRequired)
			}
			if _, ok, _ := tokens.Get(ctx, "changing-token"); ok {
				t.Fatal("the user's token is still valid")
			}
		})
	}
}
