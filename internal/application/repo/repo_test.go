package repo_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/superkube/super-kubenetes/internal/netguard"

	"github.com/superkube/super-kubenetes/internal/application/chart"
	"github.com/superkube/super-kubenetes/internal/application/repo"
	"github.com/superkube/super-kubenetes/internal/application/repo/repotest"
)

func wantError(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one saying %q", parts)
	}
	var re *repo.Error
	if !errors.As(err, &re) {
		t.Errorf("error %T %q is not a *repo.Error", err, err)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q does not say %q", err, p)
		}
	}
}

func TestHTTPListAndFetch(t *testing.T) {
	archives := repotest.Package(t, repotest.DemoDirs...)
	srv, static := repotest.HTTPRepo(t, archives...)
	static.Username, static.Password = "u", "p"
	ctx := context.Background()
	opts := repo.Options{Credentials: repo.Credentials{Username: "u", Password: "p"}}

	idx, err := repo.List(ctx, srv.URL+"/", opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(idx.Charts) != 4 || idx.Versions() != 5 || len(idx.Skipped) != 0 || len(idx.Digest) != 64 {
		t.Fatalf("index: %d charts, %d versions, skipped %v", len(idx.Charts), idx.Versions(), idx.Skipped)
	}
	web := idx.Charts["demo-web"]
	if len(web) != 2 || web[0].Version != "1.1.0" || web[1].Version != "1.0.0" {
		t.Fatalf("demo-web versions %+v", web)
	}
	if web[0].URL != srv.URL+"/demo-web-1.1.0.tgz" || web[0].AppVersion != "1.28" || !strings.HasPrefix(web[0].Icon, "data:image/svg+xml") || len(web[0].Maintainers) != 1 {
		t.Errorf("demo-web 1.1.0: %+v", web[0])
	}
	data, err := repo.Fetch(ctx, srv.URL, web[0].URL, web[0].Digest, opts)
	if err != nil {
		t.Fatal(err)
	}
	c, err := chart.Load(data)
	if err != nil || c.Metadata.Version != "1.1.0" {
		t.Fatalf("fetched %v %v", c, err)
	}
	// Same index, same digest.
	again, err := repo.List(ctx, srv.URL, opts)
	if err != nil || again.Digest != idx.Digest {
		t.Errorf("digest changed: %v", err)
	}

	_, err = repo.Fetch(ctx, srv.URL, web[0].URL, web[1].Digest, opts)
	wantError(t, err, "has digest sha256:"+web[0].Digest, "not the sha256:"+web[1].Digest)
	if !errors.Is(err, repo.ErrDigestMismatch) {
		t.Errorf("%v is not ErrDigestMismatch", err)
	}
	_, err = repo.List(ctx, srv.URL, repo.Options{})
	wantError(t, err, "answered 401 Unauthorized", "check the repository's credentials")
	// Credentials are not sent to another host.
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, _, ok := r.BasicAuth(); ok {
			t.Error("credentials sent to another host")
		}
		static.ServeHTTP(w, r)
	}))
	defer other.Close()
	_, err = repo.Fetch(ctx, srv.URL, other.URL+"/demo-web-1.1.0.tgz", "", opts)
	wantError(t, err, "401")
}

func TestHTTPBadRepositories(t *testing.T) {
	ctx := context.Background()
	serve := func(status int, body string) string {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(status)
			_, _ = w.Write([]byte(body))
		}))
		t.Cleanup(srv.Close)
		return srv.URL
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String()
	l.Close()
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	defer slow.Close()
	big := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("apiVersion: v1\nentries: {}\n# "))
		chunk := []byte(strings.Repeat("x", 1<<20))
		for i := 0; i < repo.MaxIndexBytes>>20+2; i++ {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	defer big.Close()

	for _, tc := range []struct {
		name, url string
		opts      repo.Options
		want      []string
	}{
		{"not a URL scheme", "ftp://example.com/charts", repo.Options{}, []string{"must start with https://, http:// or oci://"}},
		{"credentials in URL", "https://u:secret@example.com/charts", repo.Options{}, []string{"carries credentials"}},
		{"refused", closed, repo.Options{}, []string{"does not answer", "connection refused"}},
		{"unknown host", "http://no-such-host.invalid", repo.Options{}, []string{"no-such-host.invalid", "unknown"}},
		{"timeout", slow.URL, repo.Options{Timeout: 300 * time.Millisecond}, []string{"did not answer within 300ms"}},
		{"404", serve(404, "nope"), repo.Options{}, []string{"answered 404 Not Found", "no index.yaml there"}},
		{"500", serve(500, "boom"), repo.Options{}, []string{"answered 500 Internal Server Error"}},
		{"HTML", serve(200, "<!doctype html><html><body>Welcome</body></html>"), repo.Options{}, []string{"is not a Helm repository index", "HTML"}},
		{"garbage YAML", serve(200, "entries: [unclosed\n"), repo.Options{}, []string{"is not a Helm repository index"}},
		{"plain text", serve(200, "hello world"), repo.Options{}, []string{"is not a Helm repository index"}},
		{"empty", serve(200, ""), repo.Options{}, []string{"is not a Helm repository index: it is empty"}},
		{"no apiVersion", serve(200, "entries: {}\n"), repo.Options{}, []string{"no apiVersion"}},
		{"no entries", serve(200, "apiVersion: v1\n"), repo.Options{}, []string{"no entries"}},
		{"too large", big.URL, repo.Options{}, []string{"more than the limit of 33554432 bytes"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := repo.List(ctx, tc.url, tc.opts)
			wantError(t, err, tc.want...)
		})
	}
}

func TestParseIndexSkipsInvalidEntries(t *testing.T) {
	idx, err := repo.ParseIndex([]byte(`apiVersion: v1
entries:
  good:
  - apiVersion: v2
    name: good
    version: 1.0.0
    urls: [charts/good-1.0.0.tgz]
    digest: sha256:abc
  - apiVersion: v2
    name: good
    version: 2.0.0-rc.1
    urls: [https://cdn.example.com/good-2.0.0-rc.1.tgz]
  - apiVersion: v2
    name: good
    version: not-semver
    urls: [x.tgz]
  - apiVersion: v2
    name: other
    version: 1.0.0
    urls: [x.tgz]
  - apiVersion: v2
    name: good
    version: 3.0.0
`), "https://charts.example.com/stable")
	if err != nil {
		t.Fatal(err)
	}
	g := idx.Charts["good"]
	if len(g) != 2 || g[0].Version != "2.0.0-rc.1" || g[1].URL != "https://charts.example.com/stable/charts/good-1.0.0.tgz" || g[1].Digest != "abc" {
		t.Errorf("%+v", g)
	}
	if len(idx.Skipped) != 3 {
		t.Errorf("skipped %q", idx.Skipped)
	}
}

func TestOCIListAndFetch(t *testing.T) {
	reg := repotest.NewRegistry(t)
	archives := repotest.Package(t, repotest.DemoDirs...)
	for _, a := range archives {
		reg.Push(t, "charts", a)
	}
	reg.Push(t, "elsewhere", archives[2])
	ctx := context.Background()

	// A namespace: every chart under it (from the catalog).
	idx, err := repo.List(ctx, "oci://"+reg.Host+"/charts", repo.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(idx.Charts) != 4 || idx.Versions() != 5 || len(idx.Skipped) != 0 {
		t.Fatalf("%d charts, %d versions, skipped %v", len(idx.Charts), idx.Versions(), idx.Skipped)
	}
	web := idx.Charts["demo-web"]
	if web[0].Version != "1.1.0" || web[0].URL != "oci://"+reg.Host+"/charts/demo-web:1.1.0" || len(web[0].Digest) != 64 || web[0].AppVersion != "1.28" {
		t.Errorf("%+v", web[0])
	}
	data, err := repo.Fetch(ctx, "oci://"+reg.Host+"/charts", web[0].URL, web[0].Digest, repo.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if chart.Digest(data) != web[0].Digest {
		t.Error("fetched archive has another digest")
	}
	_, err = repo.Fetch(ctx, "oci://"+reg.Host+"/charts", web[0].URL, web[1].Digest, repo.Options{})
	wantError(t, err, "not the sha256:"+web[1].Digest)

	// One chart: its tags.
	one, err := repo.List(ctx, "oci://"+reg.Host+"/charts/demo-web", repo.Options{})
	if err != nil || len(one.Charts) != 1 || len(one.Charts["demo-web"]) != 2 {
		t.Fatalf("%v %+v", err, one)
	}
	// The whole registry.
	all, err := repo.List(ctx, "oci://"+reg.Host, repo.Options{})
	if err != nil || all.Versions() != 6 {
		t.Fatalf("%v %d", err, all.Versions())
	}
	again, err := repo.List(ctx, "oci://"+reg.Host+"/charts", repo.Options{})
	if err != nil || again.Digest != idx.Digest {
		t.Errorf("digest changed: %v", err)
	}
	// Nothing there.
	none, err := repo.List(ctx, "oci://"+reg.Host+"/nothing", repo.Options{})
	if err != nil || len(none.Charts) != 0 {
		t.Errorf("%v %+v", err, none)
	}
}

func TestOCIBadRegistries(t *testing.T) {
	ctx := context.Background()
	garbage := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("<html>not a registry</html>"))
	}))
	defer garbage.Close()
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := l.Addr().String()
	l.Close()
	_, err := repo.List(ctx, "oci://"+closed+"/charts", repo.Options{})
	wantError(t, err, "does not answer", "connection refused")
	_, err = repo.List(ctx, "oci://"+strings.TrimPrefix(garbage.URL, "http://")+"/charts", repo.Options{})
	wantError(t, err, "does not answer as an OCI registry")
	t.Log(err)
}

// A guarded repository (a workspace's) reaches public addresses only: the
// HTTP repository and the OCI registry on loopback are refused before any
// request, with the guard's reason; the allowed networks let them through.
func TestGuardedRepositoriesReachPublicAddressesOnly(t *testing.T) {
	archives := repotest.Package(t, repotest.DemoDirs...)
	var hits atomic.Int32
	srv, _ := repotest.HTTPRepo(t, archives...)
	counted := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Redirect(w, r, srv.URL+r.URL.Path, http.StatusFound)
	}))
	t.Cleanup(counted.Close)
	reg := repotest.NewRegistry(t)
	reg.Push(t, "charts", archives[0])
	ctx := context.Background()
	guard := &netguard.Policy{For: "a workspace's chart repository"}
	for _, u := range []string{counted.URL, "oci://" + reg.Host + "/charts"} {
		_, err := repo.List(ctx, u, repo.Options{Guard: guard, PlainHTTP: true})
		if err == nil || !strings.Contains(err.Error(), "is not allowed for a workspace's chart repository (loopback)") {
			t.Errorf("%s: %v, want the guard's refusal", u, err)
		}
	}
	if hits.Load() != 0 {
		t.Errorf("the guarded repository was reached %d times", hits.Load())
	}
	loopback, err := netguard.ParseCIDRs([]string{"127.0.0.0/8"})
	if err != nil {
		t.Fatal(err)
	}
	allowed := &netguard.Policy{Allowed: loopback, For: "a workspace's chart repository"}
	if _, err := repo.List(ctx, counted.URL, repo.Options{Guard: allowed}); err != nil || hits.Load() != 1 {
		t.Errorf("an allowed network: %v (hits %d)", err, hits.Load())
	}
}
