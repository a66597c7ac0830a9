//go:build bench

// Package statemetrics benchmarks the object-state exporter of
// ke-controller-manager: 5,000 pods in 500 namespaces (with their
// deployments, replicasets and claims) and 20 nodes on a real kube-apiserver
// and etcd; it prints the scrape time, the page's size and the memory the
// exporter's cache holds. Run with `make bench`.
package statemetrics

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	"github.com/superkube/super-kubenetes/internal/statemetrics"
	"github.com/superkube/super-kubenetes/internal/testutil/bench"
	"github.com/superkube/super-kubenetes/internal/testutil/envtest"
)

const (
	namespaces = 500
	podsPerNS  = 10
	nodes      = 20
	scrapes    = 30
	seeders    = 16
)

func BenchmarkStateMetricsAtScale(b *testing.B) {
	ctrllog.SetLogger(logr.Discard())
	env, err := envtest.Start(envtest.Options{ExtraAPIServerArgs: map[string]string{"max-requests-inflight": "2000", "max-mutating-requests-inflight": "1000"}})
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = env.Stop() }()
	start := time.Now()
	seed(b, env.Client)
	seeded := time.Since(start)

	before := liveHeap()
	exp, err := statemetrics.New(env.Config, statemetrics.Options{NamespaceLabels: []string{tenantv1beta1.WorkspaceLabel}})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	filling := time.Now()
	go func() { done <- exp.Start(ctx) }()
	defer func() { cancel(); <-done }()
	if err := wait.PollUntilContextTimeout(ctx, 20*time.Millisecond, 5*time.Minute, true, func(context.Context) (bool, error) {
		return exp.Exporting(), nil
	}); err != nil {
		b.Fatal("the exporter did not fill its cache in 5 minutes")
	}
	filled := time.Since(filling)
	cacheHeap := liveHeap() - before

	srv := httptest.NewServer(exp.Handler())
	defer srv.Close()
	var times []time.Duration
	var size, series int
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	peak := make(chan uint64)
	stop := make(chan struct{})
	go func() {
		var top uint64
		var ms runtime.MemStats
		for {
			select {
			case <-stop:
				peak <- top
				return
			case <-time.After(10 * time.Millisecond):
				runtime.ReadMemStats(&ms)
				top = max(top, ms.HeapInuse)
			}
		}
	}()
	for range scrapes {
		t0 := time.Now()
		body := scrape(b, srv.URL+statemetrics.Path)
		times = append(times, time.Since(t0))
		size = len(body)
		series = countSeries(body)
	}
	close(stop)
	peakHeap := int64(<-peak) - before
	runtime.ReadMemStats(&ms1)
	allocPerScrape := (ms1.TotalAlloc - ms0.TotalAlloc) / scrapes
	if want := namespaces * podsPerNS; !strings.Contains(scrape(b, srv.URL), fmt.Sprintf(`pod="pod-%d"`, podsPerNS-1)) || series < want {
		b.Fatalf("the page has %d series, fewer than the %d pods", series, want)
	}

	slices.Sort(times)
	p := func(q float64) time.Duration { return times[int(q*float64(len(times)-1))].Round(time.Millisecond) }
	fmt.Printf("\nObject-state exporter at %d pods in %d namespaces, %d deployments and replicasets, %d claims, %d nodes (seeded in %s, cache filled in %s)\n",
		namespaces*podsPerNS, namespaces, namespaces, namespaces, nodes, seeded.Round(time.Second), filled.Round(time.Millisecond))
	fmt.Printf("| measure | p50 | p95 | max |\n|---|---|---|---|\n")
	fmt.Printf("| scrape of /metrics (%d series, %d KiB), %d scrapes | %s | %s | %s |\n", series, size>>10, scrapes, p(0.5), p(0.95), times[len(times)-1].Round(time.Millisecond))
	fmt.Printf("| live Go heap of the exporter's cache (trimmed objects) | %d MiB | | |\n", cacheHeap>>20)
	fmt.Printf("| Go heap in use while scraping (cache, scrape and its garbage at GOGC=100) | | | %d MiB |\n", peakHeap>>20)
	fmt.Printf("| memory allocated per scrape (garbage) | %d MiB | | |\n\n", allocPerScrape>>20)
	b.ReportMetric(float64(p(0.95).Milliseconds()), "scrape-p95-ms")
	b.ReportMetric(float64(series), "series")
	b.ReportMetric(float64(cacheHeap>>20), "cache-heap-MiB")
	b.ReportMetric(float64(allocPerScrape>>20), "alloc-per-scrape-MiB")
	b.ReportMetric(float64(peakHeap>>20), "peak-heap-MiB")
}

// seed creates the namespaces of 25 workspaces, in each a deployment with
// its replicaset, the replicaset's running pods and a bound claim, and the nodes.
func seed(b *testing.B, c client.Client) {
	ctx := context.Background()
	must := func(err error) {
		if err != nil {
			b.Fatal(err)
		}
	}
	must(bench.Parallel(seeders, nodes, func(i int) error {
		n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("node-%02d", i)}}
		if err := c.Create(ctx, n); err != nil {
			return err
		}
		n.Status = corev1.NodeStatus{
			Capacity:    corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("32"), corev1.ResourceMemory: resource.MustParse("128Gi"), corev1.ResourcePods: resource.MustParse("300")},
			Allocatable: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("31"), corev1.ResourceMemory: resource.MustParse("120Gi"), corev1.ResourcePods: resource.MustParse("300")},
			Conditions:  []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}, {Type: corev1.NodeMemoryPressure, Status: corev1.ConditionFalse}},
			Addresses:   []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: fmt.Sprintf("10.0.0.%d", i+1)}},
			NodeInfo:    corev1.NodeSystemInfo{KubeletVersion: "v1.34.0", OSImage: "kwok"},
		}
		return c.Status().Update(ctx, n)
	}))
	labels := map[string]string{"app": "web"}
	must(bench.Parallel(seeders, namespaces, func(i int) error {
		ns := fmt.Sprintf("ns-%03d", i)
		if err := c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns,
			Labels: map[string]string{tenantv1beta1.WorkspaceLabel: fmt.Sprintf("ws-%02d", i%25)}}}); err != nil {
			return err
		}
		template := corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "nginx"}}}}
		dep := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "web"},
			Spec: appsv1.DeploymentSpec{Replicas: ptr.To[int32](podsPerNS), Selector: &metav1.LabelSelector{MatchLabels: labels}, Template: template}}
		if err := c.Create(ctx, dep); err != nil {
			return err
		}
		rs := &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "web-5d9c",
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "Deployment", Name: "web", UID: dep.UID, Controller: ptr.To(true)}}},
			Spec: appsv1.ReplicaSetSpec{Replicas: ptr.To[int32](podsPerNS), Selector: &metav1.LabelSelector{MatchLabels: labels}, Template: template}}
		if err := c.Create(ctx, rs); err != nil {
			return err
		}
		pvc := &corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "data"},
			Spec: corev1.PersistentVolumeClaimSpec{AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
				Resources: corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("10Gi")}}}}
		if err := c.Create(ctx, pvc); err != nil {
			return err
		}
		pvc.Status.Phase = corev1.ClaimBound
		if err := c.Status().Update(ctx, pvc); err != nil {
			return err
		}
		for j := range podsPerNS {
			if err := createPod(ctx, c, ns, j, rs, labels); err != nil {
				return err
			}
		}
		return nil
	}))
}

// createPod makes a running pod of two containers, as a kubelet would report it.
func createPod(ctx context.Context, c client.Client, ns string, j int, rs *appsv1.ReplicaSet, labels map[string]string) error {
	res := corev1.ResourceRequirements{
		Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("128Mi")},
		Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("500m"), corev1.ResourceMemory: resource.MustParse("256Mi")},
	}
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: fmt.Sprintf("pod-%d", j), Labels: labels,
		OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: rs.Name, UID: rs.UID, Controller: ptr.To(true)}}},
		Spec: corev1.PodSpec{NodeName: fmt.Sprintf("node-%02d", j%nodes), Containers: []corev1.Container{
			{Name: "web", Image: "nginx", Resources: res, Env: []corev1.EnvVar{{Name: "MODE", Value: "production"}}},
			{Name: "sidecar", Image: "envoy", Resources: res},
		}}}
	if err := c.Create(ctx, pod); err != nil {
		return err
	}
	pod.Status = corev1.PodStatus{Phase: corev1.PodRunning, HostIP: "10.0.0.1", PodIP: fmt.Sprintf("10.244.%d.%d", j, j+1),
		ContainerStatuses: []corev1.ContainerStatus{{Name: "web", Image: "nginx", ImageID: "nginx", Ready: true, RestartCount: int32(j)},
			{Name: "sidecar", Image: "envoy", ImageID: "envoy", Ready: true}}}
	return c.Status().Update(ctx, pod)
}

func scrape(b *testing.B, url string) string {
	resp, err := http.Get(url)
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		b.Fatalf("scrape: %d %v", resp.StatusCode, err)
	}
	return string(body)
}

func countSeries(page string) int {
	n := 0
	for line := range strings.Lines(page) {
		if line != "" && line[0] != '#' {
			n++
		}
	}
	return n
}

// liveHeap returns the bytes of the objects that survive a collection.
func liveHeap() int64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc)
}
