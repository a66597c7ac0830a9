package github

import (
	"strings"
	"testing"

	"github.com/superkube/super-kubenetes/internal/oauth/idp"
)

func validConfig(mutators ...func(*Config)) Config {
	c := Config{Name: "github", ClientID: "Iv1.ke-apiserver", ClientSecret: "gh-s3cret-value"}
	for _, m := range mutators {
		m(&c)
	}
	return c
}

func TestSetDefaults(t *testing.T) {
	c := validConfig()
	c.SetDefaults()
	if c.MappingMethod != idp.MappingAuto || c.AuthURL != DefaultAuthURL || c.TokenURL != DefaultTokenURL || c.APIURL != DefaultAPIURL {
		t.Errorf("SetDefaults() gave %+v, want auto mapping and github.com's endpoints", c)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name     string
		config   Config
		wantErrs []string
	}{
		{
			name:   "a configuration for github.com is valid",
			config: validConfig(),
		},
		{
			name: "a configuration for GitHub Enterprise Server is valid",
			config: validConfig(func(c *Config) {
				c.AuthURL = "https://ghe.example.test/login/oauth/authorize"
				c.TokenURL = "https://ghe.example.test/login/oauth/access_token"
				c.APIURL = "https://ghe.example.test/api/v3"
				c.MappingMethod = idp.MappingLookup
				c.Orgs = []string{"platform"}
			}),
		},
		{
			name:     "a name that is not a DNS label is refused",
			config:   validConfig(func(c *Config) { c.Name = "GitHub.com" }),
			wantErrs: []string{`name "GitHub.com" is invalid`},
		},
		{
			name:     "an unknown mapping method is refused",
			config:   validConfig(func(c *Config) { c.MappingMethod = "add" }),
			wantErrs: []string{"mappingMethod must be auto or lookup"},
		},
		{
			name: "missing client credentials are refused",
			config: validConfig(func(c *Config) {
				c.ClientID = ""
				c.ClientSecret = ""
			}),
			wantErrs: []string{"clientID must not be empty", "clientSecret must not be empty"},
		},
		{
			name:     "a relative API URL is refused",
			config:   validConfig(func(c *Config) { c.APIURL = "api.github.com" }),
			wantErrs: []string{`apiURL "api.github.com" must be an absolute http(s) URL`},
		},
		{
			name:     "a token URL with a query is refused",
			config:   validConfig(func(c *Config) { c.TokenURL = "https://github.com/login/oauth/access_token?x=1" }),
			wantErrs: []string{"tokenURL"},
		},
		{
			name:     "an authorization URL of another scheme is refused",
			config:   validConfig(func(c *Config) { c.AuthURL = "ftp://github.com/authorize" }),
			wantErrs: []string{"authURL"},
		},
		{
			name:     "an empty organization in the allow-list is refused",
			config:   validConfig(func(c *Config) { c.Orgs = []string{"superkube", " "} }),
			wantErrs: []string{"orgs[1] must not be empty"},
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
				if strings.Contains(err.Error(), "gh-s3cret-value") {
					t.Errorf("Error %d = %q shows the client secret", i, err)
				}
			}
		})
	}
}

func TestNew(t *testing.T) {
	t.Run("an invalid configuration is refused", func(t *testing.T) {
		_, err := New(validConfig(func(c *Config) { c.ClientSecret = "" }))
		if err == nil || !strings.Contains(err.Error(), "clientSecret must not be empty") {
			t.Fatalf("New: got %v, want the validation error", err)
		}
	})
	t.Run("the allow-list is copied", func(t *testing.T) {
		cfg := validConfig(func(c *Config) { c.Orgs = []string{"superkube"} })
		p, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Orgs[0] = "changed"
		if !p.allowed([]string{"superkube"}) {
			t.Error("Changing the caller's slice changed the allow-list")
		}
	})
}
