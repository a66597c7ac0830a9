package authz

import (
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestClusterBindingsNeverReachThePlatformsGlobalResources(t *testing.T) {
	z := world(t)
	add(t, z.s.ClusterRoles, &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "everything"}, Rules: []rbacv1.PolicyRule{allRule}})
	add(t, z.s.ClusterRoleBindings, &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "frank-everything"},
		RoleRef: rbacv1.RoleRef{Kind: "ClusterRole", Name: "everything"}, Subjects: []rbacv1.Subject{{Kind: "User", Name: "frank"}}})
	for _, tt := range []struct {
		name  string
		group string
		want  bool
	}{
		{"the cluster's own resources", "apps", true},
		{"the platform's users", "iam.superkube.io", false},
		{"the platform's workspaces", "tenant.superkube.io", false},
		{"the platform's clusters", "cluster.superkube.io", false},
		{"the platform's settings", "config.superkube.io", false},
		{"every group at once", "*", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := &Attributes{User: "frank", ResourceRequest: true, Verb: "update", APIGroup: tt.group, Resource: "users"}
			if got := z.Authorize(a).Allowed; got != tt.want {
				t.Fatalf("allowed=%v, want %v", got, tt.want)
			}
		})
	}
}

func TestACallerMustHoldEverythingItsTargetHolds(t *testing.T) {
	z := world(t)
	for _, tt := range []struct {
		name           string
		caller, target Subject
		missing        string
	}{
		{"a platform admin holds everything", Subject{User: "root"}, Subject{User: "carol"}, ""},
		{"a workspace viewer does not hold a platform admin's rights", Subject{User: "carol"}, Subject{User: "root"}, "* */* on the platform"},
		{"cluster bindings do not reach into a workspace", Subject{User: "erin"}, Subject{User: "carol"}, "get pods in workspace acme"},
		{"the same rights are enough", Subject{User: "carol"}, Subject{User: "carol"}, ""},
		{"a group's rights count for its members", Subject{User: "eve"}, Subject{User: "dave", Groups: []string{"ops"}}, "* apps/deployments in namespace lonely"},
		{"a group alone is a target too", Subject{User: "eve"}, Subject{Groups: []string{"ops"}}, "* apps/deployments in namespace lonely"},
		{"a subject without bindings holds nothing", Subject{User: "eve"}, Subject{User: "nobody"}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := z.MissingOf(tt.caller, tt.target)
			if tt.missing == "" && got != "" || tt.missing != "" && !strings.HasPrefix(got, tt.missing) {
				t.Fatalf("missing %q, want %q", got, tt.missing)
			}
		})
	}
	if !z.IsPlatformAdmin(Subject{User: "root"}) || z.IsPlatformAdmin(Subject{User: "erin"}) {
		t.Fatal("only root is a platform administrator")
	}
}
