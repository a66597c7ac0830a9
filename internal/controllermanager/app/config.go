package app

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/client-go/rest"

	"github.com/superkube/super-kubenetes/internal/componentconfig"
	devopskube "github.com/superkube/super-kubenetes/internal/devops/kubernetes"
	"github.com/superkube/super-kubenetes/internal/logging/elastic"
	"github.com/superkube/super-kubenetes/internal/logging/retention"
	"github.com/superkube/super-kubenetes/internal/netguard"
)

// ConfigAPIVersion and ConfigKind identify the configuration file.
const (
	ConfigAPIVersion = "config.superkube.io/v1alpha1"
	ConfigKind       = "ControllerManagerConfiguration"
)

// Config is the versioned configuration file of ke-controller-manager.
// Flags override what it sets.
type Config struct {
	metav1.TypeMeta `json:",inline"`

	// SystemNamespace is where the platform keeps its own objects.
	SystemNamespace string `json:"systemNamespace,omitempty"`
	// MetricsBindAddress serves Prometheus metrics ("0" turns it off).
	MetricsBindAddress string `json:"metricsBindAddress,omitempty"`
	// StateMetricsBindAddress serves the object-state metrics (pods,
	// workloads, nodes... under kube-state-metrics' names) at /metrics, on
	// the elected leader; the other replicas answer a page without series.
	// "0" turns it off.
	StateMetricsBindAddress string `json:"stateMetricsBindAddress,omitempty"`
	// HealthProbeBindAddress serves /healthz and /readyz.
	HealthProbeBindAddress string `json:"healthProbeBindAddress,omitempty"`
	// PprofBindAddress serves Go's profiles under /debug/pprof (off when empty).
	PprofBindAddress string         `json:"pprofBindAddress,omitempty"`
	LeaderElection   LeaderElection `json:"leaderElection"`
	// Concurrency is the number of objects each controller reconciles at once.
	Concurrency int `json:"concurrency,omitempty"`
	// KubeAPIQPS and KubeAPIBurst limit the requests to kube-apiserver.
	KubeAPIQPS     float32        `json:"kubeAPIQPS,omitempty"`
	KubeAPIBurst   int            `json:"kubeAPIBurst,omitempty"`
	Authentication Authentication `json:"authentication"`
	LoginRecords   LoginRecords   `json:"loginRecords"`
	// AdminEmail is the e-mail address of the initial administrator.
	AdminEmail string `json:"adminEmail,omitempty"`
	// ClusterCheckInterval is how often the state of each cluster is checked.
	ClusterCheckInterval metav1.Duration `json:"clusterCheckInterval,omitempty"`
	// Multicluster says how the controllers reach member clusters.
	Multicluster Multicluster `json:"multicluster"`
	// Events configures the export of Kubernetes events to the log store.
	Events Events `json:"events"`
	// LogRetention keeps each kind of record in the log store for its own time.
	LogRetention LogRetention `json:"logRetention"`
	// Alerting compiles the alert rule groups for Prometheus.
	Alerting Alerting `json:"alerting"`
	// AppStore configures the repository sync and the releases.
	AppStore AppStore `json:"appStore"`
	// NetworkIsolation names the namespaces that isolated workspaces and
	// projects still accept connections from.
	NetworkIsolation NetworkIsolation `json:"networkIsolation"`
	// Quota configures the workspace quotas' admission webhook.
	Quota Quota `json:"quota"`
	// DevOps configures the engines that carry out pipeline runs.
	DevOps DevOps `json:"devops"`
}

// DevOps configures the pipelines' engines (see docs/devops.md).
type DevOps struct {
	// Executor runs the pipelines that name none: local or kubernetes
	// (default local when workDir is set). A run whose executor is not
	// configured fails, saying so.
	Executor string `json:"executor,omitempty"`
	// WorkDir is where the local executor keeps each run's workspace,
	// logs and artifacts; empty turns the local executor off. ke-apiserver
	// reads the step logs from the same folder (one machine: ke-dev).
	WorkDir string `json:"workDir,omitempty"`
	// StepCPUSeconds and StepOpenFiles limit each local step's process.
	StepCPUSeconds int `json:"stepCPUSeconds,omitempty"`
	StepOpenFiles  int `json:"stepOpenFiles,omitempty"`
	// ConsoleURL, when set, is the console's address: the commit statuses
	// a run reports to Gitea link to its page there.
	ConsoleURL string `json:"consoleURL,omitempty"`
	// Jenkins, when set, runs the pipelines whose executor is jenkins.
	Jenkins *JenkinsServer `json:"jenkins,omitempty"`
	// SonarQube, when set, answers the codeQuality steps.
	SonarQube *SonarQubeServer `json:"sonarQube,omitempty"`
	// Kubernetes configures the kubernetes executor: each step a pod in
	// the run's project, on a workspace volume of the run.
	Kubernetes DevOpsKubernetes `json:"kubernetes"`
}

// DevOpsKubernetes configures the kubernetes executor's pods (see "The
// kubernetes executor" in docs/devops.md).
type DevOpsKubernetes struct {
	// Images are the default images of the steps (a step's image wins).
	Images DevOpsImages `json:"images"`
	// WorkspaceSize is the size of each run's workspace volume (default 1Gi).
	WorkspaceSize string `json:"workspaceSize,omitempty"`
	// StorageClassName is its storage class (default: the cluster's).
	StorageClassName string `json:"storageClassName,omitempty"`
	// AccessMode is its access mode: ReadWriteOnce (default: a run's
	// parallel branches then share a node) or ReadWriteMany.
	AccessMode string `json:"accessMode,omitempty"`
	// Resources are each step container's requests and limits.
	Resources corev1.ResourceRequirements `json:"resources"`
	// RunAsUser is the user of the shell and git containers (default 1000).
	RunAsUser int64 `json:"runAsUser,omitempty"`
	// StartTimeout bounds how long a step's pod may take to start (default
	// 10m); PullGrace how long an image that cannot be pulled is waited
	// for before the step fails (default 2m).
	StartTimeout metav1.Duration `json:"startTimeout,omitempty"`
	PullGrace    metav1.Duration `json:"pullGrace,omitempty"`
	// ImagePullSecrets are Secrets of the project given to every step pod.
	ImagePullSecrets []string `json:"imagePullSecrets,omitempty"`
}

// DevOpsImages are the default images of the kubernetes executor.
type DevOpsImages struct {
	// Shell runs shell steps and reads deploy steps' manifests: sh and
	// base64 (default busybox).
	Shell string `json:"shell,omitempty"`
	// Git runs checkout steps: sh, git and base64 (default alpine/git).
	Git string `json:"git,omitempty"`
	// Builder runs buildImage steps: kaniko's executor (default
	// gcr.io/kaniko-project/executor).
	Builder string `json:"builder,omitempty"`
}

// options are the kubernetes executor's options.
func (k DevOpsKubernetes) options() (devopskube.Options, error) {
	o := devopskube.Options{ShellImage: k.Images.Shell, GitImage: k.Images.Git, BuilderImage: k.Images.Builder,
		StorageClassName: k.StorageClassName, AccessMode: corev1.PersistentVolumeAccessMode(k.AccessMode),
		Resources: k.Resources, RunAsUser: k.RunAsUser, StartTimeout: k.StartTimeout.Duration, PullGrace: k.PullGrace.Duration,
		ImagePullSecrets: k.ImagePullSecrets}
	if k.WorkspaceSize != "" {
		q, err := resource.ParseQuantity(k.WorkspaceSize)
		if err != nil {
			return o, fmt.Errorf("devops.kubernetes.workspaceSize: %w", err)
		}
		if q.Sign() <= 0 {
			return o, fmt.Errorf("devops.kubernetes.workspaceSize must be positive, got %s", k.WorkspaceSize)
		}
		o.WorkspaceSize = q
	}
	return o.Defaulted(), nil
}

func (k DevOpsKubernetes) validate() []error {
	var errs []error
	if _, err := k.options(); err != nil {
		errs = append(errs, err)
	}
	switch corev1.PersistentVolumeAccessMode(k.AccessMode) {
	case "", corev1.ReadWriteOnce, corev1.ReadWriteMany, corev1.ReadWriteOncePod:
	default:
		errs = append(errs, fmt.Errorf("devops.kubernetes.accessMode must be ReadWriteOnce, ReadWriteOncePod or ReadWriteMany, got %q", k.AccessMode))
	}
	if k.StorageClassName != "" && len(validation.IsDNS1123Subdomain(k.StorageClassName)) > 0 {
		errs = append(errs, fmt.Errorf("devops.kubernetes.storageClassName %q is not a valid name", k.StorageClassName))
	}
	for field, img := range map[string]string{"shell": k.Images.Shell, "git": k.Images.Git, "builder": k.Images.Builder} {
		if img != "" {
			if _, err := name.ParseReference(img, name.WeakValidation); err != nil {
				errs = append(errs, fmt.Errorf("devops.kubernetes.images.%s: %w", field, err))
			}
		}
	}
	if k.RunAsUser < 0 {
		errs = append(errs, errors.New("devops.kubernetes.runAsUser must not be negative (0 is the default, 1000)"))
	}
	if k.StartTimeout.Duration < 0 || k.PullGrace.Duration < 0 {
		errs = append(errs, errors.New("devops.kubernetes.startTimeout and pullGrace must not be negative"))
	}
	for _, s := range k.ImagePullSecrets {
		if len(validation.IsDNS1123Subdomain(s)) > 0 {
			errs = append(errs, fmt.Errorf("devops.kubernetes.imagePullSecrets: %q is not a valid name", s))
		}
	}
	return errs
}

// JenkinsServer is a Jenkins reached with a user's API token.
type JenkinsServer struct {
	URL  string `json:"url"`
	User string `json:"user"`
	// TokenFile holds the user's API token.
	TokenFile string `json:"tokenFile"`
}

// SonarQubeServer is a SonarQube reached with a token.
type SonarQubeServer struct {
	URL string `json:"url"`
	// TokenFile holds a user token with Browse on the projects.
	TokenFile string `json:"tokenFile"`
}

func (d DevOps) validate() []error {
	var errs []error
	if d.WorkDir != "" && !filepath.IsAbs(d.WorkDir) {
		errs = append(errs, fmt.Errorf("devops.workDir must be an absolute path, got %q", d.WorkDir))
	}
	switch d.Executor {
	case "", "local", "kubernetes":
	default:
		errs = append(errs, fmt.Errorf("devops.executor must be local or kubernetes, got %q", d.Executor))
	}
	if d.Executor == "local" && d.WorkDir == "" {
		errs = append(errs, errors.New("devops.workDir is required with devops.executor local"))
	}
	if d.ConsoleURL != "" {
		if u, err := url.Parse(d.ConsoleURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("devops.consoleURL must be an http or https URL, got %q", d.ConsoleURL))
		}
	}
	if j := d.Jenkins; j != nil {
		if u, err := url.Parse(j.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("devops.jenkins.url must be an http(s) URL, got %q", j.URL))
		}
		if j.User == "" || j.TokenFile == "" {
			errs = append(errs, errors.New("devops.jenkins.user and devops.jenkins.tokenFile are required"))
		}
	}
	if q := d.SonarQube; q != nil {
		if u, err := url.Parse(q.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("devops.sonarQube.url must be an http(s) URL, got %q", q.URL))
		}
		if q.TokenFile == "" {
			errs = append(errs, errors.New("devops.sonarQube.tokenFile is required"))
		}
	}
	if d.StepCPUSeconds < 0 || d.StepOpenFiles < 0 {
		errs = append(errs, errors.New("devops.stepCPUSeconds and devops.stepOpenFiles must not be negative"))
	}
	errs = append(errs, d.Kubernetes.validate()...)
	return errs
}

// Quota configures the workspace quotas: their usage is always counted;
// the webhook that refuses what would exceed them is served when
// webhook.bindAddress is set.
type Quota struct {
	Webhook QuotaWebhook `json:"webhook"`
}

// QuotaWebhook is where the quota webhook is served, how kube-apiserver
// reaches it, and its certificate (kept in a Secret in the system
// namespace, renewed before it expires).
type QuotaWebhook struct {
	// BindAddress is host:port of the webhook's HTTPS server; empty serves
	// none (quotas are counted, not enforced).
	BindAddress string `json:"bindAddress,omitempty"`
	// AdvertiseAddress is host:port (or a host, with bindAddress's port) at
	// which the other replicas reach this
	// replica's webhook server: the elected replica decides every charge,
	// and the others forward to it (default: bindAddress, when its host is
	// an address to reach; with leader election and a bindAddress on all
	// interfaces, such as :9443, it is required: the chart gives the pod's
	// IP).
	AdvertiseAddress string `json:"advertiseAddress,omitempty"`
	// CertDir is where each replica keeps the serving certificate.
	CertDir string `json:"certDir,omitempty"`
	// SecretName is the Secret with the CA and the certificate.
	SecretName string `json:"secretName,omitempty"`
	// DNSName is the name in the certificate, the one kube-apiserver
	// reaches the webhook by (the Service's DNS name, or localhost).
	DNSName string `json:"dnsName,omitempty"`
	// URL is the webhook's base URL for kube-apiserver (https://host:port);
	// or Service, when kube-apiserver reaches it through a Service.
	URL     string          `json:"url,omitempty"`
	Service *WebhookService `json:"service,omitempty"`
	// FailurePolicy is what kube-apiserver does when the webhook cannot
	// answer: Fail (default) refuses the creates in workspaces' namespaces,
	// so that nothing bypasses a quota; Ignore admits them uncounted.
	FailurePolicy string `json:"failurePolicy,omitempty"`
	// TimeoutSeconds is kube-apiserver's wait for an answer (1-30).
	TimeoutSeconds int32 `json:"timeoutSeconds,omitempty"`
	// CAValidity and CertValidity are the certificates' lifetimes; each is
	// renewed RenewBefore its end; the check runs every CheckInterval.
	CAValidity    metav1.Duration `json:"caValidity,omitempty"`
	CertValidity  metav1.Duration `json:"certValidity,omitempty"`
	RenewBefore   metav1.Duration `json:"renewBefore,omitempty"`
	CheckInterval metav1.Duration `json:"checkInterval,omitempty"`
}

// WebhookService is the Service in front of ke-controller-manager's
// webhook server.
type WebhookService struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	Port      int32  `json:"port"`
}

// NetworkIsolation names the system namespaces whose pods may reach the
// pods of an isolated workspace or project (see docs/network.md).
type NetworkIsolation struct {
	// DNSNamespace runs the cluster's DNS (default kube-system).
	DNSNamespace string `json:"dnsNamespace,omitempty"`
	// IngressNamespace runs the ingress controller (default ingress-nginx).
	IngressNamespace string `json:"ingressNamespace,omitempty"`
	// MonitoringNamespace runs the monitoring stack that scrapes the
	// projects' pods (default: systemNamespace).
	MonitoringNamespace string `json:"monitoringNamespace,omitempty"`
	// AllowedNamespaces are more namespaces every isolated namespace accepts
	// connections from.
	AllowedNamespaces []string `json:"allowedNamespaces,omitempty"`
}

// Namespaces returns the namespaces of n, without empty names or repeats.
func (n NetworkIsolation) Namespaces() []string {
	seen := map[string]bool{}
	var out []string
	for _, ns := range append([]string{n.DNSNamespace, n.IngressNamespace, n.MonitoringNamespace}, n.AllowedNamespaces...) {
		if ns != "" && !seen[ns] {
			seen[ns] = true
			out = append(out, ns)
		}
	}
	return out
}

// AppStore configures the app store.
type AppStore struct { //nolint:revive // the config section is appStore, beside alerting and notification
	// WorkspaceRepositoryAllowedCIDRs are networks (CIDRs or addresses)
	// that workspaces' chart repositories may reach although they are
	// internal. By default a workspace's repository connects to public
	// addresses only (never loopback, private, link-local, CGNAT,
	// multicast, unspecified or reserved ones), so that its developers
	// cannot make the platform reach internal services; platform
	// repositories are not restricted.
	WorkspaceRepositoryAllowedCIDRs []string `json:"workspaceRepositoryAllowedCIDRs,omitempty"`
}

// Alerting configures the alert rules controller: it writes one Prometheus
// rule file per rule group into RulesDir (Prometheus reads
// <rulesDir>/*.yaml through its rule_files) and POSTs PrometheusURL's
// /-/reload after changes, and where the Prometheus Operator's
// PrometheusRule CRD is installed it writes PrometheusRule objects. With
// neither a rules directory nor prometheusRules the rule groups are not
// compiled; the built-in groups are created in any case.
type Alerting struct {
	// RulesDir is where the rule files go; empty writes none.
	RulesDir string `json:"rulesDir,omitempty"`
	// PrometheusURL is the Prometheus that reads RulesDir (its lifecycle
	// API enabled: --web.enable-lifecycle). Required with RulesDir.
	PrometheusURL string `json:"prometheusURL,omitempty"`
	// ReloadDelay gathers the changes of this long into one reload.
	ReloadDelay metav1.Duration `json:"reloadDelay,omitempty"`
	// PrometheusRules writes a PrometheusRule object per group where the
	// CRD prometheusrules.monitoring.coreos.com is installed.
	PrometheusRules bool `json:"prometheusRules"`
}

// LogRetention is how long the log store (events.victoriaLogsURL) keeps
// each kind of record: the elected leader deletes, every interval, what is
// older (package retention). Zero keeps a kind as long as the store keeps
// anything (its own retention, which must be at least the longest here).
type LogRetention struct {
	ContainerLogs metav1.Duration `json:"containerLogs,omitempty"`
	Events        metav1.Duration `json:"events,omitempty"`
	Audit         metav1.Duration `json:"audit,omitempty"`
	// Interval is the time between two deletions.
	Interval metav1.Duration `json:"interval,omitempty"`
}

// Events configures the export of Kubernetes events: the elected leader
// writes each occurrence once to the log store, where the logging API
// searches them after kube-apiserver has forgotten them.
type Events struct {
	// VictoriaLogsURL is the log store's HTTP API; empty (and no
	// elasticsearch) exports nothing.
	VictoriaLogsURL string `json:"victoriaLogsURL,omitempty"`
	// Elasticsearch is an Elasticsearch or OpenSearch cluster instead.
	Elasticsearch *elastic.Config `json:"elasticsearch,omitempty"`
	// Timeout bounds one write to the store.
	Timeout metav1.Duration `json:"timeout,omitempty"`
}

// LeaderElection configures leader election between replicas.
type LeaderElection struct {
	Enabled   bool   `json:"enabled"`
	Namespace string `json:"namespace,omitempty"`
	ID        string `json:"id,omitempty"`
}

// Authentication configures password hashing and login lockout.
type Authentication struct {
	// BcryptCost is the cost of password hashes.
	BcryptCost int `json:"bcryptCost,omitempty"`
	// MaxFailedLogins within LockoutWindow lock a user (AuthLimitExceeded).
	MaxFailedLogins int             `json:"maxFailedLogins,omitempty"`
	LockoutWindow   metav1.Duration `json:"lockoutWindow,omitempty"`
}

// LoginRecords configures the retention of login records.
type LoginRecords struct {
	MaxAge     metav1.Duration `json:"maxAge,omitempty"`
	MaxPerUser int             `json:"maxPerUser,omitempty"`
}

// DefaultConfig returns the configuration used when no file is given.
func DefaultConfig() Config {
	return Config{
		TypeMeta:                metav1.TypeMeta{APIVersion: ConfigAPIVersion, Kind: ConfigKind},
		SystemNamespace:         "superkube-system",
		MetricsBindAddress:      ":8080",
		StateMetricsBindAddress: ":8085",
		HealthProbeBindAddress:  ":8081",
		LeaderElection:          LeaderElection{Enabled: true, ID: "ke-controller-manager"},
		Concurrency:             4,
		KubeAPIQPS:              100,
		KubeAPIBurst:            200,
		Authentication:          Authentication{BcryptCost: 10, MaxFailedLogins: 5, LockoutWindow: metav1.Duration{Duration: 10 * time.Minute}},
		LoginRecords:            LoginRecords{MaxAge: metav1.Duration{Duration: 7 * 24 * time.Hour}, MaxPerUser: 100},
		ClusterCheckInterval:    metav1.Duration{Duration: 10 * time.Second},
		Events:                  Events{Timeout: metav1.Duration{Duration: 30 * time.Second}},
		LogRetention: LogRetention{ContainerLogs: metav1.Duration{Duration: retention.DefaultContainerLogs},
			Events: metav1.Duration{Duration: retention.DefaultEvents}, Audit: metav1.Duration{Duration: retention.DefaultAudit},
			Interval: metav1.Duration{Duration: retention.DefaultInterval}},
		Alerting: Alerting{ReloadDelay: metav1.Duration{Duration: 500 * time.Millisecond}, PrometheusRules: true},
		Quota: Quota{Webhook: QuotaWebhook{SecretName: "ke-controller-manager-webhook-cert", DNSName: "localhost",
			CertDir: filepath.Join(os.TempDir(), "ke-controller-manager", "serving-certs"), FailurePolicy: "Fail", TimeoutSeconds: 10,
			CAValidity: metav1.Duration{Duration: 10 * 365 * 24 * time.Hour}, CertValidity: metav1.Duration{Duration: 365 * 24 * time.Hour},
			RenewBefore: metav1.Duration{Duration: 30 * 24 * time.Hour}, CheckInterval: metav1.Duration{Duration: time.Hour}}},
		NetworkIsolation: NetworkIsolation{DNSNamespace: "kube-system", IngressNamespace: "ingress-nginx"},
	}
}

// LoadConfig reads a configuration file over the defaults (the defaults
// alone when file is empty), strictly: see componentconfig.File.Load.
func LoadConfig(file string) (Config, error) {
	return componentconfig.File[Config]{APIVersion: ConfigAPIVersion, Kind: ConfigKind, Default: DefaultConfig}.Load(file)
}

// Validate returns every problem with the configuration.
func (c *Config) Validate() []error {
	var errs []error
	if c.SystemNamespace == "" {
		errs = append(errs, errors.New("systemNamespace must not be empty"))
	}
	if c.KubeAPIQPS <= 0 || c.KubeAPIBurst < 1 {
		errs = append(errs, errors.New("kubeAPIQPS and kubeAPIBurst must be positive"))
	}
	if c.Concurrency < 1 {
		errs = append(errs, errors.New("concurrency must be at least 1"))
	}
	if c.Authentication.BcryptCost < 4 || c.Authentication.BcryptCost > 31 {
		errs = append(errs, fmt.Errorf("authentication.bcryptCost must be between 4 and 31, got %d", c.Authentication.BcryptCost))
	}
	if c.Authentication.MaxFailedLogins < 1 {
		errs = append(errs, errors.New("authentication.maxFailedLogins must be at least 1"))
	}
	if c.Authentication.LockoutWindow.Duration <= 0 {
		errs = append(errs, errors.New("authentication.lockoutWindow must be positive"))
	}
	if c.LoginRecords.MaxAge.Duration <= 0 || c.LoginRecords.MaxPerUser < 1 {
		errs = append(errs, errors.New("loginRecords.maxAge and loginRecords.maxPerUser must be positive"))
	}
	if a := c.StateMetricsBindAddress; a != "" && a != "0" {
		if _, _, err := net.SplitHostPort(a); err != nil {
			errs = append(errs, fmt.Errorf("stateMetricsBindAddress must be host:port or 0, got %q", a))
		}
	}
	if c.ClusterCheckInterval.Duration < time.Second {
		errs = append(errs, errors.New("clusterCheckInterval must be at least 1s"))
	}
	errs = append(errs, elastic.ValidateStore("events", c.Events.VictoriaLogsURL, c.Events.Elasticsearch)...)
	if c.Events.Timeout.Duration <= 0 {
		errs = append(errs, errors.New("events.timeout must be positive"))
	}
	r := c.LogRetention
	for name, d := range map[string]time.Duration{"containerLogs": r.ContainerLogs.Duration, "events": r.Events.Duration, "audit": r.Audit.Duration} {
		if d != 0 && d < retention.Min {
			errs = append(errs, fmt.Errorf("logRetention.%s must be 0 (as long as the store keeps records) or at least %s, got %s", name, retention.Min, d))
		}
	}
	if r.Interval.Duration < time.Minute {
		errs = append(errs, fmt.Errorf("logRetention.interval must be at least 1m, got %s", r.Interval.Duration))
	}
	a := c.Alerting
	if a.RulesDir != "" {
		if u, err := url.Parse(a.PrometheusURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("alerting.prometheusURL must be an http(s) URL when alerting.rulesDir is set, got %q", a.PrometheusURL))
		}
		if !filepath.IsAbs(a.RulesDir) {
			errs = append(errs, fmt.Errorf("alerting.rulesDir must be an absolute path, got %q", a.RulesDir))
		}
	}
	if a.ReloadDelay.Duration < 0 || a.ReloadDelay.Duration > time.Minute {
		errs = append(errs, fmt.Errorf("alerting.reloadDelay must be between 0s and 1m, got %s", a.ReloadDelay.Duration))
	}
	if m := c.Multicluster; m.APIServerURL != "" {
		if u, err := url.Parse(m.APIServerURL); err != nil || u.Scheme != "https" || u.Host == "" {
			errs = append(errs, fmt.Errorf("multicluster.apiServerURL must be an https URL, got %q", m.APIServerURL))
		}
		if m.TokenFile == "" {
			errs = append(errs, errors.New("multicluster.tokenFile is required with multicluster.apiServerURL"))
		}
	}
	errs = append(errs, c.Quota.Webhook.validate()...)
	if _, err := netguard.ParseCIDRs(c.AppStore.WorkspaceRepositoryAllowedCIDRs); err != nil {
		errs = append(errs, fmt.Errorf("appStore.workspaceRepositoryAllowedCIDRs: %w", err))
	}
	errs = append(errs, c.NetworkIsolation.validate()...)
	errs = append(errs, c.DevOps.validate()...)
	return errs
}

// completedConfig is a configuration that Complete defaulted and
// validated, with the client configuration of kube-apiserver.
type completedConfig struct {
	Config
	// REST reaches kube-apiserver.
	REST *rest.Config
}

// CompletedConfig is a validated configuration. Only Complete makes one, so
// that NewManager and Run never start from a configuration nobody checked.
type CompletedConfig struct{ *completedConfig }

// Complete fills in what defaults to other fields (the leader election's
// namespace is the system namespace), validates the configuration and
// joins it with the client configuration of kube-apiserver.
func (c Config) Complete(rc *rest.Config) (CompletedConfig, error) {
	if c.LeaderElection.Namespace == "" {
		c.LeaderElection.Namespace = c.SystemNamespace
	}
	if c.NetworkIsolation.MonitoringNamespace == "" {
		c.NetworkIsolation.MonitoringNamespace = c.SystemNamespace
	}
	if errs := c.Validate(); len(errs) > 0 {
		return CompletedConfig{}, errors.Join(errs...)
	}
	return CompletedConfig{&completedConfig{Config: c, REST: rc}}, nil
}

// Multicluster says how the controllers reach member clusters: through
// ke-apiserver, which holds the agents' tunnels and the Direct clusters'
// kubeconfigs, at /internal/clusters/{cluster}/.
type Multicluster struct {
	// APIServerURL is ke-apiserver's https URL; empty leaves member clusters
	// alone (their RBAC is not mirrored).
	APIServerURL string `json:"apiServerURL,omitempty"`
	// APIServerCAFile verifies ke-apiserver's serving certificate (default:
	// the system's roots).
	APIServerCAFile string `json:"apiServerCAFile,omitempty"`
	// TokenFile holds the bearer token ke-apiserver expects there (its
	// multicluster.controllerTokenFile).
	TokenFile string `json:"tokenFile,omitempty"`
}

func (w QuotaWebhook) validate() []error {
	if w.BindAddress == "" {
		return nil
	}
	var errs []error
	if _, _, err := net.SplitHostPort(w.BindAddress); err != nil {
		errs = append(errs, fmt.Errorf("quota.webhook.bindAddress must be host:port, got %q", w.BindAddress))
	}
	if a := w.AdvertiseAddress; a != "" {
		if _, _, err := net.SplitHostPort(a); err != nil && (strings.ContainsAny(a, "/ ") || strings.Count(a, ":") == 1) {
			errs = append(errs, fmt.Errorf("quota.webhook.advertiseAddress must be host:port or a host, got %q", a))
		}
	}
	if (w.URL == "") == (w.Service == nil) {
		errs = append(errs, errors.New("quota.webhook needs exactly one of url and service with bindAddress"))
	}
	if u, err := url.Parse(w.URL); w.URL != "" && (err != nil || u.Scheme != "https" || u.Host == "") {
		errs = append(errs, fmt.Errorf("quota.webhook.url must be an https URL, got %q", w.URL))
	}
	if s := w.Service; s != nil && (s.Namespace == "" || s.Name == "" || s.Port < 1 || s.Port > 65535) {
		errs = append(errs, errors.New("quota.webhook.service needs namespace, name and a port"))
	}
	if w.FailurePolicy != "Fail" && w.FailurePolicy != "Ignore" {
		errs = append(errs, fmt.Errorf("quota.webhook.failurePolicy must be Fail or Ignore, got %q", w.FailurePolicy))
	}
	if w.TimeoutSeconds < 1 || w.TimeoutSeconds > 30 {
		errs = append(errs, fmt.Errorf("quota.webhook.timeoutSeconds must be between 1 and 30, got %d", w.TimeoutSeconds))
	}
	if w.SecretName == "" || w.DNSName == "" || !filepath.IsAbs(w.CertDir) {
		errs = append(errs, errors.New("quota.webhook needs secretName, dnsName and an absolute certDir"))
	}
	if w.CertValidity.Duration <= w.RenewBefore.Duration || w.CAValidity.Duration <= w.RenewBefore.Duration || w.CheckInterval.Duration <= 0 {
		errs = append(errs, errors.New("quota.webhook: caValidity and certValidity must be longer than renewBefore, and checkInterval positive"))
	}
	return errs
}

// advertised is AdvertiseAddress, or BindAddress when its host is one to
// reach; "" when neither.
func (w QuotaWebhook) advertised() string {
	host, port, err := net.SplitHostPort(w.BindAddress)
	if a := w.AdvertiseAddress; a != "" {
		if _, _, err := net.SplitHostPort(a); err == nil {
			return a
		}
		// A host alone (the chart gives the pod's IP, maybe IPv6): the
		// port is the bind address's.
		return net.JoinHostPort(strings.Trim(a, "[]"), port)
	}
	if err != nil || host == "" {
		return ""
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		return ""
	}
	return w.BindAddress
}

// validate names each namespace that is not a DNS-1123 label.
func (n NetworkIsolation) validate() []error {
	var errs []error
	check := func(field, ns string) {
		if ns == "" {
			return
		}
		if msgs := validation.IsDNS1123Label(ns); len(msgs) > 0 {
			errs = append(errs, fmt.Errorf("networkIsolation.%s must be a namespace name, got %q: %s", field, ns, strings.Join(msgs, "; ")))
		}
	}
	check("dnsNamespace", n.DNSNamespace)
	check("ingressNamespace", n.IngressNamespace)
	check("monitoringNamespace", n.MonitoringNamespace)
	for i, ns := range n.AllowedNamespaces {
		check(fmt.Sprintf("allowedNamespaces[%d]", i), ns)
	}
	return errs
}
