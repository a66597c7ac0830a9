package app_test

import (
	"context"
	"crypto/tls"
	"encoding/pem"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/spf13/pflag"
	"k8s.io/utils/clock"

	"github.com/superkube/super-kubenetes/internal/console/app"
	"github.com/superkube/super-kubenetes/internal/testutil/tcpforward"
)

func secretFile(t *testing.T) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(f, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

func complete(t *testing.T, args ...string) (app.Config, error) {
	t.Helper()
	o := app.NewOptions()
	fs := pflag.NewFlagSet("ke-console", pflag.ContinueOnError)
	o.AddFlags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	c, err := o.Complete()
	if err != nil {
		return app.Config{}, err
	}
	return c.Config, nil
}

// completed completes a configuration that a test built.
func completed(t *testing.T, cfg app.Config) app.CompletedConfig {
	t.Helper()
	c, err := cfg.Complete()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestFlagsMakeAValidConfiguration(t *testing.T) {
	cfg, err := complete(t, "--public-url=https://127.0.0.1:8443", "--apiserver-url=https://127.0.0.1:9443", "--client-secret-file=/s",
		"--base-path=console", "--session-lifetime=2h")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.BasePath != "/console/" || cfg.SessionLifetime.Duration != 2*time.Hour || cfg.OAuth.ClientID != "ke-console" ||
		cfg.BindAddress != "0.0.0.0:8443" || cfg.Title != "Super Kubenetes" {
		t.Fatalf("%+v", cfg)
	}
}

func TestFlagsOverrideTheConfigurationFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "console.yaml")
	if err := os.WriteFile(file, []byte(`apiVersion: config.superkube.io/v1alpha1
kind: ConsoleConfiguration
publicURL: https://console.example.com/console
basePath: /console/
title: Example
apiServer:
  url: https://ke-apiserver:9443
  publicURL: https://api.example.com
oauth:
  clientSecretFile: /etc/ke-console/secret
sessionLifetime: 30m
`), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := complete(t, "--config="+file, "--title=Flag title")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Title != "Flag title" || cfg.PublicURL != "https://console.example.com/console" || cfg.APIServer.PublicURL != "https://api.example.com" ||
		cfg.SessionLifetime.Duration != 30*time.Minute {
		t.Fatalf("%+v", cfg)
	}
	if err := os.WriteFile(file, []byte("apiVersion: v1\nkind: ConsoleConfiguration\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := complete(t, "--config="+file); err == nil || !strings.Contains(err.Error(), "apiVersion") {
		t.Fatalf("a file of another version: %v", err)
	}
	if err := os.WriteFile(file, []byte("apiVersion: config.superkube.io/v1alpha1\nkind: ConsoleConfiguration\npublicUrl: x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := complete(t, "--config="+file); err == nil {
		t.Fatal("an unknown field was accepted")
	}
}

func TestInvalidConfigurationsNameEveryProblem(t *testing.T) {
	_, err := complete(t, "--public-url=console.example.com", "--apiserver-url=https://user:pw@api", "--client-id=", "--session-lifetime=1s",
		"--tls-cert-file=/c", "--dev-ui-url=localhost:5173")
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{"publicURL", "apiServer.url", "oauth.clientID", "oauth.clientSecretFile", "tls.certFile and tls.keyFile",
		"sessionLifetime", "devUIURL"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error does not name %s: %v", want, err)
		}
	}
	if _, err := complete(t, "--public-url=https://c.example.com/other", "--base-path=/console/", "--apiserver-url=https://a", "--client-secret-file=/s"); err == nil ||
		!strings.Contains(err.Error(), "not the base path") {
		t.Fatalf("a public URL with another path: %v", err)
	}
}

func TestBasePathsAreNormalized(t *testing.T) {
	for in, want := range map[string]string{"": "/", "/": "/", "console": "/console/", "/console": "/console/", "/a/b/": "/a/b/", "/a/../b": "/b/"} {
		if got := app.NormalizeBasePath(in); got != want {
			t.Errorf("NormalizeBasePath(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestBuildNeedsTheClientSecret(t *testing.T) {
	cfg := app.DefaultConfig()
	cfg.PublicURL, cfg.APIServer.URL, cfg.OAuth.ClientSecretFile = "https://c", "https://a", filepath.Join(t.TempDir(), "missing")
	if _, err := app.Build(context.Background(), completed(t, cfg), app.Deps{Log: logr.Discard(), Clock: clock.RealClock{}}); err == nil ||
		!strings.Contains(err.Error(), "oauth.clientSecretFile") {
		t.Fatalf("%v", err)
	}
}

func TestRunServesHealthOverTLSAndStopsWhenAsked(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	cfg := app.DefaultConfig()
	cfg.BindAddress, cfg.PublicURL, cfg.BasePath = addr, "https://"+addr, "/console/"
	cfg.APIServer.URL, cfg.OAuth.ClientSecretFile = "https://127.0.0.1:1", secretFile(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	certDir := t.TempDir()
	cc := completed(t, cfg)
	cc.CertDir = certDir
	go func() { done <- app.Run(ctx, cc, clock.RealClock{}) }()

	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	var resp *http.Response
	for i := 0; i < 100; i++ {
		if resp, err = c.Get("https://" + addr + "/readyz"); err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(body) != "ok" {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	for _, p := range []string{"/healthz", "/console/healthz", "/console/readyz"} {
		resp, err := c.Get("https://" + addr + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d", p, resp.StatusCode)
		}
	}
	if _, err := os.Stat(filepath.Join(certDir, "ke-console.crt")); err != nil {
		t.Fatalf("no self-signed certificate: %v", err)
	}
	// Without a build of the SPA (the committed placeholder), pages say so.
	resp, err = c.Get("https://" + addr + "/console/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable && resp.StatusCode != http.StatusOK {
		t.Fatalf("the console's page: %d %s", resp.StatusCode, body)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
}

func TestTheRedisURLComesFromAFileThatPsDoesNotShow(t *testing.T) {
	file := filepath.Join(t.TempDir(), "redis-url")
	if err := os.WriteFile(file, []byte("redis://:pw@127.0.0.1:16379/0\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	base := []string{"--public-url=https://127.0.0.1:8443", "--apiserver-url=https://127.0.0.1:9443", "--client-secret-file=/s"}
	cfg, err := complete(t, append(base, "--redis-url-file="+file)...)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.RedisURL != "redis://:pw@127.0.0.1:16379/0" {
		t.Fatalf("RedisURL %q", cfg.RedisURL)
	}
	empty := filepath.Join(t.TempDir(), "empty")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--redis-url-file=" + file, "--redis-url=redis://other:6379"}, "--redis-url and --redis-url-file are both set"},
		{[]string{"--redis-url-file=" + empty}, "is empty"},
		{[]string{"--redis-url-file=/nonexistent/redis-url"}, "--redis-url-file: open /nonexistent/redis-url"},
	} {
		_, err := complete(t, append(base, tc.args...)...)
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), ":pw@") {
			t.Errorf("%v: error %v, want one saying %q without the password", tc.args, err, tc.want)
		}
	}
}

// A ke-apiserver that hangs (a stopped process: its port takes connections
// and nothing answers) is found out within seconds, on the connection the
// console already had to it too, and the browser gets 503 with Retry-After
// instead of waiting for as long as it is willing to.
func TestAHungKeAPIServerIsAnswered503WithinSeconds(t *testing.T) {
	up := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"gitVersion":"v1"}`)
	}))
	up.EnableHTTP2 = true
	up.StartTLS()
	t.Cleanup(up.Close)
	caFile := filepath.Join(t.TempDir(), "ca.crt")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: up.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	fwd := tcpforward.StartT(t, up.Listener.Addr().String())
	cfg := app.DefaultConfig()
	cfg.PublicURL, cfg.APIServer.URL, cfg.APIServer.CAFile, cfg.OAuth.ClientSecretFile = "https://console.test", "https://"+fwd.Addr(), caFile, secretFile(t)
	s, err := app.Build(context.Background(), completed(t, cfg), app.Deps{Log: logr.Discard(), Clock: clock.RealClock{}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	front := httptest.NewServer(s.Handler)
	t.Cleanup(front.Close)
	browser := &http.Client{Timeout: 20 * time.Second}
	get := func() (int, http.Header, string, time.Duration) {
		t.Helper()
		begin := time.Now()
		resp, err := browser.Get(front.URL + "/version")
		if err != nil {
			t.Fatalf("after %s: %v", time.Since(begin), err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header, string(body), time.Since(begin)
	}
	if code, _, body, _ := get(); code != http.StatusOK {
		t.Fatalf("before: %d %s", code, body)
	}

	fwd.Stall()
	t.Cleanup(fwd.Resume)
	code, header, body, took := get()
	t.Logf("While ke-apiserver hangs: %d after %s: %s", code, took.Round(time.Millisecond), body)
	if code != http.StatusServiceUnavailable || !strings.Contains(body, `"code":503`) || header.Get("Retry-After") == "" {
		t.Errorf("want a 503 Status with Retry-After: %d %v %s", code, header, body)
	}
	if took > 15*time.Second {
		t.Errorf("answered after %s, want within 15s", took)
	}
}
