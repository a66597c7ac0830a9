//go:build e2e

package e2e

import (
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// crashLoopDeployment is a Deployment whose simulated pod crashes and
// restarts every 5 s (ke-dev's KWOK stage, sim.superkube.io/crash-loop).
const crashLoopDeployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: crashy
  namespace: crashes
spec:
  replicas: 1
  selector:
    matchLabels: {app: crashy}
  template:
    metadata:
      labels:
        app: crashy
        sim.superkube.io/crash-loop: "true"
      annotations:
        sim.superkube.io/crash-loop-interval: "5000"
    spec:
      containers:
      - name: app
        image: busybox
`

// TestAlertingPipeline runs the local cluster as `make run` does and follows
// a pod that restarts in a loop to the built-in crash-loop alert: Prometheus
// fires it, Alertmanager sends it to ke-apiserver's notification sender,
// which mails the administrator (Mailpit) and posts it to ke-dev's webhook
// sink; the alerting API shows it firing.
func TestAlertingPipeline(t *testing.T) {
	for _, p := range []string{"prometheus", "prometheus-alertmanager"} {
		if _, err := exec.LookPath(p); err != nil {
			t.Fatalf("%s is not installed (apt-get install %s)", p, p)
		}
	}
	if os.Getenv("MAILPIT_BIN_DIR") == "" {
		t.Fatal("MAILPIT_BIN_DIR is not set: run the e2e tests with `make test-e2e`")
	}
	d := newDevCluster(t)
	d.extra = []string{"--scrape-interval=5s", "--no-logs"}
	t.Cleanup(func() {
		if d.cmd == nil || d.cmd.Process == nil {
			return
		}
		d.stop()
		_ = syscall.Kill(-d.cmd.Process.Pid, syscall.SIGKILL)
	})
	d.up()
	for _, g := range []string{"builtin-workloads", "builtin-nodes"} {
		d.mustKubectl("wait", "--for=condition=Ready", "globalrulegroup/"+g, "--timeout=120s")
	}

	mailpit := strings.TrimSpace(readFile(t, filepath.Join(d.dataDir, "mailpit", "url")))
	sink := filepath.Join(d.dataDir, "webhook-sink", "received.jsonl")

	d.mustKubectl("create", "namespace", "crashes")
	apply(t, d, crashLoopDeployment)
	start := time.Now()

	var mailed, posted time.Duration
	waitLong(t, 4*time.Minute, "the crash-loop alert mailed to the administrator and posted to the webhook sink", func() bool {
		if mailed == 0 && mailpitHas(t, mailpit, "PodCrashLooping") {
			mailed = time.Since(start)
		}
		if data, err := os.ReadFile(sink); posted == 0 && err == nil &&
			strings.Contains(string(data), "PodCrashLooping") && strings.Contains(string(data), `"crashes"`) {
			posted = time.Since(start)
		}
		return mailed > 0 && posted > 0
	})
	t.Logf("FIGURE crash loop (restart every 5 s) → e-mail in Mailpit: %.1fs, → webhook sink: %.1fs (scrapes every 5 s)",
		mailed.Seconds(), posted.Seconds())

	t.Run("the alerting API shows the alert firing", func(t *testing.T) {
		base, hc, tok := d.adminAPI(t)
		req, _ := http.NewRequest(http.MethodGet, base+"/kapis/alerting.superkube.io/v2beta1/alerts?rule=PodCrashLooping&namespace=crashes", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		var list struct {
			Items []struct {
				State     string            `json:"state"`
				Level     string            `json:"level"`
				Namespace string            `json:"namespace"`
				Labels    map[string]string `json:"labels"`
			} `json:"items"`
		}
		if code := call(t, hc, req, &list); code != http.StatusOK {
			t.Fatalf("alerts: %d", code)
		}
		if len(list.Items) == 0 || list.Items[0].State != "firing" || list.Items[0].Labels["pod"] == "" ||
			!strings.HasPrefix(list.Items[0].Labels["pod"], "crashy-") {
			t.Fatalf("no firing PodCrashLooping alert of crashes/crashy-*: %+v", list.Items)
		}
	})
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// mailpitHas says whether a message whose subject contains s is in Mailpit.
func mailpitHas(t *testing.T, mailpit, s string) bool {
	t.Helper()
	resp, err := http.Get(mailpit + "/api/v1/messages?limit=50")
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	var body struct {
		Messages []struct {
			Subject string `json:"Subject"`
		} `json:"messages"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return false
	}
	for _, m := range body.Messages {
		if strings.Contains(m.Subject, s) {
			return true
		}
	}
	return false
}

// waitLong is waitFor with its own bound.
func waitLong(t *testing.T, bound time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(bound)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s: %s", bound, what)
		}
		time.Sleep(time.Second)
	}
}
