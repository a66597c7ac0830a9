// Package app holds the ke-apiserver command: options, the versioned
// configuration file, and the wiring of the server.
package app

import (
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/superkube/super-kubenetes/internal/netguard"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"

	"github.com/superkube/super-kubenetes/internal/apiserver/filters"
	"github.com/superkube/super-kubenetes/internal/logging/elastic"
	"github.com/superkube/super-kubenetes/internal/oauth"
	"github.com/superkube/super-kubenetes/internal/oauth/idp"
	"github.com/superkube/super-kubenetes/internal/oauth/idp/github"
	"github.com/superkube/super-kubenetes/internal/oauth/idp/ldap"
	"github.com/superkube/super-kubenetes/internal/oauth/idp/oidc"

	"github.com/superkube/super-kubenetes/internal/componentconfig"
)

// ConfigAPIVersion and ConfigKind identify the configuration file.
const (
	ConfigAPIVersion = "config.superkube.io/v1alpha1"
	ConfigKind       = "APIServerConfiguration"
)

// Config is ke-apiserver's versioned configuration file.
type Config struct {
	metav1.TypeMeta `json:",inline"`

	// BindAddress is where HTTPS is served.
	BindAddress string `json:"bindAddress,omitempty"`
	// MetricsBindAddress, when set, also serves /metrics there in plain
	// HTTP without authentication, for a Prometheus that has no user's
	// token (on the HTTPS port /metrics needs an authorized caller).
	MetricsBindAddress string `json:"metricsBindAddress,omitempty"`
	// TLS names the serving certificate; without one, a self-signed
	// certificate is generated (for local use).
	TLS TLS `json:"tls"`
	// Issuer is the external https URL of ke-apiserver, the iss of its tokens.
	Issuer string `json:"issuer"`
	// SigningKeyFile signs tokens (PEM RSA); PreviousSigningKeyFiles still
	// verify tokens of earlier keys during a rotation.
	SigningKeyFile          string   `json:"signingKeyFile"`
	PreviousSigningKeyFiles []string `json:"previousSigningKeyFiles,omitempty"`
	// GenerateSigningKey creates the signing key file when it is missing.
	GenerateSigningKey bool            `json:"generateSigningKey,omitempty"`
	SystemNamespace    string          `json:"systemNamespace,omitempty"`
	Kubernetes         Kubernetes      `json:"kubernetes"`
	Authentication     Authentication  `json:"authentication"`
	OAuthClients       []oauth.Client  `json:"oauthClients,omitempty"`
	IdentityProviders  []ProviderEntry `json:"identityProviders,omitempty"`
	// RedisURL keeps tokens in Redis (redis://[:password@]host:port/db) so
	// that several replicas share revocations; empty keeps them in memory.
	RedisURL string      `json:"redisURL,omitempty"`
	Audit    AuditConfig `json:"audit"`
	Limits   Limits      `json:"limits"`
	// TrustedProxies are the CIDRs (or addresses) of the proxies in front of
	// ke-apiserver whose X-Forwarded-For names the client, such as
	// ke-console's. From anyone else, forwarding headers are ignored: login
	// records, rate limits, the audit log and kube-apiserver's audit log
	// show the connection's address.
	TrustedProxies []string `json:"trustedProxies,omitempty"`
	// Admission configures the webhooks that kube-apiserver calls.
	Admission Admission `json:"admission"`
	// Multicluster configures what ke-apiserver serves for member clusters.
	Multicluster Multicluster `json:"multicluster"`
	// Monitoring configures the monitoring API's Prometheus.
	Monitoring Monitoring `json:"monitoring"`
	// Logging configures the logging API's store.
	Logging Logging `json:"logging"`
	// Alerting configures the alerting API's Alertmanager (its rules and
	// alerts are read from the monitoring API's Prometheus).
	Alerting Alerting `json:"alerting"`
	// Notification configures the notification sender.
	Notification Notification `json:"notification"`
	// AppStore configures the app store API.
	AppStore AppStore `json:"appStore"`
	// DevOps configures the DevOps API.
	DevOps DevOps `json:"devops"`
	// ServiceMesh configures the service mesh API (its tracing part reads
	// Jaeger).
	ServiceMesh ServiceMesh `json:"servicemesh"`
}

// ServiceMesh configures the service mesh API.
type ServiceMesh struct {
	// Jaeger is where the tracing endpoints read traces. Without a URL
	// they answer 503 "tracing is not configured".
	Jaeger ServiceMeshJaeger `json:"jaeger"`
}

// ServiceMeshJaeger is a Jaeger query service (its HTTP API, /api/...).
type ServiceMeshJaeger struct {
	// URL is the query service's address (without /api), such as
	// http://jaeger-query.istio-system:16686.
	URL string `json:"url,omitempty"`
	// Timeout bounds every call to Jaeger; slower is a 503.
	Timeout metav1.Duration `json:"timeout,omitempty"`
}

// Alerting says where the alerting API manages silences and reads which
// alerts are silenced or inhibited. Without an Alertmanager the alerts
// are listed without those marks and the silences answer 503.
type Alerting struct {
	// AlertmanagerURL is Alertmanager's address (without /api/v2).
	AlertmanagerURL string `json:"alertmanagerURL,omitempty"`
	// Timeout bounds every call to Alertmanager; slower is a 503.
	Timeout metav1.Duration `json:"timeout,omitempty"`
}

// Notification configures the notification sender, which takes
// Alertmanager's webhook at
// /kapis/notification.superkube.io/v2beta2/alertmanager/webhook.
type Notification struct {
	// WebhookTokenFile holds the bearer token Alertmanager sends (at least
	// 32 characters); without it the webhook endpoint is not served.
	WebhookTokenFile string `json:"webhookTokenFile,omitempty"`
	// Workers deliver each receiver's messages (default 2); QueueSize
	// bounds the messages waiting per receiver (default 1000).
	Workers   int `json:"workers,omitempty"`
	QueueSize int `json:"queueSize,omitempty"`
	// MaxAttempts of a delivery (default 6); the wait between two doubles
	// from 1s up to a minute.
	MaxAttempts int `json:"maxAttempts,omitempty"`
	// DedupeWindow: an alert already sent to a recipient with the same
	// status is not sent again within it (default 10m).
	DedupeWindow metav1.Duration `json:"dedupeWindow,omitempty"`
	// RecordsInMemory is how many delivery records are kept in memory when
	// there is no log store (default 10000).
	RecordsInMemory int `json:"recordsInMemory,omitempty"`
	// UserAllowedCIDRs are networks (CIDRs or addresses) that users' own
	// configs may reach although they are internal. By default a user's
	// config connects to public addresses only: never to loopback,
	// private (RFC 1918, RFC 4193), link-local, CGNAT, multicast,
	// unspecified or reserved addresses. Platform configs are not
	// restricted.
	UserAllowedCIDRs []string `json:"userAllowedCIDRs,omitempty"`
}

// DevOps configures the DevOps API.
type DevOps struct {
	// WorkDir is the local pipeline executor's folder (ke-controller-manager's
	// devops.workDir on the same machine), where the steps' logs are read.
	WorkDir string `json:"workDir,omitempty"`
	// Jenkins, when set, is the Jenkins whose build logs ke-apiserver
	// serves (ke-controller-manager's devops.jenkins).
	Jenkins *DevOpsJenkins `json:"jenkins,omitempty"`
}

// DevOpsJenkins is a Jenkins reached with a user's API token.
type DevOpsJenkins struct {
	URL  string `json:"url"`
	User string `json:"user"`
	// TokenFile holds the user's API token.
	TokenFile string `json:"tokenFile"`
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

// Logging says where the logging API searches the container logs:
// VictoriaLogs' HTTP API, or an Elasticsearch or OpenSearch cluster (one
// of them). Without either the logging API answers 503 "the log store is
// unavailable".
type Logging struct {
	// VictoriaLogsURL is the store's address (without /select).
	VictoriaLogsURL string `json:"victoriaLogsURL,omitempty"`
	// Elasticsearch is an Elasticsearch or OpenSearch cluster instead.
	Elasticsearch *elastic.Config `json:"elasticsearch,omitempty"`
	// Timeout bounds the wait for the store's answer; slower is a 503.
	Timeout metav1.Duration `json:"timeout,omitempty"`
}

// Monitoring says where the monitoring API reads its series: any
// Prometheus HTTP API (Prometheus, VictoriaMetrics, Thanos). Without a
// URL the monitoring API answers 503 "monitoring is not configured".
type Monitoring struct {
	// PrometheusURL is the address of the HTTP API (without /api/v1).
	PrometheusURL string `json:"prometheusURL,omitempty"`
	// BearerTokenFile holds a bearer token for Prometheus, read on every
	// request.
	BearerTokenFile string `json:"bearerTokenFile,omitempty"`
	// Username and PasswordFile are HTTP basic credentials (instead of a
	// bearer token).
	Username     string `json:"username,omitempty"`
	PasswordFile string `json:"passwordFile,omitempty"`
	// CAFile verifies an https Prometheus.
	CAFile string `json:"caFile,omitempty"`
	// Timeout bounds every query; Prometheus slower than this is a 503.
	Timeout metav1.Duration `json:"timeout,omitempty"`
	// Concurrency bounds the queries one request runs at once.
	Concurrency int `json:"concurrency,omitempty"`
}

// Admission configures kube-apiserver's validating webhook and token
// webhook, which ke-apiserver serves at /webhooks/admission and
// /webhooks/tokenreview.
type Admission struct {
	// ExemptUsers are the user names with which the platform's components
	// reach kube-apiserver (ke-controller-manager's and ke-apiserver's own):
	// the validating webhook does not check their writes. The webhook
	// configuration leaves them out too (admission.Configuration).
	ExemptUsers []string `json:"exemptUsers,omitempty"`
}

// TLS names certificate files.
type TLS struct {
	CertFile string `json:"certFile,omitempty"`
	KeyFile  string `json:"keyFile,omitempty"`
}

// Kubernetes describes the cluster as kubectl users reach it.
type Kubernetes struct {
	// ExternalURL is kube-apiserver's address for downloaded kubeconfigs.
	ExternalURL string `json:"externalURL,omitempty"`
	// CAFile is the CA of kube-apiserver's serving certificate.
	CAFile string `json:"caFile,omitempty"`
	// RequestTimeout is how long kube-apiserver has to begin its answer to
	// a request that ke-apiserver forwards (/api, /apis) before the caller
	// gets 504 Timeout; watches, log follows, exec, attach and port-forward
	// then stream without limit. 0 waits without limit.
	RequestTimeout metav1.Duration `json:"requestTimeout,omitempty"`
}

// Authentication configures logins and tokens.
type Authentication struct {
	AccessTokenMaxAge  metav1.Duration `json:"accessTokenMaxAge,omitempty"`
	RefreshTokenMaxAge metav1.Duration `json:"refreshTokenMaxAge,omitempty"`
	KubeconfigMaxAge   metav1.Duration `json:"kubeconfigTokenMaxAge,omitempty"`
	// MultipleLogin allows several sessions per user; false makes a new
	// login revoke the older ones.
	MultipleLogin bool `json:"multipleLogin"`
	// BasicAuth accepts HTTP basic credentials on API requests.
	BasicAuth bool `json:"basicAuth,omitempty"`
	// LoginsPerMinute and LoginBurst limit login attempts per source address.
	LoginsPerMinute float64 `json:"loginsPerMinute,omitempty"`
	LoginBurst      int     `json:"loginBurst,omitempty"`
	BcryptCost      int     `json:"bcryptCost,omitempty"`
	// MaxFailedLogins failed logins (or current passwords in a password
	// change) within LockoutWindow refuse the user's next attempts, counted
	// in the token store; set them as ke-controller-manager's, which shows
	// the lock in the user's status.
	MaxFailedLogins int             `json:"maxFailedLogins,omitempty"`
	LockoutWindow   metav1.Duration `json:"lockoutWindow,omitempty"`
}

// ProviderEntry configures one identity provider; exactly one of LDAP,
// OIDC and GitHub is set.
type ProviderEntry struct {
	LDAP   *ldap.Config   `json:"ldap,omitempty"`
	OIDC   *oidc.Config   `json:"oidc,omitempty"`
	GitHub *github.Config `json:"github,omitempty"`
	// GroupRoles map the provider's groups to platform roles: at each login
	// through the provider, the user gets a GlobalRoleBinding
	// "<user>-<globalRole>" (labelled iam.superkube.io/granted-by=<provider>)
	// for each group it is a member of, and loses those the provider granted
	// for groups it has left. Bindings made otherwise are never touched.
	GroupRoles []GroupRole `json:"groupRoles,omitempty"`
}

// GroupRole maps a group of an identity provider to a global role, as in
// {group: developers, globalRole: platform-regular}.
type GroupRole = oauth.GroupRole

// name is the name of the provider that the entry configures.
func (p *ProviderEntry) name() string {
	switch {
	case p.LDAP != nil:
		return p.LDAP.Name
	case p.OIDC != nil:
		return p.OIDC.Name
	case p.GitHub != nil:
		return p.GitHub.Name
	}
	return ""
}

// AuditConfig configures the audit log.
type AuditConfig struct {
	// Path of the rotating file; "-" writes to standard output; empty disables the file.
	Path       string `json:"path,omitempty"`
	MaxSizeMB  int    `json:"maxSizeMB,omitempty"`
	MaxBackups int    `json:"maxBackups,omitempty"`
	WebhookURL string `json:"webhookURL,omitempty"`
	// LogStore writes the audit records to the log store
	// (logging.victoriaLogsURL) too, where the logging API searches them.
	LogStore *bool `json:"logStore,omitempty"`
	// KubeWebhookTokenFile holds the bearer token with which
	// kube-apiserver's audit webhook posts its audit events to
	// /webhooks/audit, which writes them to the log store; empty takes none.
	KubeWebhookTokenFile string `json:"kubeWebhookTokenFile,omitempty"`
}

// ToLogStore reports whether audit records go to the log store (the
// default when it is configured).
func (a AuditConfig) ToLogStore() bool { return a.LogStore == nil || *a.LogStore }

// Limits bound what a request may send.
type Limits struct {
	MaxBodyBytes   int64 `json:"maxBodyBytes,omitempty"`
	MaxHeaderBytes int   `json:"maxHeaderBytes,omitempty"`
}

// DefaultConfig returns the configuration used without a file.
func DefaultConfig() Config {
	return Config{
		TypeMeta:        metav1.TypeMeta{APIVersion: ConfigAPIVersion, Kind: ConfigKind},
		BindAddress:     ":9443",
		SystemNamespace: "superkube-system",
		Kubernetes:      Kubernetes{RequestTimeout: metav1.Duration{Duration: 10 * time.Second}},
		Authentication: Authentication{
			AccessTokenMaxAge: metav1.Duration{Duration: 2 * time.Hour}, RefreshTokenMaxAge: metav1.Duration{Duration: 24 * time.Hour},
			KubeconfigMaxAge: metav1.Duration{Duration: 12 * time.Hour}, MultipleLogin: true,
			LoginsPerMinute: 30, LoginBurst: 10, BcryptCost: 10,
			MaxFailedLogins: 5, LockoutWindow: metav1.Duration{Duration: 10 * time.Minute},
		},
		Audit:       AuditConfig{MaxSizeMB: 100, MaxBackups: 5},
		Limits:      Limits{MaxBodyBytes: 3 << 20, MaxHeaderBytes: 64 << 10},
		Monitoring:  Monitoring{Timeout: metav1.Duration{Duration: 10 * time.Second}, Concurrency: 8},
		Logging:     Logging{Timeout: metav1.Duration{Duration: 30 * time.Second}},
		Alerting:    Alerting{Timeout: metav1.Duration{Duration: 10 * time.Second}},
		ServiceMesh: ServiceMesh{Jaeger: ServiceMeshJaeger{Timeout: metav1.Duration{Duration: 10 * time.Second}}},
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
	if c.SigningKeyFile == "" {
		errs = append(errs, errors.New("signingKeyFile must be set"))
	}
	if (c.TLS.CertFile == "") != (c.TLS.KeyFile == "") {
		errs = append(errs, errors.New("tls.certFile and tls.keyFile go together"))
	}
	if c.Authentication.BcryptCost < 4 || c.Authentication.BcryptCost > 31 {
		errs = append(errs, fmt.Errorf("authentication.bcryptCost must be between 4 and 31, got %d", c.Authentication.BcryptCost))
	}
	if c.Kubernetes.RequestTimeout.Duration < 0 {
		errs = append(errs, errors.New("kubernetes.requestTimeout must not be negative"))
	}
	if c.Limits.MaxBodyBytes < 1024 || c.Limits.MaxHeaderBytes < 4096 {
		errs = append(errs, errors.New("limits.maxBodyBytes must be at least 1024 and limits.maxHeaderBytes at least 4096"))
	}
	names := map[string]bool{}
	for i, p := range c.IdentityProviders {
		if name := p.name(); name != "" {
			if names[name] {
				errs = append(errs, fmt.Errorf("identityProviders[%d]: the name %q is used twice", i, name))
			}
			names[name] = true
		}
		n := 0
		for _, set := range []bool{p.LDAP != nil, p.OIDC != nil, p.GitHub != nil} {
			if set {
				n++
			}
		}
		if n != 1 {
			errs = append(errs, fmt.Errorf("identityProviders[%d] must set exactly one of ldap, oidc and github", i))
		}
	}
	if c.Authentication.MaxFailedLogins < 1 || c.Authentication.LockoutWindow.Duration <= 0 {
		errs = append(errs, errors.New("authentication.maxFailedLogins must be at least 1 and authentication.lockoutWindow positive"))
	}
	if m := c.Monitoring; m.Timeout.Duration <= 0 || m.Concurrency < 1 || (m.BearerTokenFile != "" && m.Username != "") {
		errs = append(errs, errors.New("monitoring: timeout and concurrency must be positive, and a bearer token and basic auth exclude each other"))
	}
	if a := c.Alerting; a.Timeout.Duration <= 0 {
		errs = append(errs, errors.New("alerting: timeout must be positive"))
	} else if a.AlertmanagerURL != "" {
		if u, err := url.Parse(a.AlertmanagerURL); err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
			errs = append(errs, fmt.Errorf("alerting.alertmanagerURL %q must be an http(s) URL", a.AlertmanagerURL))
		}
	}
	if j := c.ServiceMesh.Jaeger; j.Timeout.Duration <= 0 {
		errs = append(errs, errors.New("servicemesh.jaeger.timeout must be positive"))
	} else if j.URL != "" {
		if u, err := url.Parse(j.URL); err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
			errs = append(errs, fmt.Errorf("servicemesh.jaeger.url %q must be an http(s) URL", j.URL))
		}
	}
	if c.Logging.Timeout.Duration <= 0 {
		errs = append(errs, errors.New("logging.timeout must be positive"))
	}
	errs = append(errs, elastic.ValidateStore("logging", c.Logging.VictoriaLogsURL, c.Logging.Elasticsearch)...)
	if _, err := filters.ParseTrustedProxies(c.TrustedProxies); err != nil {
		errs = append(errs, err)
	}
	if _, err := netguard.ParseCIDRs(c.Notification.UserAllowedCIDRs); err != nil {
		errs = append(errs, fmt.Errorf("notification.userAllowedCIDRs: %w", err))
	}
	if _, err := netguard.ParseCIDRs(c.AppStore.WorkspaceRepositoryAllowedCIDRs); err != nil {
		errs = append(errs, fmt.Errorf("appStore.workspaceRepositoryAllowedCIDRs: %w", err))
	}
	o := c.oauthOptions()
	errs = append(errs, o.Validate()...)
	return errs
}

// completedConfig is a configuration that Complete validated, with what
// the server needs besides the file.
type completedConfig struct {
	Config
	// REST reaches kube-apiserver.
	REST *rest.Config
	// CertDir keeps the self-signed serving certificate that Run makes
	// when the configuration names none.
	CertDir string
}

// CompletedConfig is a validated configuration. Only Complete makes one, so
// that Build and Run never start from a configuration nobody checked.
type CompletedConfig struct{ *completedConfig }

// Complete validates the configuration and joins it with the client
// configuration of kube-apiserver (which --print-config leaves nil).
func (c Config) Complete(rc *rest.Config) (CompletedConfig, error) {
	if errs := c.Validate(); len(errs) > 0 {
		return CompletedConfig{}, errors.Join(errs...)
	}
	return CompletedConfig{&completedConfig{Config: c, REST: rc}}, nil
}

func (c *Config) oauthOptions() oauth.Options {
	var groupRoles map[string][]oauth.GroupRole
	for _, p := range c.IdentityProviders {
		if len(p.GroupRoles) > 0 {
			if groupRoles == nil {
				groupRoles = map[string][]oauth.GroupRole{}
			}
			groupRoles[p.name()] = append(groupRoles[p.name()], p.GroupRoles...)
		}
	}
	return oauth.Options{
		Issuer:  c.Issuer,
		Clients: c.OAuthClients,
		Lifetimes: oauth.Lifetimes{AccessToken: c.Authentication.AccessTokenMaxAge.Duration,
			RefreshToken: c.Authentication.RefreshTokenMaxAge.Duration, Kubeconfig: c.Authentication.KubeconfigMaxAge.Duration},
		MultipleLogin:   c.Authentication.MultipleLogin,
		LoginsPerMinute: c.Authentication.LoginsPerMinute,
		LoginBurst:      c.Authentication.LoginBurst,
		BcryptCost:      c.Authentication.BcryptCost,
		Lockout:         oauth.Lockout{MaxFailures: c.Authentication.MaxFailedLogins, Window: c.Authentication.LockoutWindow.Duration},
		GroupRoles:      groupRoles,
	}
}

// Redacted returns a copy without secrets, for --print-config and logs.
func (c Config) Redacted() Config {
	out := c
	out.OAuthClients = append([]oauth.Client(nil), c.OAuthClients...)
	for i := range out.OAuthClients {
		if out.OAuthClients[i].Secret != "" {
			out.OAuthClients[i].Secret = "<redacted>"
		}
	}
	out.IdentityProviders = nil
	for _, p := range c.IdentityProviders {
		q := ProviderEntry{GroupRoles: p.GroupRoles}
		if p.LDAP != nil {
			l := *p.LDAP
			l.BindPassword = "<redacted>"
			q.LDAP = &l
		}
		if p.OIDC != nil {
			o := *p.OIDC
			o.ClientSecret = "<redacted>"
			q.OIDC = &o
		}
		if p.GitHub != nil {
			g := *p.GitHub
			g.ClientSecret = "<redacted>"
			q.GitHub = &g
		}
		out.IdentityProviders = append(out.IdentityProviders, q)
	}
	if out.RedisURL != "" {
		out.RedisURL = "<redacted>"
	}
	return out
}

var _ idp.MappingMethod

// Multicluster configures ke-apiserver's side of member clusters.
type Multicluster struct {
	// ControllerTokenFile holds the bearer token with which
	// ke-controller-manager reaches member clusters at
	// /internal/clusters/{cluster}/api... and /apis..., as the identity of
	// the member's kubeconfig (not as a user). Empty turns that path off.
	ControllerTokenFile string `json:"controllerTokenFile,omitempty"`
	// AdvertiseURL is this replica's own https URL, which the other
	// replicas reach it at: an agent's tunnel is held by one replica, and
	// the others forward that cluster's requests to it. Empty (one
	// replica) forwards nothing.
	AdvertiseURL string `json:"advertiseURL,omitempty"`
	// PeerCAFile verifies the other replicas' serving certificates
	// (default: the system's roots).
	PeerCAFile string `json:"peerCAFile,omitempty"`
	// PeerServerName is the name the other replicas' certificates are
	// verified for, when they do not name the advertised address (for
	// example the Service's DNS name).
	PeerServerName string `json:"peerServerName,omitempty"`
}
