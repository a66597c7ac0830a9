// Package repotest serves chart repositories in a test's process: an HTTP
// repository of the demo charts in testdata/charts, and an OCI registry
// (go-containerregistry's in-memory registry) with charts pushed by the
// Helm SDK's registry client.
package repotest

import (
	"io"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/registry"
	helmregistry "helm.sh/helm/v4/pkg/registry"

	"github.com/superkube/super-kubenetes/internal/application/chart"
	"github.com/superkube/super-kubenetes/internal/application/repo"
)

// ChartsDir is the repository's testdata/charts.
func ChartsDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "..", "testdata", "charts")
}

// Package packages testdata/charts/<dir> for each dir.
func Package(t testing.TB, dirs ...string) [][]byte {
	t.Helper()
	var out [][]byte
	for _, d := range dirs {
		b, err := chart.Package(filepath.Join(ChartsDir(), d))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// DemoDirs are the folders of testdata/charts.
var DemoDirs = []string{"demo-web-1.0.0", "demo-web-1.1.0", "schema-app", "crd-app", "hooks-app"}

// HTTPRepo serves archives as an HTTP repository until the test ends; it
// returns the server and the repository.
func HTTPRepo(t testing.TB, archives ...[]byte) (*httptest.Server, *repo.Static) {
	t.Helper()
	s, err := repo.NewStatic(archives...)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return srv, s
}

// Registry is an in-process OCI registry.
type Registry struct {
	// Host is host:port (a loopback address: plain HTTP).
	Host   string
	Server *httptest.Server
	client *helmregistry.Client
}

// NewRegistry starts an OCI registry until the test ends.
func NewRegistry(t testing.TB) *Registry {
	t.Helper()
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(srv.Close)
	// The Helm client reads (never writes here) a credentials file.
	if os.Getenv("HELM_REGISTRY_CONFIG") == "" {
		t.Setenv("HELM_REGISTRY_CONFIG", filepath.Join(t.TempDir(), "registry.json"))
	}
	c, err := helmregistry.NewClient(helmregistry.ClientOptPlainHTTP(), helmregistry.ClientOptCredentialsFile(filepath.Join(t.TempDir(), "config.json")))
	if err != nil {
		t.Fatal(err)
	}
	return &Registry{Host: strings.TrimPrefix(srv.URL, "http://"), Server: srv, client: c}
}

// Push pushes archive as <host>/<path>/<chart name>:<version> and returns
// the reference.
func (r *Registry) Push(t testing.TB, path string, archive []byte) string {
	t.Helper()
	c, err := chart.Load(archive)
	if err != nil {
		t.Fatal(err)
	}
	ref := r.Host + "/" + strings.Trim(path, "/") + "/" + c.Metadata.Name + ":" + strings.ReplaceAll(c.Metadata.Version, "+", "_")
	if _, err := r.client.Push(archive, ref); err != nil {
		t.Fatalf("pushing %s: %v", ref, err)
	}
	return ref
}
