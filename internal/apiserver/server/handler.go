// Package server builds ke-apiserver's HTTP handler: one function puts the
// routes together and wraps them in the filter chain.
package server

import (
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"k8s.io/apiserver/pkg/authentication/user"

	"github.com/superkube/super-kubenetes/internal/apiserver/apistatus"
	"github.com/superkube/super-kubenetes/internal/apiserver/filters"
	"github.com/superkube/super-kubenetes/internal/apiserver/openapi"
	"github.com/superkube/super-kubenetes/internal/apiserver/requestbody"
	"github.com/superkube/super-kubenetes/internal/apiserver/responsewriters"
	"github.com/superkube/super-kubenetes/internal/apiserver/routes"
	"github.com/superkube/super-kubenetes/internal/audit"
	"github.com/superkube/super-kubenetes/internal/httpfilters"
	"github.com/superkube/super-kubenetes/internal/version"
)

// Route installs endpoints on the mux.
type Route interface {
	Install(mux routes.Mux)
}

// Deps are what the handler is built from.
type Deps struct {
	Log           logr.Logger
	Tokens        filters.TokenAuthenticator
	Basic         filters.BasicAuthenticator
	Authorizer    filters.Authorizer
	Audit         audit.Sink
	Routes        []Route
	PublicPaths   []string
	Ready         func() error
	MaxBodyBytes  int64
	PasswordGuard filters.PasswordChangeAllowed
	Registry      *prometheus.Registry
	// AuthzRules adapt the authorization of platform routes.
	AuthzRules filters.Rules
	// Webhooks are served by exact path, outside authentication,
	// authorization and audit: kube-apiserver's under /webhooks/
	// (admission, token review; kube-apiserver audits the requests they
	// concern), and Alertmanager's notification webhook. Each checks its
	// own caller (TLS client or bearer token).
	Webhooks map[string]http.Handler
	// Internal serves /internal/, outside the users' authentication,
	// authorization and audit: the host's controllers' path to member
	// clusters, which checks its own bearer token. None when nil.
	Internal http.Handler
	// Forward, when set, wraps the whole handler past the request log: it
	// sends the requests of member clusters whose tunnels another replica
	// holds to that replica.
	Forward func(http.Handler) http.Handler
	// Streams ends long-lived requests whose credentials are revoked; none when nil.
	Streams filters.StreamTracker
	// TrustedProxies may set X-Forwarded-For (ke-console); nobody when empty.
	TrustedProxies []netip.Prefix
}

// WebhookPrefix starts the paths of Deps.Webhooks.
const WebhookPrefix = "/webhooks/"

// OperationPaths need neither authentication nor authorization.
var OperationPaths = []string{"/healthz", "/livez", "/readyz", "/version", "/openapi/v3"}

// NewHandler returns the whole ke-apiserver handler.
func NewHandler(d Deps) http.Handler {
	m := newMetrics(d.Registry)
	mux := http.NewServeMux()
	mux.Handle("/healthz", routes.Methods{http.MethodGet: ok})
	mux.Handle("/livez", routes.Methods{http.MethodGet: ok})
	mux.Handle("/readyz", routes.Methods{http.MethodGet: func(w http.ResponseWriter, _ *http.Request) {
		if err := d.Ready(); err != nil {
			http.Error(w, "not ready: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		ok(w, nil)
	}})
	mux.Handle("/version", routes.Methods{http.MethodGet: func(w http.ResponseWriter, _ *http.Request) {
		responsewriters.WriteJSON(w, http.StatusOK, version.Get())
	}})
	mux.Handle("/metrics", routes.Methods{http.MethodGet: promhttp.HandlerFor(d.Registry, promhttp.HandlerOpts{}).ServeHTTP})
	mux.Handle("/openapi/v3", routes.Methods{http.MethodGet: func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(openapi.Document)
	}})
	for _, r := range d.Routes {
		r.Install(mux)
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		responsewriters.WriteStatus(w, apistatus.New(http.StatusNotFound, "NotFound", "the server has no endpoint at "+r.URL.Path))
	})

	public := append(append([]string{}, OperationPaths...), d.PublicPaths...)
	guard := d.PasswordGuard
	if guard == nil {
		guard = func(*http.Request, user.Info) bool { return false }
	}
	// Innermost first: the request passes them in the opposite order.
	var h http.Handler = mux
	h = filters.WithAuthorization(h, d.Authorizer, public, m, d.AuthzRules)
	h = filters.WithPasswordChangeEnforcement(h, guard)
	h = filters.WithAuditCapture(h)
	h = filters.WithRevocableStreams(h, d.Streams)
	h = filters.WithAuthentication(h, d.Tokens, d.Basic)
	h = filters.WithRequestInfo(h)
	h = filters.WithAudit(h, d.Audit, time.Now)
	h = filters.WithClientIP(h, d.TrustedProxies)
	h = requestbody.WithLimit(h, d.MaxBodyBytes)
	if len(d.Webhooks) > 0 {
		h = withWebhooks(h, mux, d.Webhooks)
	}
	if d.Internal != nil {
		h = withInternal(h, mux, d.Internal)
	}
	h = m.instrument(h, mux)
	if d.Forward != nil {
		h = d.Forward(h)
	}
	h = filters.WithRequestLog(h)
	h = httpfilters.WithPanicRecovery(h, d.Log)
	h = httpfilters.WithRequestID(h, d.Log)
	return h
}

// withWebhooks serves the webhooks' paths with their own handlers, past
// the filters that are for the platform's users. The mux knows the paths
// too, for the metrics' route labels.
func withWebhooks(h http.Handler, mux *http.ServeMux, webhooks map[string]http.Handler) http.Handler {
	for path, wh := range webhooks {
		mux.Handle(path, routes.Methods{http.MethodPost: wh.ServeHTTP})
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if wh, ok := webhooks[r.URL.Path]; ok {
			wh.ServeHTTP(w, r)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// InternalPrefix starts the paths of Deps.Internal.
const InternalPrefix = "/internal/"

// withInternal serves InternalPrefix with its own handler, past the
// filters that are for the platform's users.
func withInternal(h http.Handler, mux *http.ServeMux, internal http.Handler) http.Handler {
	mux.Handle(InternalPrefix+"clusters/{cluster}/", internal)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, InternalPrefix) {
			internal.ServeHTTP(w, r)
			return
		}
		h.ServeHTTP(w, r)
	})
}

func ok(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok"))
}

// metrics are the server's Prometheus metrics.
type metrics struct {
	requests  *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	decisions *prometheus.CounterVec
}

func newMetrics(reg *prometheus.Registry) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ke_apiserver_requests_total",
			Help: "Requests by route pattern, method and response code."}, []string{"route", "method", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "ke_apiserver_request_duration_seconds",
			Help: "Request latency by route pattern.", Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16)}, []string{"route"}),
		decisions: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ke_apiserver_authorization_decisions_total",
			Help: "Authorization decisions by outcome."}, []string{"decision"}),
	}
	reg.MustRegister(m.requests, m.latency, m.decisions)
	return m
}

// Observe implements filters.Decisions.
func (m *metrics) Observe(allowed bool) {
	d := "deny"
	if allowed {
		d = "allow"
	}
	m.decisions.WithLabelValues(d).Inc()
}

// instrument counts requests by the route pattern the mux chooses (not the
// raw path, which would make a label per object).
func (m *metrics) instrument(h http.Handler, mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &codeRecorder{ResponseWriter: w, code: http.StatusOK}
		h.ServeHTTP(rec, r)
		_, pattern := mux.Handler(r)
		if pattern == "" || pattern == "/" {
			pattern = "other"
		}
		pattern = strings.TrimPrefix(pattern, r.Method+" ")
		m.requests.WithLabelValues(pattern, r.Method, itoa(rec.code)).Inc()
		m.latency.WithLabelValues(pattern).Observe(time.Since(start).Seconds())
	})
}

type codeRecorder struct {
	http.ResponseWriter
	code int
}

func (c *codeRecorder) WriteHeader(code int) {
	c.code = code
	c.ResponseWriter.WriteHeader(code)
}

func (c *codeRecorder) Unwrap() http.ResponseWriter { return c.ResponseWriter }

func (c *codeRecorder) Flush() {
	if f, ok := c.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func itoa(code int) string {
	const digits = "0123456789"
	if code < 100 || code > 999 {
		return "other"
	}
	return string([]byte{digits[code/100], digits[code/10%10], digits[code%10]})
}
