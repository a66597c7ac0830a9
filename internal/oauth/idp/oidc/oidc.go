// Package oidc logs users in through an external OpenID Connect provider
// (Keycloak, Dex, Azure AD, Google, ...) with the authorization code flow:
// ke-apiserver is the relying party, a confidential client of the provider.
//
// Discovery is lazy. New only reads the configuration; the provider's
// discovery document and keys are fetched when they are first needed, so a
// provider that is down when ke-apiserver starts does not stop it from
// starting: New tries discovery once in the background, only to log whether
// the provider can be reached, and every login retries until discovery has
// succeeded once. Until then Discover, and so a login, fails with an error
// that names the provider and its issuer.
package oidc

import (
	"context"
	"crypto/subtle"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/klog/v2"

	"github.com/superkube/super-kubenetes/internal/oauth/idp"
)

// Type is the type of the provider, as shown on the login page.
const Type = "oidc"

// Defaults of the configuration.
const (
	DefaultUsernameClaim = "preferred_username"
	DefaultEmailClaim    = "email"
	DefaultGroupsClaim   = "groups"
)

const (
	// discoveryTimeout bounds one attempt to fetch the discovery document.
	discoveryTimeout = 10 * time.Second
	// requestTimeout bounds every request to the provider.
	requestTimeout = 30 * time.Second
)

// DefaultScopes returns the scopes asked for unless Config.Scopes says
// otherwise.
func DefaultScopes() []string {
	return []string{gooidc.ScopeOpenID, "profile", "email"}
}

// Config configures an OpenID Connect provider. It is part of
// ke-apiserver's configuration file.
type Config struct {
	// Name identifies the provider in URLs and on users (a DNS-1123 label).
	Name string `json:"name"`
	// MappingMethod says how a login becomes a platform user; auto by default.
	MappingMethod idp.MappingMethod `json:"mappingMethod,omitempty"`
	// Issuer is the provider's issuer URL (https); its discovery document is
	// at Issuer/.well-known/openid-configuration.
	Issuer string `json:"issuer"`
	// ClientID and ClientSecret are ke-apiserver's client credentials at the
	// provider.
	ClientID     string `json:"clientID"`
	ClientSecret string `json:"clientSecret"`
	// Scopes are asked for at login; openid, profile and email by default.
	// They must include openid.
	Scopes []string `json:"scopes,omitempty"`
	// UsernameClaim names the claim that holds the user name. By default it
	// is preferred_username, and the subject when the provider sends none; a
	// claim set explicitly must be present.
	UsernameClaim string `json:"usernameClaim,omitempty"`
	// EmailClaim names the claim that holds the e-mail address; email by
	// default. An address the provider marks as not verified
	// (email_verified: false) is ignored.
	EmailClaim string `json:"emailClaim,omitempty"`
	// GroupsClaim names the claim that holds the user's groups, a list of
	// strings or a single string; groups by default.
	GroupsClaim string `json:"groupsClaim,omitempty"`
	// InsecureSkipVerify turns off the verification of the provider's TLS
	// certificate. For tests only.
	InsecureSkipVerify bool `json:"insecureSkipVerify,omitempty"`
	// RootCA is a PEM file of CA certificates trusted for the provider's TLS
	// certificate, besides the system's.
	RootCA string `json:"rootCA,omitempty"`
}

// SetDefaults fills in the unset fields that have a default.
func (c *Config) SetDefaults() {
	if c.MappingMethod == "" {
		c.MappingMethod = idp.MappingAuto
	}
	if len(c.Scopes) == 0 {
		c.Scopes = DefaultScopes()
	}
	if c.UsernameClaim == "" {
		c.UsernameClaim = DefaultUsernameClaim
	}
	if c.EmailClaim == "" {
		c.EmailClaim = DefaultEmailClaim
	}
	if c.GroupsClaim == "" {
		c.GroupsClaim = DefaultGroupsClaim
	}
}

// Validate returns every problem with a configuration whose defaults are
// set. The messages never contain the client secret.
func (c *Config) Validate() []error {
	var errs []error
	if msgs := validation.IsDNS1123Label(c.Name); len(msgs) > 0 {
		errs = append(errs, fmt.Errorf("name %q is invalid: %s", c.Name, strings.Join(msgs, "; ")))
	}
	if c.MappingMethod != idp.MappingAuto && c.MappingMethod != idp.MappingLookup {
		errs = append(errs, fmt.Errorf("mappingMethod must be %s or %s, got %q", idp.MappingAuto, idp.MappingLookup, c.MappingMethod))
	}
	if err := validateIssuer(c.Issuer); err != nil {
		errs = append(errs, err)
	}
	if c.ClientID == "" {
		errs = append(errs, errors.New("clientID must not be empty"))
	}
	if c.ClientSecret == "" {
		errs = append(errs, errors.New("clientSecret must not be empty"))
	}
	if !slices.Contains(c.Scopes, gooidc.ScopeOpenID) {
		errs = append(errs, fmt.Errorf("scopes must include %s", gooidc.ScopeOpenID))
	}
	for _, claim := range []struct{ field, value string }{
		{"usernameClaim", c.UsernameClaim},
		{"emailClaim", c.EmailClaim},
		{"groupsClaim", c.GroupsClaim},
	} {
		if claim.value == "" {
			errs = append(errs, fmt.Errorf("%s must not be empty", claim.field))
		}
	}
	if c.InsecureSkipVerify && c.RootCA != "" {
		errs = append(errs, errors.New("rootCA and insecureSkipVerify exclude each other"))
	}
	return errs
}

func validateIssuer(issuer string) error {
	if issuer == "" {
		return errors.New("issuer must not be empty")
	}
	u, err := url.Parse(issuer)
	if err != nil {
		return fmt.Errorf("issuer %q is not a URL: %w", issuer, err)
	}
	if u.Scheme != "https" || u.Host == "" {
		return fmt.Errorf("issuer %q must be an https URL", issuer)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return fmt.Errorf("issuer %q must have no query, fragment or user information", issuer)
	}
	return nil
}

// Provider is an OpenID Connect identity provider. It is safe for concurrent
// use.
type Provider struct {
	cfg Config
	// usernameClaimSet says the username claim was configured, so that its
	// absence is an error rather than a reason to fall back to the subject.
	usernameClaimSet bool
	httpClient       *http.Client

	mu       sync.Mutex
	disc     *discovery // nil until discovery succeeded
	inFlight *attempt   // the discovery attempt under way, if any
}

// attempt is one discovery attempt, shared by the logins that need it
// meanwhile. Its result is set before done is closed.
type attempt struct {
	done chan struct{}
	disc *discovery
	err  error
}

var _ idp.RedirectProvider = (*Provider)(nil)

// discovery is what the provider's discovery document told.
type discovery struct {
	provider *gooidc.Provider
	verifier *gooidc.IDTokenVerifier
	endpoint oauth2.Endpoint
}

// New returns the provider for the configuration, with its defaults set. It
// fails on an invalid configuration or an unreadable RootCA, never because
// the provider is down: it only starts one discovery attempt in the
// background, which stops with ctx and logs its outcome.
func New(ctx context.Context, cfg Config) (*Provider, error) {
	usernameClaimSet := cfg.UsernameClaim != ""
	cfg.Scopes = slices.Clone(cfg.Scopes)
	cfg.SetDefaults()
	if errs := cfg.Validate(); len(errs) > 0 {
		return nil, fmt.Errorf("OIDC provider %q: %w", cfg.Name, errors.Join(errs...))
	}
	client, err := newHTTPClient(cfg.RootCA, cfg.InsecureSkipVerify)
	if err != nil {
		return nil, fmt.Errorf("OIDC provider %q: %w", cfg.Name, err)
	}
	p := &Provider{cfg: cfg, usernameClaimSet: usernameClaimSet, httpClient: client}
	go p.warmUp(ctx)
	return p, nil
}

func (p *Provider) warmUp(ctx context.Context) {
	logger := klog.FromContext(ctx).WithValues("provider", p.cfg.Name, "issuer", p.cfg.Issuer)
	if err := p.Discover(ctx); err != nil {
		if ctx.Err() == nil {
			logger.Error(err, "OIDC provider cannot be reached yet, discovery is retried at login")
		}
		return
	}
	logger.V(2).Info("OIDC provider discovered")
}

func newHTTPClient(rootCA string, insecureSkipVerify bool) (*http.Client, error) {
	tlsConfig := &tls.Config{MinVersion: tls.VersionTLS12}
	if rootCA != "" {
		data, err := os.ReadFile(rootCA)
		if err != nil {
			return nil, fmt.Errorf("reading rootCA: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(data) {
			return nil, fmt.Errorf("rootCA %s holds no PEM certificate", rootCA)
		}
		tlsConfig.RootCAs = pool
	}
	if insecureSkipVerify {
		tlsConfig.InsecureSkipVerify = true
	}
	transport, ok := http.DefaultTransport.(*http.Transport)
	if !ok {
		return nil, errors.New("the default HTTP transport is not an *http.Transport")
	}
	transport = transport.Clone()
	transport.TLSClientConfig = tlsConfig
	return &http.Client{Transport: transport, Timeout: requestTimeout}, nil
}

// Name implements idp.RedirectProvider.
func (p *Provider) Name() string { return p.cfg.Name }

// MappingMethod implements idp.RedirectProvider.
func (p *Provider) MappingMethod() idp.MappingMethod { return p.cfg.MappingMethod }

// Type implements idp.RedirectProvider.
func (p *Provider) Type() string { return Type }

// Discover fetches the provider's discovery document unless that already
// succeeded. Concurrent callers share one attempt of at most ten seconds;
// ctx only bounds the wait. Its error names the provider and the issuer. A
// login handler calls it before AuthCodeURL, which has no way to report an
// error.
func (p *Provider) Discover(ctx context.Context) error {
	_, err := p.discover(ctx)
	return err
}

func (p *Provider) discover(ctx context.Context) (*discovery, error) {
	p.mu.Lock()
	if p.disc != nil {
		defer p.mu.Unlock()
		return p.disc, nil
	}
	a := p.inFlight
	if a == nil {
		// One attempt at a time, detached from the caller's context so that
		// a caller that gives up does not fail the others waiting for it.
		a = &attempt{done: make(chan struct{})}
		p.inFlight = a
		go p.runDiscovery(context.WithoutCancel(ctx), a)
	}
	p.mu.Unlock()
	select {
	case <-a.done:
		return a.disc, a.err
	case <-ctx.Done():
		return nil, fmt.Errorf("OIDC provider %q: waiting for discovery at issuer %s: %w", p.cfg.Name, p.cfg.Issuer, ctx.Err())
	}
}

func (p *Provider) runDiscovery(ctx context.Context, a *attempt) {
	ctx, cancel := context.WithTimeout(ctx, discoveryTimeout)
	defer cancel()
	d, err := p.fetchDiscovery(ctx)
	p.mu.Lock()
	a.disc, a.err = d, err
	if err == nil {
		p.disc = d
	}
	p.inFlight = nil
	p.mu.Unlock()
	close(a.done)
}

// fetchDiscovery reads the provider's discovery document.
func (p *Provider) fetchDiscovery(ctx context.Context) (*discovery, error) {
	provider, err := gooidc.NewProvider(gooidc.ClientContext(ctx, p.httpClient), p.cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("OIDC provider %q: discovery at issuer %s failed: %w", p.cfg.Name, p.cfg.Issuer, err)
	}
	var meta struct {
		TokenEndpointAuthMethods []string `json:"token_endpoint_auth_methods_supported"`
	}
	if err := provider.Claims(&meta); err != nil {
		return nil, fmt.Errorf("OIDC provider %q: the discovery document of issuer %s is invalid: %w", p.cfg.Name, p.cfg.Issuer, err)
	}
	endpoint := provider.Endpoint()
	endpoint.AuthStyle = authStyle(meta.TokenEndpointAuthMethods)
	return &discovery{
		provider: provider,
		// The key set fetches the keys with the client of the discovery.
		verifier: provider.Verifier(&gooidc.Config{ClientID: p.cfg.ClientID}),
		endpoint: endpoint,
	}, nil
}

// authStyle picks how the client authenticates at the token endpoint from
// the methods the provider supports; client_secret_basic is the default of
// the specification.
func authStyle(methods []string) oauth2.AuthStyle {
	switch {
	case len(methods) == 0, slices.Contains(methods, "client_secret_basic"):
		return oauth2.AuthStyleInHeader
	case slices.Contains(methods, "client_secret_post"):
		return oauth2.AuthStyleInParams
	default:
		return oauth2.AuthStyleAutoDetect
	}
}

func (p *Provider) oauth2Config(d *discovery, redirectURI string) *oauth2.Config {
	return &oauth2.Config{
		ClientID:     p.cfg.ClientID,
		ClientSecret: p.cfg.ClientSecret,
		Endpoint:     d.endpoint,
		RedirectURL:  redirectURI,
		Scopes:       p.cfg.Scopes,
	}
}

// AuthCodeURL implements idp.RedirectProvider. It discovers the provider if
// that has not succeeded yet, and returns the empty string if it fails: call
// Discover first to learn why.
func (p *Provider) AuthCodeURL(ctx context.Context, state, nonce, redirectURI string) (string, error) {
	d, err := p.discover(ctx)
	if err != nil {
		return "", err
	}
	return p.oauth2Config(d, redirectURI).AuthCodeURL(state, gooidc.Nonce(nonce)), nil
}

// Exchange implements idp.RedirectProvider. It redeems the code at the token
// endpoint, verifies the ID token's signature, issuer, audience and expiry
// and that it carries the nonce of the login, and maps its claims to the
// identity; claims the ID token lacks are looked up at the userinfo
// endpoint. A code the provider refuses as invalid or expired gives an error
// that wraps idp.ErrInvalidCredentials. No error contains the client secret,
// the code or a token.
func (p *Provider) Exchange(ctx context.Context, code, nonce, redirectURI string) (*idp.Identity, error) {
	if code == "" {
		return nil, fmt.Errorf("OIDC provider %q: the callback has no code: %w", p.cfg.Name, idp.ErrInvalidCredentials)
	}
	if nonce == "" {
		return nil, fmt.Errorf("OIDC provider %q: a login needs a nonce", p.cfg.Name)
	}
	d, err := p.discover(ctx)
	if err != nil {
		return nil, err
	}
	ctx = gooidc.ClientContext(ctx, p.httpClient)
	token, err := p.oauth2Config(d, redirectURI).Exchange(ctx, code)
	if err != nil {
		return nil, p.exchangeError(err, d.endpoint.TokenURL, code)
	}
	rawIDToken, _ := token.Extra("id_token").(string)
	if rawIDToken == "" {
		return nil, fmt.Errorf("OIDC provider %q: the token response has no ID token", p.cfg.Name)
	}
	idToken, err := d.verifier.Verify(ctx, rawIDToken)
	if err != nil {
		return nil, fmt.Errorf("OIDC provider %q: the ID token is invalid: %w", p.cfg.Name, err)
	}
	if subtle.ConstantTimeCompare([]byte(idToken.Nonce), []byte(nonce)) != 1 {
		return nil, fmt.Errorf("OIDC provider %q: the ID token's nonce is not the one of the login", p.cfg.Name)
	}
	if idToken.AccessTokenHash != "" {
		if err := idToken.VerifyAccessToken(token.AccessToken); err != nil {
			return nil, fmt.Errorf("OIDC provider %q: the ID token does not match the access token: %w", p.cfg.Name, err)
		}
	}
	claims := map[string]any{}
	if err := idToken.Claims(&claims); err != nil {
		return nil, fmt.Errorf("OIDC provider %q: decoding the ID token's claims: %w", p.cfg.Name, err)
	}
	if p.lacksClaims(claims) && d.provider.UserInfoEndpoint() != "" {
		if err := p.addUserInfo(ctx, d, token, idToken.Subject, claims); err != nil {
			return nil, err
		}
	}
	return p.identity(idToken.Subject, claims)
}

// exchangeError describes a failed code exchange from the provider's error
// code and description only: the raw response could echo the request.
func (p *Provider) exchangeError(err error, tokenURL, code string) error {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		return fmt.Errorf("OIDC provider %q: redeeming the code at %s: %w", p.cfg.Name, tokenURL, err)
	}
	reason := re.ErrorCode
	if reason == "" && re.Response != nil {
		reason = re.Response.Status
	}
	if re.ErrorDescription != "" {
		reason += ": " + re.ErrorDescription
	}
	reason = redact(reason, p.cfg.ClientSecret, code)
	if re.ErrorCode == "invalid_grant" {
		return fmt.Errorf("OIDC provider %q refused the code (%s): %w", p.cfg.Name, reason, idp.ErrInvalidCredentials)
	}
	return fmt.Errorf("OIDC provider %q refused the code at %s (%s)", p.cfg.Name, tokenURL, reason)
}

// redact replaces the secrets in a message from the provider.
func redact(msg string, secrets ...string) string {
	for _, s := range secrets {
		if s != "" {
			msg = strings.ReplaceAll(msg, s, "[redacted]")
		}
	}
	return msg
}

// lacksClaims says whether a claim the identity is made of is missing.
func (p *Provider) lacksClaims(claims map[string]any) bool {
	for _, name := range []string{p.cfg.UsernameClaim, p.cfg.EmailClaim, p.cfg.GroupsClaim} {
		if _, ok := claims[name]; !ok {
			return true
		}
	}
	return false
}

// addUserInfo adds the claims of the userinfo endpoint that the ID token
// lacks. The userinfo must be about the ID token's subject.
func (p *Provider) addUserInfo(ctx context.Context, d *discovery, token *oauth2.Token, subject string, claims map[string]any) error {
	info, err := d.provider.UserInfo(ctx, oauth2.StaticTokenSource(token))
	if err != nil {
		return fmt.Errorf("OIDC provider %q: asking the userinfo endpoint: %w", p.cfg.Name, err)
	}
	if info.Subject != subject {
		return fmt.Errorf("OIDC provider %q: the userinfo endpoint answered for another subject than the ID token's", p.cfg.Name)
	}
	extra := map[string]any{}
	if err := info.Claims(&extra); err != nil {
		return fmt.Errorf("OIDC provider %q: decoding the userinfo claims: %w", p.cfg.Name, err)
	}
	for k, v := range extra {
		if _, ok := claims[k]; !ok {
			claims[k] = v
		}
	}
	return nil
}

// identity maps the claims to an identity.
func (p *Provider) identity(subject string, claims map[string]any) (*idp.Identity, error) {
	if subject == "" {
		return nil, fmt.Errorf("OIDC provider %q: the ID token has no subject", p.cfg.Name)
	}
	id := &idp.Identity{Provider: p.cfg.Name, UID: subject}

	username, found, err := stringClaim(claims, p.cfg.UsernameClaim)
	switch {
	case err != nil:
		return nil, fmt.Errorf("OIDC provider %q: %w", p.cfg.Name, err)
	case found && username != "":
		id.Username = username
	case p.usernameClaimSet:
		return nil, fmt.Errorf("OIDC provider %q: the ID token has no %q claim", p.cfg.Name, p.cfg.UsernameClaim)
	default:
		id.Username = subject
	}

	email, _, err := stringClaim(claims, p.cfg.EmailClaim)
	if err != nil {
		return nil, fmt.Errorf("OIDC provider %q: %w", p.cfg.Name, err)
	}
	if !explicitlyUnverified(claims["email_verified"]) {
		id.Email = email
	}

	// The display name is a nicety: a malformed one is left out.
	id.DisplayName, _, _ = stringClaim(claims, "name")

	id.Groups, err = groupsClaim(claims, p.cfg.GroupsClaim)
	if err != nil {
		return nil, fmt.Errorf("OIDC provider %q: %w", p.cfg.Name, err)
	}
	return id, nil
}

// stringClaim returns a string claim; a claim of another type is an error.
func stringClaim(claims map[string]any, name string) (value string, found bool, err error) {
	v, ok := claims[name]
	if !ok || v == nil {
		return "", false, nil
	}
	s, ok := v.(string)
	if !ok {
		return "", true, fmt.Errorf("the %q claim is a %T, not a string", name, v)
	}
	return s, true, nil
}

// groupsClaim returns a claim that is a list of strings or a single string.
func groupsClaim(claims map[string]any, name string) ([]string, error) {
	switch v := claims[name].(type) {
	case nil:
		return nil, nil
	case string:
		return []string{v}, nil
	case []any:
		groups := make([]string, 0, len(v))
		for _, g := range v {
			s, ok := g.(string)
			if !ok {
				return nil, fmt.Errorf("the %q claim holds a %T, not a string", name, g)
			}
			groups = append(groups, s)
		}
		return groups, nil
	default:
		return nil, fmt.Errorf("the %q claim is a %T, not a list of strings", name, v)
	}
}

// explicitlyUnverified says whether email_verified is false; some providers
// send it as a string.
func explicitlyUnverified(v any) bool {
	switch v := v.(type) {
	case bool:
		return !v
	case string:
		return strings.EqualFold(v, "false")
	default:
		return false
	}
}
