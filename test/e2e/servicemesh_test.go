//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestServiceMeshDemo is docs/servicemesh.md's "Try it" on `make run`'s
// platform: ke-dev's mesh demo (project bookinfo) gets a canary of reviews
// at 10% through the API, rolled back, then another shifted to 50% and
// promoted, each step checked in the VirtualService and DestinationRule
// the controller writes; the simulated mesh traffic shows in the project's
// topology; and a trace sent over OTLP by `ke-dev traces` comes back
// through the tracing API.
func TestServiceMeshDemo(t *testing.T) {
	if os.Getenv("JAEGER_BIN_DIR") == "" {
		t.Fatal("JAEGER_BIN_DIR is not set: run the e2e tests with `make test-e2e`")
	}
	if _, err := exec.LookPath("prometheus"); err != nil {
		t.Fatal("prometheus is not installed (apt-get install prometheus)")
	}
	d := newDevCluster(t)
	d.extra = []string{"--scrape-interval=5s", "--no-logs", "--no-alerting", "--no-gitea"}
	t.Cleanup(func() {
		if d.cmd == nil || d.cmd.Process == nil {
			return
		}
		d.stop()
		_ = syscall.Kill(-d.cmd.Process.Pid, syscall.SIGKILL)
	})
	d.up()
	base, hc, tok := d.adminAPI(t)
	const ns = "bookinfo"
	mesh := base + "/kapis/servicemesh.superkube.io/v1alpha2/namespaces/" + ns
	send := func(method, url string, body any) (int, []byte) {
		t.Helper()
		var r *strings.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			r = strings.NewReader(string(b))
		} else {
			r = strings.NewReader("")
		}
		req, _ := http.NewRequest(method, url, r)
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out json.RawMessage
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	must := func(want int, method, url string, body any) []byte {
		t.Helper()
		code, out := send(method, url, body)
		if code != want {
			t.Fatalf("%s %s: %d, want %d: %s", method, url, code, want, out)
		}
		return out
	}
	d.mustKubectl("-n", ns, "rollout", "status", "deployment/reviews-v1", "--timeout=90s")

	// routes reads the generated VirtualService reviews as "subset=weight" pairs.
	routes := func() string {
		out, err := d.kubectl("-n", ns, "get", "virtualservice", "reviews", "-o", `jsonpath={range .spec.http[*].route[*]}{.destination.subset}={.weight} {end}`)
		if err != nil {
			return ""
		}
		return strings.TrimSpace(out)
	}
	subsets := func() []string {
		out, _ := d.kubectl("-n", ns, "get", "destinationrule", "reviews", "-o", `jsonpath={.spec.subsets[*].name}`)
		s := strings.Fields(out)
		slices.Sort(s)
		return s
	}
	replicas := func(deploy string) string {
		out, _ := d.kubectl("-n", ns, "get", "deployment", deploy, "-o", "jsonpath={.spec.replicas}")
		return strings.TrimSpace(out)
	}
	// The new version, as the console makes it: the current Deployment with
	// the version label and the image changed.
	v1 := d.mustKubectl("-n", ns, "get", "deployment", "reviews-v1", "-o", "json")
	v2 := strings.NewReplacer(`"reviews-v1"`, `"reviews-v2"`, `"version": "v1"`, `"version": "v2"`,
		"examples-bookinfo-reviews-v1", "examples-bookinfo-reviews-v2").Replace(v1)
	var obj map[string]any
	if err := json.Unmarshal([]byte(v2), &obj); err != nil {
		t.Fatal(err)
	}
	md := obj["metadata"].(map[string]any)
	for _, k := range []string{"uid", "resourceVersion", "creationTimestamp", "generation", "managedFields", "annotations"} {
		delete(md, k)
	}
	delete(obj, "status")
	manifest, _ := json.Marshal(obj)
	f := filepath.Join(t.TempDir(), "reviews-v2.json")
	if err := os.WriteFile(f, manifest, 0o600); err != nil {
		t.Fatal(err)
	}
	d.mustKubectl("apply", "-f", f)
	d.mustKubectl("-n", ns, "rollout", "status", "deployment/reviews-v2", "--timeout=90s")

	canary := func(name string) map[string]any {
		return map[string]any{"apiVersion": "servicemesh.superkube.io/v1alpha2", "kind": "Strategy",
			"metadata": map[string]any{"name": name},
			"spec":     map[string]any{"type": "Canary", "service": "reviews", "principal": "v1", "canary": "v2", "weight": 10}}
	}
	t.Run("a canary at 10% is rolled back", func(t *testing.T) {
		must(http.StatusCreated, http.MethodPost, mesh+"/strategies", canary("reviews-try"))
		waitFor(t, "the VirtualService at 90/10", func() bool { return routes() == "v1=90 v2=10" })
		if got := subsets(); !slices.Equal(got, []string{"v1", "v2"}) {
			t.Fatalf("DestinationRule subsets %v", got)
		}
		must(http.StatusOK, http.MethodPost, mesh+"/strategies/reviews-try/rollback", nil)
		waitFor(t, "all traffic to v1", func() bool { return routes() == "v1=100" || routes() == "v1=" })
		waitFor(t, "reviews-v2 scaled to 0", func() bool { return replicas("reviews-v2") == "0" })
		must(http.StatusOK, http.MethodDelete, mesh+"/strategies/reviews-try", nil)
		waitFor(t, "the generated VirtualService removed", func() bool {
			_, err := d.kubectl("-n", ns, "get", "virtualservice", "reviews")
			return err != nil
		})
		d.mustKubectl("-n", ns, "scale", "deployment/reviews-v2", "--replicas=1")
		d.mustKubectl("-n", ns, "rollout", "status", "deployment/reviews-v2", "--timeout=90s")
	})
	t.Run("a canary shifted to 50% is promoted", func(t *testing.T) {
		must(http.StatusCreated, http.MethodPost, mesh+"/strategies", canary("reviews-v2"))
		waitFor(t, "the VirtualService at 90/10", func() bool { return routes() == "v1=90 v2=10" })
		must(http.StatusOK, http.MethodPut, mesh+"/strategies/reviews-v2/weight", map[string]any{"weight": 50})
		waitFor(t, "the VirtualService at 50/50", func() bool { return routes() == "v1=50 v2=50" })
		must(http.StatusOK, http.MethodPost, mesh+"/strategies/reviews-v2/promote", nil)
		waitFor(t, "all traffic to v2", func() bool { return routes() == "v2=100" || routes() == "v2=" })
		waitFor(t, "reviews-v1 scaled to 0", func() bool { return replicas("reviews-v1") == "0" })
		var st struct {
			Status struct{ Phase string }
		}
		if err := json.Unmarshal(must(http.StatusOK, http.MethodGet, mesh+"/strategies/reviews-v2", nil), &st); err != nil || st.Status.Phase != "Promoted" {
			t.Fatalf("phase %q, %v", st.Status.Phase, err)
		}
	})
	t.Run("the simulated traffic shows in the topology", func(t *testing.T) {
		waitLong(t, 90*time.Second, "an edge productpage → reviews with traffic", func() bool {
			var g struct {
				Nodes []struct{ ID, Name, Kind string }
				Edges []struct {
					Source, Target string
					Rate           float64
				}
			}
			if err := json.Unmarshal(must(http.StatusOK, http.MethodGet, mesh+"/topology?duration=1m", nil), &g); err != nil {
				t.Fatal(err)
			}
			names := map[string]string{}
			for _, n := range g.Nodes {
				names[n.ID] = n.Name
			}
			for _, e := range g.Edges {
				if strings.HasPrefix(names[e.Source], "productpage") && strings.HasPrefix(names[e.Target], "reviews") && e.Rate > 0 {
					return true
				}
			}
			return false
		})
	})
	t.Run("a trace sent over OTLP comes back through the tracing API", func(t *testing.T) {
		out, err := exec.Command(filepath.Join(d.root, "bin", "ke-dev"), "traces", "--data-dir", d.dataDir, "-n", ns).CombinedOutput()
		if err != nil {
			t.Fatalf("ke-dev traces: %v\n%s", err, out)
		}
		m := regexp.MustCompile(`sent trace ([0-9a-f]{32})`).FindSubmatch(out)
		if m == nil {
			t.Fatalf("no trace id in:\n%s", out)
		}
		id := string(m[1])
		waitFor(t, "the trace in the search", func() bool {
			code, body := send(http.MethodGet, mesh+"/tracing/traces?service=frontend."+ns+"&limit=20", nil)
			return code == http.StatusOK && strings.Contains(string(body), id)
		})
		var tr struct {
			TraceID string
			Spans   []struct{ Namespace, Operation string }
		}
		if err := json.Unmarshal(must(http.StatusOK, http.MethodGet, mesh+"/tracing/traces/"+id, nil), &tr); err != nil {
			t.Fatal(err)
		}
		if len(tr.Spans) < 3 {
			t.Fatalf("trace %s has %d spans, want the 3 services' spans: %+v", id, len(tr.Spans), tr)
		}
		for _, s := range tr.Spans {
			if s.Namespace != ns {
				t.Errorf("span %s of namespace %q", s.Operation, s.Namespace)
			}
		}
		code, body := send(http.MethodGet, mesh+"/tracing/traces/not-hex", nil)
		if code != http.StatusUnprocessableEntity || !strings.Contains(string(body), "traceID") {
			t.Errorf("a malformed trace id: %d %s", code, body)
		}
		fmt.Fprintf(os.Stderr, "trace %s: %d spans\n", id, len(tr.Spans))
	})
}
