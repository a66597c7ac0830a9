//go:build bench

// Package multicluster benchmarks the host's reach into member clusters:
// the same proxied GET and the same exec in a pod of one member joined
// twice, directly (Direct) and through an agent's tunnel (Agent), with the
// same user's token (BenchmarkTunnelVsDirect); and what ten members joined
// through ten ke-agent processes cost a ke-apiserver process that holds
// their tunnels and probes them (BenchmarkTenMembers). Run with `make bench`.
package multicluster

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	clusterv1alpha1 "github.com/superkube/super-kubenetes/api/cluster/v1alpha1"
	"github.com/superkube/super-kubenetes/internal/apiserver/app"
	"github.com/superkube/super-kubenetes/internal/multicluster/agent"
	"github.com/superkube/super-kubenetes/internal/oauth"
	"github.com/superkube/super-kubenetes/internal/scheme"
	"github.com/superkube/super-kubenetes/internal/testutil/envtest"
	"github.com/superkube/super-kubenetes/internal/testutil/platform"
)

const (
	namespace  = "bench"
	configMaps = 500
	rounds     = 200
	password   = "Bench-Passw0rd!"
	prefix     = "/kapis/cluster.superkube.io/v1alpha1"
)

func BenchmarkTunnelVsDirect(b *testing.B) {
	ctrl.SetLogger(logr.Discard())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir := b.TempDir()
	host, err := envtest.Start(envtest.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer host.Stop()
	member, err := envtest.Start(envtest.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer member.Stop()
	k8s, err := client.New(host.Config, client.Options{Scheme: scheme.New()})
	if err != nil {
		b.Fatal(err)
	}
	if err := platform.StartControllers(ctx, host.Config); err != nil {
		b.Fatal(err)
	}
	apiServer, err := platform.Listen(dir)
	if err != nil {
		b.Fatal(err)
	}
	cfg := apiServer.Config(host.Config)
	cfg.OAuthClients = []oauth.Client{{ID: app.ConsoleClientID, Secret: "console", Trusted: true, RedirectURIs: []string{"https://console.test/oauth/callback"}}}
	_, stop, err := apiServer.Start(ctx, cfg, host.Config)
	if err != nil {
		b.Fatal(err)
	}
	defer stop()
	tlsCfg, err := apiServer.TLSConfig()
	if err != nil {
		b.Fatal(err)
	}
	hc := &http.Client{Timeout: time.Minute, Transport: &http.Transport{TLSClientConfig: tlsCfg, MaxIdleConnsPerHost: 4}}
	api := &platform.Client{URL: apiServer.URL, HTTP: hc, K8s: k8s, ConsoleSecret: "console", Password: password}
	admin := api.Admin(b)

	// The member: the objects to read, and the administrator's rights
	// there (what the RBAC mirror will write).
	mc, err := client.New(member.Config, client.Options{Scheme: scheme.New()})
	if err != nil {
		b.Fatal(err)
	}
	objs := []client.Object{
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: namespace}},
		&rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "bench-admin"},
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "cluster-admin"},
			Subjects: []rbacv1.Subject{{Kind: "User", APIGroup: rbacv1.GroupName, Name: "admin"}}},
	}
	for i := range configMaps {
		objs = append(objs, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: "cm-" + strconv.Itoa(i)},
			Data: map[string]string{"key": fmt.Sprintf("value %d of the benchmark's config maps", i)}})
	}
	for _, o := range objs {
		if err := mc.Create(ctx, o); err != nil {
			b.Fatal(err)
		}
	}
	kc, err := member.AdminKubeconfig()
	if err != nil {
		b.Fatal(err)
	}
	join := func(body map[string]any) *platform.Response {
		r := api.DoJSON(b, http.MethodPost, prefix+"/clusters", admin, body)
		if r.Code != http.StatusCreated {
			b.Fatalf("joining %v: %d %s", body["name"], r.Code, r.Body)
		}
		return r
	}
	join(map[string]any{"name": "direct", "connection": "Direct", "kubeconfig": string(kc)})
	r := join(map[string]any{"name": "edge", "connection": "Agent"})
	jt, _ := r.JSON["joinToken"].(map[string]any)
	token, _ := jt["token"].(string)
	ca, _ := os.ReadFile(apiServer.CertFile)
	a := &agent.Agent{HostURL: apiServer.URL, HostCA: ca, Cluster: "edge", JoinToken: token,
		CredentialFile: filepath.Join(dir, "credential"), Kubeconfig: kc, Log: logr.Discard()}
	go func() { _ = a.Run(ctx) }()
	for _, name := range []string{"direct", "edge"} {
		waitReady(b, k8s, name)
	}

	path := "/api/v1/namespaces/" + namespace + "/configmaps"
	get := func(cluster string) (time.Duration, int) {
		req, _ := http.NewRequest(http.MethodGet, apiServer.URL+"/clusters/"+cluster+path, nil)
		req.Header.Set("Authorization", "Bearer "+admin)
		req.Header.Set("Accept-Encoding", "gzip")
		start := time.Now()
		resp, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("GET through %s: %d", cluster, resp.StatusCode)
		}
		return time.Since(start), int(n)
	}
	for range 10 {
		get("direct")
		get("edge")
	}
	var direct, tunnelled []time.Duration
	var size int
	for range rounds {
		d, _ := get("direct")
		t, n := get("edge")
		direct, tunnelled, size = append(direct, d), append(tunnelled, t), n
	}
	dp50, dp95 := percentiles(direct)
	tp50, tp95 := percentiles(tunnelled)
	fmt.Fprintf(os.Stdout, "\nGET /clusters/{c}%s (%d config maps, %d bytes gzip), %d rounds each, alternating:\n", path, configMaps, size, rounds)
	fmt.Fprintf(os.Stdout, "  Direct p50 %-8s p95 %-8s  through the agent's tunnel p50 %-8s p95 %-8s  ratio p50 %.2fx p95 %.2fx (target <= 1.3x)\n\n",
		dp50.Round(10*time.Microsecond), dp95.Round(10*time.Microsecond), tp50.Round(10*time.Microsecond), tp95.Round(10*time.Microsecond),
		float64(tp50)/float64(dp50), float64(tp95)/float64(dp95))
	b.ReportMetric(float64(tp50)/float64(dp50), "ratio-p50")
	b.ReportMetric(float64(tp95)/float64(dp95), "ratio-p95")

	defer startKubelet(b, ctx, mc)()
	viaHost := func(cluster string) execPath {
		return execPath{name: "through ke-apiserver, " + cluster, base: apiServer.URL + "/clusters/" + cluster,
			cfg: &rest.Config{Host: apiServer.URL, BearerToken: admin, TLSClientConfig: rest.TLSClientConfig{CAFile: apiServer.CertFile}}}
	}
	viaDirect, viaTunnel := viaHost("direct"), viaHost("edge")
	viaDirect.name, viaTunnel.name = "Direct (ke-apiserver -> member)", "through the agent's tunnel"
	benchExec(b, ctx, []execPath{
		{name: "member kube-apiserver itself", cfg: rest.CopyConfig(member.Config), base: strings.TrimSuffix(member.Config.Host, "/")},
		viaDirect, viaTunnel,
	})
}

func waitReady(b *testing.B, k8s client.Client, name string) {
	b.Helper()
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		c := &clusterv1alpha1.Cluster{}
		if err := k8s.Get(context.Background(), client.ObjectKey{Name: name}, c); err == nil && meta.IsStatusConditionTrue(c.Status.Conditions, clusterv1alpha1.ReadyCondition) {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	b.Fatalf("cluster %s is not Ready after a minute", name)
}

func percentiles(d []time.Duration) (p50, p95 time.Duration) {
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	return d[len(d)/2], d[len(d)*95/100]
}
