//go:build e2e

// Package e2e holds end-to-end tests that run the built binaries against a
// local cluster they start themselves. Run them with `make test-e2e`.
package e2e

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/superkube/super-kubenetes/internal/dev/freeport"
	"github.com/superkube/super-kubenetes/internal/testutil/envtest"
)

// devCluster drives bin/ke-dev with its own data folder and free ports.
type devCluster struct {
	t       *testing.T
	root    string
	dataDir string
	ports   []string
	cmd     *exec.Cmd
	out     *lockedBuffer
	// extra are more flags of `ke-dev up`.
	extra []string
}

// lockedBuffer is ke-dev's output, read while ke-dev writes it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func newDevCluster(t *testing.T) *devCluster {
	t.Helper()
	root, err := envtest.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "bin", "ke-dev")); err != nil {
		t.Fatal("bin/ke-dev is missing: run the e2e tests with `make test-e2e`")
	}
	for _, env := range []string{"K8S_BIN_DIR", "KWOK_BIN_DIR"} {
		if os.Getenv(env) == "" {
			t.Fatalf("%s is not set: run the e2e tests with `make test-e2e`", env)
		}
	}
	d := &devCluster{t: t, root: root, dataDir: filepath.Join(t.TempDir(), "cluster")}
	names := []string{"--etcd-port", "--etcd-peer-port", "--apiserver-port", "--controller-manager-port", "--scheduler-port", "--kubelet-port",
		"--ke-controller-manager-health-port", "--ke-controller-manager-metrics-port", "--redis-port",
		"--metrics-server-port", "--prometheus-port", "--logs-port", "--ke-controller-manager-state-metrics-port", "--ke-controller-manager-quota-webhook-port",
		"--alertmanager-port", "--mailpit-port", "--mailpit-smtp-port", "--webhook-sink-port", "--gitea-port", "--meshsim-port",
		"--jaeger-port", "--jaeger-otlp-grpc-port", "--jaeger-otlp-http-port",
		"--chart-repo-port", "--ke-apiserver-port"} // last: platformIdentity reads it there
	for i, p := range freePorts(t, len(names)) {
		d.ports = append(d.ports, names[i]+"="+strconv.Itoa(p))
	}
	return d
}

func (d *devCluster) args(extra ...string) []string {
	args := append([]string{"up", "--data-dir", d.dataDir, "--platform-bin-dir", filepath.Join(d.root, "bin"), "--manifest-dir", filepath.Join(d.root, "config")}, d.ports...)
	args = append(args, d.extra...)
	return append(args, extra...)
}

// up starts ke-dev in the background and waits for its ready file.
func (d *devCluster) up() time.Duration {
	d.t.Helper()
	begin := time.Now()
	d.out = &lockedBuffer{}
	d.cmd = exec.Command(filepath.Join(d.root, "bin", "ke-dev"), d.args()...)
	d.cmd.Stdout, d.cmd.Stderr = d.out, d.out
	d.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := d.cmd.Start(); err != nil {
		d.t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- d.cmd.Wait() }()
	ready := filepath.Join(d.dataDir, "run", "ready")
	deadline := time.After(4 * time.Minute)
	for {
		select {
		case err := <-exited:
			d.t.Fatalf("ke-dev up exited (%v):\n%s", err, d.out)
		case <-deadline:
			d.t.Fatalf("ke-dev up was not ready within 4 minutes:\n%s", d.out)
		case <-time.After(200 * time.Millisecond):
		}
		if _, err := os.Stat(ready); err == nil {
			return time.Since(begin)
		}
	}
}

// stop sends SIGTERM, as Ctrl-C or make would, and waits for ke-dev to exit.
func (d *devCluster) stop() time.Duration {
	d.t.Helper()
	begin := time.Now()
	pid := d.cmd.Process.Pid
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		d.t.Fatal(err)
	}
	for processExists(pid) {
		if time.Since(begin) > time.Minute {
			d.t.Fatalf("ke-dev did not stop within a minute:\n%s", d.out)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return time.Since(begin)
}

func (d *devCluster) kubectl(args ...string) (string, error) {
	cmd := exec.Command(filepath.Join(os.Getenv("K8S_BIN_DIR"), "kubectl"), args...)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+filepath.Join(d.dataDir, "kubeconfig"))
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func (d *devCluster) mustKubectl(args ...string) string {
	d.t.Helper()
	out, err := d.kubectl(args...)
	if err != nil {
		d.t.Fatalf("kubectl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// leftovers lists the processes whose command line names the data folder.
func (d *devCluster) leftovers() []string {
	entries, _ := os.ReadDir("/proc")
	var found []string
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		if err != nil {
			continue
		}
		if bytes.Contains(cmdline, []byte(d.dataDir)) {
			found = append(found, strings.ReplaceAll(string(cmdline), "\x00", " "))
		}
	}
	return found
}

func TestLocalCluster(t *testing.T) {
	d := newDevCluster(t)
	t.Cleanup(func() {
		for _, p := range d.leftovers() {
			t.Logf("left over: %s", p)
		}
		if d.cmd != nil && d.cmd.Process != nil {
			_ = syscall.Kill(-d.cmd.Process.Pid, syscall.SIGKILL)
		}
	})

	cold := d.up()
	t.Logf("FIGURE cold start (fresh data folder) to ready: %.1fs", cold.Seconds())

	t.Run("three simulated nodes are Ready", func(t *testing.T) {
		out := d.mustKubectl("get", "nodes", "--no-headers")
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if len(lines) != 3 {
			t.Fatalf("want 3 nodes, got:\n%s", out)
		}
		for _, l := range lines {
			if f := strings.Fields(l); len(f) < 2 || f[1] != "Ready" {
				t.Fatalf("node not Ready: %s", l)
			}
		}
	})

	var pod string
	t.Run("a deployment becomes available on the simulated nodes", func(t *testing.T) {
		d.mustKubectl("create", "deployment", "web", "--image=nginx", "--replicas=3")
		d.mustKubectl("rollout", "status", "deployment/web", "--timeout=90s")
		avail := d.mustKubectl("get", "deployment", "web", "-o", "jsonpath={.status.availableReplicas}/{.spec.replicas}")
		if avail != "3/3" {
			t.Fatalf("deployment web available %s, want 3/3", avail)
		}
		pods := d.mustKubectl("get", "pods", "-l", "app=web", "--field-selector=status.phase=Running", "-o", "jsonpath={.items[*].metadata.name}")
		names := strings.Fields(pods)
		if len(names) != 3 {
			t.Fatalf("want 3 Running pods, got %q", pods)
		}
		pod = names[0]
	})

	t.Run("the platform's controllers run and print the initial login", func(t *testing.T) {
		if !strings.Contains(d.out.String(), "Initial administrator: user admin, password ") {
			t.Fatalf("no initial login in the output:\n%s", d.out)
		}
		d.mustKubectl("get", "users.iam.superkube.io", "admin")
		ws := `{"apiVersion":"tenant.superkube.io/v1beta1","kind":"Workspace","metadata":{"name":"e2e"},"spec":{"manager":"admin"}}`
		cmd := exec.Command(filepath.Join(os.Getenv("K8S_BIN_DIR"), "kubectl"), "create", "-f", "-")
		cmd.Env = append(os.Environ(), "KUBECONFIG="+filepath.Join(d.dataDir, "kubeconfig"))
		cmd.Stdin = strings.NewReader(ws)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("creating a workspace: %v\n%s", err, out)
		}
		d.mustKubectl("wait", "--for=condition=Ready", "workspace/e2e", "--timeout=60s")
		d.mustKubectl("wait", "--for=condition=Ready", "workspacerole/e2e-admin", "--timeout=60s")
	})

	t.Run("kubectl with a platform identity has exactly its permissions", func(t *testing.T) {
		d.platformIdentity(t)
	})
	t.Run("exec and logs through ke-apiserver", func(t *testing.T) { d.throughProxy(t) })

	t.Run("a job completes", func(t *testing.T) {
		d.mustKubectl("create", "job", "once", "--image=busybox")
		d.mustKubectl("wait", "--for=condition=Complete", "job/once", "--timeout=90s")
	})

	t.Run("kubectl logs answers for a simulated pod", func(t *testing.T) {
		if pod == "" {
			t.Skip("no pod")
		}
		var out string
		// A simulated container writes its first line within five seconds of running.
		for range 50 {
			out, _ = d.kubectl("logs", pod)
			if strings.Contains(out, "simulated by ke-dev") {
				return
			}
			time.Sleep(200 * time.Millisecond)
		}
		t.Fatalf("kubectl logs %s returned:\n%s", pod, out)
	})

	t.Run("kubectl exec answers for a simulated pod", func(t *testing.T) {
		if pod == "" {
			t.Skip("no pod")
		}
		out := d.mustKubectl("exec", pod, "--", "sh", "-c", "echo hello from $KWOK_SIMULATED_POD")
		if strings.TrimSpace(out) != "hello from true" {
			t.Fatalf("kubectl exec returned %q", out)
		}
	})

	t.Run("kubectl exec cannot reach the host's files or programs", func(t *testing.T) {
		if pod == "" {
			t.Skip("no pod")
		}
		caKey := filepath.Join(d.dataDir, "pki", "ca.key")
		if _, err := os.Stat(caKey); err != nil {
			t.Fatalf("the cluster's CA key is not where the test looks: %v", err)
		}
		for _, argv := range [][]string{
			{"cat", caKey},
			// The folder the exec of KWOK's local kind ran in was
			// .local/cluster/kwok/exec.
			{"sh", "-c", "cat ../../pki/ca.key"},
			{"sh", "-c", "cat " + filepath.Join(d.dataDir, "kubeconfig") + " /etc/passwd"},
			{"/usr/bin/env", "cat", caKey},
			{"/bin/sh", "-c", "id -u; /usr/bin/id -u; /proc/self/exe --help"},
		} {
			out, err := d.kubectl(append([]string{"exec", pod, "--"}, argv...)...)
			if strings.Contains(out, "PRIVATE KEY") || strings.Contains(out, "client-key-data") || strings.Contains(out, "root:x:0:0") {
				t.Errorf("kubectl exec %q read a host file:\n%s", argv, out)
			}
			if err == nil {
				t.Errorf("kubectl exec %q succeeded:\n%s", argv, out)
			}
		}
		// A file written in the pod stays in the pod's simulated folder.
		marker := filepath.Join(d.dataDir, "written-by-exec")
		d.mustKubectl("exec", pod, "--", "sh", "-c", "mkdir -p "+d.dataDir+" && echo x > "+marker)
		if _, err := os.Stat(marker); err == nil {
			t.Errorf("kubectl exec wrote %s on the host", marker)
		}
		if out := d.mustKubectl("exec", pod, "--", "cat", marker); strings.TrimSpace(out) != "x" {
			t.Errorf("the pod's own file reads %q", out)
		}
	})

	t.Run("a second up on the same data folder says it is running", func(t *testing.T) {
		out, err := exec.Command(filepath.Join(d.root, "bin", "ke-dev"), d.args()...).CombinedOutput()
		if err == nil || !strings.Contains(string(out), "already running") {
			t.Fatalf("want an 'already running' error, got %v:\n%s", err, out)
		}
		assertOneLine(t, string(out))
	})

	t.Run("a taken port gives one line naming it", func(t *testing.T) {
		other := filepath.Join(t.TempDir(), "other")
		args := append(d.args(), "--data-dir", other) // same ports, other data: the ports are taken
		out, err := exec.Command(filepath.Join(d.root, "bin", "ke-dev"), args...).CombinedOutput()
		port := strings.TrimPrefix(d.ports[2], "--apiserver-port=")
		if err == nil || !strings.Contains(string(out), "port "+port+" for kube-apiserver is already in use") {
			t.Fatalf("want the kube-apiserver port named, got %v:\n%s", err, out)
		}
		if strings.Contains(string(out), "goroutine") {
			t.Fatalf("the error carries a stack trace:\n%s", out)
		}
	})

	t.Run("a missing binary gives one line naming it", func(t *testing.T) {
		other := filepath.Join(t.TempDir(), "other")
		args := append(d.args(), "--data-dir", other, "--bin-dir", filepath.Join(t.TempDir(), "empty"))
		out, err := exec.Command(filepath.Join(d.root, "bin", "ke-dev"), args...).CombinedOutput()
		if err == nil || !strings.Contains(string(out), "kube-apiserver binary not found") {
			t.Fatalf("want the missing kube-apiserver named, got %v:\n%s", err, out)
		}
	})

	took := d.stop()
	t.Logf("FIGURE stop after SIGTERM: %.1fs", took.Seconds())
	if left := d.leftovers(); len(left) > 0 {
		t.Fatalf("processes left after stop:\n%s", strings.Join(left, "\n"))
	}

	warm := d.up()
	t.Logf("FIGURE warm start (existing data folder) to ready: %.1fs", warm.Seconds())
	if warm > time.Minute {
		t.Errorf("warm start took %s, want under a minute", warm)
	}
	t.Run("the data survives a stop and start", func(t *testing.T) {
		avail := d.mustKubectl("get", "deployment", "web", "-o", "jsonpath={.status.availableReplicas}")
		if avail == "" {
			t.Fatal("deployment web is gone after the restart")
		}
	})

	t.Run("down stops a running cluster from another shell", func(t *testing.T) {
		out, err := exec.Command(filepath.Join(d.root, "bin", "ke-dev"), "down", "--data-dir", d.dataDir).CombinedOutput()
		if err != nil {
			t.Fatalf("ke-dev down: %v\n%s", err, out)
		}
		if processExists(d.cmd.Process.Pid) {
			t.Fatal("ke-dev up still runs after down")
		}
		if left := d.leftovers(); len(left) > 0 {
			t.Fatalf("processes left after down:\n%s", strings.Join(left, "\n"))
		}
	})

	t.Run("reset deletes the data", func(t *testing.T) {
		out, err := exec.Command(filepath.Join(d.root, "bin", "ke-dev"), "reset", "--data-dir", d.dataDir).CombinedOutput()
		if err != nil {
			t.Fatalf("ke-dev reset: %v\n%s", err, out)
		}
		if _, err := os.Stat(d.dataDir); !os.IsNotExist(err) {
			t.Fatalf("%s still exists after reset", d.dataDir)
		}
	})
}

func assertOneLine(t *testing.T, out string) {
	t.Helper()
	if n := strings.Count(strings.TrimSpace(out), "\n"); n > 0 {
		t.Fatalf("want a one-line error, got %d lines:\n%s", n+1, out)
	}
}

func processExists(pid int) bool {
	// A zombie child (not yet reaped) counts as gone.
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	fields := strings.Fields(string(data))
	return len(fields) > 2 && fields[2] != "Z"
}

func freePorts(t *testing.T, n int) []int {
	t.Helper()
	ports := make([]int, n)
	for i := range ports {
		p, err := freeport.Pick()
		if err != nil {
			t.Fatal(err)
		}
		ports[i] = p
	}
	return ports
}
