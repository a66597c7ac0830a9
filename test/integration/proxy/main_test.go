// Package proxy tests ke-apiserver's Kubernetes API proxy against a real
// kube-apiserver and etcd, with ke-controller-manager's reconcilers running:
// requests go as the calling user after ke-apiserver's authorization, the
// client cannot choose another identity, watches and big lists stream, and
// /clusters/{cluster}/ reaches the cluster named.
package proxy

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/superkube/super-kubenetes/internal/apiserver/app"
	cmapp "github.com/superkube/super-kubenetes/internal/controllermanager/app"
	"github.com/superkube/super-kubenetes/internal/oauth"
	"github.com/superkube/super-kubenetes/internal/scheme"
	"github.com/superkube/super-kubenetes/internal/testutil/envtest"
)

const consoleSecret = "console-secret-for-tests"

var st *stack

// stack is a running ke-apiserver with its cluster.
type stack struct {
	env *envtest.Environment
	k8s client.Client
	// url is ke-apiserver's address; kube is kube-apiserver's, reached
	// with the envtest administrator's credentials.
	url  string
	http *http.Client
	kube *http.Client
	// tlsConfig trusts ke-apiserver's serving certificate.
	tlsConfig *tls.Config
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
	dir, err := os.MkdirTemp("", "ke-apiserver-proxy-test-")
	if err != nil {
		return 1, err
	}
	defer os.RemoveAll(dir)
	s := &stack{}
	certFile, keyFile, err := app.SelfSignedCert(dir, []string{"127.0.0.1", "localhost"})
	if err != nil {
		return 1, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 1, err
	}
	s.url = "https://" + l.Addr().String()

	if s.env, err = envtest.Start(envtest.Options{}); err != nil {
		return 1, err
	}
	defer s.env.Stop()
	if s.k8s, err = client.New(s.env.Config, client.Options{Scheme: scheme.New()}); err != nil {
		return 1, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	// ke-controller-manager's reconcilers: bootstrap, hashing, roles, and the
	// native RBAC mirrors that let kube-apiserver allow what ke-apiserver does.
	cmCfg := cmapp.DefaultConfig()
	cmCfg.MetricsBindAddress, cmCfg.HealthProbeBindAddress, cmCfg.LeaderElection.Enabled = "0", "0", false
	cmCfg.Authentication.BcryptCost = 4
	mgr, boot, err := cmapp.NewManager(s.env.Config, cmCfg, cmapp.ManagerOptions{})
	if err != nil {
		return 1, err
	}
	go func() { _ = mgr.Start(ctx) }()
	if err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, time.Minute, true, func(context.Context) (bool, error) {
		return boot.Completed(), nil
	}); err != nil {
		return 1, fmt.Errorf("bootstrap: %w", err)
	}

	cfg := app.DefaultConfig()
	cfg.Issuer = s.url
	cfg.SigningKeyFile, cfg.GenerateSigningKey = filepath.Join(dir, "signing.key"), true
	cfg.Authentication.BcryptCost = 4
	cfg.Authentication.LoginsPerMinute, cfg.Authentication.LoginBurst = 6000, 1000
	cfg.Kubernetes = app.Kubernetes{ExternalURL: s.env.Config.Host}
	cfg.OAuthClients = []oauth.Client{{ID: app.ConsoleClientID, Secret: consoleSecret, Trusted: true, RedirectURIs: []string{"https://console.test/oauth/callback"}}}
	srv, err := app.Build(ctx, cfg, s.env.Config, logr.Discard(), clock.RealClock{})
	if err != nil {
		return 1, err
	}
	defer srv.Close()
	if err := srv.Start(ctx); err != nil {
		return 1, err
	}
	httpSrv := &http.Server{Handler: srv.Handler, MaxHeaderBytes: cfg.Limits.MaxHeaderBytes, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = httpSrv.ServeTLS(l, certFile, keyFile) }()
	defer httpSrv.Close()

	ca, err := os.ReadFile(certFile)
	if err != nil {
		return 1, err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca)
	s.tlsConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	s.http = &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{TLSClientConfig: s.tlsConfig.Clone(), ForceAttemptHTTP2: true}}
	kt, err := rest.TransportFor(s.env.Config)
	if err != nil {
		return 1, err
	}
	s.kube = &http.Client{Timeout: 60 * time.Second, Transport: kt}
	st = s
	return m.Run(), nil
}
