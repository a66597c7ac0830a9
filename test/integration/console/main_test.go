// Package console tests ke-console against the real stack: a kube-apiserver
// and etcd, ke-controller-manager's reconcilers, ke-apiserver with the
// console registered as its trusted OAuth client (and an OpenID provider
// behind it), and ke-console in front, served under the base path
// /console/. The tests play the browser: a cookie jar, the CSRF header the
// SPA sends, and the Origin a browser adds.
package console

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/go-logr/logr"
	"github.com/go-logr/logr/funcr"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/superkube/super-kubenetes/internal/apiserver/app"
	consoleapp "github.com/superkube/super-kubenetes/internal/console/app"
	"github.com/superkube/super-kubenetes/internal/oauth"
	"github.com/superkube/super-kubenetes/internal/oauth/idp"
	"github.com/superkube/super-kubenetes/internal/oauth/idp/oidc"
	"github.com/superkube/super-kubenetes/internal/scheme"
	"github.com/superkube/super-kubenetes/internal/testutil/envtest"
	"github.com/superkube/super-kubenetes/internal/testutil/oidcprovider"
	"github.com/superkube/super-kubenetes/internal/testutil/platform"
)

const (
	consoleSecret = "console-secret-for-tests"
	basePath      = "/console/"
	// corpOIDC is the OpenID provider behind ke-apiserver.
	corpOIDC = "corp"
	// accessTokenLifetime is ke-apiserver's access token lifetime: two
	// seconds more than the console's refresh margin, so that a session's
	// token is refreshed on the requests made two seconds after it was
	// issued.
	accessTokenLifetime = 62 * time.Second
)

var st *stack

// stack is the running platform.
type stack struct {
	env *envtest.Environment
	k8s client.Client
	// apiURL is ke-apiserver's address; consoleURL the console's origin,
	// and base its URL with the base path (without the last slash).
	apiURL, consoleURL, base string
	// roots trust ke-apiserver's and ke-console's serving certificates.
	roots   *x509.CertPool
	console *consoleapp.Server
	oidc    *oidcprovider.Server
	// logs are ke-console's, at the highest verbosity.
	logs *syncBuffer
}

func TestMain(m *testing.M) {
	code, err := run(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		code = 1
	}
	os.Exit(code)
}

func run(m *testing.M) (int, error) {
	ctrl.SetLogger(logr.Discard())
	dir, err := os.MkdirTemp("", "ke-console-test-")
	if err != nil {
		return 1, err
	}
	defer os.RemoveAll(dir)
	s := &stack{logs: &syncBuffer{}, roots: x509.NewCertPool()}
	api, err := platform.Listen(filepath.Join(dir, "ke-apiserver"))
	if err != nil {
		return 1, err
	}
	apiCert := api.CertFile
	consoleListener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 1, err
	}
	s.apiURL = api.URL
	s.consoleURL = "https://" + consoleListener.Addr().String()
	s.base = s.consoleURL + "/console"
	consoleCert, consoleKey, err := consoleapp.SelfSignedCert(filepath.Join(dir, "ke-console"), []string{"127.0.0.1", "localhost"})
	if err != nil {
		return 1, err
	}
	for _, f := range []string{apiCert, consoleCert} {
		pem, err := os.ReadFile(f)
		if err != nil {
			return 1, err
		}
		s.roots.AppendCertsFromPEM(pem)
	}

	if s.oidc, err = oidcprovider.Start(oidcprovider.Options{
		RedirectURIs: []string{s.apiURL + "/oauth/callback/" + corpOIDC},
		Users:        []oidcprovider.User{{Subject: "sub-olivia", Username: "olivia", Email: "olivia@corp.example", EmailVerified: true, Name: "Olivia Ortiz"}},
	}); err != nil {
		return 1, err
	}
	defer s.oidc.Close()

	if s.env, err = envtest.Start(envtest.Options{}); err != nil {
		return 1, err
	}
	defer s.env.Stop()
	if s.k8s, err = client.New(s.env.Config, client.Options{Scheme: scheme.New()}); err != nil {
		return 1, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	// ke-controller-manager's reconcilers: bootstrap (the administrator),
	// password hashing, and the RBAC mirrors kube-apiserver needs.
	if err := platform.StartControllers(ctx, s.env.Config); err != nil {
		return 1, err
	}

	// ke-apiserver, with the console as its trusted client, as
	// --console-url registers it.
	cfg := api.Config(s.env.Config)
	cfg.Authentication.AccessTokenMaxAge.Duration = accessTokenLifetime
	base := s.base
	cfg.OAuthClients = []oauth.Client{{ID: app.ConsoleClientID, Secret: consoleSecret, Trusted: true,
		RedirectURIs: []string{base + "/oauth/callback"}, PostLogoutRedirectURIs: []string{base + "/", base + "/login"},
		GrantTypes: []string{oauth.GrantPassword, oauth.GrantRefreshToken, oauth.GrantAuthorizationCode}}}
	cfg.IdentityProviders = []app.ProviderEntry{{OIDC: &oidc.Config{Name: corpOIDC, MappingMethod: idp.MappingAuto, Issuer: s.oidc.Issuer,
		ClientID: s.oidc.ClientID, ClientSecret: s.oidc.ClientSecret, RootCA: s.oidc.CAFile}}}
	_, stop, err := api.Start(ctx, cfg, s.env.Config)
	if err != nil {
		return 1, err
	}
	defer stop()

	// ke-console, as its command builds it, with a small SPA build.
	secretFile := filepath.Join(dir, "console-secret")
	if err := os.WriteFile(secretFile, []byte(consoleSecret+"\n"), 0o600); err != nil {
		return 1, err
	}
	ccfg := consoleapp.DefaultConfig()
	ccfg.PublicURL, ccfg.BasePath = base, basePath
	ccfg.APIServer = consoleapp.APIServer{URL: s.apiURL, CAFile: apiCert}
	ccfg.OAuth.ClientSecretFile = secretFile
	completed, err := ccfg.Complete()
	if err != nil {
		return 1, fmt.Errorf("the console's configuration: %w", err)
	}
	log := funcr.New(func(prefix, args string) { fmt.Fprintln(s.logs, prefix, args) }, funcr.Options{Verbosity: 10})
	if os.Getenv("KE_CONSOLE_TEST_LOGS") != "" {
		defer func() { fmt.Fprint(os.Stderr, s.logs.String()) }()
	}
	if s.console, err = consoleapp.Build(ctx, completed, consoleapp.Deps{Log: log, Clock: clock.RealClock{}, UI: spa}); err != nil {
		return 1, err
	}
	defer s.console.Close()
	consoleHTTP := &http.Server{Handler: s.console.Handler, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = consoleHTTP.ServeTLS(consoleListener, consoleCert, consoleKey) }()
	defer consoleHTTP.Close()

	st = s
	return m.Run(), nil
}

// spa is a stand-in build of the SPA.
var spa = fstest.MapFS{
	"index.html":          {Data: []byte(`<!doctype html><html><head><title>Console</title><script type="module" src="./assets/app-1.js"></script></head><body><div id="root"></div></body></html>`)},
	"assets/app-1.js":     {Data: []byte(`console.log("app")`)},
	"assets/app-1.js.gz":  {Data: []byte("gzip")},
	"assets/app-1.js.br":  {Data: []byte("brotli")},
	"locales/en/app.json": {Data: []byte(`{}`)},
}

// tlsConfig trusts ke-apiserver and ke-console.
func (s *stack) tlsConfig() *tls.Config {
	return &tls.Config{RootCAs: s.roots, MinVersion: tls.VersionTLS12}
}

// syncBuffer is a buffer safe for concurrent writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
