package kubelet

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/remotecommand"
	"k8s.io/client-go/util/exec"
	"k8s.io/utils/clock"

	"github.com/superkube/super-kubenetes/internal/dev/pki"
	"github.com/superkube/super-kubenetes/internal/dev/simshell"
)

// kwok stands in for KWOK's server: it answers logs and records the paths
// asked for.
func kwok(t *testing.T) (*httptest.Server, *[]string) {
	t.Helper()
	var paths []string
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		paths = append(paths, r.URL.Path)
		fmt.Fprint(w, "log line from kwok\n")
	}))
	t.Cleanup(srv.Close)
	return srv, &paths
}

func front(t *testing.T) (*httptest.Server, *[]string) {
	t.Helper()
	backend, paths := kwok(t)
	u, _ := url.Parse(backend.URL)
	h, err := NewHandler(simshell.NewSandbox(simshell.DefaultLimits(), clock.RealClock{}), nil, u, &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewTLSServer(h)
	t.Cleanup(srv.Close)
	return srv, paths
}

// execute speaks SPDY, as kube-apiserver does to a kubelet (it translates
// its clients' WebSocket streams).
func execute(t *testing.T, srv *httptest.Server, stdin io.Reader, command ...string) (string, string, error) {
	t.Helper()
	q := url.Values{"output": {"1"}, "error": {"1"}, "command": command}
	if stdin != nil {
		q.Set("input", "1")
	}
	u, _ := url.Parse(srv.URL + "/exec/demo/web-1/web?" + q.Encode())
	cfg := &rest.Config{Host: srv.URL, TLSClientConfig: rest.TLSClientConfig{Insecure: true}}
	ex, err := remotecommand.NewSPDYExecutor(cfg, http.MethodPost, u)
	if err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err = ex.StreamWithContext(ctx, remotecommand.StreamOptions{Stdin: stdin, Stdout: &out, Stderr: &errOut})
	return out.String(), errOut.String(), err
}

func TestExecRunsInTheSimulatedShell(t *testing.T) {
	srv, paths := front(t)
	out, _, err := execute(t, srv, nil, "sh", "-c", "echo hello from $KWOK_SIMULATED_POD")
	if err != nil || out != "hello from true\n" {
		t.Fatalf("%q, %v", out, err)
	}
	// The exit code reaches the client.
	_, errOut, err := execute(t, srv, nil, "sh", "-c", "cat /etc/passwd; exit 3")
	var code exec.CodeExitError
	if !errors.As(err, &code) || code.Code != 3 || !strings.Contains(errOut, "cat: /etc/passwd: No such file or directory") {
		t.Fatalf("want exit code 3 and cat's error, got %v, %q", err, errOut)
	}
	out, _, err = execute(t, srv, strings.NewReader("through and back\n"), "head", "-n", "1")
	if err != nil || out != "through and back\n" {
		t.Fatalf("head -n 1 with input: %q, %v", out, err)
	}
	if len(*paths) != 0 {
		t.Fatalf("exec reached KWOK: %v", *paths)
	}
}

func TestOnlyKubeletStreamsArePassedToKwok(t *testing.T) {
	srv, paths := front(t)
	client := srv.Client()
	get := func(p string) (int, string) {
		resp, err := client.Get(srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("/containerLogs/demo/web-1/web"); code != http.StatusOK || body != "log line from kwok\n" {
		t.Fatalf("logs: %d %q", code, body)
	}
	for _, p := range []string{"/run/demo/web-1/web?cmd=id", "/debug/pprof/", "/pods", "/configz"} {
		if code, _ := get(p); code != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", p, code)
		}
	}
	if len(*paths) != 1 || (*paths)[0] != "/containerLogs/demo/web-1/web" {
		t.Fatalf("KWOK was asked for %v", *paths)
	}
}

func TestEachNodesMetricsArePassedToKwok(t *testing.T) {
	srv, paths := front(t)
	client := srv.Client()
	get := func(p string) int {
		resp, err := client.Get(srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		return resp.StatusCode
	}
	want := []string{"/metrics/nodes/ke-node-0/metrics/resource", "/metrics/nodes/ke-node-1/metrics/cadvisor"}
	for _, p := range want {
		if code := get(p); code != http.StatusOK {
			t.Errorf("%s: %d, want 200", p, code)
		}
	}
	// KWOK's own metrics, and the kubelet paths without a node, are not served.
	for _, p := range []string{"/metrics", "/metrics/resource", "/metrics/cadvisor"} {
		if code := get(p); code != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", p, code)
		}
	}
	if !slices.Equal(*paths, want) {
		t.Fatalf("KWOK was asked for %v, want %v", *paths, want)
	}
}

func TestClientsNeedACertificateFromTheClusterCA(t *testing.T) {
	dir := t.TempDir()
	ca, err := pki.LoadOrCreateCA(dir, "ca", "test-ca")
	if err != nil {
		t.Fatal(err)
	}
	serving, err := ca.Ensure(dir, pki.Leaf{Name: "kubelet", CommonName: "kubelet", Hosts: []string{"127.0.0.1"}})
	if err != nil {
		t.Fatal(err)
	}
	client, err := ca.Ensure(dir, pki.Leaf{Name: "apiserver-kubelet-client", CommonName: "kube-apiserver-kubelet-client", Client: true})
	if err != nil {
		t.Fatal(err)
	}
	backend, _ := kwok(t)
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := l.Addr().String()
	l.Close()
	s, err := Start(Config{Addr: addr, KwokURL: backend.URL, CertFile: serving.CertFile, KeyFile: serving.KeyFile, CAFile: ca.CertFile,
		Sandbox: simshell.NewSandbox(simshell.DefaultLimits(), clock.RealClock{})})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	anonymous := &rest.Config{Host: "https://" + addr, TLSClientConfig: rest.TLSClientConfig{CAFile: ca.CertFile}}
	apiserver := &rest.Config{Host: "https://" + addr, TLSClientConfig: rest.TLSClientConfig{CAFile: ca.CertFile, CertFile: client.CertFile, KeyFile: client.KeyFile}}
	u, _ := url.Parse("https://" + addr + "/exec/demo/web-1/web?output=1&command=hostname")
	for _, c := range []struct {
		cfg  *rest.Config
		want bool
	}{{anonymous, false}, {apiserver, true}} {
		ex, err := remotecommand.NewSPDYExecutor(c.cfg, http.MethodPost, u)
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		err = ex.StreamWithContext(context.Background(), remotecommand.StreamOptions{Stdout: &out})
		if c.want && (err != nil || out.String() != "web-1\n") {
			t.Fatalf("with the client certificate: %q, %v", out.String(), err)
		}
		if !c.want && err == nil {
			t.Fatal("exec without a client certificate was served")
		}
	}
}
