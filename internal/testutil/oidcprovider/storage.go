package oidcprovider

import (
	"context"
	"crypto/rsa"
	"crypto/subtle"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// errNotSupported answers the parts of op.Storage a code-flow test provider
// never needs (refresh tokens, JWT profile grants, introspection).
var errNotSupported = errors.New("not supported by the test OpenID provider")

// storage is the in-memory op.Storage of the test provider: one client, a
// fixed set of users, and the auth requests, codes and access tokens of the
// logins in progress.
type storage struct {
	client *client
	users  map[string]User // by subject
	// issueTo, when set, is the client the ID tokens are issued to instead
	// of the one that logs in.
	issueTo      string
	codeTTL      time.Duration
	tokenTTL     time.Duration
	now          func() time.Time
	signingKey   *rsa.PrivateKey
	signingKeyID string

	mu           sync.Mutex
	authRequests map[string]*authRequest // by ID
	codes        map[string]string       // code → auth request ID
	tokens       map[string]*accessToken // by ID
}

var (
	_ op.Storage                   = (*storage)(nil)
	_ op.CanSetUserinfoFromRequest = (*storage)(nil)
)

// accessToken is what the provider remembers of an access token it issued,
// to answer the userinfo endpoint.
type accessToken struct {
	subject    string
	clientID   string
	scopes     []string
	expiration time.Time
}

// userBySubject returns the user with that subject.
func (s *storage) userBySubject(subject string) (User, bool) {
	u, ok := s.users[subject]
	return u, ok
}

// userByUsername returns the user with that preferred username or, failing
// that, subject.
func (s *storage) userByUsername(name string) (User, bool) {
	for _, u := range s.users {
		if u.Username == name {
			return u, true
		}
	}
	return s.userBySubject(name)
}

// CreateAuthRequest implements op.AuthStorage.
func (s *storage) CreateAuthRequest(_ context.Context, req *oidc.AuthRequest, _ string) (op.AuthRequest, error) {
	id, err := randomID()
	if err != nil {
		return nil, err
	}
	ar := &authRequest{
		id:           id,
		clientID:     req.ClientID,
		redirectURI:  req.RedirectURI,
		scopes:       slices.Clone(req.Scopes),
		state:        req.State,
		nonce:        req.Nonce,
		loginHint:    req.LoginHint,
		responseType: req.ResponseType,
		responseMode: req.ResponseMode,
		issueTo:      s.issueTo,
	}
	if req.CodeChallenge != "" {
		ar.codeChallenge = &oidc.CodeChallenge{Challenge: req.CodeChallenge, Method: req.CodeChallengeMethod}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.authRequests[id] = ar
	return ar.snapshot(), nil
}

// AuthRequestByID implements op.AuthStorage.
func (s *storage) AuthRequestByID(_ context.Context, id string) (op.AuthRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ar, ok := s.authRequests[id]
	if !ok {
		return nil, fmt.Errorf("auth request %q not found", id)
	}
	return ar.snapshot(), nil
}

// AuthRequestByCode implements op.AuthStorage. A code older than the code
// lifetime is refused, as is a code already exchanged (its auth request is
// deleted on exchange).
func (s *storage) AuthRequestByCode(_ context.Context, code string) (op.AuthRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.codes[code]
	if !ok {
		return nil, errors.New("unknown code")
	}
	ar, ok := s.authRequests[id]
	if !ok {
		return nil, errors.New("unknown code")
	}
	if s.now().Sub(ar.codeIssued) > s.codeTTL {
		return nil, errors.New("expired code")
	}
	return ar.snapshot(), nil
}

// SaveAuthCode implements op.AuthStorage.
func (s *storage) SaveAuthCode(_ context.Context, id, code string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	ar, ok := s.authRequests[id]
	if !ok {
		return fmt.Errorf("auth request %q not found", id)
	}
	s.codes[code] = id
	ar.codeIssued = s.now()
	return nil
}

// DeleteAuthRequest implements op.AuthStorage; it also forgets the codes of
// the request, so that a code can be exchanged once only.
func (s *storage) DeleteAuthRequest(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.authRequests, id)
	for code, reqID := range s.codes {
		if reqID == id {
			delete(s.codes, code)
		}
	}
	return nil
}

// completeLogin marks the auth request as authenticated for the user.
func (s *storage) completeLogin(id, subject string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	ar, ok := s.authRequests[id]
	if !ok {
		return fmt.Errorf("auth request %q not found", id)
	}
	ar.subject = subject
	ar.authTime = s.now()
	ar.done = true
	return nil
}

// CreateAccessToken implements op.AuthStorage.
func (s *storage) CreateAccessToken(_ context.Context, req op.TokenRequest) (string, time.Time, error) {
	id, err := randomID()
	if err != nil {
		return "", time.Time{}, err
	}
	var clientID string
	if ar, ok := req.(*authRequest); ok {
		clientID = ar.clientID
	}
	exp := s.now().Add(s.tokenTTL)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens[id] = &accessToken{
		subject:    req.GetSubject(),
		clientID:   clientID,
		scopes:     slices.Clone(req.GetScopes()),
		expiration: exp,
	}
	return id, exp, nil
}

// CreateAccessAndRefreshTokens implements op.AuthStorage; the test client has
// no refresh token grant, so it is never called.
func (s *storage) CreateAccessAndRefreshTokens(context.Context, op.TokenRequest, string) (string, string, time.Time, error) {
	return "", "", time.Time{}, errNotSupported
}

// TokenRequestByRefreshToken implements op.AuthStorage.
func (s *storage) TokenRequestByRefreshToken(context.Context, string) (op.RefreshTokenRequest, error) {
	return nil, op.ErrInvalidRefreshToken
}

// TerminateSession implements op.AuthStorage; the test provider keeps no
// sessions.
func (s *storage) TerminateSession(context.Context, string, string) error {
	return nil
}

// RevokeToken implements op.AuthStorage.
func (s *storage) RevokeToken(_ context.Context, tokenID, _, _ string) *oidc.Error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.tokens, tokenID)
	return nil
}

// GetRefreshTokenInfo implements op.AuthStorage.
func (s *storage) GetRefreshTokenInfo(context.Context, string, string) (string, string, error) {
	return "", "", op.ErrInvalidRefreshToken
}

// SigningKey implements op.AuthStorage.
func (s *storage) SigningKey(context.Context) (op.SigningKey, error) {
	return &signingKey{id: s.signingKeyID, key: s.signingKey}, nil
}

// SignatureAlgorithms implements op.AuthStorage.
func (s *storage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{jose.RS256}, nil
}

// KeySet implements op.AuthStorage.
func (s *storage) KeySet(context.Context) ([]op.Key, error) {
	return []op.Key{&publicKey{id: s.signingKeyID, key: &s.signingKey.PublicKey}}, nil
}

// GetClientByClientID implements op.OPStorage.
func (s *storage) GetClientByClientID(_ context.Context, clientID string) (op.Client, error) {
	if clientID != s.client.id && (s.issueTo == "" || clientID != s.issueTo) {
		return nil, fmt.Errorf("client %q not found", clientID)
	}
	return s.client, nil
}

// AuthorizeClientIDSecret implements op.OPStorage.
func (s *storage) AuthorizeClientIDSecret(_ context.Context, clientID, clientSecret string) error {
	if clientID != s.client.id || subtle.ConstantTimeCompare([]byte(clientSecret), []byte(s.client.secret)) != 1 {
		return errors.New("invalid client credentials")
	}
	return nil
}

// SetUserinfoFromScopes implements op.OPStorage; it is deprecated in favour of
// SetUserinfoFromRequest.
func (s *storage) SetUserinfoFromScopes(context.Context, *oidc.UserInfo, string, string, []string) error {
	return nil
}

// SetUserinfoFromRequest implements op.CanSetUserinfoFromRequest: the claims
// of the ID token.
func (s *storage) SetUserinfoFromRequest(_ context.Context, info *oidc.UserInfo, req op.IDTokenRequest, scopes []string) error {
	return s.setUserinfo(info, req.GetSubject(), scopes)
}

// SetUserinfoFromToken implements op.OPStorage: the answer of the userinfo
// endpoint.
func (s *storage) SetUserinfoFromToken(_ context.Context, info *oidc.UserInfo, tokenID, subject, _ string) error {
	s.mu.Lock()
	token, ok := s.tokens[tokenID]
	s.mu.Unlock()
	if !ok || token.subject != subject {
		return errors.New("unknown access token")
	}
	if s.now().After(token.expiration) {
		return errors.New("expired access token")
	}
	return s.setUserinfo(info, subject, token.scopes)
}

// setUserinfo sets the claims of the user that the scopes ask for. The
// groups claim comes with the profile or groups scope.
func (s *storage) setUserinfo(info *oidc.UserInfo, subject string, scopes []string) error {
	u, ok := s.userBySubject(subject)
	if !ok {
		return fmt.Errorf("user %q not found", subject)
	}
	groups := false
	for _, scope := range scopes {
		switch scope {
		case oidc.ScopeOpenID:
			info.Subject = u.Subject
		case oidc.ScopeProfile:
			info.PreferredUsername = u.Username
			info.Name = u.Name
			groups = true
		case oidc.ScopeEmail:
			info.Email = u.Email
			if u.Email != "" {
				// The library omits a false email_verified; say it explicitly.
				info.AppendClaims("email_verified", u.EmailVerified)
			}
		case ScopeGroups:
			groups = true
		}
	}
	if groups && len(u.Groups) > 0 {
		info.AppendClaims("groups", slices.Clone(u.Groups))
	}
	return nil
}

// SetIntrospectionFromToken implements op.OPStorage.
func (s *storage) SetIntrospectionFromToken(context.Context, *oidc.IntrospectionResponse, string, string, string) error {
	return errNotSupported
}

// GetPrivateClaimsFromScopes implements op.OPStorage; there are none.
func (s *storage) GetPrivateClaimsFromScopes(context.Context, string, string, []string) (map[string]any, error) {
	return nil, nil
}

// GetKeyByIDAndClientID implements op.OPStorage.
func (s *storage) GetKeyByIDAndClientID(context.Context, string, string) (*jose.JSONWebKey, error) {
	return nil, errNotSupported
}

// ValidateJWTProfileScopes implements op.OPStorage.
func (s *storage) ValidateJWTProfileScopes(context.Context, string, []string) ([]string, error) {
	return nil, errNotSupported
}

// Health implements op.Storage.
func (s *storage) Health(context.Context) error {
	return nil
}

// authRequest implements op.AuthRequest. The storage hands out copies, so
// that the provider never reads a request while a login changes it.
type authRequest struct {
	id            string
	clientID      string
	redirectURI   string
	scopes        []string
	state         string
	nonce         string
	loginHint     string
	responseType  oidc.ResponseType
	responseMode  oidc.ResponseMode
	codeChallenge *oidc.CodeChallenge
	issueTo       string

	subject    string
	authTime   time.Time
	done       bool
	codeIssued time.Time
}

var _ op.AuthRequest = (*authRequest)(nil)

func (a *authRequest) snapshot() *authRequest {
	c := *a
	c.scopes = slices.Clone(a.scopes)
	return &c
}

// GetID implements op.AuthRequest.
func (a *authRequest) GetID() string { return a.id }

// GetACR implements op.AuthRequest.
func (a *authRequest) GetACR() string { return "" }

// GetAMR implements op.AuthRequest.
func (a *authRequest) GetAMR() []string { return []string{"pwd"} }

// GetAudience implements op.AuthRequest.
func (a *authRequest) GetAudience() []string { return []string{a.GetClientID()} }

// GetAuthTime implements op.AuthRequest.
func (a *authRequest) GetAuthTime() time.Time { return a.authTime }

// GetClientID implements op.AuthRequest: the client the tokens are issued
// to, the one that logs in unless Options.IssueTokensTo says otherwise.
func (a *authRequest) GetClientID() string {
	if a.issueTo != "" {
		return a.issueTo
	}
	return a.clientID
}

// GetCodeChallenge implements op.AuthRequest.
func (a *authRequest) GetCodeChallenge() *oidc.CodeChallenge { return a.codeChallenge }

// GetNonce implements op.AuthRequest.
func (a *authRequest) GetNonce() string { return a.nonce }

// GetRedirectURI implements op.AuthRequest.
func (a *authRequest) GetRedirectURI() string { return a.redirectURI }

// GetResponseType implements op.AuthRequest.
func (a *authRequest) GetResponseType() oidc.ResponseType { return a.responseType }

// GetResponseMode implements op.AuthRequest.
func (a *authRequest) GetResponseMode() oidc.ResponseMode { return a.responseMode }

// GetScopes implements op.AuthRequest.
func (a *authRequest) GetScopes() []string { return a.scopes }

// GetState implements op.AuthRequest.
func (a *authRequest) GetState() string { return a.state }

// GetSubject implements op.AuthRequest.
func (a *authRequest) GetSubject() string { return a.subject }

// Done implements op.AuthRequest.
func (a *authRequest) Done() bool { return a.done }

// client implements op.Client: a confidential web application using the
// authorization code flow with client_secret_basic.
type client struct {
	id                   string
	issueTo              string
	secret               string
	redirectURIs         []string
	claimsInUserinfoOnly bool
	idTokenLifetime      time.Duration
}

var _ op.Client = (*client)(nil)

// GetID implements op.Client. With Options.IssueTokensTo the client
// passes for the other one, so that the provider issues its tokens to it.
func (c *client) GetID() string {
	if c.issueTo != "" {
		return c.issueTo
	}
	return c.id
}

// RedirectURIs implements op.Client.
func (c *client) RedirectURIs() []string { return c.redirectURIs }

// PostLogoutRedirectURIs implements op.Client.
func (c *client) PostLogoutRedirectURIs() []string { return nil }

// ApplicationType implements op.Client.
func (c *client) ApplicationType() op.ApplicationType { return op.ApplicationTypeWeb }

// AuthMethod implements op.Client.
func (c *client) AuthMethod() oidc.AuthMethod { return oidc.AuthMethodBasic }

// ResponseTypes implements op.Client.
func (c *client) ResponseTypes() []oidc.ResponseType {
	return []oidc.ResponseType{oidc.ResponseTypeCode}
}

// GrantTypes implements op.Client.
func (c *client) GrantTypes() []oidc.GrantType {
	return []oidc.GrantType{oidc.GrantTypeCode}
}

// LoginURL implements op.Client: the provider's own login endpoint, which
// logs the user in without a page.
func (c *client) LoginURL(authRequestID string) string {
	return loginPath + "?" + loginRequestParam + "=" + authRequestID
}

// AccessTokenType implements op.Client.
func (c *client) AccessTokenType() op.AccessTokenType { return op.AccessTokenTypeBearer }

// IDTokenLifetime implements op.Client.
func (c *client) IDTokenLifetime() time.Duration { return c.idTokenLifetime }

// DevMode implements op.Client.
func (c *client) DevMode() bool { return false }

// RestrictAdditionalIdTokenScopes implements op.Client.
func (c *client) RestrictAdditionalIdTokenScopes() func([]string) []string { //nolint:revive // the name is op.Client's
	return func(scopes []string) []string { return scopes }
}

// RestrictAdditionalAccessTokenScopes implements op.Client.
func (c *client) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(scopes []string) []string { return scopes }
}

// IsScopeAllowed implements op.Client: the groups scope besides the standard
// ones.
func (c *client) IsScopeAllowed(scope string) bool { return scope == ScopeGroups }

// IDTokenUserinfoClaimsAssertion implements op.Client: whether the ID token
// carries the profile and email claims, or only the userinfo endpoint does.
func (c *client) IDTokenUserinfoClaimsAssertion() bool { return !c.claimsInUserinfoOnly }

// ClockSkew implements op.Client.
func (c *client) ClockSkew() time.Duration { return 0 }

// signingKey implements op.SigningKey.
type signingKey struct {
	id  string
	key *rsa.PrivateKey
}

// SignatureAlgorithm implements op.SigningKey.
func (k *signingKey) SignatureAlgorithm() jose.SignatureAlgorithm { return jose.RS256 }

// Key implements op.SigningKey.
func (k *signingKey) Key() any { return k.key }

// ID implements op.SigningKey.
func (k *signingKey) ID() string { return k.id }

// publicKey implements op.Key.
type publicKey struct {
	id  string
	key *rsa.PublicKey
}

// ID implements op.Key.
func (k *publicKey) ID() string { return k.id }

// Algorithm implements op.Key.
func (k *publicKey) Algorithm() jose.SignatureAlgorithm { return jose.RS256 }

// Use implements op.Key.
func (k *publicKey) Use() string { return "sig" }

// Key implements op.Key.
func (k *publicKey) Key() any { return k.key }
