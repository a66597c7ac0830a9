//go:build bench

// Package devops benchmarks the DevOps module's run scheduling: one DevOps
// project allowing 20 concurrent runs, 200 pipelines of one shell step, and
// a burst of 200 runs (one per pipeline, created as fast as a webhook burst
// would) carried out by ke-controller-manager's local executor on a real
// kube-apiserver and etcd. ke-controller-manager runs as its own process
// (bin/ke-controller-manager) so that its CPU time and memory are read
// alone, from /proc. Run with `make bench`.
//
// How the latency is measured: the bench reads the time on its own clock
// just before it creates a run (the trigger), and watches PipelineRuns with
// an informer, noting when it first sees each run Running and when it first
// sees the first step of its first stage no longer Pending (status.stages[0]
// .steps[0].phase Running or finished). The status's own startTime fields
// are metav1.Time, written with 1 s resolution, so they are not used. What
// is measured is thus what a client watching the API sees: it includes the
// controller's status write (throttled to one per 250 ms per run) and the
// watch's delivery.
//
// CPU: ke-controller-manager's own user+system time (all its threads: every
// controller, not only DevOps's) and, apart, that of its children it has
// waited for (the steps' bash processes and the sleep they run), from
// /proc/<pid>/stat, over the burst; kube-apiserver and etcd (envtest's, the
// bench's children) apart too. Memory: its resident set, sampled every
// 100 ms during the burst, and VmHWM. The host is shared: its load average
// is printed with the figures.
package devops

import (
	"bufio"
	"cmp"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/tools/cache"
	ctrl "sigs.k8s.io/controller-runtime"
	crcache "sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	devopsv1alpha3 "github.com/superkube/super-kubenetes/api/devops/v1alpha3"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	"github.com/superkube/super-kubenetes/internal/scheme"
	"github.com/superkube/super-kubenetes/internal/testutil/bench"
	"github.com/superkube/super-kubenetes/internal/testutil/envtest"
)

const (
	pipelines     = 200
	maxConcurrent = 20
	project       = "bench-ci"
	workspace     = "bench"
	// stepSeconds is how long each run's one step sleeps.
	stepSeconds = "0.2"
	seeders     = 16
	// clockTicks is USER_HZ, the unit of /proc/<pid>/stat's times.
	clockTicks = 100
)

func BenchmarkDevOpsRunBurst(b *testing.B) {
	ctrl.SetLogger(logr.Discard())
	env, err := envtest.Start(envtest.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer env.Stop()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c, err := client.New(env.Config, client.Options{Scheme: scheme.New()})
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	proc := startControllerManager(b, env, dir)
	defer func() { _ = proc.Process.Signal(syscall.SIGTERM); _ = proc.Wait() }()
	pid := proc.Process.Pid

	// The project: its namespace comes from the devopsproject controller.
	if err := c.Create(ctx, &tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: workspace}}); err != nil {
		b.Fatal(err)
	}
	if err := c.Create(ctx, &devopsv1alpha3.DevOpsProject{
		ObjectMeta: metav1.ObjectMeta{Name: project, Labels: map[string]string{tenantv1beta1.WorkspaceLabel: workspace}},
		Spec:       devopsv1alpha3.DevOpsProjectSpec{MaxConcurrentRuns: maxConcurrent},
	}); err != nil {
		b.Fatal(err)
	}
	waitFor(b, 2*time.Minute, func() (bool, string) {
		p := &devopsv1alpha3.DevOpsProject{}
		if err := c.Get(ctx, client.ObjectKey{Name: project}, p); err != nil {
			return false, err.Error()
		}
		if err := c.Get(ctx, client.ObjectKey{Name: project}, &corev1.Namespace{}); err != nil {
			return false, "namespace: " + err.Error()
		}
		return meta.IsStatusConditionTrue(p.Status.Conditions, "Ready"), "project not Ready"
	})

	// 200 pipelines of one stage of one shell step, which notes that it ran
	// in a file of its own (to count the runs that really ran) and sleeps.
	marks := filepath.Join(dir, "marks")
	if err := os.MkdirAll(marks, 0o755); err != nil {
		b.Fatal(err)
	}
	parallel(b, pipelines, func(i int) error {
		script := fmt.Sprintf("echo ran >> %s/%s\nsleep %s\n", marks, pipelineName(i), stepSeconds)
		return c.Create(ctx, &devopsv1alpha3.Pipeline{
			ObjectMeta: metav1.ObjectMeta{Namespace: project, Name: pipelineName(i)},
			Spec: devopsv1alpha3.PipelineSpec{Definition: devopsv1alpha3.Definition{Stages: []devopsv1alpha3.Stage{{
				Name: "build", Steps: []devopsv1alpha3.Step{{Name: "run", Shell: &devopsv1alpha3.ShellStep{Script: script}}},
			}}}},
		})
	})
	waitFor(b, 2*time.Minute, func() (bool, string) {
		var list devopsv1alpha3.PipelineList
		if err := c.List(ctx, &list, client.InNamespace(project)); err != nil {
			return false, err.Error()
		}
		ready := 0
		for i := range list.Items {
			if meta.IsStatusConditionTrue(list.Items[i].Status.Conditions, "Ready") {
				ready++
			}
		}
		return ready == pipelines, fmt.Sprintf("%d of %d pipelines Ready", ready, pipelines)
	})

	// Watch the runs.
	t := newTracker()
	informers, err := crcache.New(env.Config, crcache.Options{Scheme: scheme.New()})
	if err != nil {
		b.Fatal(err)
	}
	inf, err := informers.GetInformer(ctx, &devopsv1alpha3.PipelineRun{})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(o any) { t.observe(o) },
		UpdateFunc: func(_, n any) { t.observe(n) },
	}); err != nil {
		b.Fatal(err)
	}
	// The pipelines' status writes (the pipeline controller shows each
	// pipeline's newest run).
	pinf, err := informers.GetInformer(ctx, &devopsv1alpha3.Pipeline{})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := pinf.AddEventHandler(cache.ResourceEventHandlerFuncs{UpdateFunc: func(_, _ any) { t.pipelineUpdates.Add(1) }}); err != nil {
		b.Fatal(err)
	}
	go func() { _ = informers.Start(ctx) }()
	informers.WaitForCacheSync(ctx)

	// Let the manager settle, then read its CPU time and sample its memory.
	time.Sleep(2 * time.Second)
	cp0 := controlPlaneCPU(b)
	cpu0 := readCPU(b, pid)
	_, hwmBefore, _ := bench.Memory(pid)
	var peakRSS int64
	sampling := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			if rss, _, err := bench.Memory(pid); err == nil && rss > peakRSS {
				peakRSS = rss
			}
			select {
			case <-sampling:
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	}()

	// The burst: one run per pipeline, 16 at a time.
	b.ResetTimer()
	start := time.Now()
	parallel(b, pipelines, func(i int) error {
		name := pipelineName(i) + "-webhook-1"
		t.triggered(name)
		return c.Create(ctx, &devopsv1alpha3.PipelineRun{
			ObjectMeta: metav1.ObjectMeta{Namespace: project, Name: name, Labels: map[string]string{
				devopsv1alpha3.PipelineLabel: pipelineName(i), devopsv1alpha3.TriggerLabel: string(devopsv1alpha3.TriggerWebhook)}},
			Spec: devopsv1alpha3.PipelineRunSpec{Pipeline: pipelineName(i), Trigger: devopsv1alpha3.Trigger{Kind: devopsv1alpha3.TriggerWebhook, ID: "bench"}},
		})
	})
	created := time.Since(start)
	waitFor(b, 5*time.Minute, func() (bool, string) {
		n := t.finishedCount()
		return n == pipelines, fmt.Sprintf("%d of %d runs finished", n, pipelines)
	})
	total := time.Since(start)
	b.StopTimer()
	cpu1 := readCPU(b, pid)
	cp1 := controlPlaneCPU(b)
	load := loadAverage()
	pipelineUpdates := t.pipelineUpdates.Load()
	close(sampling)
	<-sampled
	rss, hwm := memory(b, pid)

	// Quiet afterwards: what the manager does once every run has ended.
	updatesAtEnd := t.updateCount()
	time.Sleep(6 * time.Second)
	updatesLater := t.updateCount()
	cpu2 := readCPU(b, pid)

	// Every run Succeeded once: its step ran once (one line in its file),
	// it went Running once, and none is left Queued.
	r := t.report()
	for i := range pipelines {
		lines := countLines(filepath.Join(marks, pipelineName(i)))
		if lines != 1 {
			b.Errorf("the step of %s ran %d times", pipelineName(i), lines)
		}
	}
	if r.succeeded != pipelines || r.startedTwice > 0 || r.neverStepped > 0 {
		b.Errorf("%d of %d runs Succeeded (phases %v), %d went Running more than once, %d never showed their step; %q",
			r.succeeded, pipelines, r.phases, r.startedTwice, r.neverStepped, r.failures)
	}
	if r.maxRunning > maxConcurrent {
		b.Errorf("%d runs were Running at once; the project allows %d", r.maxRunning, maxConcurrent)
	}

	step := percentiles(r.toStep)
	running := percentiles(r.toRunning)
	cpuBurst := cpu1.sub(cpu0)
	cpuAfter := cpu2.sub(cpu1)
	fmt.Printf("\nDevOps run burst: %d pipelines of one `sleep %s` shell step, %d runs (one each) created by %d clients in %s, project maxConcurrentRuns %d, local executor\n",
		pipelines, stepSeconds, pipelines, seeders, created.Round(time.Millisecond), maxConcurrent)
	fmt.Printf("| measure | p50 | p95 | max | target |\n|---|---|---|---|---|\n")
	fmt.Printf("| trigger → first step seen Running (watch) | %s | %s | %s | |\n", step[0], step[1], step[2])
	fmt.Printf("| trigger → run seen Running (watch) | %s | %s | %s | |\n", running[0], running[1], running[2])
	p := percentiles(r.toStepFree)
	fmt.Printf("| trigger → first step seen Running, the %d runs never Queued | %s | %s | %s | |\n", len(r.toStepFree), p[0], p[1], p[2])
	p = percentiles(r.handOver)
	fmt.Printf("| a run seen finished → the next Queued run seen Running (%d runs) | %s | %s | %s | not the 5 s requeue |\n", len(r.handOver), p[0], p[1], p[2])
	fmt.Printf("| all %d runs finished (from the first create) | %s | | | ≥ %d waves × %s s |\n", pipelines, total.Round(time.Millisecond), pipelines/maxConcurrent, stepSeconds)
	fmt.Printf("| runs Running at once (watch), most | %d | | | ≤ %d |\n", r.maxRunning, maxConcurrent)
	fmt.Printf("| runs Succeeded / went Running twice / left unfinished | %d / %d / %d | | | %d / 0 / 0 |\n", r.succeeded, r.startedTwice, pipelines-r.finished, pipelines)
	fmt.Printf("| run updates seen per run (status writes) | %.1f | | %d | |\n", float64(r.updates)/float64(pipelines), r.maxUpdates)
	fmt.Printf("| pipeline updates seen per run (the pipeline controller's status writes) | %.1f | | | |\n", float64(pipelineUpdates)/float64(pipelines))
	fmt.Printf("| ke-controller-manager CPU during the burst (own / step processes) | %.2f s / %.2f s | | | |\n", cpuBurst.self, cpuBurst.children)
	fmt.Printf("| kube-apiserver + etcd CPU during the burst | %.2f s | | | |\n", cp1-cp0)
	fmt.Printf("| host load average at the end (1 min; %d CPUs, shared) | %s | | | |\n", runtime.NumCPU(), load)
	fmt.Printf("| ke-controller-manager CPU in the %s after (own), run updates then | %.2f s, %d | | | |\n", "6s", cpuAfter.self, updatesLater-updatesAtEnd)
	fmt.Printf("| ke-controller-manager log lines with \"error\" | %d | | | 0 |\n", errorLines(logFile))
	fmt.Printf("| ke-controller-manager RSS (end / peak in burst / peak before burst / VmHWM) | %d MB | | %d MB / %d MB / %d MB | |\n\n",
		rss>>20, peakRSS>>20, hwmBefore>>20, hwm>>20)
	b.ReportMetric(float64(step[1].Milliseconds()), "to-step-p95-ms")
	b.ReportMetric(total.Seconds(), "burst-s")
	b.ReportMetric(cpuBurst.self, "manager-cpu-s")
	b.ReportMetric(float64(peakRSS>>20), "peak-rss-MB")
}

// logFile keeps ke-controller-manager's log after the bench.
var logFile = filepath.Join(os.TempDir(), "devops-bench-ke-controller-manager.log")

func pipelineName(i int) string { return fmt.Sprintf("p-%03d", i) }

func startControllerManager(b *testing.B, env *envtest.Environment, dir string) *exec.Cmd {
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
	file := filepath.Join(dir, "kubeconfig")
	if err := os.WriteFile(file, kubeconfig, 0o600); err != nil {
		b.Fatal(err)
	}
	log, err := os.Create(logFile)
	if err != nil {
		b.Fatal(err)
	}
	// The defaults of the Helm chart otherwise (concurrency 4, 100 QPS);
	// BENCH_V sets its log's verbosity (5 logs every reconcile);
	// BENCH_KUBE_API_QPS raises the client's limit (and its burst to twice).
	args := []string{"--kubeconfig=" + file, "--leader-elect=false", "--metrics-bind-address=0", "--health-probe-bind-address=0",
		"--state-metrics-bind-address=0", "--devops-work-dir=" + filepath.Join(dir, "runs"), "-v=" + cmp.Or(os.Getenv("BENCH_V"), "2")}
	if q, err := strconv.Atoi(os.Getenv("BENCH_KUBE_API_QPS")); err == nil {
		args = append(args, fmt.Sprintf("--kube-api-qps=%d", q), fmt.Sprintf("--kube-api-burst=%d", 2*q))
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	return cmd
}

// run is what the bench saw of one run.
type run struct {
	triggered, running, step, finished time.Time
	phase                              devopsv1alpha3.RunPhase
	wasRunning, queued                 bool
	message                            string
	history                            []devopsv1alpha3.RunPhase
	starts, updates                    int
}

// tracker records what the watch shows of the runs.
type tracker struct {
	mu      sync.Mutex
	runs    map[string]*run
	running int
	most    int
	// finishes are the times runs were first seen finished, in order.
	finishes        []time.Time
	pipelineUpdates atomic.Int64
}

func newTracker() *tracker { return &tracker{runs: map[string]*run{}} }

func (t *tracker) get(name string) *run {
	r := t.runs[name]
	if r == nil {
		r = &run{}
		t.runs[name] = r
	}
	return r
}

func (t *tracker) triggered(name string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.get(name).triggered = time.Now()
}

func (t *tracker) observe(o any) {
	pr, ok := o.(*devopsv1alpha3.PipelineRun)
	if !ok {
		return
	}
	now := time.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	r := t.get(pr.Name)
	r.updates++
	st := pr.Status
	isRunning := st.Phase == devopsv1alpha3.PhaseRunning || st.Phase == devopsv1alpha3.PhaseWaiting
	switch {
	case isRunning && !r.wasRunning:
		r.starts++
		t.running++
		t.most = max(t.most, t.running)
		if r.running.IsZero() {
			r.running = now
		}
	case !isRunning && r.wasRunning:
		t.running--
	}
	r.wasRunning = isRunning
	if r.step.IsZero() && len(st.Stages) > 0 && len(st.Stages[0].Steps) > 0 && st.Stages[0].Steps[0].Phase != devopsv1alpha3.PhasePending &&
		st.Stages[0].Steps[0].Phase != "" {
		r.step = now
	}
	if st.Phase == devopsv1alpha3.PhaseQueued {
		r.queued = true
	}
	if st.Phase.Finished() && r.finished.IsZero() {
		r.finished = now
		t.finishes = append(t.finishes, now)
	}
	if len(r.history) == 0 || r.history[len(r.history)-1] != st.Phase {
		r.history = append(r.history, st.Phase)
	}
	r.phase, r.message = st.Phase, st.Message
}

func (t *tracker) finishedCount() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := 0
	for _, r := range t.runs {
		if !r.finished.IsZero() {
			n++
		}
	}
	return n
}

func (t *tracker) updateCount() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := 0
	for _, r := range t.runs {
		n += r.updates
	}
	return n
}

type report struct {
	toStep, toRunning                               []time.Duration
	toStepFree, handOver                            []time.Duration
	succeeded, finished, startedTwice, neverStepped int
	maxRunning, updates, maxUpdates                 int
	phases                                          map[devopsv1alpha3.RunPhase]int
	failures                                        []string
}

func (t *tracker) report() report {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := report{maxRunning: t.most, phases: map[devopsv1alpha3.RunPhase]int{}}
	for _, r := range t.runs {
		out.phases[r.phase]++
		out.updates += r.updates
		out.maxUpdates = max(out.maxUpdates, r.updates)
		if r.phase == devopsv1alpha3.PhaseSucceeded {
			out.succeeded++
		} else if len(out.failures) < 10 {
			out.failures = append(out.failures, fmt.Sprintf("%s: %s (phases seen: %v)", r.phase, r.message, r.history))
		}
		if !r.finished.IsZero() {
			out.finished++
		}
		if r.starts > 1 {
			out.startedTwice++
		}
		if r.step.IsZero() {
			out.neverStepped++
			continue
		}
		out.toStep = append(out.toStep, r.step.Sub(r.triggered))
		if !r.queued {
			out.toStepFree = append(out.toStepFree, r.step.Sub(r.triggered))
		}
		if r.running.IsZero() {
			continue
		}
		out.toRunning = append(out.toRunning, r.running.Sub(r.triggered))
		// A queued run: from the last run seen finished before it was seen
		// Running (the slot it took) to then.
		if r.queued {
			i := sort.Search(len(t.finishes), func(i int) bool { return t.finishes[i].After(r.running) })
			if i > 0 {
				out.handOver = append(out.handOver, r.running.Sub(t.finishes[i-1]))
			}
		}
	}
	return out
}

// cpu is a process's CPU time in seconds: its own (all threads), and that
// of its children it has waited for (the steps' shells and what they ran).
type cpu struct{ self, children float64 }

func (a cpu) sub(b cpu) cpu { return cpu{self: a.self - b.self, children: a.children - b.children} }

// readCPU reads utime, stime, cutime and cstime from /proc/<pid>/stat.
func readCPU(b *testing.B, pid int) cpu {
	b.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Fatal(err)
	}
	// The fields after the command (in parentheses, which may hold
	// spaces): state is field 3, utime 14, stime 15, cutime 16, cstime 17.
	s := string(data)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	v := func(i int) float64 {
		x, _ := strconv.ParseFloat(f[i], 64)
		return x / clockTicks
	}
	return cpu{self: v(11) + v(12), children: v(13) + v(14)}
}

// errorLines counts the lines of a log that mention an error.
func errorLines(file string) int {
	data, err := os.ReadFile(file)
	if err != nil {
		return -1
	}
	n := 0
	for _, l := range strings.Split(string(data), "\n") {
		if strings.Contains(strings.ToLower(l), "error") {
			n++
		}
	}
	return n
}

// controlPlaneCPU is the CPU time, in seconds, of this process's children
// kube-apiserver and etcd (envtest's).
func controlPlaneCPU(b *testing.B) float64 {
	b.Helper()
	dirs, err := filepath.Glob("/proc/[0-9]*")
	if err != nil {
		b.Fatal(err)
	}
	total := 0.0
	for _, d := range dirs {
		data, err := os.ReadFile(filepath.Join(d, "stat"))
		if err != nil {
			continue
		}
		s := string(data)
		open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if open < 0 || end < open {
			continue
		}
		comm := s[open+1 : end]
		f := strings.Fields(s[end+1:])
		if len(f) < 13 || (comm != "kube-apiserver" && comm != "etcd") || f[1] != strconv.Itoa(os.Getpid()) {
			continue
		}
		ut, _ := strconv.ParseFloat(f[11], 64)
		st, _ := strconv.ParseFloat(f[12], 64)
		total += (ut + st) / clockTicks
	}
	return total
}

// loadAverage is the host's one-minute load average.
func loadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Fields(string(data))[0]
}

func countLines(file string) int {
	f, err := os.Open(file)
	if err != nil {
		return 0
	}
	defer f.Close()
	n := 0
	for s := bufio.NewScanner(f); s.Scan(); {
		n++
	}
	return n
}

func waitFor(b *testing.B, timeout time.Duration, check func() (bool, string)) {
	var msg string
	err := wait.PollUntilContextTimeout(context.Background(), 5*time.Millisecond, timeout, true, func(context.Context) (bool, error) {
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
	if len(d) == 0 {
		return [3]time.Duration{}
	}
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	at := func(q float64) time.Duration { return s[int(q*float64(len(s)-1))].Round(time.Millisecond) }
	return [3]time.Duration{at(0.5), at(0.95), s[len(s)-1].Round(time.Millisecond)}
}

func memory(b *testing.B, pid int) (rss, hwm int64) {
	rss, hwm, err := bench.Memory(pid)
	if err != nil {
		b.Fatal(err)
	}
	return rss, hwm
}
