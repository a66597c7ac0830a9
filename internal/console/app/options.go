package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/go-logr/logr"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"k8s.io/klog/v2/textlogger"
	"k8s.io/utils/clock"
	"sigs.k8s.io/yaml"

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

	flags    Config
	lifetime time.Duration
	fs       *pflag.FlagSet
}

// NewOptions returns options with the defaults.
func NewOptions() *Options {
	d := DefaultConfig()
	return &Options{flags: d, lifetime: d.SessionLifetime.Duration, CertDir: "/var/run/ke-console"}
}

// AddFlags registers the flags.
func (o *Options) AddFlags(fs *pflag.FlagSet) {
	o.fs = fs
	f := &o.flags
	fs.StringVar(&o.ConfigFile, "config", "", "Path to a "+ConfigKind+" file ("+ConfigAPIVersion+")")
	fs.StringVar(&o.CertDir, "cert-dir", o.CertDir, "Folder for the generated self-signed serving certificate, used when no certificate is configured")
	fs.IntVarP(&o.Verbosity, "v", "v", 0, "Log verbosity; 1 logs every request")
	fs.BoolVar(&o.PrintConfig, "print-config", false, "Print the effective configuration, without secrets, and exit")
	fs.StringVar(&f.BindAddress, "bind-address", f.BindAddress, "Address to serve HTTPS on")
	fs.StringVar(&f.TLS.CertFile, "tls-cert-file", f.TLS.CertFile, "Serving certificate (PEM); a self-signed one is generated when empty")
	fs.StringVar(&f.TLS.KeyFile, "tls-private-key-file", f.TLS.KeyFile, "Serving certificate's key (PEM)")
	fs.StringVar(&f.PublicURL, "public-url", f.PublicURL, "The console's external URL (https://console.example.com), for redirects and the same-origin checks")
	fs.StringVar(&f.BasePath, "base-path", f.BasePath, "Path the console lives under, such as /console/")
	fs.StringVar(&f.Title, "title", f.Title, "Title of the console in the browser")
	fs.StringVar(&f.APIServer.URL, "apiserver-url", f.APIServer.URL, "How the console reaches ke-apiserver (https://ke-apiserver:9443)")
	fs.StringVar(&f.APIServer.PublicURL, "apiserver-public-url", f.APIServer.PublicURL, "How browsers reach ke-apiserver, for identity-provider logins (default --apiserver-url)")
	fs.StringVar(&f.APIServer.CAFile, "apiserver-ca-file", f.APIServer.CAFile, "CA that verifies ke-apiserver's serving certificate (default the system's roots)")
	fs.StringVar(&f.OAuth.ClientID, "client-id", f.OAuth.ClientID, "The console's OAuth client at ke-apiserver")
	fs.StringVar(&f.OAuth.ClientSecretFile, "client-secret-file", f.OAuth.ClientSecretFile, "File holding the console client's secret (ke-apiserver's --console-client-secret-file)")
	fs.StringVar(&f.RedisURL, "redis-url", f.RedisURL, "Keep sessions in Redis (redis://[:password@]host:port/db) for several replicas; empty keeps them in memory")
	fs.StringVar(&o.RedisURLFile, "redis-url-file", "", "File holding the Redis URL (instead of --redis-url, which ps shows)")
	fs.DurationVar(&o.lifetime, "session-lifetime", o.lifetime, "How long an unused session lasts")
	fs.StringVar(&f.DevUIURL, "dev-ui-url", f.DevUIURL, "Serve the UI from Vite's dev server (http://127.0.0.1:5173) instead of the embedded build")
}

// Complete builds the effective configuration and validates it.
func (o *Options) Complete() (Config, error) {
	cfg := DefaultConfig()
	if o.ConfigFile != "" {
		var err error
		if cfg, err = LoadConfig(o.ConfigFile); err != nil {
			return cfg, err
		}
	}
	if o.fs != nil {
		f := &o.flags
		for name, apply := range map[string]func(){
			"bind-address":         func() { cfg.BindAddress = f.BindAddress },
			"tls-cert-file":        func() { cfg.TLS.CertFile = f.TLS.CertFile },
			"tls-private-key-file": func() { cfg.TLS.KeyFile = f.TLS.KeyFile },
			"public-url":           func() { cfg.PublicURL = f.PublicURL },
			"base-path":            func() { cfg.BasePath = f.BasePath },
			"title":                func() { cfg.Title = f.Title },
			"apiserver-url":        func() { cfg.APIServer.URL = f.APIServer.URL },
			"apiserver-public-url": func() { cfg.APIServer.PublicURL = f.APIServer.PublicURL },
			"apiserver-ca-file":    func() { cfg.APIServer.CAFile = f.APIServer.CAFile },
			"client-id":            func() { cfg.OAuth.ClientID = f.OAuth.ClientID },
			"client-secret-file":   func() { cfg.OAuth.ClientSecretFile = f.OAuth.ClientSecretFile },
			"redis-url":            func() { cfg.RedisURL = f.RedisURL },
			"session-lifetime":     func() { cfg.SessionLifetime.Duration = o.lifetime },
			"dev-ui-url":           func() { cfg.DevUIURL = f.DevUIURL },
		} {
			if o.fs.Changed(name) {
				apply()
			}
		}
	}
	if o.RedisURLFile != "" {
		url, err := readRedisURLFile(o.RedisURLFile, o.fs != nil && o.fs.Changed("redis-url"))
		if err != nil {
			return cfg, err
		}
		cfg.RedisURL = url
	}
	cfg.BasePath = NormalizeBasePath(cfg.BasePath)
	if errs := cfg.Validate(); len(errs) > 0 {
		return cfg, errors.Join(errs...)
	}
	return cfg, nil
}

// NewCommand returns the ke-console command.
func NewCommand(ctx context.Context) *cobra.Command {
	o := NewOptions()
	cmd := &cobra.Command{
		Use:   "ke-console",
		Short: "Serve the Super Kubenetes web console: the single-page app, the session, and same-origin forwarding to ke-apiserver",
		Args:  cobra.NoArgs, SilenceUsage: true, SilenceErrors: true,
		Version: version.Get().String(),
		RunE: func(*cobra.Command, []string) error {
			cfg, err := o.Complete()
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
			return Run(logr.NewContext(ctx, logger), cfg, o.CertDir, clock.RealClock{})
		},
	}
	o.AddFlags(cmd.Flags())
	return cmd
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
