// Package proxy forwards the console's same-origin API calls to
// ke-apiserver: the path without the console's base path, the session's
// access token as the only credential, streaming answers (server-sent
// events, watches) flushed as they come, and WebSocket upgrades (pod exec,
// attach, logs) passed through.
package proxy

import (
	"context"
	"errors"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"

	"github.com/go-logr/logr"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/superkube/super-kubenetes/internal/apiserver/apistatus"
	"github.com/superkube/super-kubenetes/internal/apiserver/responsewriters"
	"github.com/superkube/super-kubenetes/internal/clientidentity"
)

// Credentials give the access token to forward a request with.
type Credentials interface {
	// Token returns the access token of the request's session, "" when it
	// has none, or the error to answer with (a Kubernetes Status error).
	Token(w http.ResponseWriter, r *http.Request) (string, error)
	// Refused is told that ke-apiserver refused the token with 401; it may
	// end the session, adding the expired cookie to h.
	Refused(ctx context.Context, token string, h http.Header)
}

// Options configure a Proxy.
type Options struct {
	// Target is ke-apiserver's URL.
	Target *url.URL
	// BasePath is removed from the front of every forwarded path.
	BasePath string
	// Transport reaches ke-apiserver, trusting its serving certificate.
	Transport   http.RoundTripper
	Credentials Credentials
	// Public are path prefixes (below the base path) forwarded without the
	// session's token.
	Public []string
	Log    logr.Logger
}

// Proxy is the reverse proxy to ke-apiserver.
type Proxy struct {
	opts Options
	rp   *httputil.ReverseProxy
}

// New returns a Proxy.
func New(o Options) (*Proxy, error) {
	if o.Target == nil || o.Credentials == nil || o.Transport == nil {
		return nil, errors.New("proxy: the target, the transport and the credentials are required")
	}
	target := *o.Target
	target.Path = strings.TrimSuffix(target.Path, "/")
	target.RawPath = ""
	p := &Proxy{opts: o}
	p.rp = &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			p.stripBase(pr.Out.URL)
			pr.SetURL(&target)
			removeClientCredentials(pr.Out.Header)
			pr.SetXForwarded()
			if tok := tokenFrom(pr.In.Context()); tok != "" {
				pr.Out.Header.Set("Authorization", "Bearer "+tok)
			}
		},
		Transport:      o.Transport,
		FlushInterval:  -1, // server-sent events and watches stream
		ModifyResponse: p.modifyResponse,
		ErrorHandler:   p.errorHandler,
	}
	return p, nil
}

type tokenKey struct{}

func tokenFrom(ctx context.Context) string {
	t, _ := ctx.Value(tokenKey{}).(string)
	return t
}

// ServeHTTP forwards the request.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	tok := ""
	if !p.public(r.URL.Path) {
		var err error
		if tok, err = p.opts.Credentials.Token(w, r); err != nil {
			responsewriters.WriteStatus(w, err)
			return
		}
	}
	p.rp.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), tokenKey{}, tok)))
}

func (p *Proxy) public(urlPath string) bool {
	rest := strings.TrimPrefix(urlPath, p.opts.BasePath)
	for _, prefix := range p.opts.Public {
		if strings.HasPrefix(rest, prefix) {
			return true
		}
	}
	return false
}

// stripBase removes the base path (keeping its last slash) from u's path,
// in both its decoded and its escaped forms.
func (p *Proxy) stripBase(u *url.URL) {
	base := strings.TrimSuffix(p.opts.BasePath, "/")
	if base == "" {
		return
	}
	escaped := u.EscapedPath()
	if rest, ok := strings.CutPrefix(escaped, base); ok {
		if dec, err := url.PathUnescape(rest); err == nil {
			u.Path, u.RawPath = dec, rest
		}
	}
}

// removeClientCredentials deletes every header by which the browser could
// choose the identity or the address ke-apiserver sees (package
// clientidentity) and the console's own CSRF token. The only credential
// forwarded is the session's; the only address, the browser's as the
// console sees it (SetXForwarded).
func removeClientCredentials(h http.Header) {
	clientidentity.Remove(h)
	clientidentity.RemoveForwarding(h)
	h.Del("X-Csrf-Token")
}

// ConsoleOwnedHeaders are response headers the console sets on every answer
// of its origin; ke-apiserver's are dropped so that the console's stand alone.
var ConsoleOwnedHeaders = []string{
	"Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy",
	"Strict-Transport-Security", "Cross-Origin-Opener-Policy", "Permissions-Policy",
}

// modifyResponse drops what ke-apiserver says to its own browsers: cookies
// (the console's origin has only the console's), basic-auth challenges (a
// browser would open a password dialog) and security headers (the
// console's apply). A 401 to a request with a token tells the credentials
// the token was refused.
func (p *Proxy) modifyResponse(res *http.Response) error {
	for _, k := range ConsoleOwnedHeaders {
		res.Header.Del(k)
	}
	res.Header.Del("Set-Cookie")
	res.Header.Del("Www-Authenticate")
	if res.StatusCode == http.StatusUnauthorized && res.Request != nil {
		if tok := tokenFrom(res.Request.Context()); tok != "" {
			p.opts.Credentials.Refused(res.Request.Context(), tok, res.Header)
		}
	}
	return nil
}

// UnreachableRetryAfter is the Retry-After, in seconds, of the answer
// when ke-apiserver cannot be reached.
const UnreachableRetryAfter = "2"

// errorHandler answers when ke-apiserver cannot be reached (or broke off
// its answer): 503 Service Unavailable with a Status of the same code and a
// Retry-After, as the console's own endpoints answer when they cannot reach
// ke-apiserver. (Not 502: ke-apiserver did not answer wrongly, it is away
// for now, and clients retry a 503.)
func (p *Proxy) errorHandler(w http.ResponseWriter, r *http.Request, err error) {
	if r.Context().Err() != nil {
		return // the browser went away
	}
	logr.FromContextOrDiscard(r.Context()).Error(err, "Forwarding to ke-apiserver", "method", r.Method, "path", r.URL.Path)
	w.Header().Set("Retry-After", UnreachableRetryAfter)
	responsewriters.WriteStatus(w, apistatus.New(http.StatusServiceUnavailable, metav1.StatusReasonServiceUnavailable,
		"ke-apiserver cannot be reached; try again later"))
}
