// Package iam holds ke-apiserver's IAM endpoints of the first part: the
// password change, subject access reviews, a user's role templates and
// kubeconfig. Handlers decode, check, call and encode; decisions come from
// the authorizer.
package iam

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	"github.com/superkube/super-kubenetes/internal/apiserver/apistatus"
	"github.com/superkube/super-kubenetes/internal/apiserver/filters"
	"github.com/superkube/super-kubenetes/internal/apiserver/request"
	"github.com/superkube/super-kubenetes/internal/apiserver/requestbody"
	"github.com/superkube/super-kubenetes/internal/apiserver/responsewriters"
	"github.com/superkube/super-kubenetes/internal/apiserver/routes"
	"github.com/superkube/super-kubenetes/internal/authn/tokenstore"
	"github.com/superkube/super-kubenetes/internal/authz"
	"github.com/superkube/super-kubenetes/internal/controller/bootstrap"
	"github.com/superkube/super-kubenetes/internal/iam/password"
	"github.com/superkube/super-kubenetes/internal/iam/passwordsecret"
	iamsvc "github.com/superkube/super-kubenetes/internal/services/iam"
)

// PasswordChange is the body of PUT users/{user}/password.
type PasswordChange struct {
	// CurrentPassword is required when users change their own password.
	CurrentPassword string `json:"currentPassword,omitempty"`
	Password        string `json:"password"`
}

// Handlers serves the IAM endpoints.
type Handlers struct {
	// Users reads users (cache); Client writes them; Passwords keeps their
	// password hashes, apart from the users.
	Users           client.Reader
	Client          client.Client
	Passwords       *passwordsecret.Store
	Store           tokenstore.Store
	Authorizer      filters.Authorizer
	Clock           clock.PassiveClock
	BcryptCost      int
	SystemNamespace string
	Kubeconfig      KubeconfigIssuer
	// CurrentPasswords checks the current password of users changing their own.
	CurrentPasswords PasswordChecker
	// Kubernetes is what a downloaded kubeconfig points kubectl at.
	Kubernetes KubernetesEndpoint
	// Escalation answers whether a caller holds everything a user or group
	// holds (the authorizer without self-service).
	Escalation iamsvc.Escalation

	svcOnce sync.Once
	svc     *iamsvc.Service
}

const prefix = "/kapis/iam.superkube.io/v1beta1"

// Install adds the endpoints to mux.
func (h *Handlers) Install(mux routes.Mux) {
	mux.Handle(prefix+"/users/{user}/password", routes.Methods{http.MethodPut: h.changePassword})
	mux.Handle(prefix+"/subjectaccessreviews", routes.Methods{http.MethodPost: h.subjectAccessReview})
	mux.Handle(prefix+"/users/{user}/roletemplates", routes.Methods{http.MethodGet: h.roleTemplates})
	mux.Handle(prefix+"/users/{user}/kubeconfig", routes.Methods{http.MethodGet: h.kubeconfig})
	h.installManagement(mux)
}

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

// changePassword serves PUT users/{user}/password. Users changing their own
// password give the current one; others need the right to update
// users/password. Every token of the user is revoked.
func (h *Handlers) changePassword(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	caller, _ := request.UserFrom(ctx)
	name := r.PathValue("user")
	var body PasswordChange
	if !decode(w, r, &body, requestbody.Options{Kind: "password change", Secret: true}) {
		return
	}
	u := &iamv1beta1.User{}
	if err := h.Users.Get(ctx, client.ObjectKey{Name: name}, u); err != nil {
		responsewriters.WriteStatus(w, notFoundUser(err, name))
		return
	}
	current, err := h.Passwords.Hash(ctx, u)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	self := caller.GetName() == name
	if !self {
		if err := h.service().CheckActOnUser(ctx, caller, name); err != nil {
			responsewriters.WriteStatus(w, err)
			return
		}
	}
	if self && !h.currentPasswordMatches(w, r, u, body.CurrentPassword) {
		return
	}
	if errs := ValidatePassword(name, body.Password); len(errs) > 0 {
		responsewriters.WriteStatus(w, apistatus.Invalid("User", name, errs))
		return
	}
	if password.Matches(current, body.Password) {
		responsewriters.WriteStatus(w, apistatus.Invalid("User", name, field.ErrorList{
			field.Invalid(field.NewPath("password"), "", "must differ from the current password")}))
		return
	}
	hash, err := password.Hash(body.Password, h.BcryptCost)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	if err := h.Passwords.Set(ctx, u, hash); err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	before := u.DeepCopy()
	// A User of an older version may still hold its hash: it goes.
	u.Spec.Password = ""
	// Only the user may clear the flag; an administrator's reset keeps it.
	u.Spec.PasswordChangeRequired = !self
	if err := h.Client.Patch(ctx, u, client.MergeFrom(before)); err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	now := metav1.NewTime(h.Clock.Now())
	statusBefore := u.DeepCopy()
	u.Status.PasswordChangedAt = &now
	if err := h.Client.Status().Patch(ctx, u, client.MergeFrom(statusBefore)); err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	if _, err := h.Store.RevokeUser(ctx, name); err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	// Logins read hashes from a cache: answer once it has the new one, so
	// that the old password cannot log in after the caller was told it changed.
	_ = wait.PollUntilContextTimeout(ctx, 20*time.Millisecond, 5*time.Second, true, func(ctx context.Context) (bool, error) {
		cached, err := h.Passwords.Hash(ctx, u)
		return err == nil && cached == hash, nil
	})
	if name == bootstrap.AdminUser {
		// The generated initial password is no longer of use.
		// The password has changed by now: a failure here is logged, not answered.
		s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: h.SystemNamespace, Name: bootstrap.AdminPasswordSecret}}
		if err := h.Client.Delete(ctx, s); client.IgnoreNotFound(err) != nil {
			logr.FromContextOrDiscard(ctx).Error(err, "Deleting the initial administrator password Secret")
		}
	}
	responsewriters.WriteJSON(w, http.StatusOK, apistatus.Success("the password was changed; log in again"))
}

// MayOnlyChangePassword lists what a user flagged to change the initial
// password may still do: change it, read their own user, and log out.
func MayOnlyChangePassword(r *http.Request, u interface{ GetName() string }) bool {
	self := prefix + "/users/" + u.GetName()
	switch {
	case r.Method == http.MethodPut && r.URL.Path == self+"/password":
		return true
	case r.Method == http.MethodGet && r.URL.Path == self:
		return true
	case strings.HasPrefix(r.URL.Path, "/oauth/"):
		return true
	}
	return false
}

// SelfService lets every authenticated user act on their own account:
// read it, edit its profile (the update endpoint takes profile fields only),
// change its password, get its kubeconfig, role templates and login
// records, and ask what they may do. Disabling, enabling or unlocking
// oneself is not among them. Everything else goes to the next authorizer,
// which also decides actions on user and group subresources that role
// templates do not name by what they amount to (see subresourceAction).
type SelfService struct{ Next filters.Authorizer }

// Authorize implements filters.Authorizer.
func (s SelfService) Authorize(a *authz.Attributes) authz.Decision {
	if a.ResourceRequest && a.APIGroup == iamv1beta1.GroupName && !strings.HasPrefix(a.User, "system:") {
		switch {
		case a.Resource == "users" && a.Name == a.User && a.Subresource == "" && (a.Verb == "get" || a.Verb == "update" || a.Verb == "patch"),
			a.Resource == "users" && a.Name == a.User && a.Subresource == "password" && a.Verb == "update",
			a.Resource == "users" && a.Name == a.User && (a.Subresource == "kubeconfig" || a.Subresource == "roletemplates" || a.Subresource == "loginrecords") && a.Verb == "get",
			a.Resource == "subjectaccessreviews" && a.Subresource == "" && a.Verb == "create":
			return authz.Decision{Allowed: true, Reason: "users may act on their own account"}
		}
	}
	d := s.Next.Authorize(a)
	if !d.Allowed {
		if m := subresourceAction(a); m != nil {
			if md := s.Next.Authorize(m); md.Allowed {
				return md
			}
		}
	}
	return d
}

func notFoundUser(err error, name string) error {
	if apierrors.IsNotFound(err) {
		return apierrors.NewNotFound(iamv1beta1.GroupVersion.WithResource("users").GroupResource(), name)
	}
	return err
}
