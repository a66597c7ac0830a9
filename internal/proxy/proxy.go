// Package proxy forwards the Kubernetes API to kube-apiserver as the
// calling user: /api and /apis to the cluster the platform runs on, and
// /clusters/{cluster}/api and /clusters/{cluster}/apis to the cluster named.
//
// ke-apiserver has authenticated and authorized a request before it gets
// here. The proxy drops whatever credentials and identity headers the
// client sent, adds impersonation headers for the caller, and streams the
// request and the answer through unchanged: no body is buffered, decoded or
// re-encoded, watches and log follows are flushed as they arrive, and
// upgrades (exec, attach, port-forward over SPDY or WebSocket) become raw
// connections between the client and kube-apiserver. The one exception are
// answers about the platform's users, which are read to remove passwords
// (redact.go).
package proxy

import (
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/go-logr/logr"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	clusterv1alpha1 "github.com/superkube/super-kubenetes/api/cluster/v1alpha1"
	"github.com/superkube/super-kubenetes/internal/apiserver/apistatus"
	"github.com/superkube/super-kubenetes/internal/apiserver/request"
	"github.com/superkube/super-kubenetes/internal/apiserver/responsewriters"
	"github.com/superkube/super-kubenetes/internal/apiserver/routes"
	"github.com/superkube/super-kubenetes/internal/clientidentity"
)

// Proxy serves the Kubernetes API families of ke-apiserver.
type Proxy struct {
	host    *upstream
	members *members
}

// Options are what the proxy needs besides the host cluster's config.
type Options struct {
	// Clusters reads Cluster objects (a cache is best) and the kubeconfig
	// Secrets of Direct clusters. Without it, /clusters/ knows only the
	// host cluster, by its name "host".
	Clusters client.Reader
	// SystemNamespace holds the kubeconfig Secrets of Direct clusters.
	SystemNamespace string
	// Tunnels reaches Agent clusters; without it they are unavailable.
	Tunnels Tunnels
	// Log receives failures to reach a cluster that have no request to
	// log them with.
	Log logr.Logger
}

// New returns a proxy to the host cluster's kube-apiserver, reached with
// rc (ke-apiserver's own credentials, which must allow impersonation).
func New(rc *rest.Config, opts Options) (*Proxy, error) {
	buffers := newBufferPool()
	host, err := newUpstream(clusterv1alpha1.HostClusterName, rc, opts.Log, buffers)
	if err != nil {
		return nil, fmt.Errorf("the proxy to kube-apiserver: %w", err)
	}
	return &Proxy{host: host, members: newMembers(host, opts, buffers)}, nil
}

// Install adds the proxy's routes: /api and /apis (with everything under
// them) and the same under /clusters/{cluster}.
func (p *Proxy) Install(mux routes.Mux) {
	for _, prefix := range []string{"/api", "/apis"} {
		mux.Handle(prefix, p.host)
		mux.Handle(prefix+"/", p.host)
		mux.Handle("/clusters/{cluster}"+prefix, http.HandlerFunc(p.serveCluster))
		mux.Handle("/clusters/{cluster}"+prefix+"/", http.HandlerFunc(p.serveCluster))
	}
}

// serveCluster sends a /clusters/{cluster}/... request to that cluster,
// without the prefix.
func (p *Proxy) serveCluster(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("cluster")
	up, err := p.members.upstream(r.Context(), name)
	if err != nil {
		var status apierrors.APIStatus
		if !errors.As(err, &status) {
			logr.FromContextOrDiscard(r.Context()).Error(err, "Looking up a cluster", "cluster", name)
		}
		responsewriters.WriteStatus(w, err)
		return
	}
	prefix := "/clusters/" + name // a DNS label: escaped as it is
	u := *r.URL
	u.Path = strings.TrimPrefix(u.Path, prefix)
	if u.RawPath != "" {
		u.RawPath = strings.TrimPrefix(u.RawPath, prefix)
	}
	out := r.WithContext(r.Context())
	out.URL = &u
	up.ServeHTTP(w, out)
}

// upstream forwards requests to one kube-apiserver.
type upstream struct {
	cluster string
	proxy   *httputil.ReverseProxy
}

func newUpstream(cluster string, rc *rest.Config, logger logr.Logger, buffers httputil.BufferPool) (*upstream, error) {
	rc = rest.CopyConfig(rc)
	// The identity is set per request; a configured one would replace it.
	rc.Impersonate = rest.ImpersonationConfig{}
	// Ask for gzip only when the client does, and pass it through as it comes:
	// the transport must not add Accept-Encoding and decompress on its own.
	rc.DisableCompression = true
	target, _, err := rest.DefaultServerUrlFor(rc)
	if err != nil {
		return nil, err
	}
	// One HTTP/2 transport for all ordinary requests, with its connections
	// shared by every caller.
	normal, err := rest.TransportFor(rc)
	if err != nil {
		return nil, err
	}
	// Go's HTTP/2 transport cannot carry an upgrade (SPDY in particular),
	// so upgrades go over HTTP/1.1.
	h1 := rest.CopyConfig(rc)
	h1.NextProtos = []string{"http/1.1"}
	upgrade, err := rest.TransportFor(h1)
	if err != nil {
		return nil, err
	}
	up := &upstream{cluster: cluster}
	up.proxy = &httputil.ReverseProxy{
		Rewrite:       func(pr *httputil.ProxyRequest) { rewrite(pr, target) },
		Transport:     &transport{normal: normal, upgrade: upgrade},
		FlushInterval: -1,
		BufferPool:    buffers,
		ErrorHandler:  up.failed,
		ErrorLog:      log.New(logWriter{logr: logger.WithValues("cluster", cluster)}, "", 0),

		// Answers about users lose their passwords (redact.go).
		ModifyResponse: redactResponse,
	}
	return up, nil
}

// ServeHTTP forwards the request as the caller.
func (u *upstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if _, ok := request.UserFrom(r.Context()); !ok {
		responsewriters.WriteStatus(w, apistatus.Unauthorized("log in first"))
		return
	}
	if isUsersPath(r.URL.Path) {
		if isUpgrade(r.Header) {
			responsewriters.WriteStatus(w, apistatus.BadRequest("Upgrade", "users are served over plain HTTP only; watch them without WebSocket"))
			return
		}
		r = r.WithContext(withUserRedaction(r.Context()))
	}
	u.proxy.ServeHTTP(w, r)
}

// failed answers a request kube-apiserver did not answer.
func (u *upstream) failed(w http.ResponseWriter, r *http.Request, err error) {
	log := logr.FromContextOrDiscard(r.Context())
	if r.Context().Err() != nil {
		log.V(4).Info("The caller went away before kube-apiserver answered", "cluster", u.cluster, "path", r.URL.Path)
	} else {
		log.Error(err, "Forwarding to kube-apiserver failed", "cluster", u.cluster, "path", r.URL.Path)
	}
	// Unreachable is mostly for a moment (kube-apiserver restarting): the
	// caller may try again, as after the guard's answers.
	w.Header().Set("Retry-After", strconv.Itoa(RetryAfterSeconds))
	responsewriters.WriteStatus(w, apistatus.New(http.StatusServiceUnavailable, metav1.StatusReasonServiceUnavailable,
		fmt.Sprintf("the Kubernetes API of cluster %q did not answer", u.cluster), apistatus.RetryAfter(RetryAfterSeconds)))
}

// rewrite turns the client's request into the one sent to kube-apiserver.
func rewrite(pr *httputil.ProxyRequest, target *url.URL) {
	pr.SetURL(target)
	h := pr.Out.Header
	clientidentity.Remove(h)
	if u, ok := request.UserFrom(pr.In.Context()); ok {
		impersonate(h, u)
	}
	if redactsUsers(pr.In.Context()) {
		onlyJSON(h)
	}
	setClientAddress(h, pr.In)
}

// setClientAddress drops every forwarding header the client sent and
// names, in X-Forwarded-For, the client's address as ke-apiserver
// determined it (trusting forwarding headers only from its trusted
// proxies), so that kube-apiserver's audit log shows that address.
func setClientAddress(h http.Header, in *http.Request) {
	clientidentity.RemoveForwarding(h)
	ip := request.ClientIPFrom(in.Context())
	if ip == "" {
		if host, _, err := net.SplitHostPort(in.RemoteAddr); err == nil {
			ip = host
		}
	}
	if ip != "" {
		h.Set("X-Forwarded-For", ip)
	}
}

// errNoIdentity stops a request that would otherwise reach kube-apiserver
// with ke-apiserver's own identity.
var errNoIdentity = errors.New("refusing to forward a request without an identity to impersonate")

// transport sends upgrades over HTTP/1.1 and everything else over the
// shared HTTP/2 connections, and never a request without impersonation.
type transport struct {
	normal, upgrade http.RoundTripper
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if len(req.Header[headerUser]) == 0 {
		return nil, errNoIdentity
	}
	if isUpgrade(req.Header) {
		return t.upgrade.RoundTrip(req)
	}
	return t.normal.RoundTrip(req)
}

// isUpgrade reports whether the request asks to switch protocols.
func isUpgrade(h http.Header) bool {
	for _, v := range h["Connection"] {
		for _, token := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(token), "upgrade") {
				return true
			}
		}
	}
	return false
}

// bufferPool holds the copy buffers of a proxy's upstreams.
type bufferPool struct{ pool sync.Pool }

func newBufferPool() *bufferPool {
	return &bufferPool{pool: sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}}
}

func (p *bufferPool) Get() []byte { return *(p.pool.Get().(*[]byte)) }

func (p *bufferPool) Put(b []byte) { p.pool.Put(&b) }

// logWriter passes the reverse proxy's own messages (such as a stream
// broken by kube-apiserver) to the log, where operators look.
type logWriter struct{ logr logr.Logger }

func (l logWriter) Write(p []byte) (int, error) {
	l.logr.V(2).Info("Proxy stream", "message", strings.TrimSpace(string(p)))
	return len(p), nil
}
