package app

import (
	"context"
	"time"

	"github.com/go-logr/logr"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"k8s.io/klog/v2/textlogger"
	"k8s.io/utils/clock"

	"github.com/superkube/super-kubenetes/internal/componentconfig"
	"github.com/superkube/super-kubenetes/internal/version"
)

// Options are the command-line options; flags that are set override the file.
type Options struct {
	ConfigFile  string
	CertDir     string
	Verbosity   int
	PrintConfig bool
	// RedisURLFile holds the Redis URL, which then stays out of the
	// command line (and of ps).
	RedisURLFile string

	// overrides are the flags that override the file's fields.
	overrides *componentconfig.Overrides[Config]
}

// NewOptions returns options with the defaults.
func NewOptions() *Options {
	return &Options{CertDir: "/var/run/ke-console"}
}

// AddFlags registers the flags.
func (o *Options) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.ConfigFile, "config", "", "Path to a "+ConfigKind+" file ("+ConfigAPIVersion+")")
	fs.StringVar(&o.CertDir, "cert-dir", o.CertDir, "Folder for the generated self-signed serving certificate, used when no certificate is configured")
	fs.IntVarP(&o.Verbosity, "v", "v", 0, "Log verbosity; 1 logs every request")
	fs.BoolVar(&o.PrintConfig, "print-config", false, "Print the effective configuration, without secrets, and exit")
	ov := componentconfig.NewOverrides(fs, DefaultConfig())
	o.overrides = ov
	ov.String("bind-address", func(c *Config) *string { return &c.BindAddress }, "Address to serve HTTPS on")
	ov.String("metrics-bind-address", func(c *Config) *string { return &c.MetricsBindAddress }, "Address to serve /metrics on, in plain HTTP without authentication (empty: no metrics)")
	ov.String("tls-cert-file", func(c *Config) *string { return &c.TLS.CertFile }, "Serving certificate (PEM); a self-signed one is generated when empty")
	ov.String("tls-private-key-file", func(c *Config) *string { return &c.TLS.KeyFile }, "Serving certificate's key (PEM)")
	ov.String("public-url", func(c *Config) *string { return &c.PublicURL }, "The console's external URL (https://console.example.com), for redirects and the same-origin checks")
	ov.String("base-path", func(c *Config) *string { return &c.BasePath }, "Path the console lives under, such as /console/")
	ov.String("title", func(c *Config) *string { return &c.Title }, "Title of the console in the browser")
	ov.String("apiserver-url", func(c *Config) *string { return &c.APIServer.URL }, "How the console reaches ke-apiserver (https://ke-apiserver:9443)")
	ov.String("apiserver-public-url", func(c *Config) *string { return &c.APIServer.PublicURL }, "How browsers reach ke-apiserver, for identity-provider logins (default --apiserver-url)")
	ov.String("apiserver-ca-file", func(c *Config) *string { return &c.APIServer.CAFile }, "CA that verifies ke-apiserver's serving certificate (default the system's roots)")
	ov.String("client-id", func(c *Config) *string { return &c.OAuth.ClientID }, "The console's OAuth client at ke-apiserver")
	ov.String("client-secret-file", func(c *Config) *string { return &c.OAuth.ClientSecretFile }, "File holding the console client's secret (ke-apiserver's --console-client-secret-file)")
	ov.String("redis-url", func(c *Config) *string { return &c.RedisURL }, "Keep sessions in Redis (redis://[:password@]host:port/db) for several replicas; empty keeps them in memory")
	fs.StringVar(&o.RedisURLFile, "redis-url-file", "", "File holding the Redis URL (instead of --redis-url, which ps shows)")
	ov.Duration("session-lifetime", func(c *Config) *time.Duration { return &c.SessionLifetime.Duration }, "How long an unused session lasts")
	ov.String("dev-ui-url", func(c *Config) *string { return &c.DevUIURL }, "Serve the UI from Vite's dev server (http://127.0.0.1:5173) instead of the embedded build")
}

// Complete builds the effective configuration: the file over the
// defaults, the flags that were set over the file, and the Redis URL of
// --redis-url-file; then it validates the result.
func (o *Options) Complete() (CompletedConfig, error) {
	cfg, err := LoadConfig(o.ConfigFile)
	if err != nil {
		return CompletedConfig{}, err
	}
	o.overrides.Apply(&cfg)
	if o.RedisURLFile != "" {
		if cfg.RedisURL, err = componentconfig.RedisURLFile(o.RedisURLFile, o.overrides.Changed("redis-url")); err != nil {
			return CompletedConfig{}, err
		}
	}
	c, err := cfg.Complete()
	if err != nil {
		return c, componentconfig.Invalid(o.ConfigFile, err)
	}
	c.CertDir = o.CertDir
	return c, nil
}

// NewCommand returns the ke-console command.
func NewCommand(ctx context.Context) *cobra.Command {
	o := NewOptions()
	cmd := &cobra.Command{
		Use:   "ke-console",
		Short: "Serve the Super Kubenetes web console: the single-page app, the session, and same-origin forwarding to ke-apiserver",
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
			return Run(logr.NewContext(ctx, logger), c, clock.RealClock{})
		},
	}
	o.AddFlags(cmd.Flags())
	return cmd
}
