// Package app holds the ke-dev command: up, down and reset for the local
// cluster, and the platform components that run on it.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/superkube/super-kubenetes/internal/dev/freeport"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/sys/unix"
	kerrors "k8s.io/apimachinery/pkg/util/errors"

	"github.com/superkube/super-kubenetes/internal/authn"
	"github.com/superkube/super-kubenetes/internal/dev/alertmanager"
	"github.com/superkube/super-kubenetes/internal/dev/chartrepo"
	"github.com/superkube/super-kubenetes/internal/dev/cluster"
	"github.com/superkube/super-kubenetes/internal/dev/gitea"
	"github.com/superkube/super-kubenetes/internal/dev/jaeger"
	"github.com/superkube/super-kubenetes/internal/dev/mailpit"
	"github.com/superkube/super-kubenetes/internal/dev/member"
	"github.com/superkube/super-kubenetes/internal/dev/platform"
	"github.com/superkube/super-kubenetes/internal/dev/prometheus"
	"github.com/superkube/super-kubenetes/internal/dev/victorialogs"
	"github.com/superkube/super-kubenetes/internal/logging/auditstore"
)

// Options are the flags shared by every ke-dev command.
type Options struct {
	Cluster cluster.Config
	// Platform locates and configures the platform's components.
	Platform platform.Config
	// Prometheus is the Prometheus ke-dev runs; its DataDir, when empty, is
	// the cluster's data folder's prometheus folder.
	Prometheus prometheus.Config
	// NoPrometheus runs the cluster without Prometheus.
	NoPrometheus bool
	// Logs is the log store ke-dev runs (VictoriaLogs, with a vlagent per
	// node); its DataDir, when empty, is the data folder's victorialogs.
	Logs victorialogs.Config
	// NoLogs runs the cluster without the log store and its shippers.
	NoLogs bool
	// Alertmanager receives Prometheus's alerts; its DataDir, when empty,
	// is the data folder's alertmanager.
	Alertmanager alertmanager.Config
	// Mail is the SMTP sink (Mailpit) that e-mail notifications go to; its
	// DataDir, when empty, is the data folder's mailpit.
	Mail mailpit.Config
	// NoAlerting runs the cluster without Alertmanager and Mailpit.
	NoAlerting bool
	// Gitea is the Git server of the DevOps module; its DataDir, when
	// empty, is the data folder's gitea.
	Gitea gitea.Config
	// NoGitea runs the cluster without Gitea.
	NoGitea bool
	// Jaeger is the trace store (OTLP in, query API out); its DataDir,
	// when empty, is the data folder's jaeger.
	Jaeger jaeger.Config
	// NoJaeger runs the cluster without Jaeger.
	NoJaeger bool
	// WebhookSinkPort is where ke-dev's webhook sink listens (a webhook
	// Receiver of the platform sends to it); 0 runs none.
	WebhookSinkPort int
	// ChartRepoPort is where ke-dev serves the demo chart repository (the
	// charts of ChartsDir), which the trusted Repository "demo" points at;
	// 0 serves none.
	ChartRepoPort int
	ChartsDir     string
	// MeshSimPort is where the mesh traffic simulator serves Istio's
	// standard metrics, which Prometheus scrapes (job istio-mesh); 0 runs
	// none.
	MeshSimPort int
	// ExitWithParent stops the cluster when the parent process (make) dies.
	ExitWithParent bool
	// Clusters is the number of clusters, the host's included: the others
	// are member clusters (member-1, ...) that join the host's platform.
	Clusters int
	// MemberNodes is the number of simulated nodes of each member cluster.
	MemberNodes int
	// JoinMode is how the members join the host.
	JoinMode member.Mode
	// JoinAgent joins a member in agent mode (member.ModeAgent): it starts
	// the agent (cmd/ke-agent) on the member and registers the member with
	// the platform. Until it is set, agent mode is refused.
	JoinAgent member.AgentJoin
}

// NewOptions returns the defaults. The tool folders come from the
// environment that the Makefile sets, so that versions are pinned in one place
// (hack/versions.sh).
func NewOptions(out io.Writer) *Options {
	return &Options{
		Cluster: cluster.Config{
			DataDir: ".local/cluster",
			BinDir:  os.Getenv("K8S_BIN_DIR"),
			KwokDir: os.Getenv("KWOK_BIN_DIR"),
			// metrics-server runs when it is built (make tools).
			MetricsServerDir: os.Getenv("METRICS_SERVER_BIN_DIR"),
			Nodes:            3,
			NodeCPU:          "32",
			NodeMemory:       "128Gi",
			NodePods:         "110",
			Ports:            cluster.DefaultPorts(),
			Out:              out,
		},
		Platform: platform.Config{BinDir: "bin", ManifestDir: "config", SystemNamespace: "superkube-system", Ports: platform.DefaultPorts()},
		Prometheus: prometheus.Config{
			Port:          prometheus.DefaultPort,
			Retention:     prometheus.DefaultRetention,
			RetentionSize: prometheus.DefaultRetentionSize,
			RulesFile:     prometheus.DefaultRulesFile,
		},
		Logs: victorialogs.Config{
			Port:          victorialogs.DefaultPort,
			Retention:     victorialogs.DefaultRetention,
			RetentionSize: victorialogs.DefaultRetentionSize,
		},
		Alertmanager: alertmanager.Config{Port: alertmanager.DefaultPort},
		Mail:         mailpit.Config{Port: mailpit.DefaultPort, SMTPPort: mailpit.DefaultSMTPPort},
		Gitea:        gitea.Config{Port: gitea.DefaultPort},
		Jaeger: jaeger.Config{Port: jaeger.DefaultPort, OTLPGRPCPort: jaeger.DefaultOTLPGRPCPort, OTLPHTTPPort: jaeger.DefaultOTLPHTTPPort,
			MaxTraces: jaeger.DefaultMaxTraces},
		WebhookSinkPort: DefaultWebhookSinkPort,
		ChartRepoPort:   chartrepo.DefaultPort,
		ChartsDir:       chartrepo.DefaultDir,
		MeshSimPort:     DefaultMeshSimPort,
		Clusters:        1,
		MemberNodes:     2,
		JoinMode:        member.ModeAgent,
	}
}

// AddFlags registers the flags that locate the cluster.
func (o *Options) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.Cluster.DataDir, "data-dir", o.Cluster.DataDir, "Folder that keeps the cluster's certificates, etcd data, kubeconfig and logs")
}

// AddUpFlags registers the flags of `up`.
func (o *Options) AddUpFlags(fs *pflag.FlagSet) {
	c := &o.Cluster
	fs.StringVar(&c.BinDir, "bin-dir", c.BinDir, "Folder with etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kubectl (default $K8S_BIN_DIR)")
	fs.StringVar(&c.KwokDir, "kwok-dir", c.KwokDir, "Folder with kwok and its stages (default $KWOK_BIN_DIR)")
	fs.StringVar(&o.Platform.BinDir, "platform-bin-dir", o.Platform.BinDir, "Folder with the platform's binaries")
	fs.StringVar(&o.Platform.ManifestDir, "manifest-dir", o.Platform.ManifestDir, "The repository's config folder, with the CRDs and RBAC to install")
	fs.IntVar(&o.Platform.Ports.ControllerManagerHealth, "ke-controller-manager-health-port", o.Platform.Ports.ControllerManagerHealth, "ke-controller-manager's /healthz and /readyz port")
	fs.IntVar(&o.Platform.Ports.ControllerManagerMetrics, "ke-controller-manager-metrics-port", o.Platform.Ports.ControllerManagerMetrics, "ke-controller-manager's metrics port")
	fs.IntVar(&o.Platform.Ports.APIServer, "ke-apiserver-port", o.Platform.Ports.APIServer, "ke-apiserver's HTTPS port")
	fs.IntVar(&o.Platform.Ports.Console, "ke-console-port", o.Platform.Ports.Console, "ke-console's HTTPS port (the web console)")
	fs.IntVar(&o.Platform.Ports.Redis, "redis-port", o.Platform.Ports.Redis, "Port of Redis, the store of ke-apiserver's tokens and ke-console's sessions")
	fs.BoolVar(&o.Platform.HA, "ha", o.Platform.HA, "Run two replicas of ke-controller-manager (leader election), ke-apiserver and ke-console, the latter two behind a balancer on their usual ports")
	fs.StringVar(&o.Platform.ConsoleDevUIURL, "ke-console-dev-ui-url", o.Platform.ConsoleDevUIURL, "Have ke-console serve the UI from Vite's dev server at this URL (make run-ui-dev starts it), with hot reload")
	fs.BoolVar(&o.ExitWithParent, "exit-with-parent", o.ExitWithParent, "Stop everything when the parent process (for example make) goes away")
	fs.IntVar(&c.Nodes, "nodes", c.Nodes, "Number of simulated nodes")
	fs.IntVar(&o.Clusters, "clusters", o.Clusters, "Number of clusters, the host included: each other one is a member cluster (member-1, ...) with its own control plane and nodes on free ports, data in <data-dir>/members, joined to the platform as a Cluster")
	fs.IntVar(&o.MemberNodes, "member-nodes", o.MemberNodes, "Number of simulated nodes of each member cluster")
	fs.StringVar((*string)(&o.JoinMode), "member-join", string(o.JoinMode), "How member clusters join the platform: direct (a kubeconfig Secret) or agent")
	fs.StringVar(&c.NodeCPU, "node-cpu", c.NodeCPU, "CPU capacity of each simulated node")
	fs.StringVar(&c.NodeMemory, "node-memory", c.NodeMemory, "Memory capacity of each simulated node")
	fs.StringVar(&c.NodePods, "node-pods", c.NodePods, "Pod capacity of each simulated node")
	fs.IntVar(&c.Ports.Etcd, "etcd-port", c.Ports.Etcd, "etcd client port")
	fs.IntVar(&c.Ports.EtcdPeer, "etcd-peer-port", c.Ports.EtcdPeer, "etcd peer port")
	fs.IntVar(&c.Ports.APIServer, "apiserver-port", c.Ports.APIServer, "kube-apiserver port")
	fs.IntVar(&c.Ports.ControllerManager, "controller-manager-port", c.Ports.ControllerManager, "kube-controller-manager health port")
	fs.IntVar(&c.Ports.Scheduler, "scheduler-port", c.Ports.Scheduler, "kube-scheduler health port")
	fs.IntVar(&c.Ports.Kubelet, "kubelet-port", c.Ports.Kubelet, "Kubelet port of the simulated nodes (exec in ke-dev's simulated shell; logs, attach and port-forward from KWOK)")
	fs.IntVar(&c.Ports.KwokServer, "kwok-server-port", c.Ports.KwokServer, "Port of KWOK's own server behind the kubelet port (0: a free port)")
	fs.StringVar(&c.MetricsServerDir, "metrics-server-dir", c.MetricsServerDir, "Folder with metrics-server (default $METRICS_SERVER_BIN_DIR; empty: no metrics.k8s.io API)")
	fs.IntVar(&c.Ports.MetricsServer, "metrics-server-port", c.Ports.MetricsServer, "metrics-server's HTTPS port (behind the metrics.k8s.io APIService)")
	fs.DurationVar(&c.ScrapeInterval, "scrape-interval", cluster.DefaultScrapeInterval, "How often Prometheus scrapes and metrics-server reads the nodes (metrics-server: at least 10s)")
	p := &o.Prometheus
	fs.BoolVar(&o.NoPrometheus, "no-prometheus", o.NoPrometheus, "Do not run Prometheus")
	fs.StringVar(&p.Path, "prometheus", p.Path, "The prometheus binary (default: prometheus in $PATH, Debian's package)")
	fs.IntVar(&p.Port, "prometheus-port", p.Port, "Prometheus's HTTP port")
	fs.DurationVar(&p.Retention, "prometheus-retention", p.Retention, "How long Prometheus keeps series")
	fs.StringVar(&p.RetentionSize, "prometheus-retention-size", p.RetentionSize, "How much disk Prometheus's series may take")
	fs.StringVar(&p.RulesFile, "prometheus-rules", p.RulesFile, "Recording rules Prometheus loads, when the file exists")
	l := &o.Logs
	fs.BoolVar(&o.NoLogs, "no-logs", o.NoLogs, "Do not run the log store (VictoriaLogs) and its shippers (vlagent)")
	fs.IntVar(&l.Port, "logs-port", l.Port, "VictoriaLogs's HTTP port")
	fs.DurationVar(&l.Retention, "logs-retention", l.Retention, "How long VictoriaLogs keeps any record (ke-controller-manager deletes container logs after 7 days and events after 30, its logRetention)")
	fs.StringVar(&l.RetentionSize, "logs-retention-size", l.RetentionSize, "How much disk VictoriaLogs's records may take")
	fs.BoolVar(&o.NoAlerting, "no-alerting", o.NoAlerting, "Do not run Alertmanager and the mail sink (Mailpit)")
	fs.StringVar(&o.Alertmanager.Path, "alertmanager", o.Alertmanager.Path, "The Alertmanager binary (default: prometheus-alertmanager in $PATH, Debian's package)")
	fs.IntVar(&o.Alertmanager.Port, "alertmanager-port", o.Alertmanager.Port, "Alertmanager's HTTP port (its API is under /api/v2)")
	fs.StringVar(&o.Alertmanager.WebhookURL, "alertmanager-webhook-url", o.Alertmanager.WebhookURL, "Send every notification of Alertmanager to this webhook (empty: alerts are kept in Alertmanager and sent nowhere)")
	fs.IntVar(&o.WebhookSinkPort, "webhook-sink-port", o.WebhookSinkPort, "Port of ke-dev's webhook sink, which a webhook receiver of the platform sends its notifications to (0: none)")
	fs.IntVar(&o.MeshSimPort, "meshsim-port", o.MeshSimPort, "Port of the mesh traffic simulator, which serves Istio's metrics from the sim.servicemesh.superkube.io annotations of workloads (0: none)")
	fs.IntVar(&o.ChartRepoPort, "chart-repo-port", o.ChartRepoPort, "Port of ke-dev's demo chart repository, the charts of --charts-dir that the app store's Repository demo syncs (0: none)")
	fs.StringVar(&o.ChartsDir, "charts-dir", o.ChartsDir, "Folder of chart sources that ke-dev packages and serves as the demo chart repository")
	fs.IntVar(&o.Mail.Port, "mailpit-port", o.Mail.Port, "Port of Mailpit's HTTP API (the messages it received, under /api/v1)")
	fs.IntVar(&o.Mail.SMTPPort, "mailpit-smtp-port", o.Mail.SMTPPort, "Port of Mailpit's SMTP server, which keeps every e-mail sent to it")
	fs.BoolVar(&o.NoGitea, "no-gitea", o.NoGitea, "Do not run Gitea, the Git server of the DevOps module's pipelines")
	fs.IntVar(&o.Gitea.Port, "gitea-port", o.Gitea.Port, "Gitea's HTTP port (its API under /api/v1, git over HTTP, the sample repository)")
	fs.BoolVar(&o.NoJaeger, "no-jaeger", o.NoJaeger, "Do not run Jaeger, the trace store of the service mesh's tracing API")
	fs.IntVar(&o.Jaeger.Port, "jaeger-port", o.Jaeger.Port, "Port of Jaeger's query API (/api/services, /api/traces), which ke-apiserver's tracing API reads")
	fs.IntVar(&o.Jaeger.OTLPGRPCPort, "jaeger-otlp-grpc-port", o.Jaeger.OTLPGRPCPort, "Port of Jaeger's OTLP/gRPC receiver")
	fs.IntVar(&o.Jaeger.OTLPHTTPPort, "jaeger-otlp-http-port", o.Jaeger.OTLPHTTPPort, "Port of Jaeger's OTLP/HTTP receiver (spans to /v1/traces)")
	fs.IntVar(&o.Jaeger.MaxTraces, "jaeger-max-traces", o.Jaeger.MaxTraces, "Traces Jaeger's memory store keeps (the oldest go first)")
	fs.IntVar(&o.Platform.Ports.QuotaWebhook, "ke-controller-manager-quota-webhook-port", o.Platform.Ports.QuotaWebhook, "Port of ke-controller-manager's workspace quota webhook, which kube-apiserver calls")
	fs.IntVar(&o.Platform.Ports.StateMetrics, "ke-controller-manager-state-metrics-port", o.Platform.Ports.StateMetrics, "Port of ke-controller-manager's object-state exporter (kube-state-metrics' series)")
}

// Validate checks the options of `up`.
func (o *Options) Validate() []error {
	errs := o.Cluster.Validate()
	if o.Cluster.BinDir == "" {
		errs = append(errs, errors.New("--bin-dir is not set (run through `make run`, or set K8S_BIN_DIR)"))
	}
	if o.Cluster.KwokDir == "" {
		errs = append(errs, errors.New("--kwok-dir is not set (run through `make run`, or set KWOK_BIN_DIR)"))
	}
	if o.Clusters < 1 || o.Clusters > maxClusters {
		errs = append(errs, fmt.Errorf("--clusters must be between 1 (the host alone) and %d, got %d", maxClusters, o.Clusters))
	}
	if o.MemberNodes < 0 || o.MemberNodes > 1000 {
		errs = append(errs, fmt.Errorf("--member-nodes must be between 0 and 1000, got %d", o.MemberNodes))
	}
	if !o.JoinMode.Valid() {
		errs = append(errs, fmt.Errorf("--member-join must be %s or %s, got %q", member.ModeDirect, member.ModeAgent, o.JoinMode))
	}
	if o.JoinMode == member.ModeAgent && o.JoinAgent == nil && o.Clusters > 1 {
		if _, err := os.Stat(o.agentPath()); err != nil {
			errs = append(errs, fmt.Errorf("--member-join agent needs ke-agent in --platform-bin-dir (make build), or use --member-join direct: %w", err))
		}
	}
	return errs
}

// agentPath is ke-agent among the platform's binaries.
func (o *Options) agentPath() string { return filepath.Join(o.Platform.BinDir, "ke-agent") }

// maxClusters bounds --clusters: each member runs five processes more.
const maxClusters = 10

// NewCommand returns the ke-dev root command.
func NewCommand(out io.Writer) *cobra.Command {
	o := NewOptions(out)
	root := &cobra.Command{
		Use:           "ke-dev",
		Short:         "Run the local development cluster of Super Kubenetes",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	o.AddFlags(root.PersistentFlags())

	up := &cobra.Command{
		Use:   "up",
		Short: "Start the local cluster and the platform components, until Ctrl-C or SIGTERM",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if errs := o.Validate(); len(errs) > 0 {
				return kerrors.NewAggregate(errs)
			}
			// Programs given files under the data folder (Alertmanager's
			// configuration names the CA) may resolve a relative path
			// against another folder than ke-dev's.
			abs, err := filepath.Abs(o.Cluster.DataDir)
			if err != nil {
				return err
			}
			o.Cluster.DataDir = abs
			reserveGivenPorts(cmd.Flags())
			return o.RunUp(cmd.Context())
		},
	}
	o.AddUpFlags(up.Flags())

	down := &cobra.Command{
		Use:   "down",
		Short: "Stop the local cluster started by `ke-dev up`, keeping its data",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			return o.down(out)
		},
	}
	reset := &cobra.Command{
		Use:   "reset",
		Short: "Stop the local cluster and delete its data",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if err := o.down(out); err != nil {
				return err
			}
			// The members' data folders are in the host's.
			return cluster.Remove(&o.Cluster, out)
		},
	}
	root.AddCommand(up, down, reset, newTracesCommand(o, out))
	return root
}

// reserveGivenPorts keeps the ports given on the command line out of the
// free ports ke-dev picks for what it was given none for: a caller (the
// tests) picks ports that are free when it picks them but not yet bound
// when ke-dev picks its own, and the same port given to two components
// stops the second (seen in CI: Prometheus's port taken by one picked
// inside ke-dev).
func reserveGivenPorts(fs *pflag.FlagSet) {
	fs.Visit(func(f *pflag.Flag) {
		if !strings.HasSuffix(f.Name, "-port") {
			return
		}
		if n, err := strconv.Atoi(f.Value.String()); err == nil && n > 0 {
			freeport.Reserve(n)
		}
	})
}

// RunUp starts the cluster, reports how to use it and waits for a signal.
func (o *Options) RunUp(ctx context.Context) error {
	out := o.Cluster.Out
	if o.JoinAgent == nil {
		o.JoinAgent = member.RunAgent(o.agentPath())
	}
	if o.ExitWithParent {
		// SIGTERM arrives when the parent dies and is handled like Ctrl-C.
		if err := unix.Prctl(unix.PR_SET_PDEATHSIG, uintptr(unix.SIGTERM), 0, 0, 0); err != nil {
			return fmt.Errorf("asking to be stopped with the parent: %w", err)
		}
	}
	// kube-apiserver asks ke-apiserver about the platform's kubeconfig
	// tokens when ke-apiserver runs.
	if _, err := os.Stat(filepath.Join(o.Platform.BinDir, "ke-apiserver")); err == nil {
		o.Cluster.TokenWebhookURL = o.Platform.APIServerURL() + authn.TokenReviewPath
		// With a log store, kube-apiserver posts its audit events to
		// ke-apiserver, which keeps them there.
		if _, err := o.Logs.LookPath(); err == nil && !o.NoLogs {
			tok, err := platform.AuditWebhookToken(o.Cluster.DataDir)
			if err != nil {
				return err
			}
			o.Cluster.AuditWebhookURL, o.Cluster.AuditWebhookToken = o.Platform.APIServerURL()+auditstore.WebhookPath, tok
		}
	}
	// The platform learns Prometheus's address before Prometheus starts: it
	// scrapes the platform's components, so it starts after them.
	if !o.NoPrometheus {
		if _, err := o.Prometheus.LookPath(); err == nil {
			o.Platform.PrometheusURL = o.Prometheus.URL()
		}
		if o.Prometheus.DataDir == "" {
			o.Prometheus.DataDir = filepath.Join(o.Cluster.DataDir, "prometheus")
		}
		o.Prometheus.ScrapeInterval = o.Cluster.ScrapeInterval
		if o.Platform.PrometheusURL != "" {
			// ke-controller-manager writes the alert rules there, before
			// Prometheus starts (it reloads Prometheus once it answers).
			rulesDir, err := filepath.Abs(filepath.Join(o.Prometheus.DataDir, "alert-rules"))
			if err != nil {
				return err
			}
			if err := os.MkdirAll(rulesDir, 0o755); err != nil {
				return err
			}
			o.Prometheus.AlertRulesDir, o.Platform.AlertRulesDir = rulesDir, rulesDir
		}
	}
	c, err := cluster.Start(ctx, &o.Cluster)
	if err != nil {
		return err
	}
	defer func() {
		fmt.Fprintln(out, "Stopping ...")
		c.Stop()
		fmt.Fprintln(out, "Stopped; the data is kept in "+o.Cluster.DataDir)
	}()
	logs, err := o.startLogs(ctx, c)
	if err != nil {
		return err
	}
	o.Platform.VictoriaLogsURL = logs.URL
	// Alertmanager sends every notification to ke-apiserver's sender, with
	// a token ke-dev makes, over TLS with the cluster's CA.
	if _, err := os.Stat(filepath.Join(o.Platform.BinDir, "ke-apiserver")); err == nil && !o.NoAlerting {
		url, tokenFile, err := o.Platform.NotificationWebhook(o.Cluster.DataDir)
		if err != nil {
			return err
		}
		_, _, caFile, err := c.ServingCert("ke-apiserver-serving", "127.0.0.1", "localhost")
		if err != nil {
			return err
		}
		o.Alertmanager.Platform = &alertmanager.PlatformWebhook{URL: url, TokenFile: tokenFile, CAFile: caFile}
	}
	alerting, err := o.startAlerting(ctx, c)
	if err != nil {
		return err
	}
	o.Platform.SMTPAddr = alerting.SMTP
	git, err := o.startGitea(ctx, c)
	if err != nil {
		return err
	}
	// The DevOps module's controllers will reach Gitea as its administrator.
	o.Platform.GiteaURL, o.Platform.GiteaUser, o.Platform.GiteaPasswordFile = git.URL, gitea.AdminUser, git.PasswordFile
	if o.WebhookSinkPort > 0 && !o.NoAlerting {
		sink, err := startWebhookSink(ctx, o.WebhookSinkPort, o.Cluster.DataDir, out)
		if err != nil {
			return err
		}
		o.Platform.WebhookSinkURL = sink.URL
		alerting.WebhookSink, alerting.WebhookSinkFile = sink.URL, sink.File
	}
	if alerting.Alertmanager != "" && !o.NoPrometheus {
		o.Prometheus.Alertmanager = o.Alertmanager.Addr()
	}
	// The alerting API manages silences in that Alertmanager.
	o.Platform.AlertmanagerURL = alerting.Alertmanager
	traces, err := o.startJaeger(ctx, c)
	if err != nil {
		return err
	}
	// The tracing API reads that Jaeger.
	o.Platform.JaegerURL = traces.URL
	res, err := platform.Start(ctx, c, o.Platform)
	if err != nil {
		return err
	}
	if err := o.startChartRepo(ctx, c); err != nil {
		return err
	}
	if git.URL != "" && res.APIServerURL != "" {
		// The DevOps demo: the sample repository's pipeline and its webhook.
		if err := SeedDevOpsDemo(ctx, c.RESTConfig, git.URL, git.PasswordFile, res.APIServerURL); err != nil {
			git.Demo = "not set up: " + err.Error()
		} else {
			git.Demo = "pipeline " + DemoDevOpsProject + "/" + DemoPipeline + " (workspace " + DemoWorkspace + ") runs on each push to the sample repository"
		}
	}
	if traces.URL != "" && res.APIServerURL != "" {
		if id, err := SeedTraceDemo(ctx, c.RESTConfig, traces.OTLPHTTP); err != nil {
			traces.Demo = "not sent: " + err.Error()
		} else {
			traces.Demo = "trace " + id + " of namespace " + DemoTraceNamespace + " (workspace " + DemoWorkspace + ")"
		}
	}
	// The service mesh demo, whose traffic the simulator makes.
	if res.APIServerURL != "" {
		if err := SeedMeshDemo(ctx, c.RESTConfig); err != nil {
			fmt.Fprintf(out, "Service mesh demo: not set up: %v\n", err)
		}
	}
	meshSim, err := o.startMeshSim(ctx, c.RESTConfig)
	if err != nil {
		return err
	}
	if meshSim != "" {
		fmt.Fprintf(out, "Service mesh: the traffic simulator serves Istio's metrics at http://%s/metrics (demo: project %s)\n", meshSim, DemoMeshProject)
	}
	prom, err := o.startPrometheus(ctx, c, res, meshSim)
	if err != nil {
		return err
	}
	members, err := o.startMembers(ctx, c, res)
	if err != nil {
		return err
	}
	if err := os.WriteFile(o.Cluster.ReadyFile(), []byte(o.Cluster.AdminKubeconfig()+"\n"), 0o644); err != nil {
		return err
	}
	o.printSummary(c, res, prom, logs, alerting, git, traces, members)
	return waitAll(ctx, c, members)
}

// startChartRepo serves the demo charts and points the Repository demo at
// them (the CRDs are installed by now).
func (o *Options) startChartRepo(ctx context.Context, c *cluster.Cluster) error {
	if o.ChartRepoPort <= 0 || !chartrepo.Exists(o.ChartsDir) {
		return nil
	}
	srv, err := chartrepo.Run(ctx, c.RESTConfig, o.ChartRepoPort, o.ChartsDir)
	if err != nil {
		return err
	}
	fmt.Fprintf(o.Cluster.Out, "App store: the demo chart repository (%s) serves %s at %s (Repository %s)\n",
		o.ChartsDir, strings.Join(srv.Charts, ", "), srv.URL, chartrepo.RepositoryName)
	return nil
}

// prometheusStatus says how Prometheus runs: its URL, or why it does not.
type prometheusStatus struct {
	URL, DataDir, Missing string
}

// startPrometheus runs Prometheus, scraping the cluster and the platform's
// running components, and writes its URL in its data folder
// (prometheus.URLFile) for the platform's configuration and the tests.
func (o *Options) startPrometheus(ctx context.Context, c *cluster.Cluster, res *platform.Result, meshSim string) (*prometheusStatus, error) {
	if o.NoPrometheus {
		return &prometheusStatus{Missing: "not started (--no-prometheus)"}, nil
	}
	if _, err := o.Prometheus.LookPath(); err != nil {
		// Not an error: the cluster runs without Prometheus, and says so.
		return &prometheusStatus{Missing: err.Error()}, nil //nolint:nilerr // reported in the summary
	}
	certFile, keyFile, caFile, err := c.ClientCert("prometheus", "prometheus", "system:monitoring")
	if err != nil {
		return nil, err
	}
	t := prometheus.Targets{Cluster: c.Endpoints(), CAFile: caFile, CertFile: certFile, KeyFile: keyFile,
		KeAPIServer: res.APIServerMetrics, KeConsole: res.ConsoleMetrics,
		KeControllerManager: res.ControllerManagerMetrics, StateMetrics: res.StateMetrics, MeshSim: []string{meshSim}}
	if err := prometheus.Start(ctx, c, &o.Prometheus, t); err != nil {
		return nil, fmt.Errorf("starting prometheus: %w", err)
	}
	if err := os.WriteFile(prometheus.URLFile(o.Prometheus.DataDir), []byte(o.Prometheus.URL()+"\n"), 0o644); err != nil {
		return nil, err
	}
	return &prometheusStatus{URL: o.Prometheus.URL(), DataDir: o.Prometheus.DataDir}, nil
}
