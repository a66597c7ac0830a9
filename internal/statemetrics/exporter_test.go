package statemetrics_test

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	"github.com/superkube/super-kubenetes/internal/statemetrics"
	"github.com/superkube/super-kubenetes/internal/testutil/envtest"
)

var env *envtest.Environment

func TestMain(m *testing.M) { envtest.Run(m, &env, envtest.Options{}) }

// documented is one line of testdata/kube-state-metrics.txt.
type documented struct {
	typ    string
	labels []string
}

func readDocumented(t *testing.T) map[string]documented {
	t.Helper()
	f, err := os.Open("testdata/kube-state-metrics.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	out := map[string]documented{}
	s := bufio.NewScanner(f)
	for s.Scan() {
		fields := strings.Fields(s.Text())
		if len(fields) < 3 || strings.HasPrefix(fields[0], "#") {
			continue
		}
		labels := fields[2:]
		slices.Sort(labels)
		out[fields[0]] = documented{typ: fields[1], labels: labels}
	}
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// seed creates in namespace ns one object of each kind the exporter reads,
// with the status fields its series read, and a node named node.
func seed(t *testing.T, ns, node string) {
	t.Helper()
	ctx := context.Background()
	c := env.Client
	create := func(obj client.Object) {
		t.Helper()
		if err := c.Create(ctx, obj); err != nil {
			t.Fatal(err)
		}
	}
	status := func(obj client.Object) {
		t.Helper()
		if err := c.Status().Update(ctx, obj); err != nil {
			t.Fatal(err)
		}
	}
	create(&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: map[string]string{tenantv1beta1.WorkspaceLabel: "ws-a", "other": "x"}}})
	labels := map[string]string{"app": "web"}
	template := corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "nginx"}}}}
	dep := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "web"},
		Spec: appsv1.DeploymentSpec{Replicas: ptr.To[int32](3), Selector: &metav1.LabelSelector{MatchLabels: labels}, Template: template}}
	create(dep)
	dep.Status = appsv1.DeploymentStatus{Replicas: 3, AvailableReplicas: 2, ReadyReplicas: 2}
	status(dep)
	rs := &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "web-5d9c",
		OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "Deployment", Name: "web", UID: dep.UID, Controller: ptr.To(true)}}},
		Spec: appsv1.ReplicaSetSpec{Replicas: ptr.To[int32](3), Selector: &metav1.LabelSelector{MatchLabels: labels}, Template: template}}
	create(rs)
	create(&appsv1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "db"},
		Spec: appsv1.StatefulSetSpec{Replicas: ptr.To[int32](2), Selector: &metav1.LabelSelector{MatchLabels: labels}, Template: template}})
	create(&appsv1.DaemonSet{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "agent"},
		Spec: appsv1.DaemonSetSpec{Selector: &metav1.LabelSelector{MatchLabels: labels}, Template: template}})
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "web-5d9c-x1", Labels: labels,
		Annotations:     map[string]string{"big": strings.Repeat("a", 4096)},
		OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: rs.Name, UID: rs.UID, Controller: ptr.To(true)}}},
		Spec: corev1.PodSpec{NodeName: node, Containers: []corev1.Container{{Name: "web", Image: "nginx", Resources: corev1.ResourceRequirements{
			Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("250m"), corev1.ResourceMemory: resource.MustParse("64Mi")},
			Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1"), corev1.ResourceMemory: resource.MustParse("128Mi")},
		}}}}}
	create(pod)
	pod.Status = corev1.PodStatus{Phase: corev1.PodRunning, HostIP: "10.0.0.1", PodIP: "10.244.0.5",
		ContainerStatuses: []corev1.ContainerStatus{{Name: "web", Image: "nginx", ImageID: "nginx", Ready: true, RestartCount: 3}}}
	status(pod)
	pvc := &corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "data"},
		Spec: corev1.PersistentVolumeClaimSpec{AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			Resources: corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}}}}
	create(pvc)
	pvc.Status.Phase = corev1.ClaimBound
	status(pvc)
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: node}, Spec: corev1.NodeSpec{PodCIDR: "10.244.0.0/24", ProviderID: "kwok://" + node}}
	create(n)
	n.Status = corev1.NodeStatus{
		Capacity:    corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("4"), corev1.ResourceMemory: resource.MustParse("8Gi"), corev1.ResourcePods: resource.MustParse("110")},
		Allocatable: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("3500m"), corev1.ResourceMemory: resource.MustParse("7Gi"), corev1.ResourcePods: resource.MustParse("110")},
		Conditions:  []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}},
		Addresses:   []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "10.0.0.1"}},
		NodeInfo:    corev1.NodeSystemInfo{KubeletVersion: "v1.34.0", OSImage: "kwok \"1\" \\ \n", KernelVersion: "6.1", ContainerRuntimeVersion: "kwok"},
	}
	status(n)
}

// start runs an exporter until the test ends and waits until it exports.
func start(t *testing.T) *statemetrics.Exporter {
	t.Helper()
	e, err := statemetrics.New(env.Config, statemetrics.Options{NamespaceLabels: []string{tenantv1beta1.WorkspaceLabel}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.Start(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	waitExporting(t, e)
	return e
}

func waitExporting(t *testing.T, e *statemetrics.Exporter) {
	t.Helper()
	err := wait.PollUntilContextTimeout(context.Background(), 50*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
		return e.Exporting(), nil
	})
	if err != nil {
		t.Fatal("the exporter did not fill its cache in 30s")
	}
}

// gather scrapes the exporter's page and parses it, which fails on what
// Prometheus' text format does not allow (a family whose series are split
// or announced twice), and returns the families by name, keeping of each
// only the series whose label match has value (all when match is empty).
func gather(t *testing.T, e *statemetrics.Exporter, match, value string) map[string]*dto.MetricFamily {
	t.Helper()
	parser := expfmt.NewTextParser(model.LegacyValidation)
	mfs, err := parser.TextToMetricFamilies(strings.NewReader(scrape(t, e)))
	if err != nil {
		t.Fatalf("the page is not in Prometheus' text format: %v", err)
	}
	out := map[string]*dto.MetricFamily{}
	for name, mf := range mfs {
		var kept []*dto.Metric
		for _, m := range mf.Metric {
			if match == "" || label(m, match) == value {
				kept = append(kept, m)
			}
		}
		if len(kept) > 0 {
			mf.Metric = kept
			out[name] = mf
		}
	}
	return out
}

func label(m *dto.Metric, name string) string {
	for _, l := range m.Label {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

func TestTheSeriesHaveKubeStateMetricsNamesLabelsAndTypes(t *testing.T) {
	seed(t, "ksm-names", "node-names")
	got := gather(t, start(t), "", "")
	docs := readDocumented(t)
	for name, doc := range docs {
		mf, ok := got[name]
		if !ok {
			t.Errorf("%s is not exported", name)
			continue
		}
		if typ := strings.ToLower(mf.GetType().String()); typ != doc.typ {
			t.Errorf("%s is a %s, kube-state-metrics documents a %s", name, typ, doc.typ)
		}
		seen := map[string]bool{}
		for _, m := range mf.Metric {
			var key string
			for _, l := range m.Label {
				key += l.GetName() + "=" + strconv.Quote(l.GetValue()) + ","
			}
			if seen[key] {
				t.Errorf("%s has the series %s twice", name, key)
			} else {
				seen[key] = true
			}
			var labels []string
			for _, l := range m.Label {
				n := l.GetName()
				if slices.Contains(doc.labels, "label_*") && strings.HasPrefix(n, "label_") {
					n = "label_*"
				}
				if !slices.Contains(labels, n) {
					labels = append(labels, n)
				}
			}
			slices.Sort(labels)
			if !slices.Equal(labels, doc.labels) {
				t.Errorf("%s has the labels %v, kube-state-metrics documents %v", name, labels, doc.labels)
				break
			}
		}
	}
	for name := range got {
		if _, ok := docs[name]; !ok {
			t.Errorf("%s is exported but not in testdata/kube-state-metrics.txt", name)
		}
	}
}

// value returns the value of the one series of family name whose labels
// include want, failing the test unless there is exactly one.
func value(t *testing.T, got map[string]*dto.MetricFamily, name string, want map[string]string) float64 {
	t.Helper()
	var found []float64
	for _, m := range got[name].GetMetric() {
		ok := true
		for k, v := range want {
			ok = ok && label(m, k) == v
		}
		if !ok {
			continue
		}
		switch {
		case m.Gauge != nil:
			found = append(found, m.Gauge.GetValue())
		case m.Counter != nil:
			found = append(found, m.Counter.GetValue())
		}
	}
	if len(found) != 1 {
		t.Errorf("%d series of %s%v, want 1", len(found), name, want)
		return 0
	}
	return found[0]
}

func TestTheSeriesCarryTheObjectsState(t *testing.T) {
	const ns, node = "ksm-values", "node-values"
	seed(t, ns, node)
	e := start(t)
	got := gather(t, e, "namespace", ns)
	for name, g := range gather(t, e, "node", node) {
		if _, ok := got[name]; !ok {
			got[name] = g
		}
	}
	pod := map[string]string{"namespace": ns, "pod": "web-5d9c-x1"}
	with := func(m map[string]string, kv ...string) map[string]string {
		out := map[string]string{}
		for k, v := range m {
			out[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			out[kv[i]] = kv[i+1]
		}
		return out
	}
	for _, c := range []struct {
		name string
		with map[string]string
		want float64
	}{
		{"kube_pod_info", with(pod, "node", node, "created_by_kind", "ReplicaSet", "created_by_name", "web-5d9c", "host_ip", "10.0.0.1", "pod_ip", "10.244.0.5", "host_network", "false"), 1},
		{"kube_pod_owner", with(pod, "owner_kind", "ReplicaSet", "owner_name", "web-5d9c", "owner_is_controller", "true"), 1},
		{"kube_pod_status_phase", with(pod, "phase", "Running"), 1},
		{"kube_pod_status_phase", with(pod, "phase", "Pending"), 0},
		{"kube_pod_container_status_restarts_total", with(pod, "container", "web"), 3},
		{"kube_pod_container_status_ready", with(pod, "container", "web"), 1},
		{"kube_pod_container_resource_requests", with(pod, "container", "web", "node", node, "resource", "cpu", "unit", "core"), 0.25},
		{"kube_pod_container_resource_requests", with(pod, "resource", "memory", "unit", "byte"), 64 << 20},
		{"kube_pod_container_resource_limits", with(pod, "resource", "cpu", "unit", "core"), 1},
		{"kube_deployment_spec_replicas", map[string]string{"namespace": ns, "deployment": "web"}, 3},
		{"kube_deployment_status_replicas_available", map[string]string{"namespace": ns, "deployment": "web"}, 2},
		{"kube_statefulset_replicas", map[string]string{"namespace": ns, "statefulset": "db"}, 2},
		{"kube_replicaset_owner", map[string]string{"namespace": ns, "replicaset": "web-5d9c", "owner_kind": "Deployment", "owner_name": "web", "owner_is_controller": "true"}, 1},
		{"kube_namespace_labels", map[string]string{"namespace": ns, "label_superkube_io_workspace": "ws-a"}, 1},
		{"kube_persistentvolumeclaim_status_phase", map[string]string{"namespace": ns, "persistentvolumeclaim": "data", "phase": "Bound"}, 1},
		{"kube_persistentvolumeclaim_status_phase", map[string]string{"namespace": ns, "persistentvolumeclaim": "data", "phase": "Lost"}, 0},
		{"kube_persistentvolumeclaim_resource_requests_storage_bytes", map[string]string{"namespace": ns, "persistentvolumeclaim": "data"}, 1 << 30},
		{"kube_node_status_condition", map[string]string{"node": node, "condition": "Ready", "status": "true"}, 1},
		{"kube_node_status_condition", map[string]string{"node": node, "condition": "Ready", "status": "unknown"}, 0},
		{"kube_node_status_allocatable", map[string]string{"node": node, "resource": "cpu", "unit": "core"}, 3.5},
		{"kube_node_status_capacity", map[string]string{"node": node, "resource": "pods", "unit": "integer"}, 110},
		{"kube_node_info", map[string]string{"node": node, "kubelet_version": "v1.34.0", "os_image": "kwok \"1\" \\ \n", "internal_ip": "10.0.0.1", "pod_cidr": "10.244.0.0/24"}, 1},
	} {
		if v := value(t, got, c.name, c.with); v != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.with, v, c.want)
		}
	}
	if mf := got["kube_namespace_labels"]; mf != nil && label(mf.Metric[0], "label_other") != "" {
		t.Error("kube_namespace_labels exports a label that is not allowed")
	}
	created := value(t, got, "kube_namespace_created", map[string]string{"namespace": ns})
	if age := time.Since(time.Unix(int64(created), 0)); age < 0 || age > 5*time.Minute {
		t.Errorf("kube_namespace_created is %v, not the namespace's creation", created)
	}
}

func TestTheSeriesFollowChanges(t *testing.T) {
	const ns, node = "ksm-changes", "node-changes"
	seed(t, ns, node)
	e := start(t)
	dep := &appsv1.Deployment{}
	if err := env.Client.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "web"}, dep); err != nil {
		t.Fatal(err)
	}
	dep.Spec.Replicas = ptr.To[int32](5)
	if err := env.Client.Update(context.Background(), dep); err != nil {
		t.Fatal(err)
	}
	// No kubelet confirms a graceful deletion here: delete at once.
	if err := env.Client.Delete(context.Background(), &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "web-5d9c-x1"}}, client.GracePeriodSeconds(0)); err != nil {
		t.Fatal(err)
	}
	err := wait.PollUntilContextTimeout(context.Background(), 50*time.Millisecond, 10*time.Second, true, func(context.Context) (bool, error) {
		got := gather(t, e, "namespace", ns)
		replicas := got["kube_deployment_spec_replicas"]
		return got["kube_pod_info"] == nil && replicas != nil && replicas.Metric[0].GetGauge().GetValue() == 5, nil
	})
	if err != nil {
		t.Error("the series did not follow a scaled deployment and a deleted pod within 10s")
	}
}

func TestAnExporterThatDoesNotRunServesAValidPageWithoutSeries(t *testing.T) {
	seed(t, "ksm-standby", "node-standby")
	e, err := statemetrics.New(env.Config, statemetrics.Options{})
	if err != nil {
		t.Fatal(err)
	}
	body := scrape(t, e)
	if strings.TrimSpace(body) != "" {
		t.Errorf("a standby exporter served series:\n%s", body)
	}

	// Once it runs it exports; once it stops (leadership lost) it exports nothing again.
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.Start(ctx) }()
	waitExporting(t, e)
	if body := scrape(t, e); !strings.Contains(body, `kube_pod_info{`) {
		t.Errorf("the running exporter served no pods:\n%.500s", body)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if body := scrape(t, e); strings.TrimSpace(body) != "" {
		t.Errorf("a stopped exporter served series:\n%.500s", body)
	}
}

func scrape(t *testing.T, e *statemetrics.Exporter) string {
	t.Helper()
	srv := httptest.NewServer(e.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL + statemetrics.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, b)
	}
	return string(b)
}

func TestTheCollectorServesARegistryToo(t *testing.T) {
	seed(t, "ksm-registry", "node-registry")
	e := start(t)
	reg := prometheus.NewPedanticRegistry()
	if err := reg.Register(e.Collector()); err != nil {
		t.Fatal(err)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatalf("a pedantic registry refuses the series: %v", err)
	}
	streamed := gather(t, e, "", "")
	for _, mf := range mfs {
		if s := streamed[mf.GetName()]; s == nil || len(s.Metric) != len(mf.Metric) || s.GetType() != mf.GetType() {
			t.Errorf("the registry gathers %d series of %s, the page has %v", len(mf.Metric), mf.GetName(), s)
		}
	}
	if len(mfs) != len(streamed) {
		t.Errorf("the registry gathers %d families, the page has %d", len(mfs), len(streamed))
	}
}
