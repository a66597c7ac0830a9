package auth

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/go-logr/logr"

	"github.com/superkube/super-kubenetes/internal/apiserver/apistatus"
	"github.com/superkube/super-kubenetes/internal/apiserver/responsewriters"
	"github.com/superkube/super-kubenetes/internal/console/session"
)

// pendingLogin is what the console keeps of a login through an identity
// provider between the redirect to ke-apiserver and the callback.
type pendingLogin struct {
	State    string `json:"state"`
	Nonce    string `json:"nonce"`
	Verifier string `json:"verifier"`
	Provider string `json:"provider"`
}

var providerName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$`)

// Error codes of the callback, as login?error=<code> tells them to the SPA.
const (
	// LoginExpired: no pending login in this browser (the cookie or the
	// stored state is gone, or the login took more than ten minutes).
	LoginExpired = "login_expired"
	// LoginStateMismatch: the state does not match this browser's login.
	LoginStateMismatch = "state_mismatch"
	// LoginDenied: ke-apiserver or the identity provider refused the login.
	LoginDenied = "access_denied"
	// LoginFailed: the code could not be redeemed or the answer was wrong.
	LoginFailed = "login_failed"
	// LoginUnavailable: ke-apiserver could not be reached.
	LoginUnavailable = "unavailable"
)

// startProviderLogin serves GET auth/idp/{name}: it sends the browser to
// ke-apiserver's authorize endpoint for the provider, with a state, a nonce
// and a PKCE challenge kept here under a random value in a short-lived cookie.
func (m *Manager) startProviderLogin(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if !providerName.MatchString(name) {
		responsewriters.WriteStatus(w, apistatus.BadRequest("name", "is not the name of an identity provider"))
		return
	}
	p := pendingLogin{State: session.RandomString(), Nonce: session.RandomString(), Verifier: session.RandomString(), Provider: name}
	id := session.RandomString()
	if err := m.store.Put(r.Context(), session.LoginKey(id), p, LoginTTL); err != nil {
		logr.FromContextOrDiscard(r.Context()).Error(err, "Keeping a pending login")
		responsewriters.WriteStatus(w, unavailable())
		return
	}
	m.cookies.SetLogin(w, id, LoginTTL)
	sum := sha256.Sum256([]byte(p.Verifier))
	u := *m.apiPublic
	u.Path = strings.TrimSuffix(u.Path, "/") + "/oauth/authorize"
	u.RawQuery = url.Values{
		"client_id": {m.api.ClientID}, "response_type": {"code"}, "scope": {Scope}, "redirect_uri": {m.redirectURI},
		"state": {p.State}, "nonce": {p.Nonce}, "code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])},
		"code_challenge_method": {"S256"}, "idp": {name},
	}.Encode()
	http.Redirect(w, r, u.String(), http.StatusFound)
}

// callback serves GET oauth/callback: it checks the state against this
// browser's pending login, redeems the code, and starts the session.
// Failures send the browser to the login page with a short error code.
func (m *Manager) callback(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	log := logr.FromContextOrDiscard(ctx)
	fail := func(code string) {
		http.Redirect(w, r, m.base+"login?error="+code, http.StatusFound)
	}
	loginID := cookieValue(r, LoginCookie)
	if loginID == "" {
		fail(LoginExpired)
		return
	}
	m.cookies.ClearLogin(w)
	var p pendingLogin
	if err := m.store.Get(ctx, session.LoginKey(loginID), &p); err != nil {
		if !errors.Is(err, session.ErrNotFound) {
			log.Error(err, "Reading a pending login")
			fail(LoginUnavailable)
			return
		}
		fail(LoginExpired)
		return
	}
	// A pending login is used once.
	_ = m.store.Delete(ctx, session.LoginKey(loginID))
	q := r.URL.Query()
	if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(p.State)) != 1 {
		fail(LoginStateMismatch)
		return
	}
	if e := q.Get("error"); e != "" {
		log.V(1).Info("A login through an identity provider was refused", "provider", p.Provider, "error", truncate(e, 64))
		fail(LoginDenied)
		return
	}
	code := q.Get("code")
	if code == "" {
		fail(LoginFailed)
		return
	}
	toks, err := m.api.CodeGrant(ctx, code, m.redirectURI, p.Verifier)
	if err != nil {
		var ae *Error
		if errors.As(err, &ae) && ae.Code < 500 && ae.OAuthError != "invalid_client" {
			log.V(1).Info("ke-apiserver refused an authorization code", "provider", p.Provider, "answer", ae.Error())
			fail(LoginFailed)
			return
		}
		_ = m.apiError(ctx, err) // logs it
		fail(LoginUnavailable)
		return
	}
	if idc, err := peekClaims(toks.IDToken); err != nil || subtle.ConstantTimeCompare([]byte(idc.Nonce), []byte(p.Nonce)) != 1 {
		log.Info("The ID token of a login through an identity provider does not carry the login's nonce", "provider", p.Provider)
		fail(LoginFailed)
		return
	}
	if old := session.FromContext(ctx); old != nil {
		m.revoke(ctx, old)
		_ = m.store.Delete(ctx, session.Key(old.ID))
	}
	info, err := m.startSession(ctx, w, toks)
	if err != nil {
		_ = m.apiError(ctx, err)
		fail(LoginUnavailable)
		return
	}
	log.V(1).Info("Logged in through an identity provider", "user", info.Username, "provider", p.Provider)
	http.Redirect(w, r, m.base, http.StatusFound)
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
