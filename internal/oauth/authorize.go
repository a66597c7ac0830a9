package oauth

import (
	"errors"
	"html/template"
	"net/http"
	"net/url"

	"github.com/go-jose/go-jose/v4/jwt"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	"github.com/superkube/super-kubenetes/internal/apiserver/request"
	"github.com/superkube/super-kubenetes/internal/authn"
	"github.com/superkube/super-kubenetes/internal/authn/tokenstore"
	"github.com/superkube/super-kubenetes/internal/oauth/token"
)

// authRequest is a validated authorization request.
type authRequest struct {
	client                    *Client
	redirectURI, state, scope string
	nonce, challenge          string
}

// parseAuthRequest validates client and redirect URI first: when either is
// wrong, the answer is an error page, never a redirect.
func (s *Server) parseAuthRequest(w http.ResponseWriter, r *http.Request, q url.Values) *authRequest {
	c, err := s.client(q.Get("client_id"))
	if err != nil {
		writeErrorPage(w, http.StatusBadRequest, "The application that sent you here is not known to Super Kubenetes.")
		return nil
	}
	redirect := q.Get("redirect_uri")
	if !contains(c.RedirectURIs, redirect) {
		writeErrorPage(w, http.StatusBadRequest, "The address to return to is not registered for this application, so you are not sent there.")
		return nil
	}
	ar := &authRequest{client: c, redirectURI: redirect, state: q.Get("state"), scope: scopeOr(q.Get("scope")),
		nonce: q.Get("nonce"), challenge: q.Get("code_challenge")}
	fail := func(code, desc string) *authRequest {
		// redirect is one of the client's registered redirect URIs.
		http.Redirect(w, r, redirectWith(redirect, url.Values{"error": {code}, "error_description": {desc}, "state": {ar.state}}), http.StatusFound) //nolint:gosec // registered URI
		return nil
	}
	if q.Get("response_type") != "code" {
		return fail("unsupported_response_type", "only the code response type is supported")
	}
	if !c.Allows(GrantAuthorizationCode) {
		return fail("unauthorized_client", "the client may not use the authorization code grant")
	}
	if ar.challenge != "" && q.Get("code_challenge_method") != "S256" {
		return fail("invalid_request", "code_challenge_method must be S256")
	}
	if c.Secret == "" && ar.challenge == "" {
		return fail("invalid_request", "a public client must use PKCE (code_challenge)")
	}
	return ar
}

// authorize serves GET /oauth/authorize: an authenticated caller gets a
// code at once; otherwise the login page is shown, or the browser is sent
// to the external provider named by idp.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	ar := s.parseAuthRequest(w, r, q)
	if ar == nil {
		return
	}
	if name := q.Get("idp"); name != "" {
		s.startExternalLogin(w, r, ar, name)
		return
	}
	if res, ok := authn.ResultFrom(r.Context()); ok {
		u, err := s.activeUser(r.Context(), res.User.GetName())
		if err == nil {
			s.redirectWithCode(w, r, ar, u)
			return
		}
	}
	s.loginPage(w, q, "")
}

// authorizeLogin serves the login page's form.
func (s *Server) authorizeLogin(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		writeErrorPage(w, http.StatusBadRequest, "The form could not be read.")
		return
	}
	ar := s.parseAuthRequest(w, r, r.PostForm)
	if ar == nil {
		return
	}
	note := request.AuditNoteFrom(r.Context())
	note.Event, note.Subject = "login", truncate(r.PostForm.Get("username"), 63)
	u, err := s.passwordLogin(r.Context(), loginAttempt{username: r.PostForm.Get("username"), sourceIP: SourceIP(r),
		userAgent: r.UserAgent(), kind: iamv1beta1.LoginPassword}, r.PostForm.Get("password"))
	switch {
	case errors.Is(err, errRateLimited):
		w.Header().Set("Retry-After", "60")
		s.loginPageCode(w, r.PostForm, err.Error(), http.StatusTooManyRequests)
		return
	case errors.Is(err, ErrLoginFailed):
		s.loginPageCode(w, r.PostForm, err.Error(), http.StatusUnauthorized)
		return
	case err != nil:
		s.log(r.Context()).Error(err, "Login")
		writeErrorPage(w, http.StatusInternalServerError, "The login could not be completed; it has been logged.")
		return
	}
	s.redirectWithCode(w, r, ar, u)
}

// codeClaims carry an authorization request through its code.
type codeClaims struct {
	token.Claims
	RedirectURI string `json:"redirect_uri"`
	Challenge   string `json:"code_challenge,omitempty"`
}

func (s *Server) redirectWithCode(w http.ResponseWriter, r *http.Request, ar *authRequest, u *iamv1beta1.User) {
	c := codeClaims{
		Claims: token.Claims{Claims: jwt.Claims{Subject: u.Name, ID: randomID(), Audience: jwt.Audience{ar.client.ID}},
			TokenType: typeCode, ClientID: ar.client.ID, Nonce: ar.nonce, Scope: ar.scope},
		RedirectURI: ar.redirectURI, Challenge: ar.challenge,
	}
	raw, err := s.issuer.IssueAny(&c.Claims, &c, s.opts.Lifetimes.Code)
	if err == nil {
		err = s.store.Add(r.Context(), tokenstore.Record{ID: c.ID, User: u.Name, Type: typeCode, ClientID: ar.client.ID,
			SessionID: c.ID, ExpiresAt: s.clock.Now().Add(s.opts.Lifetimes.Code)})
	}
	if err != nil {
		s.log(r.Context()).Error(err, "Issuing an authorization code")
		writeErrorPage(w, http.StatusInternalServerError, "The login could not be completed; it has been logged.")
		return
	}
	http.Redirect(w, r, redirectWith(ar.redirectURI, url.Values{"code": {raw}, "state": {ar.state}}), http.StatusFound) //nolint:gosec // a registered redirect URI
}

// exchangeCode redeems a code once, checking client, redirect URI and PKCE.
func (s *Server) exchangeCode(w http.ResponseWriter, r *http.Request, c *Client) *Tokens {
	ctx := r.Context()
	var cc codeClaims
	if err := s.verifier.VerifyInto(r.PostForm.Get("code"), typeCode, &cc.Claims, &cc); err != nil || cc.ClientID != c.ID {
		writeOAuthError(w, http.StatusBadRequest, "invalid_grant", "the code is invalid or expired")
		return nil
	}
	// Taking the code from the store redeems it once, whatever the concurrency.
	rec, ok, err := s.store.Take(ctx, cc.ID)
	if err != nil {
		s.serverError(w, r, err)
		return nil
	}
	if !ok || rec.User != cc.Subject || rec.Type != typeCode {
		s.refuseUnredeemable(w, r, cc.ID, "the code was already used",
			"the code is not known to this server (it may have restarted without a persistent token store); start the login again")
		return nil
	}
	if r.PostForm.Get("redirect_uri") != cc.RedirectURI {
		writeOAuthError(w, http.StatusBadRequest, "invalid_grant", "redirect_uri does not match the authorization request")
		return nil
	}
	if cc.Challenge != "" && !pkceMatches(cc.Challenge, r.PostForm.Get("code_verifier")) {
		writeOAuthError(w, http.StatusBadRequest, "invalid_grant", "the PKCE code verifier does not match")
		return nil
	}
	u, err := s.activeUser(ctx, cc.Subject)
	if err != nil {
		writeOAuthError(w, http.StatusBadRequest, "invalid_grant", "the user may not log in")
		return nil
	}
	toks, err := s.issue(ctx, u, c, cc.Scope, cc.Nonce, "")
	if err != nil {
		s.serverError(w, r, err)
		return nil
	}
	return toks
}

var loginTemplate = template.Must(template.New("login").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Log in - Super Kubenetes</title>
<style>body{font-family:system-ui,sans-serif;background:#f0f0f0;display:flex;justify-content:center;padding-top:10vh}
form{background:#fff;padding:2rem;border-radius:8px;min-width:320px;box-shadow:0 1px 4px #0002}
label{display:block;margin:.8rem 0 .2rem}input{width:100%;padding:.5rem;box-sizing:border-box}
button{margin-top:1rem;width:100%;padding:.6rem;background:#06c;color:#fff;border:0;border-radius:4px}
.err{color:#c9190b}.idp{display:block;margin-top:.6rem;text-align:center}</style></head>
<body><form method="post" action="authorize">
<h1>Super Kubenetes</h1>
{{if .Error}}<p class="err" role="alert">{{.Error}}</p>{{end}}
{{range $k, $v := .Params}}<input type="hidden" name="{{$k}}" value="{{$v}}">{{end}}
<label for="username">User name</label><input id="username" name="username" autocomplete="username" required autofocus>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Log in</button>
{{range .Providers}}<a class="idp" href="authorize?{{$.Query}}&amp;idp={{.Name}}">Log in with {{.Name}}</a>{{end}}
</form></body></html>`))

var forwardedParams = []string{"client_id", "redirect_uri", "response_type", "scope", "state", "nonce", "code_challenge", "code_challenge_method"}

func (s *Server) loginPage(w http.ResponseWriter, q url.Values, msg string) {
	s.loginPageCode(w, q, msg, http.StatusOK)
}

func (s *Server) loginPageCode(w http.ResponseWriter, q url.Values, msg string, code int) {
	params := map[string]string{}
	keep := url.Values{}
	for _, k := range forwardedParams {
		if v := q.Get(k); v != "" {
			params[k] = v
			keep.Set(k, v)
		}
	}
	var redirect []ProviderInfo
	for _, p := range s.Providers() {
		if p.Redirect {
			redirect = append(redirect, p)
		}
	}
	securityHeaders(w)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	_ = loginTemplate.Execute(w, map[string]any{"Error": msg, "Params": params, "Query": template.URL(keep.Encode()), "Providers": redirect}) //nolint:gosec // the query is built from url.Values.Encode
}

var errorTemplate = template.Must(template.New("error").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Login error - Super Kubenetes</title></head>
<body><h1>The login cannot continue</h1><p>{{.}}</p></body></html>`))

// writeErrorPage answers with an HTML page (never a redirect).
func writeErrorPage(w http.ResponseWriter, code int, msg string) {
	securityHeaders(w)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	_ = errorTemplate.Execute(w, msg)
}

func securityHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
}
