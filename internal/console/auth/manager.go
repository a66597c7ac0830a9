package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/go-logr/logr"
	"golang.org/x/sync/singleflight"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/clock"

	"github.com/superkube/super-kubenetes/internal/apiserver/apistatus"
	"github.com/superkube/super-kubenetes/internal/apiserver/responsewriters"
	"github.com/superkube/super-kubenetes/internal/console/session"
)

// RefreshBefore is how long before its expiry an access token is refreshed.
const RefreshBefore = 60 * time.Second

// LoginTTL bounds a login through an identity provider.
const LoginTTL = 10 * time.Minute

// touchEvery is how often a replica renews the idle expiry of a session it
// serves.
const touchEvery = time.Minute

// ErrSessionEnded is returned when a session cannot go on: its refresh
// token was refused. The session is deleted by then.
var ErrSessionEnded = errors.New("the session has ended")

// Options configure a Manager.
type Options struct {
	Store     session.Store
	APIServer *APIServer
	// APIServerPublicURL is ke-apiserver's URL as the browser reaches it,
	// for logins through identity providers.
	APIServerPublicURL *url.URL
	// PublicOrigin is the console's origin as the browser sees it
	// (https://host:port); BasePath is the path the console lives under,
	// with a slash at both ends.
	PublicOrigin string
	BasePath     string
	// Lifetime is how long an unused session lasts.
	Lifetime time.Duration
	Clock    clock.PassiveClock
}

// Manager keeps the sessions and serves the auth endpoints.
type Manager struct {
	store       session.Store
	api         *APIServer
	apiPublic   *url.URL
	redirectURI string
	base        string
	cookies     Cookies
	lifetime    time.Duration
	clock       clock.PassiveClock
	flight      singleflight.Group

	mu        sync.Mutex
	touched   map[string]time.Time
	lastPrune time.Time
}

// NewManager returns a Manager.
func NewManager(o Options) (*Manager, error) {
	switch {
	case o.Store == nil || o.APIServer == nil || o.APIServerPublicURL == nil || o.Clock == nil:
		return nil, errors.New("auth: the store, ke-apiserver's client and public URL, and the clock are required")
	case o.Lifetime <= 0:
		return nil, errors.New("auth: the session lifetime must be positive")
	}
	pub, err := url.Parse(o.PublicOrigin)
	if err != nil || pub.Host == "" {
		return nil, fmt.Errorf("auth: the public origin %q is not a URL", o.PublicOrigin)
	}
	return &Manager{
		store: o.Store, api: o.APIServer, apiPublic: o.APIServerPublicURL,
		redirectURI: o.PublicOrigin + o.BasePath + "oauth/callback", base: o.BasePath,
		cookies:  Cookies{Path: o.BasePath, Secure: pub.Scheme == "https"},
		lifetime: o.Lifetime, clock: o.Clock, touched: map[string]time.Time{}, lastPrune: o.Clock.Now(),
	}, nil
}

// RedirectURI is the console's OAuth callback, which ke-apiserver must have
// registered for the console's client.
func (m *Manager) RedirectURI() string { return m.redirectURI }

// Cookies returns the cookie writer.
func (m *Manager) Cookies() Cookies { return m.cookies }

// lookup returns the session of the request's cookie; nil when there is
// none, it expired, or its refresh token has.
func (m *Manager) lookup(r *http.Request) (*session.Session, bool, error) {
	id := cookieValue(r, SessionCookie)
	if id == "" {
		return nil, false, nil
	}
	s := &session.Session{}
	switch err := m.store.Get(r.Context(), session.Key(id), s); {
	case errors.Is(err, session.ErrNotFound):
		return nil, true, nil
	case err != nil:
		return nil, true, err
	}
	s.ID = id
	if !s.RefreshExpiry.IsZero() && !m.clock.Now().Before(s.RefreshExpiry) {
		_ = m.store.Delete(r.Context(), session.Key(s.ID))
		return nil, true, nil
	}
	return s, true, nil
}

// WithSession puts the request's session, if any, in its context (see
// session.FromContext), renews its idle expiry, and expires a cookie that
// names no session.
func (m *Manager) WithSession(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, hadCookie, err := m.lookup(r)
		if err != nil && r.Context().Err() != nil {
			return // the browser went away; nobody reads the answer
		}
		if err != nil {
			logr.FromContextOrDiscard(r.Context()).Error(err, "Reading a session")
			responsewriters.WriteStatus(w, apierrors.NewServiceUnavailable("the console's session store cannot be reached"))
			return
		}
		if s == nil {
			if hadCookie {
				m.cookies.ClearSession(w.Header())
			}
			h.ServeHTTP(w, r)
			return
		}
		m.touch(r.Context(), s)
		h.ServeHTTP(w, r.WithContext(session.NewContext(r.Context(), s)))
	})
}

// touch renews the session's idle expiry, at most every touchEvery per
// replica. It leaves the value alone, so that it never undoes a refresh
// that another replica stored meanwhile.
func (m *Manager) touch(ctx context.Context, s *session.Session) {
	now := m.clock.Now()
	key := session.Key(s.ID)
	m.mu.Lock()
	if now.Sub(m.lastPrune) >= touchEvery {
		for k, at := range m.touched {
			if now.Sub(at) >= touchEvery {
				delete(m.touched, k)
			}
		}
		m.lastPrune = now
	}
	last, ok := m.touched[key]
	if ok && now.Sub(last) < touchEvery {
		m.mu.Unlock()
		return
	}
	m.touched[key] = now
	m.mu.Unlock()
	if err := m.store.Touch(ctx, key, m.ttl(s)); err != nil {
		logr.FromContextOrDiscard(ctx).Error(err, "Renewing a session")
	}
}

// ttl is how long the session is kept unless used again: the lifetime, and
// never beyond its refresh token.
func (m *Manager) ttl(s *session.Session) time.Duration {
	ttl := m.lifetime
	if !s.RefreshExpiry.IsZero() {
		ttl = min(ttl, s.RefreshExpiry.Sub(m.clock.Now()))
	}
	return ttl
}

// ExpiresAt is when the session ends if it is not used.
func (m *Manager) ExpiresAt(s *session.Session) time.Time {
	return m.clock.Now().Add(m.ttl(s)).UTC().Truncate(time.Second)
}

func (m *Manager) save(ctx context.Context, s *session.Session) error {
	return m.store.Put(ctx, session.Key(s.ID), s, m.ttl(s))
}

// setTokens puts new tokens in the session.
func (m *Manager) setTokens(s *session.Session, t *Tokens) {
	now := m.clock.Now()
	s.AccessToken, s.AccessExpiry = t.AccessToken, now.Add(time.Duration(t.ExpiresIn)*time.Second)
	if c, err := peekClaims(t.AccessToken); err == nil && !c.expiry().IsZero() {
		s.AccessExpiry = c.expiry()
	}
	if t.RefreshToken != "" {
		s.RefreshToken = t.RefreshToken
		s.RefreshExpiry = time.Time{}
		if c, err := peekClaims(t.RefreshToken); err == nil {
			s.RefreshExpiry = c.expiry()
		}
	}
}

// Fresh returns the session with an access token that is good for at least
// RefreshBefore, refreshing it when needed. Concurrent requests of a session
// share one refresh. A refused refresh token ends the session
// (ErrSessionEnded).
func (m *Manager) Fresh(ctx context.Context, s *session.Session) (*session.Session, error) {
	if m.clock.Now().Add(RefreshBefore).Before(s.AccessExpiry) {
		return s, nil
	}
	key := session.Key(s.ID)
	v, err, _ := m.flight.Do(key, func() (any, error) {
		// The refresh serves every waiting request: it must not end with
		// the first one's.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		cur := &session.Session{}
		switch err := m.store.Get(ctx, key, cur); {
		case errors.Is(err, session.ErrNotFound):
			return nil, ErrSessionEnded
		case err != nil:
			return nil, err
		}
		cur.ID = s.ID
		if m.clock.Now().Add(RefreshBefore).Before(cur.AccessExpiry) {
			return cur, nil // refreshed meanwhile
		}
		toks, err := m.api.RefreshGrant(ctx, cur.RefreshToken)
		if err != nil {
			// Only invalid_grant (400) says the refresh token is no good;
			// anything else is a fault to retry on the next request.
			var ae *Error
			if !errors.As(err, &ae) || ae.Code != http.StatusBadRequest {
				return nil, err
			}
			// Another replica may have rotated the refresh token first.
			again := &session.Session{}
			if m.store.Get(ctx, key, again) == nil && again.RefreshToken != cur.RefreshToken {
				again.ID = s.ID
				return again, nil
			}
			logr.FromContextOrDiscard(ctx).V(1).Info("A session ended: ke-apiserver refused its refresh token", "user", cur.Username, "answer", ae.Error())
			_ = m.store.Delete(ctx, key)
			return nil, ErrSessionEnded
		}
		m.setTokens(cur, toks)
		if err := m.save(ctx, cur); err != nil {
			return nil, err
		}
		return cur, nil
	})
	if err != nil {
		return nil, err
	}
	c := *v.(*session.Session) // each caller gets its own copy
	return &c, nil
}

// end deletes the session and expires its cookie.
func (m *Manager) end(ctx context.Context, h http.Header, s *session.Session) {
	if err := m.store.Delete(ctx, session.Key(s.ID)); err != nil {
		logr.FromContextOrDiscard(ctx).Error(err, "Deleting a session")
	}
	m.cookies.ClearSession(h)
}

// Token returns the access token to forward the request with: "" when the
// request has no session. It implements the proxy's Credentials.
func (m *Manager) Token(w http.ResponseWriter, r *http.Request) (string, error) {
	s := session.FromContext(r.Context())
	if s == nil {
		return "", nil
	}
	fresh, err := m.Fresh(r.Context(), s)
	if errors.Is(err, ErrSessionEnded) {
		m.cookies.ClearSession(w.Header())
		return "", apierrors.NewUnauthorized("the session has ended; log in again")
	}
	if err != nil {
		logr.FromContextOrDiscard(r.Context()).Error(err, "Refreshing a session's access token")
		return "", unavailable()
	}
	m.renewCookie(w, s, fresh)
	return fresh.AccessToken, nil
}

// renewCookie extends the session cookie's life with a refresh token that
// lives longer than the one the cookie was set for.
func (m *Manager) renewCookie(w http.ResponseWriter, before, after *session.Session) {
	if after.RefreshExpiry.After(before.RefreshExpiry) {
		m.cookies.SetSession(w, after.ID, after.RefreshExpiry, m.clock.Now())
	}
}

// Refused is told by the proxy that ke-apiserver answered 401 to a request
// forwarded with token. When ke-apiserver refuses the token itself too (it
// was revoked: a logout elsewhere, a password change, a disabled user), the
// request's session ends and the expired cookie is added to h; a 401 for
// another reason (from a member cluster, say) leaves the session alone.
func (m *Manager) Refused(ctx context.Context, token string, h http.Header) {
	s := session.FromContext(ctx)
	if s == nil {
		return
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	var ae *Error
	if _, err := m.api.UserInfo(cctx, token); errors.As(err, &ae) && ae.Code == http.StatusUnauthorized {
		logr.FromContextOrDiscard(ctx).V(1).Info("A session ended: ke-apiserver refused its access token", "user", s.Username)
		m.end(cctx, h, s)
	}
}

// OnIndex sets the CSRF cookie on index.html responses: the session's value
// when logged in, else the browser's current one, else a new one.
//
// It reports whether the request has a session, for the page to know
// without asking (a session whose tokens have ended since is found out, and
// ended, at the app's first request).
func (m *Manager) OnIndex(w http.ResponseWriter, r *http.Request) bool {
	value, ok := "", false
	if s, _, err := m.lookup(r); err == nil && s != nil {
		value, ok = s.CSRF, true
	} else if v := cookieValue(r, CSRFCookie); validToken(v) {
		value = v
	} else {
		value = session.RandomString()
	}
	m.cookies.SetCSRF(w, value)
	return ok
}

// validToken tells a value that session.RandomString could have made.
func validToken(v string) bool {
	if len(v) != 43 {
		return false
	}
	return strings.IndexFunc(v, func(c rune) bool {
		return (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && (c < '0' || c > '9') && c != '-' && c != '_'
	}) < 0
}

// UnreachableRetryAfterSeconds is the Retry-After of the answers given when
// ke-apiserver cannot be reached.
const UnreachableRetryAfterSeconds = 2

// unavailable is the answer when ke-apiserver cannot be reached: 503, with
// a Retry-After.
func unavailable() error {
	return apistatus.New(http.StatusServiceUnavailable, metav1.StatusReasonServiceUnavailable, "ke-apiserver cannot be reached; try again later",
		apistatus.RetryAfter(UnreachableRetryAfterSeconds))
}
