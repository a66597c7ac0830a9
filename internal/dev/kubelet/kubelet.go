// Package kubelet serves the kubelet port of the local cluster's simulated
// nodes. kube-apiserver sends exec, attach, port-forward and log requests
// there. Exec is answered here, by the simulated shell of
// internal/dev/simshell, so that `kubectl exec` never runs a program on the
// developer's machine; logs from the simulated containers' log files
// (internal/dev/podlogs), which the log shippers read too; attach and
// port-forward are passed to KWOK, which listens on a port of its own. Only
// clients with a certificate from the cluster's CA (kube-apiserver) are
// served.
package kubelet

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"strings"
	"time"

	"k8s.io/cri-streaming/pkg/streaming/remotecommand"
	utilexec "k8s.io/utils/exec"

	"github.com/superkube/super-kubenetes/internal/dev/simshell"
)

// Config says where the front listens and where KWOK's server is.
type Config struct {
	// Addr is the kubelet port the nodes advertise, such as 127.0.0.1:10250.
	Addr string
	// KwokURL is KWOK's own server, such as https://127.0.0.1:10249.
	KwokURL string
	// CertFile and KeyFile are the serving certificate of the simulated
	// kubelets; CAFile is the cluster's CA, which signs the serving
	// certificates and kube-apiserver's client certificate.
	CertFile, KeyFile, CAFile string
	Sandbox                   *simshell.Sandbox
	// Logs answers /containerLogs/ (internal/dev/podlogs); without it
	// KWOK does.
	Logs http.Handler
}

// Server is a running front.
type Server struct {
	srv *http.Server
	ln  net.Listener
}

// Start listens on cfg.Addr and serves until Close.
func Start(cfg Config) (*Server, error) {
	ca, err := os.ReadFile(cfg.CAFile)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(ca) {
		return nil, fmt.Errorf("no certificate in %s", cfg.CAFile)
	}
	cert, err := tls.LoadX509KeyPair(cfg.CertFile, cfg.KeyFile)
	if err != nil {
		return nil, err
	}
	backend, err := url.Parse(cfg.KwokURL)
	if err != nil {
		return nil, err
	}
	h, err := NewHandler(cfg.Sandbox, cfg.Logs, backend, &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12})
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, err
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		TLSConfig: &tls.Config{
			Certificates: []tls.Certificate{cert},
			ClientCAs:    pool,
			ClientAuth:   tls.RequireAndVerifyClientCert,
			MinVersion:   tls.VersionTLS12,
		},
	}
	go func() { _ = srv.ServeTLS(ln, "", "") }()
	return &Server{srv: srv, ln: ln}, nil
}

// Close stops serving and ends open streams.
func (s *Server) Close() {
	_ = s.srv.Close()
}

// NewHandler answers exec with the sandbox and logs with logs (when not
// nil), and passes attach, port-forward, the nodes' metrics, health checks
// and, without logs, the logs to KWOK at backend.
// Anything else is 404: in particular the kubelet's /run, which would run a
// command too.
func NewHandler(sandbox *simshell.Sandbox, logs http.Handler, backend *url.URL, backendTLS *tls.Config) (http.Handler, error) {
	if sandbox == nil {
		return nil, errors.New("a sandbox is required")
	}
	proxy := httputil.NewSingleHostReverseProxy(backend)
	proxy.Transport = &http.Transport{TLSClientConfig: backendTLS, Proxy: nil}
	proxy.FlushInterval = -1 // follow logs as they come
	mux := http.NewServeMux()
	ex := &executor{sandbox: sandbox}
	mux.Handle("/exec/", ex)
	// KWOK serves each simulated node's resource metrics and cAdvisor-style
	// series under /metrics/nodes/{node}/metrics/...: the nodes share this
	// port, so the path names the node (metrics-server reads it from the
	// node's metrics.k8s.io/resource-metrics-path annotation, Prometheus's
	// scrape jobs set it per node). KWOK's own /metrics stays behind.
	for _, p := range []string{"/attach/", "/portForward/", "/metrics/nodes/", "/healthz", "/readyz", "/livez"} {
		mux.Handle(p, proxy)
	}
	if logs == nil {
		logs = proxy
	}
	mux.Handle("/containerLogs/", logs)
	return mux, nil
}

// executor serves /exec/{namespace}/{pod}[/{uid}]/{container}?command=...
type executor struct {
	sandbox *simshell.Sandbox
}

func (e *executor) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/exec/"), "/")
	var ns, pod, uid, container string
	switch len(parts) {
	case 3:
		ns, pod, container = parts[0], parts[1], parts[2]
	case 4:
		ns, pod, uid, container = parts[0], parts[1], parts[2], parts[3]
	default:
		http.NotFound(w, r)
		return
	}
	cmd := r.URL.Query()["command"]
	if len(cmd) == 0 {
		http.Error(w, "no command given", http.StatusBadRequest)
		return
	}
	opts, err := remotecommand.NewOptions(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	remotecommand.ServeExec(w, r, e, ns+"/"+pod, uid, container, cmd, opts,
		4*time.Hour, 30*time.Second, remotecommand.SupportedStreamingProtocols)
}

// ExecInContainer runs cmd in the simulated shell of the pod.
func (e *executor) ExecInContainer(ctx context.Context, name, _ string, container string, cmd []string, in io.Reader, out, errOut io.WriteCloser, tty bool, resize <-chan remotecommand.TerminalSize, _ time.Duration) error {
	ns, pod, _ := strings.Cut(name, "/")
	if resize != nil {
		go func() {
			// The simulated terminal has no size.
			for range resize {
			}
		}()
	}
	stdout, stderr := io.Discard, io.Discard
	if out != nil {
		stdout = out
	}
	if errOut != nil {
		stderr = errOut
	}
	code := e.sandbox.Exec(ctx, simshell.Pod{Namespace: ns, Name: pod, Container: container}, cmd, in, stdout, stderr, tty)
	if code != 0 {
		return utilexec.CodeExitError{Err: fmt.Errorf("command terminated with exit code %d", code), Code: code}
	}
	return nil
}
