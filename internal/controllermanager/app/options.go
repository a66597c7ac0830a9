// Package app holds the ke-controller-manager command: its options, its
// versioned configuration file and the wiring of every reconciler.
package app

import (
	"errors"
	"fmt"

	"github.com/spf13/pflag"

	"github.com/superkube/super-kubenetes/internal/componentconfig"
)

// Options are the command-line options. Flags that are set override the
// configuration file.
type Options struct {
	Kubeconfig string
	ConfigFile string
	Verbosity  int

	// overrides are the flags that override the file's fields.
	overrides *componentconfig.Overrides[Config]
}

// NewOptions returns options with the defaults.
func NewOptions() *Options {
	return &Options{}
}

// AddFlags registers the flags.
func (o *Options) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.Kubeconfig, "kubeconfig", o.Kubeconfig, "Path to a kubeconfig; empty uses the in-cluster configuration")
	fs.StringVar(&o.ConfigFile, "config", o.ConfigFile, "Path to a "+ConfigKind+" file ("+ConfigAPIVersion+")")
	fs.IntVarP(&o.Verbosity, "v", "v", 0, "Log verbosity, 0 to 10: 0 logs start-up and errors; 5 adds controller-runtime's line for every reconcile")
	ov := componentconfig.NewOverrides(fs, DefaultConfig())
	o.overrides = ov
	ov.String("system-namespace", func(c *Config) *string { return &c.SystemNamespace }, "Namespace of the platform's own objects")
	ov.String("metrics-bind-address", func(c *Config) *string { return &c.MetricsBindAddress }, "Address of the Prometheus metrics endpoint; 0 disables it")
	ov.String("state-metrics-bind-address", func(c *Config) *string { return &c.StateMetricsBindAddress }, "Address of the object-state metrics (kube-state-metrics' names) at /metrics, served with series by the elected leader only; 0 disables it")
	ov.String("health-probe-bind-address", func(c *Config) *string { return &c.HealthProbeBindAddress }, "Address of /healthz and /readyz")
	ov.String("pprof-bind-address", func(c *Config) *string { return &c.PprofBindAddress }, "Address of Go's profiling endpoints; empty disables them")
	ov.Bool("leader-elect", func(c *Config) *bool { return &c.LeaderElection.Enabled }, "Elect a leader among replicas")
	ov.String("leader-election-namespace", func(c *Config) *string { return &c.LeaderElection.Namespace }, "Namespace of the leader election lease (default: the system namespace)")
	ov.String("multicluster-apiserver-url", func(c *Config) *string { return &c.Multicluster.APIServerURL }, "ke-apiserver's https URL, through which the controllers reach member clusters; empty leaves members' RBAC and namespaces alone")
	ov.String("multicluster-apiserver-ca-file", func(c *Config) *string { return &c.Multicluster.APIServerCAFile }, "CA bundle that verifies ke-apiserver's serving certificate (default: the system's roots)")
	ov.String("multicluster-token-file", func(c *Config) *string { return &c.Multicluster.TokenFile }, "File holding the bearer token ke-apiserver expects on /internal/clusters/ (its --multicluster-controller-token-file)")
	ov.String("victorialogs-url", func(c *Config) *string { return &c.Events.VictoriaLogsURL }, "VictoriaLogs' HTTP API, where the elected leader writes Kubernetes events; empty exports none")
	ov.String("devops-work-dir", func(c *Config) *string { return &c.DevOps.WorkDir }, "Folder of the local pipeline executor's runs (workspaces, logs, artifacts); empty turns the local executor off")
	ov.String("alerting-rules-dir", func(c *Config) *string { return &c.Alerting.RulesDir }, "Directory of the Prometheus rule files compiled from the alert rule groups (Prometheus reads <dir>/*.yaml); empty writes none")
	ov.String("alerting-prometheus-url", func(c *Config) *string { return &c.Alerting.PrometheusURL }, "Prometheus that reads the rules directory; POST <url>/-/reload after changes")
	ov.String("quota-webhook-bind-address", func(c *Config) *string { return &c.Quota.Webhook.BindAddress }, "host:port of the workspace quota webhook's HTTPS server; empty serves none (quotas are counted, not enforced)")
	ov.String("quota-webhook-advertise-address", func(c *Config) *string { return &c.Quota.Webhook.AdvertiseAddress }, "host:port at which the other replicas reach this replica's quota webhook (default: the bind address when it names a host)")
	ov.String("quota-webhook-url", func(c *Config) *string { return &c.Quota.Webhook.URL }, "Base https URL at which kube-apiserver reaches the quota webhook (instead of quota.webhook.service)")
	ov.String("quota-webhook-cert-dir", func(c *Config) *string { return &c.Quota.Webhook.CertDir }, "Folder where each replica keeps the quota webhook's serving certificate")
	ov.Int("concurrency", func(c *Config) *int { return &c.Concurrency }, "Objects each controller reconciles at once")
	ov.Float32("kube-api-qps", func(c *Config) *float32 { return &c.KubeAPIQPS }, "Requests per second to kube-apiserver")
	ov.Int("kube-api-burst", func(c *Config) *int { return &c.KubeAPIBurst }, "Burst of requests to kube-apiserver")
}

// Complete reads the configuration file, applies the flags that were set,
// validates the result and builds the client configuration.
func (o *Options) Complete() (CompletedConfig, error) {
	cfg, err := LoadConfig(o.ConfigFile)
	if err != nil {
		return CompletedConfig{}, err
	}
	o.overrides.Apply(&cfg)
	c, err := cfg.Complete(nil)
	if err != nil {
		err = componentconfig.Invalid(o.ConfigFile, err)
	}
	if err := errors.Join(err, errors.Join(o.Validate()...)); err != nil {
		return CompletedConfig{}, err
	}
	c.REST, err = componentconfig.RESTConfig(o.Kubeconfig)
	return c, err
}

// Validate returns every problem with the options that are not part of
// the configuration file.
func (o *Options) Validate() []error {
	var errs []error
	if o.Verbosity < 0 || o.Verbosity > 10 {
		errs = append(errs, fmt.Errorf("-v must be between 0 and 10, got %d", o.Verbosity))
	}
	return errs
}
