package victorialogs

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"k8s.io/client-go/rest"

	"github.com/superkube/super-kubenetes/internal/dev/freeport"
	"github.com/superkube/super-kubenetes/internal/dev/process"
)

// AgentBinary is the shipper's program in VICTORIALOGS_BIN_DIR.
const AgentBinary = "vlagent"

// AgentsConfig says how the shippers run: one vlagent per simulated node,
// as a DaemonSet runs one per node on a real cluster.
type AgentsConfig struct {
	// Path is the vlagent binary; empty looks in $VICTORIALOGS_BIN_DIR,
	// then in $PATH.
	Path string
	// StoreURL is VictoriaLogs, where the agents send what they read.
	StoreURL string
	// DataDir keeps each agent's buffer and read offsets, per node.
	DataDir string
	// Nodes are the simulated nodes; ContainersDir gives each node's
	// /var/log/containers.
	Nodes         []string
	ContainersDir func(node string) string
	// Kube reaches kube-apiserver as an identity that may read nodes and
	// watch pods.
	Kube *rest.Config
}

// LookAgentPath returns the vlagent binary to run.
func (c *AgentsConfig) LookAgentPath() (string, error) { return lookBinary(c.Path, AgentBinary) }

// EnvLauncher starts a supervised program with extra environment
// variables (cluster.Cluster does).
type EnvLauncher interface {
	LaunchWithEnv(ctx context.Context, name, path string, args, env []string, ready func(context.Context) error) error
}

// StartAgents runs a vlagent per node. A vlagent outside a pod learns its
// node as the first node kube-apiserver lists, so each one reaches
// kube-apiserver through a view of its own, served by ke-dev on loopback,
// that lists only its node: what a DaemonSet's pod knows from where it
// runs. The returned function stops the views (the agents stop with the
// cluster).
func StartAgents(ctx context.Context, l EnvLauncher, cfg *AgentsConfig) (func(), error) {
	path, err := cfg.LookAgentPath()
	if err != nil {
		return nil, err
	}
	transport, err := rest.TransportFor(cfg.Kube)
	if err != nil {
		return nil, err
	}
	target, err := url.Parse(cfg.Kube.Host)
	if err != nil {
		return nil, err
	}
	var views []*http.Server
	stop := func() {
		for _, v := range views {
			_ = v.Close()
		}
	}
	for _, node := range cfg.Nodes {
		view, addr, err := serveNodeView(target, transport, node)
		if err != nil {
			stop()
			return nil, err
		}
		views = append(views, view)
		dir := filepath.Join(cfg.DataDir, node)
		if err := os.MkdirAll(dir, 0o700); err != nil {
			stop()
			return nil, err
		}
		kubeconfig := filepath.Join(dir, "kubeconfig")
		if err := os.WriteFile(kubeconfig, []byte(viewKubeconfig(addr)), 0o600); err != nil {
			stop()
			return nil, err
		}
		if err := os.MkdirAll(cfg.ContainersDir(node), 0o755); err != nil {
			stop()
			return nil, err
		}
		port, err := freeport.Pick()
		if err != nil {
			stop()
			return nil, err
		}
		listen := "127.0.0.1:" + strconv.Itoa(port)
		args := []string{
			"-kubernetesCollector",
			"-kubernetesCollector.logsPath=" + cfg.ContainersDir(node),
			"-tmpDataPath=" + filepath.Join(dir, "buffer"),
			"-remoteWrite.url=" + cfg.StoreURL + "/insert/native",
			"-httpListenAddr=" + listen,
			"-loggerLevel=WARN",
		}
		env := []string{"KUBECONFIG=" + kubeconfig, "KUBERNETES_SERVICE_HOST=", "KUBERNETES_SERVICE_PORT="}
		health := "http://" + listen + "/health"
		if err := l.LaunchWithEnv(ctx, "vlagent-"+node, path, args, env, func(ctx context.Context) error { return process.HTTPOK(ctx, health, nil) }); err != nil {
			stop()
			return nil, err
		}
	}
	return stop, nil
}

// serveNodeView serves kube-apiserver's API on a loopback port, as the
// identity of transport, with the list of nodes narrowed to node.
func serveNodeView(target *url.URL, transport http.RoundTripper, node string) (*http.Server, string, error) {
	proxy := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			if pr.Out.URL.Path == "/api/v1/nodes" {
				q := pr.Out.URL.Query()
				q.Set("fieldSelector", "metadata.name="+node)
				pr.Out.URL.RawQuery = q.Encode()
			}
		},
		Transport:     transport,
		FlushInterval: -1, // watches stream
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", err
	}
	// An agent reads nodes, pods and namespaces (their labels go with the
	// records); the view passes nothing else.
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || !agentReads(r.URL.Path) {
			http.Error(w, "the node view of ke-dev serves an agent's reads of nodes, pods and namespaces only", http.StatusForbidden)
			return
		}
		proxy.ServeHTTP(w, r)
	})
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return srv, ln.Addr().String(), nil
}

// agentReads reports whether path is one of the reads an agent makes.
func agentReads(path string) bool {
	switch path {
	case "/api/v1/nodes", "/api/v1/pods", "/api/v1/namespaces":
		return true
	}
	return strings.HasPrefix(path, "/api/v1/nodes/") || strings.HasPrefix(path, "/api/v1/namespaces/")
}

// viewKubeconfig is a kubeconfig of the node view at addr: plain HTTP on
// loopback, the view adds the credentials.
func viewKubeconfig(addr string) string {
	return fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: node-view
  cluster:
    server: http://%s
users:
- name: vlagent
  user: {}
contexts:
- name: node-view
  context:
    cluster: node-view
    user: vlagent
current-context: node-view
`, addr)
}
