// Package netpoleval decides whether Kubernetes NetworkPolicies
// (networking.k8s.io/v1) let a connection in, without a data path: the
// local KWOK cluster runs no CNI, so the generated policies are checked with
// this evaluator instead. It implements the ingress semantics of the API's
// documentation, the same rules kube-network-policies' dataplane evaluates
// per packet (policies that select the destination pod and have the Ingress
// type isolate it; then any rule of any of them may allow; a rule's peers
// are ORed, its ports restrict; a peer with a namespace selector and a pod
// selector needs both; an ipBlock matches by address, minus its excepts).
// Egress is not evaluated: a connection is allowed by egress everywhere.
package netpoleval

import (
	"fmt"
	"net/netip"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// Pod is one end of a connection: a pod (Namespace set) or an address
// outside the cluster (Namespace empty).
type Pod struct {
	Namespace string
	Labels    map[string]string
	IP        netip.Addr
	// Ports are the pod's named container ports, for policies that name a
	// port.
	Ports map[string]int32
}

// Cluster is what the evaluator knows: the namespaces' labels and the
// policies.
type Cluster struct {
	// Namespaces maps a namespace's name to its labels.
	Namespaces map[string]map[string]string
	Policies   []networkingv1.NetworkPolicy
}

// Verdict is the answer for one connection.
type Verdict struct {
	Allowed bool
	// Isolated is whether any policy isolates the destination for ingress.
	Isolated bool
	// By names the policy and rule that allowed it ("" when not isolated or
	// denied).
	By string
}

// Ingress decides whether src may open a connection to dst on port and
// protocol (the empty protocol is TCP).
func (c Cluster) Ingress(src, dst Pod, protocol corev1.Protocol, port int32) (Verdict, error) {
	if protocol == "" {
		protocol = corev1.ProtocolTCP
	}
	var v Verdict
	for i := range c.Policies {
		p := &c.Policies[i]
		if p.Namespace != dst.Namespace || !hasIngressType(p) {
			continue
		}
		sel, err := metav1.LabelSelectorAsSelector(&p.Spec.PodSelector)
		if err != nil {
			return Verdict{}, fmt.Errorf("policy %s/%s: podSelector: %w", p.Namespace, p.Name, err)
		}
		if !sel.Matches(labels.Set(dst.Labels)) {
			continue
		}
		v.Isolated = true
		for j, rule := range p.Spec.Ingress {
			peerOK, err := c.anyPeer(rule.From, p.Namespace, src)
			if err != nil {
				return Verdict{}, fmt.Errorf("policy %s/%s: ingress[%d]: %w", p.Namespace, p.Name, j, err)
			}
			if peerOK && anyPort(rule.Ports, dst, protocol, port) {
				v.Allowed, v.By = true, fmt.Sprintf("%s/%s ingress[%d]", p.Namespace, p.Name, j)
				return v, nil
			}
		}
	}
	v.Allowed = !v.Isolated
	return v, nil
}

// hasIngressType says whether p governs ingress: policyTypes lists Ingress,
// or is empty (then every policy governs ingress).
func hasIngressType(p *networkingv1.NetworkPolicy) bool {
	if len(p.Spec.PolicyTypes) == 0 {
		return true
	}
	for _, t := range p.Spec.PolicyTypes {
		if t == networkingv1.PolicyTypeIngress {
			return true
		}
	}
	return false
}

// anyPeer says whether src matches a peer; no peers match every source.
func (c Cluster) anyPeer(peers []networkingv1.NetworkPolicyPeer, policyNS string, src Pod) (bool, error) {
	if len(peers) == 0 {
		return true, nil
	}
	for _, peer := range peers {
		ok, err := c.peer(peer, policyNS, src)
		if err != nil || ok {
			return ok, err
		}
	}
	return false, nil
}

func (c Cluster) peer(peer networkingv1.NetworkPolicyPeer, policyNS string, src Pod) (bool, error) {
	if peer.IPBlock != nil {
		return inBlock(peer.IPBlock, src.IP)
	}
	if src.Namespace == "" {
		// Selectors select pods; an outside address is matched by ipBlocks only.
		return false, nil
	}
	if peer.NamespaceSelector == nil {
		if src.Namespace != policyNS {
			return false, nil
		}
	} else {
		sel, err := metav1.LabelSelectorAsSelector(peer.NamespaceSelector)
		if err != nil {
			return false, err
		}
		if !sel.Matches(labels.Set(c.Namespaces[src.Namespace])) {
			return false, nil
		}
	}
	if peer.PodSelector == nil {
		return true, nil
	}
	sel, err := metav1.LabelSelectorAsSelector(peer.PodSelector)
	if err != nil {
		return false, err
	}
	return sel.Matches(labels.Set(src.Labels)), nil
}

// inBlock says whether ip is in the block's CIDR and none of its excepts.
func inBlock(b *networkingv1.IPBlock, ip netip.Addr) (bool, error) {
	if !ip.IsValid() {
		return false, nil
	}
	cidr, err := netip.ParsePrefix(b.CIDR)
	if err != nil {
		return false, fmt.Errorf("ipBlock.cidr: %w", err)
	}
	if !cidr.Contains(ip) {
		return false, nil
	}
	for _, e := range b.Except {
		ex, err := netip.ParsePrefix(e)
		if err != nil {
			return false, fmt.Errorf("ipBlock.except: %w", err)
		}
		if ex.Contains(ip) {
			return false, nil
		}
	}
	return true, nil
}

// anyPort says whether the connection matches a port; no ports match every
// port.
func anyPort(ports []networkingv1.NetworkPolicyPort, dst Pod, protocol corev1.Protocol, port int32) bool {
	if len(ports) == 0 {
		return true
	}
	for _, p := range ports {
		proto := corev1.ProtocolTCP
		if p.Protocol != nil {
			proto = *p.Protocol
		}
		if proto != protocol {
			continue
		}
		if p.Port == nil {
			return true
		}
		want := p.Port.IntVal
		if p.Port.Type == intstr.String {
			named, ok := dst.Ports[p.Port.StrVal]
			if !ok {
				continue
			}
			want = named
		}
		end := want
		if p.EndPort != nil && p.Port.Type == intstr.Int {
			end = *p.EndPort
		}
		if port >= want && port <= end {
			return true
		}
	}
	return false
}
