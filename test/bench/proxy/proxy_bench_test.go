//go:build bench

// Package proxy benchmarks ke-apiserver's Kubernetes API proxy against a
// real kube-apiserver: a GET of one namespace's pods through ke-apiserver
// (authentication, authorization, impersonation, forwarding) against the
// same GET straight to kube-apiserver, with the same user's token.
package proxy

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/superkube/super-kubenetes/internal/apiserver/app"
	"github.com/superkube/super-kubenetes/internal/authn"
	"github.com/superkube/super-kubenetes/internal/controller/bootstrap"
	cmapp "github.com/superkube/super-kubenetes/internal/controllermanager/app"
	"github.com/superkube/super-kubenetes/internal/oauth"
	"github.com/superkube/super-kubenetes/internal/scheme"
	"github.com/superkube/super-kubenetes/internal/testutil/envtest"
)

const (
	namespace = "bench-pods"
	pods      = 2000
	rounds    = 200
	password  = "Bench-Passw0rd!"
)

func BenchmarkProxiedPodList(b *testing.B) {
	ctrl.SetLogger(logr.Discard())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir := b.TempDir()
	certFile, keyFile, err := app.SelfSignedCert(dir, []string{"127.0.0.1"})
	if err != nil {
		b.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	issuer := "https://" + l.Addr().String()

	// kube-apiserver asks ke-apiserver about its tokens (the token webhook),
	// so that the same user's kubeconfig token works straight against it.
	ca, err := os.ReadFile(certFile)
	if err != nil {
		b.Fatal(err)
	}
	webhook, err := authn.WebhookKubeconfig(issuer+authn.TokenReviewPath, ca, "")
	if err != nil {
		b.Fatal(err)
	}
	webhookFile := filepath.Join(dir, "token-webhook.kubeconfig")
	if err := os.WriteFile(webhookFile, webhook, 0o600); err != nil {
		b.Fatal(err)
	}
	env, err := envtest.Start(envtest.Options{ExtraAPIServerArgs: authn.TokenWebhookArgs(webhookFile)})
	if err != nil {
		b.Fatal(err)
	}
	defer env.Stop()
	k8s, err := client.New(env.Config, client.Options{Scheme: scheme.New()})
	if err != nil {
		b.Fatal(err)
	}

	// ke-controller-manager creates the administrator and its native RBAC.
	cmCfg := cmapp.DefaultConfig()
	cmCfg.MetricsBindAddress, cmCfg.StateMetricsBindAddress, cmCfg.HealthProbeBindAddress, cmCfg.LeaderElection.Enabled = "0", "0", "0", false
	cmCfg.Authentication.BcryptCost = 4
	cmCompleted, err := cmCfg.Complete(env.Config)
	if err != nil {
		b.Fatal(err)
	}
	mgr, boot, err := cmapp.NewManager(cmCompleted, cmapp.ManagerOptions{})
	if err != nil {
		b.Fatal(err)
	}
	go func() { _ = mgr.Start(ctx) }()
	if err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, time.Minute, true, func(context.Context) (bool, error) {
		return boot.Completed(), nil
	}); err != nil {
		b.Fatal(err)
	}

	cfg := app.DefaultConfig()
	cfg.Issuer = issuer
	cfg.SigningKeyFile, cfg.GenerateSigningKey = filepath.Join(dir, "signing.key"), true
	cfg.Authentication.BcryptCost = 4
	cfg.Authentication.LoginsPerMinute = 0
	cfg.Kubernetes.ExternalURL = env.Config.Host
	cfg.OAuthClients = []oauth.Client{{ID: "ke-console", Secret: "s", Trusted: true, RedirectURIs: []string{"https://console/oauth/callback"}}}
	completed, err := cfg.Complete(env.Config)
	if err != nil {
		b.Fatal(err)
	}
	s, err := app.Build(ctx, completed, logr.Discard(), clock.RealClock{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if err := s.Start(ctx); err != nil {
		b.Fatal(err)
	}
	srv := &http.Server{Handler: s.Handler, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.ServeTLS(l, certFile, keyFile) }()
	defer srv.Close()

	// Both clients speak HTTP/2, as kubectl does.
	keCA := x509.NewCertPool()
	keCA.AppendCertsFromPEM(ca)
	keClient := &http.Client{Timeout: time.Minute, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: keCA, MinVersion: tls.VersionTLS12}, ForceAttemptHTTP2: true}}
	kubeCA := x509.NewCertPool()
	kubeCA.AppendCertsFromPEM(env.Config.CAData)
	kubeClient := &http.Client{Timeout: time.Minute, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: kubeCA, MinVersion: tls.VersionTLS12}, ForceAttemptHTTP2: true}}

	tok := adminToken(b, ctx, k8s, keClient, issuer)
	createPods(b, ctx, k8s)

	path := "/api/v1/namespaces/" + namespace + "/pods"
	kubeURL := strings.TrimSuffix(env.Config.Host, "/")
	get := func(c *http.Client, base, encoding string) (time.Duration, int) {
		start := time.Now()
		req, _ := http.NewRequest(http.MethodGet, base+path, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Accept", "application/json")
		req.Header.Set("Accept-Encoding", encoding)
		resp, err := c.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		n, err := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil {
			b.Fatal(err)
		}
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("%s: %d", base, resp.StatusCode)
		}
		return time.Since(start), int(n)
	}
	// kube-apiserver fetches ke-apiserver's keys in the background at first.
	if err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, time.Minute, true, func(context.Context) (bool, error) {
		req, _ := http.NewRequest(http.MethodGet, kubeURL+path+"?limit=1", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := kubeClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		return err == nil && resp.StatusCode == http.StatusOK, nil
	}); err != nil {
		b.Fatal("kube-apiserver does not accept the administrator's kubeconfig token")
	}

	fmt.Fprintf(os.Stdout, "\nGET %s (%d pods, JSON, same user's token), %d rounds each, alternating:\n", path, pods, rounds)
	for _, enc := range []struct{ name, header string }{{"gzip, as kubectl asks", "gzip"}, {"uncompressed", "identity"}} {
		for range 10 { // warm up connections and caches
			get(kubeClient, kubeURL, enc.header)
			get(keClient, issuer, enc.header)
		}
		var direct, proxied []time.Duration
		var size int
		for range rounds {
			d, _ := get(kubeClient, kubeURL, enc.header)
			p, n := get(keClient, issuer, enc.header)
			direct, proxied, size = append(direct, d), append(proxied, p), n
		}
		dp50, dp95 := percentiles(direct)
		pp50, pp95 := percentiles(proxied)
		ratio50, ratio95 := float64(pp50)/float64(dp50), float64(pp95)/float64(dp95)
		fmt.Fprintf(os.Stdout, "  %-22s %7d bytes  kube-apiserver p50 %-8s p95 %-8s  through ke-apiserver p50 %-8s p95 %-8s  ratio p50 %.2fx p95 %.2fx (target <= 1.15x)\n",
			enc.name, size, dp50.Round(10*time.Microsecond), dp95.Round(10*time.Microsecond), pp50.Round(10*time.Microsecond), pp95.Round(10*time.Microsecond), ratio50, ratio95)
		if enc.header == "gzip" {
			b.ReportMetric(float64(dp50.Microseconds())/1000, "direct-p50-ms")
			b.ReportMetric(float64(pp50.Microseconds())/1000, "proxied-p50-ms")
			b.ReportMetric(ratio50, "ratio-p50")
			b.ReportMetric(ratio95, "ratio-p95")
		}
	}
	fmt.Fprintln(os.Stdout)
}

func percentiles(d []time.Duration) (p50, p95 time.Duration) {
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	return d[len(d)/2], d[len(d)*95/100]
}

// adminToken logs the administrator in, changing the initial password.
func adminToken(b *testing.B, ctx context.Context, k8s client.Client, hc *http.Client, issuer string) string {
	b.Helper()
	secret := &corev1.Secret{}
	if err := k8s.Get(ctx, types.NamespacedName{Namespace: "superkube-system", Name: bootstrap.AdminPasswordSecret}, secret); err != nil {
		b.Fatal(err)
	}
	login := func(pass string) string {
		req, _ := http.NewRequest(http.MethodPost, issuer+"/oauth/token",
			strings.NewReader(url.Values{"grant_type": {"password"}, "username": {"admin"}, "password": {pass}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth("ke-console", "s")
		resp, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("login: %d %s", resp.StatusCode, body)
		}
		var out struct {
			AccessToken string `json:"access_token"`
		}
		if err := json.Unmarshal(body, &out); err != nil || out.AccessToken == "" {
			b.Fatalf("no access token: %s", body)
		}
		return out.AccessToken
	}
	initial := string(secret.Data["password"])
	first := login(initial)
	req, _ := http.NewRequest(http.MethodPut, issuer+"/kapis/iam.superkube.io/v1beta1/users/admin/password",
		strings.NewReader(`{"currentPassword":"`+initial+`","password":"`+password+`"}`))
	req.Header.Set("Authorization", "Bearer "+first)
	req.Header.Set("Content-Type", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b.Fatalf("password change: %d", resp.StatusCode)
	}
	access := login(password)
	// The token of a downloaded kubeconfig (audience "kubernetes") works with
	// both servers: the same token, the same user, for both measurements.
	req, _ = http.NewRequest(http.MethodGet, issuer+"/kapis/iam.superkube.io/v1beta1/users/admin/kubeconfig", nil)
	req.Header.Set("Authorization", "Bearer "+access)
	resp, err = hc.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		b.Fatalf("kubeconfig: %d %s", resp.StatusCode, data)
	}
	kc, err := clientcmd.Load(data)
	if err != nil {
		b.Fatal(err)
	}
	for _, ai := range kc.AuthInfos {
		if ai.Token != "" {
			return ai.Token
		}
	}
	b.Fatal("the kubeconfig has no token")
	return ""
}

// createPods creates the namespace's pods; with no scheduler they stay Pending.
func createPods(b *testing.B, ctx context.Context, k8s client.Client) {
	b.Helper()
	if err := k8s.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: namespace}}); err != nil {
		b.Fatal(err)
	}
	work := make(chan int)
	errs := make(chan error, pods)
	var wg sync.WaitGroup
	for range 32 {
		wg.Go(func() {
			for i := range work {
				errs <- k8s.Create(ctx, &corev1.Pod{
					ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: fmt.Sprintf("web-%04d", i), Labels: map[string]string{"app": "web", "tier": "frontend"}},
					Spec: corev1.PodSpec{Containers: []corev1.Container{{
						Name: "web", Image: "nginx:1.27", Ports: []corev1.ContainerPort{{ContainerPort: 80}},
						Env: []corev1.EnvVar{{Name: "MODE", Value: "production"}},
					}}},
				})
			}
		})
	}
	for i := range pods {
		work <- i
	}
	close(work)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			b.Fatal(err)
		}
	}
}
