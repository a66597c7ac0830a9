package meshsim

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/superkube/super-kubenetes/internal/scheme"
	"github.com/superkube/super-kubenetes/internal/testutil/envtest"
)

var env *envtest.Environment

// The control plane has no Istio CRDs: the simulator splits by replicas.
func TestMain(m *testing.M) { envtest.Run(m, &env, envtest.Options{}) }

func scrape(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(url) //nolint:noctx // the test's own server
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(string(body)))
	if err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	return fams
}

func TestTheCountersGrowAtTheAnnotatedRatesWithoutIstioCRDs(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c, err := client.New(env.Config, client.Options{Scheme: scheme.New()})
	if err != nil {
		t.Fatal(err)
	}
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "sim"}}
	l := map[string]string{"app": "api", "version": "v3"}
	replicas := int32(1)
	for _, o := range []client.Object{ns,
		&corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: "sim", Name: "api", Annotations: map[string]string{AnnotationIngressRPS: "100"}},
			Spec: corev1.ServiceSpec{Selector: map[string]string{"app": "api"}, Ports: []corev1.ServicePort{{Port: 80}}}},
		&appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: "sim", Name: "api-v3", Annotations: map[string]string{AnnotationErrorRatio: "0.25"}},
			Spec: appsv1.DeploymentSpec{Replicas: &replicas, Selector: &metav1.LabelSelector{MatchLabels: l},
				Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: l}, Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "x"}}}}}},
	} {
		if err := c.Create(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := Start(ctx, env.Config, ln); err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String() + "/metrics"
	var fams map[string]*dto.MetricFamily
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		fams = scrape(t, url)
		if f, ok := fams[RequestsTotal]; ok && len(f.GetMetric()) == 2 && f.GetMetric()[0].GetCounter().GetValue() > 0 {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	start := time.Now()
	time.Sleep(time.Second)
	before := codes(fams)
	after := codes(scrape(t, url))
	elapsed := time.Since(start).Seconds()
	ok := after["200"] - before["200"]
	fail := after["503"] - before["503"]
	if ok < 75*elapsed*0.5 || ok > 75*elapsed*1.5 || fail < 25*elapsed*0.5 || fail > 25*elapsed*1.5 {
		t.Errorf("in %.2fs: %v 200s and %v 503s, want about 75 and 25 a second", elapsed, ok, fail)
	}
	m := fams[RequestsTotal].GetMetric()[0]
	labels := map[string]string{}
	for _, lp := range m.GetLabel() {
		labels[lp.GetName()] = lp.GetValue()
	}
	want := map[string]string{"reporter": "destination", "source_workload": "unknown", "destination_workload": "api-v3", "destination_app": "api",
		"destination_version": "v3", "destination_service": "api.sim.svc.cluster.local", "destination_service_name": "api",
		"destination_service_namespace": "sim", "destination_workload_namespace": "sim", "request_protocol": "http"}
	for k, v := range want {
		if labels[k] != v {
			t.Errorf("%s=%q, want %q", k, labels[k], v)
		}
	}
	if h := fams[RequestDuration]; h == nil || len(h.GetMetric()[0].GetHistogram().GetBucket()) < len(DurationBuckets) {
		t.Errorf("durations: %v", h)
	}
}

func codes(fams map[string]*dto.MetricFamily) map[string]float64 {
	out := map[string]float64{}
	for _, m := range fams[RequestsTotal].GetMetric() {
		for _, lp := range m.GetLabel() {
			if lp.GetName() == "response_code" {
				out[lp.GetValue()] += m.GetCounter().GetValue()
			}
		}
	}
	return out
}
