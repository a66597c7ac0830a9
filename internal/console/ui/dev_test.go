package ui_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-logr/logr"

	"github.com/superkube/super-kubenetes/internal/console/ui"
)

// vite stands in for Vite's dev server: a transformed index.html with the
// React refresh preamble inline, and modules.
func vite(t *testing.T) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/console/":
			w.Header().Set("Content-Type", "text/html")
			_, _ = w.Write([]byte(`<html><head><script type="module">import RefreshRuntime from "/console/@react-refresh"</script>` +
				`<script type="module" src="/console/@vite/client"></script></head><body><div id="root"></div></body></html>`))
		case "/console/@vite/client", "/console/src/main.tsx":
			w.Header().Set("Content-Type", "text/javascript")
			_, _ = w.Write([]byte("module " + r.URL.Path + " host " + r.Host))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(s.Close)
	return s
}

func TestTheDevServerTemplatesVitesPagesAndForwardsTheRest(t *testing.T) {
	v := vite(t)
	d, err := ui.NewDevServer(v.URL, ui.Options{BasePath: "/console/", Config: ui.RuntimeConfig{BasePath: "/console/", Title: "Dev"}}, logr.Discard())
	if err != nil {
		t.Fatal(err)
	}
	t.Run("a page of the app is Vite's index.html with nonces and the configuration", func(t *testing.T) {
		r := httptest.NewRequest(http.MethodGet, "https://console.test/console/workspaces/demo", nil)
		r.Header.Set("Accept", "text/html,application/xhtml+xml")
		r = r.WithContext(ui.WithNonce(r.Context(), "ZGV2"))
		w := httptest.NewRecorder()
		d.ServeHTTP(w, r)
		body := w.Body.String()
		if w.Code != http.StatusOK || strings.Count(body, `<script nonce="ZGV2"`) != 3 || !strings.Contains(body, `<base href="/console/">`) ||
			!strings.Contains(body, `"title":"Dev"`) || w.Header().Get("Cache-Control") != "no-store" {
			t.Fatalf("%d %s", w.Code, body)
		}
	})
	t.Run("Vite's modules and the app's sources are forwarded with their path", func(t *testing.T) {
		for _, p := range []string{"/console/@vite/client", "/console/src/main.tsx"} {
			w := get(d, p, "Accept", "*/*")
			if w.Code != http.StatusOK || !strings.HasPrefix(w.Body.String(), "module "+p+" host "+strings.TrimPrefix(v.URL, "http://")) {
				t.Fatalf("%s: %d %q", p, w.Code, w.Body)
			}
		}
	})
	t.Run("a stopped dev server is named in a 502", func(t *testing.T) {
		v.Close()
		w := get(d, "/console/", "Accept", "text/html")
		if w.Code != http.StatusBadGateway || !strings.Contains(w.Body.String(), "npm --prefix web run dev -- --base /console/") {
			t.Fatalf("%d %q", w.Code, w.Body)
		}
		w = get(d, "/console/src/main.tsx")
		if w.Code != http.StatusBadGateway || !strings.Contains(w.Body.String(), "does not answer") {
			t.Fatalf("%d %q", w.Code, readAll(t, w.Body))
		}
	})
}

func TestTheDevServerNeedsAnHTTPURL(t *testing.T) {
	for _, u := range []string{"", "127.0.0.1:5173", "ftp://x", "http://"} {
		if _, err := ui.NewDevServer(u, ui.Options{BasePath: "/"}, logr.Discard()); err == nil {
			t.Errorf("%q accepted", u)
		}
	}
}
