//go:build bench

// Package apiserver benchmarks ke-apiserver's password grant against a real
// kube-apiserver: the latency of a login with the bcrypt cost in use.
package apiserver

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	"github.com/superkube/super-kubenetes/internal/apiserver/app"
	"github.com/superkube/super-kubenetes/internal/iam/password"
	"github.com/superkube/super-kubenetes/internal/iam/passwordsecret"
	"github.com/superkube/super-kubenetes/internal/oauth"
	"github.com/superkube/super-kubenetes/internal/scheme"
	"github.com/superkube/super-kubenetes/internal/testutil/envtest"
)

func BenchmarkPasswordGrant(b *testing.B) {
	ctrl.SetLogger(logr.Discard())
	env, err := envtest.Start(envtest.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer env.Stop()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	k8s, err := client.New(env.Config, client.Options{Scheme: scheme.New()})
	if err != nil {
		b.Fatal(err)
	}
	cfg := app.DefaultConfig() // bcrypt cost 10, as deployed
	hash, err := password.Hash("Bench-Passw0rd!", cfg.Authentication.BcryptCost)
	if err != nil {
		b.Fatal(err)
	}
	u := &iamv1beta1.User{ObjectMeta: metav1.ObjectMeta{Name: "bench"}}
	if err := k8s.Create(ctx, u); err != nil {
		b.Fatal(err)
	}
	// The hash is kept in a Secret of the system namespace.
	if err := k8s.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: cfg.SystemNamespace}}); err != nil {
		b.Fatal(err)
	}
	if err := (&passwordsecret.Store{Namespace: cfg.SystemNamespace, Reader: k8s, Writer: k8s}).Set(ctx, u, hash); err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	cfg.Issuer = "https://" + l.Addr().String()
	cfg.SigningKeyFile, cfg.GenerateSigningKey = filepath.Join(dir, "signing.key"), true
	cfg.Authentication.LoginsPerMinute = 0 // no rate limit for the measurement
	cfg.OAuthClients = []oauth.Client{{ID: "ke-console", Secret: "s", Trusted: true, RedirectURIs: []string{"https://console/oauth/callback"}}}
	completed, err := cfg.Complete(env.Config)
	if err != nil {
		b.Fatal(err)
	}
	s, err := app.Build(ctx, completed, logr.Discard(), clock.RealClock{})
	if err != nil {
		b.Fatal(err)
	}
	if err := s.Start(ctx); err != nil {
		b.Fatal(err)
	}
	certFile, keyFile, err := app.SelfSignedCert(dir, []string{"127.0.0.1"})
	if err != nil {
		b.Fatal(err)
	}
	srv := &http.Server{Handler: s.Handler, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.ServeTLS(l, certFile, keyFile) }()
	defer srv.Close()
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} // a benchmark against its own server
	login := func() time.Duration {
		start := time.Now()
		req, _ := http.NewRequest(http.MethodPost, cfg.Issuer+"/oauth/token",
			strings.NewReader(url.Values{"grant_type": {"password"}, "username": {"bench"}, "password": {"Bench-Passw0rd!"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth("ke-console", "s")
		resp, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("login: %d", resp.StatusCode)
		}
		return time.Since(start)
	}
	login() // warm up the connection and caches
	const n = 50
	lat := make([]time.Duration, 0, n)
	for range n {
		lat = append(lat, login())
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	p50, p95 := lat[n/2], lat[n*95/100]
	fmt.Fprintf(os.Stdout, "\npassword grant (bcrypt cost %d, token store in memory): p50 %s, p95 %s over %d logins\n\n",
		cfg.Authentication.BcryptCost, p50.Round(time.Millisecond/10), p95.Round(time.Millisecond/10), n)
	b.ReportMetric(float64(p50.Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(p95.Microseconds())/1000, "p95-ms")
}
