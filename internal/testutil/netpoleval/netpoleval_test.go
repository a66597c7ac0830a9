package netpoleval

import (
	"net/netip"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

func policy(ns string, podSel metav1.LabelSelector, types []networkingv1.PolicyType, rules ...networkingv1.NetworkPolicyIngressRule) networkingv1.NetworkPolicy {
	return networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: ns},
		Spec: networkingv1.NetworkPolicySpec{PodSelector: podSel, PolicyTypes: types, Ingress: rules}}
}

func port(proto corev1.Protocol, p intstr.IntOrString, end *int32) networkingv1.NetworkPolicyPort {
	return networkingv1.NetworkPolicyPort{Protocol: &proto, Port: &p, EndPort: end}
}

// TestSemantics checks the evaluator against the cases the NetworkPolicy
// documentation spells out.
func TestSemantics(t *testing.T) {
	nss := map[string]map[string]string{
		"a": {"team": "x", corev1.LabelMetadataName: "a"},
		"b": {"team": "y", corev1.LabelMetadataName: "b"},
	}
	web := Pod{Namespace: "a", Labels: map[string]string{"app": "web"}, Ports: map[string]int32{"http": 8080}}
	db := Pod{Namespace: "a", Labels: map[string]string{"app": "db"}}
	inB := Pod{Namespace: "b", Labels: map[string]string{"app": "web"}}
	ext := func(ip string) Pod { return Pod{IP: netip.MustParseAddr(ip)} }
	all := metav1.LabelSelector{}
	appWeb := metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}
	teamY := &metav1.LabelSelector{MatchLabels: map[string]string{"team": "y"}}
	ingress := []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}
	egress := []networkingv1.PolicyType{networkingv1.PolicyTypeEgress}
	from := func(peers ...networkingv1.NetworkPolicyPeer) networkingv1.NetworkPolicyIngressRule {
		return networkingv1.NetworkPolicyIngressRule{From: peers}
	}
	cases := []struct {
		name     string
		policies []networkingv1.NetworkPolicy
		src, dst Pod
		proto    corev1.Protocol
		port     int32
		want     bool
	}{
		{"no policy allows", nil, inB, db, "", 80, true},
		{"deny all (no rules)", []networkingv1.NetworkPolicy{policy("a", all, ingress)}, db, web, "", 80, false},
		{"policy selecting another pod does not isolate", []networkingv1.NetworkPolicy{policy("a", appWeb, ingress)}, inB, db, "", 80, true},
		{"egress-only policy does not isolate ingress", []networkingv1.NetworkPolicy{policy("a", all, egress)}, inB, db, "", 80, true},
		{"empty policyTypes means ingress", []networkingv1.NetworkPolicy{policy("a", all, nil)}, inB, db, "", 80, false},
		{"empty rule allows everything", []networkingv1.NetworkPolicy{policy("a", all, ingress, networkingv1.NetworkPolicyIngressRule{})}, ext("1.2.3.4"), db, "", 80, true},
		{"podSelector alone is the policy's namespace", []networkingv1.NetworkPolicy{policy("a", all, ingress, from(networkingv1.NetworkPolicyPeer{PodSelector: &all}))}, inB, db, "", 80, false},
		{"podSelector alone, same namespace", []networkingv1.NetworkPolicy{policy("a", all, ingress, from(networkingv1.NetworkPolicyPeer{PodSelector: &all}))}, web, db, "", 80, true},
		{"namespaceSelector", []networkingv1.NetworkPolicy{policy("a", all, ingress, from(networkingv1.NetworkPolicyPeer{NamespaceSelector: teamY}))}, inB, db, "", 80, true},
		{"namespace and pod selector need both", []networkingv1.NetworkPolicy{policy("a", all, ingress, from(networkingv1.NetworkPolicyPeer{NamespaceSelector: teamY, PodSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "db"}}}))}, inB, db, "", 80, false},
		{"selectors never match outside addresses", []networkingv1.NetworkPolicy{policy("a", all, ingress, from(networkingv1.NetworkPolicyPeer{NamespaceSelector: &all}))}, ext("10.0.0.1"), db, "", 80, false},
		{"ipBlock", []networkingv1.NetworkPolicy{policy("a", all, ingress, from(networkingv1.NetworkPolicyPeer{IPBlock: &networkingv1.IPBlock{CIDR: "10.0.0.0/8", Except: []string{"10.1.0.0/16"}}}))}, ext("10.2.0.1"), db, "", 80, true},
		{"ipBlock except", []networkingv1.NetworkPolicy{policy("a", all, ingress, from(networkingv1.NetworkPolicyPeer{IPBlock: &networkingv1.IPBlock{CIDR: "10.0.0.0/8", Except: []string{"10.1.0.0/16"}}}))}, ext("10.1.0.1"), db, "", 80, false},
		{"port", []networkingv1.NetworkPolicy{policy("a", all, ingress, networkingv1.NetworkPolicyIngressRule{Ports: []networkingv1.NetworkPolicyPort{port(corev1.ProtocolTCP, intstr.FromInt32(80), nil)}})}, inB, db, "", 81, false},
		{"protocol", []networkingv1.NetworkPolicy{policy("a", all, ingress, networkingv1.NetworkPolicyIngressRule{Ports: []networkingv1.NetworkPolicyPort{port(corev1.ProtocolTCP, intstr.FromInt32(80), nil)}})}, inB, db, corev1.ProtocolUDP, 80, false},
		{"port range", []networkingv1.NetworkPolicy{policy("a", all, ingress, networkingv1.NetworkPolicyIngressRule{Ports: []networkingv1.NetworkPolicyPort{port(corev1.ProtocolTCP, intstr.FromInt32(80), ptr.To[int32](90))}})}, inB, db, "", 85, true},
		{"named port", []networkingv1.NetworkPolicy{policy("a", all, ingress, networkingv1.NetworkPolicyIngressRule{Ports: []networkingv1.NetworkPolicyPort{port(corev1.ProtocolTCP, intstr.FromString("http"), nil)}})}, inB, web, "", 8080, true},
		{"policies add up", []networkingv1.NetworkPolicy{policy("a", all, ingress), policy("a", all, ingress, from(networkingv1.NetworkPolicyPeer{NamespaceSelector: teamY}))}, inB, db, "", 80, true},
		{"another namespace's policy does not apply", []networkingv1.NetworkPolicy{policy("b", all, ingress)}, inB, web, "", 80, true},
	}
	for _, tc := range cases {
		got, err := Cluster{Namespaces: nss, Policies: tc.policies}.Ingress(tc.src, tc.dst, tc.proto, tc.port)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got.Allowed != tc.want {
			t.Errorf("%s: allowed=%v, want %v (%+v)", tc.name, got.Allowed, tc.want, got)
		}
	}
}
