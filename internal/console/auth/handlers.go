package auth

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/go-logr/logr"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/superkube/super-kubenetes/internal/apiserver/apistatus"
	"github.com/superkube/super-kubenetes/internal/apiserver/requestbody"
	"github.com/superkube/super-kubenetes/internal/apiserver/responsewriters"
	"github.com/superkube/super-kubenetes/internal/apiserver/routes"
	"github.com/superkube/super-kubenetes/internal/console/session"
)

// Info describes the logged-in user to the SPA; it holds no token.
type Info struct {
	Username               string   `json:"username"`
	DisplayName            string   `json:"displayName"`
	Email                  string   `json:"email"`
	Groups                 []string `json:"groups"`
	PasswordChangeRequired bool     `json:"passwordChangeRequired"`
	// ExpiresAt is when the session ends if it is not used meanwhile.
	ExpiresAt time.Time `json:"expiresAt"`
}

// LoginRequest is the body of POST auth/login.
type LoginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// PasswordRequest is the body of POST auth/password.
type PasswordRequest struct {
	CurrentPassword string `json:"currentPassword"`
	Password        string `json:"password"`
}

// Handler returns the auth endpoints, at their full paths below the base
// path. It expects WithSession (and the CSRF filter) in front of it.
func (m *Manager) Handler() http.Handler {
	mux := http.NewServeMux()
	b := m.base
	mux.Handle(b+"auth/login", routes.Methods{http.MethodPost: m.login})
	mux.Handle(b+"auth/session", routes.Methods{http.MethodGet: m.sessionInfo})
	mux.Handle(b+"auth/logout", routes.Methods{http.MethodPost: m.logout})
	mux.Handle(b+"auth/password", routes.Methods{http.MethodPost: m.changePassword})
	mux.Handle(b+"auth/idp/{name}", routes.Methods{http.MethodGet: m.startProviderLogin})
	mux.Handle(b+"oauth/callback", routes.Methods{http.MethodGet: m.callback})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		responsewriters.WriteStatus(w, apistatus.New(http.StatusNotFound, metav1.StatusReasonNotFound, "the console has no endpoint at "+r.URL.Path))
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Answers about a session are for this browser only.
		w.Header().Set("Cache-Control", "no-store")
		mux.ServeHTTP(w, r)
	})
}

func (m *Manager) login(w http.ResponseWriter, r *http.Request) {
	var body LoginRequest
	if err := decode(r, &body); err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	switch {
	case strings.TrimSpace(body.Username) == "":
		responsewriters.WriteStatus(w, apistatus.BadRequest("username", "is required"))
		return
	case body.Password == "":
		responsewriters.WriteStatus(w, apistatus.BadRequest("password", "is required"))
		return
	}
	ctx := r.Context()
	toks, err := m.api.PasswordGrant(ctx, body.Username, body.Password)
	if err != nil {
		responsewriters.WriteStatus(w, m.loginError(ctx, w, err))
		return
	}
	// A login replaces the browser's previous session.
	if old := session.FromContext(ctx); old != nil {
		m.revoke(ctx, old)
		_ = m.store.Delete(ctx, session.Key(old.ID))
	}
	info, err := m.startSession(ctx, w, toks)
	if err != nil {
		responsewriters.WriteStatus(w, m.apiError(ctx, err))
		return
	}
	logr.FromContextOrDiscard(ctx).V(1).Info("Logged in", "user", info.Username)
	responsewriters.WriteJSON(w, http.StatusOK, info)
}

// startSession creates a session with the tokens and sets its cookies.
func (m *Manager) startSession(ctx context.Context, w http.ResponseWriter, toks *Tokens) (*Info, error) {
	s := session.New(m.clock.Now())
	m.setTokens(s, toks)
	u, err := m.api.UserInfo(ctx, s.AccessToken)
	if err != nil {
		return nil, err
	}
	s.Username = u.Username
	if err := m.save(ctx, s); err != nil {
		return nil, err
	}
	m.cookies.SetSession(w, s.ID, s.RefreshExpiry, m.clock.Now())
	m.cookies.SetCSRF(w, s.CSRF)
	return m.info(s, u), nil
}

func (m *Manager) info(s *session.Session, u *UserInfo) *Info {
	groups := u.Groups
	if groups == nil {
		groups = []string{}
	}
	return &Info{Username: u.Username, DisplayName: u.Name, Email: u.Email, Groups: groups,
		PasswordChangeRequired: u.PasswordChangeRequired, ExpiresAt: m.ExpiresAt(s)}
}

// loginError maps the token endpoint's refusal of a password login.
func (m *Manager) loginError(ctx context.Context, w http.ResponseWriter, err error) error {
	var ae *Error
	if errors.As(err, &ae) {
		switch {
		case ae.Code == http.StatusUnauthorized && ae.OAuthError == "invalid_grant":
			return apierrors.NewUnauthorized("invalid username or password")
		case ae.Code == http.StatusTooManyRequests:
			if ae.RetryAfter != "" {
				w.Header().Set("Retry-After", ae.RetryAfter)
			}
			return ae.APIStatus()
		}
	}
	return m.apiError(ctx, err)
}

// apiError maps a failure to talk to ke-apiserver for the browser: its
// Status for what the browser asked wrong, 503 when it is unreachable, and
// 500 (logged) for a misconfigured console.
func (m *Manager) apiError(ctx context.Context, err error) error {
	var ae *Error
	switch {
	case errors.As(err, &ae) && ae.OAuthError == "invalid_client":
		logr.FromContextOrDiscard(ctx).Error(err, "ke-apiserver refused the console's client credentials: check --client-id and --client-secret-file")
		return apierrors.NewInternalError(errors.New("the console cannot log in to ke-apiserver; the operator must check its client configuration"))
	case errors.As(err, &ae) && ae.Code < 500:
		return ae.APIStatus()
	case errors.Is(err, ErrSessionEnded):
		return apierrors.NewUnauthorized("the session has ended; log in again")
	case errors.Is(err, ErrUnavailable), errors.As(err, &ae):
		logr.FromContextOrDiscard(ctx).Error(err, "ke-apiserver did not answer as expected")
		return unavailable()
	case errors.Is(err, context.Canceled):
		return err
	}
	logr.FromContextOrDiscard(ctx).Error(err, "An auth request failed")
	return err
}

func (m *Manager) sessionInfo(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	s := session.FromContext(ctx)
	if s == nil {
		responsewriters.WriteStatus(w, apierrors.NewUnauthorized("not logged in"))
		return
	}
	fresh, err := m.Fresh(ctx, s)
	if err != nil {
		m.failSession(w, r, err)
		return
	}
	m.renewCookie(w, s, fresh)
	s = fresh
	u, err := m.api.UserInfo(ctx, s.AccessToken)
	if err != nil {
		var ae *Error
		if errors.As(err, &ae) && ae.Code == http.StatusUnauthorized {
			err = ErrSessionEnded
		}
		m.failSession(w, r, err)
		return
	}
	responsewriters.WriteJSON(w, http.StatusOK, m.info(s, u))
}

// failSession answers a request whose session could not be used; a session
// that has ended is deleted.
func (m *Manager) failSession(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, ErrSessionEnded) {
		if s := session.FromContext(r.Context()); s != nil {
			m.end(r.Context(), w.Header(), s)
		}
	}
	responsewriters.WriteStatus(w, m.apiError(r.Context(), err))
}

func (m *Manager) logout(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if s := session.FromContext(ctx); s != nil {
		m.revoke(ctx, s)
		m.end(ctx, w.Header(), s)
		logr.FromContextOrDiscard(ctx).V(1).Info("Logged out", "user", s.Username)
	}
	responsewriters.WriteJSON(w, http.StatusOK, apistatus.Success("logged out"))
}

// revoke ends the ke-apiserver session behind s (all its tokens), best
// effort: a token that no longer works has nothing left to revoke.
func (m *Manager) revoke(ctx context.Context, s *session.Session) {
	fresh, err := m.Fresh(ctx, s)
	if err != nil {
		return
	}
	if err := m.api.Logout(ctx, fresh.AccessToken); err != nil {
		var ae *Error
		if !errors.As(err, &ae) || ae.Code != http.StatusUnauthorized {
			logr.FromContextOrDiscard(ctx).Error(err, "Revoking a session at ke-apiserver", "user", s.Username)
		}
	}
}

func (m *Manager) changePassword(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	s := session.FromContext(ctx)
	if s == nil {
		responsewriters.WriteStatus(w, apierrors.NewUnauthorized("not logged in"))
		return
	}
	var body PasswordRequest
	if err := decode(r, &body); err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	s, err := m.Fresh(ctx, s)
	if err != nil {
		m.failSession(w, r, err)
		return
	}
	data, _ := json.Marshal(body) //nolint:gosec // the password change goes to ke-apiserver, which it is for
	if err := m.api.ChangePassword(ctx, s.AccessToken, s.Username, data); err != nil {
		var ae *Error
		if errors.As(err, &ae) && ae.Code == http.StatusUnauthorized {
			err = ErrSessionEnded
		}
		m.failSession(w, r, err)
		return
	}
	// ke-apiserver revoked every token of the user: log in again with the
	// new password, in the same session.
	toks, err := m.api.PasswordGrant(ctx, s.Username, body.Password)
	if err == nil {
		m.setTokens(s, toks)
		err = m.save(ctx, s)
	}
	var u *UserInfo
	if err == nil {
		u, err = m.api.UserInfo(ctx, s.AccessToken)
	}
	if err != nil {
		logr.FromContextOrDiscard(ctx).Error(err, "Logging in again after a password change", "user", s.Username)
		m.end(ctx, w.Header(), s)
		responsewriters.WriteStatus(w, apierrors.NewUnauthorized("the password was changed; log in again with the new password"))
		return
	}
	m.cookies.SetSession(w, s.ID, s.RefreshExpiry, m.clock.Now())
	logr.FromContextOrDiscard(ctx).V(1).Info("Changed the password", "user", s.Username)
	responsewriters.WriteJSON(w, http.StatusOK, m.info(s, u))
}

// decode reads a JSON body of the expected fields (the body limit filter
// bounds it). The bodies hold passwords: errors never quote them.
func decode(r *http.Request, v any) error {
	return requestbody.Decode(r, v, requestbody.Options{Kind: "JSON object of the expected fields", Strict: true, Secret: true})
}
