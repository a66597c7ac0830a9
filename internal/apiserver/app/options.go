package app

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"k8s.io/klog/v2"
	"k8s.io/klog/v2/textlogger"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/superkube/super-kubenetes/internal/componentconfig"
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

	// overrides are the flags that override the file's fields.
	overrides *componentconfig.Overrides[Config]
}

// NewOptions returns options with the defaults.
func NewOptions() *Options { return &Options{CertDir: "/var/run/ke-apiserver"} }

// AddFlags registers the flags.
func (o *Options) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.Kubeconfig, "kubeconfig", "", "Path to a kubeconfig; empty uses the in-cluster configuration")
	fs.StringVar(&o.ConfigFile, "config", "", "Path to an "+ConfigKind+" file ("+ConfigAPIVersion+")")
	fs.StringVar(&o.CertDir, "cert-dir", o.CertDir, "Folder for the generated self-signed serving certificate, used when no certificate is configured")
	fs.IntVarP(&o.Verbosity, "v", "v", 0, "Log verbosity; 1 logs every request, 4 every authorization decision with its reason")
	fs.BoolVar(&o.PrintConfig, "print-config", false, "Print the effective configuration, without secrets, and exit")
	ov := componentconfig.NewOverrides(fs, DefaultConfig())
	o.overrides = ov
	ov.String("bind-address", func(c *Config) *string { return &c.BindAddress }, "Address to serve HTTPS on")
	ov.String("metrics-bind-address", func(c *Config) *string { return &c.MetricsBindAddress }, "Address to also serve /metrics on, in plain HTTP without authentication (empty: only on the HTTPS port, to authorized callers)")
	ov.String("issuer", func(c *Config) *string { return &c.Issuer }, "External https URL of ke-apiserver, the issuer of its tokens")
	ov.String("devops-work-dir", func(c *Config) *string { return &c.DevOps.WorkDir }, "Folder of the local pipeline executor (ke-controller-manager's devops.workDir on this machine), where step logs are read")
	ov.String("signing-key-file", func(c *Config) *string { return &c.SigningKeyFile }, "PEM RSA key that signs tokens")
	ov.Bool("generate-signing-key", func(c *Config) *bool { return &c.GenerateSigningKey }, "Create the signing key file when it is missing")
	ov.String("tls-cert-file", func(c *Config) *string { return &c.TLS.CertFile }, "Serving certificate (PEM)")
	ov.String("tls-private-key-file", func(c *Config) *string { return &c.TLS.KeyFile }, "Serving certificate's key (PEM)")
	ov.String("redis-url", func(c *Config) *string { return &c.RedisURL }, "Keep tokens in Redis (redis://[:password@]host:port/db); empty keeps them in memory")
	ov.String("audit-log-path", func(c *Config) *string { return &c.Audit.Path }, "Audit log file (\"-\" for standard output)")
	ov.String("notification-webhook-token-file", func(c *Config) *string { return &c.Notification.WebhookTokenFile }, "File holding the bearer token with which Alertmanager posts its notifications; empty serves no webhook")
	ov.StringSlice("notification-user-allowed-cidrs", func(c *Config) *[]string { return &c.Notification.UserAllowedCIDRs }, "Networks (CIDRs or addresses) that users' own notification configs may reach although they are internal; by default they reach public addresses only")
	ov.String("multicluster-advertise-url", func(c *Config) *string { return &c.Multicluster.AdvertiseURL }, "This replica's own https URL, at which the other replicas forward it the requests of clusters whose agent tunnels it holds; empty (one replica) forwards nothing")
	ov.String("multicluster-peer-ca-file", func(c *Config) *string { return &c.Multicluster.PeerCAFile }, "CA bundle that verifies the other replicas' serving certificates (default: the system's roots)")
	ov.String("multicluster-peer-server-name", func(c *Config) *string { return &c.Multicluster.PeerServerName }, "Name the other replicas' serving certificates are verified for, when they do not name the advertised address")
	ov.String("multicluster-controller-token-file", func(c *Config) *string { return &c.Multicluster.ControllerTokenFile }, "File holding the bearer token with which ke-controller-manager reaches member clusters at /internal/clusters/; empty serves no such path")
	ov.String("audit-kube-webhook-token-file", func(c *Config) *string { return &c.Audit.KubeWebhookTokenFile }, "File holding the bearer token with which kube-apiserver's audit webhook posts to /webhooks/audit; empty takes none")
	ov.String("kubernetes-external-url", func(c *Config) *string { return &c.Kubernetes.ExternalURL }, "kube-apiserver's address for downloaded kubeconfigs")
	ov.String("kubernetes-ca-file", func(c *Config) *string { return &c.Kubernetes.CAFile }, "CA of kube-apiserver's serving certificate, for downloaded kubeconfigs")
	ov.String("system-namespace", func(c *Config) *string { return &c.SystemNamespace }, "Namespace of the platform's own objects")
	ov.StringSlice("admission-exempt-users", func(c *Config) *[]string { return &c.Admission.ExemptUsers }, "User names of the platform's components on kube-apiserver, whose writes the validating webhook does not check")
	ov.String("prometheus-url", func(c *Config) *string { return &c.Monitoring.PrometheusURL }, "Prometheus HTTP API the monitoring API reads (Prometheus, VictoriaMetrics, Thanos); empty answers 503")
	ov.String("prometheus-bearer-token-file", func(c *Config) *string { return &c.Monitoring.BearerTokenFile }, "File holding a bearer token for Prometheus")
	ov.String("prometheus-username", func(c *Config) *string { return &c.Monitoring.Username }, "User name of HTTP basic auth to Prometheus")
	ov.String("prometheus-password-file", func(c *Config) *string { return &c.Monitoring.PasswordFile }, "File holding the password of HTTP basic auth to Prometheus")
	ov.String("prometheus-ca-file", func(c *Config) *string { return &c.Monitoring.CAFile }, "CA of an https Prometheus")
	ov.Duration("prometheus-timeout", func(c *Config) *time.Duration { return &c.Monitoring.Timeout.Duration }, "Bound of every Prometheus query; slower is a 503")
	ov.String("alertmanager-url", func(c *Config) *string { return &c.Alerting.AlertmanagerURL }, "Alertmanager the alerting API manages silences in (its address, without /api/v2); empty answers 503 for silences")
	ov.String("jaeger-url", func(c *Config) *string { return &c.ServiceMesh.Jaeger.URL }, "Jaeger query service the tracing API reads (its address, without /api); empty answers 503")
	ov.Duration("jaeger-timeout", func(c *Config) *time.Duration { return &c.ServiceMesh.Jaeger.Timeout.Duration }, "Bound of every call to Jaeger; slower is a 503")
	ov.String("victorialogs-url", func(c *Config) *string { return &c.Logging.VictoriaLogsURL }, "VictoriaLogs HTTP API the logging API searches; empty answers 503")
	ov.Duration("logging-timeout", func(c *Config) *time.Duration { return &c.Logging.Timeout.Duration }, "Bound of the wait for the log store's answer; slower is a 503")
	fs.StringVar(&o.ConsoleURL, "console-url", "", "ke-console's external URL; registers the console as a trusted OAuth client")
	fs.StringVar(&o.ConsoleSecret, "console-client-secret-file", "", "File holding the console client's secret")
	fs.StringVar(&o.RedisURLFile, "redis-url-file", "", "File holding the Redis URL (instead of --redis-url, which ps shows)")
}

// Complete builds the effective configuration: the file over the
// defaults, the flags that were set over the file, then the files that
// flags name (the Redis URL, the console's client secret). It validates the
// result and, unless --print-config is set, loads the client configuration
// of kube-apiserver.
func (o *Options) Complete() (CompletedConfig, error) {
	cfg, err := LoadConfig(o.ConfigFile)
	if err != nil {
		return CompletedConfig{}, err
	}
	o.overrides.Apply(&cfg)
	if o.RedisURLFile != "" {
		url, err := componentconfig.RedisURLFile(o.RedisURLFile, o.overrides.Changed("redis-url"))
		if err != nil {
			return CompletedConfig{}, err
		}
		cfg.RedisURL = url
	}
	if o.ConsoleURL != "" {
		secret, err := os.ReadFile(o.ConsoleSecret)
		if err != nil {
			return CompletedConfig{}, fmt.Errorf("--console-client-secret-file: %w", err)
		}
		base := strings.TrimRight(o.ConsoleURL, "/")
		cfg.OAuthClients = append(cfg.OAuthClients, oauth.Client{ID: ConsoleClientID, Secret: strings.TrimSpace(string(secret)), Trusted: true,
			RedirectURIs: []string{base + "/oauth/callback"}, PostLogoutRedirectURIs: []string{base + "/", base + "/login"},
			GrantTypes: []string{oauth.GrantPassword, oauth.GrantRefreshToken, oauth.GrantAuthorizationCode}})
	}
	c, err := cfg.Complete(nil)
	if err != nil {
		return c, componentconfig.Invalid(o.ConfigFile, err)
	}
	c.CertDir = o.CertDir
	if !o.PrintConfig {
		if c.REST, err = componentconfig.RESTConfig(o.Kubeconfig); err != nil {
			return CompletedConfig{}, err
		}
	}
	return c, nil
}

// NewCommand returns the ke-apiserver command.
func NewCommand(ctx context.Context) *cobra.Command {
	o := NewOptions()
	cmd := &cobra.Command{
		Use:   "ke-apiserver",
		Short: "Serve the Super Kubenetes API: OAuth2/OIDC, authorization at four levels, audit, and the platform's REST APIs",
		Args:  cobra.NoArgs, SilenceUsage: true, SilenceErrors: true,
		Version: version.Get().String(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := o.Complete()
			if err != nil {
				return err
			}
			if o.PrintConfig {
				return componentconfig.Print(cmd.OutOrStdout(), c.Redacted())
			}
			logger := textlogger.NewLogger(textlogger.NewConfig(textlogger.Verbosity(o.Verbosity)))
			ctrl.SetLogger(logger)
			klog.SetLogger(logger)
			return Run(ctrl.LoggerInto(ctx, logger), c)
		},
	}
	o.AddFlags(cmd.Flags())
	return cmd
}

// shutdownGrace is how long requests in flight may take to finish when
// ke-apiserver stops; watches and event streams still open then are cut.
const shutdownGrace = 30 * time.Second

// Run builds and serves ke-apiserver until ctx ends.
func Run(ctx context.Context, c CompletedConfig) error {
	log := ctrl.LoggerFrom(ctx)
	cfg := c.Config
	certFile, keyFile := cfg.TLS.CertFile, cfg.TLS.KeyFile
	if certFile == "" {
		host, _, _ := net.SplitHostPort(strings.TrimPrefix(strings.TrimPrefix(cfg.Issuer, "https://"), "http://"))
		var err error
		if certFile, keyFile, err = SelfSignedCert(c.CertDir, []string{host, "localhost", "127.0.0.1"}); err != nil {
			return fmt.Errorf("generating a self-signed serving certificate: %w", err)
		}
		log.Info("Serving with a self-signed certificate; configure tls for anything but local use", "cert", certFile, "fingerprint", tlsserve.Fingerprint(certFile))
	}
	s, err := Build(ctx, c, log, clock.RealClock{})
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
	if cfg.MetricsBindAddress != "" {
		if err := tlsserve.ServeMetrics(ctx, cfg.MetricsBindAddress, s.Metrics, log); err != nil {
			return fmt.Errorf("metricsBindAddress: %w", err)
		}
	}
	log.Info("Serving", "address", cfg.BindAddress, "issuer", cfg.Issuer, "version", version.Get().GitVersion)
	ln, err := net.Listen("tcp", cfg.BindAddress)
	if err != nil {
		return err
	}
	return tlsserve.Serve(ctx, srv, ln, certFile, keyFile, shutdownGrace, log)
}
