package iam

import (
	"context"
	"errors"
	"net/http"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	"github.com/superkube/super-kubenetes/internal/apiserver/apistatus"
	"github.com/superkube/super-kubenetes/internal/apiserver/responsewriters"
	"github.com/superkube/super-kubenetes/internal/oauth"
)

// PasswordChecker checks the current password a user gives to change it,
// as a login would: rate-limited per source, counted by the lockout, and
// recorded. It returns oauth.ErrTooManyAttempts when the source or the user
// tried too often.
type PasswordChecker interface {
	CheckCurrentPassword(ctx context.Context, r *http.Request, u *iamv1beta1.User, plain string) (bool, error)
}

// currentPasswordMatches checks the current password of a user changing
// their own, and answers when it does not match: 422 naming the field for a
// wrong password, 429 when the source or the user tried too often (the
// lockout of logins then applies), so that the endpoint is no faster
// password oracle than the login.
func (h *Handlers) currentPasswordMatches(w http.ResponseWriter, r *http.Request, u *iamv1beta1.User, plain string) bool {
	if h.CurrentPasswords == nil {
		responsewriters.WriteStatus(w, errors.New("no password checker is configured"))
		return false
	}
	ok, err := h.CurrentPasswords.CheckCurrentPassword(r.Context(), r, u, plain)
	switch {
	case errors.Is(err, oauth.ErrTooManyAttempts):
		w.Header().Set("Retry-After", "60")
		responsewriters.WriteStatus(w, apistatus.New(http.StatusTooManyRequests, metav1.StatusReasonTooManyRequests, err.Error()))
		return false
	case err != nil:
		responsewriters.WriteStatus(w, err)
		return false
	case !ok:
		responsewriters.WriteStatus(w, apistatus.Invalid("User", u.Name, field.ErrorList{
			field.Invalid(field.NewPath("currentPassword"), "", "is not the current password")}))
		return false
	}
	return true
}
