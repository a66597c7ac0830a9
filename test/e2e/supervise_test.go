//go:build e2e

package e2e

import (
	"crypto/tls"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/superkube/super-kubenetes/internal/dev/process"
)

// TestLocalClusterRestartsCrashedComponents kills components of a running
// local cluster with SIGKILL: ke-dev restarts each and says so, the cluster
// keeps working, and a component that keeps crashing makes ke-dev stop
// everything with a message naming it and its log.
func TestLocalClusterRestartsCrashedComponents(t *testing.T) {
	d := newDevCluster(t)
	t.Cleanup(func() {
		for _, p := range d.leftovers() {
			t.Logf("left over: %s", p)
		}
		if d.cmd != nil && d.cmd.Process != nil {
			_ = syscall.Kill(-d.cmd.Process.Pid, syscall.SIGKILL)
		}
	})
	d.up()
	apiserverPid := d.pid("kube-apiserver")
	etcdPid := d.pid("etcd")

	health := map[string]string{
		"kube-scheduler": fmt.Sprintf("https://127.0.0.1:%d/healthz", d.port("--scheduler-port")),
		"ke-apiserver":   fmt.Sprintf("https://127.0.0.1:%d/readyz", d.port("--ke-apiserver-port")),
	}
	for _, name := range []string{"kube-scheduler", "ke-apiserver"} {
		t.Run("kill -9 "+name, func(t *testing.T) {
			old := d.pid(name)
			begin := time.Now()
			if !d.kill(old) {
				t.Fatalf("%s is not running (pid %d):\n%s", name, old, d.out)
			}
			d.waitOutput(t, regexp.MustCompile(`ke-dev: `+name+` exited unexpectedly \(signal: killed\); restarting it in 1s \(crash 1 of at most 5 within 2m0s; log: \S+/logs/`+name+`\.log\)`), time.Minute)
			d.waitOutput(t, regexp.MustCompile(`ke-dev: `+name+` is running again`), 2*time.Minute)
			t.Logf("FIGURE %s back after kill -9: %.1fs", name, time.Since(begin).Seconds())
			if now := d.pid(name); now == old || !processExists(now) {
				t.Fatalf("%s: pid %d before, %d after", name, old, now)
			}
			if err := httpGetOK(health[name]); err != nil {
				t.Fatalf("%s's health endpoint: %v", name, err)
			}
		})
	}

	t.Run("the cluster keeps working", func(t *testing.T) {
		if d.pid("kube-apiserver") != apiserverPid || d.pid("etcd") != etcdPid {
			t.Fatal("etcd or kube-apiserver was restarted though only other components were killed")
		}
		// Scheduling needs the restarted kube-scheduler.
		d.mustKubectl("create", "deployment", "after-restart", "--image=nginx", "--replicas=2")
		d.mustKubectl("rollout", "status", "deployment/after-restart", "--timeout=90s")
		// ke-apiserver answers its API again.
		if err := httpGetOK(fmt.Sprintf("https://127.0.0.1:%d/.well-known/openid-configuration", d.port("--ke-apiserver-port"))); err != nil {
			t.Fatalf("ke-apiserver after its restart: %v", err)
		}
	})

	t.Run("a component that keeps crashing stops everything", func(t *testing.T) {
		exited := make(chan struct{})
		go func() {
			for processExists(d.cmd.Process.Pid) {
				time.Sleep(100 * time.Millisecond)
			}
			close(exited)
		}()
		// Kill kube-scheduler each time it is back, until ke-dev gives up.
		kills, last := 0, 0
		deadline := time.After(3 * time.Minute)
		for running := true; running; {
			select {
			case <-exited:
				running = false
				continue
			case <-deadline:
				t.Fatalf("ke-dev still runs after %d kills:\n%s", kills, d.out)
			case <-time.After(100 * time.Millisecond):
			}
			if pid := d.pid("kube-scheduler"); pid != last && d.kill(pid) {
				kills++
				last = pid
			}
		}
		out := d.out.String()
		if !strings.Contains(out, "ke-dev: kube-scheduler keeps crashing (6 times within 2m0s), so ke-dev stops everything") ||
			!strings.Contains(out, filepath.Join(d.dataDir, "logs", "kube-scheduler.log")) {
			t.Fatalf("no message naming kube-scheduler and its log after %d kills:\n%s", kills, out)
		}
		if kills > 6 {
			t.Fatalf("%d kills before ke-dev gave up, want at most 6 (5 crashes within 2 minutes are restarted)", kills)
		}
		if left := d.leftovers(); len(left) > 0 {
			t.Fatalf("processes left after ke-dev gave up:\n%s", strings.Join(left, "\n"))
		}
	})
}

// pid reads the pid file ke-dev keeps for a component; 0 if there is none.
func (d *devCluster) pid(name string) int {
	return process.ReadPid(filepath.Join(d.dataDir, "run", name+".pid"))
}

// kill sends SIGKILL to pid if it is a live process of this cluster (its
// command line names the data folder), and reports whether it did.
func (d *devCluster) kill(pid int) bool {
	if pid <= 0 || !processExists(pid) {
		return false
	}
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil || !strings.Contains(string(cmdline), d.dataDir) {
		return false
	}
	return syscall.Kill(pid, syscall.SIGKILL) == nil
}

// port returns the port given to ke-dev with a flag.
func (d *devCluster) port(flag string) int {
	for _, p := range d.ports {
		if v, ok := strings.CutPrefix(p, flag+"="); ok {
			n, _ := strconv.Atoi(v)
			return n
		}
	}
	d.t.Fatalf("no port for %s", flag)
	return 0
}

// waitOutput waits until ke-dev's output matches re.
func (d *devCluster) waitOutput(t *testing.T, re *regexp.Regexp, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !re.MatchString(d.out.String()) {
		if time.Now().After(deadline) {
			t.Fatalf("ke-dev did not print %s within %s:\n%s", re, timeout, d.out)
		}
		if !processExists(d.cmd.Process.Pid) {
			t.Fatalf("ke-dev exited instead of printing %s:\n%s", re, d.out)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func httpGetOK(url string) error {
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	var err error
	for range 50 {
		var resp *http.Response
		resp, err = client.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("%s answered %s", url, resp.Status)
		}
		time.Sleep(200 * time.Millisecond)
	}
	return err
}
