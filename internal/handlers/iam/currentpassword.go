package iam

import (
	"context"
	"errors"
	"net/http"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	"github.com/superkube/super-kubenetes/internal/apiserver/apistatus"
	"github.com/superkube/super-kubenetes/internal/oauth"
	iamsvc "github.com/superkube/super-kubenetes/internal/services/iam"
)

// PasswordChecker checks the current password a user gives to change it,
// as a login would: rate-limited per source, counted by the lockout, and
// recorded. It returns oauth.ErrTooManyAttempts when the source or the user
// tried too often.
type PasswordChecker interface {
	CheckCurrentPassword(ctx context.Context, r *http.Request, u *iamv1beta1.User, plain string) (bool, error)
}

// currentPassword checks, for the service, the current password given in
// the request as a login from the request's source would be checked; too
// many attempts are a 429 (the lockout of logins then applies). Without a
// checker the service refuses every change of one's own password.
func (h *Handlers) currentPassword(r *http.Request) iamsvc.CurrentPasswordCheck {
	if h.CurrentPasswords == nil {
		return nil
	}
	return func(ctx context.Context, u *iamv1beta1.User, plain string) (bool, error) {
		ok, err := h.CurrentPasswords.CheckCurrentPassword(ctx, r, u, plain)
		if errors.Is(err, oauth.ErrTooManyAttempts) {
			return false, apistatus.New(http.StatusTooManyRequests, metav1.StatusReasonTooManyRequests, err.Error())
		}
		return ok, err
	}
}
