// Package peers lets several ke-apiserver replicas share the agents'
// tunnels: an agent holds its tunnel open to one replica, which records
// itself in the Cluster's status (status.agent.server); a request for that
// cluster that reaches another replica is forwarded, unchanged, to the
// replica that holds the tunnel, which authenticates, authorizes and serves
// it as if it had come there first.
package peers

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-logr/logr"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/controller-runtime/pkg/client"

	clusterv1alpha1 "github.com/superkube/super-kubenetes/api/cluster/v1alpha1"
	"github.com/superkube/super-kubenetes/internal/apiserver/apistatus"
	"github.com/superkube/super-kubenetes/internal/apiserver/responsewriters"
)

// HopHeader marks a request one replica forwarded to another; a replica
// never forwards such a request again.
const HopHeader = "X-Superkube-Forwarded-By"

// RetryAfterSeconds is the Retry-After of a 503 for a peer that did not answer.
const RetryAfterSeconds = 1

// Tunnels says whether this replica holds a cluster's tunnel.
type Tunnels interface {
	Connected(cluster string) bool
}

// Options configure a Forwarder.
type Options struct {
	// Clusters reads Cluster objects (a cache).
	Clusters client.Reader
	Tunnels  Tunnels
	// Self is this replica's advertised URL; empty turns forwarding off.
	Self string
	// CA verifies the peers' serving certificates (nil: the system's roots).
	CA []byte
	// ServerName, when set, is the name the peers' certificates are
	// verified for (their certificate may not name their pod address).
	ServerName string
	Log        logr.Logger
}

// Forwarder forwards the requests of clusters another replica holds.
type Forwarder struct {
	opts  Options
	proxy *httputil.ReverseProxy
}

// New returns a forwarder.
func New(opts Options) (*Forwarder, error) {
	tlsCfg := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: opts.ServerName}
	if len(opts.CA) > 0 {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(opts.CA) {
			return nil, fmt.Errorf("peers: the CA bundle holds no certificate")
		}
		tlsCfg.RootCAs = pool
	}
	// HTTP/1.1 only, so that upgrades (exec, port-forward) pass through.
	rt := &http.Transport{
		Proxy:                 nil,
		TLSClientConfig:       tlsCfg,
		TLSNextProto:          map[string]func(string, *tls.Conn) http.RoundTripper{},
		MaxIdleConnsPerHost:   64,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 0,
	}
	f := &Forwarder{opts: opts}
	f.proxy = &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			target := pr.In.Context().Value(targetKey{}).(*url.URL)
			pr.Out.URL.Scheme, pr.Out.URL.Host = target.Scheme, target.Host
			pr.Out.Host = ""
			pr.Out.Header.Set(HopHeader, opts.Self)
			// The peer sees the client's address only if it trusts this
			// replica as a proxy (trustedProxies).
			pr.SetXForwarded()
		},
		Transport:     rt,
		FlushInterval: -1,
		ErrorHandler:  f.failed,
		ErrorLog:      log.New(logWriter{opts.Log}, "", 0),
	}
	return f, nil
}

type targetKey struct{}

// Wrap forwards the requests of clusters whose tunnels another replica
// holds, and passes the rest to h.
func (f *Forwarder) Wrap(h http.Handler) http.Handler {
	if f == nil || f.opts.Self == "" {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if target := f.target(r); target != nil {
			f.proxy.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), targetKey{}, target)))
			return
		}
		h.ServeHTTP(w, r)
	})
}

// target returns the replica to forward r to, or nil to serve it here.
func (f *Forwarder) target(r *http.Request) *url.URL {
	name := clusterOf(r.URL.Path)
	if name == "" || r.Header.Get(HopHeader) != "" || f.opts.Tunnels.Connected(name) {
		return nil
	}
	c := &clusterv1alpha1.Cluster{}
	if err := f.opts.Clusters.Get(r.Context(), client.ObjectKey{Name: name}, c); err != nil {
		return nil
	}
	a := c.Status.Agent
	if c.Spec.Connection.Type != clusterv1alpha1.ConnectionAgent || a == nil || !a.Connected || a.Server == "" || a.Server == f.opts.Self {
		return nil
	}
	u, err := url.Parse(a.Server)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return nil
	}
	return u
}

// clusterOf returns the cluster a /clusters/{c}/ or /internal/clusters/{c}/
// path names, or "".
func clusterOf(path string) string {
	rest, ok := strings.CutPrefix(path, "/clusters/")
	if !ok {
		if rest, ok = strings.CutPrefix(path, "/internal/clusters/"); !ok {
			return ""
		}
	}
	name, _, _ := strings.Cut(rest, "/")
	if len(validation.IsDNS1123Label(name)) > 0 {
		return ""
	}
	return name
}

func (f *Forwarder) failed(w http.ResponseWriter, r *http.Request, err error) {
	target := r.Context().Value(targetKey{}).(*url.URL)
	name := clusterOf(r.URL.Path)
	if r.Context().Err() == nil {
		f.opts.Log.Error(err, "Forwarding to the replica that holds a cluster's tunnel", "cluster", name, "replica", target.Host)
	}
	w.Header().Set("Retry-After", strconv.Itoa(RetryAfterSeconds))
	responsewriters.WriteStatus(w, apistatus.New(http.StatusServiceUnavailable, metav1.StatusReasonServiceUnavailable,
		fmt.Sprintf("cluster %q cannot be reached: the ke-apiserver replica that holds its tunnel did not answer", name), apistatus.RetryAfter(RetryAfterSeconds)))
}

type logWriter struct{ log logr.Logger }

func (l logWriter) Write(p []byte) (int, error) {
	l.log.V(2).Info(strings.TrimSpace(string(p)))
	return len(p), nil
}
