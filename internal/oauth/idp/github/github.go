// Package github logs users in with their GitHub account through a GitHub
// OAuth app (github.com or GitHub Enterprise Server): the browser is sent to
// GitHub, the code it brings back is redeemed for a token, and the token
// reads the user's profile, primary e-mail address and organizations. The
// organizations are the user's groups and, when Config.Orgs is set, an
// allow-list.
package github

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/superkube/super-kubenetes/internal/oauth/idp"
)

// Type is the type of the provider, as shown on the login page.
const Type = "github"

// Endpoints of github.com, the defaults of the configuration.
const (
	DefaultAuthURL  = "https://github.com/login/oauth/authorize"
	DefaultTokenURL = "https://github.com/login/oauth/access_token" //nolint:gosec // a URL, not a credential
	DefaultAPIURL   = "https://api.github.com"
)

const (
	// requestTimeout bounds every request to GitHub.
	requestTimeout = 30 * time.Second
	// orgsPerPage and maxOrgPages bound the listing of the user's
	// organizations.
	orgsPerPage = 100
	maxOrgPages = 10
	// maxResponse bounds the body read from the API.
	maxResponse = 1 << 20
)

// scopes are asked for at login: the profile, the e-mail addresses (for
// users without a public one) and the organizations, public and private.
func scopes() []string {
	return []string{"read:user", "user:email", "read:org"}
}

// Config configures login with GitHub. It is part of ke-apiserver's
// configuration file.
type Config struct {
	// Name identifies the provider in URLs and on users (a DNS-1123 label).
	Name string `json:"name"`
	// MappingMethod says how a login becomes a platform user; auto by default.
	MappingMethod idp.MappingMethod `json:"mappingMethod,omitempty"`
	// ClientID and ClientSecret are the OAuth app's credentials.
	ClientID     string `json:"clientID"`
	ClientSecret string `json:"clientSecret"`
	// AuthURL, TokenURL and APIURL are GitHub's endpoints, github.com's by
	// default; GitHub Enterprise Server has them at
	// https://HOST/login/oauth/authorize, https://HOST/login/oauth/access_token
	// and https://HOST/api/v3.
	AuthURL  string `json:"authURL,omitempty"`
	TokenURL string `json:"tokenURL,omitempty"`
	APIURL   string `json:"apiURL,omitempty"`
	// Orgs, when set, lets only members of one of these organizations log
	// in (compared without regard to case). The organization must have
	// granted the OAuth app access, or GitHub hides the membership.
	Orgs []string `json:"orgs,omitempty"`
}

// SetDefaults fills in the unset fields that have a default.
func (c *Config) SetDefaults() {
	if c.MappingMethod == "" {
		c.MappingMethod = idp.MappingAuto
	}
	if c.AuthURL == "" {
		c.AuthURL = DefaultAuthURL
	}
	if c.TokenURL == "" {
		c.TokenURL = DefaultTokenURL
	}
	if c.APIURL == "" {
		c.APIURL = DefaultAPIURL
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
	if c.ClientID == "" {
		errs = append(errs, errors.New("clientID must not be empty"))
	}
	if c.ClientSecret == "" {
		errs = append(errs, errors.New("clientSecret must not be empty"))
	}
	for _, u := range []struct{ field, value string }{
		{"authURL", c.AuthURL},
		{"tokenURL", c.TokenURL},
		{"apiURL", c.APIURL},
	} {
		if err := validateURL(u.value); err != nil {
			errs = append(errs, fmt.Errorf("%s %w", u.field, err))
		}
	}
	for i, org := range c.Orgs {
		if strings.TrimSpace(org) == "" {
			errs = append(errs, fmt.Errorf("orgs[%d] must not be empty", i))
		}
	}
	return errs
}

func validateURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%q is not a URL: %w", raw, err)
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("%q must be an absolute http(s) URL", raw)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return fmt.Errorf("%q must have no query, fragment or user information", raw)
	}
	return nil
}

// Provider logs users in with GitHub. It is safe for concurrent use.
type Provider struct {
	cfg        Config
	apiURL     string
	httpClient *http.Client
}

var _ idp.RedirectProvider = (*Provider)(nil)

// New returns the provider for the configuration, with its defaults set. It
// does not contact GitHub.
func New(cfg Config) (*Provider, error) {
	cfg.Orgs = append([]string(nil), cfg.Orgs...)
	cfg.SetDefaults()
	if errs := cfg.Validate(); len(errs) > 0 {
		return nil, fmt.Errorf("GitHub provider %q: %w", cfg.Name, errors.Join(errs...))
	}
	return &Provider{
		cfg:        cfg,
		apiURL:     strings.TrimSuffix(cfg.APIURL, "/"),
		httpClient: &http.Client{Timeout: requestTimeout},
	}, nil
}

// Name implements idp.RedirectProvider.
func (p *Provider) Name() string { return p.cfg.Name }

// MappingMethod implements idp.RedirectProvider.
func (p *Provider) MappingMethod() idp.MappingMethod { return p.cfg.MappingMethod }

// Type implements idp.RedirectProvider.
func (p *Provider) Type() string { return Type }

func (p *Provider) oauth2Config(redirectURI string) *oauth2.Config {
	return &oauth2.Config{
		ClientID:     p.cfg.ClientID,
		ClientSecret: p.cfg.ClientSecret,
		Endpoint: oauth2.Endpoint{
			AuthURL:   p.cfg.AuthURL,
			TokenURL:  p.cfg.TokenURL,
			AuthStyle: oauth2.AuthStyleInParams,
		},
		RedirectURL: redirectURI,
		Scopes:      scopes(),
	}
}

// AuthCodeURL implements idp.RedirectProvider. GitHub's OAuth has no nonce;
// the state alone protects the round trip.
func (p *Provider) AuthCodeURL(_ context.Context, state, _, redirectURI string) (string, error) {
	return p.oauth2Config(redirectURI).AuthCodeURL(state), nil
}

// Exchange implements idp.RedirectProvider: it redeems the code and reads
// the user's profile, primary verified e-mail address and organizations. A
// code GitHub refuses, and a user outside the allowed organizations, give
// an error that wraps idp.ErrInvalidCredentials. No error contains the
// client secret, the code or the token.
func (p *Provider) Exchange(ctx context.Context, code, _, redirectURI string) (*idp.Identity, error) {
	if code == "" {
		return nil, fmt.Errorf("GitHub provider %q: the callback has no code: %w", p.cfg.Name, idp.ErrInvalidCredentials)
	}
	token, err := p.oauth2Config(redirectURI).Exchange(context.WithValue(ctx, oauth2.HTTPClient, p.httpClient), code)
	if err != nil {
		return nil, p.exchangeError(err, code)
	}
	api := &apiClient{httpClient: p.httpClient, baseURL: p.apiURL, token: token.AccessToken}

	var user struct {
		Login string `json:"login"`
		ID    int64  `json:"id"`
		Name  string `json:"name"`
		Email string `json:"email"`
	}
	if err := api.get(ctx, "/user", &user); err != nil {
		return nil, fmt.Errorf("GitHub provider %q: %w", p.cfg.Name, err)
	}
	if user.Login == "" || user.ID == 0 {
		return nil, fmt.Errorf("GitHub provider %q: the user has no login or id", p.cfg.Name)
	}
	id := &idp.Identity{
		Provider:    p.cfg.Name,
		UID:         strconv.FormatInt(user.ID, 10),
		Username:    strings.ToLower(user.Login),
		Email:       user.Email,
		DisplayName: user.Name,
	}
	if id.DisplayName == "" {
		id.DisplayName = user.Login
	}
	if id.Email == "" {
		if id.Email, err = primaryEmail(ctx, api); err != nil {
			return nil, fmt.Errorf("GitHub provider %q: %w", p.cfg.Name, err)
		}
	}
	if id.Groups, err = organizations(ctx, api); err != nil {
		return nil, fmt.Errorf("GitHub provider %q: %w", p.cfg.Name, err)
	}
	if !p.allowed(id.Groups) {
		return nil, fmt.Errorf("GitHub provider %q: %s is not a member of an allowed organization: %w", p.cfg.Name, user.Login, idp.ErrInvalidCredentials)
	}
	return id, nil
}

// exchangeError describes a failed code exchange from GitHub's error code and
// description only: the raw response could echo the request.
func (p *Provider) exchangeError(err error, code string) error {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		return fmt.Errorf("GitHub provider %q: redeeming the code at %s: %w", p.cfg.Name, p.cfg.TokenURL, err)
	}
	reason := re.ErrorCode
	if reason == "" && re.Response != nil {
		reason = re.Response.Status
	}
	if re.ErrorDescription != "" {
		reason += ": " + re.ErrorDescription
	}
	reason = redact(reason, p.cfg.ClientSecret, code)
	// GitHub answers bad_verification_code for a wrong, used or expired code.
	if re.ErrorCode == "bad_verification_code" || re.ErrorCode == "invalid_grant" {
		return fmt.Errorf("GitHub provider %q: GitHub refused the code (%s): %w", p.cfg.Name, reason, idp.ErrInvalidCredentials)
	}
	return fmt.Errorf("GitHub provider %q: GitHub refused the code at %s (%s)", p.cfg.Name, p.cfg.TokenURL, reason)
}

// allowed says whether a member of the organizations may log in.
func (p *Provider) allowed(orgs []string) bool {
	if len(p.cfg.Orgs) == 0 {
		return true
	}
	for _, allowed := range p.cfg.Orgs {
		for _, org := range orgs {
			if strings.EqualFold(strings.TrimSpace(allowed), org) {
				return true
			}
		}
	}
	return false
}

// primaryEmail returns the user's primary e-mail address if it is verified,
// or nothing.
func primaryEmail(ctx context.Context, api *apiClient) (string, error) {
	var emails []struct {
		Email    string `json:"email"`
		Primary  bool   `json:"primary"`
		Verified bool   `json:"verified"`
	}
	if err := api.get(ctx, "/user/emails", &emails); err != nil {
		return "", err
	}
	for _, e := range emails {
		if e.Primary && e.Verified {
			return e.Email, nil
		}
	}
	return "", nil
}

// organizations returns the logins of the user's organizations.
func organizations(ctx context.Context, api *apiClient) ([]string, error) {
	var logins []string
	for page := 1; page <= maxOrgPages; page++ {
		var orgs []struct {
			Login string `json:"login"`
		}
		path := "/user/orgs?per_page=" + strconv.Itoa(orgsPerPage) + "&page=" + strconv.Itoa(page)
		if err := api.get(ctx, path, &orgs); err != nil {
			return nil, err
		}
		for _, o := range orgs {
			logins = append(logins, o.Login)
		}
		if len(orgs) < orgsPerPage {
			break
		}
	}
	return logins, nil
}

// apiClient calls GitHub's REST API with the user's token.
type apiClient struct {
	httpClient *http.Client
	baseURL    string
	token      string
}

// get decodes the answer of GitHub's API at path into v.
func (c *apiClient) get(ctx context.Context, path string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.baseURL+path, nil)
	if err != nil {
		return fmt.Errorf("building the request for %s: %w", path, err)
	}
	req.Header.Set("Accept", "application/vnd.github+json")
	req.Header.Set("X-GitHub-Api-Version", "2022-11-28")
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.httpClient.Do(req)
	if err != nil {
		return fmt.Errorf("asking GitHub for %s: %w", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return fmt.Errorf("reading GitHub's answer for %s: %w", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		var apiErr struct {
			Message string `json:"message"`
		}
		_ = json.Unmarshal(body, &apiErr)
		return fmt.Errorf("GitHub answered %s for %s: %s", resp.Status, path, redact(apiErr.Message, c.token))
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("decoding GitHub's answer for %s: %w", path, err)
	}
	return nil
}

// redact replaces the secrets in a message from GitHub.
func redact(msg string, secrets ...string) string {
	for _, s := range secrets {
		if s != "" {
			msg = strings.ReplaceAll(msg, s, "[redacted]")
		}
	}
	return msg
}
