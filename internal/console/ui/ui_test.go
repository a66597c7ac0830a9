package ui_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/superkube/super-kubenetes/internal/console/ui"
)

const page = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="UTF-8" />
    <title>Super Kubenetes</title>
    <script type="module" crossorigin src="./assets/index-abc123.js"></script>
    <link rel="stylesheet" crossorigin href="./assets/index-def456.css">
  </head>
  <body><div id="root"></div><script>window.inline = true</script></body>
</html>
`

func build() fstest.MapFS {
	return fstest.MapFS{
		"index.html":                {Data: []byte(page)},
		"index.html.gz":             {Data: []byte("gzipped index, never served")},
		"assets/index-abc123.js":    {Data: []byte("console.log('app')")},
		"assets/index-abc123.js.br": {Data: []byte("brotli bytes")},
		"assets/index-abc123.js.gz": {Data: []byte("gzip bytes")},
		"assets/index-def456.css":   {Data: []byte("body{}")},
		"assets/logo.svg":           {Data: []byte("<svg/>")},
		"assets/logo.svg.gz":        {Data: []byte("gzip svg")},
		"favicon.ico":               {Data: []byte("icon")},
		"locales/en/console.json":   {Data: []byte(`{"Hello":"Hello"}`)},
		".keep":                     {Data: []byte("")},
	}
}

var config = ui.RuntimeConfig{BasePath: "/", Title: "Test </script> console", Version: "v1.2.3", APIServerURL: "https://api.example.test:9443"}

func newHandler(t *testing.T, fsys fstest.MapFS, base string) *ui.Handler {
	t.Helper()
	cfg := config
	cfg.BasePath = base
	h, err := ui.New(ui.Options{FS: fsys, BasePath: base, Config: cfg, OnIndex: func(w http.ResponseWriter, r *http.Request) bool {
		w.Header().Add("Set-Cookie", "ke-csrf=from-the-hook")
		_, err := r.Cookie("test-session")
		return err == nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func get(h http.Handler, path string, headers ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodGet, "https://console.test"+path, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Set(headers[i], headers[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func isIndex(w *httptest.ResponseRecorder) bool {
	return w.Code == http.StatusOK && strings.Contains(w.Body.String(), `<div id="root">`)
}

func TestPathsOfTheAppGetIndexHTMLAndMissingAssetsAre404(t *testing.T) {
	h := newHandler(t, build(), "/")
	for _, tc := range []struct {
		name, path string
		index      bool
		code       int
		body       string
	}{
		{name: "the base path is the app", path: "/", index: true},
		{name: "index.html itself is the templated page", path: "/index.html", index: true},
		{name: "a route of the app is the app", path: "/workspaces/demo/projects", index: true},
		{name: "a route with a dot in a name is the app", path: "/clusters/host/nodes/node-1.example.com", index: true},
		{name: "a missing file outside assets/ is the app", path: "/robots.txt", index: true},
		{name: "a file is served", path: "/assets/index-def456.css", code: http.StatusOK, body: "body{}"},
		{name: "a file outside assets/ is served", path: "/locales/en/console.json", code: http.StatusOK, body: `{"Hello":"Hello"}`},
		{name: "a missing asset is 404", path: "/assets/index-000000.js", code: http.StatusNotFound},
		{name: "a hidden file is never served", path: "/.keep", index: true},
		{name: "the assets folder itself is the app", path: "/assets/", index: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := get(h, tc.path)
			if tc.index {
				if !isIndex(w) {
					t.Fatalf("%s: %d %q, want index.html", tc.path, w.Code, w.Body.String())
				}
				return
			}
			if w.Code != tc.code || (tc.body != "" && w.Body.String() != tc.body) {
				t.Fatalf("%s: %d %q, want %d %q", tc.path, w.Code, w.Body.String(), tc.code, tc.body)
			}
		})
	}
}

func TestAMissingAssetIsAKubernetesStatus(t *testing.T) {
	w := get(newHandler(t, build(), "/"), "/assets/gone.js")
	var st struct{ Kind, Status, Reason string }
	if err := json.Unmarshal(w.Body.Bytes(), &st); err != nil || st.Kind != "Status" || st.Reason != "NotFound" {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
}

func TestCacheHeadersFollowTheKindOfFile(t *testing.T) {
	h := newHandler(t, build(), "/")
	for path, want := range map[string]string{
		"/":                        ui.CacheNoStore,
		"/workspaces":              ui.CacheNoStore,
		"/assets/index-abc123.js":  "public, max-age=31536000, immutable",
		"/assets/index-def456.css": "public, max-age=31536000, immutable",
		"/favicon.ico":             ui.CacheRevalidate,
	} {
		if got := get(h, path).Header().Get("Cache-Control"); got != want {
			t.Errorf("%s: Cache-Control %q, want %q", path, got, want)
		}
	}
}

func TestPrecompressedFilesAreServedToClientsThatAcceptThem(t *testing.T) {
	h := newHandler(t, build(), "/")
	for _, tc := range []struct {
		name, path, accept, body, encoding string
	}{
		{"brotli is preferred when both are accepted", "/assets/index-abc123.js", "gzip, deflate, br, zstd", "brotli bytes", "br"},
		{"gzip when brotli is not accepted", "/assets/index-abc123.js", "gzip", "gzip bytes", "gzip"},
		{"gzip when brotli is refused with q=0", "/assets/index-abc123.js", "br;q=0, gzip;q=0.8", "gzip bytes", "gzip"},
		{"the plain file when nothing is accepted", "/assets/index-abc123.js", "", "console.log('app')", ""},
		{"the plain file when both are refused", "/assets/index-abc123.js", "br;q=0.0, gzip;q=0", "console.log('app')", ""},
		{"gzip when only gzip exists", "/assets/logo.svg", "br, gzip", "gzip svg", "gzip"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := get(h, tc.path, "Accept-Encoding", tc.accept)
			if w.Code != http.StatusOK || w.Body.String() != tc.body || w.Header().Get("Content-Encoding") != tc.encoding {
				t.Fatalf("%d %q encoding %q; want %q encoding %q", w.Code, w.Body.String(), w.Header().Get("Content-Encoding"), tc.body, tc.encoding)
			}
			if w.Header().Get("Vary") != "Accept-Encoding" {
				t.Fatalf("Vary %q, want Accept-Encoding", w.Header().Get("Vary"))
			}
			wantType := "text/javascript; charset=utf-8"
			if strings.HasSuffix(tc.path, ".svg") {
				wantType = "image/svg+xml"
			}
			if got := w.Header().Get("Content-Type"); got != wantType {
				t.Fatalf("Content-Type %q, want %q (the type of the uncompressed file)", got, wantType)
			}
		})
	}
	t.Run("a file without variants does not vary", func(t *testing.T) {
		if w := get(h, "/assets/index-def456.css", "Accept-Encoding", "br"); w.Header().Get("Vary") != "" || w.Header().Get("Content-Encoding") != "" {
			t.Fatalf("Vary %q Content-Encoding %q", w.Header().Get("Vary"), w.Header().Get("Content-Encoding"))
		}
	})
}

func TestFilesHaveETagsThatDifferPerEncoding(t *testing.T) {
	h := newHandler(t, build(), "/")
	plain := get(h, "/assets/index-abc123.js").Header().Get("ETag")
	br := get(h, "/assets/index-abc123.js", "Accept-Encoding", "br").Header().Get("ETag")
	if plain == "" || br == "" || plain == br {
		t.Fatalf("ETags %q and %q: want two different ones", plain, br)
	}
	if w := get(h, "/assets/index-abc123.js", "If-None-Match", plain); w.Code != http.StatusNotModified {
		t.Fatalf("a matching If-None-Match: %d, want 304", w.Code)
	}
}

var scriptTag = regexp.MustCompile(`<script[^>]*>`)

func TestIndexHTMLCarriesTheBaseTheConfigurationAndTheNonce(t *testing.T) {
	h := newHandler(t, build(), "/console/")
	r := httptest.NewRequest(http.MethodGet, "https://console.test/console/workspaces", nil)
	r = r.WithContext(ui.WithNonce(r.Context(), "bm9uY2Utb25l"))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	body := w.Body.String()
	if w.Code != http.StatusOK || w.Header().Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("%d %s", w.Code, w.Header().Get("Content-Type"))
	}
	if !strings.Contains(body, "  <head><base href=\"/console/\">\n") {
		t.Fatalf("no <base href> right after <head>:\n%s", body)
	}
	tags := scriptTag.FindAllString(body, -1)
	if len(tags) != 3 {
		t.Fatalf("want 3 script tags (app, configuration, inline), got %q", tags)
	}
	for _, tag := range tags {
		if strings.Count(tag, `nonce="bm9uY2Utb25l"`) != 1 {
			t.Fatalf("the tag %s does not carry the response's nonce once", tag)
		}
	}
	m := regexp.MustCompile(`<script nonce="bm9uY2Utb25l" id="ke-config" type="application/json">([^<]*)</script>\s*</head>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no configuration right before </head>:\n%s", body)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(m[1]), &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"basePath": "/console/", "title": "Test </script> console", "version": "v1.2.3", "apiServerURL": "https://api.example.test:9443", "session": false}
	if len(got) != len(want) {
		t.Fatalf("configuration %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Fatalf("configuration %s = %v, want %v", k, got[k], v)
		}
	}
	if w.Header().Get("Set-Cookie") != "ke-csrf=from-the-hook" {
		t.Fatal("the index hook did not run")
	}

	t.Run("each response has its own nonce", func(t *testing.T) {
		a, b := get(h, "/console/").Body.String(), get(h, "/console/").Body.String()
		na := regexp.MustCompile(`nonce="([^"]+)"`).FindStringSubmatch(a)
		nb := regexp.MustCompile(`nonce="([^"]+)"`).FindStringSubmatch(b)
		if na == nil || nb == nil || na[1] == nb[1] {
			t.Fatalf("nonces %v and %v", na, nb)
		}
	})
	t.Run("the configuration says whether the request has a session", func(t *testing.T) {
		if body := get(h, "/console/", "Cookie", "test-session=1").Body.String(); !strings.Contains(body, `"session":true}</script>`) {
			t.Fatalf("with a session:\n%s", body)
		}
		if body := get(h, "/console/").Body.String(); !strings.Contains(body, `"session":false}</script>`) {
			t.Fatalf("without a session:\n%s", body)
		}
	})
	t.Run("HEAD gets the headers only", func(t *testing.T) {
		r := httptest.NewRequest(http.MethodHead, "https://console.test/console/", nil)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusOK || w.Body.Len() != 0 || w.Header().Get("Content-Length") == "" {
			t.Fatalf("%d, %d bytes, Content-Length %q", w.Code, w.Body.Len(), w.Header().Get("Content-Length"))
		}
	})
	t.Run("files are found below the base path", func(t *testing.T) {
		if w := get(h, "/console/assets/index-def456.css"); w.Body.String() != "body{}" {
			t.Fatalf("%d %q", w.Code, w.Body)
		}
	})
}

func TestAnIndexInUpperCaseWithAttributesIsTemplatedToo(t *testing.T) {
	fsys := fstest.MapFS{"index.html": {Data: []byte(`<HTML><HEAD data-x="1"><SCRIPT SRC="a.js"></SCRIPT></HEAD><BODY></BODY></HTML>`)}}
	body := get(newHandler(t, fsys, "/"), "/").Body.String()
	if !strings.HasPrefix(body, `<HTML><HEAD data-x="1"><base href="/"><SCRIPT nonce="`) ||
		!regexp.MustCompile(`</SCRIPT><script nonce="[^"]+" id="ke-config" type="application/json">\{.*\}</script></HEAD>`).MatchString(body) {
		t.Fatalf("templated as:\n%s", body)
	}
}

func TestAnIndexWithoutHeadIsRefused(t *testing.T) {
	_, err := ui.New(ui.Options{FS: fstest.MapFS{"index.html": {Data: []byte("<html><body></body></html>")}}, BasePath: "/"})
	if err == nil {
		t.Fatal("want an error")
	}
}

func TestTraversalAndNULAreRefused(t *testing.T) {
	for _, tc := range []struct {
		name, path, base string
		want             string
		ok               bool
	}{
		{"the base path itself", "/console/", "/console/", "", true},
		{"the base path without its slash", "/console", "/console/", "", true},
		{"a file", "/console/assets/a.js", "/console/", "assets/a.js", true},
		{"double slashes are cleaned", "/console//assets//a.js", "/console/", "assets/a.js", true},
		{"a dot segment is cleaned", "/console/./assets/a.js", "/console/", "assets/a.js", true},
		{"a parent segment is refused", "/console/assets/../../etc/passwd", "/console/", "", false},
		{"a parent segment at the end is refused", "/console/assets/..", "/console/", "", false},
		{"a NUL byte is refused", "/console/assets/a.js\x00.png", "/console/", "", false},
		{"a backslash is refused", `/console/assets\..\a.js`, "/console/", "", false},
		{"a path outside the base is refused", "/other/a.js", "/console/", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := ui.FilePath(tc.path, tc.base)
			if got != tc.want || ok != tc.ok {
				t.Fatalf("FilePath(%q, %q) = %q, %v; want %q, %v", tc.path, tc.base, got, ok, tc.want, tc.ok)
			}
		})
	}
	t.Run("the handler answers 400", func(t *testing.T) {
		h := newHandler(t, build(), "/")
		for _, p := range []string{"/assets/../../../etc/passwd", "/a\x00b"} {
			r := httptest.NewRequest(http.MethodGet, "https://console.test/", nil)
			r.URL.Path = p
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != http.StatusBadRequest {
				t.Fatalf("%q: %d, want 400", p, w.Code)
			}
		}
	})
}

func TestWithoutABuildTheConsoleSaysHowToBuildIt(t *testing.T) {
	h := newHandler(t, fstest.MapFS{".keep": {Data: nil}}, "/")
	if h.Built() {
		t.Fatal("Built() is true without index.html")
	}
	for _, p := range []string{"/", "/workspaces", "/assets/a.js"} {
		w := get(h, p)
		if w.Code != http.StatusServiceUnavailable || w.Body.String() != "the console UI is not built: run make build\n" {
			t.Fatalf("%s: %d %q", p, w.Code, w.Body)
		}
	}
	if h, err := ui.New(ui.Options{BasePath: "/"}); err != nil || h == nil {
		t.Fatalf("the embedded build: %v", err)
	}
}

func TestOnlyGETAndHEADAreServed(t *testing.T) {
	h := newHandler(t, build(), "/")
	r := httptest.NewRequest(http.MethodPost, "https://console.test/workspaces", strings.NewReader("x"))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusMethodNotAllowed || w.Header().Get("Allow") != "GET, HEAD" {
		t.Fatalf("%d Allow %q", w.Code, w.Header().Get("Allow"))
	}
}

func TestAcceptsEncoding(t *testing.T) {
	for _, tc := range []struct {
		header, coding string
		want           bool
	}{
		{"gzip, br", "br", true},
		{"GZIP", "gzip", true},
		{"br;q=0", "br", false},
		{"br; q=0.000", "br", false},
		{"br;q=0.001", "br", true},
		{"br;q=1.0", "br", true},
		{"*", "br", false},
		{"", "gzip", false},
		{"x-gzip", "gzip", false},
	} {
		if got := ui.AcceptsEncoding(tc.header, tc.coding); got != tc.want {
			t.Errorf("AcceptsEncoding(%q, %q) = %v, want %v", tc.header, tc.coding, got, tc.want)
		}
	}
}

func readAll(t *testing.T, r io.Reader) string {
	t.Helper()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
