package authz

import (
	"fmt"
	"sort"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	toolscache "k8s.io/client-go/tools/cache"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
)

// stores builds the informer stores with their real index functions.
func stores() Stores {
	ix := Indexers()
	mk := func(name string) toolscache.Indexer {
		return toolscache.NewIndexer(toolscache.MetaNamespaceKeyFunc, ix[name])
	}
	return Stores{
		GlobalRoleBindings: mk("GlobalRoleBindings"), GlobalRoles: mk("GlobalRoles"),
		WorkspaceRoleBindings: mk("WorkspaceRoleBindings"), WorkspaceRoles: mk("WorkspaceRoles"),
		RoleBindings: mk("RoleBindings"), Roles: mk("Roles"),
		ClusterRoleBindings: mk("ClusterRoleBindings"), ClusterRoles: mk("ClusterRoles"),
		Namespaces: mk("Namespaces"),
	}
}

func add(t testing.TB, idx toolscache.Indexer, o any) {
	if err := idx.Add(o); err != nil {
		t.Fatal(err)
	}
}

var (
	readPods  = rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get", "list"}}
	allRule   = rbacv1.PolicyRule{APIGroups: []string{"*"}, Resources: []string{"*"}, Verbs: []string{"*"}}
	wsMembers = rbacv1.PolicyRule{APIGroups: []string{"iam.superkube.io"}, Resources: []string{"workspacemembers"}, Verbs: []string{"list"}}
)

func world(t testing.TB) *Authorizer {
	s := stores()
	add(t, s.GlobalRoles, &iamv1beta1.GlobalRole{ObjectMeta: metav1.ObjectMeta{Name: "platform-admin"}, Rules: []rbacv1.PolicyRule{allRule, {NonResourceURLs: []string{"*"}, Verbs: []string{"*"}}}})
	add(t, s.GlobalRoleBindings, &iamv1beta1.GlobalRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "root"}, RoleRef: iamv1beta1.RoleRef{Name: "platform-admin"},
		Subjects: []iamv1beta1.Subject{{Kind: "User", Name: "root"}}})
	add(t, s.WorkspaceRoles, &iamv1beta1.WorkspaceRole{ObjectMeta: metav1.ObjectMeta{Name: "acme-viewer", Labels: map[string]string{tenantv1beta1.WorkspaceLabel: "acme"}},
		Rules: []rbacv1.PolicyRule{readPods, wsMembers}})
	add(t, s.WorkspaceRoles, &iamv1beta1.WorkspaceRole{ObjectMeta: metav1.ObjectMeta{Name: "other-admin", Labels: map[string]string{tenantv1beta1.WorkspaceLabel: "other"}},
		Rules: []rbacv1.PolicyRule{allRule}})
	add(t, s.WorkspaceRoleBindings, &iamv1beta1.WorkspaceRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "carol-acme-viewer", Labels: map[string]string{tenantv1beta1.WorkspaceLabel: "acme"}},
		RoleRef: iamv1beta1.RoleRef{Name: "acme-viewer"}, Subjects: []iamv1beta1.Subject{{Kind: "User", Name: "carol"}}})
	// A binding in acme that names another workspace's role grants nothing.
	add(t, s.WorkspaceRoleBindings, &iamv1beta1.WorkspaceRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "sneaky", Labels: map[string]string{tenantv1beta1.WorkspaceLabel: "acme"}},
		RoleRef: iamv1beta1.RoleRef{Name: "other-admin"}, Subjects: []iamv1beta1.Subject{{Kind: "User", Name: "mallory"}}})
	add(t, s.Namespaces, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "acme-web", Labels: map[string]string{tenantv1beta1.WorkspaceLabel: "acme"}}})
	add(t, s.Namespaces, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "lonely"}})
	add(t, s.Roles, &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Namespace: "lonely", Name: "operator"}, Rules: []rbacv1.PolicyRule{
		{APIGroups: []string{"apps"}, Resources: []string{"deployments"}, Verbs: []string{"*"}}}})
	add(t, s.RoleBindings, &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: "lonely", Name: "dave-operator"},
		RoleRef: rbacv1.RoleRef{Kind: "Role", Name: "operator"}, Subjects: []rbacv1.Subject{{Kind: "Group", Name: "ops"}}})
	add(t, s.ClusterRoles, &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "cluster-viewer"}, Rules: []rbacv1.PolicyRule{
		{APIGroups: []string{""}, Resources: []string{"nodes", "pods"}, Verbs: []string{"get", "list"}}}})
	add(t, s.ClusterRoleBindings, &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "erin-viewer"},
		RoleRef: rbacv1.RoleRef{Kind: "ClusterRole", Name: "cluster-viewer"}, Subjects: []rbacv1.Subject{{Kind: "User", Name: "erin"}}})
	// Kubernetes binds discovery to every authenticated user.
	add(t, s.ClusterRoles, &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "system:discovery"}, Rules: []rbacv1.PolicyRule{
		{NonResourceURLs: []string{"/api", "/api/*", "/apis", "/apis/*"}, Verbs: []string{"get"}}}})
	add(t, s.ClusterRoleBindings, &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "system:discovery"},
		RoleRef: rbacv1.RoleRef{Kind: "ClusterRole", Name: "system:discovery"}, Subjects: []rbacv1.Subject{{Kind: "Group", Name: "system:authenticated"}}})
	return New(s)
}

func TestAuthorize(t *testing.T) {
	z := world(t)
	res := func(user string, groups []string, verb, group, resource, ws, ns string) *Attributes {
		return &Attributes{User: user, Groups: groups, ResourceRequest: true, Verb: verb, APIGroup: group, Resource: resource, Workspace: ws, Namespace: ns}
	}
	tests := []struct {
		name string
		a    *Attributes
		want bool
	}{
		{"a platform admin may do anything anywhere", res("root", nil, "delete", "apps", "deployments", "", "acme-web"), true},
		{"a platform admin may use non-resource paths", &Attributes{User: "root", Verb: "get", Path: "/metrics"}, true},
		{"a workspace viewer reads pods in a project of the workspace", res("carol", nil, "list", "", "pods", "", "acme-web"), true},
		{"a workspace viewer lists the workspace's members", res("carol", nil, "list", "iam.superkube.io", "workspacemembers", "acme", ""), true},
		{"a workspace viewer may not delete pods", res("carol", nil, "delete", "", "pods", "", "acme-web"), false},
		{"a workspace viewer may not read another namespace", res("carol", nil, "list", "", "pods", "", "lonely"), false},
		{"a binding to another workspace's role grants nothing", res("mallory", nil, "delete", "", "pods", "", "acme-web"), false},
		{"a group member gets the group's project role", res("dave", []string{"ops"}, "create", "apps", "deployments", "", "lonely"), true},
		{"without the group the same user gets nothing", res("dave", nil, "create", "apps", "deployments", "", "lonely"), false},
		{"a cluster viewer reads nodes", res("erin", nil, "list", "", "nodes", "", ""), true},
		{"a cluster viewer reads pods in every namespace", res("erin", nil, "get", "", "pods", "", "acme-web"), true},
		{"a cluster viewer gets nothing at workspace level", res("erin", nil, "list", "iam.superkube.io", "workspacemembers", "acme", ""), false},
		{"an outsider gets nothing", res("eve", nil, "list", "", "pods", "", "acme-web"), false},
		{"an outsider may not use non-resource paths", &Attributes{User: "eve", Verb: "get", Path: "/metrics"}, false},
		{"an authenticated user reads discovery through a cluster binding", &Attributes{User: "eve", Groups: []string{"system:authenticated"}, Verb: "get", Path: "/apis/apps/v1"}, true},
		{"a cluster binding for discovery opens no other path", &Attributes{User: "eve", Groups: []string{"system:authenticated"}, Verb: "get", Path: "/metrics"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := z.Authorize(tt.a)
			if d.Allowed != tt.want {
				t.Fatalf("allowed=%v (%s)", d.Allowed, d.Reason)
			}
			if d.Reason == "" {
				t.Fatal("a decision without a reason")
			}
		})
	}
}

// BenchmarkAuthorize measures decisions with 10,000 bindings of every kind
// spread over 5,000 users, 1,000 workspaces and 10,000 namespaces, and
// prints p50 and p99.
func BenchmarkAuthorize(b *testing.B) {
	const users, workspaces, nsPer = 5000, 1000, 10
	s := stores()
	add(b, s.GlobalRoles, &iamv1beta1.GlobalRole{ObjectMeta: metav1.ObjectMeta{Name: "platform-regular"}})
	for w := range workspaces {
		ws := fmt.Sprintf("ws-%d", w)
		for _, r := range []string{"admin", "viewer"} {
			rules := []rbacv1.PolicyRule{readPods}
			if r == "admin" {
				rules = []rbacv1.PolicyRule{allRule}
			}
			add(b, s.WorkspaceRoles, &iamv1beta1.WorkspaceRole{ObjectMeta: metav1.ObjectMeta{Name: ws + "-" + r, Labels: map[string]string{tenantv1beta1.WorkspaceLabel: ws}}, Rules: rules})
		}
		for n := range nsPer {
			ns := fmt.Sprintf("%s-%d", ws, n)
			add(b, s.Namespaces, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: map[string]string{tenantv1beta1.WorkspaceLabel: ws}}})
			add(b, s.Roles, &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "operator"}, Rules: []rbacv1.PolicyRule{readPods}})
		}
	}
	// 10,000 bindings: 5,000 workspace memberships, 4,000 project memberships, 1,000 global.
	for i := range 5000 {
		ws := fmt.Sprintf("ws-%d", i%workspaces)
		add(b, s.WorkspaceRoleBindings, &iamv1beta1.WorkspaceRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("wrb-%d", i), Labels: map[string]string{tenantv1beta1.WorkspaceLabel: ws}},
			RoleRef: iamv1beta1.RoleRef{Name: ws + "-viewer"}, Subjects: []iamv1beta1.Subject{{Kind: "User", Name: fmt.Sprintf("u%d", i%users)}}})
	}
	for i := range 4000 {
		ns := fmt.Sprintf("ws-%d-%d", i%workspaces, i%nsPer)
		add(b, s.RoleBindings, &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: fmt.Sprintf("rb-%d", i)},
			RoleRef: rbacv1.RoleRef{Kind: "Role", Name: "operator"}, Subjects: []rbacv1.Subject{{Kind: "User", Name: fmt.Sprintf("u%d", (i*7)%users)}}})
	}
	for i := range 1000 {
		add(b, s.GlobalRoleBindings, &iamv1beta1.GlobalRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("grb-%d", i)},
			RoleRef: iamv1beta1.RoleRef{Name: "platform-regular"}, Subjects: []iamv1beta1.Subject{{Kind: "User", Name: fmt.Sprintf("u%d", i)}}})
	}
	z := New(s)
	attrs := make([]*Attributes, 1024)
	for i := range attrs {
		w := i % workspaces
		attrs[i] = &Attributes{User: fmt.Sprintf("u%d", i*37%users), Groups: []string{"system:authenticated"}, ResourceRequest: true,
			Verb: "list", Resource: "pods", Namespace: fmt.Sprintf("ws-%d-%d", w, i%nsPer)}
	}
	lat := make([]time.Duration, 0, 1<<16)
	allowed := 0
	for i := 0; b.Loop(); i++ {
		start := time.Now()
		if z.Authorize(attrs[i%len(attrs)]).Allowed {
			allowed++
		}
		if len(lat) < cap(lat) {
			lat = append(lat, time.Since(start))
		}
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	p50, p99 := lat[len(lat)/2], lat[len(lat)*99/100]
	b.ReportMetric(float64(p50.Nanoseconds()), "p50-ns")
	b.ReportMetric(float64(p99.Nanoseconds()), "p99-ns")
	if b.N > 1 {
		fmt.Printf("authorization decision, 10,000 bindings, 5,000 users: p50 %s, p99 %s (target p99 ≤ 1ms); %d of %d allowed\n", p50, p99, allowed, b.N)
	}
}

func TestVisibleFindsTheNamespacesOfTheUsersBindings(t *testing.T) {
	z := world(t)
	list := func(user string, groups ...string) Visibility {
		return z.Visible(Attributes{User: user, Groups: groups, Verb: "list", Resource: "pods"})
	}
	tests := []struct {
		name string
		v    Visibility
		all  bool
		ns   []string
	}{
		{"a platform admin sees every namespace", list("root"), true, nil},
		{"a cluster viewer sees every namespace", list("erin"), true, nil},
		{"a workspace viewer sees the workspace's projects", list("carol"), false, []string{"acme-web"}},
		{"a group's project role that does not cover pods shows no namespace", list("dave", "ops"), false, nil},
		{"an outsider sees none", list("eve"), false, nil},
		{"a group's project role is found through the group", z.Visible(Attributes{User: "dave", Groups: []string{"ops"}, Verb: "list", APIGroup: "apps", Resource: "deployments"}), false, []string{"lonely"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.v.All != tt.all {
				t.Fatalf("all=%v", tt.v.All)
			}
			for _, ns := range tt.ns {
				if !tt.v.Namespaces[ns] {
					t.Fatalf("%s missing from %v", ns, tt.v.Namespaces)
				}
			}
			if !tt.all && len(tt.v.Namespaces) != len(tt.ns) {
				t.Fatalf("namespaces %v, want %v", tt.v.Namespaces, tt.ns)
			}
		})
	}
}
