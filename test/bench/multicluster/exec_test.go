//go:build bench

package multicluster

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/remotecommand"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/superkube/super-kubenetes/internal/dev/kubelet"
	"github.com/superkube/super-kubenetes/internal/dev/simshell"
)

const (
	execPod       = "shell"
	execContainer = "sh"
	execSessions  = 40  // whole `echo x` execs per path and protocol
	execRounds    = 200 // lines through one open `sh` per path and protocol
)

// startKubelet serves the kubelet's /exec/ for a simulated node of the
// member: the local cluster's kubelet front (internal/dev/kubelet), whose
// simulated shell answers the commands in memory. kube-apiserver reaches it
// as it reaches a real kubelet (the node's address and kubelet port) and
// speaks SPDY to it. Attach and port-forward would go to KWOK, which the
// bench does not run.
func startKubelet(b *testing.B, ctx context.Context, mc client.Client) func() {
	b.Helper()
	nowhere, _ := url.Parse("https://127.0.0.1:1")
	h, err := kubelet.NewHandler(simshell.NewSandbox(simshell.DefaultLimits(), clock.RealClock{}), nil, nowhere, &tls.Config{MinVersion: tls.VersionTLS12})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewTLSServer(h)
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	p, _ := strconv.Atoi(port)
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "bench-node"}}
	if err := mc.Create(ctx, node); err != nil {
		b.Fatal(err)
	}
	node.Status = corev1.NodeStatus{
		Addresses:       []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "127.0.0.1"}},
		DaemonEndpoints: corev1.NodeDaemonEndpoints{KubeletEndpoint: corev1.DaemonEndpoint{Port: int32(p)}},
		Conditions:      []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue, LastHeartbeatTime: metav1.Now(), LastTransitionTime: metav1.Now()}},
	}
	if err := mc.Status().Update(ctx, node); err != nil {
		b.Fatal(err)
	}
	// No kube-controller-manager: the namespace's service account is made here.
	if err := mc.Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: "default"}}); client.IgnoreAlreadyExists(err) != nil {
		b.Fatal(err)
	}
	no := false
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: execPod}, Spec: corev1.PodSpec{
		NodeName: node.Name, AutomountServiceAccountToken: &no,
		Containers: []corev1.Container{{Name: execContainer, Image: "busybox"}},
	}}
	if err := mc.Create(ctx, pod); err != nil {
		b.Fatal(err)
	}
	pod.Status = corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{{Name: execContainer, Ready: true, Image: "busybox",
		State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: metav1.Now()}}}}}
	if err := mc.Status().Update(ctx, pod); err != nil {
		b.Fatal(err)
	}
	return srv.Close
}

// execPath is one way to the member's pod: its kube-apiserver straight, or
// ke-apiserver's /clusters/{c} proxy.
type execPath struct {
	name string
	cfg  *rest.Config
	base string // up to /api
}

func (p execPath) executor(b *testing.B, protocol string, stdin bool, command ...string) remotecommand.Executor {
	b.Helper()
	q := url.Values{"container": {execContainer}, "stdout": {"true"}, "stderr": {"true"}, "command": command}
	if stdin {
		q.Set("stdin", "true")
	}
	u, err := url.Parse(p.base + "/api/v1/namespaces/" + namespace + "/pods/" + execPod + "/exec?" + q.Encode())
	if err != nil {
		b.Fatal(err)
	}
	var ex remotecommand.Executor
	switch protocol {
	case "WebSocket":
		ex, err = remotecommand.NewWebSocketExecutor(p.cfg, http.MethodGet, u.String())
	default:
		ex, err = remotecommand.NewSPDYExecutor(p.cfg, http.MethodPost, u)
	}
	if err != nil {
		b.Fatal(err)
	}
	return ex
}

// session runs `echo x` to its end: the upgrade through every hop, the
// command, its output and its exit status.
func (p execPath) session(b *testing.B, ctx context.Context, protocol string) time.Duration {
	b.Helper()
	ex := p.executor(b, protocol, false, "echo", "x")
	var out, errOut bytes.Buffer
	start := time.Now()
	err := ex.StreamWithContext(ctx, remotecommand.StreamOptions{Stdout: &out, Stderr: &errOut})
	took := time.Since(start)
	if err != nil || out.String() != "x\n" {
		b.Fatalf("exec echo x through %s (%s): %q %q %v", p.name, protocol, out.String(), errOut.String(), err)
	}
	return took
}

// shell is an open `sh` session that reads its commands from stdin.
type shell struct {
	path  execPath
	in    *io.PipeWriter
	lines chan struct{}
	errs  *bytes.Buffer
	done  chan error
}

func (p execPath) openShell(b *testing.B, ctx context.Context, protocol string) *shell {
	b.Helper()
	ex := p.executor(b, protocol, true, "sh")
	pr, pw := io.Pipe()
	s := &shell{path: p, in: pw, lines: make(chan struct{}, 4096), errs: &bytes.Buffer{}, done: make(chan error, 1)}
	go func() {
		s.done <- ex.StreamWithContext(ctx, remotecommand.StreamOptions{Stdin: pr, Stdout: lineWriter(s.lines), Stderr: s.errs})
	}()
	return s
}

// roundTrip types `echo x` and waits for its line to come back.
func (s *shell) roundTrip(b *testing.B) time.Duration {
	b.Helper()
	start := time.Now()
	if _, err := s.in.Write([]byte("echo x\n")); err != nil {
		b.Fatalf("writing to sh through %s: %v", s.path.name, err)
	}
	select {
	case <-s.lines:
		return time.Since(start)
	case err := <-s.done:
		b.Fatalf("sh through %s ended: %v", s.path.name, err)
	case <-time.After(20 * time.Second):
		b.Fatalf("no answer from sh through %s in 20s", s.path.name)
	}
	return 0
}

func (s *shell) close(b *testing.B) {
	b.Helper()
	_ = s.in.Close()
	select {
	case err := <-s.done:
		if err != nil || s.errs.Len() > 0 {
			b.Fatalf("sh through %s: %v %q", s.path.name, err, s.errs.String())
		}
	case <-time.After(20 * time.Second):
		b.Fatalf("sh through %s did not end", s.path.name)
	}
}

// lineWriter signals each line written (`echo x` writes one).
type lineWriter chan struct{}

func (w lineWriter) Write(p []byte) (int, error) {
	for _, c := range p {
		if c == '\n' {
			select {
			case w <- struct{}{}:
			default:
				return 0, errors.New("lines not read")
			}
		}
	}
	return len(p), nil
}

// benchExec measures exec through each path, with kubectl's protocol
// (WebSocket, v5.channel.k8s.io, which kube-apiserver turns into SPDY to
// the kubelet) and with SPDY all the way.
func benchExec(b *testing.B, ctx context.Context, paths []execPath) {
	b.Helper()
	fmt.Fprintf(os.Stdout, "exec in a pod of the member (a simulated kubelet answers; the command runs in memory):\n")
	fmt.Fprintf(os.Stdout, "  session = a whole `echo x` exec (upgrade through every hop, output, exit status), %d each, alternating\n", execSessions)
	fmt.Fprintf(os.Stdout, "  round trip = `echo x` typed into one open `sh` and its line back, %d each, the sessions open side by side\n", execRounds)
	for _, protocol := range []string{"WebSocket", "SPDY"} {
		sessions := make([][]time.Duration, len(paths))
		for range 3 {
			for _, p := range paths {
				p.session(b, ctx, protocol)
			}
		}
		for range execSessions {
			for i, p := range paths {
				sessions[i] = append(sessions[i], p.session(b, ctx, protocol))
			}
		}
		shells := make([]*shell, len(paths))
		for i, p := range paths {
			shells[i] = p.openShell(b, ctx, protocol)
		}
		rtts := make([][]time.Duration, len(paths))
		for r := range execRounds + 5 {
			for i, s := range shells {
				d := s.roundTrip(b)
				if r >= 5 {
					rtts[i] = append(rtts[i], d)
				}
			}
		}
		for _, s := range shells {
			s.close(b)
		}
		fmt.Fprintf(os.Stdout, "  %s:\n", protocol)
		var sp50, sp95, rp50, rp95 []time.Duration
		for i, p := range paths {
			a50, a95 := percentiles(sessions[i])
			c50, c95 := percentiles(rtts[i])
			sp50, sp95, rp50, rp95 = append(sp50, a50), append(sp95, a95), append(rp50, c50), append(rp95, c95)
			fmt.Fprintf(os.Stdout, "    %-34s session p50 %-8s p95 %-8s  round trip p50 %-8s p95 %-8s\n", p.name,
				a50.Round(10*time.Microsecond), a95.Round(10*time.Microsecond), c50.Round(10*time.Microsecond), c95.Round(10*time.Microsecond))
		}
		// paths[1] is Direct, paths[2] the tunnel.
		fmt.Fprintf(os.Stdout, "    %-34s session p50 %.2fx p95 %.2fx  round trip p50 %.2fx p95 %.2fx\n", "ratio tunnel / Direct",
			ratio(sp50[2], sp50[1]), ratio(sp95[2], sp95[1]), ratio(rp50[2], rp50[1]), ratio(rp95[2], rp95[1]))
		if protocol == "WebSocket" {
			b.ReportMetric(ratio(sp50[2], sp50[1]), "exec-session-ratio-p50")
			b.ReportMetric(ratio(rp50[2], rp50[1]), "exec-rtt-ratio-p50")
		}
	}
	fmt.Fprintln(os.Stdout)
}

func ratio(a, b time.Duration) float64 { return float64(a) / float64(b) }
