package network

import (
	"context"
	"fmt"
	"testing"

	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	networkv1alpha1 "github.com/superkube/super-kubenetes/api/network/v1alpha1"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	"github.com/superkube/super-kubenetes/internal/controller/conditions"
	"github.com/superkube/super-kubenetes/internal/iam/builtin"
)

// isolationStatus waits until ns's NetworkIsolation reports isolation with
// the Ready reason.
func isolationStatus(t *testing.T, ns string, isolation networkv1alpha1.Isolation, reason string) {
	t.Helper()
	eventually(t, fmt.Sprintf("%s isolation=%s reason=%s", ns, isolation, reason), func() error {
		iso := &networkv1alpha1.NetworkIsolation{}
		if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: networkv1alpha1.SingletonName}, iso); err != nil {
			return err
		}
		c := meta.FindStatusCondition(iso.Status.Conditions, conditions.Ready)
		if c == nil || iso.Status.Isolation != isolation || c.Reason != reason || c.ObservedGeneration != iso.Generation {
			return fmt.Errorf("status %+v", iso.Status)
		}
		return nil
	})
}

func getPolicy(t *testing.T, ns, name string) *networkingv1.NetworkPolicy {
	t.Helper()
	p := &networkingv1.NetworkPolicy{}
	if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, p); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestProjectIsolationOnOffRoundTripLeavesHandWrittenPolicies(t *testing.T) {
	ctx := context.Background()
	create(t, newWorkspace("rt", false))
	create(t, newNamespace("rt-web", "rt"))
	hand := handWritten("rt-web", "allow-db")
	create(t, hand)
	handBefore := getPolicy(t, "rt-web", "allow-db")
	iso := newIsolation("rt-web", true, networkv1alpha1.AllowedSource{CIDRs: []networkv1alpha1.IPBlock{{CIDR: "192.0.2.0/24"}}})
	create(t, iso)

	for round := 1; round <= 2; round++ {
		// On: the generated policy is there, labelled and owned by the isolation.
		expectPolicies(t, "rt-web", "allow-db", networkv1alpha1.ProjectPolicyName)
		isolationStatus(t, "rt-web", networkv1alpha1.IsolationProject, networkv1alpha1.ReasonEnforced)
		p := getPolicy(t, "rt-web", networkv1alpha1.ProjectPolicyName)
		if p.Labels[networkv1alpha1.GeneratedByLabel] != networkv1alpha1.GeneratedBy || p.Labels[networkv1alpha1.IsolationLabel] != "Project" {
			t.Fatalf("round %d: labels %v", round, p.Labels)
		}
		if o := metav1.GetControllerOf(p); o == nil || o.Kind != "NetworkIsolation" || o.Name != networkv1alpha1.SingletonName {
			t.Fatalf("round %d: owner %v", round, p.OwnerReferences)
		}
		t.Logf("round %d on: policies %v", round, policyNames(t, "rt-web"))

		// Off: exactly the generated policy goes; the hand-written one is untouched.
		update(t, iso, func(i *networkv1alpha1.NetworkIsolation) { i.Spec.Enabled = false })
		expectPolicies(t, "rt-web", "allow-db")
		isolationStatus(t, "rt-web", networkv1alpha1.IsolationNone, networkv1alpha1.ReasonNotIsolated)
		handAfter := getPolicy(t, "rt-web", "allow-db")
		if handAfter.ResourceVersion != handBefore.ResourceVersion || !equality.Semantic.DeepEqual(handAfter.Spec, handBefore.Spec) {
			t.Fatalf("round %d: the hand-written policy changed: %+v", round, handAfter)
		}
		t.Logf("round %d off: policies %v", round, policyNames(t, "rt-web"))
		update(t, iso, func(i *networkv1alpha1.NetworkIsolation) { i.Spec.Enabled = true })
	}

	// Drift: an edit of the generated policy is undone, a deleted one comes back.
	expectPolicies(t, "rt-web", "allow-db", networkv1alpha1.ProjectPolicyName)
	want := getPolicy(t, "rt-web", networkv1alpha1.ProjectPolicyName).Spec
	update(t, &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: "rt-web", Name: networkv1alpha1.ProjectPolicyName}},
		func(p *networkingv1.NetworkPolicy) { p.Spec.Ingress = []networkingv1.NetworkPolicyIngressRule{{}} })
	eventually(t, "the edited policy is repaired", func() error {
		if got := getPolicy(t, "rt-web", networkv1alpha1.ProjectPolicyName).Spec; !equality.Semantic.DeepEqual(got, want) {
			return fmt.Errorf("spec %+v", got)
		}
		return nil
	})
	if err := k8s.Delete(ctx, getPolicy(t, "rt-web", networkv1alpha1.ProjectPolicyName)); err != nil {
		t.Fatal(err)
	}
	expectPolicies(t, "rt-web", "allow-db", networkv1alpha1.ProjectPolicyName)

	// Deleting the isolation removes its policy and nothing else.
	if err := k8s.Delete(ctx, iso); err != nil {
		t.Fatal(err)
	}
	expectPolicies(t, "rt-web", "allow-db")
}

func TestWorkspaceIsolationFollowsNamespacesJoiningAndLeaving(t *testing.T) {
	ws := newWorkspace("wsiso", true)
	create(t, ws)
	create(t, newNamespace("wsiso-a", "wsiso"))
	create(t, newNamespace("wsiso-b", "wsiso"))
	create(t, newNamespace("wsiso-out", ""))
	create(t, handWritten("wsiso-b", "mine"))
	expectPolicies(t, "wsiso-a", networkv1alpha1.WorkspacePolicyName)
	expectPolicies(t, "wsiso-b", "mine", networkv1alpha1.WorkspacePolicyName)
	expectPolicies(t, "wsiso-out")
	p := getPolicy(t, "wsiso-a", networkv1alpha1.WorkspacePolicyName)
	if o := metav1.GetControllerOf(p); o == nil || o.Kind != "Workspace" || o.Name != "wsiso" {
		t.Fatalf("owner %v", p.OwnerReferences)
	}

	// A namespace joins: it gets the policy; one leaves: its policy goes.
	update(t, newNamespace("wsiso-out", ""), func(n *corev1.Namespace) { n.Labels = map[string]string{tenantv1beta1.WorkspaceLabel: "wsiso"} })
	expectPolicies(t, "wsiso-out", networkv1alpha1.WorkspacePolicyName)
	update(t, newNamespace("wsiso-a", ""), func(n *corev1.Namespace) { delete(n.Labels, tenantv1beta1.WorkspaceLabel) })
	expectPolicies(t, "wsiso-a")

	// A project's own isolation is narrower and replaces the workspace's.
	create(t, newIsolation("wsiso-b", true))
	expectPolicies(t, "wsiso-b", "mine", networkv1alpha1.ProjectPolicyName)
	isolationStatus(t, "wsiso-b", networkv1alpha1.IsolationProject, networkv1alpha1.ReasonEnforced)
	update(t, newIsolation("wsiso-b", false), func(i *networkv1alpha1.NetworkIsolation) { i.Spec.Enabled = false })
	expectPolicies(t, "wsiso-b", "mine", networkv1alpha1.WorkspacePolicyName)
	isolationStatus(t, "wsiso-b", networkv1alpha1.IsolationWorkspace, networkv1alpha1.ReasonEnforced)

	// The workspace's isolation off: every generated policy goes, the hand-written stays.
	update(t, ws, func(w *tenantv1beta1.Workspace) { w.Spec.NetworkIsolation = false })
	expectPolicies(t, "wsiso-b", "mine")
	expectPolicies(t, "wsiso-out")
	isolationStatus(t, "wsiso-b", networkv1alpha1.IsolationNone, networkv1alpha1.ReasonNotIsolated)
}

func TestAHandWrittenPolicyWithTheGeneratedNameIsLeftAloneAndReported(t *testing.T) {
	create(t, newNamespace("clash", ""))
	hand := handWritten("clash", networkv1alpha1.ProjectPolicyName)
	create(t, hand)
	before := getPolicy(t, "clash", networkv1alpha1.ProjectPolicyName)
	create(t, newIsolation("clash", true))
	eventually(t, "PolicyConflict reported", func() error {
		iso := &networkv1alpha1.NetworkIsolation{}
		if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: "clash", Name: networkv1alpha1.SingletonName}, iso); err != nil {
			return err
		}
		if c := meta.FindStatusCondition(iso.Status.Conditions, conditions.Ready); c == nil || c.Reason != networkv1alpha1.ReasonPolicyConflict {
			return fmt.Errorf("status %+v", iso.Status)
		}
		return nil
	})
	if after := getPolicy(t, "clash", networkv1alpha1.ProjectPolicyName); after.ResourceVersion != before.ResourceVersion {
		t.Fatalf("the hand-written policy was changed: %+v", after)
	}
}

func TestProjectAdminsEditAndViewersReadTheNetworkIsolation(t *testing.T) {
	create(t, newWorkspace("rbac", false))
	create(t, newNamespace("rbac-web", "rbac"))
	for _, b := range []struct{ user, role string }{{"pam", builtin.ProjectAdmin}, {"vic", builtin.ProjectViewer}, {"otto", builtin.ProjectOperator}} {
		create(t, &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: b.user, Namespace: "rbac-web"},
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: b.role},
			Subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: b.user}}})
	}
	for _, c := range []struct {
		user, verb string
		want       bool
	}{
		{"pam", "create", true}, {"pam", "update", true}, {"pam", "patch", true}, {"pam", "delete", true}, {"pam", "get", true},
		{"otto", "get", true}, {"otto", "list", true}, {"otto", "update", false},
		{"vic", "get", true}, {"vic", "list", true}, {"vic", "watch", true}, {"vic", "update", false}, {"vic", "create", false}, {"vic", "delete", false},
		{"pam", "update-status", false},
	} {
		verb, sub := c.verb, ""
		if verb == "update-status" {
			verb, sub = "update", "status"
		}
		eventually(t, fmt.Sprintf("%s %s networkisolations allowed=%v", c.user, c.verb, c.want), func() error {
			sar := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{User: c.user,
				ResourceAttributes: &authorizationv1.ResourceAttributes{Verb: verb, Group: networkv1alpha1.GroupName, Resource: "networkisolations",
					Subresource: sub, Namespace: "rbac-web", Name: networkv1alpha1.SingletonName}}}
			if err := k8s.Create(context.Background(), sar); err != nil {
				return err
			}
			if sar.Status.Allowed != c.want {
				return fmt.Errorf("kube-apiserver says allowed=%v", sar.Status.Allowed)
			}
			return nil
		})
	}
}
