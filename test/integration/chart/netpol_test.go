package chart

import (
	"context"
	"encoding/json"
	"net/netip"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/superkube/super-kubenetes/internal/testutil/netpoleval"
)

// rendered is what the evaluator needs from a rendered chart: its
// policies, and each component's pods (by the component label) with their
// labels and named ports.
type rendered struct {
	policies []networkingv1.NetworkPolicy
	pods     map[string]netpoleval.Pod
	// containerPorts are the ports each component's containers declare.
	containerPorts map[string][]int32
}

func renderNetwork(t *testing.T, h *helm, vals map[string]any) rendered {
	t.Helper()
	manifest, err := h.render(vals)
	if err != nil {
		t.Fatalf("helm template: %v", err)
	}
	r := rendered{pods: map[string]netpoleval.Pod{}, containerPorts: map[string][]int32{}}
	for _, o := range manifestDocs(t, manifest) {
		if o["kind"] != "NetworkPolicy" {
			continue
		}
		raw, err := json.Marshal(o)
		if err != nil {
			t.Fatal(err)
		}
		var p networkingv1.NetworkPolicy
		if err := json.Unmarshal(raw, &p); err != nil {
			t.Fatalf("a NetworkPolicy: %v", err)
		}
		r.policies = append(r.policies, p)
	}
	for _, w := range workloads(t, manifest) {
		component := w.pod.Labels["app.kubernetes.io/component"]
		pod := netpoleval.Pod{Namespace: h.namespace, Labels: w.pod.Labels, Ports: map[string]int32{}}
		for _, c := range w.pod.Spec.Containers {
			for _, p := range c.Ports {
				pod.Ports[p.Name] = p.ContainerPort
				r.containerPorts[component] = append(r.containerPorts[component], p.ContainerPort)
			}
		}
		r.pods[component] = pod
	}
	return r
}

// The namespaces of the matrix: the release's, a tenant's project, the
// monitoring stack's.
func clusterOf(r rendered, namespaces ...string) netpoleval.Cluster {
	nss := map[string]map[string]string{}
	for _, ns := range namespaces {
		nss[ns] = map[string]string{corev1.LabelMetadataName: ns}
	}
	return netpoleval.Cluster{Namespaces: nss, Policies: r.policies}
}

func tenantPod(ns string) netpoleval.Pod {
	return netpoleval.Pod{Namespace: ns, Labels: map[string]string{"app": "web"}}
}

// Outside the cluster's pods: kube-apiserver calling a webhook from the
// host network, a user, an ingress controller on the host network.
var outside = netpoleval.Pod{IP: netip.MustParseAddr("203.0.113.7")}

type connection struct {
	name string
	src  netpoleval.Pod
	dst  string // component
	port int32
	want bool
}

func checkMatrix(t *testing.T, cluster netpoleval.Cluster, r rendered, cases []connection) {
	t.Helper()
	for _, tc := range cases {
		dst, ok := r.pods[tc.dst]
		if !ok {
			t.Errorf("%s: the chart renders no %s pods", tc.name, tc.dst)
			continue
		}
		v, err := cluster.Ingress(tc.src, dst, corev1.ProtocolTCP, tc.port)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if !v.Isolated {
			t.Errorf("%s: no policy isolates the %s pods", tc.name, tc.dst)
		}
		if v.Allowed != tc.want {
			t.Errorf("%s: allowed=%v, want %v (%s)", tc.name, v.Allowed, tc.want, v.By)
		}
	}
}

// checkPolicies checks what holds for every policy of a rendering: each
// pod is selected by exactly one of them, each selects pods, and every
// port a rule names is a port the selected pods' containers declare.
func checkPolicies(t *testing.T, r rendered) {
	t.Helper()
	for component, pod := range r.pods {
		n := 0
		for _, p := range r.policies {
			sel, err := metav1.LabelSelectorAsSelector(&p.Spec.PodSelector)
			if err != nil {
				t.Fatal(err)
			}
			if sel.Matches(labels.Set(pod.Labels)) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("the %s pods are selected by %d policies, want 1", component, n)
		}
	}
	for _, p := range r.policies {
		component := p.Spec.PodSelector.MatchLabels["app.kubernetes.io/component"]
		if _, ok := r.pods[component]; !ok {
			t.Errorf("policy %s selects %q, which the chart does not deploy", p.Name, component)
		}
		if !slices.Equal(p.Spec.PolicyTypes, []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}) {
			t.Errorf("policy %s has types %v, want only Ingress", p.Name, p.Spec.PolicyTypes)
		}
		for _, rule := range p.Spec.Ingress {
			for _, port := range rule.Ports {
				if port.Port == nil || port.Port.Type != intstr.Int || !slices.Contains(r.containerPorts[component], port.Port.IntVal) {
					t.Errorf("policy %s opens port %v, which no %s container declares (%v)", p.Name, port.Port, component, r.containerPorts[component])
				}
			}
		}
	}
}

func TestTheNetworkPoliciesLetInOnlyWhatEachComponentServes(t *testing.T) {
	h := newHelm(t, "sk-netpol", "sknp")
	// The monitoring namespace isolated projects accept is the one whose
	// pods may scrape.
	vals := map[string]any{"controllerManager": map[string]any{"networkIsolation": map[string]any{"monitoringNamespace": "monitoring"}}}
	r := renderNetwork(t, h, vals)
	checkPolicies(t, r)
	cluster := clusterOf(r, h.namespace, "tenant-a", "monitoring")
	tenant := tenantPod("tenant-a")
	monitoring := netpoleval.Pod{Namespace: "monitoring", Labels: map[string]string{"app.kubernetes.io/name": "prometheus"}}
	debug := netpoleval.Pod{Namespace: h.namespace, Labels: map[string]string{"app": "debug"}}
	pod := func(component string) netpoleval.Pod { return r.pods[component] }
	checkMatrix(t, cluster, r, []connection{
		{"a user outside the cluster reaches ke-apiserver's HTTPS port", outside, "apiserver", 9443, true},
		{"a tenant's pod reaches ke-apiserver's HTTPS port", tenant, "apiserver", 9443, true},
		{"a replica forwards a member's request to the other", pod("apiserver"), "apiserver", 9443, true},
		{"a tenant's pod reaches no other port of ke-apiserver", tenant, "apiserver", 8080, false},
		{"a user reaches ke-console", outside, "console", 8443, true},
		{"a tenant's pod reaches ke-console", tenant, "console", 8443, true},
		{"kube-apiserver (host network) reaches the quota webhook", outside, "controller-manager", 9443, true},
		{"a standby forwards a quota review to the elected replica", pod("controller-manager"), "controller-manager", 9443, true},
		{"a tenant's pod cannot scrape ke-controller-manager's metrics", tenant, "controller-manager", 8080, false},
		{"a tenant's pod cannot read the object-state metrics", tenant, "controller-manager", 8085, false},
		{"a tenant's pod cannot reach the health port", tenant, "controller-manager", 8081, false},
		{"the monitoring namespace scrapes ke-controller-manager's metrics", monitoring, "controller-manager", 8080, true},
		{"the monitoring namespace scrapes the object-state metrics", monitoring, "controller-manager", 8085, true},
		{"the monitoring namespace cannot reach the health port", monitoring, "controller-manager", 8081, false},
		{"nobody reaches pprof's port", monitoring, "controller-manager", 6060, false},
		{"ke-apiserver reaches Redis", pod("apiserver"), "redis", 6379, true},
		{"ke-console reaches Redis", pod("console"), "redis", 6379, true},
		{"ke-controller-manager cannot reach Redis", pod("controller-manager"), "redis", 6379, false},
		{"a tenant's pod cannot reach Redis", tenant, "redis", 6379, false},
		{"another pod of the release namespace cannot reach Redis", debug, "redis", 6379, false},
		{"the monitoring namespace cannot reach Redis", monitoring, "redis", 6379, false},
		{"nothing outside reaches Redis", outside, "redis", 6379, false},
		{"vlagent ships to VictoriaLogs", pod("vlagent"), "victoria-logs", 9428, true},
		{"ke-apiserver searches VictoriaLogs", pod("apiserver"), "victoria-logs", 9428, true},
		{"ke-controller-manager writes events to VictoriaLogs", pod("controller-manager"), "victoria-logs", 9428, true},
		{"the monitoring namespace scrapes VictoriaLogs", monitoring, "victoria-logs", 9428, true},
		{"ke-console cannot reach VictoriaLogs", pod("console"), "victoria-logs", 9428, false},
		{"a tenant's pod cannot reach VictoriaLogs", tenant, "victoria-logs", 9428, false},
		{"another pod of the release namespace cannot reach VictoriaLogs", debug, "victoria-logs", 9428, false},
		{"the monitoring namespace scrapes vlagent", monitoring, "vlagent", 9429, true},
		{"a tenant's pod cannot reach vlagent", tenant, "vlagent", 9429, false},
	})

	// The same policies pass kube-apiserver's validation, and are installed
	// (by a new configuration: a client-only render leaves Helm's without a cluster).
	if err := newHelm(t, h.namespace, h.release).install(vals); err != nil {
		t.Fatalf("helm install: %v", err)
	}
	var list networkingv1.NetworkPolicyList
	if err := env.Client.List(context.Background(), &list, client.InNamespace(h.namespace)); err != nil {
		t.Fatal(err)
	}
	var got, want []string
	for _, p := range list.Items {
		got = append(got, p.Name)
	}
	for _, p := range r.policies {
		want = append(want, p.Name)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) || len(want) != 6 {
		t.Errorf("installed policies %v, want the 6 rendered %v", got, want)
	}
}

func TestTheNetworkPoliciesTakeOtherScrapersAndExtraRules(t *testing.T) {
	h := newHelm(t, "sk-netpol-values", "sknpv")
	prometheus := map[string]any{
		"namespaceSelector": map[string]any{"matchLabels": map[string]any{corev1.LabelMetadataName: "observability"}},
		"podSelector":       map[string]any{"matchLabels": map[string]any{"app": "prometheus"}},
	}
	backup := map[string]any{
		"from":  []any{map[string]any{"namespaceSelector": map[string]any{"matchLabels": map[string]any{corev1.LabelMetadataName: "backup"}}}},
		"ports": []any{map[string]any{"port": 6379, "protocol": "TCP"}},
	}
	vals := map[string]any{
		"logging": map[string]any{"agent": map[string]any{"enabled": false}},
		"networkPolicy": map[string]any{
			"metrics":      map[string]any{"from": []any{prometheus}},
			"extraIngress": map[string]any{"redis": []any{backup}},
		},
	}
	r := renderNetwork(t, h, vals)
	checkPolicies(t, r)
	cluster := clusterOf(r, h.namespace, "observability", "monitoring", "backup")
	prom := netpoleval.Pod{Namespace: "observability", Labels: map[string]string{"app": "prometheus"}}
	grafana := netpoleval.Pod{Namespace: "observability", Labels: map[string]string{"app": "grafana"}}
	checkMatrix(t, cluster, r, []connection{
		{"the selected Prometheus scrapes ke-controller-manager", prom, "controller-manager", 8080, true},
		{"the selected Prometheus scrapes VictoriaLogs", prom, "victoria-logs", 9428, true},
		{"another pod of its namespace cannot", grafana, "controller-manager", 8080, false},
		{"the monitoring namespace of network isolation no longer can", tenantPod(h.namespace), "controller-manager", 8080, false},
		{"the backup namespace reaches Redis by its extra rule", tenantPod("backup"), "redis", 6379, true},
		{"the extra rule opens no other component", tenantPod("backup"), "victoria-logs", 9428, false},
	})
	if _, ok := r.pods["vlagent"]; ok {
		t.Error("vlagent rendered though disabled")
	}

	// By default the pods of the release namespace scrape (the monitoring
	// namespace network isolation defaults to), and nothing else changes.
	r = renderNetwork(t, h, map[string]any{})
	checkPolicies(t, r)
	checkMatrix(t, clusterOf(r, h.namespace, "monitoring"), r, []connection{
		{"by default the release namespace's pods scrape ke-controller-manager", tenantPod(h.namespace), "controller-manager", 8080, true},
		{"by default the release namespace's pods scrape vlagent", tenantPod(h.namespace), "vlagent", 9429, true},
		{"by default another namespace's pods cannot scrape", tenantPod("monitoring"), "controller-manager", 8080, false},
		{"the release namespace's other pods still cannot reach Redis", tenantPod(h.namespace), "redis", 6379, false},
		{"the webhook stays open", outside, "controller-manager", 9443, true},
	})

	// Turned off: no policy at all.
	r = renderNetwork(t, h, map[string]any{"networkPolicy": map[string]any{"enabled": false}})
	if len(r.policies) != 0 {
		t.Errorf("networkPolicy.enabled=false renders %d policies", len(r.policies))
	}
}

func TestTheMemberModeNetworkPolicyLetsInOnlyTheWebhook(t *testing.T) {
	h := newHelm(t, "sk-netpol-member", "sknpm")
	r := renderNetwork(t, h, memberValues())
	checkPolicies(t, r)
	if len(r.policies) != 1 {
		t.Fatalf("member mode renders %d policies, want 1", len(r.policies))
	}
	cluster := clusterOf(r, h.namespace, "tenant-a")
	checkMatrix(t, cluster, r, []connection{
		{"the member's kube-apiserver reaches ke-agent's webhook", outside, "agent", 9443, true},
		{"a tenant's pod reaches the webhook port too (kube-apiserver cannot be named)", tenantPod("tenant-a"), "agent", 9443, true},
		{"no other port of ke-agent is open", tenantPod("tenant-a"), "agent", 8080, false},
	})

	vals := memberValues()
	vals["agent"].(map[string]any)["quotaWebhook"] = map[string]any{"enabled": false}
	r = renderNetwork(t, h, vals)
	checkPolicies(t, r)
	checkMatrix(t, clusterOf(r, h.namespace), r, []connection{
		{"without the webhook nothing reaches ke-agent", outside, "agent", 9443, false},
	})
}
