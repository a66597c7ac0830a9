//go:build bench

package logging

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"

	devlogs "github.com/superkube/super-kubenetes/internal/dev/podlogs"
	devvl "github.com/superkube/super-kubenetes/internal/dev/victorialogs"
	logclient "github.com/superkube/super-kubenetes/internal/logging/victorialogs"
	"github.com/superkube/super-kubenetes/internal/testutil/bench"
	"github.com/superkube/super-kubenetes/internal/testutil/envtest"
	"github.com/superkube/super-kubenetes/internal/testutil/victorialogs"
)

// The shipping benchmark: 20 simulated containers on one node write 100
// lines a second each (2,000 lines/s) in the kubelet's layout, as ke-dev
// writes them; a real vlagent, discovering the pods from a real
// kube-apiserver as on a node, ships them to a real VictoriaLogs.
const (
	shipPods     = 20
	shipRate     = 100 // lines a second per container
	shipWarmup   = 10 * time.Second
	shipDuration = 60 * time.Second
	shipNode     = "bench-node"
	shipNS       = "ship"
)

// BenchmarkShipping prints the sustained rate the shipper keeps up with,
// how far the store's newest line lags behind the files (sampled every
// second), whether any line written is missing, and the memory of vlagent
// and VictoriaLogs.
func BenchmarkShipping(b *testing.B) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	env, err := envtest.Start(envtest.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer env.Stop()
	kc, err := kubernetes.NewForConfig(env.Config)
	if err != nil {
		b.Fatal(err)
	}
	store, err := victorialogs.Start()
	if err != nil {
		b.Fatal(err)
	}
	defer store.Stop()

	root := b.TempDir()
	writer := devlogs.NewWriter(filepath.Join(root, "nodes"), kc)
	go func() { _ = writer.Run(ctx) }()
	if _, err := kc.CoreV1().Nodes().Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: shipNode}}, metav1.CreateOptions{}); err != nil {
		b.Fatal(err)
	}
	launcher := &processes{}
	stopViews, err := devvl.StartAgents(ctx, launcher, &devvl.AgentsConfig{StoreURL: store.URL(), DataDir: filepath.Join(root, "agents"),
		Nodes: []string{shipNode}, ContainersDir: writer.ContainersDir, Kube: env.Config})
	if err != nil {
		launcher.stop()
		b.Fatal(err)
	}
	defer func() { launcher.stop(); stopViews() }() // the agents before their view of kube-apiserver

	if _, err := kc.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: shipNS}}, metav1.CreateOptions{}); err != nil {
		b.Fatal(err)
	}
	if _, err := kc.CoreV1().ServiceAccounts(shipNS).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default"}}, metav1.CreateOptions{}); err != nil {
		b.Fatal(err)
	}
	for i := range shipPods {
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("app-%02d", i), Namespace: shipNS,
			Labels: map[string]string{"app": "ship"}, Annotations: map[string]string{devlogs.RateAnnotation: fmt.Sprint(shipRate)}},
			Spec: corev1.PodSpec{NodeName: shipNode, AutomountServiceAccountToken: ptr.To(false), Containers: []corev1.Container{{Name: "main", Image: "app"}}}}
		p, err := kc.CoreV1().Pods(shipNS).Create(ctx, p, metav1.CreateOptions{})
		if err != nil {
			b.Fatal(err)
		}
		p.Status = corev1.PodStatus{Phase: corev1.PodRunning, PodIP: fmt.Sprintf("10.0.0.%d", i+1), ContainerStatuses: []corev1.ContainerStatus{{
			Name: "main", Ready: true, ContainerID: devlogs.ContainerID(p.UID, "main"),
			State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: metav1.Now()}}}}}
		if _, err := kc.CoreV1().Pods(shipNS).UpdateStatus(ctx, p, metav1.UpdateOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	logs := store.Client(logclient.ContainerLogs)
	newest := func() (time.Time, error) {
		var t time.Time
		err := logs.Records(ctx, "kubernetes.pod_namespace:="+shipNS+" | sort by (_time desc) | limit 1",
			logclient.Range{Start: time.Now().Add(-10 * time.Minute)}, func(r logclient.Record) error {
				t, _ = time.Parse(time.RFC3339Nano, r["_time"])
				return nil
			})
		return t, err
	}
	// The shipper has found the pods once their lines reach the store.
	deadline := time.Now().Add(time.Minute)
	for {
		if t, err := newest(); err == nil && !t.IsZero() {
			break
		}
		if time.Now().After(deadline) {
			b.Fatal("no line reached the store within a minute")
		}
		time.Sleep(200 * time.Millisecond)
	}
	time.Sleep(shipWarmup)

	b.ResetTimer()
	begin := time.Now()
	var lags []time.Duration
	for time.Since(begin) < shipDuration {
		time.Sleep(time.Second)
		t, err := newest()
		if err != nil {
			b.Fatal(err)
		}
		lags = append(lags, time.Since(t))
	}
	end := time.Now()
	b.StopTimer()
	agentRSS, agentHWM, agentErr := bench.Memory(launcher.pid("vlagent-" + shipNode))

	// Every line written in the window is in the store, once the shipper
	// has caught up.
	written, err := linesBetween(filepath.Join(root, "nodes"), begin, end)
	if err != nil {
		b.Fatal(err)
	}
	span := logclient.Range{Start: begin, End: end}
	var stored int64
	deadline = time.Now().Add(time.Minute)
	for {
		n, err := logs.Stats(ctx, "kubernetes.pod_namespace:="+shipNS+" | stats count() n", span)
		if err != nil {
			b.Fatal(err)
		}
		if stored = n["n"]; stored >= int64(written) || time.Now().After(deadline) {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	sort.Slice(lags, func(i, j int) bool { return lags[i] < lags[j] })
	secs := end.Sub(begin).Seconds()
	fmt.Fprintf(os.Stderr, "%-44s %d lines written in %.0fs (%.0f lines/s), %d in the store (%.0f lines/s), %d missing\n",
		"shipping: 20 containers x 100 lines/s", written, secs, float64(written)/secs, stored, float64(stored)/secs, int64(written)-stored)
	fmt.Fprintf(os.Stderr, "%-44s p50 %7.0f ms  p95 %7.0f ms  max %7.0f ms (store flushes every 1s)\n", "shipping: newest line's lag",
		ms(lags[len(lags)/2]), ms(lags[len(lags)*95/100]), ms(lags[len(lags)-1]))
	b.ReportMetric(float64(stored)/secs, "shipped-lines/s")
	b.ReportMetric(ms(lags[len(lags)*95/100]), "lag-p95-ms")
	b.ReportMetric(float64(int64(written)-stored), "missing-lines")
	if agentErr == nil {
		fmt.Fprintf(os.Stderr, "%-44s rss %d MiB, peak %d MiB\n", "vlagent memory", agentRSS>>20, agentHWM>>20)
		b.ReportMetric(float64(agentHWM>>20), "vlagent-peak-MiB")
	}
	if rss, hwm, err := bench.Memory(store.PID()); err == nil {
		fmt.Fprintf(os.Stderr, "%-44s rss %d MiB, peak %d MiB\n", "VictoriaLogs memory (shipping)", rss>>20, hwm>>20)
	}
	if written < int(0.9*shipPods*shipRate*secs) {
		b.Fatalf("the writer wrote %d lines in %.0fs, short of %d lines/s", written, secs, shipPods*shipRate)
	}
	if stored < int64(written) {
		b.Fatalf("%d of %d lines written did not reach the store", int64(written)-stored, written)
	}
}

// linesBetween counts the lines of the container log files under root
// whose time is in [from, to).
func linesBetween(root string, from, to time.Time) (int, error) {
	n := 0
	err := filepath.Walk(root, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() || !strings.Contains(filepath.Base(path), ".log") || info.Mode()&os.ModeSymlink != 0 {
			return err
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer func() { _ = f.Close() }()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			stamp, _, _ := strings.Cut(sc.Text(), " ")
			if t, err := time.Parse(time.RFC3339Nano, stamp); err == nil && !t.Before(from) && t.Before(to) {
				n++
			}
		}
		return sc.Err()
	})
	return n, err
}

// processes launches programs for devvl.StartAgents and stops them.
type processes struct {
	mu   sync.Mutex
	cmds map[string]*exec.Cmd
}

func (p *processes) LaunchWithEnv(ctx context.Context, name, path string, args, env []string, ready func(context.Context) error) error {
	cmd := exec.Command(path, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		return err
	}
	p.mu.Lock()
	if p.cmds == nil {
		p.cmds = map[string]*exec.Cmd{}
	}
	p.cmds[name] = cmd
	p.mu.Unlock()
	deadline := time.Now().Add(30 * time.Second)
	for ready(ctx) != nil {
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not become ready within 30s", name)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return nil
}

func (p *processes) pid(name string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if c := p.cmds[name]; c != nil && c.Process != nil {
		return c.Process.Pid
	}
	return 0
}

func (p *processes) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.cmds {
		_ = c.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = c.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = c.Process.Kill()
		}
	}
}
