// Package oidcprovider runs a real OpenID Connect provider in the test
// process, for tests of relying parties such as ke-apiserver's OIDC identity
// provider. The protocol is served by zitadel/oidc's OpenID-certified op
// package over TLS; this package adds an in-memory storage with one
// confidential client and a few users, and a login endpoint without a page:
// the authorize request logs in the user named by its login_hint parameter
// (a user name or subject), or the first user when there is none.
//
// A test starts a Server, points the relying party at Server.Issuer trusting
// Server.CAFile, sends the relying party's authorization URL through
// Server.FollowLogin and gets back the callback URL carrying the code and the
// state.
package oidcprovider

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// ScopeGroups asks for the groups claim; the profile scope brings it too.
const ScopeGroups = "groups"

// DefaultClientID is the client ID of the provider's client unless
// Options.ClientID says otherwise.
const DefaultClientID = "ke-apiserver"

// DefaultRedirectURI is the client's registered redirect URI unless
// Options.RedirectURIs says otherwise. Nothing listens there: FollowLogin
// stops when the provider redirects to it.
const DefaultRedirectURI = "https://ke-apiserver.test/oauth/callback/oidc"

const (
	loginPath         = "/login"
	loginRequestParam = "authRequestID"
)

// User is an account of the test provider.
type User struct {
	// Subject is the stable identifier, the sub claim.
	Subject string
	// Username is the preferred_username claim; empty leaves it out.
	Username      string
	Email         string
	EmailVerified bool
	// Name is the name claim (display name).
	Name   string
	Groups []string
}

// DefaultUsers returns the users of a provider started without
// Options.Users: alice (an administrator), bob (a developer whose e-mail
// address is not verified) and a user without a preferred_username.
func DefaultUsers() []User {
	return []User{
		{
			Subject:       "2f6b1c1e-alice",
			Username:      "alice",
			Email:         "alice@example.test",
			EmailVerified: true,
			Name:          "Alice Adams",
			Groups:        []string{"platform-admins", "developers"},
		},
		{
			Subject:       "7d3e9a40-bob",
			Username:      "bob",
			Email:         "bob@example.test",
			EmailVerified: false,
			Name:          "Bob Brown",
			Groups:        []string{"developers"},
		},
		{
			Subject:       "c0ffee00-nameless",
			Email:         "nameless@example.test",
			EmailVerified: true,
		},
	}
}

// Options tune the provider. The zero value gives DefaultUsers, the client
// DefaultClientID with a random secret and DefaultRedirectURI, ID tokens for
// that client valid for five minutes, and codes valid for a minute.
type Options struct {
	Users        []User
	ClientID     string
	ClientSecret string
	RedirectURIs []string
	// IssueTokensTo, when set, is another client ID to which the provider
	// issues the ID tokens of the client's logins (aud and azp claims), as a
	// provider that mixes up its clients or a substituted token would: to
	// test that a relying party refuses tokens meant for another.
	IssueTokensTo string
	// ClaimsInUserinfoOnly keeps the profile, email and groups claims out of
	// the ID token; only the userinfo endpoint answers them.
	ClaimsInUserinfoOnly bool
	// IDTokenLifetime is how long ID tokens are valid; a negative value
	// issues tokens that have already expired.
	IDTokenLifetime time.Duration
	// CodeLifetime is how long an authorization code can be exchanged.
	CodeLifetime time.Duration
	// Now is the clock of code and access token expiry; time.Now by default.
	Now func() time.Time
}

// Server is a running OpenID provider.
type Server struct {
	// Issuer is the issuer URL, https on a loopback address.
	Issuer       string
	ClientID     string
	ClientSecret string
	// RedirectURIs are the client's registered redirect URIs.
	RedirectURIs []string
	// CAFile is a PEM file with the certificate of the provider's TLS
	// server, for the relying party to trust.
	CAFile string

	srv         *httptest.Server
	tmpDir      string
	unavailable atomic.Bool
}

// Start starts a provider on a loopback address. Close it when done.
func Start(opts Options) (*Server, error) {
	opts, err := complete(opts)
	if err != nil {
		return nil, err
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("generating the signing key: %w", err)
	}
	keyID, err := randomID()
	if err != nil {
		return nil, err
	}
	st := &storage{
		client: &client{
			id:                   opts.ClientID,
			issueTo:              opts.IssueTokensTo,
			secret:               opts.ClientSecret,
			redirectURIs:         opts.RedirectURIs,
			claimsInUserinfoOnly: opts.ClaimsInUserinfoOnly,
			idTokenLifetime:      opts.IDTokenLifetime,
		},
		users:        make(map[string]User, len(opts.Users)),
		issueTo:      opts.IssueTokensTo,
		codeTTL:      opts.CodeLifetime,
		tokenTTL:     5 * time.Minute,
		now:          opts.Now,
		signingKey:   key,
		signingKeyID: keyID,
		authRequests: map[string]*authRequest{},
		codes:        map[string]string{},
		tokens:       map[string]*accessToken{},
	}
	for _, u := range opts.Users {
		st.users[u.Subject] = u
	}

	// The issuer must be known before the provider is built, so listen first.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listening: %w", err)
	}
	issuer := "https://" + ln.Addr().String()
	var cryptoKey [32]byte
	if _, err := rand.Read(cryptoKey[:]); err != nil {
		_ = ln.Close()
		return nil, fmt.Errorf("generating the code encryption key: %w", err)
	}
	provider, err := op.NewProvider(&op.Config{
		CryptoKey:       cryptoKey,
		CodeMethodS256:  true,
		SupportedScopes: []string{oidc.ScopeOpenID, oidc.ScopeProfile, oidc.ScopeEmail, ScopeGroups},
		SupportedClaims: append(append([]string{}, op.DefaultSupportedClaims...), "groups"),
	}, st, op.StaticIssuer(issuer))
	if err != nil {
		_ = ln.Close()
		return nil, fmt.Errorf("creating the OpenID provider: %w", err)
	}

	s := &Server{
		Issuer:       issuer,
		ClientID:     opts.ClientID,
		ClientSecret: opts.ClientSecret,
		RedirectURIs: opts.RedirectURIs,
	}
	mux := http.NewServeMux()
	mux.Handle(loginPath, &loginHandler{
		storage:     st,
		provider:    provider,
		callbackURL: provider.AuthorizationEndpoint().Absolute(issuer) + "/callback",
		defaultUser: opts.Users[0].Subject,
	})
	mux.Handle("/", provider)

	s.srv = httptest.NewUnstartedServer(s.withAvailability(mux))
	s.srv.Listener = ln
	s.srv.StartTLS()

	if err := s.writeCAFile(); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func complete(opts Options) (Options, error) {
	if len(opts.Users) == 0 {
		opts.Users = DefaultUsers()
	}
	for _, u := range opts.Users {
		if u.Subject == "" {
			return opts, errors.New("every user needs a subject")
		}
	}
	if opts.ClientID == "" {
		opts.ClientID = DefaultClientID
	}
	if opts.ClientSecret == "" {
		secret, err := randomID()
		if err != nil {
			return opts, err
		}
		opts.ClientSecret = "secret-" + secret
	}
	if len(opts.RedirectURIs) == 0 {
		opts.RedirectURIs = []string{DefaultRedirectURI}
	}
	if opts.IDTokenLifetime == 0 {
		opts.IDTokenLifetime = 5 * time.Minute
	}
	if opts.CodeLifetime == 0 {
		opts.CodeLifetime = time.Minute
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return opts, nil
}

func (s *Server) writeCAFile() error {
	dir, err := os.MkdirTemp("", "oidcprovider-")
	if err != nil {
		return fmt.Errorf("creating a folder for the CA file: %w", err)
	}
	s.tmpDir = dir
	s.CAFile = filepath.Join(dir, "ca.crt")
	data := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.srv.Certificate().Raw})
	if err := os.WriteFile(s.CAFile, data, 0o600); err != nil {
		return fmt.Errorf("writing the CA file: %w", err)
	}
	return nil
}

// Close stops the provider and removes its CA file.
func (s *Server) Close() {
	s.srv.Close()
	if s.tmpDir != "" {
		_ = os.RemoveAll(s.tmpDir)
	}
}

// SetAvailable makes the provider answer every request with 503 Service
// Unavailable (false) or serve again (true), as a provider that is down
// behind its load balancer.
func (s *Server) SetAvailable(available bool) {
	s.unavailable.Store(!available)
}

func (s *Server) withAvailability(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.unavailable.Load() {
			http.Error(w, "the provider is down", http.StatusServiceUnavailable)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// HTTPClient returns a client that trusts the provider's certificate.
func (s *Server) HTTPClient() *http.Client {
	return s.srv.Client()
}

// FollowLogin plays the browser: it requests authURL (the relying party's
// authorization URL, to which a test may add login_hint) and follows the
// provider's redirects until one goes to a registered redirect URI, which it
// returns without requesting it. Its query has code and state, or error and
// error_description.
func (s *Server) FollowLogin(ctx context.Context, authURL string) (*url.URL, error) {
	c := *s.srv.Client()
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if s.isRedirectURI(req.URL) {
			return http.ErrUseLastResponse
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, authURL, nil)
	if err != nil {
		return nil, fmt.Errorf("building the authorization request: %w", err)
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("following the login: %w", err)
	}
	defer resp.Body.Close()
	loc, err := resp.Location()
	if err != nil || !s.isRedirectURI(loc) {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return nil, fmt.Errorf("the login did not end at the redirect URI: %s from %s: %s",
			resp.Status, resp.Request.URL.Redacted(), strings.TrimSpace(string(body)))
	}
	return loc, nil
}

func (s *Server) isRedirectURI(u *url.URL) bool {
	target := u.Scheme + "://" + u.Host + u.Path
	for _, r := range s.RedirectURIs {
		if target == r {
			return true
		}
	}
	return false
}

// loginHandler logs the user of an auth request in without a page and sends
// the browser back to the provider's authorize callback.
type loginHandler struct {
	storage     *storage
	provider    *op.Provider
	callbackURL string
	defaultUser string
}

func (h *loginHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get(loginRequestParam)
	req, err := h.storage.AuthRequestByID(r.Context(), id)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	subject := h.defaultUser
	if hint := req.(*authRequest).loginHint; hint != "" {
		u, ok := h.storage.userByUsername(hint)
		if !ok {
			op.AuthRequestError(w, r, req, oidc.ErrAccessDenied().WithDescription("unknown user %s", hint), h.provider)
			return
		}
		subject = u.Subject
	}
	if err := h.storage.completeLogin(id, subject); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	// The callback is a fixed path of the provider; the ID is one it issued.
	http.Redirect(w, r, h.callbackURL+"?id="+url.QueryEscape(req.GetID()), http.StatusFound) //nolint:gosec // not an open redirect: see above
}

func randomID() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generating an identifier: %w", err)
	}
	return hex.EncodeToString(b), nil
}
