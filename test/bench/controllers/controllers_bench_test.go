//go:build bench

// Package controllers benchmarks ke-controller-manager at platform scale:
// 1,000 workspaces of 10 namespaces each and 5,000 users, on a real
// kube-apiserver and etcd, with ke-controller-manager running as its own
// process so that its memory can be read. Run with `make bench`.
package controllers

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/tools/cache"
	crcache "sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	"github.com/superkube/super-kubenetes/internal/controller/mirror"
	"github.com/superkube/super-kubenetes/internal/dev/freeport"
	"github.com/superkube/super-kubenetes/internal/iam/builtin"
	"github.com/superkube/super-kubenetes/internal/scheme"
	"github.com/superkube/super-kubenetes/internal/testutil/bench"
	"github.com/superkube/super-kubenetes/internal/testutil/envtest"
)

const (
	users          = 5000
	workspaces     = 1000
	nsPerWorkspace = 10
	samples        = 100
	seeders        = 16
)

func BenchmarkControllersAtScale(b *testing.B) {
	env, err := envtest.Start(envtest.Options{ExtraAPIServerArgs: map[string]string{"max-requests-inflight": "2000", "max-mutating-requests-inflight": "1000"}})
	if err != nil {
		b.Fatal(err)
	}
	defer env.Stop()
	ctx := context.Background()
	c, err := client.New(env.Config, client.Options{Scheme: scheme.New()})
	if err != nil {
		b.Fatal(err)
	}
	proc := startControllerManager(b, env)
	defer func() { _ = proc.Process.Signal(syscall.SIGTERM); _ = proc.Wait() }()

	// Times at which objects were first seen Ready, from informers in this process.
	tracker := newTracker()
	informers, err := crcache.New(env.Config, crcache.Options{Scheme: scheme.New()})
	if err != nil {
		b.Fatal(err)
	}
	tracker.watch(b, ctx, informers)
	go func() { _ = informers.Start(ctx) }()
	informers.WaitForCacheSync(ctx)

	start := time.Now()
	parallel(b, users, func(i int) error {
		return c.Create(ctx, &iamv1beta1.User{ObjectMeta: metav1.ObjectMeta{Name: userName(i)}, Spec: iamv1beta1.UserSpec{Email: userName(i) + "@example.com"}})
	})
	parallel(b, workspaces, func(i int) error {
		return c.Create(ctx, &tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: wsName(i)}, Spec: tenantv1beta1.WorkspaceSpec{Manager: userName(i % users)}})
	})
	parallel(b, workspaces*nsPerWorkspace, func(i int) error {
		ws := i / nsPerWorkspace
		return c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("%s-p%d", wsName(ws), i%nsPerWorkspace),
			Labels: map[string]string{tenantv1beta1.WorkspaceLabel: wsName(ws)}}})
	})
	// Settled: every manager's binding mirrored into all namespaces.
	waitFor(b, 30*time.Minute, func() (bool, string) {
		n := tracker.mirrorCount()
		return n >= workspaces*nsPerWorkspace, fmt.Sprintf("%d of %d manager mirrors", n, workspaces*nsPerWorkspace)
	})
	seeded := time.Since(start)

	// Workspace created → its four roles and the manager's binding Ready.
	var wsLatency []time.Duration
	for i := range samples {
		name := fmt.Sprintf("bench-new-%d", i)
		created := time.Now()
		if err := c.Create(ctx, &tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: tenantv1beta1.WorkspaceSpec{Manager: userName(i)}}); err != nil {
			b.Fatal(err)
		}
		keys := []string{"wr/" + builtin.WorkspaceRoleName(name, builtin.WorkspaceAdmin), "wr/" + builtin.WorkspaceRoleName(name, builtin.WorkspaceRegular),
			"wr/" + builtin.WorkspaceRoleName(name, builtin.WorkspaceViewer), "wr/" + builtin.WorkspaceRoleName(name, builtin.WorkspaceSelfProvisioner),
			"wrb/" + userName(i) + "-" + builtin.WorkspaceRoleName(name, builtin.WorkspaceAdmin)}
		wsLatency = append(wsLatency, tracker.waitReady(b, keys, created))
	}

	// Member added → RoleBindings in all 10 namespaces of the workspace.
	var memberLatency []time.Duration
	for i := range samples {
		ws := wsName(i * 7 % workspaces)
		user := userName((i*13 + 2500) % users)
		binding := user + "-" + ws + "-viewer-bench"
		created := time.Now()
		err := c.Create(ctx, &iamv1beta1.WorkspaceRoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: binding, Labels: map[string]string{tenantv1beta1.WorkspaceLabel: ws, iamv1beta1.UserRefLabel: user}},
			RoleRef:    iamv1beta1.RoleRef{Kind: "WorkspaceRole", Name: builtin.WorkspaceRoleName(ws, builtin.WorkspaceViewer)},
			Subjects:   []iamv1beta1.Subject{{Kind: "User", Name: user}},
		})
		if err != nil {
			b.Fatal(err)
		}
		memberLatency = append(memberLatency, tracker.waitMirrors(b, mirror.WorkspaceRoleBindingName(binding), nsPerWorkspace, created))
	}

	time.Sleep(5 * time.Second) // let the last work drain before reading memory
	if os.Getenv("BENCH_PPROF") != "" {
		fmt.Printf("pprof at http://%s/debug/pprof/ for 10 minutes\n", os.Getenv("BENCH_PPROF"))
		time.Sleep(10 * time.Minute)
	}
	rss, hwm := memory(b, proc.Process.Pid)

	fmt.Printf("\nke-controller-manager at %d users, %d workspaces, %d namespaces (seeded and settled in %s)\n",
		users, workspaces, workspaces*nsPerWorkspace, seeded.Round(time.Second))
	fmt.Printf("| measure | p50 | p95 | max | target |\n|---|---|---|---|---|\n")
	p := percentiles(wsLatency)
	fmt.Printf("| workspace created → 4 roles + manager binding Ready | %s | %s | %s | p95 ≤ 1s |\n", p[0], p[1], p[2])
	p = percentiles(memberLatency)
	fmt.Printf("| member added → RoleBindings in all %d namespaces | %s | %s | %s | p95 ≤ 2s |\n", nsPerWorkspace, p[0], p[1], p[2])
	fmt.Printf("| ke-controller-manager RSS (now / peak), GOMEMLIMIT=%s | %d MB | | %d MB | ≤ 300 MB |\n", memLimit, rss>>20, hwm>>20)
	fmt.Printf("| ke-controller-manager Go heap in use | %d MB | | | |\n\n", heapInUse()>>20)
	b.ReportMetric(float64(percentiles(wsLatency)[1].Milliseconds()), "ws-ready-p95-ms")
	b.ReportMetric(float64(percentiles(memberLatency)[1].Milliseconds()), "member-p95-ms")
	b.ReportMetric(float64(rss>>20), "rss-MB")
}

func userName(i int) string { return fmt.Sprintf("user-%05d", i) }
func wsName(i int) string   { return fmt.Sprintf("ws-%04d", i) }

func startControllerManager(b *testing.B, env *envtest.Environment) *exec.Cmd {
	root, err := envtest.RepoRoot()
	if err != nil {
		b.Fatal(err)
	}
	bin := filepath.Join(root, "bin", "ke-controller-manager")
	if _, err := os.Stat(bin); err != nil {
		b.Fatal("bin/ke-controller-manager is missing: run `make bench`, which builds it")
	}
	kubeconfig, err := env.AdminKubeconfig()
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	file := filepath.Join(dir, "kubeconfig")
	if err := os.WriteFile(file, kubeconfig, 0o600); err != nil {
		b.Fatal(err)
	}
	log, err := os.Create(filepath.Join(dir, "ke-controller-manager.log"))
	if err != nil {
		b.Fatal(err)
	}
	metricsPort = freePort(b)
	cmd := exec.Command(bin, "--kubeconfig="+file, "--leader-elect=false", fmt.Sprintf("--metrics-bind-address=127.0.0.1:%d", metricsPort), "--health-probe-bind-address=0", "--state-metrics-bind-address=0", "--concurrency=8", "--kube-api-qps=1000", "--kube-api-burst=2000",
		"--pprof-bind-address="+os.Getenv("BENCH_PPROF"))
	cmd.Stdout, cmd.Stderr = log, log
	// As the Helm chart does from the container's memory limit (300Mi).
	cmd.Env = append(os.Environ(), "GOMEMLIMIT="+memLimit)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	return cmd
}

// memLimit is the soft memory limit ke-controller-manager runs with:
// BENCH_GOMEMLIMIT, or what the Helm chart derived from its former 300Mi
// limit (it now sets 512Mi): stricter than the chart, comparable with the
// figures in docs/proposals/20261203-rbac-mirror.md.
var memLimit = func() string {
	if v := os.Getenv("BENCH_GOMEMLIMIT"); v != "" {
		return v
	}
	return "270MiB"
}()

var metricsPort int

func freePort(tb testing.TB) int {
	tb.Helper()
	p, err := freeport.Pick()
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// heapInUse reads go_memstats_heap_inuse_bytes from the metrics endpoint.
func heapInUse() int64 {
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/metrics", metricsPort))
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "go_memstats_heap_inuse_bytes "); ok {
			f, _ := strconv.ParseFloat(strings.TrimSpace(v), 64)
			return int64(f)
		}
	}
	return -1
}

// tracker records when objects were first seen Ready.
type tracker struct {
	mu      sync.Mutex
	ready   map[string]time.Time
	mirrors map[string]map[string]time.Time // binding mirror name → namespace → seen
}

func newTracker() *tracker {
	return &tracker{ready: map[string]time.Time{}, mirrors: map[string]map[string]time.Time{}}
}

func (t *tracker) watch(b *testing.B, ctx context.Context, informers crcache.Cache) {
	add := func(obj client.Object, key func(client.Object) (string, []metav1.Condition)) {
		inf, err := informers.GetInformer(ctx, obj)
		if err != nil {
			b.Fatal(err)
		}
		record := func(o any) {
			co, ok := o.(client.Object)
			if !ok {
				return
			}
			k, conds := key(co)
			if meta.IsStatusConditionTrue(conds, "Ready") {
				t.mu.Lock()
				if _, seen := t.ready[k]; !seen {
					t.ready[k] = time.Now()
				}
				t.mu.Unlock()
			}
		}
		_, _ = inf.AddEventHandler(cache.ResourceEventHandlerFuncs{AddFunc: record, UpdateFunc: func(_, n any) { record(n) }})
	}
	add(&iamv1beta1.WorkspaceRole{}, func(o client.Object) (string, []metav1.Condition) {
		return "wr/" + o.GetName(), o.(*iamv1beta1.WorkspaceRole).Status.Conditions
	})
	add(&iamv1beta1.WorkspaceRoleBinding{}, func(o client.Object) (string, []metav1.Condition) {
		return "wrb/" + o.GetName(), o.(*iamv1beta1.WorkspaceRoleBinding).Status.Conditions
	})
	inf, err := informers.GetInformer(ctx, &rbacv1.RoleBinding{})
	if err != nil {
		b.Fatal(err)
	}
	_, _ = inf.AddEventHandler(cache.ResourceEventHandlerFuncs{AddFunc: func(o any) {
		rb, ok := o.(*rbacv1.RoleBinding)
		if !ok || !strings.HasPrefix(rb.Name, "superkube:workspacerolebinding:") {
			return
		}
		t.mu.Lock()
		if t.mirrors[rb.Name] == nil {
			t.mirrors[rb.Name] = map[string]time.Time{}
		}
		t.mirrors[rb.Name][rb.Namespace] = time.Now()
		t.mu.Unlock()
	}})
}

func (t *tracker) mirrorCount() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := 0
	for name, byNS := range t.mirrors {
		if !strings.HasSuffix(name, "-"+builtin.WorkspaceAdmin) {
			continue
		}
		n += len(byNS)
	}
	return n
}

// waitReady waits until every key is Ready and returns the latency from
// created to the last of them.
func (t *tracker) waitReady(b *testing.B, keys []string, created time.Time) time.Duration {
	var last time.Time
	waitFor(b, time.Minute, func() (bool, string) {
		t.mu.Lock()
		defer t.mu.Unlock()
		last = time.Time{}
		for _, k := range keys {
			at, ok := t.ready[k]
			if !ok {
				return false, k + " not Ready"
			}
			if at.After(last) {
				last = at
			}
		}
		return true, ""
	})
	return last.Sub(created)
}

func (t *tracker) waitMirrors(b *testing.B, name string, want int, created time.Time) time.Duration {
	var last time.Time
	waitFor(b, time.Minute, func() (bool, string) {
		t.mu.Lock()
		defer t.mu.Unlock()
		byNS := t.mirrors[name]
		if len(byNS) < want {
			return false, fmt.Sprintf("%d of %d mirrors of %s", len(byNS), want, name)
		}
		last = time.Time{}
		for _, at := range byNS {
			if at.After(last) {
				last = at
			}
		}
		return true, ""
	})
	return last.Sub(created)
}

func waitFor(b *testing.B, timeout time.Duration, check func() (bool, string)) {
	var msg string
	err := wait.PollUntilContextTimeout(context.Background(), 2*time.Millisecond, timeout, true, func(context.Context) (bool, error) {
		var ok bool
		ok, msg = check()
		return ok, nil
	})
	if err != nil {
		b.Fatalf("timed out: %s", msg)
	}
}

func parallel(b *testing.B, n int, fn func(int) error) {
	if err := bench.Parallel(seeders, n, fn); err != nil {
		b.Fatal(err)
	}
}

func percentiles(d []time.Duration) [3]time.Duration {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	at := func(q float64) time.Duration { return s[int(q*float64(len(s)-1))].Round(time.Millisecond) }
	return [3]time.Duration{at(0.5), at(0.95), s[len(s)-1].Round(time.Millisecond)}
}

// memory returns the resident and peak resident memory of a process.
func memory(b *testing.B, pid int) (rss, hwm int64) {
	rss, hwm, err := bench.Memory(pid)
	if err != nil {
		b.Fatal(err)
	}
	return rss, hwm
}
