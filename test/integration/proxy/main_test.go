// Package proxy tests ke-apiserver's Kubernetes API proxy against a real
// kube-apiserver and etcd, with ke-controller-manager's reconcilers running:
// requests go as the calling user after ke-apiserver's authorization, the
// client cannot choose another identity, watches and big lists stream, and
// /clusters/{cluster}/ reaches the cluster named.
package proxy

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/superkube/super-kubenetes/internal/apiserver/app"
	"github.com/superkube/super-kubenetes/internal/oauth"
	"github.com/superkube/super-kubenetes/internal/scheme"
	"github.com/superkube/super-kubenetes/internal/testutil/envtest"
	"github.com/superkube/super-kubenetes/internal/testutil/platform"
)

const consoleSecret = "console-secret-for-tests"

var st *stack

// api calls the stack's ke-apiserver as the tests' users.
var api *platform.Client

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
	// kubeAudit is kube-apiserver's audit log.
	kubeAudit string
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
	apiServer, err := platform.Listen(dir)
	if err != nil {
		return 1, err
	}
	s.url = apiServer.URL

	// kube-apiserver's audit log records the source addresses of the
	// requests that reach it (SelfSubjectReviews only).
	s.kubeAudit = filepath.Join(dir, "kube-audit.log")
	policy := filepath.Join(dir, "audit-policy.yaml")
	if err := os.WriteFile(policy, []byte(`apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
- level: Metadata
  resources: [{group: authentication.k8s.io, resources: [selfsubjectreviews]}]
- level: None
`), 0o600); err != nil {
		return 1, err
	}
	if s.env, err = envtest.Start(envtest.Options{ExtraAPIServerArgs: map[string]string{
		"audit-policy-file": policy, "audit-log-path": s.kubeAudit}}); err != nil {
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
	if err := platform.StartControllers(ctx, s.env.Config); err != nil {
		return 1, err
	}

	cfg := apiServer.Config(s.env.Config)
	cfg.OAuthClients = []oauth.Client{{ID: app.ConsoleClientID, Secret: consoleSecret, Trusted: true, RedirectURIs: []string{"https://console.test/oauth/callback"}}}
	_, stop, err := apiServer.Start(ctx, cfg, s.env.Config)
	if err != nil {
		return 1, err
	}
	defer stop()

	if s.tlsConfig, err = apiServer.TLSConfig(); err != nil {
		return 1, err
	}
	s.http = &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{TLSClientConfig: s.tlsConfig.Clone(), ForceAttemptHTTP2: true}}
	kt, err := rest.TransportFor(s.env.Config)
	if err != nil {
		return 1, err
	}
	s.kube = &http.Client{Timeout: 60 * time.Second, Transport: kt}
	st = s
	api = &platform.Client{URL: s.url, HTTP: s.http, K8s: s.k8s, ConsoleSecret: consoleSecret, Password: Password}
	return m.Run(), nil
}
