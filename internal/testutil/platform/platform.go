// Package platform starts the platform's own components in-process for
// integration tests, on a control plane from package envtest:
// ke-controller-manager's reconcilers and a ke-apiserver served over TLS on
// a loopback port. It also holds the small helpers those tests share.
package platform

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
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	"github.com/superkube/super-kubenetes/internal/admission"
	"github.com/superkube/super-kubenetes/internal/apiserver/app"
	"github.com/superkube/super-kubenetes/internal/authn"
	cmapp "github.com/superkube/super-kubenetes/internal/controllermanager/app"
	"github.com/superkube/super-kubenetes/internal/iam/password"
	"github.com/superkube/super-kubenetes/internal/iam/passwordsecret"
)

// BcryptCost is the cost the tests hash passwords with: the lowest, for speed.
const BcryptCost = 4

// SystemNamespace is the platform's system namespace in the tests (the
// default of both components).
const SystemNamespace = "superkube-system"

// StartControllers runs ke-controller-manager's reconcilers against the
// control plane until ctx ends (no leader election, metrics or probes) and
// waits until the bootstrap has made the built-in roles and the
// administrator. tune adjusts the configuration first.
func StartControllers(ctx context.Context, rc *rest.Config, tune ...func(*cmapp.Config)) error {
	cfg := cmapp.DefaultConfig()
	cfg.MetricsBindAddress, cfg.StateMetricsBindAddress, cfg.HealthProbeBindAddress, cfg.LeaderElection.Enabled = "0", "0", "0", false
	cfg.Authentication.BcryptCost = BcryptCost
	for _, f := range tune {
		f(&cfg)
	}
	completed, err := cfg.Complete(rc)
	if err != nil {
		return err
	}
	mgr, boot, err := cmapp.NewManager(completed, cmapp.ManagerOptions{SkipNameValidation: true})
	if err != nil {
		return err
	}
	go func() { _ = mgr.Start(ctx) }()
	if err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, time.Minute, true, func(context.Context) (bool, error) {
		return boot.Completed(), nil
	}); err != nil {
		return fmt.Errorf("bootstrap: %w", err)
	}
	return nil
}

// APIServer is a ke-apiserver on a loopback port. Listen reserves the port
// and makes the serving certificate first, so that the configuration can
// name the issuer; Start serves it.
type APIServer struct {
	// URL is its https address, the issuer of its tokens.
	URL string
	// CertFile is its self-signed serving certificate (its own CA), KeyFile the key.
	CertFile, KeyFile string
	dir               string
	listener          net.Listener
}

// Listen reserves a loopback port and makes a serving certificate in dir.
func Listen(dir string) (*APIServer, error) {
	certFile, keyFile, err := app.SelfSignedCert(dir, []string{"127.0.0.1", "localhost"})
	if err != nil {
		return nil, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	return &APIServer{URL: "https://" + l.Addr().String(), CertFile: certFile, KeyFile: keyFile, dir: dir, listener: l}, nil
}

// Config is the configuration tests start from: the issuer, a signing key
// generated in the folder, the lowest bcrypt cost, a login rate no test
// reaches, and kube-apiserver's address for downloaded kubeconfigs.
func (a *APIServer) Config(rc *rest.Config) app.Config {
	cfg := app.DefaultConfig()
	cfg.Issuer = a.URL
	cfg.SigningKeyFile, cfg.GenerateSigningKey = filepath.Join(a.dir, "signing.key"), true
	cfg.Authentication.BcryptCost = BcryptCost
	cfg.Authentication.LoginsPerMinute, cfg.Authentication.LoginBurst = 6000, 1000
	cfg.Kubernetes.ExternalURL = rc.Host
	return cfg
}

// Start builds ke-apiserver with cfg, starts its caches and serves it until
// stop is called or ctx ends.
func (a *APIServer) Start(ctx context.Context, cfg app.Config, rc *rest.Config) (srv *app.Server, stop func(), err error) {
	c, err := cfg.Complete(rc)
	if err != nil {
		return nil, nil, err
	}
	if srv, err = app.Build(ctx, c, logr.Discard(), clock.RealClock{}); err != nil {
		return nil, nil, err
	}
	if err := srv.Start(ctx); err != nil {
		srv.Close()
		return nil, nil, err
	}
	hs := &http.Server{Handler: srv.Handler, MaxHeaderBytes: cfg.Limits.MaxHeaderBytes, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.ServeTLS(a.listener, a.CertFile, a.KeyFile) }()
	return srv, func() { _ = hs.Close(); srv.Close() }, nil
}

// TLSConfig trusts the serving certificate.
func (a *APIServer) TLSConfig() (*tls.Config, error) {
	pem, err := os.ReadFile(a.CertFile)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("no certificate in %s", a.CertFile)
	}
	return &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}, nil
}

// Eventually polls check until it returns nil, and fails the test with the
// last error after timeout.
func Eventually(t testing.TB, what string, timeout time.Duration, check func() error) {
	t.Helper()
	var last error
	if err := wait.PollUntilContextTimeout(context.Background(), 50*time.Millisecond, timeout, true, func(context.Context) (bool, error) {
		last = check()
		return last == nil, nil
	}); err != nil {
		t.Fatalf("%s: %v", what, last)
	}
}

// NewUser creates a user with the password (and <name>@example.com), and
// waits until ke-controller-manager has moved its hash into the user's
// password Secret (in the default system namespace) and given it a state.
func NewUser(t testing.TB, c client.Client, name, pass string, mutate ...func(*iamv1beta1.User)) {
	t.Helper()
	u := &iamv1beta1.User{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: iamv1beta1.UserSpec{Email: name + "@example.com", Password: pass}}
	for _, m := range mutate {
		m(u)
	}
	if err := c.Create(context.Background(), u); err != nil {
		t.Fatalf("creating user %s: %v", name, err)
	}
	passwords := &passwordsecret.Store{Namespace: SystemNamespace, Reader: c}
	Eventually(t, "user "+name+" is hashed and active", time.Minute, func() error {
		got := &iamv1beta1.User{}
		if err := c.Get(context.Background(), types.NamespacedName{Name: name}, got); err != nil {
			return err
		}
		hash, err := passwords.Hash(context.Background(), got)
		if err != nil {
			return err
		}
		if got.Spec.Password != "" || !password.IsHash(hash) || got.Status.State == "" {
			return fmt.Errorf("state %q, password moved %v", got.Status.State, got.Spec.Password == "" && hash != "")
		}
		return nil
	})
}

// KubeAPIServerArgs are the flags that make kube-apiserver ask this
// ke-apiserver about bearer tokens (the token webhook), as ke-dev and the
// installation guide set them; they name a kubeconfig written in the folder.
func (a *APIServer) KubeAPIServerArgs() (map[string]string, error) {
	ca, err := os.ReadFile(a.CertFile)
	if err != nil {
		return nil, err
	}
	data, err := authn.WebhookKubeconfig(a.URL+authn.TokenReviewPath, ca, "")
	if err != nil {
		return nil, err
	}
	file := filepath.Join(a.dir, "token-webhook.kubeconfig")
	if err := os.WriteFile(file, data, 0o600); err != nil {
		return nil, err
	}
	return authn.TokenWebhookArgs(file), nil
}

// RegisterAdmission makes kube-apiserver call this ke-apiserver's
// validating webhook, with the exemptions of cfg.
func (a *APIServer) RegisterAdmission(ctx context.Context, c client.Client, cfg app.Config) error {
	ca, err := os.ReadFile(a.CertFile)
	if err != nil {
		return err
	}
	url := a.URL + admission.Path
	vwc := admission.Configuration(admissionregistrationv1.WebhookClientConfig{URL: &url, CABundle: ca},
		admission.Exemptions{Users: cfg.Admission.ExemptUsers})
	if err := c.Create(ctx, vwc); err != nil {
		return fmt.Errorf("registering the validating webhook: %w", err)
	}
	return nil
}
