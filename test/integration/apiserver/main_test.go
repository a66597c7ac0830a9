// Package apiserver tests ke-apiserver end to end against a real
// kube-apiserver and etcd, with ke-controller-manager's reconcilers running:
// logins, tokens, revocation, the OAuth flows, authorization at four levels,
// audit, and kubectl with a platform identity.
package apiserver

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-logr/logr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/superkube/super-kubenetes/internal/apiserver/app"
	cmapp "github.com/superkube/super-kubenetes/internal/controllermanager/app"
	"github.com/superkube/super-kubenetes/internal/oauth"
	"github.com/superkube/super-kubenetes/internal/scheme"
	"github.com/superkube/super-kubenetes/internal/testutil/envtest"
	"github.com/superkube/super-kubenetes/internal/testutil/oidcprovider"
	"github.com/superkube/super-kubenetes/internal/testutil/platform"
	"github.com/superkube/super-kubenetes/internal/testutil/slapd"
)

const (
	consoleSecret   = "console-secret-for-tests"
	consoleRedirect = "https://console.test/oauth/callback"
	cliRedirect     = "http://127.0.0.1:8000/callback"
	maxFailures     = 3
)

var st *stack

// api calls the stack's ke-apiserver as the tests' users.
var api *platform.Client

// stack is a running ke-apiserver with its cluster.
type stack struct {
	env       *envtest.Environment
	k8s       client.Client
	url       string
	http      *http.Client
	dir       string
	auditFile string
	srv       *app.Server
	cfg       app.Config
	certFile  string
	keyFile   string
	cancel    context.CancelFunc
	// ldap and oidc are the identity providers of the stack (providers_test.go).
	ldap *slapd.Server
	oidc *oidcprovider.Server
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
	dir, err := os.MkdirTemp("", "ke-apiserver-test-")
	if err != nil {
		return 1, err
	}
	defer os.RemoveAll(dir)
	s := &stack{dir: dir, auditFile: filepath.Join(dir, "audit.log")}
	apiServer, err := platform.Listen(dir)
	if err != nil {
		return 1, err
	}
	s.url, s.certFile, s.keyFile = apiServer.URL, apiServer.CertFile, apiServer.KeyFile

	// A directory and an OpenID provider for ke-apiserver's identity providers.
	if s.ldap, err = startDirectory(); err != nil {
		return 1, err
	}
	defer func() { _ = s.ldap.Stop() }()
	if s.oidc, err = oidcprovider.Start(oidcOptions(s.url)); err != nil {
		return 1, err
	}
	defer s.oidc.Close()

	// kube-apiserver asks ke-apiserver about the platform's kubeconfig
	// tokens (the token webhook), as ke-dev and the installation guide set it up.
	kubeArgs, err := apiServer.KubeAPIServerArgs()
	if err != nil {
		return 1, err
	}
	if s.env, err = envtest.Start(envtest.Options{ControllerManager: true, ExtraAPIServerArgs: kubeArgs}); err != nil {
		return 1, err
	}
	defer s.env.Stop()
	if s.k8s, err = client.New(s.env.Config, client.Options{Scheme: scheme.New()}); err != nil {
		return 1, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	defer cancel()

	// ke-controller-manager's reconcilers: bootstrap, hashing, lockouts, mirrors.
	if err := platform.StartControllers(ctx, s.env.Config, func(c *cmapp.Config) { c.Authentication.MaxFailedLogins = maxFailures }); err != nil {
		return 1, err
	}

	kubeCA := filepath.Join(dir, "kube-ca.crt")
	if err := os.WriteFile(kubeCA, s.env.Config.CAData, 0o600); err != nil {
		return 1, err
	}
	s.cfg = s.config(apiServer.Config(s.env.Config), kubeCA)
	var stop func()
	if s.srv, stop, err = apiServer.Start(ctx, s.cfg, s.env.Config); err != nil {
		return 1, err
	}
	defer stop()
	// kube-apiserver asks ke-apiserver about writes of roles, bindings,
	// users, groups and namespaces (the validating webhook).
	if err := apiServer.RegisterAdmission(ctx, s.k8s, s.cfg); err != nil {
		return 1, err
	}

	tlsCfg, err := apiServer.TLSConfig()
	if err != nil {
		return 1, err
	}
	s.http = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: tlsCfg},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	st = s
	api = &platform.Client{URL: s.url, HTTP: s.http, K8s: s.k8s, ConsoleSecret: consoleSecret, Password: Password}
	return m.Run(), nil
}

// config is the configuration of the ke-apiserver under test: the tests'
// defaults and what these tests need beside.
func (s *stack) config(cfg app.Config, kubeCA string) app.Config {
	cfg.Kubernetes.CAFile = kubeCA
	cfg.Audit.Path = s.auditFile
	cfg.Limits.MaxBodyBytes = 64 << 10
	// The lockout of ke-apiserver is ke-controller-manager's.
	cfg.Authentication.MaxFailedLogins = maxFailures
	cfg.OAuthClients = []oauth.Client{
		{ID: app.ConsoleClientID, Secret: consoleSecret, Trusted: true, RedirectURIs: []string{consoleRedirect}},
		{ID: "cli", RedirectURIs: []string{cliRedirect}, PostLogoutRedirectURIs: []string{"http://127.0.0.1:8000/bye"}},
	}
	cfg.IdentityProviders = s.identityProviders()
	return cfg
}
