//go:build bench

// Package quota benchmarks workspace quotas at scale against a real
// kube-apiserver and etcd (envtest): one workspace of 1,000 namespaces and
// its quota, with ke-controller-manager's manager (app.NewManager) counting
// the usage and serving the validating webhook, as the integration test
// test/integration/quota starts it. It prints the webhook's admission
// latency of a pod create (AdmissionReviews posted to the webhook, and pods
// created through kube-apiserver, which calls it), the size of the status
// the controller writes, and how long the controller takes to recount after
// 5,000 pod changes. Run with `make bench`.
package quota

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-logr/logr"
	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/uuid"
	"k8s.io/apimachinery/pkg/util/wait"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	quotav1alpha2 "github.com/superkube/super-kubenetes/api/quota/v1alpha2"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	"github.com/superkube/super-kubenetes/internal/controllermanager/app"
	"github.com/superkube/super-kubenetes/internal/quota/count"
	"github.com/superkube/super-kubenetes/internal/quota/webhook"
	"github.com/superkube/super-kubenetes/internal/scheme"
	"github.com/superkube/super-kubenetes/internal/testutil/bench"
	"github.com/superkube/super-kubenetes/internal/testutil/envtest"
)

const (
	workspace  = "bench"
	namespaces = 1000
	// workers is the number of concurrent creates of the parallel runs.
	workers = 8
	// direct and created are the samples of each run (sequential,
	// parallel): AdmissionReviews posted to the webhook, and pods created
	// through kube-apiserver. A posted review charges a pod that never
	// appears; the webhook keeps at most 500 such charges per quota for a
	// minute, so the posted reviews of both runs stay below that.
	direct  = 200
	created = 40
	// changes is the number of pod creates and deletes before the recount
	// is timed: 3,000 creates, then 2,000 of them deleted.
	changes = 5000
	deletes = 2000
)

var (
	env      *envtest.Environment
	k8s      client.Client
	mgr      ctrl.Manager
	hookAddr string
	hard     = corev1.ResourceList{
		corev1.ResourcePods:           resource.MustParse("1000000"),
		corev1.ResourceRequestsCPU:    resource.MustParse("100000"),
		corev1.ResourceRequestsMemory: resource.MustParse("100000Gi"),
	}
)

func TestMain(m *testing.M) {
	ctrl.SetLogger(logr.Discard())
	e, err := envtest.Start(envtest.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	env = e
	code := run(m)
	_ = e.Stop()
	os.Exit(code)
}

func run(m *testing.M) int {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	t0 := time.Now()
	if err := setup(ctx); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Fprintf(os.Stderr, "%-58s %s\n", "set up: 1,000 namespaces and the quota counted", time.Since(t0).Round(time.Millisecond))
	return m.Run()
}

// setup starts the manager with the quota webhook, exactly as the
// integration test does, and makes the workspace's namespaces and quota.
func setup(ctx context.Context) error {
	var err error
	if k8s, err = client.New(env.Config, client.Options{Scheme: scheme.New()}); err != nil {
		return err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	hookAddr = l.Addr().String()
	_ = l.Close()
	dir, err := os.MkdirTemp("", "quota-bench-")
	if err != nil {
		return err
	}
	cfg := app.DefaultConfig()
	cfg.MetricsBindAddress, cfg.HealthProbeBindAddress, cfg.StateMetricsBindAddress = "0", "0", "0"
	cfg.LeaderElection.Enabled = false
	cfg.Authentication.BcryptCost = 4
	_, port, _ := net.SplitHostPort(hookAddr)
	w := &cfg.Quota.Webhook
	w.BindAddress, w.URL, w.CertDir = hookAddr, "https://localhost:"+port, dir
	// The certificate's secret exists before the manager starts: on a
	// loaded machine the rotator can read it from a cache that has not
	// seen the platform create it yet, and stop the manager.
	if err := k8s.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: cfg.SystemNamespace}}); err != nil {
		return err
	}
	if err := k8s.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: cfg.SystemNamespace, Name: w.SecretName}}); err != nil {
		return err
	}
	completed, err := cfg.Complete(env.Config)
	if err != nil {
		return err
	}
	if mgr, _, err = app.NewManager(completed, app.ManagerOptions{}); err != nil {
		return err
	}
	go func() {
		if err := mgr.Start(ctrl.LoggerInto(ctx, ctrl.Log)); err != nil && ctx.Err() == nil {
			fmt.Fprintln(os.Stderr, "manager:", err)
		}
	}()
	if err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
		cfg, err := env.Clientset.AdmissionregistrationV1().ValidatingWebhookConfigurations().Get(ctx, webhook.ConfigurationName, metav1.GetOptions{})
		return err == nil && len(cfg.Webhooks) == 1 && len(cfg.Webhooks[0].ClientConfig.CABundle) > 0, nil
	}); err != nil {
		return fmt.Errorf("the quota webhook is not registered: %w", err)
	}
	if err := bench.Parallel(workers, namespaces, func(n int) error {
		return k8s.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: nsName(n),
			Labels: map[string]string{tenantv1beta1.WorkspaceLabel: workspace}}})
	}); err != nil {
		return err
	}
	if err := k8s.Create(ctx, &quotav1alpha2.ResourceQuota{ObjectMeta: metav1.ObjectMeta{Name: workspace},
		Spec: quotav1alpha2.ResourceQuotaSpec{Workspace: workspace, Hard: hard}}); err != nil {
		return err
	}
	// The controller has counted all the namespaces.
	return wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
		q, err := readQuota(ctx)
		return err == nil && len(q.Status.Namespaces) == namespaces && q.Status.ObservedGeneration == q.Generation, nil
	})
}

func nsName(n int) string { return fmt.Sprintf("ws-bench-%04d", n%namespaces) }

func pod(n int, name string) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: nsName(n), Name: name}, Spec: corev1.PodSpec{Containers: []corev1.Container{{
		Name: "app", Image: "registry.example/app:1", Resources: corev1.ResourceRequirements{
			Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("10m"), corev1.ResourceMemory: resource.MustParse("16Mi")}}}}}}
}

func readQuota(ctx context.Context) (*quotav1alpha2.ResourceQuota, error) {
	q := &quotav1alpha2.ResourceQuota{}
	return q, k8s.Get(ctx, client.ObjectKey{Name: workspace}, q)
}

// statusBytes is the size of the quota's status as JSON, which every
// charge writes whole.
func statusBytes(b *testing.B) (int, *quotav1alpha2.ResourceQuota) {
	b.Helper()
	q, err := readQuota(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	raw, err := json.Marshal(q.Status)
	if err != nil {
		b.Fatal(err)
	}
	return len(raw), q
}

// pendingGone waits for the charges of the reviews posted straight to the
// webhook (their pods never appear) to expire and leave the status, so
// that the next benchmark starts with none.
func pendingGone(b *testing.B) {
	b.Helper()
	if err := wait.PollUntilContextTimeout(context.Background(), 200*time.Millisecond, count.ChargeTTL+time.Minute, true, func(ctx context.Context) (bool, error) {
		q, err := readQuota(ctx)
		return err == nil && len(q.Status.Pending) == 0, nil
	}); err != nil {
		b.Fatal("the posted reviews' charges did not expire:", err)
	}
}

// sample runs n calls of fn on the given number of workers and returns
// their latencies (failed calls included) and the number that failed,
// with the first error.
func sample(workers, n int, fn func(i int) error) ([]time.Duration, int, error) {
	took := make([]time.Duration, n)
	var failed atomic.Int64
	err := bench.Parallel(workers, n, func(i int) error {
		t0 := time.Now()
		err := fn(i)
		took[i] = time.Since(t0)
		if err != nil {
			failed.Add(1)
		}
		return err
	})
	return took, int(failed.Load()), err
}

func pct(d []time.Duration, q float64) float64 {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return float64(s[int(q*float64(len(s)-1))].Microseconds()) / 1000
}

func report(b *testing.B, what, unit string, took []time.Duration, failed int, err error, wall time.Duration) {
	b.Helper()
	fmt.Fprintf(os.Stderr, "%-58s p50 %6.1f ms, p99 %6.1f ms, max %6.1f ms (%d in %s, %.1f/s, %d failed)\n", what,
		pct(took, 0.5), pct(took, 0.99), pct(took, 1), len(took), wall.Round(time.Millisecond), float64(len(took))/wall.Seconds(), failed)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%-58s %v\n", "  first failure:", err)
	}
	b.ReportMetric(float64(failed), unit+"-failed")
	b.ReportMetric(pct(took, 0.5), unit+"-p50-ms")
	b.ReportMetric(pct(took, 0.99), unit+"-p99-ms")
}

// BenchmarkWebhookAdmission measures the admission of a pod create in a
// workspace of 1,000 namespaces: the webhook alone (an AdmissionReview
// posted over HTTPS, which reads the cache and charges the leader's book
// in memory) and end to end (a pod created through kube-apiserver,
// which calls the webhook), one at a time and 8 at once.
func BenchmarkWebhookAdmission(b *testing.B) {
	ctx := context.Background()
	// The benchmark's own webhook: its certificate is not what is measured.
	hc := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: workers,
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	url := "https://" + hookAddr + webhook.Path
	var seq atomic.Int64
	review := func(i int) error {
		id := seq.Add(1)
		p := pod(i, fmt.Sprintf("review-%d", id))
		p.UID = uuid.NewUUID()
		raw, err := json.Marshal(p)
		if err != nil {
			return err
		}
		body, err := json.Marshal(&admissionv1.AdmissionReview{
			TypeMeta: metav1.TypeMeta{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview"},
			Request: &admissionv1.AdmissionRequest{UID: types.UID(fmt.Sprintf("req-%d", id)),
				Kind:      metav1.GroupVersionKind{Version: "v1", Kind: "Pod"},
				Resource:  metav1.GroupVersionResource{Version: "v1", Resource: "pods"},
				Namespace: p.Namespace, Name: p.Name, Operation: admissionv1.Create, Object: runtime.RawExtension{Raw: raw}},
		})
		if err != nil {
			return err
		}
		resp, err := hc.Post(url, "application/json", bytes.NewReader(body))
		if err != nil {
			return err
		}
		defer func() { _ = resp.Body.Close() }()
		out, err := io.ReadAll(resp.Body)
		if err != nil {
			return err
		}
		var r admissionv1.AdmissionReview
		if err := json.Unmarshal(out, &r); err != nil {
			return fmt.Errorf("%s: %w", resp.Status, err)
		}
		if r.Response == nil || !r.Response.Allowed {
			return fmt.Errorf("review refused: %s", out)
		}
		return nil
	}
	var retries atomic.Int64
	create := func(i int) error {
		p := pod(i, fmt.Sprintf("created-%d", seq.Add(1)))
		for {
			err := k8s.Create(ctx, p)
			// The webhook asks to retry when 500 charges wait to be counted.
			if err != nil && strings.Contains(err.Error(), "try again") {
				retries.Add(1)
				time.Sleep(10 * time.Millisecond)
				continue
			}
			return err
		}
	}
	// Warm up the connections (one per worker, as kube-apiserver keeps
	// its connections to a webhook) and the code paths (not timed).
	if _, _, err := sample(workers, workers, review); err != nil {
		b.Fatal(err)
	}
	if _, _, err := sample(workers, workers, create); err != nil {
		b.Fatal(err)
	}
	size0, _ := statusBytes(b)

	b.ResetTimer()
	for range b.N {
		t0 := time.Now()
		took, failed, err := sample(1, direct, func(i int) error { return review(i * 7) })
		report(b, "webhook (AdmissionReview posted), sequential", "webhook-seq", took, failed, err, time.Since(t0))
		b.StopTimer()
		// The controller writes the charges to the status after the
		// answers (the book is in memory).
		time.Sleep(2 * time.Second)
		sizeDirect, q := statusBytes(b)
		pendingDirect := len(q.Status.Pending)
		b.StartTimer()

		t0 = time.Now()
		took, failed, err = sample(workers, direct, func(i int) error { return review(i * 7) })
		report(b, fmt.Sprintf("webhook (AdmissionReview posted), %d concurrent", workers), "webhook-par", took, failed, err, time.Since(t0))

		t0 = time.Now()
		took, failed, err = sample(1, created, func(i int) error { return create(i * 13) })
		report(b, "pod created through kube-apiserver, sequential", "create-seq", took, failed, err, time.Since(t0))
		t0 = time.Now()
		took, failed, err = sample(workers, created, func(i int) error { return create(i * 13) })
		report(b, fmt.Sprintf("pod created through kube-apiserver, %d concurrent", workers), "create-par", took, failed, err, time.Since(t0))

		b.StopTimer()
		fmt.Fprintf(os.Stderr, "%-58s %d bytes with %d namespaces; %d bytes with %d pending charges; %d retries asked by the webhook\n",
			"quota status (the controller writes it after charges)", size0, namespaces, sizeDirect, pendingDirect, retries.Load())
		b.ReportMetric(float64(size0), "status-bytes")
		pendingGone(b)
		b.StartTimer()
	}
}

// BenchmarkRecountAfterPodChanges makes 5,000 pod changes in the
// workspace's namespaces (3,000 creates, then 2,000 deletes, with the
// webhook's configuration taken out so that only the controller works), then measures how long after the last change the quota's
// status shows the final usage (the controller's recounts through its
// workqueue), and how long one full recount of the workspace from the
// cache (count.Workspace) takes at that scale.
func BenchmarkRecountAfterPodChanges(b *testing.B) {
	ctx := context.Background()
	for range b.N {
		b.StopTimer()
		var before corev1.PodList
		if err := k8s.List(ctx, &before); err != nil {
			b.Fatal(err)
		}
		creates := changes - deletes
		start := len(before.Items)
		run := time.Now().UnixNano()
		name := func(i int) string { return fmt.Sprintf("churn-%d-%d", run, i) }
		// The churn goes around the webhook (its configuration is taken
		// out and put back after): what is timed is the controller's
		// recount, and charges at the webhook's rate would take the run
		// past its time on a loaded machine. No charge is pending then.
		hooks := env.Clientset.AdmissionregistrationV1().ValidatingWebhookConfigurations()
		saved, err := hooks.Get(ctx, webhook.ConfigurationName, metav1.GetOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if err := hooks.Delete(ctx, webhook.ConfigurationName, metav1.DeleteOptions{}); err != nil {
			b.Fatal(err)
		}
		saved.ResourceVersion, saved.UID = "", ""
		defer func() { _, _ = hooks.Create(ctx, saved, metav1.CreateOptions{}) }()
		time.Sleep(2 * time.Second) // kube-apiserver stops calling it
		b.StartTimer()

		t0 := time.Now()
		if err := bench.Parallel(workers, creates, func(i int) error {
			return k8s.Create(ctx, pod(i, name(i)))
		}); err != nil {
			b.Fatal(err)
		}
		if err := bench.Parallel(workers, deletes, func(i int) error {
			return k8s.Delete(ctx, pod(i, name(i)))
		}); err != nil {
			b.Fatal(err)
		}
		last := time.Now()
		want := int64(start + creates - deletes)
		var seen int64
		if err := wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 5*time.Minute, true, func(ctx context.Context) (bool, error) {
			q, err := readQuota(ctx)
			if err != nil {
				return false, nil //nolint:nilerr // poll again
			}
			p := q.Status.Used[corev1.ResourcePods]
			seen = p.Value()
			return seen == want && len(q.Status.Pending) == 0, nil
		}); err != nil {
			b.Fatalf("the quota shows %d pods, want %d: %v", seen, want, err)
		}
		settled := time.Since(last)
		all := time.Since(t0)
		b.StopTimer()

		// One full recount of the workspace from the manager's cache.
		var once []time.Duration
		for range 20 {
			t := time.Now()
			nss, err := count.Workspace(ctx, []count.Place{{Reader: mgr.GetCache()}}, workspace, hard)
			if err != nil {
				b.Fatal(err)
			}
			once = append(once, time.Since(t))
			if len(nss) != namespaces {
				b.Fatalf("counted %d namespaces, want %d", len(nss), namespaces)
			}
		}
		size, _ := statusBytes(b)
		fmt.Fprintf(os.Stderr, "%-58s %s (%d creates, %d deletes, %d pods at the end)\n", "5,000 pod changes made in",
			last.Sub(t0).Round(time.Millisecond), creates, deletes, want)
		fmt.Fprintf(os.Stderr, "%-58s %s\n", "last change until the quota's status shows the final usage", settled.Round(time.Millisecond))
		fmt.Fprintf(os.Stderr, "%-58s %s\n", "first change until then", all.Round(time.Millisecond))
		fmt.Fprintf(os.Stderr, "%-58s p50 %.1f ms, max %.1f ms (20 runs, %d namespaces, status %d bytes)\n", "one full recount (count.Workspace over the cache)",
			pct(once, 0.5), pct(once, 1), namespaces, size)
		b.ReportMetric(float64(settled.Microseconds())/1000, "settle-ms")
		b.ReportMetric(float64(last.Sub(t0).Microseconds())/1000, "changes-ms")
		b.ReportMetric(pct(once, 0.5), "recount-p50-ms")
		b.StartTimer()
	}
}
