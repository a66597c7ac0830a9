//go:build bench

// Package logging benchmarks the logging API at scale: 5 million lines of
// 5,000 pods in 500 namespaces (one workspace) over the last 24 hours, in a
// real VictoriaLogs, searched through ke-apiserver on a real
// kube-apiserver as a project member and as the platform administrator.
// It prints the p95 of a keyword search, of a histogram, the export's rate
// and the store's memory. Run with `make bench`.
package logging

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
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
	"github.com/superkube/super-kubenetes/internal/testutil/platform"
	"github.com/superkube/super-kubenetes/internal/testutil/victorialogs"
)

const (
	namespaces  = 500
	podsPerNS   = 10
	linesPerPod = 1000
	samples     = 40
	prefix      = "/kapis/logging.superkube.io/v1alpha2"
	member      = "member"
	password    = "Bench-Passw0rd!"
)

var messages = []string{
	"INFO handled request GET /api/items 200 12ms",
	"INFO cache refreshed: 128 entries",
	"WARN slow query took 812ms: SELECT * FROM orders",
	"INFO POST /api/orders 201 31ms",
	"ERROR upstream refused the connection: connection reset by peer",
}

func BenchmarkLoggingAtScale(b *testing.B) {
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
	if err := bench.Parallel(8, namespaces, func(n int) error {
		return k8s.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("ns-%03d", n), Labels: map[string]string{tenantv1beta1.WorkspaceLabel: "bench"}}})
	}); err != nil {
		b.Fatal(err)
	}
	store, err := victorialogs.Start()
	if err != nil {
		b.Fatal(err)
	}
	defer store.Stop()

	// 5 million lines over 24 hours. A namespace's lines count from its
	// creation on, and these namespaces are a minute old, so the day is
	// the one that begins now (the store takes lines up to two days
	// ahead): the searches cover "the last 24 hours" of that day, which
	// costs what the last 24 hours of older namespaces would.
	now := time.Now().Add(24 * time.Hour)
	span := 24 * time.Hour
	begin := time.Now()
	const pods = namespaces * podsPerNS
	err = bench.Parallel(2, pods, func(p int) error {
		ns, pod := fmt.Sprintf("ns-%03d", p/podsPerNS), fmt.Sprintf("web-%d", p%podsPerNS)
		lines := make([]victorialogs.Line, 0, linesPerPod)
		for i := range linesPerPod {
			at := now.Add(-span + time.Duration(i)*span/linesPerPod + time.Duration(p)*time.Millisecond)
			lines = append(lines, victorialogs.Line{Time: at, Namespace: ns, Pod: pod, Container: "main", Node: fmt.Sprintf("node-%02d", p%50),
				Message: fmt.Sprintf("%s (pod %s line %d)", messages[(p+i)%len(messages)], pod, i)})
		}
		return store.Write(ctx, lines)
	})
	if err != nil {
		b.Fatal(err)
	}
	if err := store.WaitCount(ctx, "*", pods*linesPerPod); err != nil {
		b.Fatal(err)
	}
	ingest := time.Since(begin)
	fmt.Fprintf(os.Stderr, "%-44s %d lines in %.1fs (%.0f lines/s)\n", "store: ingestion (jsonline, 2 writers)", pods*linesPerPod, ingest.Seconds(), float64(pods*linesPerPod)/ingest.Seconds())

	apiServer, err := platform.Listen(dir)
	if err != nil {
		b.Fatal(err)
	}
	cfg := apiServer.Config(env.Config)
	cfg.OAuthClients = []oauth.Client{{ID: app.ConsoleClientID, Secret: bench.ConsoleClientSecret, Trusted: true, RedirectURIs: []string{"https://console.test/cb"}}}
	cfg.Logging.VictoriaLogsURL = store.URL()
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
	admin := api.Admin(b)
	// A project member: a viewer of one of the 500 namespaces.
	platform.NewUser(b, k8s, member, password)
	if err := k8s.Create(ctx, &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: "ns-007", Name: member + "-viewer", Labels: map[string]string{iamv1beta1.UserRefLabel: member}},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "viewer"},
		Subjects: []rbacv1.Subject{{Kind: "User", APIGroup: rbacv1.GroupName, Name: member}}}); err != nil {
		b.Fatal(err)
	}
	memberTok := api.Token(b, member)
	day := func(q url.Values) url.Values {
		q.Set("start_time", now.Add(-span).Format(time.RFC3339))
		q.Set("end_time", now.Format(time.RFC3339))
		return q
	}
	platform.Eventually(b, "the member's binding applies", time.Minute, func() error {
		r := api.Do(b, http.MethodGet, prefix+"/logs?"+day(url.Values{"size": {"1"}}).Encode(), memberTok, nil)
		if r.Code != http.StatusOK || !strings.Contains(string(r.Body), `"total":`) || strings.Contains(string(r.Body), `"total":0`) {
			return fmt.Errorf("%d %.200s", r.Code, r.Body)
		}
		return nil
	})

	measure := func(name, tok string, q url.Values) time.Duration {
		var took []time.Duration
		for range samples {
			start := time.Now()
			r := api.Do(b, http.MethodGet, prefix+"/logs?"+q.Encode(), tok, nil)
			took = append(took, time.Since(start))
			if r.Code != http.StatusOK {
				b.Fatalf("%s: %d %.300s", name, r.Code, r.Body)
			}
		}
		sort.Slice(took, func(i, j int) bool { return took[i] < took[j] })
		p50, p95 := took[len(took)/2], took[len(took)*95/100]
		fmt.Fprintf(os.Stderr, "%-44s p50 %7.1f ms  p95 %7.1f ms\n", name, ms(p50), ms(p95))
		return p95
	}
	b.ResetTimer()
	memberP95 := measure("keyword, last 24 h, project member (1 ns)", memberTok, day(url.Values{"log_query": {"refused"}, "size": {"20"}}))
	adminP95 := measure("keyword, last 24 h, platform admin (all)", admin, day(url.Values{"log_query": {"refused"}, "size": {"20"}}))
	histP95 := measure("histogram, last 24 h, platform admin", admin, day(url.Values{"operation": {"histogram"}, "log_query": {"refused"}}))
	statsP95 := measure("statistics, last 24 h, platform admin", admin, day(url.Values{"operation": {"statistics"}}))

	// The export: 100,000 lines, streamed.
	start := time.Now()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, api.URL+prefix+"/logs?"+day(url.Values{"operation": {"export"}}).Encode(), nil)
	req.Header.Set("Authorization", "Bearer "+admin)
	resp, err := api.HTTP.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	var first time.Duration
	lines := 0
	buf := make([]byte, 256<<10)
	for {
		n, err := resp.Body.Read(buf)
		if n > 0 && first == 0 {
			first = time.Since(start)
		}
		lines += strings.Count(string(buf[:n]), "\n")
		if err == io.EOF {
			break
		}
		if err != nil {
			b.Fatal(err)
		}
	}
	_ = resp.Body.Close()
	exportTook := time.Since(start)
	b.StopTimer()
	rate := float64(lines) / exportTook.Seconds()
	fmt.Fprintf(os.Stderr, "%-44s %d lines in %.2fs: %.0f lines/s, first bytes after %.0f ms\n", "export, platform admin", lines, exportTook.Seconds(), rate, ms(first))
	fmt.Fprintf(os.Stderr, "targets: member p95 <= 300 ms (%.0f), admin p95 <= 1 s (%.0f), histogram p95 <= 500 ms (%.0f), export >= 50,000 lines/s (%.0f)\n",
		ms(memberP95), ms(adminP95), ms(histP95), rate)
	b.ReportMetric(ms(memberP95), "member-p95-ms")
	b.ReportMetric(ms(adminP95), "admin-p95-ms")
	b.ReportMetric(ms(histP95), "histogram-p95-ms")
	b.ReportMetric(ms(statsP95), "statistics-p95-ms")
	b.ReportMetric(rate, "export-lines/s")
	if rss, hwm, err := bench.Memory(store.PID()); err == nil {
		fmt.Fprintf(os.Stderr, "%-44s rss %d MiB, peak %d MiB\n", "VictoriaLogs memory", rss>>20, hwm>>20)
		b.ReportMetric(float64(hwm>>20), "victorialogs-peak-MiB")
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
