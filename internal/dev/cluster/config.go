// Package cluster runs the local development cluster: etcd, kube-apiserver,
// kube-controller-manager, kube-scheduler and KWOK on 127.0.0.1, with nodes
// and pods simulated by KWOK and its state kept in a data folder.
package cluster

import (
	"errors"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/superkube/super-kubenetes/internal/dev/process"
)

// Ports are the loopback ports the local cluster listens on.
type Ports struct {
	Etcd              int
	EtcdPeer          int
	APIServer         int
	ControllerManager int
	Scheduler         int
	Kubelet           int
	// KwokServer is KWOK's own server (logs, attach, port-forward), behind
	// the kubelet port; 0 picks a free port at start.
	KwokServer int
	// MetricsServer is metrics-server's HTTPS port, behind the
	// metrics.k8s.io APIService.
	MetricsServer int
}

// DefaultPorts are the ports used unless flags say otherwise.
func DefaultPorts() Ports {
	return Ports{
		Etcd:              12379,
		EtcdPeer:          12380,
		APIServer:         6443,
		ControllerManager: 10257,
		Scheduler:         10259,
		Kubelet:           10250,
		MetricsServer:     10251,
	}
}

// DefaultScrapeInterval is how often metrics-server and Prometheus read the
// nodes' metrics unless the configuration says otherwise.
const DefaultScrapeInterval = 15 * time.Second

// Config describes a local cluster.
type Config struct {
	// DataDir keeps certificates, etcd data, kubeconfigs and logs.
	DataDir string
	// BinDir holds etcd, kube-apiserver, kube-controller-manager,
	// kube-scheduler and kubectl.
	BinDir string
	// KwokDir holds the kwok binary and its stage configurations.
	KwokDir string
	// MetricsServerDir holds metrics-server; empty runs the cluster without
	// it (no metrics.k8s.io API).
	MetricsServerDir string
	// ScrapeInterval is how often the nodes' metrics are read (metrics-server
	// reads them at least every 10s); 0 means DefaultScrapeInterval.
	ScrapeInterval time.Duration
	// Nodes is the number of simulated nodes.
	Nodes int
	// NodePrefix starts the name of each simulated node; empty means
	// NodePrefix. A member cluster's nodes are named apart from the host's.
	NodePrefix string
	// NodeCPU, NodeMemory and NodePods are the capacity of each node.
	NodeCPU    string
	NodeMemory string
	NodePods   string
	Ports      Ports
	// TokenWebhookURL, when set, is where kube-apiserver asks ke-apiserver
	// about bearer tokens it does not know (the platform's kubeconfig
	// tokens), trusting the cluster's CA (ke-apiserver's serving certificate
	// comes from it).
	TokenWebhookURL string
	// AuditWebhookURL, when set, is where kube-apiserver posts its audit
	// events (ke-apiserver, which writes them to the log store), with the
	// bearer token AuditWebhookToken.
	AuditWebhookURL, AuditWebhookToken string
	// Name is what messages call the cluster; empty means "the local
	// cluster" (the host).
	Name string
	// Out receives progress messages.
	Out io.Writer
}

// name is what messages call the cluster.
func (c *Config) name() string {
	if c.Name == "" {
		return "the local cluster"
	}
	return c.Name
}

// title is what messages call the cluster at the start of a sentence.
func (c *Config) title() string {
	n := c.name()
	return strings.ToUpper(n[:1]) + n[1:]
}

// Validate checks the configuration and returns every problem found.
func (c *Config) Validate() []error {
	var errs []error
	if c.DataDir == "" {
		errs = append(errs, errors.New("--data-dir must not be empty"))
	}
	if c.Nodes < 0 || c.Nodes > 10000 {
		errs = append(errs, fmt.Errorf("--nodes must be between 0 and 10000, got %d", c.Nodes))
	}
	for flag, q := range map[string]string{"--node-cpu": c.NodeCPU, "--node-memory": c.NodeMemory, "--node-pods": c.NodePods} {
		if _, err := resource.ParseQuantity(q); err != nil {
			errs = append(errs, fmt.Errorf("%s %q is not a quantity", flag, q))
		}
	}
	if c.NodePrefix != "" {
		if msgs := validation.IsDNS1123Subdomain(c.NodePrefix + "0"); len(msgs) > 0 {
			errs = append(errs, fmt.Errorf("node prefix %q does not make valid node names: %s", c.NodePrefix, strings.Join(msgs, "; ")))
		}
	}
	if c.ScrapeInterval < 0 {
		errs = append(errs, fmt.Errorf("the scrape interval must not be negative, got %s", c.ScrapeInterval))
	}
	seen := map[int]string{}
	for _, p := range c.namedPorts() {
		if p.port <= 0 || p.port > 65535 {
			errs = append(errs, fmt.Errorf("port for %s must be between 1 and 65535, got %d", p.name, p.port))
			continue
		}
		if other, ok := seen[p.port]; ok {
			errs = append(errs, fmt.Errorf("port %d is given to both %s and %s", p.port, other, p.name))
		}
		seen[p.port] = p.name
	}
	return errs
}

type namedPort struct {
	name string
	port int
}

func (c *Config) namedPorts() []namedPort {
	ports := []namedPort{
		{"etcd", c.Ports.Etcd},
		{"etcd (peer)", c.Ports.EtcdPeer},
		{"kube-apiserver", c.Ports.APIServer},
		{"kube-controller-manager", c.Ports.ControllerManager},
		{"kube-scheduler", c.Ports.Scheduler},
		{"kwok (kubelet)", c.Ports.Kubelet},
	}
	if c.MetricsServerDir != "" {
		ports = append(ports, namedPort{"metrics-server", c.Ports.MetricsServer})
	}
	if c.Ports.KwokServer != 0 {
		ports = append(ports, namedPort{"kwok (its own server)", c.Ports.KwokServer})
	}
	return ports
}

// CheckPorts returns one error per port that another program already holds.
func (c *Config) CheckPorts() []error {
	var errs []error
	for _, p := range c.namedPorts() {
		if err := PortFree(p.port); err != nil {
			errs = append(errs, fmt.Errorf("port %d for %s is already in use on 127.0.0.1 (stop what holds it or choose another port with the flags)", p.port, p.name))
		}
	}
	return errs
}

// PortFree reports an error when the loopback port cannot be bound.
func PortFree(port int) error {
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return err
	}
	return l.Close()
}

// CheckBinaries returns one error per missing program.
func (c *Config) CheckBinaries() []error {
	var errs []error
	hint := "run `make tools` to build it"
	for _, b := range []string{"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubectl"} {
		if err := process.CheckBinary(b, filepath.Join(c.BinDir, b), hint); err != nil {
			errs = append(errs, err)
		}
	}
	if err := process.CheckBinary("kwok", filepath.Join(c.KwokDir, "kwok"), hint); err != nil {
		errs = append(errs, err)
	}
	if c.MetricsServerDir != "" {
		if err := process.CheckBinary("metrics-server", filepath.Join(c.MetricsServerDir, "metrics-server"), hint); err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

// Paths inside the data folder.
func (c *Config) pkiDir() string        { return filepath.Join(c.DataDir, "pki") }
func (c *Config) etcdDir() string       { return filepath.Join(c.DataDir, "etcd") }
func (c *Config) logDir() string        { return filepath.Join(c.DataDir, "logs") }
func (c *Config) kubeconfigDir() string { return filepath.Join(c.DataDir, "kubeconfigs") }
func (c *Config) kwokDir() string       { return filepath.Join(c.DataDir, "kwok") }

// podLogsDir holds each simulated node's /var/log/pods and
// /var/log/containers (internal/dev/podlogs).
func (c *Config) podLogsDir() string { return filepath.Join(c.DataDir, "nodes") }

// RunDir holds the pid files of the running processes.
func (c *Config) RunDir() string { return filepath.Join(c.DataDir, "run") }

// PidFile is where the supervising process records its pid.
func (c *Config) PidFile() string { return filepath.Join(c.RunDir(), "ke-dev.pid") }

// ReadyFile is written by ke-dev up when the cluster and the platform are ready, and removed when the cluster stops.
func (c *Config) ReadyFile() string { return filepath.Join(c.RunDir(), "ready") }

// AdminKubeconfig is the path of the cluster-admin kubeconfig.
func (c *Config) AdminKubeconfig() string { return filepath.Join(c.DataDir, "kubeconfig") }

// APIServerURL is the address of kube-apiserver.
func (c *Config) APIServerURL() string {
	return "https://127.0.0.1:" + strconv.Itoa(c.Ports.APIServer)
}
