package tlsserve

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/go-logr/logr"
)

func TestSelfSignedIsMadeOnceAndServesItsHosts(t *testing.T) {
	dir := t.TempDir()
	cert, key, err := SelfSigned(dir, "ke-test", []string{"console.example.com", "127.0.0.1", ""})
	if err != nil {
		t.Fatal(err)
	}
	first, _ := os.ReadFile(cert)
	again, _, err := SelfSigned(dir, "ke-test", []string{"other.example.com"})
	if err != nil || again != cert {
		t.Fatalf("second call: %s, %v", again, err)
	}
	if second, _ := os.ReadFile(cert); string(second) != string(first) {
		t.Error("an existing certificate was replaced")
	}
	pair, err := tls.LoadX509KeyPair(cert, key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := c.VerifyHostname("console.example.com"); err != nil {
		t.Error(err)
	}
	if err := c.VerifyHostname("127.0.0.1"); err != nil {
		t.Error(err)
	}
	if fi, _ := os.Stat(key); fi.Mode().Perm() != 0o600 {
		t.Errorf("key mode %v", fi.Mode().Perm())
	}
	if len(Fingerprint(cert)) != 16 || Fingerprint(dir+"/missing") != "" {
		t.Errorf("fingerprint %q", Fingerprint(cert))
	}
}

func TestServeEndsWhenTheContextDoesAndCutsStreamsAfterTheGrace(t *testing.T) {
	dir := t.TempDir()
	cert, key, err := SelfSigned(dir, "ke-test", []string{"127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	started := make(chan struct{})
	srv := &http.Server{ReadHeaderTimeout: time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		close(started)
		<-r.Context().Done() // a stream that never ends by itself
	})}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, srv, ln, cert, key, 200*time.Millisecond, logr.Discard()) }()

	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} // the test's own certificate
	go func() {
		if resp, err := client.Get("https://" + ln.Addr().String()); err == nil {
			resp.Body.Close()
		}
	}()
	<-started
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve returned %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return after the grace period with a stream open")
	}
}
