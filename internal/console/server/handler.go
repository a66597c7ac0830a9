// Package server builds ke-console's HTTP handler: one function puts the
// routes together (the SPA, the auth endpoints, the forwarded API, health)
// and wraps them in the filter chain.
package server

import (
	"context"
	"net/http"
	"strings"

	"github.com/go-logr/logr"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/superkube/super-kubenetes/internal/apiserver/apistatus"
	"github.com/superkube/super-kubenetes/internal/apiserver/requestbody"
	"github.com/superkube/super-kubenetes/internal/apiserver/responsewriters"
	"github.com/superkube/super-kubenetes/internal/httpfilters"
)

// ForwardedPrefixes are the paths, below the base path, that go to
// ke-apiserver; ForwardedPaths are single paths that do.
var (
	ForwardedPrefixes = []string{"kapis/", "api/", "apis/", "oauth/", "clusters/"}
	ForwardedPaths    = []string{"version"}
)

// PublicPrefixes are forwarded without the session's token: the session
// works through auth/, and a token on oauth/authorize would grant a code to
// whatever client a link names, without the user's consent.
var PublicPrefixes = []string{"oauth/"}

// DefaultMaxAuthBodyBytes bounds the bodies of the auth endpoints.
const DefaultMaxAuthBodyBytes = 64 << 10

// Sessions is what the handler needs of the session manager.
type Sessions interface {
	// WithSession puts the request's session in its context.
	WithSession(h http.Handler) http.Handler
	// Handler serves auth/* and oauth/callback below the base path.
	Handler() http.Handler
}

// Deps are what the handler is built from.
type Deps struct {
	Log logr.Logger
	// BasePath is where the console lives, with a slash at both ends.
	BasePath string
	// Origin is the console's origin as browsers see it, for the CSRF and
	// WebSocket checks.
	Origin string
	// HSTS sets Strict-Transport-Security (the console is served over https).
	HSTS     bool
	UI       http.Handler
	Sessions Sessions
	// API forwards to ke-apiserver.
	API http.Handler
	// Ready reports whether the console can serve (its session store answers).
	Ready            func(ctx context.Context) error
	MaxAuthBodyBytes int64
}

// NewHandler returns ke-console's whole handler.
func NewHandler(d Deps) http.Handler {
	if d.MaxAuthBodyBytes <= 0 {
		d.MaxAuthBodyBytes = DefaultMaxAuthBodyBytes
	}
	b := d.BasePath
	mux := http.NewServeMux()
	health := map[string]http.HandlerFunc{
		"healthz": ok, "livez": ok,
		"readyz": func(w http.ResponseWriter, r *http.Request) {
			if err := d.Ready(r.Context()); err != nil {
				w.Header().Set("Content-Type", "text/plain; charset=utf-8")
				w.WriteHeader(http.StatusServiceUnavailable)
				_, _ = w.Write([]byte("not ready: " + err.Error() + "\n"))
				return
			}
			ok(w, r)
		},
	}
	for name, f := range health {
		mux.HandleFunc("GET /"+name, f)
		if b != "/" {
			mux.HandleFunc("GET "+b+name, f)
		}
	}

	authHandler := d.Sessions.WithSession(WithCSRF(requestbody.WithLimit(d.Sessions.Handler(), d.MaxAuthBodyBytes), d.Origin, false))
	mux.Handle(b+"auth/", authHandler)
	mux.Handle(b+"oauth/callback", authHandler)

	api := WithUpgradeOrigin(d.Sessions.WithSession(WithCSRF(d.API, d.Origin, true)), d.Origin)
	for _, p := range ForwardedPrefixes {
		mux.Handle(b+p, api)
	}
	for _, p := range ForwardedPaths {
		mux.Handle(b+p, api)
	}

	// Everything else below the base path is the single-page app (and, in
	// development, Vite's WebSocket).
	mux.Handle(b, WithUpgradeOrigin(d.UI, d.Origin))
	if b != "/" {
		mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/" && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
				http.Redirect(w, r, b, http.StatusFound)
				return
			}
			responsewriters.WriteStatus(w, apistatus.New(http.StatusNotFound, metav1.StatusReasonNotFound,
				"the console lives under "+b))
		})
	}

	// Innermost first: the request passes them in the opposite order.
	var h http.Handler = mux
	h = WithSecurityHeaders(h, d.HSTS)
	h = WithRequestLog(h, func(p string) bool { return forwardedWithQuery(b, p) })
	h = httpfilters.WithPanicRecovery(h, d.Log)
	h = httpfilters.WithRequestID(h, d.Log)
	return h
}

// forwardedWithQuery tells the paths whose query strings may be logged:
// the forwarded Kubernetes and platform APIs, not oauth/ nor auth/.
func forwardedWithQuery(base, p string) bool {
	rest, ok := strings.CutPrefix(p, base)
	if !ok {
		return false
	}
	for _, prefix := range []string{"kapis/", "api/", "apis/", "clusters/"} {
		if strings.HasPrefix(rest, prefix) {
			return true
		}
	}
	return false
}

func ok(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok"))
}
