package bench

import (
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/superkube/super-kubenetes/internal/testutil/envtest"
)

// ConsoleClientSecret is the OAuth client secret Console gives ke-console:
// the benchmark's ke-apiserver must know the client ke-console with it.
const ConsoleClientSecret = "bench"

// Console starts ke-console (bin/ke-console, from make build) in front of
// a benchmark's ke-apiserver (apiURL, serving the certificate in apiCAFile)
// and runs one of the console's Playwright performance scripts (spec, a
// file of web/perf) in Debian's Chromium with env added. It returns the
// script's "FIGURE name value unit" lines as name → "value unit", or nil
// when ke-console, Chromium or the console's node_modules are missing.
func Console(b *testing.B, apiURL, apiCAFile, spec string, env ...string) map[string]string {
	b.Helper()
	root, err := envtest.RepoRoot()
	if err != nil {
		b.Fatal(err)
	}
	bin := filepath.Join(root, "bin", "ke-console")
	chromium := os.Getenv("CHROMIUM_PATH")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	for _, need := range []string{bin, chromium, filepath.Join(root, "web", "node_modules")} {
		if _, err := os.Stat(need); err != nil {
			fmt.Printf("console figures skipped: %s is missing\n", need)
			return nil
		}
	}
	dir := b.TempDir()
	secret := filepath.Join(dir, "secret")
	if err := os.WriteFile(secret, []byte(ConsoleClientSecret), 0o600); err != nil {
		b.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	consoleURL := "https://" + addr
	log, err := os.Create(filepath.Join(dir, "ke-console.log"))
	if err != nil {
		b.Fatal(err)
	}
	defer log.Close()
	cmd := exec.Command(bin, "--bind-address="+addr, "--public-url="+consoleURL, "--apiserver-url="+apiURL,
		"--apiserver-ca-file="+apiCAFile, "--client-secret-file="+secret, "--cert-dir="+dir)
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { _ = cmd.Process.Signal(syscall.SIGTERM); _ = cmd.Wait() }()
	hc := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} //nolint:gosec // its own self-signed certificate
	ready := false
	for range 100 {
		if resp, err := hc.Get(consoleURL + "/readyz"); err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				ready = true
				break
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !ready {
		b.Fatalf("ke-console did not get ready; see %s", log.Name())
	}
	pw := exec.Command("npx", "playwright", "test", "-c", "playwright.perf.config.ts", spec)
	pw.Dir = filepath.Join(root, "web")
	pw.Env = append(append(os.Environ(), "CONSOLE_URL="+consoleURL), env...)
	out, err := pw.CombinedOutput()
	if err != nil {
		b.Fatalf("the console's performance script %s failed: %v\n%s", spec, err, out)
	}
	figures := map[string]string{}
	for _, line := range strings.Split(string(out), "\n") {
		if f := strings.Fields(line); len(f) == 4 && f[0] == "FIGURE" {
			figures[f[1]] = f[2] + " " + f[3]
		}
	}
	return figures
}
