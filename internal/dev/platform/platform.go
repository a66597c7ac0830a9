package platform

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	"github.com/superkube/super-kubenetes/internal/admission"
	"github.com/superkube/super-kubenetes/internal/controller/bootstrap"
	"github.com/superkube/super-kubenetes/internal/dev/balancer"
	"github.com/superkube/super-kubenetes/internal/dev/cluster"
	"github.com/superkube/super-kubenetes/internal/dev/freeport"
	"github.com/superkube/super-kubenetes/internal/dev/process"
	"github.com/superkube/super-kubenetes/internal/dev/redis"
	"github.com/superkube/super-kubenetes/internal/scheme"
)

// Ports are the loopback ports of the platform's components.
type Ports struct {
	ControllerManagerMetrics int
	ControllerManagerHealth  int
	// APIServer and Console are where clients reach them: the process, or
	// with HA the balancer in front of the replicas.
	APIServer int
	Console   int
	// Redis is the store of tokens, revocations and console sessions.
	Redis int
	// StateMetrics is where ke-controller-manager's object-state exporter
	// serves kube-state-metrics' series (plain HTTP on loopback).
	StateMetrics int
	// QuotaWebhook is where the first ke-controller-manager serves the
	// workspace quota webhook kube-apiserver calls (https://localhost).
	QuotaWebhook int
}

// DefaultPorts are the ports used unless flags say otherwise.
func DefaultPorts() Ports {
	return Ports{ControllerManagerMetrics: 10281, ControllerManagerHealth: 10282, StateMetrics: 10283, QuotaWebhook: 10284, APIServer: 9443, Console: 8443, Redis: 16379}
}

// Replicas is how many processes of each platform component run with HA.
const Replicas = 2

// ConsoleURL is ke-console's address.
func (c *Config) ConsoleURL() string { return "https://127.0.0.1:" + strconv.Itoa(c.Ports.Console) }

// APIServerURL is ke-apiserver's address, the issuer of the platform's tokens.
func (c *Config) APIServerURL() string {
	return "https://127.0.0.1:" + strconv.Itoa(c.Ports.APIServer)
}

// Config says where the platform's binaries and manifests are.
type Config struct {
	// BinDir holds ke-controller-manager, ke-apiserver and ke-console.
	BinDir string
	// ManifestDir is the repository's config folder (crd/bases, rbac).
	ManifestDir     string
	SystemNamespace string
	Ports           Ports
	// ConsoleDevUIURL makes ke-console serve the UI from Vite's dev server
	// (npm --prefix web run dev) instead of its embedded build.
	ConsoleDevUIURL string
	// PrometheusURL is the Prometheus that ke-dev runs, which ke-apiserver's
	// monitoring API reads; empty when none runs.
	PrometheusURL string
	// AlertmanagerURL is the Alertmanager that ke-dev runs, where
	// ke-apiserver's alerting API manages silences; empty when none runs.
	AlertmanagerURL string
	// AlertRulesDir is where ke-controller-manager writes the alert rule
	// files that ke-dev's Prometheus loads (and reloads at PrometheusURL);
	// empty writes none.
	AlertRulesDir string
	// VictoriaLogsURL is the log store that ke-dev runs, which ke-apiserver's
	// logging API searches.
	VictoriaLogsURL string
	// SMTPAddr is Mailpit's SMTP server (host:port): ke-dev makes a
	// platform e-mail Config to it and a Receiver for the administrator.
	SMTPAddr string
	// GiteaURL is the Git server that ke-dev runs (empty when none runs),
	// where the DevOps module's pipelines keep their repositories;
	// GiteaUser is its administrator, whose password is in
	// GiteaPasswordFile. The components are not given them yet.
	GiteaURL, GiteaUser, GiteaPasswordFile string
	// JaegerURL is the Jaeger query service that ke-dev runs, which
	// ke-apiserver's tracing API reads; empty when none runs.
	JaegerURL string
	// WebhookSinkURL is ke-dev's webhook sink: ke-dev makes a webhook
	// Config and Receiver to it.
	WebhookSinkURL string
	// HA runs two replicas of each component: ke-controller-manager with
	// leader election, ke-apiserver and ke-console on free ports behind a
	// balancer in ke-dev that listens on their usual ports.
	HA bool
}

// replicas is how many processes of each component run.
func (c *Config) replicas() int {
	if c.HA {
		return Replicas
	}
	return 1
}

// ReplicaName names replica i (from 0) of n: the component's own name when
// it runs alone, <name>-1, <name>-2 ... with HA. Logs and pid files carry it.
func ReplicaName(component string, i, n int) string {
	if n == 1 {
		return component
	}
	return component + "-" + strconv.Itoa(i+1)
}

// Components are the platform's binaries, in the order they start.
var Components = []string{"ke-controller-manager", "ke-apiserver", "ke-console"}

// Result tells what Start did.
type Result struct {
	// Started names the processes started, replicas one by one.
	Started, Missing []string
	// Redis is where the store listens, when it runs; RedisDir its folder.
	Redis, RedisDir string
	// Backends are the replicas' own addresses behind each balancer, with HA.
	Backends map[string][]string
	// APIServerURL is where ke-apiserver answers, when it runs.
	APIServerURL string
	// ConsoleURL is where ke-console answers, when it runs.
	ConsoleURL string
	// ControllerManagerMetrics are the metrics addresses of the
	// ke-controller-manager replicas, StateMetrics those of their
	// object-state exporters (plain HTTP, path /metrics, kube-state-metrics'
	// names; only the elected replica's page has series), when they run.
	ControllerManagerMetrics, StateMetrics []string
	// APIServerMetrics and ConsoleMetrics are where each replica of
	// ke-apiserver and ke-console serves /metrics (plain HTTP, loopback).
	APIServerMetrics, ConsoleMetrics []string
	// AdminPassword is the initial administrator's password while it has
	// not been changed; empty afterwards.
	AdminPassword string
}

// Start installs the CRDs and RBAC and starts every component that is built.
func Start(ctx context.Context, c *cluster.Cluster, cfg Config) (*Result, error) {
	cl, err := client.New(c.RESTConfig, client.Options{Scheme: scheme.New()})
	if err != nil {
		return nil, err
	}
	crdDir := filepath.Join(cfg.ManifestDir, "crd", "bases")
	objs, err := ReadManifests(filepath.Join(crdDir, "*.yaml"), filepath.Join(cfg.ManifestDir, "rbac", "*.yaml"),
		filepath.Join(cfg.ManifestDir, "rbac", "*", "*.yaml"))
	if err != nil {
		return nil, err
	}
	if len(objs) == 0 {
		return nil, fmt.Errorf("no CRDs found in %s: run ke-dev from the repository's root or pass --manifest-dir", crdDir)
	}
	snapshots, err := snapshotCRDs()
	if err != nil {
		return nil, err
	}
	objs = append(objs, snapshots...)
	gateways, err := gatewayCRDs()
	if err != nil {
		return nil, err
	}
	objs = append(objs, gateways...)
	istio, err := istioCRDs()
	if err != nil {
		return nil, err
	}
	objs = append(objs, istio...)
	// The platform's own namespace holds namespaced RBAC of the manifests.
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: cfg.SystemNamespace}}
	if err := cl.Create(ctx, ns); err != nil && !apierrors.IsAlreadyExists(err) {
		return nil, fmt.Errorf("creating namespace %s: %w", cfg.SystemNamespace, err)
	}
	if err := Apply(ctx, cl, objs); err != nil {
		return nil, err
	}
	if err := simulatedStorage(ctx, cl); err != nil {
		return nil, err
	}
	if err := EnsureSampleIngressClass(ctx, cl); err != nil {
		return nil, err
	}
	res := &Result{Backends: map[string][]string{}}
	built := map[string]string{}
	for _, name := range Components {
		path := filepath.Join(cfg.BinDir, name)
		if _, err := os.Stat(path); err != nil {
			res.Missing = append(res.Missing, name)
			continue
		}
		built[name] = path
	}
	// The store of tokens and sessions starts before the components that
	// keep them there.
	var store *redis.Instance
	if built["ke-apiserver"] != "" || built["ke-console"] != "" {
		if store, err = startRedis(ctx, c, cfg); err != nil {
			return nil, err
		}
		res.Redis, res.RedisDir = store.Addr(), store.Dir
		res.Started = append(res.Started, "redis")
	}
	n := cfg.replicas()
	for _, name := range Components {
		path := built[name]
		if path == "" {
			continue
		}
		if name == "ke-console" && res.APIServerURL == "" {
			res.Missing = append(res.Missing, name+" (it needs ke-apiserver)")
			continue
		}
		var names []string
		for i := range n {
			names = append(names, ReplicaName(name, i, n))
		}
		var err error
		switch name {
		case "ke-controller-manager":
			err = startControllerManagers(ctx, c, cl, cfg, path, names, res)
		case "ke-apiserver":
			err = startReplicas(c, cfg, names, cfg.Ports.APIServer, "--ke-apiserver-port", res, func(name string, port int) error {
				return startAPIServer(ctx, c, cl, cfg, path, name, port, store, &res.APIServerMetrics)
			})
			res.APIServerURL = cfg.APIServerURL()
		case "ke-console":
			err = startReplicas(c, cfg, names, cfg.Ports.Console, "--ke-console-port", res, func(name string, port int) error {
				return startConsole(ctx, c, cfg, path, name, port, store, &res.ConsoleMetrics)
			})
			res.ConsoleURL = cfg.ConsoleURL()
		}
		if err != nil {
			return nil, err
		}
		res.Started = append(res.Started, names...)
	}
	if err := registerAdmission(ctx, c, cl, cfg, res.APIServerURL != ""); err != nil {
		return nil, err
	}
	if res.APIServerURL != "" {
		if err := defaultNotifications(ctx, cl, cfg); err != nil {
			return nil, err
		}
	}
	res.AdminPassword = initialPassword(ctx, cl, cfg.SystemNamespace)
	return res, nil
}

// componentUsers are the user names of the platform's components on
// kube-apiserver (their client certificates' common names).
var componentUsers = []string{"ke-controller-manager", "ke-apiserver"}

// registerAdmission makes kube-apiserver ask ke-apiserver about writes of
// roles, bindings, users, groups and namespaces when ke-apiserver runs, and
// removes the registration when it does not (it would refuse them all).
func registerAdmission(ctx context.Context, c *cluster.Cluster, cl client.Client, cfg Config, running bool) error {
	want := &admissionregistrationv1.ValidatingWebhookConfiguration{ObjectMeta: metav1.ObjectMeta{Name: admission.ConfigurationName}}
	if !running {
		return client.IgnoreNotFound(cl.Delete(ctx, want))
	}
	_, _, caFile, err := c.ServingCert("ke-apiserver-serving", "127.0.0.1", "localhost")
	if err != nil {
		return err
	}
	ca, err := os.ReadFile(caFile)
	if err != nil {
		return err
	}
	url := cfg.APIServerURL() + admission.Path
	want = admission.Configuration(admissionregistrationv1.WebhookClientConfig{URL: &url, CABundle: ca}, admission.Exemptions{Users: componentUsers})
	have := &admissionregistrationv1.ValidatingWebhookConfiguration{}
	switch err := cl.Get(ctx, client.ObjectKeyFromObject(want), have); {
	case apierrors.IsNotFound(err):
		err = cl.Create(ctx, want)
		if err != nil {
			return fmt.Errorf("registering ke-apiserver's validating webhook: %w", err)
		}
	case err != nil:
		return err
	default:
		want.ResourceVersion = have.ResourceVersion
		if err := cl.Update(ctx, want); err != nil {
			return fmt.Errorf("updating ke-apiserver's validating webhook: %w", err)
		}
	}
	return nil
}

// startControllerManagers runs ke-controller-manager, or with HA its
// replicas with leader election (the first on the usual ports, the others on
// free ones). Each serves its object-state metrics on a port of its own,
// which Prometheus's kube-state-metrics job scrapes; only the elected
// replica's page has series.
func startControllerManagers(ctx context.Context, c *cluster.Cluster, cl client.Client, cfg Config, path string, names []string, res *Result) error {
	kubeconfig, err := identity(ctx, c, cl, "ke-controller-manager", cfg.SystemNamespace)
	if err != nil {
		return err
	}
	_, _, caFile, err := c.ServingCert("ke-apiserver-serving", "127.0.0.1", "localhost")
	if err != nil {
		return err
	}
	tokenFile := MulticlusterControllerTokenFile(c.DataDir())
	if err := ensureSecret(tokenFile); err != nil {
		return err
	}
	health, metrics, state := cfg.Ports.ControllerManagerHealth, cfg.Ports.ControllerManagerMetrics, cfg.Ports.StateMetrics
	for flag, port := range map[string]int{"--ke-controller-manager-health-port": health, "--ke-controller-manager-metrics-port": metrics,
		"--ke-controller-manager-state-metrics-port": state, "--ke-controller-manager-quota-webhook-port": cfg.Ports.QuotaWebhook} {
		if cluster.PortFree(port) != nil {
			return fmt.Errorf("port %d for ke-controller-manager is already in use on 127.0.0.1 (stop what holds it or choose another port with %s)", port, flag)
		}
	}
	var hookBackends []string
	for i, name := range names {
		if i > 0 {
			if health, err = freeport.Pick(); err != nil {
				return err
			}
			if metrics, err = freeport.Pick(); err != nil {
				return err
			}
			if state, err = freeport.Pick(); err != nil {
				return err
			}
		}
		stateAddr := "127.0.0.1:" + strconv.Itoa(state)
		args := []string{
			"--kubeconfig=" + kubeconfig,
			"--system-namespace=" + cfg.SystemNamespace,
			"--leader-elect=" + strconv.FormatBool(len(names) > 1),
			"--metrics-bind-address=127.0.0.1:" + strconv.Itoa(metrics),
			"--health-probe-bind-address=127.0.0.1:" + strconv.Itoa(health),
			"--state-metrics-bind-address=" + stateAddr,
		}
		// The elected replica compiles the alert rule groups into the
		// folder Prometheus reads, and makes Prometheus reload.
		if cfg.AlertRulesDir != "" && cfg.PrometheusURL != "" {
			args = append(args, "--alerting-rules-dir="+cfg.AlertRulesDir, "--alerting-prometheus-url="+cfg.PrometheusURL)
		}
		// The elected replica writes Kubernetes events to the log store.
		if cfg.VictoriaLogsURL != "" {
			args = append(args, "--victorialogs-url="+cfg.VictoriaLogsURL)
		}
		// Pipeline runs execute as host processes (KWOK runs no containers).
		args = append(args, "--devops-work-dir="+DevOpsWorkDir(c.DataDir()))
		// Commit statuses link to the run's page in the console.
		args = append(args, "--devops-console-url="+cfg.ConsoleURL())
		// kube-apiserver asks the quota webhook at localhost (the name in
		// the certificate the platform makes): the replica on the usual
		// port, or with HA a balancer there in front of every replica.
		hookPort := cfg.Ports.QuotaWebhook
		if len(names) > 1 {
			if hookPort, err = freeport.Pick(); err != nil {
				return err
			}
			hookBackends = append(hookBackends, "127.0.0.1:"+strconv.Itoa(hookPort))
		}
		args = append(args, "--quota-webhook-bind-address=127.0.0.1:"+strconv.Itoa(hookPort), "--quota-webhook-url=https://localhost:"+strconv.Itoa(cfg.Ports.QuotaWebhook),
			"--quota-webhook-cert-dir="+filepath.Join(c.DataDir(), name, "webhook-certs"))
		// Member clusters are reached through ke-apiserver, which holds
		// the agents' tunnels.
		args = append(args, "--multicluster-apiserver-url="+cfg.APIServerURL(), "--multicluster-apiserver-ca-file="+caFile,
			"--multicluster-token-file="+tokenFile)
		res.StateMetrics = append(res.StateMetrics, stateAddr)
		res.ControllerManagerMetrics = append(res.ControllerManagerMetrics, "127.0.0.1:"+strconv.Itoa(metrics))
		readyz := "http://127.0.0.1:" + strconv.Itoa(health) + "/readyz"
		if err := c.Launch(ctx, name, path, args, func(ctx context.Context) error { return process.HTTPOK(ctx, readyz, nil) }); err != nil {
			return err
		}
	}
	if len(names) > 1 {
		lb, err := balancer.Listen("127.0.0.1:"+strconv.Itoa(cfg.Ports.QuotaWebhook), hookBackends)
		if err != nil {
			return fmt.Errorf("the balancer in front of the quota webhooks: %w", err)
		}
		c.OnStop(func() { _ = lb.Close() })
		res.Backends["quota webhook"] = hookBackends
		// A replica that stands by is ready at once; the elected one
		// bootstraps, and the administrator is the last thing it makes.
		return waitBootstrapped(ctx, cl)
	}
	return nil
}

// waitBootstrapped waits until the initial administrator exists.
func waitBootstrapped(ctx context.Context, cl client.Client) error {
	err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
		return cl.Get(ctx, types.NamespacedName{Name: bootstrap.AdminUser}, &iamv1beta1.User{}) == nil, nil
	})
	if err != nil {
		return fmt.Errorf("no ke-controller-manager replica was elected and bootstrapped the platform within 2 minutes: %w", err)
	}
	return nil
}

// startReplicas starts the processes of one component: alone on its port,
// or with HA each on a free port behind a balancer that listens on it.
func startReplicas(c *cluster.Cluster, cfg Config, names []string, port int, flag string, res *Result, start func(name string, port int) error) error {
	if cluster.PortFree(port) != nil {
		return fmt.Errorf("port %d for %s is already in use on 127.0.0.1 (stop what holds it or choose another port with %s)", port, names[0], flag)
	}
	if !cfg.HA {
		return start(names[0], port)
	}
	var backends []string
	for _, name := range names {
		p, err := freeport.Pick()
		if err != nil {
			return err
		}
		if err := start(name, p); err != nil {
			return err
		}
		backends = append(backends, "127.0.0.1:"+strconv.Itoa(p))
	}
	lb, err := balancer.Listen("127.0.0.1:"+strconv.Itoa(port), backends)
	if err != nil {
		return fmt.Errorf("the balancer in front of %s: %w", strings.Join(names, ", "), err)
	}
	c.OnStop(func() { _ = lb.Close() })
	res.Backends[strings.Join(names, ", ")] = backends
	return nil
}

// metricsFlag gives a replica a free loopback address for its plain-HTTP
// /metrics, which ke-dev's Prometheus scrapes: it adds the address to
// addrs and returns the --metrics-bind-address flag.
func metricsFlag(addrs *[]string) (string, error) {
	p, err := freeport.Pick()
	if err != nil {
		return "", err
	}
	addr := "127.0.0.1:" + strconv.Itoa(p)
	*addrs = append(*addrs, addr)
	return "--metrics-bind-address=" + addr, nil
}

// startRedis runs the store of tokens, revocations and console sessions,
// with its data and generated password in the data folder.
func startRedis(ctx context.Context, c *cluster.Cluster, cfg Config) (*redis.Instance, error) {
	path, err := redis.LookPath()
	if err != nil {
		return nil, err
	}
	if cluster.PortFree(cfg.Ports.Redis) != nil {
		return nil, fmt.Errorf("port %d for redis is already in use on 127.0.0.1 (stop what holds it or choose another port with --redis-port)", cfg.Ports.Redis)
	}
	store, err := redis.Prepare(filepath.Join(c.DataDir(), "redis"), cfg.Ports.Redis, path)
	if err != nil {
		return nil, fmt.Errorf("preparing redis: %w", err)
	}
	if err := c.Launch(ctx, "redis", store.Path, store.Args(), store.Ready); err != nil {
		return nil, err
	}
	return store, nil
}

// identity gives a component its own client certificate, bound to the
// ClusterRole of its name, and returns its kubeconfig.
func identity(ctx context.Context, c *cluster.Cluster, cl client.Client, name, systemNamespace string) (string, error) {
	kubeconfig, err := c.ClientKubeconfig(name, name)
	if err != nil {
		return "", err
	}
	crb := &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name}}
	crb.RoleRef = rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: name}
	crb.Subjects = []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: name}}
	if err := cl.Create(ctx, crb); err != nil && !apierrors.IsAlreadyExists(err) {
		return "", err
	}
	// A namespaced Role of the same name in the system namespace, if the
	// manifests have one, is bound too.
	role := &rbacv1.Role{}
	if err := cl.Get(ctx, client.ObjectKey{Namespace: systemNamespace, Name: name}, role); err == nil {
		rb := &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: systemNamespace, Name: name},
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: name},
			Subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: name}}}
		if err := cl.Create(ctx, rb); err != nil && !apierrors.IsAlreadyExists(err) {
			return "", err
		}
	}
	return kubeconfig, nil
}

// startAPIServer runs ke-apiserver with a serving certificate from the
// cluster's CA, which kube-apiserver trusts when it calls ke-apiserver's
// webhooks (token review and admission).
func startAPIServer(ctx context.Context, c *cluster.Cluster, cl client.Client, cfg Config, path, name string, port int, store *redis.Instance, metrics *[]string) error {
	kubeconfig, err := identity(ctx, c, cl, "ke-apiserver", cfg.SystemNamespace)
	if err != nil {
		return err
	}
	certFile, keyFile, caFile, err := c.ServingCert("ke-apiserver-serving", "127.0.0.1", "localhost")
	if err != nil {
		return err
	}
	dir := filepath.Join(c.DataDir(), "ke-apiserver")
	secretFile, err := consoleSecret(dir)
	if err != nil {
		return err
	}
	args := []string{
		"--console-url=" + cfg.ConsoleURL(),
		"--console-client-secret-file=" + secretFile,
		"--kubeconfig=" + kubeconfig,
		"--bind-address=127.0.0.1:" + strconv.Itoa(port),
		"--issuer=" + cfg.APIServerURL(),
		"--redis-url-file=" + store.URLFile(),
		"--signing-key-file=" + filepath.Join(dir, "signing.key"),
		"--generate-signing-key",
		"--tls-cert-file=" + certFile,
		"--tls-private-key-file=" + keyFile,
		"--kubernetes-external-url=" + c.APIServerURL(),
		"--kubernetes-ca-file=" + caFile,
		"--audit-log-path=" + filepath.Join(c.LogDir(), "ke-apiserver-audit.log"),
		"--system-namespace=" + cfg.SystemNamespace,
		"--cert-dir=" + dir,
		"--admission-exempt-users=" + strings.Join(componentUsers, ","),
	}
	// ke-controller-manager reaches member clusters through ke-apiserver
	// with this token (see startControllerManagers).
	controllerToken := MulticlusterControllerTokenFile(c.DataDir())
	if err := ensureSecret(controllerToken); err != nil {
		return err
	}
	args = append(args, "--multicluster-controller-token-file="+controllerToken)
	// With several replicas, an agent's tunnel lands on one; the others
	// forward that cluster's requests to it, at its own address.
	if cfg.HA {
		args = append(args, "--multicluster-advertise-url=https://127.0.0.1:"+strconv.Itoa(port), "--multicluster-peer-ca-file="+caFile)
	}
	metricsArg, err := metricsFlag(metrics)
	if err != nil {
		return err
	}
	args = append(args, metricsArg)
	// The monitoring API reads the Prometheus ke-dev runs; without one it
	// answers that monitoring is not configured.
	if cfg.VictoriaLogsURL != "" {
		// Audit records go to the store, kube-apiserver's through its
		// audit webhook with the token ke-dev made (see the cluster).
		args = append(args, "--victorialogs-url="+cfg.VictoriaLogsURL, "--audit-kube-webhook-token-file="+AuditWebhookTokenFile(c.DataDir()))
	}
	if cfg.PrometheusURL != "" {
		args = append(args, "--prometheus-url="+cfg.PrometheusURL)
	}
	// The local pipeline executor's step logs.
	args = append(args, "--devops-work-dir="+DevOpsWorkDir(c.DataDir()))
	if cfg.AlertmanagerURL != "" {
		args = append(args, "--alertmanager-url="+cfg.AlertmanagerURL)
	}
	if cfg.JaegerURL != "" {
		args = append(args, "--jaeger-url="+cfg.JaegerURL)
	}
	// Alertmanager posts its notifications with this token (see
	// Config.NotificationWebhook).
	if _, tokenFile, err := cfg.NotificationWebhook(c.DataDir()); err == nil {
		args = append(args, "--notification-webhook-token-file="+tokenFile)
	} else {
		return err
	}
	ca, err := os.ReadFile(caFile)
	if err != nil {
		return err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca)
	tlsCfg := &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	readyz := "https://127.0.0.1:" + strconv.Itoa(port) + "/readyz"
	return c.Launch(ctx, name, path, args, func(ctx context.Context) error {
		return process.HTTPOK(ctx, readyz, tlsCfg)
	})
}

// startConsole runs ke-console with a serving certificate from the
// cluster's CA, pointed at ke-apiserver with the console client's secret
// that startAPIServer created.
func startConsole(ctx context.Context, c *cluster.Cluster, cfg Config, path, name string, port int, store *redis.Instance, metrics *[]string) error {
	secretFile := ConsoleSecretFile(c.DataDir())
	if _, err := os.Stat(secretFile); err != nil {
		return fmt.Errorf("ke-console needs ke-apiserver's console client secret (%s), which ke-apiserver's start creates: %w", secretFile, err)
	}
	certFile, keyFile, caFile, err := c.ServingCert("ke-console-serving", "127.0.0.1", "localhost")
	if err != nil {
		return err
	}
	args := []string{
		"--bind-address=127.0.0.1:" + strconv.Itoa(port),
		"--public-url=" + cfg.ConsoleURL(),
		"--redis-url-file=" + store.URLFile(),
		"--tls-cert-file=" + certFile,
		"--tls-private-key-file=" + keyFile,
		"--apiserver-url=" + cfg.APIServerURL(),
		"--apiserver-ca-file=" + caFile,
		"--client-secret-file=" + secretFile,
		"--cert-dir=" + filepath.Join(c.DataDir(), "ke-console"),
	}
	metricsArg, err := metricsFlag(metrics)
	if err != nil {
		return err
	}
	args = append(args, metricsArg)
	if cfg.ConsoleDevUIURL != "" {
		args = append(args, "--dev-ui-url="+cfg.ConsoleDevUIURL)
	}
	ca, err := os.ReadFile(caFile)
	if err != nil {
		return err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca)
	tlsCfg := &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	readyz := "https://127.0.0.1:" + strconv.Itoa(port) + "/readyz"
	return c.Launch(ctx, name, path, args, func(ctx context.Context) error {
		return process.HTTPOK(ctx, readyz, tlsCfg)
	})
}

// ConsoleSecretFile is where the console's OAuth client secret is kept.
func ConsoleSecretFile(dataDir string) string {
	return filepath.Join(dataDir, "ke-apiserver", "console-client-secret")
}

// consoleSecret creates the console client's secret once.
func consoleSecret(dir string) (string, error) {
	file := filepath.Join(dir, "console-client-secret")
	return file, ensureSecret(file)
}

// AuditWebhookTokenFile is where the token is kept with which
// kube-apiserver's audit webhook posts to ke-apiserver.
func AuditWebhookTokenFile(dataDir string) string {
	return filepath.Join(dataDir, "ke-apiserver", "audit-webhook-token")
}

// AuditWebhookToken creates the audit webhook's token once and returns it.
func AuditWebhookToken(dataDir string) (string, error) {
	file := AuditWebhookTokenFile(dataDir)
	if err := ensureSecret(file); err != nil {
		return "", err
	}
	b, err := os.ReadFile(file)
	return strings.TrimSpace(string(b)), err
}

// MulticlusterControllerTokenFile is where the token is kept with which
// ke-controller-manager reaches member clusters through ke-apiserver.
func MulticlusterControllerTokenFile(dataDir string) string {
	return filepath.Join(dataDir, "ke-apiserver", "multicluster-controller-token")
}

// ensureSecret writes a random secret (48 hex digits) to file unless it
// exists.
func ensureSecret(file string) error {
	if _, err := os.Stat(file); err == nil {
		return nil
	}
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		return err
	}
	return os.WriteFile(file, []byte(hex.EncodeToString(b)), 0o600)
}

// initialPassword returns the administrator's generated password while the
// administrator still has to change it.
func initialPassword(ctx context.Context, cl client.Client, ns string) string {
	u := &iamv1beta1.User{}
	if err := cl.Get(ctx, types.NamespacedName{Name: bootstrap.AdminUser}, u); err != nil || !u.Spec.PasswordChangeRequired {
		return ""
	}
	s := &corev1.Secret{}
	if err := cl.Get(ctx, types.NamespacedName{Namespace: ns, Name: bootstrap.AdminPasswordSecret}, s); err != nil {
		return ""
	}
	return string(s.Data["password"])
}

// DevOpsWorkDir is the local pipeline executor's folder: each run's
// workspace, logs and artifacts.
func DevOpsWorkDir(dataDir string) string { return filepath.Join(dataDir, "devops") }
