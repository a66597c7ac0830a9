package cluster

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/superkube/super-kubenetes/internal/authn"
	"github.com/superkube/super-kubenetes/internal/dev/pki"
	"github.com/superkube/super-kubenetes/internal/dev/podlogs"
)

// files are the certificates, keys and configuration files the processes use.
type files struct {
	ca, frontProxyCA              *pki.CA
	apiserver, kubeletClient      pki.Pair
	frontProxyClient, kubeletServ pki.Pair
	serviceAccount                pki.Pair
	admin, controllerManager      string // kubeconfigs
	scheduler, kwok               string
	auditPolicy, kwokConfig       string
	auditWebhook                  string
	tokenWebhook                  string // kubeconfig of the token webhook
}

// prepare creates what is missing in the data folder: certificates, keys,
// kubeconfigs and configuration files. Existing files are kept, so a restart
// reuses them.
func (c *Config) prepare() (*files, error) {
	for _, d := range []string{c.DataDir, c.pkiDir(), c.etcdDir(), c.logDir(), c.kubeconfigDir(), c.kwokDir(), c.RunDir()} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, err
		}
	}
	var f files
	var err error
	dir := c.pkiDir()
	if f.ca, err = pki.LoadOrCreateCA(dir, "ca", "super-kubenetes-local-ca"); err != nil {
		return nil, err
	}
	if f.frontProxyCA, err = pki.LoadOrCreateCA(dir, "front-proxy-ca", "super-kubenetes-front-proxy-ca"); err != nil {
		return nil, err
	}
	hosts := []string{"127.0.0.1", "localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local", "10.96.0.1"}
	if f.apiserver, err = f.ca.Ensure(dir, pki.Leaf{Name: "apiserver", CommonName: "kube-apiserver", Hosts: hosts}); err != nil {
		return nil, err
	}
	if f.kubeletClient, err = f.ca.Ensure(dir, pki.Leaf{Name: "apiserver-kubelet-client", CommonName: "kube-apiserver-kubelet-client", Organization: []string{"system:masters"}, Client: true}); err != nil {
		return nil, err
	}
	if f.kubeletServ, err = f.ca.Ensure(dir, pki.Leaf{Name: "kwok-kubelet", CommonName: "kwok-kubelet", Hosts: []string{"127.0.0.1", "localhost"}}); err != nil {
		return nil, err
	}
	if f.frontProxyClient, err = f.frontProxyCA.Ensure(dir, pki.Leaf{Name: "front-proxy-client", CommonName: "front-proxy-client", Client: true}); err != nil {
		return nil, err
	}
	if f.serviceAccount, err = pki.EnsureRSAKey(dir, "sa"); err != nil {
		return nil, err
	}

	clients := []struct {
		target *string
		file   string
		leaf   pki.Leaf
	}{
		{&f.admin, c.AdminKubeconfig(), pki.Leaf{Name: "admin", CommonName: "kubernetes-admin", Organization: []string{"system:masters"}, Client: true}},
		{&f.controllerManager, filepath.Join(c.kubeconfigDir(), "kube-controller-manager.kubeconfig"), pki.Leaf{Name: "kube-controller-manager", CommonName: "system:kube-controller-manager", Client: true}},
		{&f.scheduler, filepath.Join(c.kubeconfigDir(), "kube-scheduler.kubeconfig"), pki.Leaf{Name: "kube-scheduler", CommonName: "system:kube-scheduler", Client: true}},
		// KWOK plays the kubelet of every simulated node and updates any pod's
		// status, which the Node authorizer would refuse to a single node.
		{&f.kwok, filepath.Join(c.kubeconfigDir(), "kwok.kubeconfig"), pki.Leaf{Name: "kwok", CommonName: "kwok-controller", Organization: []string{"system:masters"}, Client: true}},
	}
	for _, cl := range clients {
		pair, err := f.ca.Ensure(dir, cl.leaf)
		if err != nil {
			return nil, err
		}
		if err := c.writeKubeconfig(cl.file, f.ca.CertFile, pair, cl.leaf.CommonName); err != nil {
			return nil, err
		}
		*cl.target = cl.file
	}

	f.auditPolicy = filepath.Join(c.DataDir, "audit-policy.yaml")
	if err := os.WriteFile(f.auditPolicy, []byte(auditPolicy), 0o644); err != nil {
		return nil, err
	}
	if f.kwokConfig, err = c.writeKwokConfig(); err != nil {
		return nil, err
	}
	if c.TokenWebhookURL != "" {
		if f.tokenWebhook, err = c.writeWebhookConfig("token-webhook.kubeconfig", c.TokenWebhookURL, "", f.ca.CertFile); err != nil {
			return nil, err
		}
	}
	if c.AuditWebhookURL != "" {
		if f.auditWebhook, err = c.writeWebhookConfig("audit-webhook.kubeconfig", c.AuditWebhookURL, c.AuditWebhookToken, f.ca.CertFile); err != nil {
			return nil, err
		}
	}
	return &f, nil
}

// writeWebhookConfig writes a kubeconfig with which kube-apiserver calls
// one of ke-apiserver's webhooks: the token webhook (is this kubeconfig
// token the platform's, so that a revoked token or a disabled user stops
// working there within seconds) or the audit webhook. It trusts the
// cluster's CA, which issued ke-apiserver's serving certificate.
func (c *Config) writeWebhookConfig(name, url, token, caFile string) (string, error) {
	ca, err := os.ReadFile(caFile)
	if err != nil {
		return "", err
	}
	data, err := authn.WebhookKubeconfig(url, ca, token)
	if err != nil {
		return "", err
	}
	file := filepath.Join(c.DataDir, name)
	return file, os.WriteFile(file, data, 0o600)
}

// ServingCert issues a serving certificate from the cluster's CA for a
// platform component and returns its files and the CA file.
func (c *Cluster) ServingCert(name string, hosts ...string) (certFile, keyFile, caFile string, err error) {
	pair, err := c.files.ca.Ensure(c.cfg.pkiDir(), pki.Leaf{Name: name, CommonName: name, Hosts: hosts})
	if err != nil {
		return "", "", "", err
	}
	return pair.CertFile, pair.KeyFile, c.files.ca.CertFile, nil
}

func (c *Config) writeKubeconfig(file, caFile string, pair pki.Pair, user string) error {
	ca, err := os.ReadFile(caFile)
	if err != nil {
		return err
	}
	cert, err := os.ReadFile(pair.CertFile)
	if err != nil {
		return err
	}
	key, err := os.ReadFile(pair.KeyFile)
	if err != nil {
		return err
	}
	const name = "super-kubenetes-local"
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters[name] = &clientcmdapi.Cluster{Server: c.APIServerURL(), CertificateAuthorityData: ca}
	cfg.AuthInfos[user] = &clientcmdapi.AuthInfo{ClientCertificateData: cert, ClientKeyData: key}
	cfg.Contexts[name] = &clientcmdapi.Context{Cluster: name, AuthInfo: user}
	cfg.CurrentContext = name
	return clientcmd.WriteToFile(*cfg, file)
}

// auditPolicy records who changed what, leaving out reads and the node
// heartbeats that would drown everything else.
const auditPolicy = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
- level: None
  verbs: ["get", "list", "watch"]
- level: None
  resources:
  - group: "coordination.k8s.io"
    resources: ["leases"]
  - group: ""
    resources: ["nodes/status", "pods/status", "events"]
- level: Metadata
`

// kwokStages are the KWOK stage files, relative to its stage folder, that the
// local cluster uses: nodes become Ready and keep a heartbeat lease, pods
// become Running, pods of Jobs complete, and deleted pods go away.
var kwokStages = []string{
	"node/fast/node-initialize.yaml",
	"node/heartbeat-with-lease/node-heartbeat-with-lease.yaml",
	"pod/fast/pod-ready.yaml",
	"pod/fast/pod-complete.yaml",
	"pod/fast/pod-delete.yaml",
}

// podReadyStage is the stage that makes a pod's containers run.
const podReadyStage = "pod/fast/pod-ready.yaml"

// containerStatusName is how KWOK's pod stage names a container's status.
const containerStatusName = "- image: {{ .image | Quote }}\n        name: {{ .name | Quote }}\n"

// withContainerIDs gives each container status of KWOK's pod stage a
// container ID, as a container runtime does: the log files of the
// simulated containers (internal/dev/podlogs) and the shippers that read
// them name a container's log by its ID. It is the pod's uid and the
// container's name (podlogs.ContainerIDFormat), so that the same container
// keeps it and its log file is made before it runs.
func withContainerIDs(stage []byte) ([]byte, error) {
	n := strings.Count(string(stage), containerStatusName)
	if n == 0 {
		return nil, errors.New("no container status to give an ID to (KWOK's stage changed?)")
	}
	withID := containerStatusName + "        containerID: {{ printf " + strconv.Quote(podlogs.ContainerIDFormat) + " $.metadata.uid .name | Quote }}\n"
	return []byte(strings.ReplaceAll(string(stage), containerStatusName, withID)), nil
}

// SimulatedLogFile is what `kubectl attach` shows of every simulated
// container (logs come from each container's own file, internal/dev/podlogs).
func (c *Config) SimulatedLogFile() string { return filepath.Join(c.kwokDir(), "container.log") }

func (c *Config) writeKwokConfig() (string, error) {
	var b strings.Builder
	for _, s := range kwokStages {
		data, err := os.ReadFile(filepath.Join(c.KwokDir, "stages", s))
		if err != nil {
			return "", fmt.Errorf("reading KWOK stage %s (run `make tools`): %w", s, err)
		}
		if s == podReadyStage {
			if data, err = withContainerIDs(data); err != nil {
				return "", fmt.Errorf("KWOK stage %s: %w", s, err)
			}
		}
		b.WriteString("---\n")
		b.Write(data)
		b.WriteString("\n")
	}
	if _, err := os.Stat(c.SimulatedLogFile()); err != nil {
		if err := os.WriteFile(c.SimulatedLogFile(), nil, 0o644); err != nil {
			return "", err
		}
	}
	fmt.Fprintf(&b, `---
apiVersion: kwok.x-k8s.io/v1alpha1
kind: ClusterPortForward
metadata:
  name: simulated-ports
spec:
  forwards:
  - command:
    - sh
    - -c
    - 'head -c 1 >/dev/null; printf "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nsimulated pod port (KWOK runs no real container)\n"'
---
apiVersion: kwok.x-k8s.io/v1alpha1
kind: ClusterAttach
metadata:
  name: simulated-attach
spec:
  attaches:
  - logsFile: %q
`, c.SimulatedLogFile())
	b.WriteString(crashLoopStage)
	b.WriteString(kwokUsageConfig())
	// No ClusterExec: KWOK would run the command a user asks for on this
	// machine. Exec is answered by ke-dev's simulated shell instead, in front
	// of KWOK's server (internal/dev/kubelet).
	file := filepath.Join(c.kwokDir(), "kwok.yaml")
	return file, os.WriteFile(file, []byte(b.String()), 0o644)
}

// ClientKubeconfig issues a client certificate for a platform component and
// writes a kubeconfig with it; it returns the kubeconfig's path.
func (c *Cluster) ClientKubeconfig(name, commonName string, organizations ...string) (string, error) {
	file := filepath.Join(c.cfg.kubeconfigDir(), name+".kubeconfig")
	return file, c.WriteClientKubeconfig(file, name, commonName, organizations...)
}

// WriteClientKubeconfig issues a client certificate (its files named name
// in the cluster's PKI folder) and writes a kubeconfig with it, its
// certificates inline and kube-apiserver's current address, to file.
func (c *Cluster) WriteClientKubeconfig(file, name, commonName string, organizations ...string) error {
	pair, err := c.files.ca.Ensure(c.cfg.pkiDir(), pki.Leaf{Name: name, CommonName: commonName, Organization: organizations, Client: true})
	if err != nil {
		return err
	}
	return c.cfg.writeKubeconfig(file, c.files.ca.CertFile, pair, commonName)
}

// LogDir is the folder of the processes' logs.
func (c *Cluster) LogDir() string { return c.cfg.logDir() }

// DataDir is the cluster's data folder.
func (c *Cluster) DataDir() string { return c.cfg.DataDir }

// APIServerURL is kube-apiserver's address.
func (c *Cluster) APIServerURL() string { return c.cfg.APIServerURL() }

// ClientCert issues a client certificate from the cluster's CA (trusted by
// kube-apiserver, the control plane's metrics endpoints and the simulated
// kubelets) and returns its files and the CA file.
func (c *Cluster) ClientCert(name, commonName string, organizations ...string) (certFile, keyFile, caFile string, err error) {
	pair, err := c.files.ca.Ensure(c.cfg.pkiDir(), pki.Leaf{Name: name, CommonName: commonName, Organization: organizations, Client: true})
	if err != nil {
		return "", "", "", err
	}
	return pair.CertFile, pair.KeyFile, c.files.ca.CertFile, nil
}

// Endpoints are the addresses (host:port) of the cluster's components for
// scraping their metrics.
type Endpoints struct {
	APIServer, Etcd, ControllerManager, Scheduler string
	// Kubelet is the kubelet port shared by the simulated nodes; Nodes are
	// their names (ResourceMetricsPath gives each node's path on it).
	Kubelet string
	Nodes   []string
}

// Endpoints returns where the cluster's components serve their metrics.
func (c *Cluster) Endpoints() Endpoints {
	p := c.cfg.Ports
	addr := func(port int) string { return "127.0.0.1:" + strconv.Itoa(port) }
	e := Endpoints{APIServer: addr(p.APIServer), Etcd: addr(p.Etcd), ControllerManager: addr(p.ControllerManager),
		Scheduler: addr(p.Scheduler), Kubelet: addr(p.Kubelet)}
	for i := range c.cfg.Nodes {
		e.Nodes = append(e.Nodes, c.cfg.NodeName(i))
	}
	return e
}

// ScrapeInterval is how often the nodes' metrics are read.
func (c *Cluster) ScrapeInterval() time.Duration { return c.cfg.scrapeInterval() }
