package oauth

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	"github.com/superkube/super-kubenetes/internal/apiserver/apistatus"
	"github.com/superkube/super-kubenetes/internal/apiserver/request"
	"github.com/superkube/super-kubenetes/internal/apiserver/responsewriters"
	"github.com/superkube/super-kubenetes/internal/apiserver/routes"
	"github.com/superkube/super-kubenetes/internal/authn"
	"github.com/superkube/super-kubenetes/internal/oauth/token"
)

// Install adds the OAuth2/OIDC endpoints to mux.
func (s *Server) Install(mux routes.Mux) {
	mux.Handle("/.well-known/openid-configuration", routes.Methods{http.MethodGet: s.discovery})
	mux.Handle("/oauth/keys", routes.Methods{http.MethodGet: s.keys})
	mux.Handle("/oauth/token", routes.Methods{http.MethodPost: s.tokenEndpoint})
	mux.Handle("/oauth/authorize", routes.Methods{http.MethodGet: s.authorize, http.MethodPost: s.authorizeLogin})
	mux.Handle("/oauth/callback/{provider}", routes.Methods{http.MethodGet: s.callback})
	mux.Handle("/oauth/logout", routes.Methods{http.MethodGet: s.logout, http.MethodPost: s.logout})
	mux.Handle("/oauth/userinfo", routes.Methods{http.MethodGet: s.userinfo, http.MethodPost: s.userinfo})
}

// PublicPaths are the paths that need no authorization.
var PublicPaths = []string{"/.well-known/openid-configuration", "/oauth/"}

func (s *Server) discovery(w http.ResponseWriter, _ *http.Request) {
	iss := s.issuer.URL()
	w.Header().Set("Cache-Control", "public, max-age=300")
	responsewriters.WriteJSON(w, http.StatusOK, map[string]any{
		"issuer":                                iss,
		"authorization_endpoint":                iss + "/oauth/authorize",
		"token_endpoint":                        iss + "/oauth/token",
		"userinfo_endpoint":                     iss + "/oauth/userinfo",
		"end_session_endpoint":                  iss + "/oauth/logout",
		"jwks_uri":                              iss + "/oauth/keys",
		"response_types_supported":              []string{"code"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"grant_types_supported":                 []string{GrantAuthorizationCode, GrantRefreshToken, GrantPassword},
		"code_challenge_methods_supported":      []string{"S256"},
		"scopes_supported":                      []string{"openid", "profile", "email", "groups", "offline_access"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post", "none"},
		"claims_supported":                      []string{"sub", "iss", "aud", "exp", "iat", "name", "email", "groups", "nonce"},
	})
}

func (s *Server) keys(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Cache-Control", "public, max-age=300")
	responsewriters.WriteJSON(w, http.StatusOK, s.issuer.JWKS())
}

// oauthError is a Kubernetes Status that also carries RFC 6749's error and
// error_description, so that both Kubernetes and OAuth clients read it.
type oauthError struct {
	metav1.Status
	Error       string `json:"error"`
	Description string `json:"error_description,omitempty"`
}

func writeOAuthError(w http.ResponseWriter, code int, errCode, desc string) {
	reason := metav1.StatusReasonBadRequest
	switch code {
	case http.StatusUnauthorized:
		reason = metav1.StatusReasonUnauthorized
		w.Header().Set("WWW-Authenticate", `Basic realm="superkube"`)
	case http.StatusTooManyRequests:
		reason = metav1.StatusReasonTooManyRequests
		w.Header().Set("Retry-After", "60")
	case http.StatusInternalServerError:
		reason = metav1.StatusReasonInternalError
	}
	w.Header().Set("Cache-Control", "no-store")
	responsewriters.WriteJSON(w, code, oauthError{
		Status: apistatus.New(code, reason, desc).ErrStatus,
		Error:  errCode, Description: desc,
	})
}

// tokenEndpoint serves POST /oauth/token.
func (s *Server) tokenEndpoint(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "the form could not be read")
		return
	}
	id, secret, hasBasic := r.BasicAuth()
	if !hasBasic {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	c, err := s.authenticateClient(id, secret)
	if err != nil {
		writeOAuthError(w, http.StatusUnauthorized, "invalid_client", "client authentication failed")
		return
	}
	grant := r.PostForm.Get("grant_type")
	if !c.Allows(grant) {
		writeOAuthError(w, http.StatusBadRequest, "unauthorized_client", "the client may not use the grant type "+strings.TrimSpace(truncate(grant, 40)))
		return
	}
	ctx := r.Context()
	note := request.AuditNoteFrom(ctx)
	var toks *Tokens
	switch grant {
	case GrantPassword:
		note.Event, note.Subject = "login", truncate(r.PostForm.Get("username"), 63)
		u, err := s.passwordLogin(ctx, loginAttempt{username: r.PostForm.Get("username"), sourceIP: SourceIP(r),
			userAgent: r.UserAgent(), kind: iamv1beta1.LoginPassword}, r.PostForm.Get("password"))
		switch {
		case errors.Is(err, errRateLimited):
			writeOAuthError(w, http.StatusTooManyRequests, "slow_down", err.Error())
			return
		case errors.Is(err, ErrLoginFailed):
			writeOAuthError(w, http.StatusUnauthorized, "invalid_grant", err.Error())
			return
		case err != nil:
			s.log(ctx).Error(err, "Password login")
			writeOAuthError(w, http.StatusInternalServerError, "server_error", "the login could not be completed")
			return
		}
		toks, err = s.issue(ctx, u, c, scopeOr(r.PostForm.Get("scope")), "", "")
		if err != nil {
			s.serverError(w, r, err)
			return
		}
	case GrantRefreshToken:
		toks = s.refresh(w, r, c)
		if toks == nil {
			return
		}
	case GrantAuthorizationCode:
		toks = s.exchangeCode(w, r, c)
		if toks == nil {
			return
		}
	default:
		writeOAuthError(w, http.StatusBadRequest, "unsupported_grant_type", "the grant type is not supported")
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	responsewriters.WriteJSON(w, http.StatusOK, toks)
}

func scopeOr(s string) string {
	if strings.TrimSpace(s) == "" {
		return "openid profile email"
	}
	return s
}

func (s *Server) serverError(w http.ResponseWriter, r *http.Request, err error) {
	s.log(r.Context()).Error(err, "OAuth request failed")
	writeOAuthError(w, http.StatusInternalServerError, "server_error", "an internal error occurred; it has been logged")
}

// refresh rotates a refresh token: the old one is revoked and a new pair
// of the same session issued.
func (s *Server) refresh(w http.ResponseWriter, r *http.Request, c *Client) *Tokens {
	ctx := r.Context()
	claims, err := s.verifier.Verify(r.PostForm.Get("refresh_token"), token.TypeRefresh)
	if err != nil || claims.ClientID != c.ID {
		writeOAuthError(w, http.StatusBadRequest, "invalid_grant", "the refresh token is invalid or expired")
		return nil
	}
	// Taking the token from the store redeems it once, whatever the
	// concurrency: only one caller gets the record.
	rec, ok, err := s.store.Take(ctx, claims.ID)
	if err != nil {
		s.serverError(w, r, err)
		return nil
	}
	if !ok || rec.User != claims.Subject || rec.Type != token.TypeRefresh {
		s.refuseUnredeemable(w, r, claims.ID, "the refresh token was revoked or has already been used",
			"the refresh token is not known to this server (it may have restarted without a persistent token store); log in again")
		return nil
	}
	u, err := s.activeUser(ctx, claims.Subject)
	if err != nil {
		writeOAuthError(w, http.StatusBadRequest, "invalid_grant", "the user may not log in")
		return nil
	}
	toks, err := s.issue(ctx, u, c, claims.Scope, "", claims.SessionID)
	if err != nil {
		s.serverError(w, r, err)
		return nil
	}
	return toks
}

// refuseUnredeemable answers a single-use token (a refresh token, an
// authorization code) that verified but is not in the store: revoked says
// so when the store remembers revoking it, unknown otherwise, so that a
// client is told the truth when the server lost its records.
func (s *Server) refuseUnredeemable(w http.ResponseWriter, r *http.Request, id, revoked, unknown string) {
	was, err := s.store.Revoked(r.Context(), id)
	switch {
	case err != nil:
		s.serverError(w, r, err)
	case was:
		writeOAuthError(w, http.StatusBadRequest, "invalid_grant", revoked)
	default:
		writeOAuthError(w, http.StatusBadRequest, "invalid_grant", unknown)
	}
}

// activeUser returns a user that may hold tokens.
func (s *Server) activeUser(ctx context.Context, name string) (*iamv1beta1.User, error) {
	u := &iamv1beta1.User{}
	if err := s.users.Get(ctx, client.ObjectKey{Name: name}, u); err != nil {
		return nil, err
	}
	if u.Spec.Disabled || !u.DeletionTimestamp.IsZero() {
		return nil, errors.New("the user is disabled")
	}
	return u, nil
}

// logout revokes the session of the presented token.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	request.AuditNoteFrom(ctx).Event = "logout"
	var claims *token.Claims
	if res, ok := authn.ResultFrom(ctx); ok && res.Claims != nil {
		claims = res.Claims
	} else if hint := r.URL.Query().Get("id_token_hint"); hint != "" {
		for _, typ := range []string{token.TypeID, token.TypeAccess} {
			if c, err := s.verifier.Verify(hint, typ); err == nil {
				claims = c
				break
			}
		}
	}
	if claims == nil {
		responsewriters.WriteStatus(w, apierrors.NewUnauthorized("a valid token is needed to log out"))
		return
	}
	request.AuditNoteFrom(ctx).Subject = claims.Subject
	if err := s.store.RevokeSession(ctx, claims.Subject, claims.SessionID); err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	if target := r.URL.Query().Get("post_logout_redirect_uri"); target != "" {
		if c, err := s.client(claims.ClientID); err == nil && contains(c.PostLogoutRedirectURIs, target) {
			http.Redirect(w, r, target, http.StatusFound) //nolint:gosec // a registered post-logout URI
			return
		}
		writeErrorPage(w, http.StatusBadRequest, "The address to return to after logging out is not registered for this client.")
		return
	}
	responsewriters.WriteJSON(w, http.StatusOK, apistatus.Success("logged out"))
}

// userinfo returns the claims of the caller's access token.
func (s *Server) userinfo(w http.ResponseWriter, r *http.Request) {
	res, ok := authn.ResultFrom(r.Context())
	if !ok {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		responsewriters.WriteStatus(w, apierrors.NewUnauthorized("a valid access token is needed"))
		return
	}
	u := &iamv1beta1.User{}
	if err := s.users.Get(r.Context(), client.ObjectKey{Name: res.User.GetName()}, u); err != nil {
		responsewriters.WriteStatus(w, apierrors.NewUnauthorized("the user no longer exists"))
		return
	}
	responsewriters.WriteJSON(w, http.StatusOK, map[string]any{
		"sub": u.Name, "preferred_username": u.Name, "name": u.Spec.DisplayName, "email": u.Spec.Email,
		"groups": withoutSystem(res.User.GetGroups()), "password_change_required": u.Spec.PasswordChangeRequired,
	})
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// redirectWith appends parameters to a registered redirect URI.
func redirectWith(base string, params url.Values) string {
	u, err := url.Parse(base)
	if err != nil {
		return base
	}
	q := u.Query()
	for k, vs := range params {
		for _, v := range vs {
			q.Add(k, v)
		}
	}
	u.RawQuery = q.Encode()
	return u.String()
}
