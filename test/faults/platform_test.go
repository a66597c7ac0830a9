//go:build faults

// Package faults injects faults into a platform that bin/ke-dev runs on free
// ports in a temporary folder (real processes: etcd, kube-apiserver, Redis,
// ke-controller-manager, ke-apiserver, ke-console) and checks what a user
// sees: a restart logs nobody out, a killed component comes back, a replica
// that dies behind the balancer costs a few requests at most. Run it with
// `make test-faults`; the figures it measures are printed as FIGURE lines.
//
// Every fault is an entry of the table in faults_test.go, run in order
// against one platform; see there how to add one.
package faults

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	"github.com/superkube/super-kubenetes/internal/console/auth"
	"github.com/superkube/super-kubenetes/internal/dev/freeport"
	"github.com/superkube/super-kubenetes/internal/dev/process"
	"github.com/superkube/super-kubenetes/internal/iam/builtin"
	"github.com/superkube/super-kubenetes/internal/scheme"
	"github.com/superkube/super-kubenetes/internal/testutil/envtest"
	"github.com/superkube/super-kubenetes/internal/testutil/platform"
)

// Platform is a running `ke-dev up` and what a test needs to act on it and
// to use it as a user would.
type Platform struct {
	// HA tells whether ke-dev runs two replicas of each platform component.
	HA      bool
	root    string
	dataDir string
	ports   map[string]int
	cmd     *exec.Cmd
	out     *lockedBuffer
	// APIURL and ConsoleURL are where users reach ke-apiserver and
	// ke-console (with HA, ke-dev's balancers).
	APIURL, ConsoleURL string
	// Kube is a cluster-admin client of kube-apiserver.
	Kube         client.Client
	tls          *tls.Config
	clientSecret string
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

// portFlags are ke-dev's port flags; the suite gives each a free port.
var portFlags = []string{"--etcd-port", "--etcd-peer-port", "--apiserver-port", "--controller-manager-port", "--scheduler-port",
	"--kubelet-port", "--ke-controller-manager-health-port", "--ke-controller-manager-metrics-port", "--redis-port",
	"--ke-apiserver-port", "--ke-console-port", "--metrics-server-port", "--prometheus-port", "--logs-port", "--ke-controller-manager-state-metrics-port", "--ke-controller-manager-quota-webhook-port",
	"--alertmanager-port", "--mailpit-port", "--mailpit-smtp-port", "--gitea-port", "--meshsim-port", "--jaeger-port", "--jaeger-otlp-grpc-port", "--jaeger-otlp-http-port"}

// startPlatform runs bin/ke-dev up (with --ha when ha) and waits until it is
// ready; the test's cleanup stops it and checks that nothing is left.
func startPlatform(t *testing.T, ha bool) *Platform {
	t.Helper()
	root, err := envtest.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(root, "bin")
	for _, b := range []string{"ke-dev", "ke-apiserver", "ke-console", "ke-controller-manager"} {
		if _, err := os.Stat(filepath.Join(bin, b)); err != nil {
			t.Fatalf("bin/%s is missing: run the fault tests with `make test-faults`", b)
		}
	}
	for _, env := range []string{"K8S_BIN_DIR", "KWOK_BIN_DIR"} {
		if os.Getenv(env) == "" {
			t.Fatalf("%s is not set: run the fault tests with `make test-faults`", env)
		}
	}
	p := &Platform{HA: ha, root: root, dataDir: filepath.Join(t.TempDir(), "cluster"), ports: map[string]int{}, out: &lockedBuffer{}}
	args := []string{"up", "--data-dir", p.dataDir, "--platform-bin-dir", bin, "--manifest-dir", filepath.Join(root, "config"), "--nodes", "2"}
	if ha {
		args = append(args, "--ha")
	}
	for _, f := range portFlags {
		p.ports[f] = freePort(t)
		args = append(args, f+"="+strconv.Itoa(p.ports[f]))
	}
	p.APIURL = "https://127.0.0.1:" + strconv.Itoa(p.ports["--ke-apiserver-port"])
	p.ConsoleURL = "https://127.0.0.1:" + strconv.Itoa(p.ports["--ke-console-port"])
	p.cmd = exec.Command(filepath.Join(bin, "ke-dev"), args...)
	p.cmd.Dir = root
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	begin := time.Now()
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- p.cmd.Wait() }()
	t.Cleanup(func() { p.stop(t, exited) })
	ready := filepath.Join(p.dataDir, "run", "ready")
	for deadline := time.After(5 * time.Minute); ; {
		select {
		case err := <-exited:
			t.Fatalf("ke-dev up exited (%v):\n%s", err, p.out)
		case <-deadline:
			t.Fatalf("ke-dev up was not ready within 5 minutes:\n%s", p.out)
		case <-time.After(200 * time.Millisecond):
		}
		if _, err := os.Stat(ready); err == nil {
			break
		}
	}
	t.Logf("FIGURE ke-dev up (ha=%v) ready in %.1fs", ha, time.Since(begin).Seconds())

	ca, err := os.ReadFile(filepath.Join(p.dataDir, "pki", "ca.crt"))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca)
	p.tls = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	secret, err := os.ReadFile(filepath.Join(p.dataDir, "ke-apiserver", "console-client-secret"))
	if err != nil {
		t.Fatal(err)
	}
	p.clientSecret = strings.TrimSpace(string(secret))
	rc, err := clientcmd.BuildConfigFromFlags("", filepath.Join(p.dataDir, "kubeconfig"))
	if err != nil {
		t.Fatal(err)
	}
	if p.Kube, err = client.New(rc, client.Options{Scheme: scheme.New()}); err != nil {
		t.Fatal(err)
	}
	return p
}

// stop sends SIGTERM to ke-dev, as Ctrl-C does, and checks that every
// process of the platform is gone.
func (p *Platform) stop(t *testing.T, exited <-chan error) {
	if t.Failed() {
		t.Logf("ke-dev's output:\n%s", p.out)
	}
	_ = syscall.Kill(p.cmd.Process.Pid, syscall.SIGCONT)
	_ = syscall.Kill(p.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(2 * time.Minute):
		t.Errorf("ke-dev did not stop within 2 minutes")
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	}
	if left := p.leftovers(); len(left) > 0 {
		t.Errorf("processes left after ke-dev stopped:\n%s", strings.Join(left, "\n"))
		for _, l := range left {
			if pid, err := strconv.Atoi(strings.Fields(l)[0]); err == nil {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	}
}

// leftovers lists the processes whose command line names the data folder.
func (p *Platform) leftovers() []string {
	entries, _ := os.ReadDir("/proc")
	var found []string
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == p.cmd.Process.Pid {
			continue
		}
		cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		if err == nil && bytes.Contains(cmdline, []byte(p.dataDir)) {
			found = append(found, strconv.Itoa(pid)+" "+strings.ReplaceAll(string(cmdline), "\x00", " "))
		}
	}
	return found
}

func freePort(tb testing.TB) int {
	tb.Helper()
	p, err := freeport.Pick()
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// Components are the names of the processes ke-dev runs (its pid files):
// etcd, kube-apiserver, ..., redis, and the platform's components or, with
// HA, their replicas (ke-apiserver-1, ke-apiserver-2 ...).
func (p *Platform) Components() []string {
	entries, _ := os.ReadDir(filepath.Join(p.dataDir, "run"))
	var names []string
	for _, e := range entries {
		if name, ok := strings.CutSuffix(e.Name(), ".pid"); ok && name != "ke-dev" {
			names = append(names, name)
		}
	}
	return names
}

// Replicas are the process names of a platform component: itself, or its
// replicas with HA.
func (p *Platform) Replicas(component string) []string {
	if !p.HA {
		return []string{component}
	}
	return []string{component + "-1", component + "-2"}
}

// Pid is the process id of a component, from ke-dev's pid file.
func (p *Platform) Pid(name string) int {
	return process.ReadPid(filepath.Join(p.dataDir, "run", name+".pid"))
}

// Log is the log file of a component.
func (p *Platform) Log(name string) string { return filepath.Join(p.dataDir, "logs", name+".log") }

// Signal sends sig to a component's process (one that ke-dev started for
// this platform: its command line names the data folder).
func (p *Platform) Signal(t *testing.T, name string, sig syscall.Signal) int {
	t.Helper()
	pid := p.Pid(name)
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if pid <= 0 || err != nil || !bytes.Contains(cmdline, []byte(p.dataDir)) {
		t.Fatalf("%s is not running (pid %d)", name, pid)
	}
	if err := syscall.Kill(pid, sig); err != nil {
		t.Fatalf("signal %s to %s: %v", sig, name, err)
	}
	return pid
}

// restarts counts ke-dev's lines saying that a component runs again.
func (p *Platform) restarts(name string) int {
	return strings.Count(p.out.String(), "ke-dev: "+name+" is running again")
}

// Restart ends a component with sig (SIGTERM: a restart; SIGKILL: a crash)
// and waits until ke-dev has started it again and it is ready. It returns
// how long it was gone.
func (p *Platform) Restart(t *testing.T, name string, sig syscall.Signal) time.Duration {
	t.Helper()
	return p.RestartAll(t, []string{name}, sig)
}

// RestartAll ends several components at once, as Restart does one.
func (p *Platform) RestartAll(t *testing.T, names []string, sig syscall.Signal) time.Duration {
	t.Helper()
	before := map[string]int{}
	for _, n := range names {
		before[n] = p.restarts(n)
	}
	begin := time.Now()
	for _, n := range names {
		p.Signal(t, n, sig)
	}
	for _, n := range names {
		p.waitOutput(t, n+" runs again", 3*time.Minute, func() bool { return p.restarts(n) > before[n] })
	}
	return time.Since(begin)
}

// Pause stops a component with SIGSTOP: it keeps its port and connections
// and answers nothing, as a hung process does. The test's cleanup resumes it
// if the test does not.
//
// kill(2) returns before the process stops: the kernel stops its threads
// one by one as each is next scheduled, and until then a thread that runs
// still serves requests (on a busy machine, for several milliseconds). So
// Pause returns only once every thread of the process is stopped.
func (p *Platform) Pause(t *testing.T, name string) {
	t.Helper()
	pid := p.Signal(t, name, syscall.SIGSTOP)
	t.Cleanup(func() { _ = syscall.Kill(pid, syscall.SIGCONT) })
	deadline := time.Now().Add(5 * time.Second)
	for {
		running, err := runningThreads(pid)
		if err != nil {
			t.Fatalf("the threads of %s (pid %d): %v", name, pid, err)
		}
		if running == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s (pid %d) still has %d threads that are not stopped 5s after SIGSTOP", name, pid, running)
		}
		time.Sleep(time.Millisecond)
	}
	t.Logf("%s (pid %d) is stopped", name, pid)
}

// explainStopped logs, after a stopped component seemed to answer, whether
// each replica's threads are still stopped and which processes listen on
// the replicas' addresses, so that the failure shows who answered.
func (p *Platform) explainStopped(t *testing.T, component string) {
	t.Helper()
	for _, r := range p.Replicas(component) {
		pid := p.Pid(r)
		running, err := runningThreads(pid)
		t.Logf("%s (pid %d): %d threads not stopped (%v)", r, pid, running, err)
	}
	if !p.HA {
		return
	}
	for _, addr := range p.Backends(t, component) {
		_, port, _ := net.SplitHostPort(addr)
		out, err := exec.Command("ss", "-Hltnp", "sport = :"+port).CombinedOutput()
		t.Logf("listening on %s: %s (%v)", addr, strings.TrimSpace(string(out)), err)
	}
}

// runningThreads counts the threads of pid that are not stopped, from the
// state field of /proc/<pid>/task/<tid>/stat (T: stopped by a signal).
func runningThreads(pid int) (int, error) {
	stats, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/stat", pid))
	if err != nil {
		return 0, err
	}
	if len(stats) == 0 {
		return 0, fmt.Errorf("no process %d", pid)
	}
	running := 0
	for _, f := range stats {
		data, err := os.ReadFile(f)
		if err != nil {
			continue // a thread that ended
		}
		// The state follows the command name, which is in parentheses and may hold spaces.
		i := bytes.LastIndexByte(data, ')')
		fields := strings.Fields(string(data[i+1:]))
		if i < 0 || len(fields) == 0 {
			return 0, fmt.Errorf("%s: unexpected %q", f, data)
		}
		if fields[0] != "T" {
			running++
		}
	}
	return running, nil
}

// Resume lets a paused component go on.
func (p *Platform) Resume(t *testing.T, name string) {
	t.Helper()
	p.Signal(t, name, syscall.SIGCONT)
}

// waitOutput waits until cond holds, failing with ke-dev's output if it
// does not within timeout or ke-dev exits.
func (p *Platform) waitOutput(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting until %s; ke-dev's output:\n%s", timeout, what, p.out)
		}
		if p.cmd.ProcessState != nil {
			t.Fatalf("ke-dev exited while waiting until %s:\n%s", what, p.out)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Backends are the replicas' own addresses behind the balancer of a
// component, from ke-dev's summary (HA only).
func (p *Platform) Backends(t *testing.T, component string) map[string]string {
	t.Helper()
	names := p.Replicas(component)
	m := regexp.MustCompile(`balancer in ke-dev in front of ` + regexp.QuoteMeta(strings.Join(names, ", ")) + `: (.+)`).FindStringSubmatch(p.out.String())
	if m == nil {
		t.Fatalf("no balancer for %s in ke-dev's output:\n%s", component, p.out)
	}
	addrs := strings.Split(strings.TrimSpace(m[1]), ", ")
	out := map[string]string{}
	for i, n := range names {
		out[n] = addrs[i]
	}
	return out
}

// Healthy waits until every component runs and answers its readiness
// check: the state every fault starts from and leaves behind.
func (p *Platform) Healthy(t *testing.T) {
	t.Helper()
	checks := map[string]string{
		"kube-apiserver": "https://127.0.0.1:" + strconv.Itoa(p.ports["--apiserver-port"]) + "/readyz",
		"ke-apiserver":   p.APIURL + "/readyz",
		"ke-console":     p.ConsoleURL + "/readyz",
	}
	if p.HA {
		for _, c := range []string{"ke-apiserver", "ke-console"} {
			for n, addr := range p.Backends(t, c) {
				checks[n] = "https://" + addr + "/readyz"
			}
		}
	}
	admin, err := tlsFromKubeconfig(filepath.Join(p.dataDir, "kubeconfig"))
	if err != nil {
		t.Fatal(err)
	}
	var last error
	err = wait.PollUntilContextTimeout(context.Background(), 200*time.Millisecond, 3*time.Minute, true, func(context.Context) (bool, error) {
		for _, name := range p.Components() {
			if !process.Alive(p.Pid(name)) {
				last = fmt.Errorf("%s is not running", name)
				return false, nil
			}
		}
		for name, u := range checks {
			cfg := p.tls
			if name == "kube-apiserver" {
				cfg = admin
			}
			if code, _, err := get(cfg, u, ""); err != nil || code != http.StatusOK {
				last = fmt.Errorf("%s: %d %v", u, code, err)
				return false, nil
			}
		}
		return true, nil
	})
	if err != nil {
		t.Fatalf("the platform is not healthy: %v\nke-dev's output:\n%s", last, p.out)
	}
}

func tlsFromKubeconfig(file string) (*tls.Config, error) {
	rc, err := clientcmd.BuildConfigFromFlags("", file)
	if err != nil {
		return nil, err
	}
	cert, err := tls.X509KeyPair(rc.CertData, rc.KeyData)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(rc.CAData)
	return &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}

// get sends one GET with a fresh connection.
func get(cfg *tls.Config, u, token string) (int, []byte, error) {
	c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: cfg, DisableKeepAlives: true}}
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		return 0, nil, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, body, err
}

// HTTPClient is a client of ke-apiserver and ke-console that trusts the
// cluster's CA and keeps its connections, as a real client does.
func (p *Platform) HTTPClient() *http.Client {
	return &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{TLSClientConfig: p.tls}}
}

// NewUser creates a platform user with a password and waits until
// ke-controller-manager has made it active (without logging in, which the
// login rate limit counts).
func (p *Platform) NewUser(t *testing.T, name, password string) {
	t.Helper()
	platform.NewUser(t, p.Kube, name, password)
}

// Tokens are what a password login returns.
type Tokens struct {
	Access  string `json:"access_token"`
	Refresh string `json:"refresh_token"`
}

func (p *Platform) tokenRequest(c *http.Client, form url.Values) (int, []byte, error) {
	return p.tokenRequestAt(c, p.APIURL, form)
}

// tokenRequestAt sends a token request to the ke-apiserver at base (one
// replica's own address, or the platform's).
func (p *Platform) tokenRequestAt(c *http.Client, base string, form url.Values) (int, []byte, error) {
	req, err := http.NewRequest(http.MethodPost, base+"/oauth/token", strings.NewReader(form.Encode()))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("ke-console", p.clientSecret)
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, body, err
}

// login logs in, waiting as a client should while ke-apiserver's rate
// limit of logins from one address answers 429.
func (p *Platform) login(c *http.Client, user, password string) (int, []byte, error) {
	return p.loginAt(c, p.APIURL, user, password)
}

// loginAt logs in at the ke-apiserver at base, as login does.
func (p *Platform) loginAt(c *http.Client, base, user, password string) (int, []byte, error) {
	return retryTooMany(func() (int, []byte, error) {
		return p.tokenRequestAt(c, base, url.Values{"grant_type": {"password"}, "username": {user}, "password": {password}})
	})
}

// retryTooMany repeats a login for up to a minute while it answers 429.
func retryTooMany(login func() (int, []byte, error)) (int, []byte, error) {
	deadline := time.Now().Add(time.Minute)
	for {
		code, body, err := login()
		if err != nil || code != http.StatusTooManyRequests || time.Now().After(deadline) {
			return code, body, err
		}
		time.Sleep(2 * time.Second)
	}
}

// Login logs in with a password at ke-apiserver, as the console's client.
func (p *Platform) Login(t *testing.T, user, password string) Tokens {
	t.Helper()
	code, body, err := p.login(p.HTTPClient(), user, password)
	if err != nil || code != http.StatusOK {
		t.Fatalf("login of %s: %d %s %v", user, code, body, err)
	}
	var toks Tokens
	if err := json.Unmarshal(body, &toks); err != nil || toks.Access == "" || toks.Refresh == "" {
		t.Fatalf("login of %s: %s", user, body)
	}
	return toks
}

// Refresh redeems a refresh token; it returns the answer's code and body.
func (p *Platform) Refresh(t *testing.T, refresh string) (int, Tokens, string) {
	t.Helper()
	code, body, err := p.tokenRequest(p.HTTPClient(), url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}})
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	var toks Tokens
	_ = json.Unmarshal(body, &toks)
	return code, toks, string(body)
}

// Call sends a request to ke-apiserver with an access token.
func (p *Platform) Call(c *http.Client, method, path, token string) (int, []byte, error) {
	req, err := http.NewRequest(method, p.APIURL+path, nil)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, body, err
}

// Answer is an answer of ke-apiserver or ke-console to one request, and how
// long it took.
type Answer struct {
	Code   int
	Header http.Header
	Body   []byte
	Took   time.Duration
	Err    error
}

// JSON is the answer's body decoded as a JSON object (nil if it is not one).
func (a Answer) JSON() map[string]any {
	var m map[string]any
	_ = json.Unmarshal(a.Body, &m)
	return m
}

func (a Answer) String() string {
	if a.Err != nil {
		return fmt.Sprintf("no answer after %.1fs: %v", a.Took.Seconds(), a.Err)
	}
	return fmt.Sprintf("%d after %.1fs: %.300s", a.Code, a.Took.Seconds(), a.Body)
}

// Send sends a request to ke-apiserver with an access token and a JSON
// body (none when nil), and returns the whole answer.
func (p *Platform) Send(c *http.Client, method, path, token string, body any) Answer {
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return Answer{Err: err}
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, p.APIURL+path, rd)
	if err != nil {
		return Answer{Err: err}
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+token)
	begin := time.Now()
	resp, err := c.Do(req)
	if err != nil {
		return Answer{Err: err, Took: time.Since(begin)}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return Answer{Code: resp.StatusCode, Header: resp.Header, Body: data, Err: err, Took: time.Since(begin)}
}

// NewAdmin creates a user who is a platform administrator (bound to the
// GlobalRole platform-admin) and waits until the binding is in force.
func (p *Platform) NewAdmin(t *testing.T, name, password string) {
	t.Helper()
	p.NewUser(t, name, password)
	ctx := context.Background()
	grb := &iamv1beta1.GlobalRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name + "-" + builtin.PlatformAdmin},
		RoleRef:  iamv1beta1.RoleRef{APIGroup: iamv1beta1.GroupName, Kind: "GlobalRole", Name: builtin.PlatformAdmin},
		Subjects: []iamv1beta1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: name}}}
	if err := p.Kube.Create(ctx, grb); err != nil {
		t.Fatal(err)
	}
	platform.Eventually(t, name+"'s platform-admin binding is ready", time.Minute, func() error {
		got := &iamv1beta1.GlobalRoleBinding{}
		if err := p.Kube.Get(ctx, client.ObjectKeyFromObject(grb), got); err != nil {
			return err
		}
		if !meta.IsStatusConditionTrue(got.Status.Conditions, iamv1beta1.ReadyCondition) {
			return fmt.Errorf("conditions %+v", got.Status.Conditions)
		}
		return nil
	})
}

// UserPath is the user's own object, which every user may read.
func UserPath(name string) string { return "/kapis/iam.superkube.io/v1beta1/users/" + name }

// Browser is a browser on the console: a cookie jar, and the CSRF header
// and Origin the console's page sends.
type Browser struct {
	p *Platform
	c *http.Client
}

// NewBrowser returns a browser with no session.
func (p *Platform) NewBrowser() *Browser {
	jar, _ := cookiejar.New(nil)
	return &Browser{p: p, c: &http.Client{Jar: jar, Timeout: 15 * time.Second, Transport: &http.Transport{TLSClientConfig: p.tls},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *Browser) cookie(name string) string {
	u, _ := url.Parse(b.p.ConsoleURL + "/")
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

// Do sends a request below the console's root, with a JSON body.
func (b *Browser) Do(method, path string, body any) (int, []byte, error) {
	a := b.Send(method, path, body)
	return a.Code, a.Body, a.Err
}

// Send sends a request below the console's root, with a JSON body (none
// when nil), and returns the whole answer.
func (b *Browser) Send(method, path string, body any) Answer {
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return Answer{Err: err}
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, b.p.ConsoleURL+"/"+path, rd)
	if err != nil {
		return Answer{Err: err}
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if method != http.MethodGet {
		req.Header.Set(auth.CSRFHeader, b.cookie(auth.CSRFCookie))
		req.Header.Set("Origin", b.p.ConsoleURL)
	}
	begin := time.Now()
	resp, err := b.c.Do(req)
	if err != nil {
		return Answer{Err: err, Took: time.Since(begin)}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return Answer{Code: resp.StatusCode, Header: resp.Header, Body: data, Err: err, Took: time.Since(begin)}
}

// Login opens the console's page and logs in with a password.
func (b *Browser) Login(t *testing.T, user, password string) {
	t.Helper()
	if code, body, err := b.Do(http.MethodGet, "", nil); err != nil || code != http.StatusOK || b.cookie(auth.CSRFCookie) == "" {
		t.Fatalf("the console's page: %d %.200s %v", code, body, err)
	}
	if code, body, err := retryTooMany(func() (int, []byte, error) {
		return b.Do(http.MethodPost, "auth/login", map[string]string{"username": user, "password": password})
	}); err != nil || code != http.StatusOK {
		t.Fatalf("console login of %s: %d %s %v", user, code, body, err)
	}
}

// LoggedIn checks, as the console's page does, that the browser's session
// goes on and reaches ke-apiserver: its session answers and an API call
// forwarded with the session's token succeeds. It returns the first
// answer that is not 200.
func (b *Browser) LoggedIn(user string) error {
	code, body, err := b.Do(http.MethodGet, "auth/session", nil)
	if err != nil || code != http.StatusOK {
		return fmt.Errorf("GET auth/session: %d %.300s %v", code, body, err)
	}
	code, body, err = b.Do(http.MethodGet, strings.TrimPrefix(UserPath(user), "/"), nil)
	if err != nil || code != http.StatusOK {
		return fmt.Errorf("GET %s through the console: %d %.300s %v", UserPath(user), code, body, err)
	}
	return nil
}
