package app

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/superkube/super-kubenetes/internal/netguard"

	"github.com/prometheus/client_golang/prometheus"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/clock"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/controller-runtime/pkg/webhook"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	clusterv1alpha1 "github.com/superkube/super-kubenetes/api/cluster/v1alpha1"
	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	quotav1alpha2 "github.com/superkube/super-kubenetes/api/quota/v1alpha2"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	"github.com/superkube/super-kubenetes/internal/controller/alertrules"
	"github.com/superkube/super-kubenetes/internal/controller/application"
	"github.com/superkube/super-kubenetes/internal/controller/apprelease"
	"github.com/superkube/super-kubenetes/internal/controller/apprepository"
	"github.com/superkube/super-kubenetes/internal/controller/bootstrap"
	"github.com/superkube/super-kubenetes/internal/controller/cluster"
	"github.com/superkube/super-kubenetes/internal/controller/devopsproject"
	"github.com/superkube/super-kubenetes/internal/controller/gatewaypolicy"
	"github.com/superkube/super-kubenetes/internal/controller/globalrolebinding"
	"github.com/superkube/super-kubenetes/internal/controller/group"
	"github.com/superkube/super-kubenetes/internal/controller/index"
	"github.com/superkube/super-kubenetes/internal/controller/loginrecord"
	"github.com/superkube/super-kubenetes/internal/controller/memberrbac"
	"github.com/superkube/super-kubenetes/internal/controller/namespace"
	"github.com/superkube/super-kubenetes/internal/controller/nativerole"
	"github.com/superkube/super-kubenetes/internal/controller/networkisolation"
	"github.com/superkube/super-kubenetes/internal/controller/pipeline"
	"github.com/superkube/super-kubenetes/internal/controller/pipelinerun"
	"github.com/superkube/super-kubenetes/internal/controller/platformrole"
	"github.com/superkube/super-kubenetes/internal/controller/servicemesh"
	"github.com/superkube/super-kubenetes/internal/controller/user"
	"github.com/superkube/super-kubenetes/internal/controller/workspace"
	"github.com/superkube/super-kubenetes/internal/controller/workspacequota"
	"github.com/superkube/super-kubenetes/internal/controller/workspacerolebinding"
	devopsadmission "github.com/superkube/super-kubenetes/internal/devops/admission"
	"github.com/superkube/super-kubenetes/internal/iam/passwordsecret"
	"github.com/superkube/super-kubenetes/internal/logging/batch"
	"github.com/superkube/super-kubenetes/internal/logging/elastic"
	"github.com/superkube/super-kubenetes/internal/logging/eventexport"
	"github.com/superkube/super-kubenetes/internal/logging/retention"
	"github.com/superkube/super-kubenetes/internal/logging/victorialogs"
	"github.com/superkube/super-kubenetes/internal/quota/count"
	"github.com/superkube/super-kubenetes/internal/quota/ledger"
	"github.com/superkube/super-kubenetes/internal/quota/membercount"
	quotawebhook "github.com/superkube/super-kubenetes/internal/quota/webhook"
	"github.com/superkube/super-kubenetes/internal/scheme"
	"github.com/superkube/super-kubenetes/internal/statemetrics"
	"github.com/superkube/super-kubenetes/internal/webhookcert"
)

// setupper is what every reconciler offers.
type setupper interface {
	SetupWithManager(ctrl.Manager) error
}

// ManagerOptions are the dependencies a test may replace.
type ManagerOptions struct {
	// Clock is the time source of the user and login record controllers.
	Clock clock.PassiveClock
	// SkipNameValidation lets a test start the reconcilers again in the
	// same process (controller names are otherwise unique per process).
	SkipNameValidation bool
	// ReleaseHolder names this process in the app store's release
	// operations (default: host, pid and a random suffix).
	ReleaseHolder string
	// MemberClients reaches member clusters for the member RBAC controller
	// instead of ke-apiserver's internal path (multicluster.apiServerURL).
	MemberClients memberrbac.MemberClients
	// MemberResync is the member RBAC controller's period (default 15s).
	MemberResync time.Duration
}

// NewManager builds a manager with every reconciler, the indexes and the
// bootstrap registered. The returned Bootstrap reports when it completed.
func NewManager(cc CompletedConfig, opts ManagerOptions) (ctrl.Manager, *bootstrap.Bootstrap, error) {
	cfg := cc.Config
	scopeLabelled, err := labels.NewRequirement(iamv1beta1.ScopeLabel, selection.Exists, nil)
	if err != nil {
		return nil, nil, err
	}
	scoped := labels.NewSelector().Add(*scopeLabelled)
	rc := rest.CopyConfig(cc.REST)
	rc.QPS, rc.Burst = cfg.KubeAPIQPS, cfg.KubeAPIBurst
	mgr, err := ctrl.NewManager(rc, ctrl.Options{
		Scheme:                  scheme.New(),
		Metrics:                 metricsserver.Options{BindAddress: cfg.MetricsBindAddress},
		HealthProbeBindAddress:  cfg.HealthProbeBindAddress,
		PprofBindAddress:        cfg.PprofBindAddress,
		LeaderElection:          cfg.LeaderElection.Enabled,
		LeaderElectionID:        cfg.LeaderElection.ID,
		LeaderElectionNamespace: cfg.LeaderElection.Namespace,
		// Stop reconciling at once when leadership is lost or on SIGTERM.
		LeaderElectionReleaseOnCancel: true,
		Controller:                    config.Controller{MaxConcurrentReconciles: cfg.Concurrency, SkipNameValidation: ptr.To(opts.SkipNameValidation)},
		Cache: cache.Options{
			// Only the roles the platform manages are cached, without the
			// managed fields, to keep memory in proportion to the platform.
			DefaultTransform: cache.TransformStripManagedFields(),
			// Native roles are watched as metadata only (see nativerole).
			ByObject: map[client.Object]cache.ByObject{
				index.Metadata(rbacv1.SchemeGroupVersion.WithKind("ClusterRole")): {Label: scoped},
				index.Metadata(rbacv1.SchemeGroupVersion.WithKind("Role")):        {Label: scoped},
				// Only the NetworkPolicies the platform generates.
				&networkingv1.NetworkPolicy{}: {Label: labels.SelectorFromSet(networkisolation.GeneratedSelector())},
			},
		},
		// Typed reads of these go to kube-apiserver; nothing caches them whole.
		// Native roles are read whole through the API reader only.
		Client: client.Options{Cache: &client.CacheOptions{DisableFor: []client.Object{&corev1.Secret{}, &corev1.ConfigMap{}}}},
	})
	if err != nil {
		return nil, nil, fmt.Errorf("creating the manager: %w", err)
	}
	if err := index.Register(context.Background(), mgr.GetFieldIndexer()); err != nil {
		return nil, nil, fmt.Errorf("registering indexes: %w", err)
	}
	c := mgr.GetClient()
	rec := func(name string) events.EventRecorder { return mgr.GetEventRecorder(name) }
	var clk clock.PassiveClock = clock.RealClock{}
	if opts.Clock != nil {
		clk = opts.Clock
	}
	// Secrets are read from kube-apiserver (the client caches none).
	passwords := &passwordsecret.Store{Namespace: cfg.SystemNamespace, Reader: c, Writer: c}
	// Validated by Complete.
	workspaceRepos, _ := netguard.ParseCIDRs(cfg.AppStore.WorkspaceRepositoryAllowedCIDRs)
	engines, err := devopsEngines(cfg, rc)
	if err != nil {
		return nil, nil, err
	}
	reconcilers := []setupper{
		&platformrole.Reconciler[*iamv1beta1.GlobalRole]{Client: c, Recorder: rec("globalrole-controller"), Reader: mgr.GetAPIReader(), Kind: platformrole.GlobalRoles},
		&platformrole.Reconciler[*iamv1beta1.WorkspaceRole]{Client: c, Recorder: rec("workspacerole-controller"), Reader: mgr.GetAPIReader(), Kind: platformrole.WorkspaceRoles},
		&nativerole.Reconciler{Client: c, Recorder: rec("clusterrole-controller"), Reader: mgr.GetAPIReader(), Informers: mgr.GetCache(), Kind: nativerole.ClusterRoles},
		&nativerole.Reconciler{Client: c, Recorder: rec("role-controller"), Reader: mgr.GetAPIReader(), Informers: mgr.GetCache(), Kind: nativerole.Roles},
		&globalrolebinding.Reconciler{Client: c, Recorder: rec("globalrolebinding-controller")},
		&workspacerolebinding.Reconciler{Client: c, Reader: mgr.GetAPIReader(), Recorder: rec("workspacerolebinding-controller")},
		&user.Reconciler{Client: c, Recorder: rec("user-controller"), Clock: clk, BcryptCost: cfg.Authentication.BcryptCost, Passwords: passwords,
			Lockout: user.Lockout{MaxFailures: cfg.Authentication.MaxFailedLogins, Window: cfg.Authentication.LockoutWindow.Duration}},
		&loginrecord.Reconciler{Client: c, Clock: clk,
			Retention: loginrecord.Retention{MaxAge: cfg.LoginRecords.MaxAge.Duration, MaxPerUser: cfg.LoginRecords.MaxPerUser}},
		&group.Reconciler{Client: c, Recorder: rec("group-controller")},
		&workspace.Reconciler{Client: c, Recorder: rec("workspace-controller")},
		&namespace.Reconciler{Client: c, Recorder: rec("project-controller")},
		&cluster.Reconciler{Client: c, Reader: mgr.GetAPIReader(), HostConfig: rc, SystemNamespace: cfg.SystemNamespace, Interval: cfg.ClusterCheckInterval.Duration},
		&apprepository.Reconciler{Client: c, Reader: mgr.GetAPIReader(), SecretNamespace: cfg.SystemNamespace, Clock: clk, WorkspaceAllowedCIDRs: workspaceRepos},
		&application.Reconciler{Client: c},
		&networkisolation.Reconciler{Client: c, Reader: mgr.GetAPIReader(), SystemNamespaces: cfg.NetworkIsolation.Namespaces()},
		// The allowed IngressClasses, GatewayClasses and Gateways, enforced by
		// kube-apiserver's ValidatingAdmissionPolicies.
		&gatewaypolicy.Reconciler{Client: c},
		// DevOps: projects, pipelines and their runs.
		&devopsproject.Reconciler{Client: c},
		&pipeline.Reconciler{Client: c, Clock: clk, Discoverer: &pipeline.GiteaDiscoverer{}, Recorder: rec("pipeline-controller")},
		&pipelinerun.Reconciler{Client: c, Engines: engines, DefaultEngine: devopsDefaultEngine(cfg),
			Notifier: &pipelinerun.GiteaNotifier{ConsoleURL: cfg.DevOps.ConsoleURL}, Recorder: rec("pipelinerun-controller")},
		// Service mesh: strategies and policies compiled into Istio's objects.
		&servicemesh.Reconciler{Client: c, Reader: mgr.GetAPIReader(), Clock: clk},
		// App store releases, installed with Helm as each release's operator.
		&apprelease.Reconciler{Client: c, Reader: mgr.GetAPIReader(), Config: rc, SystemNamespace: cfg.SystemNamespace, Holder: opts.ReleaseHolder,
			WorkspaceAllowedCIDRs: workspaceRepos},
	}
	if a := cfg.Alerting; a.RulesDir != "" || a.PrometheusRules {
		ar := &alertrules.Reconciler{Client: c, PrometheusRules: a.PrometheusRules, SystemNamespace: cfg.SystemNamespace}
		if a.RulesDir != "" {
			if err := os.MkdirAll(a.RulesDir, 0o755); err != nil {
				return nil, nil, fmt.Errorf("creating alerting.rulesDir: %w", err)
			}
			ar.Reloader = &alertrules.Reloader{Dir: a.RulesDir, URL: a.PrometheusURL, Delay: a.ReloadDelay.Duration,
				Log: mgr.GetLogger().WithName("prometheus-reload")}
		}
		reconcilers = append(reconcilers, ar)
	}
	members, err := memberClients(cfg, opts, mgr)
	if err != nil {
		return nil, nil, err
	}
	if members != nil {
		reconcilers = append(reconcilers, &memberrbac.Reconciler{Client: c, Reader: mgr.GetAPIReader(), Members: members, Resync: opts.MemberResync})
		// A removed member loses what the host mirrored into it.
		for _, r := range reconcilers {
			if cr, ok := r.(*cluster.Reconciler); ok {
				cr.Unmirror = func(ctx context.Context, c *clusterv1alpha1.Cluster) error {
					mc, err := members.For(ctx, c)
					if err != nil {
						return err
					}
					return memberrbac.Unmirror(ctx, mc)
				}
			}
		}
	}
	if err := workspacequota.IndexWorkspace(context.Background(), mgr); err != nil {
		return nil, nil, fmt.Errorf("registering the quota index: %w", err)
	}
	// The quota controller and the webhook share the book of charges, and
	// the places each workspace is counted on: the host and, when members
	// are reached, the members it is placed on.
	book, settler := &ledger.Book{}, workspacequota.NewSettler()
	places := &membercount.Places{Host: mgr.GetCache(), Objects: c, Log: mgr.GetLogger().WithName("member-quota")}
	var memberToken func() string
	if m, ok := members.(memberReach); ok {
		places.Caches = &membercount.Caches{Config: m.RESTConfig, Scheme: mgr.GetScheme(), Log: places.Log,
			Changed: func(ws string) { settleWorkspace(c, settler, ws) }}
		if err := mgr.Add(places.Caches); err != nil {
			return nil, nil, err
		}
		memberToken = func() string {
			tok, err := m.Token()
			if err != nil {
				return ""
			}
			return tok
		}
	}
	reconcilers = append(reconcilers, &workspacequota.Reconciler{Client: c, Cache: mgr.GetCache(), Places: places, Book: book, Settled: settler, Clock: clk})
	if err := addQuotaWebhook(mgr, cfg, opts, &quotawebhook.Validator{Cache: mgr.GetCache(), Places: places, Members: places, MemberToken: memberToken,
		Book: book, Settle: settler.Settle, Decoder: admission.NewDecoder(mgr.GetScheme())}); err != nil {
		return nil, nil, err
	}
	if err := mgr.Add(&devopsadmission.Ensure{Client: c, Log: mgr.GetLogger().WithName("devops-admission")}); err != nil {
		return nil, nil, err
	}
	if err := mgr.Add(&alertrules.Builtins{Client: c, Log: mgr.GetLogger().WithName("builtin-alert-rules")}); err != nil {
		return nil, nil, err
	}
	for _, r := range reconcilers {
		if err := r.SetupWithManager(mgr); err != nil {
			return nil, nil, fmt.Errorf("setting up %T: %w", r, err)
		}
	}
	boot := &bootstrap.Bootstrap{Client: c, Reader: mgr.GetAPIReader(), SystemNamespace: cfg.SystemNamespace,
		AdminEmail: cfg.AdminEmail, BcryptCost: cfg.Authentication.BcryptCost, Passwords: passwords}
	if cfg.LeaderElection.Enabled {
		// Standby replicas are ready; a single replica is ready once it bootstrapped.
		boot.Elected = mgr.Elected()
	}
	if err := mgr.Add(boot); err != nil {
		return nil, nil, err
	}
	if err := addStateMetrics(mgr, cfg); err != nil {
		return nil, nil, err
	}
	if err := addEventExport(mgr, cfg); err != nil {
		return nil, nil, err
	}
	if err := mgr.AddHealthzCheck("ping", healthz.Ping); err != nil {
		return nil, nil, err
	}
	if err := mgr.AddReadyzCheck("bootstrap", boot.Ready); err != nil {
		return nil, nil, err
	}
	return mgr, boot, nil
}

// addQuotaWebhook serves the workspace quotas' webhook when
// quota.webhook.bindAddress is set: its certificate from the rotator, its
// configuration kept by the leader.
func addQuotaWebhook(mgr ctrl.Manager, cfg Config, opts ManagerOptions, v *quotawebhook.Validator) error {
	w := cfg.Quota.Webhook
	if w.BindAddress == "" {
		mgr.GetLogger().Info("quota.webhook.bindAddress is not set: workspace quotas are counted, not enforced")
		return nil
	}
	host, p, err := net.SplitHostPort(w.BindAddress)
	if err != nil {
		return err
	}
	port, err := strconv.Atoi(p)
	if err != nil {
		return fmt.Errorf("quota.webhook.bindAddress: %w", err)
	}
	srv := webhook.NewServer(webhook.Options{Host: host, Port: port, CertDir: w.CertDir, CertName: webhookcert.CertFile, KeyName: webhookcert.KeyFile})
	if cfg.LeaderElection.Enabled {
		// The leader charges; the others forward to the address it
		// advertises in a Lease beside the election's.
		addr := w.advertised()
		if addr == "" {
			return errors.New("quota.webhook.advertiseAddress is required with leader election when bindAddress has no host to reach")
		}
		lease := types.NamespacedName{Namespace: cfg.LeaderElection.Namespace, Name: cfg.LeaderElection.ID + "-quota-webhook"}
		v.Leader = &quotawebhook.Leader{Elected: mgr.Elected(), Reader: mgr.GetAPIReader(), Lease: lease,
			CAFile: filepath.Join(w.CertDir, webhookcert.CAFile), ServerName: w.DNSName}
		if err := mgr.Add(&quotawebhook.Advertise{Client: mgr.GetClient(), Lease: lease, Address: addr}); err != nil {
			return err
		}
	}
	srv.Register(quotawebhook.Path, &webhook.Admission{Handler: v, WithContextFunc: quotawebhook.Context})
	cc := quotawebhook.ReferencesURL(w.URL)
	if s := w.Service; s != nil {
		cc = quotawebhook.ReferencesService(s.Namespace, s.Name, s.Port)
	}
	want := quotawebhook.Configuration(cc, admissionregistrationv1.FailurePolicyType(w.FailurePolicy), w.TimeoutSeconds)
	// The leader keeps the configuration, once its own server answers (so
	// that creates are not refused while it starts); the rotator injects
	// the CA.
	if err := mgr.Add(manager.RunnableFunc(func(ctx context.Context) error {
		return wait.PollUntilContextCancel(ctx, time.Second, true, func(ctx context.Context) (bool, error) {
			d := &tls.Dialer{NetDialer: &net.Dialer{Timeout: time.Second}, Config: &tls.Config{InsecureSkipVerify: true}} //nolint:gosec // only asks whether it serves
			conn, err := d.DialContext(ctx, "tcp", w.BindAddress)
			if err != nil {
				return false, nil //nolint:nilerr // not serving yet
			}
			_ = conn.Close()
			if err := quotawebhook.Ensure(ctx, mgr.GetClient(), want); err != nil {
				mgr.GetLogger().Error(err, "Registering the quota webhook")
				return false, nil
			}
			return true, nil
		})
	})); err != nil {
		return err
	}
	// Every replica serves once it has the certificate and the caches the
	// webhook reads.
	fill := func(ctx context.Context) error {
		for _, obj := range append(count.Objects(), &corev1.Namespace{}, &quotav1alpha2.ResourceQuota{}) {
			if _, err := mgr.GetCache().GetInformer(ctx, obj); err != nil {
				return err
			}
		}
		if !mgr.GetCache().WaitForCacheSync(ctx) {
			return errors.New("the quota webhook's caches did not sync")
		}
		return nil
	}
	return webhookcert.Add(mgr, webhookcert.Options{
		Secret: types.NamespacedName{Namespace: cfg.SystemNamespace, Name: w.SecretName}, CertDir: w.CertDir, DNSName: w.DNSName,
		ValidatingWebhooks: []string{quotawebhook.ConfigurationName}, Leader: cfg.LeaderElection.Enabled,
		CAValidity: w.CAValidity.Duration, CertValidity: w.CertValidity.Duration, Lookahead: w.RenewBefore.Duration, CheckInterval: w.CheckInterval.Duration,
		Before: fill, ControllerName: rotatorName(w.SecretName, opts.SkipNameValidation),
	}, srv)
}

// rotators numbers the certificate rotators of the managers a test starts
// in one process (SkipNameValidation), whose controller names must differ.
var rotators atomic.Int32

func rotatorName(secret string, again bool) string {
	if !again {
		return ""
	}
	return fmt.Sprintf("webhook-cert-%s-%d", secret, rotators.Add(1))
}

// memberReach is a way to members that the quota counting can read with
// (ke-apiserver's internal path).
type memberReach interface {
	RESTConfig(cluster string) (*rest.Config, error)
	Token() (string, error)
}

// settleWorkspace has the quotas of a workspace counted soon: something
// they count changed on a member.
func settleWorkspace(c client.Reader, s workspacequota.Settler, ws string) {
	var l quotav1alpha2.ResourceQuotaList
	if err := c.List(context.Background(), &l, client.MatchingFields{quotawebhook.WorkspaceIndex: ws}); err != nil {
		return
	}
	for i := range l.Items {
		s.Settle(&l.Items[i])
	}
}

// memberClients is how the member RBAC controller reaches members: through
// ke-apiserver's internal path when multicluster.apiServerURL is set; nil
// (the controller is not started) otherwise.
func memberClients(cfg Config, opts ManagerOptions, mgr ctrl.Manager) (memberrbac.MemberClients, error) {
	if opts.MemberClients != nil {
		return opts.MemberClients, nil
	}
	mc := cfg.Multicluster
	if mc.APIServerURL == "" {
		mgr.GetLogger().Info("multicluster.apiServerURL is not set: member clusters' RBAC is not mirrored")
		return nil, nil
	}
	f, err := memberrbac.NewThroughAPIServer(mc.APIServerURL, mc.APIServerCAFile, mc.TokenFile, mgr.GetScheme())
	if err != nil {
		return nil, err
	}
	return f, nil
}

// addEventExport writes Kubernetes events to the log store, and deletes
// each kind of record past its retention there, on the leader.
func addEventExport(mgr ctrl.Manager, cfg Config) error {
	log := mgr.GetLogger().WithName("event-export")
	exp := &eventexport.Exporter{Informers: mgr.GetCache(), Reader: mgr.GetClient(), Log: log}
	switch ev := cfg.Events; {
	case ev.Elasticsearch != nil:
		c, err := elastic.New(*ev.Elasticsearch, ev.Timeout.Duration)
		if err != nil {
			return err
		}
		exp.Out = c.Writer(elastic.EventRecords, log)
	case ev.VictoriaLogsURL != "":
		store, err := victorialogs.New(ev.VictoriaLogsURL, ev.Timeout.Duration)
		if err != nil {
			return err
		}
		exp.Store = store.In(victorialogs.Events)
		// Elasticsearch's retention is its owner's (ILM/ISM); VictoriaLogs'
		// per kind is ours.
		r := cfg.LogRetention
		pruner := &retention.Pruner{Store: store, Kinds: retention.Kinds(r.ContainerLogs.Duration, r.Events.Duration, r.Audit.Duration),
			Interval: r.Interval.Duration, Log: mgr.GetLogger().WithName("log-retention")}
		if err := mgr.Add(pruner); err != nil {
			return err
		}
	default:
		return nil
	}
	for _, c := range append(batch.Collectors(), retention.Collectors()...) {
		// Registered once per process (tests build several managers).
		if err := ctrlmetrics.Registry.Register(c); err != nil && !errors.As(err, new(prometheus.AlreadyRegisteredError)) {
			return err
		}
	}
	return mgr.Add(exp)
}

// addStateMetrics serves the object-state metrics on their own listener.
// Every replica listens, so that a scrape of a standby succeeds, but only
// the elected leader fills the exporter's cache and exports series.
func addStateMetrics(mgr ctrl.Manager, cfg Config) error {
	if cfg.StateMetricsBindAddress == "" || cfg.StateMetricsBindAddress == "0" {
		return nil
	}
	exp, err := statemetrics.New(mgr.GetConfig(), statemetrics.Options{Scheme: mgr.GetScheme(), NamespaceLabels: []string{tenantv1beta1.WorkspaceLabel}})
	if err != nil {
		return err
	}
	if err := mgr.Add(exp); err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("GET "+statemetrics.Path, exp.Handler())
	return mgr.Add(&manager.Server{Name: "state metrics", ShutdownTimeout: ptr.To(5 * time.Second),
		Server: &http.Server{Addr: cfg.StateMetricsBindAddress, Handler: mux, ReadHeaderTimeout: 10 * time.Second}})
}

// Run starts the manager and blocks until ctx ends.
func Run(ctx context.Context, c CompletedConfig) error {
	mgr, _, err := NewManager(c, ManagerOptions{})
	if err != nil {
		return err
	}
	log := ctrl.LoggerFrom(ctx)
	log.Info("Starting ke-controller-manager", "systemNamespace", c.SystemNamespace,
		"leaderElection", c.LeaderElection.Enabled, "metrics", c.MetricsBindAddress, "stateMetrics", c.StateMetricsBindAddress,
		"probes", c.HealthProbeBindAddress, "server", strings.TrimSpace(c.REST.Host))
	return mgr.Start(ctx)
}
