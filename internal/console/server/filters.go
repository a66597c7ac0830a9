package server

import (
	"crypto/subtle"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-logr/logr"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/superkube/super-kubenetes/internal/apiserver/apistatus"
	"github.com/superkube/super-kubenetes/internal/apiserver/responsewriters"
	"github.com/superkube/super-kubenetes/internal/console/auth"
	"github.com/superkube/super-kubenetes/internal/console/session"
	"github.com/superkube/super-kubenetes/internal/console/ui"
	"github.com/superkube/super-kubenetes/internal/httpfilters"
)

// WithRequestLog logs every request when it ends, with the logger of its
// context (httpfilters.WithRequestID's, which carries the request id), at
// -v=1, server errors always: method, path, status, size and duration. It
// never logs cookies, headers or bodies, and logs query strings only of the
// forwarded API, whose queries are selectors, not credentials.
func WithRequestLog(h http.Handler, loggedQueries func(path string) bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l := logr.FromContextOrDiscard(r.Context())
		start := time.Now()
		rec := &httpfilters.Recorder{ResponseWriter: w}
		h.ServeHTTP(rec, r)
		code := rec.Answered()
		kv := []any{"method", r.Method, "path", r.URL.Path, "status", code, "bytes", rec.Bytes, "duration", time.Since(start).Round(time.Microsecond).String()}
		if r.URL.RawQuery != "" && loggedQueries(r.URL.Path) {
			kv = append(kv, "query", r.URL.RawQuery)
		}
		if code >= 500 {
			l.Info("Request failed", kv...)
		} else {
			l.V(1).Info("Request", kv...)
		}
	})
}

// ContentSecurityPolicy is the policy of every response, for a nonce.
func ContentSecurityPolicy(nonce string) string {
	return "default-src 'self'; script-src 'self' 'nonce-" + nonce + "'; style-src 'self' 'unsafe-inline'; " +
		"img-src 'self' data: blob: https:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; " +
		"frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"
}

// WithSecurityHeaders sets the security headers on every response, with a
// fresh CSP nonce that index.html's scripts carry (see ui.NonceFrom), and
// Strict-Transport-Security when the browser reaches the console over https.
func WithSecurityHeaders(h http.Handler, hsts bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		nonce := ui.NewNonce()
		hd := w.Header()
		hd.Set("Content-Security-Policy", ContentSecurityPolicy(nonce))
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Referrer-Policy", "same-origin")
		hd.Set("Cross-Origin-Opener-Policy", "same-origin")
		hd.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		if hsts {
			hd.Set("Strict-Transport-Security", "max-age="+strconv.Itoa(365*24*3600))
		}
		h.ServeHTTP(w, r.WithContext(ui.WithNonce(r.Context(), nonce)))
	})
}

func forbidden(w http.ResponseWriter, msg string) {
	responsewriters.WriteStatus(w, apistatus.New(http.StatusForbidden, metav1.StatusReasonForbidden, msg))
}

// safeMethod tells methods that change nothing.
func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions || m == http.MethodTrace
}

// WithCSRF refuses cross-site request forgery, by double submit: an unsafe
// request (POST, PUT, PATCH, DELETE ...) must carry the X-CSRF-Token header
// equal to the ke-csrf cookie and, with a session, to the session's value;
// an Origin header, when present, must be the console's. With sameSiteOnly
// (the forwarded API), requests that the browser marks as coming from
// another site (Sec-Fetch-Site) are refused whatever their method, so that
// a link elsewhere cannot use the session for a GET either. It expects the
// session in the context (auth.Manager.WithSession).
func WithCSRF(h http.Handler, origin string, sameSiteOnly bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if site := r.Header.Get("Sec-Fetch-Site"); sameSiteOnly && (site == "cross-site" || site == "same-site") {
			forbidden(w, "requests from other sites may not use the console's API (CSRF protection)")
			return
		}
		if safeMethod(r.Method) {
			h.ServeHTTP(w, r)
			return
		}
		if o := r.Header.Get("Origin"); o != "" && o != origin {
			forbidden(w, "the request comes from another origin than the console's (CSRF protection)")
			return
		}
		tok := r.Header.Get(auth.CSRFHeader)
		c, err := r.Cookie(auth.CSRFCookie)
		if tok == "" || err != nil || subtle.ConstantTimeCompare([]byte(tok), []byte(c.Value)) != 1 {
			forbidden(w, "the "+auth.CSRFHeader+" header must repeat the "+auth.CSRFCookie+" cookie (CSRF protection); reload the page")
			return
		}
		if s := session.FromContext(r.Context()); s != nil && subtle.ConstantTimeCompare([]byte(tok), []byte(s.CSRF)) != 1 {
			forbidden(w, "the "+auth.CSRFHeader+" header does not belong to this session (CSRF protection); reload the page")
			return
		}
		h.ServeHTTP(w, r)
	})
}

// WithUpgradeOrigin refuses connection upgrades (WebSockets) that do not
// come from the console's origin: a browser sends the cookies with a
// WebSocket from any page, and cannot be made to add a header.
func WithUpgradeOrigin(h http.Handler, origin string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isUpgrade(r) && r.Header.Get("Origin") != origin {
			forbidden(w, "WebSocket connections must come from the console's own pages (CSRF protection)")
			return
		}
		h.ServeHTTP(w, r)
	})
}

func isUpgrade(r *http.Request) bool {
	if r.Header.Get("Upgrade") != "" {
		return true
	}
	for _, v := range r.Header.Values("Connection") {
		for _, t := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), "upgrade") {
				return true
			}
		}
	}
	return false
}
