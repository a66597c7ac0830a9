// Package prometheus runs Prometheus for the local cluster: it writes a
// configuration that scrapes the control plane, the simulated kubelets and
// the platform's components, sends the alerts of its rules to Alertmanager,
// and starts Debian's prometheus with its data in the cluster's data folder.
package prometheus

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/superkube/super-kubenetes/internal/dev/cluster"
	"github.com/superkube/super-kubenetes/internal/dev/process"
)

// Job names: the `job` label of each scrape job, which the monitoring API
// and the recording rules rely on.
const (
	JobPrometheus          = "prometheus"
	JobAPIServer           = "apiserver"
	JobEtcd                = "etcd"
	JobControllerManager   = "kube-controller-manager"
	JobScheduler           = "kube-scheduler"
	JobKubelet             = "kubelet"
	JobCadvisor            = "cadvisor"
	JobKeAPIServer         = "ke-apiserver"
	JobKeControllerManager = "ke-controller-manager"
	JobKeConsole           = "ke-console"
	JobKubeStateMetrics    = "kube-state-metrics"
	JobAlertmanager        = "alertmanager"
	// JobIstioMesh scrapes the mesh traffic simulator (internal/dev/meshsim).
	JobIstioMesh = "istio-mesh"
)

// Defaults for a laptop: two days of series, at most 1 GB on disk.
const (
	DefaultPort          = 9090
	DefaultRetention     = 48 * time.Hour
	DefaultRetentionSize = "1GB"
	// DefaultRulesFile is the recording rules shipped with the chart,
	// relative to the repository's root.
	DefaultRulesFile = "charts/super-kubenetes/files/prometheus/rules.yaml"
)

// Config says which Prometheus runs, where and how.
type Config struct {
	// Path is the prometheus binary; empty looks for it in $PATH.
	Path string
	Port int
	// DataDir keeps the configuration and the TSDB.
	DataDir        string
	Retention      time.Duration
	RetentionSize  string
	ScrapeInterval time.Duration
	// RulesFile is loaded when it exists.
	RulesFile string
	// AlertRulesDir holds the alert rule files that ke-controller-manager
	// compiles from the rule groups; Prometheus loads <dir>/*.yaml and
	// ke-controller-manager POSTs /-/reload after changing them.
	AlertRulesDir string
	// Alertmanager (host:port) receives the alerts of the rules, and is
	// scraped; empty sends them nowhere.
	Alertmanager string
}

// URL is where Prometheus answers.
func (c *Config) URL() string { return "http://127.0.0.1:" + strconv.Itoa(c.Port) }

// LookPath returns the prometheus binary to run.
func (c *Config) LookPath() (string, error) {
	if c.Path != "" {
		return c.Path, nil
	}
	path, err := exec.LookPath("prometheus")
	if err != nil {
		return "", errors.New("prometheus is not installed (on Debian or Ubuntu: apt-get install prometheus)")
	}
	return path, nil
}

// Targets are what Prometheus scrapes. An empty address leaves its job out.
type Targets struct {
	Cluster cluster.Endpoints
	// CAFile signs every serving certificate but those of kube-controller-manager
	// and kube-scheduler (self-signed); CertFile and KeyFile are Prometheus's
	// client certificate from the same CA.
	CAFile, CertFile, KeyFile string
	// The platform's components' metrics addresses (host:port, plain
	// HTTP), one per replica: ke-apiserver's and ke-console's
	// --metrics-bind-address, ke-controller-manager's.
	KeAPIServer, KeConsole, KeControllerManager []string
	// StateMetrics are the object-state exporters of the
	// ke-controller-manager replicas (kube-state-metrics' series, from the
	// elected one), plain HTTP.
	StateMetrics []string
	// MeshSim is the mesh traffic simulator, which serves Istio's standard
	// metrics, plain HTTP.
	MeshSim []string
}

type tlsConfig struct {
	CAFile             string `json:"ca_file,omitempty"`
	CertFile           string `json:"cert_file,omitempty"`
	KeyFile            string `json:"key_file,omitempty"`
	InsecureSkipVerify bool   `json:"insecure_skip_verify,omitempty"`
}

type staticConfig struct {
	Targets []string          `json:"targets"`
	Labels  map[string]string `json:"labels,omitempty"`
}

type relabelConfig struct {
	SourceLabels []string `json:"source_labels,omitempty"`
	Regex        string   `json:"regex,omitempty"`
	Action       string   `json:"action,omitempty"`
}

type scrapeConfig struct {
	JobName              string          `json:"job_name"`
	Scheme               string          `json:"scheme,omitempty"`
	MetricsPath          string          `json:"metrics_path,omitempty"`
	TLSConfig            *tlsConfig      `json:"tls_config,omitempty"`
	StaticConfigs        []staticConfig  `json:"static_configs"`
	MetricRelabelConfigs []relabelConfig `json:"metric_relabel_configs,omitempty"`
}

type global struct {
	ScrapeInterval     string            `json:"scrape_interval"`
	EvaluationInterval string            `json:"evaluation_interval"`
	ScrapeTimeout      string            `json:"scrape_timeout"`
	ExternalLabels     map[string]string `json:"external_labels,omitempty"`
}

type alertmanagerConfig struct {
	APIVersion    string         `json:"api_version"`
	StaticConfigs []staticConfig `json:"static_configs"`
}

type alerting struct {
	Alertmanagers []alertmanagerConfig `json:"alertmanagers"`
}

type file struct {
	Global        global         `json:"global"`
	Alerting      *alerting      `json:"alerting,omitempty"`
	RuleFiles     []string       `json:"rule_files,omitempty"`
	ScrapeConfigs []scrapeConfig `json:"scrape_configs"`
}

// Render returns the configuration file for the targets.
func Render(cfg *Config, t Targets) ([]byte, error) {
	interval := cfg.ScrapeInterval
	if interval <= 0 {
		interval = cluster.DefaultScrapeInterval
	}
	timeout := min(interval, 10*time.Second)
	f := file{Global: global{
		ScrapeInterval:     model(interval),
		EvaluationInterval: model(interval),
		ScrapeTimeout:      model(timeout),
		ExternalLabels:     map[string]string{"cluster": "ke-dev"},
	}}
	if cfg.RulesFile != "" {
		if _, err := os.Stat(cfg.RulesFile); err == nil {
			abs, err := filepath.Abs(cfg.RulesFile)
			if err != nil {
				return nil, err
			}
			f.RuleFiles = []string{abs}
		}
	}
	if cfg.AlertRulesDir != "" {
		abs, err := filepath.Abs(cfg.AlertRulesDir)
		if err != nil {
			return nil, err
		}
		f.RuleFiles = append(f.RuleFiles, filepath.Join(abs, AlertRulesGlob))
	}
	if cfg.Alertmanager != "" {
		f.Alerting = &alerting{Alertmanagers: []alertmanagerConfig{
			{APIVersion: "v2", StaticConfigs: []staticConfig{{Targets: []string{cfg.Alertmanager}}}},
		}}
	}
	client := &tlsConfig{CAFile: t.CAFile, CertFile: t.CertFile, KeyFile: t.KeyFile}
	// kube-controller-manager and kube-scheduler serve with certificates
	// they sign themselves (in their --cert-dir), which no CA vouches for.
	selfSigned := &tlsConfig{CertFile: t.CertFile, KeyFile: t.KeyFile, InsecureSkipVerify: true}
	static := func(addr string) []staticConfig { return []staticConfig{{Targets: []string{addr}}} }
	c := t.Cluster
	jobs := []scrapeConfig{
		{JobName: JobPrometheus, StaticConfigs: static("127.0.0.1:" + strconv.Itoa(cfg.Port))},
		{JobName: JobAPIServer, Scheme: "https", TLSConfig: client, StaticConfigs: static(c.APIServer)},
		{JobName: JobEtcd, StaticConfigs: static(c.Etcd)},
		{JobName: JobControllerManager, Scheme: "https", TLSConfig: selfSigned, StaticConfigs: static(c.ControllerManager)},
		{JobName: JobScheduler, Scheme: "https", TLSConfig: selfSigned, StaticConfigs: static(c.Scheduler)},
		// The simulated nodes share one address and port: each node is a
		// target of its own whose path names it, and its `node` and
		// `instance` labels are its name. One path serves a node's resource
		// metrics and its cAdvisor-style series (see cluster.ResourceMetricsPath);
		// the two jobs split them as a kubelet's two endpoints would, so
		// that sums over the container series count each container once.
		{JobName: JobKubelet, Scheme: "https", TLSConfig: client, StaticConfigs: nodeTargets(c),
			MetricRelabelConfigs: []relabelConfig{{SourceLabels: []string{"__name__"}, Regex: cadvisorSeries, Action: "drop"}}},
		{JobName: JobCadvisor, Scheme: "https", TLSConfig: client, StaticConfigs: nodeTargets(c),
			MetricRelabelConfigs: []relabelConfig{{SourceLabels: []string{"__name__"}, Regex: cadvisorSeries, Action: "keep"}}},
	}
	platform := []struct {
		job    string
		addrs  []string
		scheme string
	}{
		{JobKeAPIServer, t.KeAPIServer, "http"},
		{JobKeControllerManager, t.KeControllerManager, "http"},
		{JobKeConsole, t.KeConsole, "http"},
		{JobKubeStateMetrics, t.StateMetrics, "http"},
		{JobAlertmanager, []string{cfg.Alertmanager}, "http"},
		{JobIstioMesh, t.MeshSim, "http"},
	}
	for _, p := range platform {
		addrs := slices.DeleteFunc(slices.Clone(p.addrs), func(a string) bool { return a == "" })
		if len(addrs) == 0 {
			continue
		}
		j := scrapeConfig{JobName: p.job, Scheme: p.scheme, StaticConfigs: []staticConfig{{Targets: addrs}}}
		if p.scheme == "https" {
			j.TLSConfig = client
		}
		jobs = append(jobs, j)
	}
	f.ScrapeConfigs = jobs
	return yaml.Marshal(f)
}

// cadvisorSeries are the series of the cadvisor job; the kubelet job has
// the others (node, pod, scrape_error, container_start_time_seconds).
const cadvisorSeries = "container_(cpu_usage_seconds_total|memory_working_set_bytes|network_receive_bytes_total|network_transmit_bytes_total)"

func nodeTargets(c cluster.Endpoints) []staticConfig {
	out := make([]staticConfig, 0, len(c.Nodes))
	for _, n := range c.Nodes {
		out = append(out, staticConfig{Targets: []string{c.Kubelet}, Labels: map[string]string{
			"__metrics_path__": cluster.ResourceMetricsPath(n), "node": n, "instance": n,
		}})
	}
	return out
}

// model writes a duration as Prometheus reads it (whole seconds).
func model(d time.Duration) string {
	return strconv.FormatInt(int64(max(d, time.Second)/time.Second), 10) + "s"
}

// Args are prometheus's flags.
func (c *Config) Args(configFile string) []string {
	interval := c.ScrapeInterval
	if interval <= 0 {
		interval = cluster.DefaultScrapeInterval
	}
	return []string{
		"--config.file=" + configFile,
		"--storage.tsdb.path=" + filepath.Join(c.DataDir, "data"),
		"--storage.tsdb.retention.time=" + model(c.Retention),
		"--storage.tsdb.retention.size=" + c.RetentionSize,
		"--web.listen-address=127.0.0.1:" + strconv.Itoa(c.Port),
		// Lets `curl -X POST .../-/reload` pick up an edited configuration.
		"--web.enable-lifecycle",
		// A rule that fires at the first evaluation does so before the
		// notifier knows Alertmanager (it takes Alertmanager in after about
		// 5s); resending at each evaluation, rather than after a minute,
		// delivers it at the next one.
		"--rules.alert.resend-delay=" + model(interval),
		"--log.level=warn",
	}
}

// AlertRulesGlob matches the alert rule files in AlertRulesDir (the
// names ke-controller-manager gives them).
const AlertRulesGlob = "*.yaml"

// Launcher starts a supervised program (cluster.Cluster does).
type Launcher interface {
	Launch(ctx context.Context, name, path string, args []string, ready func(context.Context) error) error
}

// Start writes the configuration and runs Prometheus until the cluster stops.
func Start(ctx context.Context, l Launcher, cfg *Config, t Targets) error {
	path, err := cfg.LookPath()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return err
	}
	if cfg.AlertRulesDir != "" {
		if err := os.MkdirAll(cfg.AlertRulesDir, 0o755); err != nil {
			return err
		}
	}
	data, err := Render(cfg, t)
	if err != nil {
		return err
	}
	configFile, err := filepath.Abs(filepath.Join(cfg.DataDir, "prometheus.yml"))
	if err != nil {
		return err
	}
	if err := os.WriteFile(configFile, data, 0o600); err != nil {
		return err
	}
	ready := cfg.URL() + "/-/ready"
	return l.Launch(ctx, "prometheus", path, cfg.Args(configFile), func(ctx context.Context) error {
		return process.HTTPOK(ctx, ready, nil)
	})
}

// URLFile is where ke-dev writes Prometheus's URL, for the platform's
// configuration and the tests.
func URLFile(dataDir string) string { return filepath.Join(dataDir, "url") }
