package oauth

import (
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/go-jose/go-jose/v4/jwt"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	"github.com/superkube/super-kubenetes/internal/apiserver/request"
	"github.com/superkube/super-kubenetes/internal/oauth/idp"
	"github.com/superkube/super-kubenetes/internal/oauth/token"
)

// stateCookie binds a login through an external provider to the browser
// that started it.
const stateCookie = "ke_oauth_state"

// stateLifetime bounds a login at an external provider.
const stateLifetime = 10 * time.Minute

// stateClaims carry the client's authorization request through the
// round trip to the external provider.
type stateClaims struct {
	token.Claims
	RedirectURI string `json:"redirect_uri"`
	ClientState string `json:"client_state,omitempty"`
	Challenge   string `json:"code_challenge,omitempty"`
	Provider    string `json:"provider"`
	IDPNonce    string `json:"idp_nonce"`
}

func (s *Server) callbackURL(provider string) string {
	return s.issuer.URL() + "/oauth/callback/" + url.PathEscape(provider)
}

// startExternalLogin sends the browser to an external provider.
func (s *Server) startExternalLogin(w http.ResponseWriter, r *http.Request, ar *authRequest, name string) {
	p, ok := s.redirectProviders[name]
	if !ok {
		writeErrorPage(w, http.StatusBadRequest, "There is no identity provider of that name.")
		return
	}
	sc := stateClaims{
		Claims: token.Claims{Claims: jwt.Claims{Subject: "login", ID: randomID()}, TokenType: typeState,
			ClientID: ar.client.ID, Nonce: ar.nonce, Scope: ar.scope},
		RedirectURI: ar.redirectURI, ClientState: ar.state, Challenge: ar.challenge, Provider: name, IDPNonce: randomID(),
	}
	state, err := s.issuer.IssueAny(&sc.Claims, &sc, stateLifetime)
	if err != nil {
		s.log(r.Context()).Error(err, "Signing the login state")
		writeErrorPage(w, http.StatusInternalServerError, "The login could not be started; it has been logged.")
		return
	}
	target, err := p.AuthCodeURL(r.Context(), state, sc.IDPNonce, s.callbackURL(name))
	if err != nil {
		s.log(r.Context()).Error(err, "An identity provider is unavailable", "provider", name)
		writeErrorPage(w, http.StatusBadGateway, "The identity provider "+name+" cannot be reached now. Try again later or log in with a password.")
		return
	}
	http.SetCookie(w, &http.Cookie{Name: stateCookie, Value: sc.ID, Path: "/oauth/callback/", MaxAge: int(stateLifetime.Seconds()),
		HttpOnly: true, Secure: true, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, target, http.StatusFound) //nolint:gosec // the configured provider's authorization URL
}

// callback serves GET /oauth/callback/{provider}: it checks the state,
// redeems the provider's code, maps the identity to a user and returns to
// the client with a code of ours.
func (s *Server) callback(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	name := r.PathValue("provider")
	q := r.URL.Query()
	var sc stateClaims
	if err := s.verifier.VerifyInto(q.Get("state"), typeState, &sc.Claims, &sc); err != nil || sc.Provider != name {
		writeErrorPage(w, http.StatusBadRequest, "The login has expired or did not start here. Start again from the login page.")
		return
	}
	cookie, err := r.Cookie(stateCookie)
	if err != nil || cookie.Value != sc.ID {
		writeErrorPage(w, http.StatusBadRequest, "The login did not start in this browser. Start again from the login page.")
		return
	}
	http.SetCookie(w, &http.Cookie{Name: stateCookie, Path: "/oauth/callback/", MaxAge: -1, HttpOnly: true, Secure: true, SameSite: http.SameSiteLaxMode})
	c, err := s.client(sc.ClientID)
	if err != nil || !contains(c.RedirectURIs, sc.RedirectURI) {
		writeErrorPage(w, http.StatusBadRequest, "The application that started the login is no longer registered.")
		return
	}
	ar := &authRequest{client: c, redirectURI: sc.RedirectURI, state: sc.ClientState, scope: sc.Scope, nonce: sc.Nonce, challenge: sc.Challenge}
	deny := func(desc string) {
		http.Redirect(w, r, redirectWith(ar.redirectURI, url.Values{"error": {"access_denied"}, "error_description": {desc}, "state": {ar.state}}), http.StatusFound)
	}
	if e := q.Get("error"); e != "" {
		deny("the identity provider refused the login")
		return
	}
	p, ok := s.redirectProviders[name]
	if !ok {
		writeErrorPage(w, http.StatusBadRequest, "There is no identity provider of that name.")
		return
	}
	note := request.AuditNoteFrom(ctx)
	note.Event = "login"
	if !s.limiter.allow(SourceIP(r)) {
		deny("too many login attempts from this address")
		return
	}
	id, err := p.Exchange(ctx, q.Get("code"), sc.IDPNonce, s.callbackURL(name))
	if err != nil {
		if !errors.Is(err, idp.ErrInvalidCredentials) {
			s.log(ctx).Error(err, "Redeeming a code at an identity provider", "provider", name)
		}
		deny("the identity provider's answer could not be verified")
		return
	}
	u, err := s.mapIdentity(ctx, name, id)
	if err != nil {
		s.log(ctx).Info("An external identity could not be mapped to a user", "provider", name, "reason", err.Error())
		deny("the identity is not allowed to log in here")
		return
	}
	note.Subject = u.Name
	at := loginAttempt{username: u.Name, sourceIP: SourceIP(r), userAgent: r.UserAgent(), kind: iamv1beta1.LoginOAuth, provider: name}
	if u.Spec.Disabled {
		s.record(ctx, u.Name, at, false, "the account is disabled")
		deny("the account is disabled")
		return
	}
	if err := s.syncGroupRoles(ctx, name, u, id.Groups); err != nil {
		s.log(ctx).Error(err, "Updating the roles of a user's groups", "provider", name, "user", u.Name)
		writeErrorPage(w, http.StatusInternalServerError, "The login could not be completed; it has been logged.")
		return
	}
	s.record(ctx, u.Name, at, true, "")
	s.redirectWithCode(w, r, ar, u)
}
