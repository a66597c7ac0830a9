//go:build bench

// Package meshtopology benchmarks the traffic graph of a project of 50
// services (chains and fan-outs, about 100 call edges, 10 services with a
// canary v2 at 20%): the mesh simulator watching a real kube-apiserver,
// scraped by a real Prometheus every second, read through ke-apiserver.
// It prints the topology endpoint's p50/p95 and the Prometheus queries
// each request makes, with their time. Run with `make bench`.
package meshtopology

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr"
	networkingv1alpha3 "istio.io/api/networking/v1alpha3"
	istiov1 "istio.io/client-go/pkg/apis/networking/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/superkube/super-kubenetes/internal/apiserver/app"
	"github.com/superkube/super-kubenetes/internal/dev/meshsim"
	"github.com/superkube/super-kubenetes/internal/oauth"
	"github.com/superkube/super-kubenetes/internal/scheme"
	"github.com/superkube/super-kubenetes/internal/testutil/bench"
	"github.com/superkube/super-kubenetes/internal/testutil/envtest"
	"github.com/superkube/super-kubenetes/internal/testutil/platform"
	"github.com/superkube/super-kubenetes/internal/testutil/prometheus"
)

const (
	ns       = "mesh"
	services = 50
	chains   = 5
	samples  = 60
	prefix   = "/kapis/servicemesh.superkube.io/v1alpha2/namespaces/" + ns
)

func name(i int) string { return fmt.Sprintf("svc-%02d", i) }

// world: 5 chains of 10 services (each calls the next of its chain), each
// service also calling another one of another chain, the heads taking
// ingress traffic; every fifth service has a canary v2 at 20%.
func world() []client.Object {
	objs := []client.Object{&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}}
	per := services / chains
	for i := range services {
		var calls []string
		if (i+1)%per != 0 {
			calls = append(calls, name(i+1)+":10")
		}
		if j := (i*7 + 3) % services; j != i && j != i+1 {
			calls = append(calls, name(j)+":3")
		}
		svcAnn := map[string]string{}
		if i%per == 0 {
			svcAnn[meshsim.AnnotationIngressRPS] = "20"
		}
		objs = append(objs, &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name(i), Annotations: svcAnn},
			Spec: corev1.ServiceSpec{Selector: map[string]string{"app": name(i)}, Ports: []corev1.ServicePort{{Port: 80}}}})
		versions := []string{"v1"}
		if i%5 == 0 {
			versions = append(versions, "v2")
		}
		for _, v := range versions {
			l := map[string]string{"app": name(i), "version": v}
			objs = append(objs, &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name(i) + "-" + v, Annotations: map[string]string{
				meshsim.AnnotationCalls: strings.Join(calls, ","), meshsim.AnnotationLatency: strconv.Itoa(5 + i), meshsim.AnnotationErrorRatio: "0.01"}},
				Spec: appsv1.DeploymentSpec{Replicas: ptr.To[int32](1), Selector: &metav1.LabelSelector{MatchLabels: l},
					Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: l}, Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "x"}}}}}})
		}
		if len(versions) == 2 {
			host := meshsim.ServiceHost(ns, name(i))
			dest := func(s string, w int32) *networkingv1alpha3.HTTPRouteDestination {
				return &networkingv1alpha3.HTTPRouteDestination{Destination: &networkingv1alpha3.Destination{Host: host, Subset: s}, Weight: w}
			}
			objs = append(objs,
				&istiov1.DestinationRule{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name(i)}, Spec: networkingv1alpha3.DestinationRule{Host: host,
					Subsets: []*networkingv1alpha3.Subset{{Name: "v1", Labels: map[string]string{"version": "v1"}}, {Name: "v2", Labels: map[string]string{"version": "v2"}}}}},
				&istiov1.VirtualService{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name(i)}, Spec: networkingv1alpha3.VirtualService{Hosts: []string{name(i)},
					Http: []*networkingv1alpha3.HTTPRoute{{Route: []*networkingv1alpha3.HTTPRouteDestination{dest("v1", 80), dest("v2", 20)}}}}})
		}
	}
	return objs
}

// counter is a proxy in front of Prometheus that times its queries.
type counter struct {
	mu    sync.Mutex
	took  []time.Duration
	proxy *httputil.ReverseProxy
}

func (c *counter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	c.proxy.ServeHTTP(w, r)
	if strings.HasPrefix(r.URL.Path, "/api/v1/query") {
		c.mu.Lock()
		c.took = append(c.took, time.Since(start))
		c.mu.Unlock()
	}
}

func (c *counter) reset() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.took
	c.took = nil
	return out
}

func BenchmarkTopologyOf50Services(b *testing.B) {
	ctrl.SetLogger(logr.Discard())
	env, err := envtest.Start(envtest.Options{CRDDirs: []string{"testdata"}})
	if err != nil {
		b.Fatal(err)
	}
	defer env.Stop()
	k8s, err := client.New(env.Config, client.Options{Scheme: scheme.New()})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := platform.StartControllers(ctx, env.Config); err != nil {
		b.Fatal(err)
	}
	objs := world()
	for _, o := range objs {
		if err := k8s.Create(ctx, o); err != nil {
			b.Fatal(err)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	if err := meshsim.Start(ctx, env.Config, ln); err != nil {
		b.Fatal(err)
	}
	prom, err := prometheus.Start(prometheus.Options{Jobs: map[string]string{"istio-mesh": "http://" + ln.Addr().String() + "/metrics"}})
	if err != nil {
		b.Fatal(err)
	}
	defer prom.Stop()
	target, _ := url.Parse(prom.URL)
	count := &counter{proxy: httputil.NewSingleHostReverseProxy(target)}
	pln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	psrv := &http.Server{Handler: count, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = psrv.Serve(pln) }()
	defer psrv.Close()

	apiServer, err := platform.Listen(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	cfg := apiServer.Config(env.Config)
	cfg.OAuthClients = []oauth.Client{{ID: app.ConsoleClientID, Secret: bench.ConsoleClientSecret, Trusted: true, RedirectURIs: []string{"https://console.test/cb"}}}
	cfg.Monitoring.PrometheusURL = "http://" + pln.Addr().String()
	_, stop, err := apiServer.Start(ctx, cfg, env.Config)
	if err != nil {
		b.Fatal(err)
	}
	defer stop()
	tlsCfg, err := apiServer.TLSConfig()
	if err != nil {
		b.Fatal(err)
	}
	api := &platform.Client{URL: apiServer.URL, HTTP: &http.Client{Timeout: time.Minute, Transport: &http.Transport{TLSClientConfig: tlsCfg}},
		K8s: k8s, ConsoleSecret: bench.ConsoleClientSecret, Password: "Bench-Passw0rd!"}
	token := api.Admin(b)
	// Every flow's series, then a few more scrapes for the rates.
	if err := prom.WaitFor(ctx, `rate(istio_requests_total[10s])`, 150, 3*time.Minute); err != nil {
		b.Fatal(err)
	}
	time.Sleep(10 * time.Second)

	measure := func(path string) (p50, p95 time.Duration, queries []time.Duration, body []byte) {
		var took []time.Duration
		count.reset()
		for range samples {
			start := time.Now()
			r := api.Do(b, http.MethodGet, path, token, nil)
			took = append(took, time.Since(start))
			if r.Code != http.StatusOK {
				b.Fatalf("%s: %d %s", path, r.Code, r.Body)
			}
			body = r.Body
		}
		queries = count.reset()
		sort.Slice(took, func(i, j int) bool { return took[i] < took[j] })
		sort.Slice(queries, func(i, j int) bool { return queries[i] < queries[j] })
		return took[len(took)/2], took[len(took)*95/100], queries, body
	}
	b.ResetTimer()
	p50, p95, queries, body := measure(prefix + "/topology?duration=10m")
	now := time.Now().Unix()
	vp50, vp95, vqueries, _ := measure(prefix + "/services/" + name(0) + "/versions/metrics?step=15s&start=" + strconv.FormatInt(now-1800, 10) + "&end=" + strconv.FormatInt(now, 10))
	b.StopTimer()
	var g struct {
		Nodes []struct{ Kind string }
		Edges []struct{ Source, Target string }
	}
	if err := json.Unmarshal(body, &g); err != nil {
		b.Fatal(err)
	}
	calls := 0
	for _, e := range g.Edges {
		if !strings.HasPrefix(e.Source, "service:") {
			calls++
		}
	}
	if calls < 95 || len(g.Nodes) < 110 {
		b.Fatalf("the graph has %d nodes and %d call edges (of %d edges)", len(g.Nodes), calls, len(g.Edges))
	}
	q := func(d []time.Duration, p int) float64 { return ms(d[len(d)*p/100]) }
	fmt.Fprintf(os.Stderr, "FIGURE meshtopology graph: %d services, %d nodes, %d edges (%d caller-to-service)\n", services, len(g.Nodes), len(g.Edges), calls)
	fmt.Fprintf(os.Stderr, "FIGURE meshtopology topology endpoint: p50 %.1f ms, p95 %.1f ms (%d requests)\n", ms(p50), ms(p95), samples)
	fmt.Fprintf(os.Stderr, "FIGURE meshtopology topology Prometheus queries: %.1f per request, p50 %.1f ms, p95 %.1f ms\n",
		float64(len(queries))/samples, q(queries, 50), q(queries, 95))
	fmt.Fprintf(os.Stderr, "FIGURE meshtopology versions endpoint (30 min at 15 s): p50 %.1f ms, p95 %.1f ms; %.1f range queries per request, p95 %.1f ms\n",
		ms(vp50), ms(vp95), float64(len(vqueries))/samples, q(vqueries, 95))
	b.ReportMetric(ms(p95), "topology-p95-ms")
	b.ReportMetric(float64(len(queries))/samples, "prom-queries/op")
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
