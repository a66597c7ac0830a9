package memberrbac

import (
	"context"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	clusterv1alpha1 "github.com/superkube/super-kubenetes/api/cluster/v1alpha1"
	"github.com/superkube/super-kubenetes/internal/scheme"
)

// The factory asks ke-apiserver's internal path of the cluster, with the
// token of the file (trimmed), trusting the CA file; a new token is used
// once the file changes.
func TestThroughAPIServer(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case strings.HasSuffix(r.URL.Path, "/api"):
			_, _ = w.Write([]byte(`{"kind":"APIVersions","versions":["v1"]}`))
		case strings.HasSuffix(r.URL.Path, "/apis"):
			_, _ = w.Write([]byte(`{"kind":"APIGroupList","apiVersion":"v1","groups":[]}`))
		case strings.HasSuffix(r.URL.Path, "/api/v1"):
			_, _ = w.Write([]byte(`{"kind":"APIResourceList","groupVersion":"v1","resources":[{"name":"namespaces","namespaced":false,"kind":"Namespace","verbs":["list"]}]}`))
		default:
			mu.Lock()
			seen = append(seen, r.Header.Get("Authorization")+" "+r.URL.Path)
			mu.Unlock()
			_, _ = w.Write([]byte(`{"kind":"NamespaceList","apiVersion":"v1","metadata":{},"items":[]}`))
		}
	}))
	srv.StartTLS()
	defer srv.Close()
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca.crt")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	tokenFile := filepath.Join(dir, "token")
	if err := os.WriteFile(tokenFile, []byte("  first\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := NewThroughAPIServer("http://insecure", ca, tokenFile, scheme.New()); err == nil {
		t.Fatal("an http URL was accepted")
	}
	if _, err := NewThroughAPIServer(srv.URL, ca, filepath.Join(dir, "missing"), scheme.New()); err == nil {
		t.Fatal("a missing token file was accepted")
	}
	f, err := NewThroughAPIServer(srv.URL+"/", ca, tokenFile, scheme.New())
	if err != nil {
		t.Fatal(err)
	}
	edge := &clusterv1alpha1.Cluster{ObjectMeta: metav1.ObjectMeta{Name: "edge"}}
	list := func() {
		t.Helper()
		c, err := f.For(context.Background(), edge)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.List(context.Background(), &corev1.NamespaceList{}); err != nil {
			t.Fatal(err)
		}
	}
	list()
	c1, _ := f.For(context.Background(), edge)
	c2, _ := f.For(context.Background(), edge)
	if c1 != c2 {
		t.Error("a second client for the same cluster")
	}
	// A new token (and a later modification time).
	if err := os.WriteFile(tokenFile, []byte("second"), 0o600); err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(time.Minute)
	if err := os.Chtimes(tokenFile, later, later); err != nil {
		t.Fatal(err)
	}
	list()
	mu.Lock()
	defer mu.Unlock()
	want := []string{"Bearer first /internal/clusters/edge/api/v1/namespaces", "Bearer second /internal/clusters/edge/api/v1/namespaces"}
	if len(seen) != 2 || seen[0] != want[0] || seen[1] != want[1] {
		t.Fatalf("requests %q, want %q", seen, want)
	}
}

// The long-lived readers' configuration names the token file, which
// client-go reads again, rather than a copy of the token.
func TestRESTConfigReadsTheTokenFile(t *testing.T) {
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "token")
	if err := os.WriteFile(tokenFile, []byte("first\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := NewThroughAPIServer("https://ke-apiserver.example", "", tokenFile, scheme.New())
	if err != nil {
		t.Fatal(err)
	}
	rc, err := f.RESTConfig("edge")
	if err != nil {
		t.Fatal(err)
	}
	if rc.BearerToken != "" || rc.BearerTokenFile != tokenFile || rc.Host != "https://ke-apiserver.example/internal/clusters/edge" {
		t.Fatalf("config %q %q %q", rc.Host, rc.BearerToken, rc.BearerTokenFile)
	}
	if err := os.Remove(tokenFile); err != nil {
		t.Fatal(err)
	}
	if _, err := f.RESTConfig("edge"); err == nil {
		t.Fatal("a configuration without a token file")
	}
}
