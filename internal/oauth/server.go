package oauth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/go-jose/go-jose/v4/jwt"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	"github.com/superkube/super-kubenetes/internal/authn"
	"github.com/superkube/super-kubenetes/internal/authn/tokenstore"
	"github.com/superkube/super-kubenetes/internal/iam/password"
	"github.com/superkube/super-kubenetes/internal/oauth/idp"
	"github.com/superkube/super-kubenetes/internal/oauth/token"
)

// Token types only this package uses: authorization codes and the state of
// a login through an external provider, both signed JWTs.
const (
	typeCode  = "code"
	typeState = "state"
)

// Server is the OAuth2/OIDC server.
type Server struct {
	opts     Options
	clients  map[string]*Client
	issuer   *token.Issuer
	verifier *token.Verifier
	store    tokenstore.Store
	attempts tokenstore.LoginAttempts
	// users reads users and bindings reads global role bindings (from
	// caches); writer creates users, login records and the bindings of
	// group roles.
	users    client.Reader
	bindings client.Reader
	writer   client.Writer
	clock    clock.PassiveClock
	authn    *authn.TokenAuthenticator

	passwordProviders []idp.PasswordProvider
	redirectProviders map[string]idp.RedirectProvider
	providerMethods   map[string]idp.MappingMethod

	limiter       *sourceLimiter
	dummyHash     string
	records       chan *iamv1beta1.LoginRecord
	recordMetrics *recordMetrics

	// passwords reads the hashes of local users' passwords; livePasswords,
	// when set, reads them from kube-apiserver when passwords has none.
	passwords, livePasswords PasswordHashes
}

// PasswordHashes reads the hashes of local users' passwords, which are
// kept apart from the User objects (package passwordsecret).
type PasswordHashes interface {
	// Hash returns the bcrypt hash of the user's password, "" when none.
	Hash(ctx context.Context, u *iamv1beta1.User) (string, error)
}

// Deps are the server's collaborators.
type Deps struct {
	Issuer   *token.Issuer
	Verifier *token.Verifier
	Store    tokenstore.Store
	// Attempts counts failed logins for the lockout; the Store when nil
	// (both stores implement it).
	Attempts          tokenstore.LoginAttempts
	Users             client.Reader
	Writer            client.Writer
	Clock             clock.PassiveClock
	Authenticator     *authn.TokenAuthenticator
	PasswordProviders []idp.PasswordProvider
	RedirectProviders []idp.RedirectProvider

	// Bindings reads GlobalRoleBindings for the group roles; Users when nil.
	Bindings client.Reader
	// Passwords reads the hashes of local users' passwords (from a cache).
	Passwords PasswordHashes
	// LivePasswords, when set, reads them from kube-apiserver, for a user
	// whose hash Passwords does not have (yet): see Server.hash.
	LivePasswords PasswordHashes
}

// NewServer builds the server.
func NewServer(opts Options, d Deps) (*Server, error) {
	if errs := opts.Validate(); len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if d.Passwords == nil {
		return nil, errors.New("oauth: Passwords is required")
	}
	def := DefaultLifetimes()
	l := &opts.Lifetimes
	if l.AccessToken <= 0 {
		l.AccessToken = def.AccessToken
	}
	if l.RefreshToken <= 0 {
		l.RefreshToken = def.RefreshToken
	}
	if l.IDToken <= 0 {
		l.IDToken = def.IDToken
	}
	if l.Code <= 0 {
		l.Code = def.Code
	}
	if l.Kubeconfig <= 0 {
		l.Kubeconfig = def.Kubeconfig
	}
	if opts.Lockout.MaxFailures <= 0 {
		opts.Lockout.MaxFailures = DefaultLockout().MaxFailures
	}
	if opts.Lockout.Window <= 0 {
		opts.Lockout.Window = DefaultLockout().Window
	}
	attempts := d.Attempts
	if attempts == nil {
		a, ok := d.Store.(tokenstore.LoginAttempts)
		if !ok {
			return nil, fmt.Errorf("the token store %T does not count login attempts: give the counter in Deps.Attempts", d.Store)
		}
		attempts = a
	}
	dummy, err := password.Hash(randomID(), opts.BcryptCost)
	if err != nil {
		return nil, err
	}
	s := &Server{
		opts: opts, clients: map[string]*Client{}, issuer: d.Issuer, verifier: d.Verifier, store: d.Store, attempts: attempts,
		users: d.Users, bindings: d.Bindings, passwords: d.Passwords, livePasswords: d.LivePasswords, writer: d.Writer, clock: d.Clock, authn: d.Authenticator,
		passwordProviders: d.PasswordProviders, redirectProviders: map[string]idp.RedirectProvider{},
		providerMethods: map[string]idp.MappingMethod{}, limiter: newSourceLimiter(opts.LoginsPerMinute, opts.LoginBurst),
		dummyHash: dummy, records: make(chan *iamv1beta1.LoginRecord, recordQueueSize),
	}
	s.recordMetrics = newRecordMetrics(s.records)
	if s.bindings == nil {
		s.bindings = d.Users
	}
	for i := range opts.Clients {
		s.clients[opts.Clients[i].ID] = &opts.Clients[i]
	}
	for _, p := range d.PasswordProviders {
		s.providerMethods[p.Name()] = p.MappingMethod()
	}
	for _, p := range d.RedirectProviders {
		s.redirectProviders[p.Name()] = p
		s.providerMethods[p.Name()] = p.MappingMethod()
	}
	return s, nil
}

// Providers lists the external identity providers for the login page.
func (s *Server) Providers() []ProviderInfo {
	var out []ProviderInfo
	for _, p := range s.passwordProviders {
		out = append(out, ProviderInfo{Name: p.Name(), Type: "ldap"})
	}
	names := make([]string, 0, len(s.redirectProviders))
	for n := range s.redirectProviders {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		out = append(out, ProviderInfo{Name: n, Type: s.redirectProviders[n].Type(), Redirect: true})
	}
	return out
}

// ProviderInfo describes an identity provider for the login page; it holds
// no secret.
type ProviderInfo struct {
	Name     string `json:"name"`
	Type     string `json:"type"`
	Redirect bool   `json:"redirect"`
}

// Tokens is the token endpoint's answer.
type Tokens struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	RefreshToken string `json:"refresh_token,omitempty"`
	IDToken      string `json:"id_token,omitempty"`
	Scope        string `json:"scope,omitempty"`
}

// issue creates a session for the user: an access token, a refresh token
// and, for the openid scope, an ID token. Without multiple logins, the
// user's earlier sessions are revoked first.
func (s *Server) issue(ctx context.Context, u *iamv1beta1.User, c *Client, scope, nonce, sessionID string) (*Tokens, error) {
	if sessionID == "" {
		sessionID = randomID()
		if !s.opts.MultipleLogin {
			if _, err := s.store.RevokeUser(ctx, u.Name); err != nil {
				return nil, err
			}
		}
	}
	id := authn.Identity(u)
	base := token.Claims{Claims: jwt.Claims{Subject: u.Name, Audience: jwt.Audience{c.ID}}, ClientID: c.ID, SessionID: sessionID,
		Groups: withoutSystem(id.GetGroups()), Name: u.Spec.DisplayName, Email: u.Spec.Email, Scope: scope}
	access := base
	access.ID, access.TokenType = randomID(), token.TypeAccess
	refresh := base
	refresh.ID, refresh.TokenType = randomID(), token.TypeRefresh
	now := s.clock.Now()
	out := &Tokens{TokenType: "Bearer", ExpiresIn: int64(s.opts.Lifetimes.AccessToken.Seconds()), Scope: scope}
	var err error
	if out.AccessToken, err = s.issuer.Issue(&access, s.opts.Lifetimes.AccessToken); err != nil {
		return nil, err
	}
	s.verifier.Remember(out.AccessToken, &access)
	if out.RefreshToken, err = s.issuer.Issue(&refresh, s.opts.Lifetimes.RefreshToken); err != nil {
		return nil, err
	}
	for _, r := range []tokenstore.Record{
		{ID: access.ID, User: u.Name, Type: token.TypeAccess, ClientID: c.ID, SessionID: sessionID, ExpiresAt: now.Add(s.opts.Lifetimes.AccessToken)},
		{ID: refresh.ID, User: u.Name, Type: token.TypeRefresh, ClientID: c.ID, SessionID: sessionID, ExpiresAt: now.Add(s.opts.Lifetimes.RefreshToken)},
	} {
		if err := s.store.Add(ctx, r); err != nil {
			return nil, err
		}
	}
	if hasScope(scope, "openid") {
		idt := base
		idt.ID, idt.TokenType, idt.Nonce = randomID(), token.TypeID, nonce
		if out.IDToken, err = s.issuer.Issue(&idt, s.opts.Lifetimes.IDToken); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// KubeconfigToken issues a token for kubectl, for kube-apiserver (audience
// "kubernetes"), recorded in the token store like any other.
func (s *Server) KubeconfigToken(ctx context.Context, u *iamv1beta1.User) (string, error) {
	id := authn.Identity(u)
	c := token.Claims{Claims: jwt.Claims{Subject: u.Name, Audience: jwt.Audience{KubernetesAudience}, ID: randomID()},
		TokenType: token.TypeAccess, ClientID: "kubectl", SessionID: randomID(), Groups: withoutSystem(id.GetGroups())}
	raw, err := s.issuer.Issue(&c, s.opts.Lifetimes.Kubeconfig)
	if err != nil {
		return "", err
	}
	return raw, s.store.Add(ctx, tokenstore.Record{ID: c.ID, User: u.Name, Type: token.TypeAccess, ClientID: "kubectl",
		SessionID: c.SessionID, ExpiresAt: s.clock.Now().Add(s.opts.Lifetimes.Kubeconfig)})
}

// KubernetesAudience is the audience kube-apiserver accepts in tokens;
// ke-apiserver refuses them.
const KubernetesAudience = authn.KubernetesAudience

func withoutSystem(groups []string) []string {
	out := make([]string, 0, len(groups))
	for _, g := range groups {
		if !strings.HasPrefix(g, "system:") {
			out = append(out, g)
		}
	}
	return out
}

func hasScope(scope, want string) bool {
	return slices.Contains(strings.Fields(scope), want)
}

// authenticateClient checks the client's id and secret (constant time).
func (s *Server) authenticateClient(id, secret string) (*Client, error) {
	c, ok := s.clients[id]
	if !ok {
		return nil, errors.New("unknown client")
	}
	if c.Secret == "" {
		if secret != "" {
			return nil, errors.New("a public client has no secret")
		}
		return c, nil
	}
	if subtle.ConstantTimeCompare([]byte(c.Secret), []byte(secret)) != 1 {
		return nil, errors.New("wrong client secret")
	}
	return c, nil
}

// pkceMatches checks an S256 code verifier against its challenge.
func pkceMatches(challenge, verifier string) bool {
	if len(verifier) < 43 || len(verifier) > 128 {
		return false
	}
	sum := sha256.Sum256([]byte(verifier))
	return subtle.ConstantTimeCompare([]byte(base64.RawURLEncoding.EncodeToString(sum[:])), []byte(challenge)) == 1
}

func (s *Server) client(id string) (*Client, error) {
	c, ok := s.clients[id]
	if !ok {
		return nil, fmt.Errorf("unknown client %q", truncate(id, 64))
	}
	return c, nil
}
