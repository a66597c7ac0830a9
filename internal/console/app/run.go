package app

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"k8s.io/utils/clock"

	"github.com/superkube/super-kubenetes/internal/console/auth"
	"github.com/superkube/super-kubenetes/internal/console/proxy"
	"github.com/superkube/super-kubenetes/internal/console/server"
	"github.com/superkube/super-kubenetes/internal/console/session"
	"github.com/superkube/super-kubenetes/internal/console/ui"
	"github.com/superkube/super-kubenetes/internal/tlsserve"
	"github.com/superkube/super-kubenetes/internal/version"
)

// Deps are what Build takes besides the configuration.
type Deps struct {
	Log   logr.Logger
	Clock clock.Clock
	// UI is the SPA's build; the embedded one when nil.
	UI fs.FS
}

// Server is a built ke-console, ready to serve.
type Server struct {
	Handler http.Handler
	// Metrics serves the console's metrics: its requests by code and
	// method, with their durations, and the Go runtime's and process's.
	Metrics http.Handler
	// Store keeps the sessions (exposed for tests).
	Store session.Store
	// Sessions manages them.
	Sessions *auth.Manager
	// UIBuilt tells whether the SPA is in the binary (or proxied from Vite).
	UIBuilt bool
}

// Close releases what Build opened.
func (s *Server) Close() { _ = s.Store.Close() }

// Build assembles ke-console from its completed configuration.
func Build(ctx context.Context, cc CompletedConfig, d Deps) (*Server, error) {
	cfg := cc.Config
	secret, err := os.ReadFile(cfg.OAuth.ClientSecretFile)
	if err != nil {
		return nil, fmt.Errorf("oauth.clientSecretFile: %w", err)
	}
	if strings.TrimSpace(string(secret)) == "" {
		return nil, fmt.Errorf("oauth.clientSecretFile %s is empty", cfg.OAuth.ClientSecretFile)
	}
	apiURL, _ := url.Parse(strings.TrimSuffix(cfg.APIServer.URL, "/"))
	publicAPI := cfg.APIServer.PublicURL
	if publicAPI == "" {
		publicAPI = cfg.APIServer.URL
	}
	apiPublicURL, _ := url.Parse(strings.TrimSuffix(publicAPI, "/"))
	pub, _ := url.Parse(cfg.PublicURL)
	consoleOrigin := origin(pub)

	transport, err := apiServerTransport(cfg.APIServer.CAFile)
	if err != nil {
		return nil, err
	}
	s := &Server{}
	if cfg.RedisURL != "" {
		if s.Store, err = session.NewRedisFromURL(ctx, cfg.RedisURL, session.DefaultRedisPrefix); err != nil {
			return nil, err
		}
	} else {
		s.Store = session.NewMemory(d.Clock)
	}
	api := &auth.APIServer{URL: apiURL, ClientID: cfg.OAuth.ClientID, ClientSecret: strings.TrimSpace(string(secret)),
		HTTP: &http.Client{Transport: transport, Timeout: 30 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	if s.Sessions, err = auth.NewManager(auth.Options{Store: s.Store, APIServer: api, APIServerPublicURL: apiPublicURL,
		PublicOrigin: consoleOrigin, BasePath: cfg.BasePath, Lifetime: cfg.SessionLifetime.Duration, Clock: d.Clock}); err != nil {
		s.Close()
		return nil, err
	}
	uiOpts := ui.Options{FS: d.UI, BasePath: cfg.BasePath, OnIndex: s.Sessions.OnIndex,
		Config: ui.RuntimeConfig{BasePath: cfg.BasePath, Title: cfg.Title, Version: version.Get().GitVersion, APIServerURL: apiPublicURL.String()}}
	var uiHandler http.Handler
	if cfg.DevUIURL != "" {
		uiHandler, err = ui.NewDevServer(cfg.DevUIURL, uiOpts, d.Log)
		s.UIBuilt = true
	} else {
		var h *ui.Handler
		h, err = ui.New(uiOpts)
		if h != nil {
			s.UIBuilt, uiHandler = h.Built(), h
		}
	}
	if err != nil {
		s.Close()
		return nil, err
	}
	fwd, err := proxy.New(proxy.Options{Target: apiURL, BasePath: cfg.BasePath, Transport: transport, Credentials: s.Sessions,
		Public: server.PublicPrefixes, Log: d.Log})
	if err != nil {
		s.Close()
		return nil, err
	}
	s.Handler, s.Metrics = instrument(server.NewHandler(server.Deps{
		Log: d.Log, BasePath: cfg.BasePath, Origin: consoleOrigin, HSTS: pub.Scheme == "https",
		UI: uiHandler, Sessions: s.Sessions, API: fwd,
		Ready: func(ctx context.Context) error {
			ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
			defer cancel()
			if err := s.Store.Ping(ctx); err != nil {
				return errors.New("the session store does not answer")
			}
			return nil
		},
	}))
	return s, nil
}

// instrument counts and times the requests h serves, and returns the
// handler of those metrics with the Go runtime's and the process's.
func instrument(h http.Handler) (http.Handler, http.Handler) {
	reg := prometheus.NewRegistry()
	requests := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "ke_console_http_requests_total", Help: "Requests ke-console answered, by HTTP code and method.",
	}, []string{"code", "method"})
	duration := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "ke_console_http_request_duration_seconds", Help: "How long ke-console took to answer, by HTTP code and method (streams: until they ended).",
		Buckets: prometheus.DefBuckets,
	}, []string{"code", "method"})
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), requests, duration)
	return promhttp.InstrumentHandlerDuration(duration, promhttp.InstrumentHandlerCounter(requests, h)),
		promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
}

// apiServerTransport reaches ke-apiserver, trusting caFile (or the
// system's roots).
func apiServerTransport(caFile string) (*http.Transport, error) {
	tlsCfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("apiServer.caFile: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("apiServer.caFile %s holds no PEM certificate", caFile)
		}
		tlsCfg.RootCAs = pool
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.TLSClientConfig = tlsCfg
	t.MaxIdleConnsPerHost = 64
	// A ke-apiserver that hangs (stopped, its host gone) keeps the
	// connections the console has to it open and answers nothing: a ping
	// after a quiet while finds that out and closes them, so the requests
	// on them fail and are answered 503, while a slow answer or a quiet
	// watch of a live ke-apiserver goes on. A new connection to it fails
	// with the TLS handshake's timeout.
	t.HTTP2 = &http.HTTP2Config{SendPingTimeout: apiServerPingAfter, PingTimeout: apiServerPingTimeout}
	t.TLSHandshakeTimeout = apiServerPingAfter + apiServerPingTimeout
	return t, nil
}

// How soon a connection to ke-apiserver on which nothing arrives is
// checked with a ping, and how long the answer may take before the
// connection is closed.
const (
	apiServerPingAfter   = 5 * time.Second
	apiServerPingTimeout = 5 * time.Second
)

// Run builds and serves ke-console until ctx ends, then shuts down
// gracefully.
func Run(ctx context.Context, c CompletedConfig, clk clock.Clock) error {
	log := logr.FromContextOrDiscard(ctx)
	cfg := c.Config
	certFile, keyFile := cfg.TLS.CertFile, cfg.TLS.KeyFile
	if certFile == "" {
		pub, _ := url.Parse(cfg.PublicURL)
		var err error
		if certFile, keyFile, err = SelfSignedCert(c.CertDir, []string{pub.Hostname(), "localhost", "127.0.0.1"}); err != nil {
			return fmt.Errorf("generating a self-signed serving certificate: %w", err)
		}
		log.Info("Serving with a self-signed certificate; configure tls for anything but local use", "cert", certFile, "fingerprint", tlsserve.Fingerprint(certFile))
	}
	s, err := Build(ctx, c, Deps{Log: log, Clock: clk})
	if err != nil {
		return err
	}
	defer s.Close()
	if !s.UIBuilt {
		log.Info("The console UI is not built into this binary: pages answer 503 until it is built with make build")
	}
	if cfg.MetricsBindAddress != "" {
		if err := tlsserve.ServeMetrics(ctx, cfg.MetricsBindAddress, s.Metrics, log); err != nil {
			return fmt.Errorf("metricsBindAddress: %w", err)
		}
	}
	ln, err := net.Listen("tcp", cfg.BindAddress)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: s.Handler, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second, MaxHeaderBytes: 64 << 10}
	log.Info("Serving", "address", ln.Addr().String(), "publicURL", cfg.PublicURL, "basePath", cfg.BasePath, "apiserver", cfg.APIServer.URL,
		"sessions", map[bool]string{true: "redis", false: "memory"}[cfg.RedisURL != ""], "version", version.Get().GitVersion)
	return tlsserve.Serve(ctx, srv, ln, certFile, keyFile, shutdownGrace, log)
}

// shutdownGrace is how long requests in flight may take to finish; streams
// (watches, event streams) still open then are cut.
const shutdownGrace = 15 * time.Second

// SelfSignedCert writes a self-signed serving certificate for the hosts
// into dir unless one is there, and returns its files.
func SelfSignedCert(dir string, hosts []string) (string, string, error) {
	return tlsserve.SelfSigned(dir, "ke-console", hosts)
}
