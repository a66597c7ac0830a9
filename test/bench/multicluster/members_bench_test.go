//go:build bench

package multicluster

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-logr/logr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/superkube/super-kubenetes/internal/apiserver/app"
	"github.com/superkube/super-kubenetes/internal/scheme"
	"github.com/superkube/super-kubenetes/internal/testutil/bench"
	"github.com/superkube/super-kubenetes/internal/testutil/envtest"
	"github.com/superkube/super-kubenetes/internal/testutil/platform"
)

const (
	members = 10
	// window is how long the host is watched, once with no member and once
	// with all of them connected (the Reporter probes every 10 s).
	window     = 60 * time.Second
	baseWindow = 30 * time.Second
	// clockTicks is USER_HZ, the unit of /proc/<pid>/stat's times (100 on
	// Linux).
	clockTicks = 100
)

// BenchmarkTenMembers joins ten member clusters (each a bare etcd and
// kube-apiserver) through ten ke-agent processes to one ke-apiserver,
// itself a separate process (bin/ke-apiserver) so that what it costs is
// read alone: its CPU time from /proc, its Go heap and goroutines from its
// metrics, first with no member and then while it holds the ten tunnels
// and probes each member every 10 s. The probe latency is the Reporter's
// own (its -v=2 log line per probe). ke-controller-manager's reconcilers
// run in the bench process and are not counted.
func BenchmarkTenMembers(b *testing.B) {
	ctrl.SetLogger(logr.Discard())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	root, err := envtest.RepoRoot()
	if err != nil {
		b.Fatal(err)
	}
	apiBin, agentBin := filepath.Join(root, "bin", "ke-apiserver"), filepath.Join(root, "bin", "ke-agent")
	for _, f := range []string{apiBin, agentBin} {
		if _, err := os.Stat(f); err != nil {
			b.Fatalf("%s is missing: run `make bench`, which builds it", f)
		}
	}
	host, err := envtest.Start(envtest.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer host.Stop()
	k8s, err := client.New(host.Config, client.Options{Scheme: scheme.New()})
	if err != nil {
		b.Fatal(err)
	}
	if err := platform.StartControllers(ctx, host.Config); err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	api := startHost(b, host, apiBin, dir)
	defer api.stop()
	hc := api.waitReady(b)
	pc := &platform.Client{URL: api.url, HTTP: hc, K8s: k8s, ConsoleSecret: "console", Password: password}
	admin := pc.Admin(b)

	// The members start while the host is watched alone.
	type member struct {
		env  *envtest.Environment
		kc   []byte
		proc *exec.Cmd
	}
	ms := make([]member, members)
	startedMembers := make(chan error, 1)
	memberStart := time.Now()
	var memberTook time.Duration
	go func() {
		startedMembers <- bench.Parallel(3, members, func(i int) error {
			env, err := envtest.Start(envtest.Options{WithoutCRDs: true})
			if err != nil {
				return err
			}
			ms[i].env = env
			ms[i].kc, err = env.AdminKubeconfig()
			return err
		})
		memberTook = time.Since(memberStart)
	}()
	defer func() {
		for _, m := range ms {
			if m.proc != nil {
				_ = m.proc.Process.Kill()
				_ = m.proc.Wait()
			}
			if m.env != nil {
				_ = m.env.Stop()
			}
		}
	}()
	time.Sleep(5 * time.Second) // after the login and the first requests
	idle := api.watch(b, baseWindow)
	if err := <-startedMembers; err != nil {
		b.Fatal(err)
	}

	joinStart := time.Now()
	for i := range ms {
		name := fmt.Sprintf("member-%02d", i)
		r := pc.DoJSON(b, http.MethodPost, prefix+"/clusters", admin, map[string]any{"name": name, "connection": "Agent"})
		if r.Code != http.StatusCreated {
			b.Fatalf("joining %s: %d %s", name, r.Code, r.Body)
		}
		jt, _ := r.JSON["joinToken"].(map[string]any)
		token, _ := jt["token"].(string)
		mdir := filepath.Join(dir, name)
		if err := os.MkdirAll(mdir, 0o700); err != nil {
			b.Fatal(err)
		}
		for f, data := range map[string][]byte{"join-token": []byte(token), "kubeconfig": ms[i].kc} {
			if err := os.WriteFile(filepath.Join(mdir, f), data, 0o600); err != nil {
				b.Fatal(err)
			}
		}
		log, err := os.Create(filepath.Join(mdir, "ke-agent.log"))
		if err != nil {
			b.Fatal(err)
		}
		cmd := exec.Command(agentBin, "--host-url="+api.url, "--host-ca-file="+api.certFile, "--cluster="+name,
			"--join-token-file="+filepath.Join(mdir, "join-token"), "--credential-file="+filepath.Join(mdir, "credential"),
			"--kubeconfig="+filepath.Join(mdir, "kubeconfig"))
		cmd.Stdout, cmd.Stderr = log, log
		cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		ms[i].proc = cmd
	}
	for i := range ms {
		waitReady(b, k8s, fmt.Sprintf("member-%02d", i))
	}
	joinTook := time.Since(joinStart)
	// Past the first two probes of each member (at the tunnel's opening and
	// a second later), into the steady 10 s rhythm.
	time.Sleep(5 * time.Second)
	probesFrom := api.logSize(b)
	agentCPU0 := make([]float64, len(ms))
	for i, m := range ms {
		agentCPU0[i] = cpuSeconds(b, m.proc.Process.Pid)
	}
	busy := api.watch(b, window)
	probes := api.probes(b, probesFrom)
	var agentCPU float64
	var agentRSS int64
	for i, m := range ms {
		agentCPU += cpuSeconds(b, m.proc.Process.Pid) - agentCPU0[i]
		rss, _, err := bench.Memory(m.proc.Process.Pid)
		if err != nil {
			b.Fatal(err)
		}
		agentRSS += rss
	}

	mb := func(v float64) string { return fmt.Sprintf("%.1f MB", v/(1<<20)) }
	perMember := func(with, without float64) float64 { return (with - without) / members }
	fmt.Fprintf(os.Stdout, "\n%d member clusters (etcd + kube-apiserver each, started in %s) joined through %d ke-agent processes in %s; the host is a separate ke-apiserver process:\n",
		members, memberTook.Round(100*time.Millisecond), members, joinTook.Round(100*time.Millisecond))
	fmt.Fprintf(os.Stdout, "  %-28s %-16s %-16s %s\n", "ke-apiserver", "no member", "10 members", "per member")
	fmt.Fprintf(os.Stdout, "  %-28s %-16s %-16s %s\n", "RSS (end of window)", mb(idle.rss), mb(busy.rss), mb(perMember(busy.rss, idle.rss)))
	fmt.Fprintf(os.Stdout, "  %-28s %-16s %-16s %s\n", "Go heap in use (mean)", mb(idle.heap), mb(busy.heap), mb(perMember(busy.heap, idle.heap)))
	fmt.Fprintf(os.Stdout, "  %-28s %-16.0f %-16.0f %.0f\n", "goroutines (mean)", idle.goroutines, busy.goroutines, perMember(busy.goroutines, idle.goroutines))
	cpuIdle, cpuBusy := idle.cpu/idle.seconds*60, busy.cpu/busy.seconds*60
	fmt.Fprintf(os.Stdout, "  %-28s %-16s %-16s %s\n", "CPU seconds per minute", fmt.Sprintf("%.2f s", cpuIdle), fmt.Sprintf("%.2f s", cpuBusy), fmt.Sprintf("%.3f s", perMember(cpuBusy, cpuIdle)))
	p50, p95 := percentiles(probes)
	fmt.Fprintf(os.Stdout, "  probes in the %s window: %d (%.1f a member a minute), latency p50 %s p95 %s (version + node count through the tunnel, new connections each)\n",
		window, len(probes), float64(len(probes))/members/window.Minutes(), p50.Round(10*time.Microsecond), p95.Round(10*time.Microsecond))
	fmt.Fprintf(os.Stdout, "  the %d ke-agent processes (not counted above): RSS %s in all, CPU %.2f s a minute in all\n\n",
		members, mb(float64(agentRSS)), agentCPU/busy.seconds*60)
	b.ReportMetric(busy.rss/(1<<20), "host-rss-MB")
	b.ReportMetric(cpuBusy, "host-cpu-s/min")
	b.ReportMetric(float64(p95.Microseconds())/1000, "probe-p95-ms")
}

// hostProcess is the ke-apiserver process under measure.
type hostProcess struct {
	url, certFile, metricsURL, logFile string
	cmd                                *exec.Cmd
}

func startHost(b *testing.B, env *envtest.Environment, bin, dir string) *hostProcess {
	b.Helper()
	kubeconfig, err := env.AdminKubeconfig()
	if err != nil {
		b.Fatal(err)
	}
	kc := filepath.Join(dir, "kubeconfig")
	if err := os.WriteFile(kc, kubeconfig, 0o600); err != nil {
		b.Fatal(err)
	}
	addr, metrics := freeAddr(b), freeAddr(b)
	cfg := fmt.Sprintf(`apiVersion: config.superkube.io/v1alpha1
kind: APIServerConfiguration
bindAddress: %s
metricsBindAddress: %s
issuer: https://%s
signingKeyFile: %s/signing.key
generateSigningKey: true
authentication: {bcryptCost: 4, loginsPerMinute: 0, multipleLogin: true}
oauthClients:
- {id: %s, secret: console, trusted: true, redirectURIs: ["https://console/oauth/callback"]}
`, addr, metrics, addr, dir, app.ConsoleClientID)
	cf := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(cf, []byte(cfg), 0o600); err != nil {
		b.Fatal(err)
	}
	h := &hostProcess{url: "https://" + addr, certFile: filepath.Join(dir, "ke-apiserver.crt"), metricsURL: "http://" + metrics + "/metrics",
		logFile: filepath.Join(dir, "ke-apiserver.log")}
	log, err := os.Create(h.logFile)
	if err != nil {
		b.Fatal(err)
	}
	// -v=2 logs each probe with its duration (and, at 1, each request:
	// there are none in the windows but the metrics scrapes).
	h.cmd = exec.Command(bin, "--kubeconfig="+kc, "--config="+cf, "--cert-dir="+dir, "-v=2")
	h.cmd.Stdout, h.cmd.Stderr = log, log
	h.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := h.cmd.Start(); err != nil {
		b.Fatal(err)
	}
	return h
}

func (h *hostProcess) stop() {
	_ = h.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = h.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = h.cmd.Process.Kill()
		<-done
	}
}

// usage is what the host used over a window.
type usage struct {
	seconds, cpu     float64 // the window's length and the CPU seconds used in it
	rss              float64 // at the end
	heap, goroutines float64 // means of the samples
	samples          int
}

// watch samples the host every 5 s over d.
func (h *hostProcess) watch(b *testing.B, d time.Duration) usage {
	b.Helper()
	pid := h.cmd.Process.Pid
	start, cpu0 := time.Now(), cpuSeconds(b, pid)
	var u usage
	for time.Since(start) < d {
		time.Sleep(5 * time.Second)
		m := h.metrics(b)
		u.heap += m["go_memstats_heap_inuse_bytes"]
		u.goroutines += m["go_goroutines"]
		u.samples++
	}
	u.heap /= float64(u.samples)
	u.goroutines /= float64(u.samples)
	u.cpu, u.seconds = cpuSeconds(b, pid)-cpu0, time.Since(start).Seconds()
	rss, _, err := bench.Memory(pid)
	if err != nil {
		b.Fatal(err)
	}
	u.rss = float64(rss)
	return u
}

// metrics reads the unlabelled samples of the host's /metrics.
func (h *hostProcess) metrics(b *testing.B) map[string]float64 {
	b.Helper()
	resp, err := http.Get(h.metricsURL) //nolint:noctx // a bench
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 2 && !strings.HasPrefix(f[0], "#") {
			v, _ := strconv.ParseFloat(f[1], 64)
			out[f[0]] = v
		}
	}
	return out
}

func (h *hostProcess) logSize(b *testing.B) int64 {
	b.Helper()
	st, err := os.Stat(h.logFile)
	if err != nil {
		b.Fatal(err)
	}
	return st.Size()
}

var tookRE = regexp.MustCompile(`"Probed a member cluster through its tunnel".* took="([^"]+)" ok=(true|false)`)

// probes are the durations of the successful probes logged after offset.
func (h *hostProcess) probes(b *testing.B, offset int64) []time.Duration {
	b.Helper()
	f, err := os.Open(h.logFile)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		b.Fatal(err)
	}
	var out []time.Duration
	failed := 0
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		m := tookRE.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		if m[2] != "true" {
			failed++
			continue
		}
		d, err := time.ParseDuration(m[1])
		if err != nil {
			b.Fatal(err)
		}
		out = append(out, d)
	}
	if failed > 0 || len(out) == 0 {
		b.Fatalf("%d probes failed, %d succeeded in the window (log %s)", failed, len(out), h.logFile)
	}
	return out
}

// cpuSeconds is the user and system time of a process, from /proc.
func cpuSeconds(b *testing.B, pid int) float64 {
	b.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Fatal(err)
	}
	// The fields after the command (which is in parentheses and may hold
	// spaces): state is field 3, utime 14 and stime 15.
	s := string(data)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) / clockTicks
}

func freeAddr(b *testing.B) string {
	b.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// waitReady waits until the host has written its certificate and answers
// /readyz, and returns a client that trusts it.
func (h *hostProcess) waitReady(b *testing.B) *http.Client {
	b.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
		pem, err := os.ReadFile(h.certFile)
		if err != nil {
			continue
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			continue
		}
		hc := &http.Client{Timeout: time.Minute, Transport: &http.Transport{TLSClientConfig: &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: pool}}}
		resp, err := hc.Get(h.url + "/readyz") //nolint:noctx // a bench
		if err != nil {
			continue
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			return hc
		}
	}
	b.Fatalf("ke-apiserver did not answer /readyz within 2 minutes (log %s)", h.logFile)
	return nil
}
