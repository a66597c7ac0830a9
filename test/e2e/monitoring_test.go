//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
)

// scrapeInterval is the interval the monitoring test asks ke-dev for;
// metrics-server reads the kubelets at most every 10s.
const (
	scrapeInterval      = 5 * time.Second
	metricsServerPeriod = 10 * time.Second
)

// TestMetricsPipeline runs ke-dev with metrics-server and Prometheus and
// follows simulated usage from KWOK to the metrics.k8s.io API, Prometheus
// and a HorizontalPodAutoscaler.
func TestMetricsPipeline(t *testing.T) {
	if os.Getenv("METRICS_SERVER_BIN_DIR") == "" {
		t.Fatal("METRICS_SERVER_BIN_DIR is not set: run the e2e tests with `make test-e2e`")
	}
	if _, err := exec.LookPath("prometheus"); err != nil {
		t.Fatal("prometheus is not installed (apt-get install prometheus)")
	}
	d := newDevCluster(t)
	d.extra = []string{"--scrape-interval=" + scrapeInterval.String()}
	stopped := false
	t.Cleanup(func() {
		if stopped || d.cmd == nil || d.cmd.Process == nil {
			return
		}
		// Stopped as make would, so that nothing outlives the test's folder
		// (Redis refuses SIGTERM once its folder is gone).
		d.stop()
		for _, p := range d.leftovers() {
			t.Errorf("left over: %s", p)
		}
		_ = syscall.Kill(-d.cmd.Process.Pid, syscall.SIGKILL)
	})
	d.up()
	data, err := os.ReadFile(filepath.Join(d.dataDir, "prometheus", "url"))
	if err != nil {
		t.Fatal(err)
	}
	prom := &promClient{url: strings.TrimSpace(string(data))}
	if !strings.Contains(d.out.String(), "Prometheus: "+prom.url) {
		t.Errorf("the summary does not give Prometheus's URL %s:\n%s", prom.url, d.out)
	}

	d.mustKubectl("create", "namespace", "load")
	d.mustKubectl("-n", "load", "create", "deployment", "web", "--image=nginx", "--replicas=2")
	d.mustKubectl("-n", "load", "set", "resources", "deployment/web", "--requests=cpu=100m,memory=64Mi")
	d.mustKubectl("-n", "load", "rollout", "status", "deployment/web", "--timeout=90s")

	t.Run("metrics.k8s.io answers node and pod metrics", func(t *testing.T) {
		waitFor(t, "node metrics of the 3 nodes", func() bool {
			var list metricsList
			if err := json.Unmarshal([]byte(d.mustKubectl("get", "--raw", "/apis/metrics.k8s.io/v1beta1/nodes")), &list); err != nil {
				t.Fatal(err)
			}
			if len(list.Items) != 3 {
				return false
			}
			for _, n := range list.Items {
				if n.Usage.CPU() <= 0 || n.Usage.Memory() <= 0 {
					return false
				}
			}
			return true
		})
		waitFor(t, "pod metrics of the 2 pods of load/web with the default usage", func() bool {
			list := podMetrics(t, d, "load")
			if len(list) != 2 {
				return false
			}
			for _, cpu := range list {
				// The default is 10m per container.
				if cpu < 0.008 || cpu > 0.012 {
					return false
				}
			}
			return true
		})
		out := d.mustKubectl("top", "pods", "-n", "load", "--no-headers")
		if n := len(strings.Split(strings.TrimSpace(out), "\n")); n != 2 {
			t.Fatalf("kubectl top pods -n load: %d lines, want 2:\n%s", n, out)
		}
		d.mustKubectl("top", "nodes")
	})

	t.Run("Prometheus scrapes the control plane, each simulated kubelet and the platform's components", func(t *testing.T) {
		for _, job := range []string{"apiserver", "etcd", "kube-controller-manager", "kube-scheduler", "kubelet", "cadvisor", "prometheus",
			"ke-apiserver", "ke-console", "ke-controller-manager", "kube-state-metrics"} {
			want := 1
			if job == "kubelet" || job == "cadvisor" {
				want = 3 // one target per node
			}
			waitFor(t, "job "+job+" up", func() bool {
				return len(prom.query(t, fmt.Sprintf(`up{job=%q} == 1`, job))) == want
			})
		}
		waitFor(t, "the container series of load/web with their labels", func() bool {
			for _, name := range []string{"container_cpu_usage_seconds_total", "container_memory_working_set_bytes"} {
				series := prom.query(t, name+`{namespace="load",job="cadvisor"}`)
				if len(series) != 2 {
					return false
				}
				for _, s := range series {
					if s.Metric["container"] != "nginx" || !strings.HasPrefix(s.Metric["pod"], "web-") || !strings.HasPrefix(s.Metric["node"], "ke-node-") {
						t.Fatalf("%s has labels %v", name, s.Metric)
					}
				}
			}
			for _, name := range []string{"container_network_receive_bytes_total", "container_network_transmit_bytes_total"} {
				if len(prom.query(t, name+`{namespace="load",job="cadvisor"} > 0`)) != 2 {
					return false
				}
			}
			// The container series come from the cadvisor job only.
			return len(prom.query(t, `container_cpu_usage_seconds_total{namespace="load",job!="cadvisor"}`)) == 0
		})
	})

	t.Run("a pod's CPU raised by annotation shows within two scrape intervals", func(t *testing.T) {
		pod := strings.Fields(d.mustKubectl("-n", "load", "get", "pods", "-l", "app=web", "-o", "jsonpath={.items[*].metadata.name}"))[0]
		rate := fmt.Sprintf(`irate(container_cpu_usage_seconds_total{namespace="load",pod=%q,job="cadvisor"}[1m])`, pod)
		// Both read the default first, so that what follows is a change.
		waitFor(t, "Prometheus's rate of the default usage", func() bool {
			v, ok := prom.value(t, rate)
			return ok && v > 0.008 && v < 0.012
		})
		d.mustKubectl("-n", "load", "annotate", "pod", pod, "kwok.x-k8s.io/usage-cpu=500m")
		raised := time.Now()
		var inProm, inMetricsServer time.Duration
		for inProm == 0 || inMetricsServer == 0 {
			if inProm == 0 {
				if v, ok := prom.value(t, rate); ok && v > 0.45 && v < 0.55 {
					inProm = time.Since(raised)
				}
			}
			if inMetricsServer == 0 {
				if cpu := podMetrics(t, d, "load")[pod]; cpu > 0.45 && cpu < 0.55 {
					inMetricsServer = time.Since(raised)
				}
			}
			if time.Since(raised) > 2*metricsServerPeriod+5*time.Second {
				break
			}
			time.Sleep(250 * time.Millisecond)
		}
		t.Logf("FIGURE raised CPU visible in Prometheus after %.1fs (scrape interval %s), in metrics-server after %.1fs (period %s)",
			inProm.Seconds(), scrapeInterval, inMetricsServer.Seconds(), metricsServerPeriod)
		// KWOK counts the time since a node's previous read (by any reader)
		// at the new usage, so the first scrape after the change may carry
		// a mix and the second the new rate alone: two intervals, plus the
		// scrape and the query.
		if inProm == 0 || inProm > 2*scrapeInterval+time.Second {
			t.Errorf("Prometheus's CPU rate of %s did not reach 500m within two scrape intervals (%s); seen after %s (0: never)", pod, 2*scrapeInterval, inProm)
		}
		// metrics-server's kubectl latency adds to its period.
		if inMetricsServer == 0 || inMetricsServer > 2*metricsServerPeriod+2*time.Second {
			t.Errorf("metrics-server's CPU of %s did not reach 500m within two of its periods (%s); seen after %s (0: never)", pod, 2*metricsServerPeriod, inMetricsServer)
		}
		memory := `container_memory_working_set_bytes{namespace="load",pod=` + strconv.Quote(pod) + `,job="cadvisor"}`
		d.mustKubectl("-n", "load", "annotate", "pod", pod, "kwok.x-k8s.io/usage-memory=300Mi")
		waitFor(t, "Prometheus's working set of 300Mi", func() bool {
			v, ok := prom.value(t, memory)
			return ok && v == 300*1024*1024
		})
	})

	t.Run("a HorizontalPodAutoscaler scales a Deployment from 2 to 4 when its CPU rises", func(t *testing.T) {
		d.mustKubectl("create", "namespace", "hpa")
		d.mustKubectl("-n", "hpa", "create", "deployment", "api", "--image=nginx", "--replicas=2")
		d.mustKubectl("-n", "hpa", "set", "resources", "deployment/api", "--requests=cpu=100m")
		d.mustKubectl("-n", "hpa", "rollout", "status", "deployment/api", "--timeout=90s")
		apply(t, d, `{"apiVersion":"autoscaling/v2","kind":"HorizontalPodAutoscaler","metadata":{"name":"api","namespace":"hpa"},
"spec":{"scaleTargetRef":{"apiVersion":"apps/v1","kind":"Deployment","name":"api"},"minReplicas":2,"maxReplicas":4,
"metrics":[{"type":"Resource","resource":{"name":"cpu","target":{"type":"Utilization","averageUtilization":50}}}]}}`)
		// 10m of 100m requested: the autoscaler reads 10% and keeps 2.
		utilisation := func() string {
			out, _ := d.kubectl("-n", "hpa", "get", "hpa", "api", "-o", "jsonpath={.status.currentMetrics[0].resource.current.averageUtilization}")
			return out
		}
		waitFor(t, "the autoscaler to read 10% CPU", func() bool { return utilisation() == "10" })
		if r := d.mustKubectl("-n", "hpa", "get", "deployment", "api", "-o", "jsonpath={.spec.replicas}"); r != "2" {
			t.Fatalf("the autoscaler changed the replicas to %s at 10%% CPU", r)
		}
		// 200m of 100m: 200%, four times the target; at most 4 replicas.
		d.mustKubectl("-n", "hpa", "annotate", "pods", "-l", "app=api", "kwok.x-k8s.io/usage-cpu=200m")
		raised := time.Now()
		deadline := raised.Add(3 * time.Minute)
		for {
			r := d.mustKubectl("-n", "hpa", "get", "deployment", "api", "-o", "jsonpath={.spec.replicas}/{.status.availableReplicas}")
			if r == "4/4" {
				t.Logf("FIGURE the autoscaler scaled 2 -> 4 in %.1fs after the CPU rose", time.Since(raised).Seconds())
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("deployment api has replicas/available %s 3 minutes after its CPU rose (utilisation read: %s%%)", r, utilisation())
			}
			time.Sleep(time.Second)
		}
	})

	d.stop()
	stopped = true
	if left := d.leftovers(); len(left) > 0 {
		t.Fatalf("processes left after stop (metrics-server and Prometheus stop with the cluster):\n%s", strings.Join(left, "\n"))
	}
}

// podMetrics returns the CPU (cores) of each pod of ns from metrics.k8s.io.
func podMetrics(t *testing.T, d *devCluster, ns string) map[string]float64 {
	t.Helper()
	var list metricsList
	if err := json.Unmarshal([]byte(d.mustKubectl("get", "--raw", "/apis/metrics.k8s.io/v1beta1/namespaces/"+ns+"/pods")), &list); err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, p := range list.Items {
		for _, c := range p.Containers {
			out[p.Metadata.Name] += c.Usage.CPU()
		}
	}
	return out
}

type usage map[string]string

func (u usage) CPU() float64    { return quantity(u["cpu"]) }
func (u usage) Memory() float64 { return quantity(u["memory"]) }

func quantity(s string) float64 {
	q, err := resource.ParseQuantity(s)
	if err != nil {
		return -1
	}
	return q.AsApproximateFloat64()
}

type metricsList struct {
	Items []struct {
		Metadata struct {
			Name string `json:"name"`
		} `json:"metadata"`
		Usage      usage `json:"usage"`
		Containers []struct {
			Usage usage `json:"usage"`
		} `json:"containers"`
	} `json:"items"`
}

// promClient queries Prometheus's HTTP API.
type promClient struct{ url string }

type promSample struct {
	Metric map[string]string `json:"metric"`
	Value  [2]any            `json:"value"`
}

func (p *promClient) query(t *testing.T, q string) []promSample {
	t.Helper()
	resp, err := http.Get(p.url + "/api/v1/query?query=" + url.QueryEscape(q))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			Result []promSample `json:"result"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	if body.Status != "success" {
		t.Fatalf("query %s: %s", q, body.Error)
	}
	return body.Data.Result
}

// value returns the value of a query with one series.
func (p *promClient) value(t *testing.T, q string) (float64, bool) {
	t.Helper()
	r := p.query(t, q)
	if len(r) != 1 {
		return 0, false
	}
	s, _ := r[0].Value[1].(string)
	v, err := strconv.ParseFloat(s, 64)
	return v, err == nil
}
