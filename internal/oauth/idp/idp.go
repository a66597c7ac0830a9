// Package idp defines the identity providers ke-apiserver can log users in
// through: LDAP (a password checked against a directory), and OAuth2/OIDC
// style providers (OIDC, GitHub, CAS) that redirect the browser. Each
// provider lives in a sub-package and is configured in ke-apiserver's
// configuration file.
package idp

import (
	"context"
	"errors"
)

// MappingMethod says how an external identity becomes a platform user.
type MappingMethod string

// Mapping methods.
const (
	// MappingAuto creates the platform user on first login.
	MappingAuto MappingMethod = "auto"
	// MappingLookup requires a platform user of that name to exist already.
	MappingLookup MappingMethod = "lookup"
)

// Identity is what a provider learned about the user.
type Identity struct {
	// Provider is the name of the provider that vouched for the identity.
	Provider string
	// UID is the provider's stable identifier of the user (LDAP DN, OIDC sub, GitHub id).
	UID string
	// Username is the suggested platform user name (a DNS-1123 label after
	// normalisation by the caller).
	Username    string
	Email       string
	DisplayName string
	// Groups are the provider's groups of the user; the configuration maps
	// them to platform roles.
	Groups []string
}

// ErrInvalidCredentials is returned when the provider refuses the
// credentials (a password, or a code a redirect provider refuses). Callers
// must answer it exactly like an unknown user.
var ErrInvalidCredentials = errors.New("invalid credentials")

// PasswordProvider checks a user name and password (LDAP).
type PasswordProvider interface {
	Name() string
	MappingMethod() MappingMethod
	// Authenticate returns the identity for the credentials, or
	// ErrInvalidCredentials. Other errors mean the provider could not be asked.
	Authenticate(ctx context.Context, username, password string) (*Identity, error)
}

// RedirectProvider logs users in by redirecting the browser to it (OIDC,
// GitHub, CAS) and receiving a code back.
type RedirectProvider interface {
	Name() string
	MappingMethod() MappingMethod
	// Type is "oidc", "github" or "cas", for the login page.
	Type() string
	// AuthCodeURL is where to send the browser; state and nonce protect the
	// round trip; redirectURI is ke-apiserver's callback. It fails when the
	// provider cannot be reached (for example OIDC discovery).
	AuthCodeURL(ctx context.Context, state, nonce, redirectURI string) (string, error)
	// Exchange turns the code the provider sent back into an identity,
	// checking the nonce where the protocol carries one.
	Exchange(ctx context.Context, code, nonce, redirectURI string) (*Identity, error)
}
