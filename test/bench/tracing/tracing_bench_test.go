//go:build bench

// Package tracing benchmarks the tracing API at scale: 100,000 traces
// (4 spans each, 20 services in 4 namespaces, one in ten crossing into
// another namespace) sent over OTLP/HTTP with the OpenTelemetry SDK into
// a real Jaeger v2 (memory store), then searched through ke-apiserver on
// a real kube-apiserver as a member of one project, with the trimming.
// It prints the p50/p95/p99 of typical searches and of a trace by id, the
// ingestion rate and Jaeger's memory. Run with `make bench`.
package tracing

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	"github.com/superkube/super-kubenetes/internal/apiserver/app"
	"github.com/superkube/super-kubenetes/internal/oauth"
	"github.com/superkube/super-kubenetes/internal/scheme"
	"github.com/superkube/super-kubenetes/internal/testutil/bench"
	"github.com/superkube/super-kubenetes/internal/testutil/envtest"
	"github.com/superkube/super-kubenetes/internal/testutil/jaeger"
	"github.com/superkube/super-kubenetes/internal/testutil/platform"
	jaegerclient "github.com/superkube/super-kubenetes/internal/tracing/jaeger"
	"github.com/superkube/super-kubenetes/internal/tracing/tracegen"
)

const (
	traces   = 100000
	samples  = 100
	member   = "member"
	password = "Bench-Passw0rd!"
	prefix   = "/kapis/servicemesh.superkube.io/v1alpha2/namespaces/"
	// window is the time the traces are spread over.
	window = 30 * time.Minute
)

var (
	namespaces = []string{"shop-a", "shop-b", "shop-c", "shop-d"}
	apps       = []string{"frontend", "reviews", "ratings", "cart", "payments"}
)

// traceOf is trace i: a chain of four spans through the services of one
// namespace, the last in the next namespace for one trace in ten; three
// operations per service, a status code tag (one in twenty is a 500) and
// a duration that grows with i.
func traceOf(i int) *tracegen.Span {
	ns := namespaces[i%len(namespaces)]
	root := &tracegen.Span{}
	cur := root
	for depth := range 4 {
		spanNS := ns
		if depth == 3 && i%10 == 0 {
			spanNS = namespaces[(i+1)%len(namespaces)]
		}
		status := "200"
		if i%20 == 0 {
			status = "500"
		}
		*cur = tracegen.Span{App: apps[(i/len(namespaces)+depth)%len(apps)], Namespace: spanNS,
			Operation: fmt.Sprintf("GET /api/v%d", (i+depth)%3), Offset: time.Duration(depth) * time.Millisecond,
			Duration:   time.Duration(10+i%200-depth) * time.Millisecond,
			Attributes: map[string]string{"http.response.status_code": status, "user.tier": []string{"gold", "silver", "bronze"}[i%3]},
		}
		if depth < 3 {
			cur.Children = []tracegen.Span{{}}
			cur = &cur.Children[0]
		}
	}
	return root
}

func BenchmarkTracingAtScale(b *testing.B) {
	ctrl.SetLogger(logr.Discard())
	dir := b.TempDir()
	env, err := envtest.Start(envtest.Options{})
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
	if err := k8s.Create(ctx, &tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: "bench"}}); err != nil {
		b.Fatal(err)
	}
	var born time.Time
	for _, ns := range namespaces {
		n := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: map[string]string{tenantv1beta1.WorkspaceLabel: "bench"}}}
		if err := k8s.Create(ctx, n); err != nil {
			b.Fatal(err)
		}
		if n.CreationTimestamp.After(born) {
			born = n.CreationTimestamp.Time
		}
	}
	store, err := jaeger.Start(2 * traces)
	if err != nil {
		b.Fatal(err)
	}
	defer store.Stop()

	// The traces start after the namespaces' creation and spread over the
	// next half hour (Jaeger takes spans from the future): the searches
	// cover that half hour, as they would the last one of older projects.
	first := born.Add(time.Second)
	sender := tracegen.New(store.OTLPHTTP, tracegen.Options{BatchSize: 2048, QueueSize: 16384})
	ids := make([]string, traces)
	begin := time.Now()
	if err := bench.Parallel(4, traces, func(i int) error {
		id, err := sender.Send(ctx, traceOf(i), first.Add(time.Duration(i)*window/traces))
		ids[i] = id
		return err
	}); err != nil {
		b.Fatal(err)
	}
	if err := sender.Close(ctx); err != nil {
		b.Fatal(err)
	}
	// Jaeger's batch processor stores what it received within a moment:
	// wait for the last trace sent.
	jc, err := jaegerclient.New(store.URL, 30*time.Second)
	if err != nil {
		b.Fatal(err)
	}
	platform.Eventually(b, "the last traces are stored", time.Minute, func() error {
		for _, i := range []int{0, traces / 2, traces - 1} {
			if _, err := jc.Trace(ctx, ids[i]); err != nil {
				return err
			}
		}
		return nil
	})
	ingest := time.Since(begin)
	fmt.Fprintf(os.Stderr, "%-50s %d traces (%d spans) in %.1fs (%.0f spans/s)\n", "ingestion (OTLP/HTTP, SDK, 4 senders)", traces, 4*traces,
		ingest.Seconds(), 4*traces/ingest.Seconds())
	if rss, hwm, err := bench.Memory(store.PID()); err == nil {
		fmt.Fprintf(os.Stderr, "%-50s rss %d MiB, peak %d MiB\n", "Jaeger memory after loading", rss>>20, hwm>>20)
		b.ReportMetric(float64(rss>>20), "jaeger-rss-MiB")
	}

	apiServer, err := platform.Listen(dir)
	if err != nil {
		b.Fatal(err)
	}
	cfg := apiServer.Config(env.Config)
	cfg.OAuthClients = []oauth.Client{{ID: app.ConsoleClientID, Secret: bench.ConsoleClientSecret, Trusted: true, RedirectURIs: []string{"https://console.test/cb"}}}
	cfg.ServiceMesh.Jaeger.URL = store.URL
	cfg.ServiceMesh.Jaeger.Timeout.Duration = time.Minute
	_, stop, err := apiServer.Start(ctx, cfg, env.Config)
	if err != nil {
		b.Fatal(err)
	}
	defer stop()
	tlsCfg, err := apiServer.TLSConfig()
	if err != nil {
		b.Fatal(err)
	}
	api := &platform.Client{URL: apiServer.URL, HTTP: &http.Client{Timeout: 5 * time.Minute, Transport: &http.Transport{TLSClientConfig: tlsCfg}},
		K8s: k8s, ConsoleSecret: bench.ConsoleClientSecret, Password: password}
	// A project member: a viewer of shop-a.
	platform.NewUser(b, k8s, member, password)
	if err := k8s.Create(ctx, &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: "shop-a", Name: member + "-viewer", Labels: map[string]string{iamv1beta1.UserRefLabel: member}},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "viewer"},
		Subjects: []rbacv1.Subject{{Kind: "User", APIGroup: rbacv1.GroupName, Name: member}}}); err != nil {
		b.Fatal(err)
	}
	tok := api.Token(b, member)
	base := prefix + "shop-a/tracing"
	platform.Eventually(b, "the member's binding applies", time.Minute, func() error {
		if r := api.Do(b, http.MethodGet, base+"/services", tok, nil); r.Code != http.StatusOK {
			return fmt.Errorf("%d %s", r.Code, r.Body)
		}
		return nil
	})
	span := url.Values{"start": {strconv.FormatInt(born.UnixMicro(), 10)}, "end": {strconv.FormatInt(first.Add(window+time.Minute).UnixMicro(), 10)}, "limit": {"20"}}
	with := func(kv ...string) url.Values {
		q := url.Values{}
		for k, v := range span {
			q[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			q.Set(kv[i], kv[i+1])
		}
		return q
	}
	type figure struct{ p50, p95, p99 time.Duration }
	measure := func(name string, path func(i int) string, wantTraces bool) figure {
		var took []time.Duration
		for i := range samples {
			start := time.Now()
			r := api.Do(b, http.MethodGet, path(i), tok, nil)
			took = append(took, time.Since(start))
			if r.Code != http.StatusOK {
				b.Fatalf("%s: %d %s", name, r.Code, r.Body)
			}
			if items, _ := r.JSON["items"].([]any); wantTraces && len(items) == 0 {
				b.Fatalf("%s: no trace found: %s", name, r.Body)
			}
		}
		sort.Slice(took, func(i, j int) bool { return took[i] < took[j] })
		f := figure{took[len(took)/2], took[len(took)*95/100], took[len(took)*99/100]}
		fmt.Fprintf(os.Stderr, "%-50s p50 %7.1f ms  p95 %7.1f ms  p99 %7.1f ms\n", name, ms(f.p50), ms(f.p95), ms(f.p99))
		return f
	}
	search := func(q func(i int) url.Values) func(int) string {
		return func(i int) string { return base + "/traces?" + q(i).Encode() }
	}
	svc := func(i int) string { return apps[i%len(apps)] + ".shop-a" }
	b.ResetTimer()
	figures := map[string]figure{
		"service": measure("search: service, limit 20", search(func(i int) url.Values { return with("service", svc(i)) }), true),
		"operation": measure("search: service + operation", search(func(i int) url.Values {
			return with("service", svc(i), "operation", fmt.Sprintf("GET /api/v%d", i%3))
		}), true),
		// The failed requests (one in twenty) go through shop-a's first
		// three services (their fourth span is in shop-b).
		"tags": measure("search: service + tags (status 500)", search(func(i int) url.Values {
			return with("service", apps[i%3]+".shop-a", "tags", `{"http.response.status_code":"500"}`)
		}), true),
		"minDuration": measure("search: service + minDuration 150ms", search(func(i int) url.Values {
			return with("service", svc(i), "minDuration", "150ms")
		}), true),
		"trace": measure("trace by id (shop-a's, some crossing to shop-b)", func(i int) string {
			return base + "/traces/" + ids[(i*len(namespaces)*97)%traces]
		}, false),
		"services": measure("services of the namespace", func(int) string { return base + "/services" }, false),
	}
	b.StopTimer()
	for name, f := range figures {
		b.ReportMetric(ms(f.p95), name+"-p95-ms")
	}
	if rss, hwm, err := bench.Memory(store.PID()); err == nil {
		fmt.Fprintf(os.Stderr, "%-50s rss %d MiB, peak %d MiB\n", "Jaeger memory after the searches", rss>>20, hwm>>20)
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
