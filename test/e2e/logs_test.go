//go:build e2e

package e2e

import (
	"bufio"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestLogPipeline runs ke-dev and follows a Deployment's simulated
// container logs from their files through a vlagent on each node into
// VictoriaLogs: what `kubectl logs` shows is in the store within seconds,
// with the pod's namespace, name, container, node and labels, and stays
// there after the Deployment is deleted, as do its events.
func TestLogPipeline(t *testing.T) {
	if os.Getenv("VICTORIALOGS_BIN_DIR") == "" {
		t.Fatal("VICTORIALOGS_BIN_DIR is not set: run the e2e tests with `make test-e2e`")
	}
	d := newDevCluster(t)
	stopped := false
	t.Cleanup(func() {
		if stopped || d.cmd == nil || d.cmd.Process == nil {
			return
		}
		d.stop()
		for _, p := range d.leftovers() {
			t.Errorf("left over: %s", p)
		}
		_ = syscall.Kill(-d.cmd.Process.Pid, syscall.SIGKILL)
	})
	d.up()
	data, err := os.ReadFile(filepath.Join(d.dataDir, "victorialogs", "url"))
	if err != nil {
		t.Fatal(err)
	}
	store := strings.TrimSpace(string(data))
	if !strings.Contains(d.out.String(), "Logs: VictoriaLogs at "+store) || !strings.Contains(d.out.String(), "a vlagent on each of the 3 nodes") {
		t.Errorf("the summary does not say where the logs go:\n%s", d.out)
	}

	d.mustKubectl("create", "namespace", "shop")
	d.mustKubectl("-n", "shop", "create", "deployment", "web", "--image=nginx", "--replicas=3")
	d.mustKubectl("-n", "shop", "patch", "deployment", "web", "-p", `{"spec":{"template":{"metadata":{"annotations":{"kwok.x-k8s.io/log-rate":"5"}}}}}`)
	d.mustKubectl("-n", "shop", "rollout", "status", "deployment/web", "--timeout=90s")
	running := time.Now()
	pods := strings.Fields(d.mustKubectl("-n", "shop", "get", "pods", "-l", "app=web", "-o", "jsonpath={.items[*].metadata.name}"))
	if len(pods) != 3 {
		t.Fatalf("pods of shop/web: %v", pods)
	}

	var said string
	waitFor(t, "a line of kubectl logs", func() bool {
		out, _ := d.kubectl("-n", "shop", "logs", pods[0], "--tail=1")
		said = strings.TrimSpace(out)
		return strings.Contains(said, "simulated by ke-dev")
	})
	var found []logRecord
	waitFor(t, "the lines of the 3 pods in VictoriaLogs", func() bool {
		found = queryLogs(t, store, `kubernetes.pod_namespace:=shop`, 1000)
		seen := map[string]bool{}
		for _, r := range found {
			seen[r["kubernetes.pod_name"]] = true
		}
		// (The pods of the first ReplicaSet, before the annotation, logged too.)
		for _, p := range pods {
			if !seen[p] {
				return false
			}
		}
		return true
	})
	t.Logf("FIGURE a new Deployment's pod logs were searchable in VictoriaLogs %.1fs after its rollout", time.Since(running).Seconds())
	var r logRecord
	for _, rec := range found {
		if rec["kubernetes.pod_name"] == pods[0] {
			r = rec
		}
	}
	if r["kubernetes.container_name"] != "nginx" || !strings.HasPrefix(r["kubernetes.pod_node_name"], "ke-node-") ||
		r["kubernetes.pod_labels.app"] != "web" || !strings.Contains(r["_msg"], "simulated by ke-dev") {
		t.Errorf("a record without the pod's fields: %v", r)
	}
	// The line kubectl showed is in the store, as it was written.
	waitFor(t, "kubectl's line in the store", func() bool {
		for _, r := range queryLogs(t, store, `kubernetes.pod_name:=`+pods[0], 1000) {
			if r["_msg"] == said {
				return true
			}
		}
		return false
	})

	// The store hangs for 8 s (SIGSTOP), then stops (SIGTERM, as a rollout
	// stops it) and ke-dev starts it again: the shippers keep what they read
	// meanwhile and send it once the store answers, so no line of a pod is
	// missing.
	pid := d.pid("victoria-logs")
	if pid <= 0 || syscall.Kill(pid, syscall.SIGSTOP) != nil {
		t.Fatalf("victoria-logs is not running (pid %d)", pid)
	}
	stoppedAt := time.Now()
	time.Sleep(8 * time.Second)
	if err := syscall.Kill(pid, syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	d.waitOutput(t, regexp.MustCompile(`victoria-logs is running again`), 2*time.Minute)
	t.Logf("FIGURE the store hung for 8s, then was stopped and started again: away for %.1fs", time.Since(stoppedAt).Seconds())
	time.Sleep(2 * time.Second) // lines written after the store came back
	lineNo := regexp.MustCompile(`line (\d+): `)
	var missing []int
	var last int
	deadline := time.Now().Add(time.Minute)
	for !func() bool {
		numbers := map[int]bool{}
		last = 0
		for _, r := range queryLogs(t, store, `kubernetes.pod_name:=`+pods[0], 100000) {
			if m := lineNo.FindStringSubmatch(r["_msg"]); m != nil {
				n, _ := strconv.Atoi(m[1])
				numbers[n] = true
				last = max(last, n)
			}
		}
		missing = missing[:0]
		for n := 1; n <= last; n++ {
			if !numbers[n] {
				missing = append(missing, n)
			}
		}
		return len(missing) == 0 && last > 0 && time.Since(stoppedAt) > 5*time.Second
	}() {
		if time.Now().After(deadline) {
			t.Fatalf("after the store's restart, lines %v of 1 to %d of %s are missing", missing, last, pods[0])
		}
		time.Sleep(500 * time.Millisecond)
	}
	t.Logf("FIGURE lines 1 to %d of %s are all in the store after it was stopped and started again", last, pods[0])

	// The logging API of ke-apiserver searches the same store.
	api, hc, tok := d.adminAPI(t)
	req, _ := http.NewRequest(http.MethodGet, api+"/kapis/logging.superkube.io/v1alpha2/namespaces/shop/logs?size=5&pods="+pods[0], nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	var page struct {
		Query struct {
			Total   int `json:"total"`
			Records []struct {
				Pod, Log string
				Owner    struct{ Kind, Name string }
			} `json:"records"`
		} `json:"query"`
	}
	if code := call(t, hc, req, &page); code != http.StatusOK || page.Query.Total < last || len(page.Query.Records) != 5 || page.Query.Records[0].Pod != pods[0] {
		t.Fatalf("the logging API: %d %+v, want 5 of at least %d lines of %s", code, page.Query, last, pods[0])
	}
	// Each line names its pod's workload, from the labels vlagent shipped;
	// the workload's search finds its pods' lines.
	if o := page.Query.Records[0].Owner; o.Kind != "Deployment" || o.Name != "web" {
		t.Errorf("a line of %s names the owner %+v, want Deployment web", pods[0], o)
	}
	req, _ = http.NewRequest(http.MethodGet, api+"/kapis/logging.superkube.io/v1alpha2/namespaces/shop/logs?size=1&workloads=web", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	if code := call(t, hc, req, &page); code != http.StatusOK || page.Query.Total < 3*last/2 {
		t.Errorf("the workload web: %d, %d lines, want those of its 3 pods (at least %d)", code, page.Query.Total, 3*last/2)
	}

	before := len(queryLogs(t, store, `kubernetes.pod_namespace:=shop`, 100000))
	d.mustKubectl("-n", "shop", "delete", "deployment", "web", "--wait=true")
	waitFor(t, "the pods are gone", func() bool {
		out, _ := d.kubectl("-n", "shop", "get", "pods", "-o", "name")
		return strings.TrimSpace(out) == ""
	})
	after := queryLogs(t, store, `kubernetes.pod_namespace:=shop`, 100000)
	if len(after) < before {
		t.Fatalf("after the Deployment was deleted the store has %d of its lines, had %d", len(after), before)
	}
	t.Logf("FIGURE %d lines of the deleted Deployment are still found", len(after))

	// Its events outlive it too, kept by ke-controller-manager in the
	// store: the Deployment's scaling and its pods' scheduling.
	events := func(q string) (int, []string) {
		req, _ := http.NewRequest(http.MethodGet, api+"/kapis/logging.superkube.io/v1alpha2/namespaces/shop/events?size=100&"+q, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		var page struct {
			Query struct {
				Total   int `json:"total"`
				Records []struct {
					Reason string `json:"reason"`
				} `json:"records"`
			} `json:"query"`
		}
		if code := call(t, hc, req, &page); code != http.StatusOK {
			t.Fatalf("the events API: %d", code)
		}
		var reasons []string
		for _, r := range page.Query.Records {
			reasons = append(reasons, r.Reason)
		}
		return page.Query.Total, reasons
	}
	waitFor(t, "the deleted Deployment's events are found", func() bool {
		n, _ := events("involved_object_kind=Deployment&involved_object_name=web&reason=ScalingReplicaSet")
		scheduled, _ := events("involved_object_kind=Pod&reason=Scheduled")
		return n >= 1 && scheduled >= 3
	})
	_, reasons := events("")
	t.Logf("FIGURE the deleted Deployment's namespace has events of reasons %v", reasons)

	// kube-apiserver's audit webhook posted the kubectl writes to
	// ke-apiserver, which keeps them in the store: the creation and the
	// deletion of the Deployment, by the kubeconfig's user.
	waitFor(t, "kube-apiserver's audit records of the Deployment", func() bool {
		req, _ := http.NewRequest(http.MethodGet, api+"/kapis/logging.superkube.io/v1alpha2/auditing/events?source=kube-apiserver&namespace=shop&resource=deployments&name=web&verb=create,delete", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		var page struct {
			Query struct {
				Records []struct {
					Verb, User string
					Code       int
				} `json:"records"`
			} `json:"query"`
		}
		if code := call(t, hc, req, &page); code != http.StatusOK {
			t.Fatalf("the audit API: %d", code)
		}
		verbs := map[string]bool{}
		for _, r := range page.Query.Records {
			if r.User == "" || r.Code == 0 {
				t.Fatalf("an audit record without user or code: %+v", r)
			}
			verbs[r.Verb] = true
		}
		return verbs["create"] && verbs["delete"]
	})

	d.stop()
	stopped = true
	for _, p := range d.leftovers() {
		t.Errorf("left over: %s", p)
	}
}

// logRecord is one record of VictoriaLogs's answer: its fields as strings.
type logRecord map[string]string

// queryLogs runs a LogsQL query over everything the store holds.
func queryLogs(t *testing.T, store, query string, limit int) []logRecord {
	t.Helper()
	q := url.Values{"query": {query}, "limit": {strconv.Itoa(limit)}, "start": {"2000-01-01T00:00:00Z"}}
	resp, err := http.Get(store + "/select/logsql/query?" + q.Encode()) //nolint:noctx // the test's own store on loopback
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("query %q: %s", query, resp.Status)
	}
	var out []logRecord
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var r logRecord
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("a record of %q: %v: %s", query, err, sc.Bytes())
		}
		out = append(out, r)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// adminAPI logs in as the initial administrator, sets a new password (the
// first login asks for one) and returns ke-apiserver's URL, a client that
// trusts it and the administrator's token.
func (d *devCluster) adminAPI(t *testing.T) (string, *http.Client, string) {
	t.Helper()
	initial := d.initialAdminPassword(t)
	a := d.api(t)
	tok := a.login("admin", initial)
	req, _ := http.NewRequest(http.MethodPut, a.url+"/kapis/iam.superkube.io/v1beta1/users/admin/password",
		strings.NewReader(`{"currentPassword":"`+initial+`","password":"E2e-Passw0rd-New!"}`))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	if code := call(t, a.http, req, nil); code != http.StatusOK {
		t.Fatalf("changing the initial password: %d", code)
	}
	return a.url, a.http, a.login("admin", "E2e-Passw0rd-New!")
}
