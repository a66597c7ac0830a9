package oidc

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/superkube/super-kubenetes/internal/oauth/idp"
)

// validConfig returns a configuration that passes validation, changed by the
// mutators.
func validConfig(mutators ...func(*Config)) Config {
	c := Config{
		Name:         "corp-sso",
		Issuer:       "https://sso.example.test/realms/corp",
		ClientID:     "ke-apiserver",
		ClientSecret: "s3cret-value",
	}
	for _, m := range mutators {
		m(&c)
	}
	return c
}

func TestSetDefaults(t *testing.T) {
	c := validConfig()
	c.SetDefaults()
	if c.MappingMethod != idp.MappingAuto {
		t.Errorf("MappingMethod = %q, want auto", c.MappingMethod)
	}
	if !slices.Equal(c.Scopes, []string{"openid", "profile", "email"}) {
		t.Errorf("Scopes = %v, want openid profile email", c.Scopes)
	}
	if c.UsernameClaim != "preferred_username" || c.EmailClaim != "email" || c.GroupsClaim != "groups" {
		t.Errorf("Claims = %q %q %q, want preferred_username email groups", c.UsernameClaim, c.EmailClaim, c.GroupsClaim)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		config Config
		// wantErrs are substrings, one per expected error; none means valid.
		wantErrs []string
	}{
		{
			name:   "a complete configuration is valid",
			config: validConfig(),
		},
		{
			name:   "a lookup mapping method is valid",
			config: validConfig(func(c *Config) { c.MappingMethod = idp.MappingLookup }),
		},
		{
			name:     "an unknown mapping method is refused",
			config:   validConfig(func(c *Config) { c.MappingMethod = "claim" }),
			wantErrs: []string{"mappingMethod must be auto or lookup"},
		},
		{
			name:     "a name that is not a DNS label is refused",
			config:   validConfig(func(c *Config) { c.Name = "Corp SSO" }),
			wantErrs: []string{`name "Corp SSO" is invalid`},
		},
		{
			name:     "an empty name is refused",
			config:   validConfig(func(c *Config) { c.Name = "" }),
			wantErrs: []string{"name"},
		},
		{
			name:     "a missing issuer is refused",
			config:   validConfig(func(c *Config) { c.Issuer = "" }),
			wantErrs: []string{"issuer must not be empty"},
		},
		{
			name:     "a plain http issuer is refused",
			config:   validConfig(func(c *Config) { c.Issuer = "http://sso.example.test" }),
			wantErrs: []string{"must be an https URL"},
		},
		{
			name:     "an issuer with a query is refused",
			config:   validConfig(func(c *Config) { c.Issuer = "https://sso.example.test/?realm=corp" }),
			wantErrs: []string{"no query"},
		},
		{
			name:     "a relative issuer is refused",
			config:   validConfig(func(c *Config) { c.Issuer = "sso.example.test" }),
			wantErrs: []string{"must be an https URL"},
		},
		{
			name: "missing client credentials are refused without showing the secret",
			config: validConfig(func(c *Config) {
				c.ClientID = ""
				c.ClientSecret = ""
			}),
			wantErrs: []string{"clientID must not be empty", "clientSecret must not be empty"},
		},
		{
			name:     "scopes without openid are refused",
			config:   validConfig(func(c *Config) { c.Scopes = []string{"profile", "email"} }),
			wantErrs: []string{"scopes must include openid"},
		},
		{
			name: "a root CA together with skipping verification is refused",
			config: validConfig(func(c *Config) {
				c.RootCA = "/etc/ke/ca.crt"
				c.InsecureSkipVerify = true
			}),
			wantErrs: []string{"exclude each other"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.config
			c.SetDefaults()
			errs := c.Validate()
			if len(errs) != len(tt.wantErrs) {
				t.Fatalf("Validate() = %v, want %d errors %q", errs, len(tt.wantErrs), tt.wantErrs)
			}
			for i, err := range errs {
				if !strings.Contains(err.Error(), tt.wantErrs[i]) {
					t.Errorf("Error %d = %q, want it to contain %q", i, err, tt.wantErrs[i])
				}
				if strings.Contains(err.Error(), "s3cret-value") {
					t.Errorf("Error %d = %q shows the client secret", i, err)
				}
			}
		})
	}
}

func TestNew(t *testing.T) {
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "not-a-ca.crt")
	if err := os.WriteFile(notPEM, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		config  Config
		wantErr string
	}{
		{
			name:   "a valid configuration needs no reachable provider",
			config: validConfig(),
		},
		{
			name:    "an invalid configuration is refused",
			config:  validConfig(func(c *Config) { c.ClientID = "" }),
			wantErr: "clientID must not be empty",
		},
		{
			name:    "a root CA file that does not exist is refused",
			config:  validConfig(func(c *Config) { c.RootCA = filepath.Join(dir, "missing.crt") }),
			wantErr: "reading rootCA",
		},
		{
			name:    "a root CA file without a certificate is refused",
			config:  validConfig(func(c *Config) { c.RootCA = notPEM }),
			wantErr: "holds no PEM certificate",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := New(t.Context(), tt.config)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				if p.Name() != tt.config.Name || p.Type() != Type || p.MappingMethod() != idp.MappingAuto {
					t.Errorf("Got name %q, type %q, mapping %q", p.Name(), p.Type(), p.MappingMethod())
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("New: got %v, want an error containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestIdentity(t *testing.T) {
	tests := []struct {
		name          string
		usernameClaim string
		claims        map[string]any
		want          idp.Identity
		wantErr       string
	}{
		{
			name: "the claims fill the identity",
			claims: map[string]any{
				"preferred_username": "alice", "email": "alice@example.test", "email_verified": true,
				"name": "Alice Adams", "groups": []any{"admins", "devs"},
			},
			want: idp.Identity{Username: "alice", Email: "alice@example.test", DisplayName: "Alice Adams", Groups: []string{"admins", "devs"}},
		},
		{
			name:   "a single group may be a string",
			claims: map[string]any{"preferred_username": "alice", "groups": "admins"},
			want:   idp.Identity{Username: "alice", Groups: []string{"admins"}},
		},
		{
			name:   "the subject names a user without a preferred_username",
			claims: map[string]any{},
			want:   idp.Identity{Username: "subject-1"},
		},
		{
			name:   "an e-mail address marked unverified as a string is left out",
			claims: map[string]any{"preferred_username": "alice", "email": "alice@example.test", "email_verified": "false"},
			want:   idp.Identity{Username: "alice"},
		},
		{
			name:   "an e-mail address without email_verified is kept",
			claims: map[string]any{"preferred_username": "alice", "email": "alice@example.test"},
			want:   idp.Identity{Username: "alice", Email: "alice@example.test"},
		},
		{
			name:    "groups that are not strings are refused",
			claims:  map[string]any{"preferred_username": "alice", "groups": []any{"admins", 42.0}},
			wantErr: `the "groups" claim holds a float64`,
		},
		{
			name:    "a groups claim that is an object is refused",
			claims:  map[string]any{"preferred_username": "alice", "groups": map[string]any{"admins": true}},
			wantErr: `the "groups" claim is a map`,
		},
		{
			name:    "a user name that is not a string is refused",
			claims:  map[string]any{"preferred_username": 7.0},
			wantErr: `the "preferred_username" claim is a float64`,
		},
		{
			name:          "a configured username claim that is missing is refused",
			usernameClaim: "upn",
			claims:        map[string]any{"preferred_username": "alice"},
			wantErr:       `the ID token has no "upn" claim`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := validConfig(func(c *Config) { c.UsernameClaim = tt.usernameClaim })
			p, err := New(t.Context(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			got, err := p.identity("subject-1", tt.claims)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("identity: got %v, want an error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("identity: %v", err)
			}
			tt.want.Provider, tt.want.UID = "corp-sso", "subject-1"
			if got.Provider != tt.want.Provider || got.UID != tt.want.UID || got.Username != tt.want.Username ||
				got.Email != tt.want.Email || got.DisplayName != tt.want.DisplayName || !slices.Equal(got.Groups, tt.want.Groups) {
				t.Errorf("identity = %+v, want %+v", *got, tt.want)
			}
		})
	}
}
