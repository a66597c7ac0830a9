// Package authn authenticates the callers of ke-apiserver: bearer tokens
// issued by ke-apiserver (checked against the token store, so that revoked
// tokens fail) and, when enabled, HTTP basic credentials.
package authn

import (
	"context"
	"errors"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apiserver/pkg/authentication/user"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	"github.com/superkube/super-kubenetes/internal/authn/tokenstore"
	"github.com/superkube/super-kubenetes/internal/oauth/token"
)

// Anonymous is the identity of callers without credentials.
var Anonymous = &user.DefaultInfo{Name: user.Anonymous, Groups: []string{user.AllUnauthenticated}}

// Result is an authenticated caller.
type Result struct {
	User user.Info
	// Claims of the token the caller presented.
	Claims *token.Claims
	// PasswordChangeRequired users may only change their password.
	PasswordChangeRequired bool
}

// ErrUnauthenticated is returned for credentials that do not authenticate;
// the wrapped reason is for logs only.
var ErrUnauthenticated = errors.New("unauthenticated")

// KubernetesAudience is the audience of the tokens ke-apiserver issues for
// kube-apiserver (in downloaded kubeconfigs). ke-apiserver itself refuses them.
const KubernetesAudience = token.KubernetesAudience

// TokenAuthenticator authenticates access tokens.
type TokenAuthenticator struct {
	Verifier *token.Verifier
	Store    tokenstore.Store
	// Users reads User objects (from a cache).
	Users client.Reader
	// Audiences are the audiences of the tokens ke-apiserver accepts: the
	// IDs of its OAuth clients. A token must name one of them (any, when
	// empty), and never KubernetesAudience.
	Audiences []string
}

// AuthenticateToken checks an access token and the user it names.
func (a *TokenAuthenticator) AuthenticateToken(ctx context.Context, raw string) (*Result, error) {
	claims, err := a.Verifier.Verify(raw, token.TypeAccess)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnauthenticated, err)
	}
	if err := a.checkAudience(claims); err != nil {
		return nil, err
	}
	if err := a.checkStored(ctx, claims); err != nil {
		return nil, err
	}
	return a.resolve(ctx, claims.Subject, claims)
}

// checkAudience refuses tokens meant for another server, such as a
// kubeconfig's token, which is for kube-apiserver only.
func (a *TokenAuthenticator) checkAudience(claims *token.Claims) error {
	if claims.Audience.Contains(KubernetesAudience) {
		return fmt.Errorf("%w: the token is for kube-apiserver (audience %q)", ErrUnauthenticated, KubernetesAudience)
	}
	if len(a.Audiences) == 0 {
		return nil
	}
	for _, aud := range a.Audiences {
		if claims.Audience.Contains(aud) {
			return nil
		}
	}
	return fmt.Errorf("%w: the token's audience is not an OAuth client of ke-apiserver", ErrUnauthenticated)
}

// checkStored refuses a token that is no longer in the store.
func (a *TokenAuthenticator) checkStored(ctx context.Context, claims *token.Claims) error {
	rec, ok, err := a.Store.Get(ctx, claims.ID)
	if err != nil {
		return fmt.Errorf("reading the token store: %w", err)
	}
	if !ok || rec.User != claims.Subject {
		return fmt.Errorf("%w: the token was revoked", ErrUnauthenticated)
	}
	return nil
}

// Recheck checks again, during a long-lived request, that what
// authenticated it still does: the token is still in the store (not
// revoked, not expired) and its user may still act (exists, is not
// disabled, has not changed the password since). Errors that wrap
// ErrUnauthenticated mean that it does not.
func (a *TokenAuthenticator) Recheck(ctx context.Context, res *Result) error {
	if res.Claims != nil {
		if err := a.checkStored(ctx, res.Claims); err != nil {
			return err
		}
	}
	_, err := a.resolve(ctx, res.User.GetName(), res.Claims)
	return err
}

// resolve checks that the user may act and returns its identity.
func (a *TokenAuthenticator) resolve(ctx context.Context, name string, claims *token.Claims) (*Result, error) {
	u := &iamv1beta1.User{}
	if err := a.Users.Get(ctx, client.ObjectKey{Name: name}, u); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, fmt.Errorf("%w: the user no longer exists", ErrUnauthenticated)
		}
		return nil, err
	}
	if u.Spec.Disabled || !u.DeletionTimestamp.IsZero() {
		return nil, fmt.Errorf("%w: the user is disabled", ErrUnauthenticated)
	}
	if claims != nil && u.Status.PasswordChangedAt != nil && claims.IssuedAt != nil &&
		claims.IssuedAt.Time().Before(u.Status.PasswordChangedAt.Truncate(1e9)) {
		return nil, fmt.Errorf("%w: the password changed after the token was issued", ErrUnauthenticated)
	}
	return &Result{User: Identity(u), Claims: claims, PasswordChangeRequired: u.Spec.PasswordChangeRequired}, nil
}

// Identity is the user.Info of a platform user: its name, uid and groups
// (as the group controller keeps them), and system:authenticated.
func Identity(u *iamv1beta1.User) user.Info {
	groups := make([]string, 0, len(u.Status.Groups)+1)
	groups = append(groups, u.Status.Groups...)
	groups = append(groups, user.AllAuthenticated)
	return &user.DefaultInfo{Name: u.Name, UID: string(u.UID), Groups: groups}
}

type resultKey struct{}

// WithResult returns a context carrying the authentication result.
func WithResult(ctx context.Context, r *Result) context.Context {
	return context.WithValue(ctx, resultKey{}, r)
}

// ResultFrom returns the authentication result of the request, if a token
// or credentials authenticated it.
func ResultFrom(ctx context.Context) (*Result, bool) {
	r, ok := ctx.Value(resultKey{}).(*Result)
	return r, ok && r != nil && r.User.GetName() != Anonymous.Name
}
