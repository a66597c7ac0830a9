//go:build e2e

package e2e

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// The passwords the identity subtest leaves: the administrator's after the
// change of the initial one, and the workspace viewer's.
const (
	proxyAdminPassword = "E2e-Passw0rd-New!"
	proxyViewer        = "dev"
	proxyViewerPass    = "Dev-Passw0rd!"
)

// throughProxy runs kubectl against ke-apiserver instead of kube-apiserver:
// exec, logs, log follow, port-forward and attach reach KWOK's simulated
// pods through ke-apiserver's proxy and kube-apiserver, as the caller; a
// workspace viewer's exec is refused by ke-apiserver. It runs after the
// identity subtest, which sets the passwords and creates the viewer.
func (d *devCluster) throughProxy(t *testing.T) {
	a := d.api(t)
	api, caFile := a.url, a.caFile
	login := a.login
	// kubectl for a user, with ke-apiserver as its server and its own
	// discovery cache (so that one user's discovery never serves another).
	kubectlAs := func(user, tok string) func(args ...string) *exec.Cmd {
		dir := t.TempDir()
		file := filepath.Join(dir, "kubeconfig")
		kubeconfig := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: ke-apiserver
  cluster: {server: %q, certificate-authority: %q}
users:
- name: %s
  user: {token: %q}
contexts:
- name: ke-apiserver
  context: {cluster: ke-apiserver, user: %s}
current-context: ke-apiserver
`, api, caFile, user, tok, user)
		if err := os.WriteFile(file, []byte(kubeconfig), 0o600); err != nil {
			t.Fatal(err)
		}
		return func(args ...string) *exec.Cmd {
			return exec.Command(filepath.Join(os.Getenv("K8S_BIN_DIR"), "kubectl"),
				append([]string{"--kubeconfig", file, "--cache-dir", filepath.Join(dir, "cache"), "--request-timeout", "0"}, args...)...)
		}
	}
	admin := kubectlAs("admin", login("admin", proxyAdminPassword))
	run := func(cmd *exec.Cmd) (string, error) {
		out, err := cmd.CombinedOutput()
		return string(out), err
	}

	// A Running pod of the web deployment, found with the cluster-admin kubeconfig.
	var pod string
	waitFor(t, "a Running web pod", func() bool {
		out, err := d.kubectl("get", "pods", "-l", "app=web", "--field-selector=status.phase=Running", "-o", "jsonpath={.items[0].metadata.name}")
		pod = strings.TrimSpace(out)
		return err == nil && pod != ""
	})

	// kubectl speaks WebSocket by default and SPDY when told to (or when
	// the server refuses WebSocket): both go through.
	for _, protocol := range []struct{ name, env string }{
		{"over WebSocket", "KUBECTL_REMOTE_COMMAND_WEBSOCKETS=true"},
		{"over SPDY", "KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false"},
	} {
		t.Run("kubectl exec "+protocol.name, func(t *testing.T) {
			cmd := admin("exec", pod, "--", "echo", "hi")
			cmd.Env = append(os.Environ(), protocol.env)
			out, err := run(cmd)
			if err != nil || strings.TrimSpace(out) != "hi" {
				t.Fatalf("kubectl exec through ke-apiserver: %v\n%s", err, out)
			}
			cmd = admin("exec", pod, "--", "sh", "-c", "echo hello from $KWOK_SIMULATED_POD")
			cmd.Env = append(os.Environ(), protocol.env)
			out, err = run(cmd)
			if err != nil || strings.TrimSpace(out) != "hello from true" {
				t.Fatalf("kubectl exec through ke-apiserver: %v\n%s", err, out)
			}
		})
	}

	t.Run("kubectl exec with standard input", func(t *testing.T) {
		// KWOK does not pass on the end of standard input (`cat` would wait
		// forever, straight against kube-apiserver too): read one line.
		cmd := admin("exec", "-i", pod, "--", "head", "-n", "1")
		cmd.Stdin = strings.NewReader("through ke-apiserver and back\n")
		out, err := run(cmd)
		if err != nil || strings.TrimSpace(out) != "through ke-apiserver and back" {
			t.Fatalf("kubectl exec -i through ke-apiserver: %v\n%s", err, out)
		}
	})

	t.Run("kubectl logs", func(t *testing.T) {
		out, err := run(admin("logs", pod))
		if err != nil || !strings.Contains(out, "simulated by ke-dev") {
			t.Fatalf("kubectl logs through ke-apiserver: %v\n%s", err, out)
		}
	})

	t.Run("kubectl logs -f shows lines as they arrive", func(t *testing.T) {
		cmd := admin("logs", "-f", "--tail=1", pod)
		lines, stop := streamLines(t, cmd)
		defer stop()
		lineNo := regexp.MustCompile(`line (\d+)`)
		first := nextLine(t, lines, 20*time.Second, "the last line")
		m := lineNo.FindStringSubmatch(first)
		if m == nil {
			t.Fatalf("unexpected first line %q", first)
		}
		// ke-dev appends a line every five seconds: the next one comes
		// through the open stream.
		next := nextLine(t, lines, 20*time.Second, "a line written after the follow started")
		if n := lineNo.FindStringSubmatch(next); n == nil || n[1] == m[1] {
			t.Fatalf("after %q came %q", first, next)
		}
	})

	t.Run("kubectl port-forward", func(t *testing.T) {
		cmd := admin("port-forward", "--address", "127.0.0.1", "pod/"+pod, ":80")
		lines, stop := streamLines(t, cmd)
		defer stop()
		forwarding := regexp.MustCompile(`Forwarding from 127\.0\.0\.1:(\d+) -> 80`)
		var local string
		for local == "" {
			l := nextLine(t, lines, 30*time.Second, "Forwarding from ...")
			if m := forwarding.FindStringSubmatch(l); m != nil {
				local = m[1]
			}
		}
		// kubectl listens only once its tunnel through ke-apiserver is up;
		// a connection then opens a stream to the pod's port at KWOK.
		conn, err := net.DialTimeout("tcp", "127.0.0.1:"+local, 10*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		_ = conn.SetDeadline(time.Now().Add(15 * time.Second))
		_, _ = io.WriteString(conn, "GET / HTTP/1.0\r\n\r\n")
		answer, _ := io.ReadAll(conn)
		if strings.Contains(string(answer), "simulated pod port") {
			return // KWOK's forward answered through both tunnels
		}
		var said []string
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatalf("kubectl port-forward ended: %s", strings.Join(said, "\n"))
				}
				said = append(said, l)
				if strings.Contains(l, "no forward found for port 80") {
					t.Skipf("the tunnel through ke-apiserver and kube-apiserver reached KWOK, which has no port forward configured in ke-dev (no ClusterPortForward): %s", l)
				}
			case <-time.After(15 * time.Second):
				t.Fatalf("no answer through the forwarded port and no error from kubectl:\n%s", strings.Join(said, "\n"))
			}
		}
	})

	t.Run("kubectl attach", func(t *testing.T) {
		cmd := admin("attach", pod)
		lines, stop := streamLines(t, cmd)
		defer stop()
		var said []string
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatalf("kubectl attach ended:\n%s", strings.Join(said, "\n"))
				}
				said = append(said, l)
				if strings.Contains(l, "simulated container output") {
					return
				}
				if strings.Contains(l, "no attaches found") {
					t.Skipf("the attach through ke-apiserver and kube-apiserver reached KWOK, which has no attach configured in ke-dev (no ClusterAttach): %s", l)
				}
			case <-time.After(30 * time.Second):
				t.Fatalf("kubectl attach said nothing useful in 30s:\n%s", strings.Join(said, "\n"))
			}
		}
	})

	t.Run("a workspace viewer's exec is refused by ke-apiserver", func(t *testing.T) {
		d.mustKubectl("run", "viewer-target", "-n", "e2e-web", "--image=nginx")
		d.mustKubectl("wait", "--for=condition=Ready", "pod/viewer-target", "-n", "e2e-web", "--timeout=60s")
		viewer := kubectlAs(proxyViewer, login(proxyViewer, proxyViewerPass))
		if out, err := run(viewer("get", "pods", "-n", "e2e-web", "-o", "name")); err != nil || !strings.Contains(out, "pod/viewer-target") {
			t.Fatalf("the viewer lists its project's pods through ke-apiserver: %v\n%s", err, out)
		}
		if out, err := run(viewer("get", "pods", "-n", "kube-system")); err == nil || !strings.Contains(out, "user dev may not list pods in namespace kube-system") {
			t.Fatalf("want ke-apiserver's refusal elsewhere, got %v:\n%s", err, out)
		}
		out, err := run(viewer("exec", "-n", "e2e-web", "viewer-target", "--", "echo", "hi"))
		// ke-apiserver's refusal names the user and the subresource
		// (kube-apiserver's would read `User "dev" cannot create resource "pods/exec"`).
		if err == nil || !regexp.MustCompile(`user dev may not (create|get) pods/exec viewer-target in namespace e2e-web`).MatchString(out) {
			t.Fatalf("want ke-apiserver's refusal, got %v:\n%s", err, out)
		}
		if strings.Contains(out, "hi\n") {
			t.Fatalf("the command ran:\n%s", out)
		}
		t.Logf("kubectl said: %s", strings.TrimSpace(out))
	})
}

// streamLines starts cmd and returns its output lines (stdout and stderr
// together) as they come; stop kills it.
func streamLines(t *testing.T, cmd *exec.Cmd) (<-chan string, func()) {
	t.Helper()
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 100)
	go func() {
		defer close(lines)
		s := bufio.NewScanner(pr)
		for s.Scan() {
			lines <- s.Text()
		}
	}()
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		_ = pw.Close()
		close(done)
	}()
	var once sync.Once
	return lines, func() {
		once.Do(func() {
			_ = cmd.Process.Kill()
			<-done
		})
	}
}

func nextLine(t *testing.T, lines <-chan string, timeout time.Duration, what string) string {
	t.Helper()
	select {
	case l, ok := <-lines:
		if !ok {
			t.Fatalf("the command ended before %s", what)
		}
		return l
	case <-time.After(timeout):
		t.Fatalf("no %s within %s", what, timeout)
	}
	return ""
}
