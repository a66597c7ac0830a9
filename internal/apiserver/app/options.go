package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/klog/v2"
	"k8s.io/klog/v2/textlogger"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/yaml"

	"github.com/superkube/super-kubenetes/internal/oauth"
	"github.com/superkube/super-kubenetes/internal/tlsserve"
	"github.com/superkube/super-kubenetes/internal/version"
)

// ConsoleClientID is the built-in trusted OAuth client of ke-console.
const ConsoleClientID = "ke-console"

// Options are the command-line options; flags that are set override the file.
type Options struct {
	Kubeconfig  string
	ConfigFile  string
	CertDir     string
	Verbosity   int
	PrintConfig bool
	// ConsoleURL and ConsoleSecret register ke-console as a trusted client.
	ConsoleURL    string
	ConsoleSecret string
	// RedisURLFile holds the Redis URL, which then stays out of the
	// command line (and of ps).
	RedisURLFile string

	flags Config
	fs    *pflag.FlagSet
}

// NewOptions returns options with the defaults.
func NewOptions() *Options { return &Options{flags: DefaultConfig(), CertDir: "/var/run/ke-apiserver"} }

// AddFlags registers the flags.
func (o *Options) AddFlags(fs *pflag.FlagSet) {
	o.fs = fs
	f := &o.flags
	fs.StringVar(&o.Kubeconfig, "kubeconfig", "", "Path to a kubeconfig; empty uses the in-cluster configuration")
	fs.StringVar(&o.ConfigFile, "config", "", "Path to an "+ConfigKind+" file ("+ConfigAPIVersion+")")
	fs.StringVar(&o.CertDir, "cert-dir", o.CertDir, "Folder for the generated self-signed serving certificate, used when no certificate is configured")
	fs.IntVarP(&o.Verbosity, "v", "v", 0, "Log verbosity; 1 logs every request, 4 every authorization decision with its reason")
	fs.BoolVar(&o.PrintConfig, "print-config", false, "Print the effective configuration, without secrets, and exit")
	fs.StringVar(&f.BindAddress, "bind-address", f.BindAddress, "Address to serve HTTPS on")
	fs.StringVar(&f.Issuer, "issuer", f.Issuer, "External https URL of ke-apiserver, the issuer of its tokens")
	fs.StringVar(&f.SigningKeyFile, "signing-key-file", f.SigningKeyFile, "PEM RSA key that signs tokens")
	fs.BoolVar(&f.GenerateSigningKey, "generate-signing-key", f.GenerateSigningKey, "Create the signing key file when it is missing")
	fs.StringVar(&f.TLS.CertFile, "tls-cert-file", f.TLS.CertFile, "Serving certificate (PEM)")
	fs.StringVar(&f.TLS.KeyFile, "tls-private-key-file", f.TLS.KeyFile, "Serving certificate's key (PEM)")
	fs.StringVar(&f.RedisURL, "redis-url", f.RedisURL, "Keep tokens in Redis (redis://[:password@]host:port/db); empty keeps them in memory")
	fs.StringVar(&f.Audit.Path, "audit-log-path", f.Audit.Path, "Audit log file (\"-\" for standard output)")
	fs.StringVar(&f.Kubernetes.ExternalURL, "kubernetes-external-url", f.Kubernetes.ExternalURL, "kube-apiserver's address for downloaded kubeconfigs")
	fs.StringVar(&f.Kubernetes.CAFile, "kubernetes-ca-file", f.Kubernetes.CAFile, "CA of kube-apiserver's serving certificate, for downloaded kubeconfigs")
	fs.StringVar(&f.SystemNamespace, "system-namespace", f.SystemNamespace, "Namespace of the platform's own objects")
	fs.StringSliceVar(&f.Admission.ExemptUsers, "admission-exempt-users", f.Admission.ExemptUsers, "User names of the platform's components on kube-apiserver, whose writes the validating webhook does not check")
	fs.StringVar(&o.ConsoleURL, "console-url", "", "ke-console's external URL; registers the console as a trusted OAuth client")
	fs.StringVar(&o.ConsoleSecret, "console-client-secret-file", "", "File holding the console client's secret")
	fs.StringVar(&o.RedisURLFile, "redis-url-file", "", "File holding the Redis URL (instead of --redis-url, which ps shows)")
}

// Complete builds the effective configuration.
func (o *Options) Complete() (Config, *rest.Config, error) {
	cfg := DefaultConfig()
	if o.ConfigFile != "" {
		var err error
		if cfg, err = LoadConfig(o.ConfigFile); err != nil {
			return cfg, nil, err
		}
	}
	if o.fs != nil {
		f := &o.flags
		for name, apply := range map[string]func(){
			"bind-address":            func() { cfg.BindAddress = f.BindAddress },
			"issuer":                  func() { cfg.Issuer = f.Issuer },
			"signing-key-file":        func() { cfg.SigningKeyFile = f.SigningKeyFile },
			"generate-signing-key":    func() { cfg.GenerateSigningKey = f.GenerateSigningKey },
			"tls-cert-file":           func() { cfg.TLS.CertFile = f.TLS.CertFile },
			"tls-private-key-file":    func() { cfg.TLS.KeyFile = f.TLS.KeyFile },
			"redis-url":               func() { cfg.RedisURL = f.RedisURL },
			"audit-log-path":          func() { cfg.Audit.Path = f.Audit.Path },
			"kubernetes-external-url": func() { cfg.Kubernetes.ExternalURL = f.Kubernetes.ExternalURL },
			"kubernetes-ca-file":      func() { cfg.Kubernetes.CAFile = f.Kubernetes.CAFile },
			"system-namespace":        func() { cfg.SystemNamespace = f.SystemNamespace },
			"admission-exempt-users":  func() { cfg.Admission.ExemptUsers = f.Admission.ExemptUsers },
		} {
			if o.fs.Changed(name) {
				apply()
			}
		}
	}
	if o.RedisURLFile != "" {
		url, err := readRedisURLFile(o.RedisURLFile, o.fs != nil && o.fs.Changed("redis-url"))
		if err != nil {
			return cfg, nil, err
		}
		cfg.RedisURL = url
	}
	if o.ConsoleURL != "" {
		secret, err := os.ReadFile(o.ConsoleSecret)
		if err != nil {
			return cfg, nil, fmt.Errorf("--console-client-secret-file: %w", err)
		}
		base := strings.TrimRight(o.ConsoleURL, "/")
		cfg.OAuthClients = append(cfg.OAuthClients, oauth.Client{ID: ConsoleClientID, Secret: strings.TrimSpace(string(secret)), Trusted: true,
			RedirectURIs: []string{base + "/oauth/callback"}, PostLogoutRedirectURIs: []string{base + "/", base + "/login"},
			GrantTypes: []string{oauth.GrantPassword, oauth.GrantRefreshToken, oauth.GrantAuthorizationCode}})
	}
	if errs := cfg.Validate(); len(errs) > 0 {
		return cfg, nil, errors.Join(errs...)
	}
	if o.PrintConfig {
		return cfg, nil, nil
	}
	var rc *rest.Config
	var err error
	if o.Kubeconfig == "" {
		rc, err = rest.InClusterConfig()
		if err != nil {
			return cfg, nil, fmt.Errorf("no --kubeconfig given and not running in a cluster: %w", err)
		}
	} else if rc, err = clientcmd.BuildConfigFromFlags("", o.Kubeconfig); err != nil {
		return cfg, nil, fmt.Errorf("loading --kubeconfig %s: %w", o.Kubeconfig, err)
	}
	return cfg, rc, nil
}

// NewCommand returns the ke-apiserver command.
func NewCommand(ctx context.Context) *cobra.Command {
	o := NewOptions()
	cmd := &cobra.Command{
		Use:   "ke-apiserver",
		Short: "Serve the Super Kubenetes API: OAuth2/OIDC, authorization at four levels, audit, and the platform's REST APIs",
		Args:  cobra.NoArgs, SilenceUsage: true, SilenceErrors: true,
		Version: version.Get().String(),
		RunE: func(*cobra.Command, []string) error {
			cfg, rc, err := o.Complete()
			if err != nil {
				return err
			}
			if o.PrintConfig {
				data, err := yaml.Marshal(cfg.Redacted())
				if err != nil {
					return err
				}
				fmt.Print(string(data))
				return nil
			}
			logger := textlogger.NewLogger(textlogger.NewConfig(textlogger.Verbosity(o.Verbosity)))
			ctrl.SetLogger(logger)
			klog.SetLogger(logger)
			return Run(ctrl.LoggerInto(ctx, logger), cfg, rc, o.CertDir)
		},
	}
	o.AddFlags(cmd.Flags())
	return cmd
}

// shutdownGrace is how long requests in flight may take to finish when
// ke-apiserver stops; watches and event streams still open then are cut.
const shutdownGrace = 30 * time.Second

// Run builds and serves ke-apiserver until ctx ends.
func Run(ctx context.Context, cfg Config, rc *rest.Config, certDir string) error {
	log := ctrl.LoggerFrom(ctx)
	certFile, keyFile := cfg.TLS.CertFile, cfg.TLS.KeyFile
	if certFile == "" {
		host, _, _ := net.SplitHostPort(strings.TrimPrefix(strings.TrimPrefix(cfg.Issuer, "https://"), "http://"))
		var err error
		if certFile, keyFile, err = SelfSignedCert(certDir, []string{host, "localhost", "127.0.0.1"}); err != nil {
			return fmt.Errorf("generating a self-signed serving certificate: %w", err)
		}
		log.Info("Serving with a self-signed certificate; configure tls for anything but local use", "cert", certFile, "fingerprint", tlsserve.Fingerprint(certFile))
	}
	s, err := Build(ctx, cfg, rc, log, clock.RealClock{})
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.Start(ctx); err != nil {
		return err
	}
	srv := &http.Server{
		Handler: s.Handler, MaxHeaderBytes: cfg.Limits.MaxHeaderBytes,
		ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second,
	}
	log.Info("Serving", "address", cfg.BindAddress, "issuer", cfg.Issuer, "version", version.Get().GitVersion)
	ln, err := net.Listen("tcp", cfg.BindAddress)
	if err != nil {
		return err
	}
	return tlsserve.Serve(ctx, srv, ln, certFile, keyFile, shutdownGrace, log)
}

// readRedisURLFile reads the Redis URL from a file; the URL itself is
// never part of an error.
func readRedisURLFile(name string, urlFlagSet bool) (string, error) {
	if urlFlagSet {
		return "", errors.New("--redis-url and --redis-url-file are both set; give one")
	}
	data, err := os.ReadFile(name)
	if err != nil {
		return "", fmt.Errorf("--redis-url-file: %w", err)
	}
	url := strings.TrimSpace(string(data))
	if url == "" {
		return "", fmt.Errorf("--redis-url-file %s is empty", name)
	}
	return url, nil
}
