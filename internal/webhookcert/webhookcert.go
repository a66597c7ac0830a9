// Package webhookcert gives ke-controller-manager's admission webhooks
// their serving certificate: open-policy-agent's cert-controller rotator
// keeps a CA and a serving certificate in a Secret, renews them before
// they expire and injects the CA into the webhook configurations; every
// replica writes the Secret's certificate into its certificate folder,
// where the webhook server (which reloads it) reads it.
package webhookcert

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/open-policy-agent/cert-controller/pkg/rotator"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/webhook"
)

// File names in the certificate folder (and keys of the Secret).
const (
	CertFile = "tls.crt"
	KeyFile  = "tls.key"
	CAFile   = "ca.crt"
)

// Options say where the certificate is kept and for which names.
type Options struct {
	// Secret holds the CA and the serving certificate.
	Secret types.NamespacedName
	// CertDir is the folder the webhook server reads.
	CertDir string
	// DNSName is the name kube-apiserver reaches the webhook by (the
	// Service's DNS name, or localhost).
	DNSName string
	// ValidatingWebhooks are the configurations the CA is injected into.
	ValidatingWebhooks []string
	// CAValidity and CertValidity are the certificates' lifetimes;
	// Lookahead renews a certificate this long before it expires; the
	// rotator checks every CheckInterval.
	CAValidity, CertValidity, Lookahead, CheckInterval time.Duration
	// Leader runs the rotator on the elected leader only.
	Leader bool
	// RefreshInterval is how often every replica reads the Secret into
	// CertDir (default 5s).
	RefreshInterval time.Duration
	// Before runs before the server starts serving (to fill the caches
	// the webhook reads).
	Before func(context.Context) error
	// ControllerName names the rotator's controller (default
	// webhook-cert-<secret>); names are unique in a process.
	ControllerName string
}

// Add registers the rotator, the Secret-to-folder copy and server, which
// starts serving once the certificate is in its folder.
func Add(mgr ctrl.Manager, opts Options, server webhook.Server) error {
	// The rotator fills the Secret but does not create it, and stops at
	// once if its cache does not have it when it starts: it is made now,
	// before the manager starts.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := wait.PollUntilContextCancel(ctx, time.Second, true, func(ctx context.Context) (bool, error) {
		if err := ensureSecret(ctx, mgr.GetClient(), opts.Secret); err != nil {
			mgr.GetLogger().Error(err, "Creating the webhook certificate Secret")
			return false, nil
		}
		return true, nil
	}); err != nil {
		return fmt.Errorf("creating the webhook certificate Secret %s: %w", opts.Secret, err)
	}
	var hooks []rotator.WebhookInfo
	for _, name := range opts.ValidatingWebhooks {
		hooks = append(hooks, rotator.WebhookInfo{Name: name, Type: rotator.Validating})
	}
	if err := rotator.AddRotator(mgr, &rotator.CertRotator{
		SecretKey: opts.Secret, CertDir: opts.CertDir, CertName: CertFile, KeyName: KeyFile,
		CAName: "super-kubenetes-webhook-ca", CAOrganization: "super-kubenetes", DNSName: opts.DNSName,
		IsReady: make(chan struct{}), Webhooks: hooks, RequireLeaderElection: opts.Leader,
		CaCertDuration: opts.CAValidity, ServerCertDuration: opts.CertValidity, LookaheadInterval: opts.Lookahead,
		RotationCheckFrequency: opts.CheckInterval, ControllerName: cmp.Or(opts.ControllerName, "webhook-cert-"+opts.Secret.Name),
	}); err != nil {
		return fmt.Errorf("adding the webhook certificate rotator: %w", err)
	}
	every := opts.RefreshInterval
	if every == 0 {
		every = 5 * time.Second
	}
	copier := &copier{reader: mgr.GetAPIReader(), secret: opts.Secret, dir: opts.CertDir, every: every}
	if err := mgr.Add(copier); err != nil {
		return err
	}
	return mgr.Add(&waitingServer{Server: server, copier: copier, before: opts.Before})
}

// ensureSecret creates the empty Secret the rotator fills.
func ensureSecret(ctx context.Context, c client.Client, key types.NamespacedName) error {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: key.Namespace}}
	if err := c.Create(ctx, ns); err != nil && !apierrors.IsAlreadyExists(err) {
		return err
	}
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: key.Namespace, Name: key.Name,
		Labels: map[string]string{"app.kubernetes.io/part-of": "super-kubenetes"}}}
	err := c.Get(ctx, key, &corev1.Secret{})
	if apierrors.IsNotFound(err) {
		err = c.Create(ctx, s)
		if apierrors.IsAlreadyExists(err) {
			err = nil
		}
	}
	if err != nil {
		return fmt.Errorf("creating the webhook certificate Secret %s: %w", key, err)
	}
	return nil
}

// copier writes the Secret's certificate and key into the folder whenever
// they change, on every replica.
type copier struct {
	reader client.Reader
	secret types.NamespacedName
	dir    string
	every  time.Duration
	cert   []byte
}

func (c *copier) NeedLeaderElection() bool { return false }

func (c *copier) Start(ctx context.Context) error {
	log := ctrl.LoggerFrom(ctx).WithName("webhook-cert")
	if err := os.MkdirAll(c.dir, 0o700); err != nil {
		return err
	}
	t := time.NewTicker(c.every)
	defer t.Stop()
	for {
		if err := c.refresh(ctx); err != nil {
			log.Error(err, "Reading the webhook certificate", "secret", c.secret)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

func (c *copier) refresh(ctx context.Context) error {
	var s corev1.Secret
	if err := c.reader.Get(ctx, c.secret, &s); err != nil {
		return err
	}
	cert, key, ca := s.Data[CertFile], s.Data[KeyFile], s.Data[CAFile]
	if len(cert) == 0 || len(key) == 0 || bytes.Equal(cert, c.cert) {
		return nil
	}
	// The CA, which the replicas check each other's servers with.
	if len(ca) > 0 {
		if err := writeFile(filepath.Join(c.dir, CAFile), ca); err != nil {
			return err
		}
	}
	// Key first: the server reloads when the certificate changes.
	if err := writeFile(filepath.Join(c.dir, KeyFile), key); err != nil {
		return err
	}
	if err := writeFile(filepath.Join(c.dir, CertFile), cert); err != nil {
		return err
	}
	c.cert = cert
	return nil
}

func writeFile(path string, b []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// waitingServer starts the webhook server once the certificate is in its
// folder: the server needs it to start.
type waitingServer struct {
	webhook.Server
	copier *copier
	before func(context.Context) error
}

func (w *waitingServer) NeedLeaderElection() bool { return false }

func (w *waitingServer) Start(ctx context.Context) error {
	path := filepath.Join(w.copier.dir, CertFile)
	for {
		if _, err := os.Stat(path); err == nil {
			break
		} else if !errors.Is(err, os.ErrNotExist) {
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(200 * time.Millisecond):
		}
	}
	if w.before != nil {
		if err := w.before(ctx); err != nil {
			return err
		}
	}
	return w.Server.Start(ctx)
}
