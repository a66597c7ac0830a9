//go:build bench

// Package appstore benchmarks the app store's repository sync at scale: an
// HTTP repository of 1,000 charts with 10 versions each (10,000 entries in
// index.yaml) synced by ke-controller-manager's repository controller into
// 1,000 Applications and 10,000 ApplicationVersions on a real
// kube-apiserver. It prints the time of the first sync, of a resync with an
// unchanged index (nothing written), of a resync after one new version,
// the index's size and the cost of reading it, and the memory of the
// process (which holds the controller, its caches and the test's server).
// Run with `make bench`.
package appstore

import (
	"context"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-logr/logr"
	helmchart "helm.sh/helm/v4/pkg/chart/v2"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	appv2 "github.com/superkube/super-kubenetes/api/application/v2"
	"github.com/superkube/super-kubenetes/internal/application/repo"
	cmapp "github.com/superkube/super-kubenetes/internal/controllermanager/app"
	"github.com/superkube/super-kubenetes/internal/scheme"
	"github.com/superkube/super-kubenetes/internal/testutil/bench"
	"github.com/superkube/super-kubenetes/internal/testutil/envtest"
	"github.com/superkube/super-kubenetes/internal/testutil/platform"
)

const (
	apps     = 1000
	versions = 10
)

func metadata(app, version int) *helmchart.Metadata {
	return &helmchart.Metadata{
		APIVersion:  "v2",
		Name:        fmt.Sprintf("app-%04d", app),
		Version:     fmt.Sprintf("1.%d.0", version),
		AppVersion:  fmt.Sprintf("2.%d.%d", version, app%7),
		Description: fmt.Sprintf("Chart number %d of the benchmark repository: a web application with a database and a cache.", app),
		Home:        "https://example.com/charts",
		Icon:        fmt.Sprintf("https://example.com/icons/app-%04d.svg", app),
		Keywords:    []string{"bench", "web", fmt.Sprintf("k%d", app%13)},
		Maintainers: []*helmchart.Maintainer{{Name: "Bench", Email: "bench@example.com"}},
		Sources:     []string{"https://example.com/src"},
		Annotations: map[string]string{"superkube.io/categories": "bench"},
	}
}

func BenchmarkRepositorySync(b *testing.B) {
	ctrl.SetLogger(logr.Discard())
	static, err := repo.NewStatic()
	if err != nil {
		b.Fatal(err)
	}
	for a := range apps {
		for v := range versions {
			if err := static.AddMetadata(metadata(a, v), fmt.Sprintf("%064x", a*versions+v)); err != nil {
				b.Fatal(err)
			}
		}
	}
	if err := static.Render(); err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(static)
	defer srv.Close()

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
	var qps float32
	if err := platform.StartControllers(ctx, env.Config, func(c *cmapp.Config) { qps = c.KubeAPIQPS }); err != nil {
		b.Fatal(err)
	}
	// The Go heap before the sync (after a GC), its peak during the first
	// sync (sampled), and after it (after a GC: what the caches keep). The
	// test's repository server is in the heap throughout.
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	var peak atomic.Uint64
	sampling := make(chan struct{})
	go func() {
		var m runtime.MemStats
		for {
			select {
			case <-sampling:
				return
			case <-time.After(100 * time.Millisecond):
			}
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peak.Load() {
				peak.Store(m.HeapInuse)
			}
		}
	}()

	b.ResetTimer()
	start := time.Now()
	if err := k8s.Create(ctx, &appv2.Repository{ObjectMeta: metav1.ObjectMeta{Name: "bench"}, Spec: appv2.RepositorySpec{URL: srv.URL, Trusted: true}}); err != nil {
		b.Fatal(err)
	}
	rp := waitSynced(b, k8s, 1)
	first := time.Since(start)
	b.StopTimer()
	close(sampling)
	if rp.Status.Applications != apps || rp.Status.Versions != apps*versions {
		b.Fatalf("synced %d apps, %d versions", rp.Status.Applications, rp.Status.Versions)
	}
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	rss, hwm, _ := bench.Memory(os.Getpid())

	// A requested sync of an unchanged index: read, every object compared,
	// nothing written. (Only interval syncs skip an unchanged index by its
	// digest; a request applies it again.)
	unchanged := resync(b, k8s)
	// One more version: the whole index is applied again (1 create, 10,000
	// objects compared).
	if err := static.AddMetadata(metadata(0, versions), fmt.Sprintf("%064x", 999999)); err != nil {
		b.Fatal(err)
	}
	if err := static.Render(); err != nil {
		b.Fatal(err)
	}
	changed := resync(b, k8s)
	if err := k8s.Get(ctx, client.ObjectKey{Name: "bench"}, rp); err != nil || rp.Status.Versions != apps*versions+1 {
		b.Fatalf("after the new version: %+v %v", rp.Status, err)
	}

	// Reading the index alone.
	var ms0, ms1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms0)
	t0 := time.Now()
	idx, err := repo.List(context.Background(), srv.URL, repo.Options{})
	if err != nil {
		b.Fatal(err)
	}
	listTook := time.Since(t0)
	runtime.ReadMemStats(&ms1)
	if idx.Versions() != apps*versions+1 {
		b.Fatalf("index has %d versions", idx.Versions())
	}
	size := 0
	if resp, err := srv.Client().Get(srv.URL + "/index.yaml"); err == nil {
		data, _ := io.ReadAll(resp.Body)
		size = len(data)
		resp.Body.Close()
	}

	fmt.Fprintf(os.Stderr, "%-64s %d charts × %d versions (+1), %.1f MiB\n", "index.yaml", apps, versions, float64(size)/(1<<20))
	fmt.Fprintf(os.Stderr, "%-64s %s, %.0f MiB allocated\n", "reading and parsing index.yaml (repo.List)", listTook.Round(time.Millisecond), float64(ms1.TotalAlloc-ms0.TotalAlloc)/(1<<20))
	fmt.Fprintf(os.Stderr, "%-64s %s (client QPS %.0f)\n", "first sync: 1,000 Applications + 10,000 versions Ready", first.Round(time.Millisecond), qps)
	fmt.Fprintf(os.Stderr, "%-64s %s\n", "requested resync, index unchanged (11,000 compared, 0 written)", unchanged.Round(time.Millisecond))
	fmt.Fprintf(os.Stderr, "%-64s %s\n", "requested resync after one new version (1 written)", changed.Round(time.Millisecond))
	mib := func(n uint64) float64 { return float64(n) / (1 << 20) }
	fmt.Fprintf(os.Stderr, "%-64s %.0f MiB before, peak %.0f MiB during the first sync, %.0f MiB after (caches)\n",
		"Go heap in use (controllers, caches, test server)", mib(before.HeapInuse), mib(peak.Load()), mib(after.HeapInuse))
	fmt.Fprintf(os.Stderr, "%-64s RSS %.0f MiB, peak RSS %.0f MiB (the test's index rendering included)\n", "process memory", float64(rss)/(1<<20), float64(hwm)/(1<<20))
	b.ReportMetric(first.Seconds(), "first-sync-s")
	b.ReportMetric(unchanged.Seconds(), "resync-unchanged-s")
	b.ReportMetric(changed.Seconds(), "resync-changed-s")
	b.ReportMetric(mib(peak.Load()), "peak-heap-MiB")
	b.ReportMetric(mib(after.HeapInuse-min(after.HeapInuse, before.HeapInuse)), "cache-heap-MiB")
}

// resync asks for a sync and waits for it.
func resync(b *testing.B, k8s client.Client) time.Duration {
	ctx := context.Background()
	rp := &appv2.Repository{}
	if err := k8s.Get(ctx, client.ObjectKey{Name: "bench"}, rp); err != nil {
		b.Fatal(err)
	}
	now := metav1.NewTime(time.Now().Truncate(time.Second))
	if last := rp.Spec.SyncRequestedAt; last != nil && !now.After(last.Time) {
		now = metav1.NewTime(last.Add(time.Second))
	}
	rp.Spec.SyncRequestedAt = &now
	start := time.Now()
	if err := k8s.Update(ctx, rp); err != nil {
		b.Fatal(err)
	}
	waitSynced(b, k8s, rp.Generation)
	return time.Since(start)
}

// waitSynced waits for Ready=True at generation gen or later.
func waitSynced(b *testing.B, k8s client.Client, gen int64) *appv2.Repository {
	rp := &appv2.Repository{}
	var last string
	err := wait.PollUntilContextTimeout(context.Background(), 50*time.Millisecond, 20*time.Minute, true, func(ctx context.Context) (bool, error) {
		if err := k8s.Get(ctx, client.ObjectKey{Name: "bench"}, rp); err != nil {
			return false, err
		}
		c := meta.FindStatusCondition(rp.Status.Conditions, appv2.ReadyCondition)
		if c == nil {
			return false, nil
		}
		last = c.Reason + ": " + c.Message
		if c.Status == metav1.ConditionFalse && c.ObservedGeneration >= gen {
			return false, fmt.Errorf("sync failed: %s", c.Message)
		}
		return c.Status == metav1.ConditionTrue && c.ObservedGeneration >= gen && c.ObservedGeneration == rp.Generation, nil
	})
	if err != nil {
		b.Fatalf("%v (last: %s)", err, last)
	}
	return rp
}
