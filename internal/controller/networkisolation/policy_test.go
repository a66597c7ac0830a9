package networkisolation

import (
	"testing"

	corev1 "k8s.io/api/core/v1"

	networkv1alpha1 "github.com/superkube/super-kubenetes/api/network/v1alpha1"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
)

func TestNoIsolationGeneratesNothing(t *testing.T) {
	if p := (Desired{Isolation: networkv1alpha1.IsolationNone}).Policy("ns"); p != nil {
		t.Fatalf("got %v", p)
	}
}

func TestPolicyShape(t *testing.T) {
	d := Desired{Isolation: networkv1alpha1.IsolationWorkspace, Workspace: "ws", SystemNamespaces: []string{"kube-system"},
		Sources: []networkv1alpha1.AllowedSource{{CIDRs: []networkv1alpha1.IPBlock{{CIDR: "10.0.0.0/8", Except: []networkv1alpha1.CIDR{"10.1.0.0/16"}}},
			Ports: []networkv1alpha1.Port{{Port: 8080}}}}}
	p := d.Policy("ns")
	if p.Name != networkv1alpha1.WorkspacePolicyName || p.Labels[networkv1alpha1.GeneratedByLabel] != networkv1alpha1.GeneratedBy ||
		p.Labels[networkv1alpha1.IsolationLabel] != "Workspace" {
		t.Fatalf("name or labels: %v %v", p.Name, p.Labels)
	}
	if len(p.Spec.Ingress) != 3 {
		t.Fatalf("want 3 rules (workspace, system, source), got %d", len(p.Spec.Ingress))
	}
	if got := p.Spec.Ingress[0].From[0].NamespaceSelector.MatchLabels[tenantv1beta1.WorkspaceLabel]; got != "ws" {
		t.Errorf("first rule selects workspace %q", got)
	}
	src := p.Spec.Ingress[2]
	if src.From[0].IPBlock.CIDR != "10.0.0.0/8" || src.From[0].IPBlock.Except[0] != "10.1.0.0/16" {
		t.Errorf("ipBlock: %+v", src.From[0].IPBlock)
	}
	if *src.Ports[0].Protocol != corev1.ProtocolTCP || src.Ports[0].Port.IntVal != 8080 {
		t.Errorf("ports: %+v", src.Ports)
	}
}
