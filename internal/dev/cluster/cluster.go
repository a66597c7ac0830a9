package cluster

import (
	"context"
	"crypto/tls"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	kerrors "k8s.io/apimachinery/pkg/util/errors"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/utils/clock"

	"github.com/superkube/super-kubenetes/internal/dev/freeport"
	"github.com/superkube/super-kubenetes/internal/dev/kubelet"
	"github.com/superkube/super-kubenetes/internal/dev/podlogs"
	"github.com/superkube/super-kubenetes/internal/dev/process"
	"github.com/superkube/super-kubenetes/internal/dev/simshell"
)

// stopGrace is how long a process may take to stop after SIGTERM.
const stopGrace = 20 * time.Second

// Cluster is a running local cluster.
type Cluster struct {
	cfg    *Config
	sup    *process.Supervisor
	Client kubernetes.Interface
	// RESTConfig is the cluster-admin configuration.
	RESTConfig *rest.Config
	// PodLogs writes the simulated containers' log files, which the
	// kubelet port serves and the log shippers read.
	PodLogs  *podlogs.Writer
	files    *files
	front    *kubelet.Server
	stopLogs context.CancelFunc
	// closers run first when the cluster stops (the platform's balancers).
	closers   []func()
	startedAt time.Time
}

// Start prepares the data folder, starts every process in order and waits
// until the cluster is ready: nodes Ready, the scheduler and the controller
// manager serving. On failure it stops what it started.
func Start(ctx context.Context, cfg *Config) (_ *Cluster, err error) {
	if errs := cfg.Validate(); len(errs) > 0 {
		return nil, kerrors.NewAggregate(errs)
	}
	if errs := cfg.CheckBinaries(); len(errs) > 0 {
		return nil, kerrors.NewAggregate(errs)
	}
	if pid := process.ReadPid(cfg.PidFile()); pid != 0 && pid != os.Getpid() && process.Alive(pid) {
		return nil, fmt.Errorf("%s in %s is already running (pid %d); stop it with `ke-dev down`", cfg.name(), cfg.DataDir, pid)
	}
	if err := os.MkdirAll(cfg.RunDir(), 0o700); err != nil {
		return nil, err
	}
	// Leftovers of a supervisor that was killed would hold the ports.
	if stale := process.KillStale(cfg.RunDir(), stopGrace); len(stale) > 0 {
		fmt.Fprintf(cfg.Out, "Stopped processes left over from an earlier run: %s\n", strings.Join(stale, ", "))
	}
	if errs := cfg.CheckPorts(); len(errs) > 0 {
		return nil, kerrors.NewAggregate(errs)
	}
	if cfg.Ports.KwokServer == 0 {
		if cfg.Ports.KwokServer, err = freeport.Pick(); err != nil {
			return nil, err
		}
	}
	if err := os.WriteFile(cfg.PidFile(), []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
		return nil, err
	}
	_ = os.Remove(cfg.ReadyFile())

	c := &Cluster{cfg: cfg, startedAt: time.Now(),
		sup: process.NewSupervisor(process.StartInDir(cfg.logDir(), cfg.RunDir()), clock.RealClock{}, cfg.Out, process.DefaultPolicy(), stopGrace)}
	defer func() {
		if err != nil {
			c.Stop()
		}
	}()

	f, err := cfg.prepare()
	c.files = f
	if err != nil {
		return nil, fmt.Errorf("preparing %s: %w", cfg.DataDir, err)
	}

	if err := c.start(ctx, "etcd", cfg.etcdArgs(), func(ctx context.Context) error {
		return process.HTTPOK(ctx, fmt.Sprintf("http://127.0.0.1:%d/health", cfg.Ports.Etcd), nil)
	}); err != nil {
		return nil, err
	}
	tlsCfg, err := adminTLS(f.admin)
	if err != nil {
		return nil, err
	}
	if err := c.start(ctx, "kube-apiserver", cfg.apiserverArgs(f), func(ctx context.Context) error {
		return process.HTTPOK(ctx, cfg.APIServerURL()+"/readyz", tlsCfg)
	}); err != nil {
		return nil, err
	}
	restCfg, err := clientcmd.BuildConfigFromFlags("", f.admin)
	if err != nil {
		return nil, err
	}
	restCfg.QPS, restCfg.Burst = 50, 100
	c.RESTConfig = restCfg
	if c.Client, err = kubernetes.NewForConfig(restCfg); err != nil {
		return nil, err
	}
	c.PodLogs = podlogs.NewWriter(cfg.podLogsDir(), c.Client)
	insecure := &tls.Config{InsecureSkipVerify: true} //nolint:gosec // health checks of loopback components with self-signed serving certificates
	if err := c.start(ctx, "kube-controller-manager", cfg.controllerManagerArgs(f), func(ctx context.Context) error {
		return process.HTTPOK(ctx, fmt.Sprintf("https://127.0.0.1:%d/healthz", cfg.Ports.ControllerManager), insecure)
	}); err != nil {
		return nil, err
	}
	if err := c.start(ctx, "kube-scheduler", cfg.schedulerArgs(f), func(ctx context.Context) error {
		return process.HTTPOK(ctx, fmt.Sprintf("https://127.0.0.1:%d/healthz", cfg.Ports.Scheduler), insecure)
	}); err != nil {
		return nil, err
	}
	if err := c.start(ctx, "kwok", cfg.kwokArgs(f), func(ctx context.Context) error {
		return process.HTTPOK(ctx, fmt.Sprintf("https://127.0.0.1:%d/healthz", cfg.Ports.KwokServer), insecure)
	}); err != nil {
		return nil, err
	}
	if err := c.startKubeletFront(f); err != nil {
		return nil, err
	}

	if err := c.ensureNodes(ctx); err != nil {
		return nil, err
	}
	if err := c.waitReady(ctx); err != nil {
		return nil, err
	}
	if cfg.MetricsServerDir != "" {
		if err := c.startMetricsServer(ctx); err != nil {
			return nil, fmt.Errorf("starting metrics-server: %w", err)
		}
	}
	logCtx, cancel := context.WithCancel(context.Background())
	c.stopLogs = cancel
	go writeSimulatedLogs(logCtx, cfg.SimulatedLogFile())
	go func() {
		if err := c.PodLogs.Run(logCtx); err != nil {
			fmt.Fprintf(cfg.Out, "ke-dev: the simulated containers' logs stopped: %v\n", err)
		}
	}()
	return c, nil
}

// start launches one process and waits until ready reports success, the
// process exits, or two minutes pass.
func (c *Cluster) start(ctx context.Context, name string, args []string, ready func(context.Context) error) error {
	path := filepath.Join(c.cfg.BinDir, name)
	if name == "kwok" {
		path = filepath.Join(c.cfg.KwokDir, name)
	}
	return c.Launch(ctx, name, path, args, ready)
}

// Launch starts a program as part of the cluster and returns once ready
// reports success. The program is stopped with the cluster, in reverse order
// of start; when it crashes it is restarted with a backoff, and if it keeps
// crashing, Wait returns why.
func (c *Cluster) Launch(ctx context.Context, name, path string, args []string, ready func(context.Context) error) error {
	return c.sup.Launch(ctx, process.Spec{Name: name, Path: path, Args: args}, ready, 2*time.Minute)
}

// LaunchWithEnv is Launch with environment variables added to ke-dev's.
func (c *Cluster) LaunchWithEnv(ctx context.Context, name, path string, args, env []string, ready func(context.Context) error) error {
	return c.sup.Launch(ctx, process.Spec{Name: name, Path: path, Args: args, Env: env}, ready, 2*time.Minute)
}

// OnStop registers something that runs in ke-dev itself (a load balancer)
// to be closed when the cluster stops, before its processes are.
func (c *Cluster) OnStop(fn func()) { c.closers = append(c.closers, fn) }

// Wait blocks until a process keeps crashing or ctx is done. It returns why
// the process is given up, or nil when ctx ended.
func (c *Cluster) Wait(ctx context.Context) error {
	return c.sup.Wait(ctx)
}

// Stop stops every process in the reverse order of their start, restarting
// none of them any more, and removes the pid and ready files.
func (c *Cluster) Stop() {
	if c.stopLogs != nil {
		c.stopLogs()
	}
	_ = os.Remove(c.cfg.ReadyFile())
	for i := len(c.closers) - 1; i >= 0; i-- {
		c.closers[i]()
	}
	c.closers = nil
	if c.front != nil {
		c.front.Close()
		c.front = nil
	}
	c.sup.Stop()
	if process.ReadPid(c.cfg.PidFile()) == os.Getpid() {
		_ = os.Remove(c.cfg.PidFile())
	}
}

// startKubeletFront serves the kubelet port of the simulated nodes: exec in
// the simulated shell, the rest passed to KWOK.
func (c *Cluster) startKubeletFront(f *files) error {
	front, err := kubelet.Start(kubelet.Config{
		Addr:     fmt.Sprintf("127.0.0.1:%d", c.cfg.Ports.Kubelet),
		KwokURL:  fmt.Sprintf("https://127.0.0.1:%d", c.cfg.Ports.KwokServer),
		CertFile: f.kubeletServ.CertFile,
		KeyFile:  f.kubeletServ.KeyFile,
		CAFile:   f.ca.CertFile,
		Sandbox:  simshell.NewSandbox(simshell.DefaultLimits(), clock.RealClock{}),
		Logs:     c.PodLogs.Handler(),
	})
	if err != nil {
		return fmt.Errorf("serving the kubelet port %d: %w", c.cfg.Ports.Kubelet, err)
	}
	c.front = front
	return nil
}

// StartedAt is when Start began.
func (c *Cluster) StartedAt() time.Time { return c.startedAt }

func adminTLS(kubeconfig string) (*tls.Config, error) {
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return nil, err
	}
	return rest.TLSConfigFor(cfg)
}
