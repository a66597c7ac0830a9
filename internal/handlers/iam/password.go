// Package iam holds ke-apiserver's IAM endpoints (/kapis/iam.superkube.io):
// users and their passwords, login records and kubeconfigs, members and
// roles at the four levels, groups, role templates a user holds, and
// subject access reviews. Handlers decode, call the IAM service
// (internal/services/iam) and encode; authorization by URL happens before
// them, and the service checks what the URL cannot.
package iam

import (
	"net/http"
	"strings"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	"github.com/superkube/super-kubenetes/internal/apiserver/apistatus"
	"github.com/superkube/super-kubenetes/internal/apiserver/filters"
	"github.com/superkube/super-kubenetes/internal/apiserver/requestbody"
	"github.com/superkube/super-kubenetes/internal/apiserver/responsewriters"
	"github.com/superkube/super-kubenetes/internal/apiserver/routes"
	"github.com/superkube/super-kubenetes/internal/authn/tokenstore"
	"github.com/superkube/super-kubenetes/internal/iam/passwordsecret"
	iamsvc "github.com/superkube/super-kubenetes/internal/services/iam"
)

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

// changePassword serves PUT users/{user}/password (iamsvc.PasswordChange):
// users changing their own password give the current one, checked as a
// login from this request would be; others need the right to update
// users/password and to act on the user. Every token of the user is revoked.
func (h *Handlers) changePassword(w http.ResponseWriter, r *http.Request) {
	var body iamsvc.PasswordChange
	if !decode(w, r, &body, requestbody.Options{Kind: "password change", Secret: true}) {
		return
	}
	err := h.service().ChangePassword(r.Context(), caller(r), r.PathValue("user"), body, h.currentPassword(r))
	if err != nil {
		if apierrors.IsTooManyRequests(err) {
			w.Header().Set("Retry-After", "60")
		}
		responsewriters.WriteStatus(w, err)
		return
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

func notFoundUser(err error, name string) error {
	if apierrors.IsNotFound(err) {
		return apierrors.NewNotFound(iamv1beta1.GroupVersion.WithResource("users").GroupResource(), name)
	}
	return err
}
