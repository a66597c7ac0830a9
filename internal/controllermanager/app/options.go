// Package app holds the ke-controller-manager command: its options, its
// versioned configuration file and the wiring of every reconciler.
package app

import (
	"errors"
	"fmt"

	"github.com/spf13/pflag"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// Options are the command-line options. Flags that are set override the
// configuration file.
type Options struct {
	Kubeconfig string
	ConfigFile string
	Verbosity  int

	flags  Config
	fs     *pflag.FlagSet
	config Config
}

// NewOptions returns options with the defaults.
func NewOptions() *Options {
	return &Options{flags: DefaultConfig()}
}

// AddFlags registers the flags.
func (o *Options) AddFlags(fs *pflag.FlagSet) {
	o.fs = fs
	fs.StringVar(&o.Kubeconfig, "kubeconfig", o.Kubeconfig, "Path to a kubeconfig; empty uses the in-cluster configuration")
	fs.StringVar(&o.ConfigFile, "config", o.ConfigFile, "Path to a "+ConfigKind+" file ("+ConfigAPIVersion+")")
	fs.IntVarP(&o.Verbosity, "v", "v", 0, "Log verbosity, 0 to 10: 0 logs start-up and errors; 5 adds controller-runtime's line for every reconcile")
	fs.StringVar(&o.flags.SystemNamespace, "system-namespace", o.flags.SystemNamespace, "Namespace of the platform's own objects")
	fs.StringVar(&o.flags.MetricsBindAddress, "metrics-bind-address", o.flags.MetricsBindAddress, "Address of the Prometheus metrics endpoint; 0 disables it")
	fs.StringVar(&o.flags.HealthProbeBindAddress, "health-probe-bind-address", o.flags.HealthProbeBindAddress, "Address of /healthz and /readyz")
	fs.StringVar(&o.flags.PprofBindAddress, "pprof-bind-address", o.flags.PprofBindAddress, "Address of Go's profiling endpoints; empty disables them")
	fs.BoolVar(&o.flags.LeaderElection.Enabled, "leader-elect", o.flags.LeaderElection.Enabled, "Elect a leader among replicas")
	fs.StringVar(&o.flags.LeaderElection.Namespace, "leader-election-namespace", o.flags.LeaderElection.Namespace, "Namespace of the leader election lease (default: the system namespace)")
	fs.IntVar(&o.flags.Concurrency, "concurrency", o.flags.Concurrency, "Objects each controller reconciles at once")
	fs.Float32Var(&o.flags.KubeAPIQPS, "kube-api-qps", o.flags.KubeAPIQPS, "Requests per second to kube-apiserver")
	fs.IntVar(&o.flags.KubeAPIBurst, "kube-api-burst", o.flags.KubeAPIBurst, "Burst of requests to kube-apiserver")
}

// Completed are validated options ready to run.
type Completed struct {
	Config     Config
	RESTConfig *rest.Config
	Verbosity  int
}

// Complete reads the configuration file, applies the flags that were set,
// and builds the client configuration.
func (o *Options) Complete() (*Completed, error) {
	cfg := DefaultConfig()
	if o.ConfigFile != "" {
		var err error
		if cfg, err = LoadConfig(o.ConfigFile); err != nil {
			return nil, err
		}
	}
	if o.fs != nil {
		set := func(name string, apply func()) {
			if o.fs.Changed(name) {
				apply()
			}
		}
		set("system-namespace", func() { cfg.SystemNamespace = o.flags.SystemNamespace })
		set("metrics-bind-address", func() { cfg.MetricsBindAddress = o.flags.MetricsBindAddress })
		set("pprof-bind-address", func() { cfg.PprofBindAddress = o.flags.PprofBindAddress })
		set("health-probe-bind-address", func() { cfg.HealthProbeBindAddress = o.flags.HealthProbeBindAddress })
		set("leader-elect", func() { cfg.LeaderElection.Enabled = o.flags.LeaderElection.Enabled })
		set("leader-election-namespace", func() { cfg.LeaderElection.Namespace = o.flags.LeaderElection.Namespace })
		set("concurrency", func() { cfg.Concurrency = o.flags.Concurrency })
		set("kube-api-qps", func() { cfg.KubeAPIQPS = o.flags.KubeAPIQPS })
		set("kube-api-burst", func() { cfg.KubeAPIBurst = o.flags.KubeAPIBurst })
	}
	if cfg.LeaderElection.Namespace == "" {
		cfg.LeaderElection.Namespace = cfg.SystemNamespace
	}
	o.config = cfg
	if errs := o.Validate(); len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	rc, err := restConfig(o.Kubeconfig)
	if err != nil {
		return nil, err
	}
	return &Completed{Config: cfg, RESTConfig: rc, Verbosity: o.Verbosity}, nil
}

// Validate returns every problem with the options.
func (o *Options) Validate() []error {
	errs := o.config.Validate()
	if o.Verbosity < 0 || o.Verbosity > 10 {
		errs = append(errs, fmt.Errorf("-v must be between 0 and 10, got %d", o.Verbosity))
	}
	return errs
}

func restConfig(kubeconfig string) (*rest.Config, error) {
	if kubeconfig == "" {
		cfg, err := rest.InClusterConfig()
		if err != nil {
			return nil, fmt.Errorf("no --kubeconfig given and not running in a cluster: %w", err)
		}
		return cfg, nil
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return nil, fmt.Errorf("loading --kubeconfig %s: %w", kubeconfig, err)
	}
	return cfg, nil
}
