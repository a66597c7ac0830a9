package network

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	networkv1alpha1 "github.com/superkube/super-kubenetes/api/network/v1alpha1"
	"github.com/superkube/super-kubenetes/internal/testutil/netpoleval"
)

// connection is a protocol and port on the destination pod.
type connection struct {
	proto corev1.Protocol
	port  int32
}

func (c connection) String() string { return fmt.Sprintf("%s/%d", c.proto, c.port) }

// The connections tried for every pair: the allowed sources' port, another
// port, and the allowed port number over another protocol.
var connections = []connection{{corev1.ProtocolTCP, 8080}, {corev1.ProtocolTCP, 9090}, {corev1.ProtocolUDP, 8080}}

// TestEvaluatorMatrix isolates a workspace and a project, reads the
// NetworkPolicies ke-controller-manager generated back from kube-apiserver,
// and checks with a NetworkPolicy evaluator which source may reach which
// destination, for every pair of the matrix. The test cluster has no data
// path: no packet is sent.
//
// Setup:
//   - workspace mx-a is isolated (spec.networkIsolation); its project mx-a1
//     has a NetworkIsolation that is not enabled, with one allowed source:
//     198.51.100.0/24 on TCP 9090;
//   - project mx-b1 of workspace mx-b (not isolated) is isolated by its
//     NetworkIsolation with the allowed sources: workspace mx-c (every
//     port); namespace mx-partner on TCP 8080; 203.0.113.0/24 except
//     203.0.113.128/25 on TCP 8080;
//   - project mx-b2 of mx-b is not isolated (the control column);
//   - kube-system, ingress-system and monitoring-system are the configured
//     DNS, ingress and monitoring namespaces.
func TestEvaluatorMatrix(t *testing.T) {
	ctx := context.Background()
	for _, name := range []string{ingressNS, monitoringNS} {
		if err := k8s.Create(ctx, newNamespace(name, "")); err != nil && !apierrors.IsAlreadyExists(err) {
			t.Fatal(err)
		}
	}
	create(t, newWorkspace("mx-a", true))
	create(t, newWorkspace("mx-b", false))
	create(t, newWorkspace("mx-c", false))
	for ns, ws := range map[string]string{"mx-a1": "mx-a", "mx-a2": "mx-a", "mx-b1": "mx-b", "mx-b2": "mx-b", "mx-c1": "mx-c", "mx-partner": ""} {
		create(t, newNamespace(ns, ws))
	}
	create(t, newIsolation("mx-a1", false, networkv1alpha1.AllowedSource{
		CIDRs: []networkv1alpha1.IPBlock{{CIDR: "198.51.100.0/24"}}, Ports: []networkv1alpha1.Port{{Port: 9090}}}))
	create(t, newIsolation("mx-b1", true,
		networkv1alpha1.AllowedSource{Workspaces: []string{"mx-c"}},
		networkv1alpha1.AllowedSource{Namespaces: []string{"mx-partner"}, Ports: []networkv1alpha1.Port{{Protocol: "TCP", Port: 8080}}},
		networkv1alpha1.AllowedSource{CIDRs: []networkv1alpha1.IPBlock{{CIDR: "203.0.113.0/24", Except: []networkv1alpha1.CIDR{"203.0.113.128/25"}}},
			Ports: []networkv1alpha1.Port{{Port: 8080}}},
	))
	expectPolicies(t, "mx-a1", networkv1alpha1.WorkspacePolicyName)
	expectPolicies(t, "mx-a2", networkv1alpha1.WorkspacePolicyName)
	expectPolicies(t, "mx-b1", networkv1alpha1.ProjectPolicyName)
	expectPolicies(t, "mx-b2")
	isolationStatus(t, "mx-a1", networkv1alpha1.IsolationWorkspace, networkv1alpha1.ReasonEnforced)
	isolationStatus(t, "mx-b1", networkv1alpha1.IsolationProject, networkv1alpha1.ReasonEnforced)

	// What the evaluator sees is what kube-apiserver stores.
	cluster := netpoleval.Cluster{Namespaces: map[string]map[string]string{}}
	nsList := &corev1.NamespaceList{}
	if err := k8s.List(ctx, nsList); err != nil {
		t.Fatal(err)
	}
	for _, ns := range nsList.Items {
		cluster.Namespaces[ns.Name] = ns.Labels
	}
	policies := &networkingv1.NetworkPolicyList{}
	if err := k8s.List(ctx, policies); err != nil {
		t.Fatal(err)
	}
	cluster.Policies = policies.Items
	for _, p := range policies.Items {
		if strings.HasPrefix(p.Namespace, "mx-") {
			t.Logf("policy %s/%s: %d ingress rules", p.Namespace, p.Name, len(p.Spec.Ingress))
		}
	}

	pod := func(ns string, i int) netpoleval.Pod {
		return netpoleval.Pod{Namespace: ns, Labels: map[string]string{"app": "server"}, IP: netip.AddrFrom4([4]byte{10, 244, byte(i), 10})}
	}
	outside := func(ip string) netpoleval.Pod { return netpoleval.Pod{IP: netip.MustParseAddr(ip)} }
	destinations := []string{"mx-a1", "mx-b1", "mx-b2"}
	// Each cell is one letter per connection (TCP/8080, TCP/9090, UDP/8080):
	// Y allowed, n denied.
	matrix := []struct {
		source string
		pod    netpoleval.Pod
		cells  []string // per destination
	}{
		{"pod in mx-a1 (workspace mx-a)", pod("mx-a1", 1), []string{"YYY", "nnn", "YYY"}},
		{"pod in mx-a2 (workspace mx-a)", pod("mx-a2", 2), []string{"YYY", "nnn", "YYY"}},
		{"pod in mx-b1 (workspace mx-b)", pod("mx-b1", 3), []string{"nnn", "YYY", "YYY"}},
		{"pod in mx-b2 (workspace mx-b)", pod("mx-b2", 4), []string{"nnn", "nnn", "YYY"}},
		{"pod in mx-c1 (workspace mx-c)", pod("mx-c1", 5), []string{"nnn", "YYY", "YYY"}},
		{"pod in mx-partner (no workspace)", pod("mx-partner", 6), []string{"nnn", "Ynn", "YYY"}},
		{"pod in kube-system (DNS)", pod(dnsNS, 7), []string{"YYY", "YYY", "YYY"}},
		{"pod in ingress-system (ingress)", pod(ingressNS, 8), []string{"YYY", "YYY", "YYY"}},
		{"pod in monitoring-system", pod(monitoringNS, 9), []string{"YYY", "YYY", "YYY"}},
		{"203.0.113.10 (allowed CIDR)", outside("203.0.113.10"), []string{"nnn", "Ynn", "YYY"}},
		{"203.0.113.200 (CIDR's except)", outside("203.0.113.200"), []string{"nnn", "nnn", "YYY"}},
		{"198.51.100.7 (mx-a1's CIDR)", outside("198.51.100.7"), []string{"nYn", "nnn", "YYY"}},
		{"192.0.2.1 (not allowed)", outside("192.0.2.1"), []string{"nnn", "nnn", "YYY"}},
	}

	var table strings.Builder
	fmt.Fprintf(&table, "\n%-36s", "source \\ destination")
	for _, d := range destinations {
		fmt.Fprintf(&table, " | %-10s", d)
	}
	fmt.Fprintf(&table, "\n%-36s", "(TCP/8080 TCP/9090 UDP/8080)")
	for range destinations {
		fmt.Fprintf(&table, " | %-10s", "")
	}
	table.WriteString("\n")
	failures := 0
	for _, row := range matrix {
		fmt.Fprintf(&table, "%-36s", row.source)
		for di, d := range destinations {
			got := ""
			for ci, c := range connections {
				v, err := cluster.Ingress(row.pod, pod(d, 100+di), c.proto, c.port)
				if err != nil {
					t.Fatal(err)
				}
				letter := "n"
				if v.Allowed {
					letter = "Y"
				}
				got += letter
				if want := row.cells[di][ci : ci+1]; want != letter {
					failures++
					t.Errorf("%s -> %s %s: allowed=%v, want %s (%s)", row.source, d, c, v.Allowed, want, v.By)
				}
			}
			fmt.Fprintf(&table, " | %-10s", got)
		}
		table.WriteString("\n")
	}
	t.Logf("evaluated matrix (Y allowed, n denied), %d pairs x %d connections, %d mismatches:%s",
		len(matrix)*len(destinations), len(connections), failures, table.String())
}
