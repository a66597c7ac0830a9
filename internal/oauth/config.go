// Package oauth is ke-apiserver's OAuth2/OIDC server: the token endpoint
// (password, refresh_token and authorization_code with PKCE grants),
// authorize with a login page and external identity providers, logout
// (revocation), userinfo, discovery and the JWKS. Tokens are JWTs from
// package token; their ids live in a token store so that they can be revoked.
package oauth

import (
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"time"

	"k8s.io/apimachinery/pkg/util/validation"
)

// Grant types.
const (
	GrantPassword          = "password"
	GrantRefreshToken      = "refresh_token"
	GrantAuthorizationCode = "authorization_code"
)

// Client is an OAuth client allowed to obtain tokens.
type Client struct {
	// ID is the client_id.
	ID string `json:"id"`
	// Secret authenticates a confidential client; public clients have none
	// and must use PKCE.
	Secret string `json:"secret,omitempty"`
	// RedirectURIs are the exact callback URLs the client may use.
	RedirectURIs []string `json:"redirectURIs,omitempty"`
	// PostLogoutRedirectURIs are where /oauth/logout may send the browser.
	PostLogoutRedirectURIs []string `json:"postLogoutRedirectURIs,omitempty"`
	// GrantTypes the client may use (default authorization_code and refresh_token).
	GrantTypes []string `json:"grantTypes,omitempty"`
	// Trusted clients may use the password grant (the console).
	Trusted bool `json:"trusted,omitempty"`
}

// Allows reports whether the client may use a grant type.
func (c *Client) Allows(grant string) bool {
	if grant == GrantPassword && !c.Trusted {
		return false
	}
	if len(c.GrantTypes) == 0 {
		return grant != GrantPassword || c.Trusted
	}
	return slices.Contains(c.GrantTypes, grant)
}

// Lifetimes of what the server issues.
type Lifetimes struct {
	AccessToken  time.Duration
	RefreshToken time.Duration
	IDToken      time.Duration
	Code         time.Duration
	// Kubeconfig is the lifetime of the token in a downloaded kubeconfig.
	// kube-apiserver checks only its signature and expiry, so a revoked
	// kubeconfig token keeps working against kube-apiserver until then.
	Kubeconfig time.Duration
}

// DefaultLifetimes are used for zero fields.
func DefaultLifetimes() Lifetimes {
	return Lifetimes{AccessToken: 2 * time.Hour, RefreshToken: 24 * time.Hour, IDToken: time.Hour, Code: time.Minute, Kubeconfig: 12 * time.Hour}
}

// Options configure the server.
type Options struct {
	// Issuer is the external URL of ke-apiserver, the iss of every token.
	Issuer    string
	Clients   []Client
	Lifetimes Lifetimes
	// MultipleLogin allows a user several sessions at once; when false, a
	// new login revokes the user's earlier sessions.
	MultipleLogin bool
	// LoginsPerMinute and LoginBurst limit login attempts per source address.
	LoginsPerMinute float64
	LoginBurst      int
	// Lockout refuses a user's logins after failed ones (DefaultLockout for
	// zero fields).
	Lockout Lockout
	// BcryptCost is the cost of the dummy hash compared for unknown users,
	// so that their answers take as long as known users'.
	BcryptCost int
	// GroupRoles map the groups of each identity provider, by provider
	// name, to the global roles their members get when they log in.
	GroupRoles map[string][]GroupRole
}

// GroupRole grants a global role to the members of one group of an
// identity provider. At each login through the provider, the user gets a
// GlobalRoleBinding "<user>-<globalRole>" for each group it is a member of,
// and loses the bindings the provider granted for groups it has left.
type GroupRole struct {
	// Group is the group's name as the provider spells it (for LDAP, the
	// value of the group name attribute, cn by default), compared exactly.
	Group string `json:"group"`
	// GlobalRole is the name of the GlobalRole granted, such as platform-regular.
	GlobalRole string `json:"globalRole"`
}

// maxGlobalRoleName leaves room in a binding's name for a user name (63
// characters at most) and a dash.
const maxGlobalRoleName = validation.DNS1123SubdomainMaxLength - 64

// Validate returns every problem with the options.
func (o *Options) Validate() []error {
	var errs []error
	u, err := url.Parse(o.Issuer)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		errs = append(errs, fmt.Errorf("issuer %q must be an https URL without query or fragment", o.Issuer))
	}
	seen := map[string]bool{}
	for i, c := range o.Clients {
		if c.ID == "" {
			errs = append(errs, fmt.Errorf("oauth.clients[%d].id must not be empty", i))
		}
		if c.ID == KubernetesAudience {
			errs = append(errs, fmt.Errorf("oauth.clients[%d].id %q is the audience of kubeconfig tokens, which ke-apiserver refuses", i, c.ID))
		}
		if seen[c.ID] {
			errs = append(errs, fmt.Errorf("oauth.clients[%d].id %q is used twice", i, c.ID))
		}
		seen[c.ID] = true
		for _, r := range c.RedirectURIs {
			if ru, err := url.Parse(r); err != nil || !ru.IsAbs() || ru.Fragment != "" {
				errs = append(errs, fmt.Errorf("oauth.clients[%d].redirectURIs: %q must be an absolute URL without fragment", i, r))
			}
		}
		if c.Trusted && c.Secret == "" {
			errs = append(errs, fmt.Errorf("oauth.clients[%d]: a trusted client needs a secret", i))
		}
	}
	for _, provider := range slices.Sorted(maps.Keys(o.GroupRoles)) {
		mappings := o.GroupRoles[provider]
		if msgs := validation.IsValidLabelValue(provider); provider == "" || len(msgs) > 0 {
			errs = append(errs, fmt.Errorf("the identity provider name %q cannot label the bindings of its groupRoles: %v", provider, msgs))
		}
		for i, m := range mappings {
			if m.Group == "" {
				errs = append(errs, fmt.Errorf("identity provider %s: groupRoles[%d].group must not be empty", provider, i))
			}
			if msgs := validation.IsDNS1123Subdomain(m.GlobalRole); len(msgs) > 0 || len(m.GlobalRole) > maxGlobalRoleName {
				errs = append(errs, fmt.Errorf("identity provider %s: groupRoles[%d].globalRole %q must be a GlobalRole name of at most %d characters",
					provider, i, m.GlobalRole, maxGlobalRoleName))
			}
		}
	}
	if o.LoginsPerMinute < 0 || o.LoginBurst < 0 {
		errs = append(errs, errors.New("login rate limits must not be negative"))
	}
	if o.Lockout.MaxFailures < 0 || o.Lockout.Window < 0 {
		errs = append(errs, errors.New("the lockout's maximum of failed logins and its window must not be negative"))
	}
	return errs
}
