package jenkins

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// fakeJenkins answers as Jenkins' documented REST API does, from the
// answers in testdata/jenkins (written from the documentation: no Jenkins
// was run). It checks basic auth and, for POSTs, the CSRF crumb.
type fakeJenkins struct {
	t     *testing.T
	srv   *httptest.Server
	token string

	mu    sync.Mutex
	crumb bool
	// staleCrumbs is how many crumbs the issuer gives that Jenkins then
	// refuses.
	staleCrumbs int
	routes      map[string]http.HandlerFunc
	calls       []string
	bodies      map[string]string
}

const (
	fakeUser  = "superkube"
	fakeToken = "11aa22bb33cc44dd55ee66ff77889900aa"
	fakeCrumb = "0f4e8c2ad6c93b6f5c9b0d3e7a1f2b4c"
)

func newFake(t *testing.T) *fakeJenkins {
	f := &fakeJenkins{t: t, token: fakeToken, crumb: true, routes: map[string]http.HandlerFunc{}, bodies: map[string]string{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeJenkins) serve(w http.ResponseWriter, r *http.Request) {
	key := r.Method + " " + r.URL.EscapedPath()
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.calls = append(f.calls, key)
	f.bodies[key] = string(body)
	crumb := f.crumb
	h := f.routes[key]
	f.mu.Unlock()

	if u, p, ok := r.BasicAuth(); !ok || u != fakeUser || p != f.token {
		w.Header().Set("WWW-Authenticate", `Basic realm="Jenkins"`)
		http.Error(w, "Invalid password/token for user: "+u, http.StatusUnauthorized)
		return
	}
	if key == "GET /crumbIssuer/api/json" {
		if !crumb {
			http.NotFound(w, r)
			return
		}
		f.mu.Lock()
		stale := f.staleCrumbs > 0
		f.staleCrumbs--
		f.mu.Unlock()
		if stale {
			// A crumb of an expired session.
			w.Header().Set("Content-Type", "application/json;charset=utf-8")
			_, _ = w.Write([]byte(strings.Replace(string(f.file("crumb.json")), fakeCrumb, "expired", 1)))
			return
		}
		f.serveFile(w, "crumb.json")
		return
	}
	if r.Method == http.MethodPost && crumb && r.Header.Get("Jenkins-Crumb") != fakeCrumb {
		w.Header().Set("Content-Type", "text/html;charset=utf-8")
		w.WriteHeader(http.StatusForbidden)
		_, _ = w.Write([]byte("<html><body>Error 403 No valid crumb was included in the request</body></html>"))
		return
	}
	if h == nil {
		w.Header().Set("Content-Type", "text/html;charset=utf-8")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte("<html><body>Error 404 Not Found</body></html>"))
		return
	}
	h(w, r)
}

func (f *fakeJenkins) on(key string, h http.HandlerFunc) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.routes[key] = h
}

func (f *fakeJenkins) file(name string) []byte {
	b, err := os.ReadFile(filepath.Join("testdata", "jenkins", name))
	if err != nil {
		f.t.Fatal(err)
	}
	return []byte(strings.ReplaceAll(string(b), "{{URL}}", f.srv.URL))
}

func (f *fakeJenkins) serveFile(w http.ResponseWriter, name string) {
	ct := "application/json;charset=utf-8"
	if strings.HasSuffix(name, ".txt") {
		ct = "text/plain;charset=utf-8"
	}
	w.Header().Set("Content-Type", ct)
	_, _ = w.Write(f.file(name))
}

// json answers with a file.
func (f *fakeJenkins) json(name string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) { f.serveFile(w, name) }
}

// seq answers with each file in turn, then the last one again.
func (f *fakeJenkins) seq(names ...string) http.HandlerFunc {
	var mu sync.Mutex
	i := 0
	return func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		name := names[min(i, len(names)-1)]
		i++
		mu.Unlock()
		f.serveFile(w, name)
	}
}

func status(code int) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(code) }
}

// redirect is how Jenkins answers form actions (stop, proceedEmpty, abort).
func redirect(to string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, to, http.StatusFound) }
}

func (f *fakeJenkins) count(key string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.calls {
		if c == key {
			n++
		}
	}
	return n
}

func (f *fakeJenkins) body(key string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.bodies[key]
}

// newJob answers the job's creation (it does not exist yet) and queues
// the build as item 42, which becomes build 7.
func (f *fakeJenkins) newJob(queue ...string) {
	if len(queue) == 0 {
		queue = []string{"queue-waiting.json", "queue-left.json"}
	}
	f.on("POST /job/demo.web/config.xml", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html;charset=utf-8")
		w.WriteHeader(http.StatusNotFound)
	})
	f.on("POST /createItem", status(http.StatusOK))
	f.on("POST /job/demo.web/buildWithParameters", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Location", f.srv.URL+"/queue/item/42/")
		w.WriteHeader(http.StatusCreated)
	})
	f.on("GET /queue/item/42/api/json", f.seq(queue...))
}
