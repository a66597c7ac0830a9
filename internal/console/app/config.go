// Package app holds the ke-console command: options, the versioned
// configuration file, and the wiring of the server.
package app

import (
	"errors"
	"fmt"
	"net/url"
	"path"
	"regexp"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/superkube/super-kubenetes/internal/componentconfig"
)

// ConfigAPIVersion and ConfigKind identify the configuration file.
const (
	ConfigAPIVersion = "config.superkube.io/v1alpha1"
	ConfigKind       = "ConsoleConfiguration"
)

// DefaultClientID is the OAuth client that ke-apiserver registers for the
// console (--console-url there).
const DefaultClientID = "ke-console"

// Config is ke-console's versioned configuration file.
type Config struct {
	metav1.TypeMeta `json:",inline"`

	// BindAddress is where HTTPS is served.
	BindAddress string `json:"bindAddress,omitempty"`
	// MetricsBindAddress, when set, serves the console's metrics at
	// /metrics there, in plain HTTP without authentication (for a
	// Prometheus on the same host or network); empty serves none.
	MetricsBindAddress string `json:"metricsBindAddress,omitempty"`
	// TLS names the serving certificate; without one, a self-signed
	// certificate is generated (for local use).
	TLS TLS `json:"tls"`
	// PublicURL is the console's external URL (https://console.example.com,
	// optionally with the base path): the origin that CSRF and WebSocket
	// checks expect and the base of the OAuth redirect URI.
	PublicURL string `json:"publicURL"`
	// BasePath is the path the console lives under ("/" or "/console/").
	BasePath string `json:"basePath,omitempty"`
	// Title names the console in the browser.
	Title     string    `json:"title,omitempty"`
	APIServer APIServer `json:"apiServer"`
	OAuth     OAuth     `json:"oauth"`
	// RedisURL keeps sessions in Redis (redis://[:password@]host:port/db),
	// so that several replicas share them; empty keeps them in memory.
	RedisURL string `json:"redisURL,omitempty"`
	// SessionLifetime is how long an unused session lasts.
	SessionLifetime metav1.Duration `json:"sessionLifetime,omitempty"`
	// DevUIURL serves the SPA from Vite's dev server instead of the
	// embedded build (development only).
	DevUIURL string `json:"devUIURL,omitempty"`
}

// TLS names certificate files.
type TLS struct {
	CertFile string `json:"certFile,omitempty"`
	KeyFile  string `json:"keyFile,omitempty"`
}

// APIServer says how to reach ke-apiserver.
type APIServer struct {
	// URL is how the console reaches ke-apiserver.
	URL string `json:"url"`
	// PublicURL is how browsers reach it, for logins through identity
	// providers; URL when empty.
	PublicURL string `json:"publicURL,omitempty"`
	// CAFile verifies ke-apiserver's serving certificate; the system's
	// roots when empty.
	CAFile string `json:"caFile,omitempty"`
}

// OAuth is the console's client at ke-apiserver.
type OAuth struct {
	ClientID         string `json:"clientID,omitempty"`
	ClientSecretFile string `json:"clientSecretFile"`
}

// DefaultConfig returns the configuration used without a file.
func DefaultConfig() Config {
	return Config{
		TypeMeta:        metav1.TypeMeta{APIVersion: ConfigAPIVersion, Kind: ConfigKind},
		BindAddress:     "0.0.0.0:8443",
		BasePath:        "/",
		Title:           "Super Kubenetes",
		OAuth:           OAuth{ClientID: DefaultClientID},
		SessionLifetime: metav1.Duration{Duration: 12 * time.Hour},
	}
}

// LoadConfig reads a configuration file over the defaults (the defaults
// alone when file is empty), strictly: see componentconfig.File.Load.
func LoadConfig(file string) (Config, error) {
	return componentconfig.File[Config]{APIVersion: ConfigAPIVersion, Kind: ConfigKind, Default: DefaultConfig}.Load(file)
}

// NormalizeBasePath makes a base path start and end with a slash.
func NormalizeBasePath(p string) string {
	p = path.Clean("/" + strings.TrimSpace(p))
	if p == "/" {
		return p
	}
	return p + "/"
}

var basePathPattern = regexp.MustCompile(`^/([A-Za-z0-9._~-]+/)*$`)

// Validate returns every problem with the configuration (its base path
// normalized).
func (c *Config) Validate() []error {
	var errs []error
	if !basePathPattern.MatchString(c.BasePath) || strings.Contains(c.BasePath, "/../") || strings.Contains(c.BasePath, "/./") {
		errs = append(errs, fmt.Errorf("basePath %q must be a path of plain segments, such as / or /console/", c.BasePath))
	}
	if u, err := absoluteURL(c.PublicURL); err != nil {
		errs = append(errs, fmt.Errorf("publicURL: %w", err))
	} else if p := strings.TrimSuffix(u.Path, "/"); p != "" && p+"/" != c.BasePath {
		errs = append(errs, fmt.Errorf("publicURL %q has the path %q, which is not the base path %q", c.PublicURL, u.Path, c.BasePath))
	}
	if _, err := absoluteURL(c.APIServer.URL); err != nil {
		errs = append(errs, fmt.Errorf("apiServer.url: %w", err))
	}
	if c.APIServer.PublicURL != "" {
		if _, err := absoluteURL(c.APIServer.PublicURL); err != nil {
			errs = append(errs, fmt.Errorf("apiServer.publicURL: %w", err))
		}
	}
	if c.DevUIURL != "" {
		if _, err := absoluteURL(c.DevUIURL); err != nil {
			errs = append(errs, fmt.Errorf("devUIURL: %w", err))
		}
	}
	if c.OAuth.ClientID == "" {
		errs = append(errs, errors.New("oauth.clientID must not be empty"))
	}
	if c.OAuth.ClientSecretFile == "" {
		errs = append(errs, errors.New("oauth.clientSecretFile must be set (the secret ke-apiserver has for the console's client)"))
	}
	if (c.TLS.CertFile == "") != (c.TLS.KeyFile == "") {
		errs = append(errs, errors.New("tls.certFile and tls.keyFile go together"))
	}
	if d := c.SessionLifetime.Duration; d < time.Minute {
		errs = append(errs, fmt.Errorf("sessionLifetime must be at least a minute, got %s", d))
	}
	if c.BindAddress == "" {
		errs = append(errs, errors.New("bindAddress must be set"))
	}
	return errs
}

// completedConfig is a configuration that Complete normalized and
// validated, with what the server needs besides the file.
type completedConfig struct {
	Config
	// CertDir keeps the self-signed serving certificate that Run makes
	// when the configuration names none.
	CertDir string
}

// CompletedConfig is a validated configuration. Only Complete makes one, so
// that Build and Run never start from a configuration nobody checked.
type CompletedConfig struct{ *completedConfig }

// Complete normalizes the base path and validates the configuration.
func (c Config) Complete() (CompletedConfig, error) {
	c.BasePath = NormalizeBasePath(c.BasePath)
	if errs := c.Validate(); len(errs) > 0 {
		return CompletedConfig{}, errors.Join(errs...)
	}
	return CompletedConfig{&completedConfig{Config: c}}, nil
}

// absoluteURL parses an http(s) URL without query or fragment.
func absoluteURL(s string) (*url.URL, error) {
	if s == "" {
		return nil, errors.New("must be set")
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, fmt.Errorf("%q must be an http(s) URL without user, query or fragment", s)
	}
	return u, nil
}

// origin returns scheme://host[:port] of a URL.
func origin(u *url.URL) string { return u.Scheme + "://" + u.Host }

// Redacted returns a copy without secrets, for --print-config.
func (c Config) Redacted() Config {
	if c.RedisURL != "" {
		c.RedisURL = "<redacted>"
	}
	return c
}
