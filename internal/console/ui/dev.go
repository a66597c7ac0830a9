package ui

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/go-logr/logr"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/superkube/super-kubenetes/internal/apiserver/apistatus"
	"github.com/superkube/super-kubenetes/internal/apiserver/responsewriters"
)

// DevServer serves the app from Vite's dev server (npm --prefix web run dev)
// instead of the embedded build, so that changes show at once: files, Vite's
// own modules and its hot-module-replacement WebSocket are forwarded
// unchanged (path and base included, so Vite must run with the same base),
// and the pages of the app get Vite's index.html templated like the built
// one.
type DevServer struct {
	target  *url.URL
	base    string
	cfg     RuntimeConfig
	onIndex func(w http.ResponseWriter, r *http.Request) bool
	proxy   *httputil.ReverseProxy
	client  *http.Client
}

// NewDevServer returns a DevServer forwarding to the Vite dev server at
// target (such as http://127.0.0.1:5173). Options.FS is not used.
func NewDevServer(target string, opts Options, log logr.Logger) (*DevServer, error) {
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("the dev UI URL %q must be an http(s) URL", target)
	}
	u.Path, u.RawPath, u.RawQuery = "", "", ""
	d := &DevServer{target: u, base: opts.BasePath, cfg: opts.Config, onIndex: opts.OnIndex,
		client: &http.Client{Timeout: 30 * time.Second}}
	d.proxy = &httputil.ReverseProxy{
		Rewrite:       func(pr *httputil.ProxyRequest) { pr.SetURL(u) },
		FlushInterval: -1,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			log.V(1).Info("The Vite dev server did not answer", "path", r.URL.Path, "err", err.Error())
			d.unavailable(w)
		},
	}
	return d, nil
}

// ServeHTTP implements http.Handler.
func (d *DevServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !isPage(r) {
		d.proxy.ServeHTTP(w, r)
		return
	}
	req, err := http.NewRequestWithContext(r.Context(), http.MethodGet, d.target.String()+d.base, nil)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	req.Header.Set("Accept", "text/html")
	resp, err := d.client.Do(req)
	if err != nil {
		d.unavailable(w)
		return
	}
	defer resp.Body.Close()
	page, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil || resp.StatusCode != http.StatusOK {
		d.unavailable(w)
		return
	}
	idx, err := prepareIndex(page, d.base, d.cfg)
	if err != nil {
		responsewriters.WriteStatus(w, apistatus.New(http.StatusBadGateway, metav1.StatusReasonServiceUnavailable,
			"the Vite dev server's index.html cannot be templated: "+err.Error()))
		return
	}
	nonce := NonceFrom(r.Context())
	if nonce == "" {
		nonce = NewNonce()
	}
	session := false
	if d.onIndex != nil {
		session = d.onIndex(w, r)
	}
	out := idx.render(nonce, session)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", CacheNoStore)
	w.Header().Set("Content-Length", strconv.Itoa(len(out)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(out)
	}
}

func (d *DevServer) unavailable(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusBadGateway)
	_, _ = fmt.Fprintf(w, "the Vite dev server at %s does not answer: start it with npm --prefix web run dev -- --base %s\n", d.target, d.base)
}

// isPage tells a browser's request for a page of the app from requests for
// files, Vite's modules (/@vite/client, /@react-refresh ...) and WebSockets.
func isPage(r *http.Request) bool {
	if (r.Method != http.MethodGet && r.Method != http.MethodHead) || r.Header.Get("Upgrade") != "" ||
		!strings.Contains(r.Header.Get("Accept"), "text/html") || strings.Contains(r.URL.Path, "/@") {
		return false
	}
	ext := path.Ext(r.URL.Path)
	return ext == "" || ext == ".html"
}
