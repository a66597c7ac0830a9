package networkisolation

import (
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	networkv1alpha1 "github.com/superkube/super-kubenetes/api/network/v1alpha1"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
)

// namespaceNameLabel is the label kube-apiserver sets on every namespace to
// its name.
const namespaceNameLabel = corev1.LabelMetadataName

// Desired describes the policy one namespace should have.
type Desired struct {
	// Isolation is what isolates the namespace; None generates nothing.
	Isolation networkv1alpha1.Isolation
	// Workspace is the namespace's workspace (for workspace isolation).
	Workspace string
	// SystemNamespaces may always connect (DNS, ingress, monitoring).
	SystemNamespaces []string
	// Sources are the project's allowed sources.
	Sources []networkv1alpha1.AllowedSource
}

// PolicyName is the name of the generated policy, or "" for none.
func (d Desired) PolicyName() string {
	switch d.Isolation {
	case networkv1alpha1.IsolationProject:
		return networkv1alpha1.ProjectPolicyName
	case networkv1alpha1.IsolationWorkspace:
		return networkv1alpha1.WorkspacePolicyName
	}
	return ""
}

// Policy builds the NetworkPolicy for namespace ns, without owner: it
// selects every pod of the namespace and allows ingress from the namespace
// (project isolation) or the workspace's namespaces (workspace isolation),
// the system namespaces and the allowed sources. Egress is not restricted.
func (d Desired) Policy(ns string) *networkingv1.NetworkPolicy {
	name := d.PolicyName()
	if name == "" {
		return nil
	}
	var own networkingv1.NetworkPolicyPeer
	if d.Isolation == networkv1alpha1.IsolationProject {
		own = networkingv1.NetworkPolicyPeer{PodSelector: &metav1.LabelSelector{}}
	} else {
		own = networkingv1.NetworkPolicyPeer{NamespaceSelector: &metav1.LabelSelector{
			MatchLabels: map[string]string{tenantv1beta1.WorkspaceLabel: d.Workspace}}}
	}
	rules := []networkingv1.NetworkPolicyIngressRule{{From: []networkingv1.NetworkPolicyPeer{own}}}
	if len(d.SystemNamespaces) > 0 {
		rules = append(rules, networkingv1.NetworkPolicyIngressRule{From: []networkingv1.NetworkPolicyPeer{namespacesPeer(namespaceNameLabel, d.SystemNamespaces)}})
	}
	for _, s := range d.Sources {
		rules = append(rules, sourceRule(s))
	}
	return &networkingv1.NetworkPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: map[string]string{
			networkv1alpha1.GeneratedByLabel: networkv1alpha1.GeneratedBy,
			networkv1alpha1.IsolationLabel:   string(d.Isolation),
		}},
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{},
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress},
			Ingress:     rules,
		},
	}
}

// namespacesPeer selects the namespaces whose label key has one of values.
func namespacesPeer(key string, values []string) networkingv1.NetworkPolicyPeer {
	return networkingv1.NetworkPolicyPeer{NamespaceSelector: &metav1.LabelSelector{
		MatchExpressions: []metav1.LabelSelectorRequirement{{Key: key, Operator: metav1.LabelSelectorOpIn, Values: append([]string(nil), values...)}}}}
}

// sourceRule turns an allowed source into an ingress rule. A source with
// ports alone has no peers: every source may reach those ports.
func sourceRule(s networkv1alpha1.AllowedSource) networkingv1.NetworkPolicyIngressRule {
	var r networkingv1.NetworkPolicyIngressRule
	if len(s.Namespaces) > 0 {
		r.From = append(r.From, namespacesPeer(namespaceNameLabel, s.Namespaces))
	}
	if len(s.Workspaces) > 0 {
		r.From = append(r.From, namespacesPeer(tenantv1beta1.WorkspaceLabel, s.Workspaces))
	}
	for _, b := range s.CIDRs {
		block := &networkingv1.IPBlock{CIDR: string(b.CIDR)}
		for _, e := range b.Except {
			block.Except = append(block.Except, string(e))
		}
		r.From = append(r.From, networkingv1.NetworkPolicyPeer{IPBlock: block})
	}
	for _, p := range s.Ports {
		proto := corev1.Protocol(p.Protocol)
		if proto == "" {
			proto = corev1.ProtocolTCP
		}
		port := intstr.FromInt32(p.Port)
		r.Ports = append(r.Ports, networkingv1.NetworkPolicyPort{Protocol: &proto, Port: &port})
	}
	return r
}
