// Package ui serves ke-console's single-page app: the files Vite builds
// (embedded with go:embed, or proxied from Vite's dev server in development)
// and index.html, templated per response with the base path, the runtime
// configuration and the Content-Security-Policy nonce.
package ui

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/superkube/super-kubenetes/internal/apiserver/apistatus"
	"github.com/superkube/super-kubenetes/internal/apiserver/responsewriters"
)

// Cache-Control values of the responses.
const (
	// CacheImmutable is for files under assets/, whose names carry a hash
	// of their content.
	CacheImmutable = "public, max-age=31536000, immutable"
	// CacheNoStore is for index.html, which carries a nonce and the runtime
	// configuration.
	CacheNoStore = "no-store"
	// CacheRevalidate is for other files (icons, translations): kept, but
	// checked (by ETag) before each use.
	CacheRevalidate = "no-cache"
)

// NotBuiltMessage is the answer (503) when the SPA has not been built into
// the binary.
const NotBuiltMessage = "the console UI is not built: run make build\n"

// Options configure a Handler.
type Options struct {
	// FS holds the build: index.html, assets/ and other files, and for any
	// file X optionally X.br and X.gz. Dist() unless set.
	FS fs.FS
	// BasePath is where the console is served, with a slash at both ends.
	// Requests reach the handler with it in their path.
	BasePath string
	// Config is injected into index.html.
	Config RuntimeConfig
	// OnIndex is called before index.html is written, to add headers such
	// as the CSRF cookie; it reports whether the request has a session,
	// which the page's configuration then says ("session").
	OnIndex func(w http.ResponseWriter, r *http.Request) bool
}

// Handler serves the SPA from a file system.
type Handler struct {
	fsys    fs.FS
	base    string
	index   *index
	onIndex func(w http.ResponseWriter, r *http.Request) bool
	// etags of every file, computed once: the build does not change.
	etags map[string]string
}

// New returns a Handler. A build without index.html is not an error: the
// handler then answers 503 with NotBuiltMessage.
func New(opts Options) (*Handler, error) {
	if opts.FS == nil {
		opts.FS = Dist()
	}
	if !strings.HasPrefix(opts.BasePath, "/") || !strings.HasSuffix(opts.BasePath, "/") {
		return nil, errors.New("the base path must start and end with a slash")
	}
	h := &Handler{fsys: opts.FS, base: opts.BasePath, onIndex: opts.OnIndex, etags: map[string]string{}}
	page, err := fs.ReadFile(opts.FS, "index.html")
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return h, nil
	case err != nil:
		return nil, err
	}
	if h.index, err = prepareIndex(page, opts.BasePath, opts.Config); err != nil {
		return nil, err
	}
	err = fs.WalkDir(opts.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(opts.FS, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		h.etags[p] = `"` + hex.EncodeToString(sum[:12]) + `"`
		return nil
	})
	return h, err
}

// Built reports whether the build has an index.html.
func (h *Handler) Built() bool { return h.index != nil }

// ServeHTTP serves a file of the build, or index.html for the app's routes.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		responsewriters.WriteStatus(w, apistatus.New(http.StatusMethodNotAllowed, metav1.StatusReasonMethodNotAllowed,
			"the console's pages are read with GET"))
		return
	}
	if h.index == nil {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", CacheNoStore)
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = io.WriteString(w, NotBuiltMessage)
		return
	}
	name, ok := FilePath(r.URL.Path, h.base)
	if !ok {
		responsewriters.WriteStatus(w, apistatus.BadRequest("path", "the path is not valid"))
		return
	}
	if name == "" || name == "index.html" {
		h.serveIndex(w, r)
		return
	}
	if _, ok := h.etags[name]; ok && !hidden(name) {
		h.serveFile(w, r, name)
		return
	}
	if IsAsset(name) {
		responsewriters.WriteStatus(w, apistatus.New(http.StatusNotFound, metav1.StatusReasonNotFound, "the console has no file "+name))
		return
	}
	// A route of the app: the app reads the path and shows the page.
	h.serveIndex(w, r)
}

// FilePath returns the file that the URL path names below base ("" for base
// itself), or false for a path that must be refused: outside base, with a
// NUL byte, or with a ".." segment.
func FilePath(urlPath, base string) (string, bool) {
	if strings.IndexByte(urlPath, 0) >= 0 {
		return "", false
	}
	rest, ok := strings.CutPrefix(urlPath, base)
	if !ok {
		if urlPath+"/" == base {
			return "", true
		}
		return "", false
	}
	for _, seg := range strings.Split(rest, "/") {
		if seg == ".." {
			return "", false
		}
	}
	name := strings.TrimPrefix(path.Clean("/"+rest), "/")
	if name == "." || name == "" {
		return "", true
	}
	if !fs.ValidPath(name) || strings.Contains(name, `\`) {
		return "", false
	}
	return name, true
}

// IsAsset reports whether a missing file must be 404 rather than the app:
// files with an extension under assets/, which only the build's own pages
// ask for.
func IsAsset(name string) bool {
	return strings.HasPrefix(name, "assets/") && path.Ext(name) != ""
}

// hidden files (.keep, for example) are never served.
func hidden(name string) bool {
	for _, seg := range strings.Split(name, "/") {
		if strings.HasPrefix(seg, ".") {
			return true
		}
	}
	return false
}

func (h *Handler) serveIndex(w http.ResponseWriter, r *http.Request) {
	nonce := NonceFrom(r.Context())
	if nonce == "" {
		nonce = NewNonce()
	}
	session := false
	if h.onIndex != nil {
		session = h.onIndex(w, r)
	}
	page := h.index.render(nonce, session)
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Cache-Control", CacheNoStore)
	hd.Set("Content-Length", strconv.Itoa(len(page)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(page)
	}
}

// serveFile serves name, or its precompressed variant when the client
// accepts it.
func (h *Handler) serveFile(w http.ResponseWriter, r *http.Request, name string) {
	hd := w.Header()
	if strings.HasPrefix(name, "assets/") {
		hd.Set("Cache-Control", CacheImmutable)
	} else {
		hd.Set("Cache-Control", CacheRevalidate)
	}
	ctype := mime.TypeByExtension(path.Ext(name))
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	hd.Set("Content-Type", ctype)
	served, variants := name, false
	for _, enc := range []struct{ coding, ext string }{{"br", ".br"}, {"gzip", ".gz"}} {
		if _, ok := h.etags[name+enc.ext]; ok {
			variants = true
			if served == name && AcceptsEncoding(r.Header.Get("Accept-Encoding"), enc.coding) {
				served = name + enc.ext
				hd.Set("Content-Encoding", enc.coding)
			}
		}
	}
	if variants {
		hd.Add("Vary", "Accept-Encoding")
	}
	data, err := fs.ReadFile(h.fsys, served)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	hd.Set("ETag", h.etags[served])
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(data))
}

// AcceptsEncoding reports whether an Accept-Encoding header value accepts
// the content coding (by name, with a q-value above zero).
func AcceptsEncoding(header, coding string) bool {
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(part, ";")
		if !strings.EqualFold(strings.TrimSpace(name), coding) {
			continue
		}
		for _, p := range strings.Split(params, ";") {
			k, v, _ := strings.Cut(p, "=")
			if strings.EqualFold(strings.TrimSpace(k), "q") {
				v = strings.TrimSpace(v)
				return v != "" && strings.Trim(v, "0.") != ""
			}
		}
		return true
	}
	return false
}
