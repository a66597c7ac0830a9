package multicluster

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	clusterv1alpha1 "github.com/superkube/super-kubenetes/api/cluster/v1alpha1"
	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	"github.com/superkube/super-kubenetes/internal/controller/mirror"
	"github.com/superkube/super-kubenetes/internal/iam/builtin"
	"github.com/superkube/super-kubenetes/internal/testutil/platform"
)

// mirrorWait bounds how long a mirror may take to reach the member: a host
// change is mapped at once, a change on the member waits for the periodic
// resync (15s).
const mirrorWait = 60 * time.Second

var marker = client.MatchingLabels{clusterv1alpha1.MirroredByLabel: clusterv1alpha1.MirroredByHost}

// sar asks a kube-apiserver whether user may do verb on group/resource in
// namespace ("" is cluster scope).
func sar(ctx context.Context, c client.Client, user, verb, group, resource, namespace string) (bool, error) {
	r := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{User: user,
		ResourceAttributes: &authorizationv1.ResourceAttributes{Verb: verb, Group: group, Resource: resource, Namespace: namespace}}}
	if err := c.Create(ctx, r); err != nil {
		return false, err
	}
	return r.Status.Allowed, nil
}

type resource struct{ group, name string }

var (
	verbs     = []string{"get", "list", "create", "delete"}
	resources = []resource{{"", "pods"}, {"apps", "deployments"}, {"", "secrets"}, {"", "configmaps"},
		{"rbac.authorization.k8s.io", "rolebindings"}, {"", "namespaces"}, {"", "nodes"}}
)

// compare asks both kube-apiservers the whole matrix: the host about
// hostNS, the member about memberNS (the same place on each cluster). It
// returns the disagreements and how many answers were allowed.
func compare(ctx context.Context, users []string, pairs [][2]string) (diffs []string, allowed int, err error) {
	for _, u := range users {
		for _, v := range verbs {
			for _, r := range resources {
				for _, p := range pairs {
					h, err := sar(ctx, k8s, u, v, r.group, r.name, p[0])
					if err != nil {
						return nil, 0, fmt.Errorf("host: %w", err)
					}
					m, err := sar(ctx, member.Client, u, v, r.group, r.name, p[1])
					if err != nil {
						return nil, 0, fmt.Errorf("member: %w", err)
					}
					if h != m {
						diffs = append(diffs, fmt.Sprintf("%s %s %s/%s in %q/%q: host %v, member %v", u, v, r.group, r.name, p[0], p[1], h, m))
					}
					if h {
						allowed++
					}
				}
			}
		}
	}
	return diffs, allowed, nil
}

// grants expands rules into the set of group/resource/verb they allow (the
// aggregation may order and group them differently).
func grants(rules []rbacv1.PolicyRule) map[string]bool {
	out := map[string]bool{}
	for _, r := range rules {
		for _, g := range r.APIGroups {
			for _, res := range r.Resources {
				for _, v := range r.Verbs {
					out[g+"/"+res+"/"+v] = true
				}
			}
		}
		for _, u := range r.NonResourceURLs {
			for _, v := range r.Verbs {
				out[u+"/"+v] = true
			}
		}
	}
	return out
}

func create(t *testing.T, c client.Client, objs ...client.Object) {
	t.Helper()
	for _, o := range objs {
		if err := c.Create(context.Background(), o); err != nil {
			t.Fatalf("creating %T %s: %v", o, o.GetName(), err)
		}
	}
}

func wsMember(ws, user, suffix string) *iamv1beta1.WorkspaceRoleBinding {
	role := builtin.WorkspaceRoleName(ws, suffix)
	return &iamv1beta1.WorkspaceRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: user + "-" + role, Labels: map[string]string{tenantv1beta1.WorkspaceLabel: ws, iamv1beta1.UserRefLabel: user}},
		RoleRef:    iamv1beta1.RoleRef{APIGroup: iamv1beta1.GroupName, Kind: "WorkspaceRole", Name: role},
		Subjects:   []iamv1beta1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: user}},
	}
}

func project(name, ws string) *corev1.Namespace {
	return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{tenantv1beta1.WorkspaceLabel: ws}}}
}

// A user's rights on a member equal those on the host: the platform's
// global roles and the roles of the workspaces placed on the member are
// mirrored there, project roles are the member's own. Removing the
// workspace from the placement prunes the member's mirrors and releases
// (or, by policy, deletes) its namespaces there.
func TestMemberRightsEqualTheHosts(t *testing.T) {
	ctx := context.Background()
	admin := api.Admin(t)
	const cluster = "rbac-m"
	r := api.DoJSON(t, http.MethodPost, prefix+"/clusters", admin, map[string]any{"name": cluster, "connection": "Direct", "kubeconfig": string(memberKubeconfig)})
	expect(t, r, http.StatusCreated)
	t.Cleanup(func() {
		_ = k8s.Delete(context.Background(), &clusterv1alpha1.Cluster{ObjectMeta: metav1.ObjectMeta{Name: cluster}})
	})
	ready(t, cluster, metav1.ConditionTrue, 30*time.Second)

	// A member that is not Ready is left alone, and says so.
	r = api.DoJSON(t, http.MethodPost, prefix+"/clusters", admin, map[string]any{"name": "rbac-waiting", "connection": "Agent"})
	expect(t, r, http.StatusCreated)
	platform.Eventually(t, "RBACSynced=Unknown on a cluster that is not Ready", 30*time.Second, func() error {
		c := &clusterv1alpha1.Cluster{}
		if err := k8s.Get(ctx, client.ObjectKey{Name: "rbac-waiting"}, c); err != nil {
			return err
		}
		if cond := meta.FindStatusCondition(c.Status.Conditions, clusterv1alpha1.RBACSyncedCondition); cond == nil ||
			cond.Status != metav1.ConditionUnknown || cond.Reason != clusterv1alpha1.ReasonRBACClusterNotReady {
			return fmt.Errorf("RBACSynced is %+v", cond)
		}
		return nil
	})
	expect(t, api.Do(t, http.MethodDelete, prefix+"/clusters/rbac-waiting", admin, nil), http.StatusOK)
	if n := internal.requests("rbac-waiting"); n.reads+n.writes > 0 {
		t.Fatalf("a cluster that is not Ready was asked: %+v", n)
	}

	users := []string{"mc-global", "mc-wsadmin", "mc-wsregular", "mc-wsviewer", "mc-operator", "mc-stranger"}
	for _, u := range users {
		platform.NewUser(t, k8s, u, password)
	}
	// A global role holder.
	create(t, k8s,
		&iamv1beta1.GlobalRole{ObjectMeta: metav1.ObjectMeta{Name: "mc-pod-reader"}, Rules: []rbacv1.PolicyRule{
			{APIGroups: []string{""}, Resources: []string{"pods", "namespaces"}, Verbs: []string{"get", "list", "watch"}},
			{APIGroups: []string{""}, Resources: []string{"nodes"}, Verbs: []string{"get"}}}},
		&iamv1beta1.GlobalRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "mc-global-mc-pod-reader", Labels: map[string]string{iamv1beta1.UserRefLabel: "mc-global"}},
			RoleRef:  iamv1beta1.RoleRef{APIGroup: iamv1beta1.GroupName, Kind: "GlobalRole", Name: "mc-pod-reader"},
			Subjects: []iamv1beta1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: "mc-global"}}})
	// A workspace on both clusters, its manager admin, a regular member
	// and a viewer, and a project of it on each cluster.
	const ws = "mcws"
	create(t, k8s, &tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: ws},
		Spec: tenantv1beta1.WorkspaceSpec{Manager: "mc-wsadmin", Clusters: []tenantv1beta1.ClusterRef{{Name: "host"}, {Name: cluster}}}})
	create(t, k8s, wsMember(ws, "mc-wsregular", builtin.WorkspaceRegular), wsMember(ws, "mc-wsviewer", builtin.WorkspaceViewer),
		project("mcws-host", ws))
	create(t, member.Client, project("mcws-member", ws))

	// The project operator: each project gets the built-in project roles,
	// on the host from the project controller, on the member from the
	// member RBAC controller, with the same rules.
	operator, memberOperator := &rbacv1.Role{}, &rbacv1.Role{}
	platform.Eventually(t, "the projects' operator roles", mirrorWait, func() error {
		if err := k8s.Get(ctx, client.ObjectKey{Namespace: "mcws-host", Name: builtin.ProjectOperator}, operator); err != nil {
			return err
		}
		return member.Client.Get(ctx, client.ObjectKey{Namespace: "mcws-member", Name: builtin.ProjectOperator}, memberOperator)
	})
	if h, m := grants(operator.Rules), grants(memberOperator.Rules); !equality.Semantic.DeepEqual(h, m) || len(h) == 0 {
		t.Fatalf("the member project's operator role grants otherwise than the host's:\n%v\n%v", m, h)
	}
	if _, marked := memberOperator.Labels[clusterv1alpha1.MirroredByLabel]; marked {
		t.Fatal("a project role is marked as a mirror")
	}
	bindOperator := func(ns string) *rbacv1.RoleBinding {
		return &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "mc-operator-operator"},
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: builtin.ProjectOperator},
			Subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: "mc-operator"}}}
	}
	create(t, k8s, bindOperator("mcws-host"))
	create(t, member.Client, bindOperator("mcws-member"))
	// The member's own binding, which the platform never touches.
	own := &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: "mcws-member", Name: "members-own", Labels: map[string]string{"team": "member"}},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "view"},
		Subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: "someone"}}}
	create(t, member.Client, own)

	// The mirrors reach the member (the new member namespace is found by
	// the periodic resync at the latest).
	wantRB := []string{
		mirror.WorkspaceRoleBindingName(wsMember(ws, "mc-wsregular", builtin.WorkspaceRegular).Name),
		mirror.WorkspaceRoleBindingName(wsMember(ws, "mc-wsviewer", builtin.WorkspaceViewer).Name),
		mirror.WorkspaceRoleBindingName("mc-wsadmin-" + builtin.WorkspaceRoleName(ws, builtin.WorkspaceAdmin)),
	}
	start := time.Now()
	platform.Eventually(t, "the workspace's bindings mirrored into the member's project", mirrorWait, func() error {
		for _, name := range append(wantRB, "") {
			if name == "" {
				name = "superkube:globalrolebinding:mc-global-mc-pod-reader"
				if err := member.Client.Get(ctx, client.ObjectKey{Name: name}, &rbacv1.ClusterRoleBinding{}); err != nil {
					return err
				}
				continue
			}
			if err := member.Client.Get(ctx, client.ObjectKey{Namespace: "mcws-member", Name: name}, &rbacv1.RoleBinding{}); err != nil {
				return err
			}
		}
		return nil
	})
	t.Logf("mirrored into the member %.1fs after the objects were made", time.Since(start).Seconds())

	// The same answers on both clusters, for every user, verb, resource
	// and place: the workspace's project on each, a namespace outside any
	// workspace, and cluster scope.
	pairs := [][2]string{{"mcws-host", "mcws-member"}, {"default", "default"}, {"", ""}}
	var allowed int
	platform.Eventually(t, "the host and the member agree", mirrorWait, func() error {
		diffs, n, err := compare(ctx, users, pairs)
		if err != nil {
			return err
		}
		if len(diffs) > 0 {
			return fmt.Errorf("%d disagreements: %s", len(diffs), strings.Join(diffs, "; "))
		}
		allowed = n
		return nil
	})
	t.Logf("%d questions, %d allowed on both", len(users)*len(verbs)*len(resources)*len(pairs), allowed)
	// And the answers are the expected ones, so the agreement is not vacuous.
	for _, c := range []struct {
		user, verb, group, resource, ns string
		want                            bool
	}{
		{"mc-global", "list", "", "pods", "", true},
		{"mc-global", "delete", "", "pods", "mcws-member", false},
		{"mc-wsadmin", "delete", "apps", "deployments", "mcws-member", true},
		{"mc-wsadmin", "get", "", "pods", "default", false},
		{"mc-wsviewer", "list", "", "pods", "mcws-member", true},
		{"mc-wsviewer", "create", "", "pods", "mcws-member", false},
		{"mc-wsregular", "list", "", "secrets", "mcws-member", false},
		{"mc-operator", "create", "apps", "deployments", "mcws-member", true},
		{"mc-operator", "create", "apps", "deployments", "default", false},
		{"mc-stranger", "get", "", "pods", "mcws-member", false},
	} {
		if got, err := sar(ctx, member.Client, c.user, c.verb, c.group, c.resource, c.ns); err != nil || got != c.want {
			t.Errorf("member: %s %s %s/%s in %q: allowed=%v (%v), want %v", c.user, c.verb, c.group, c.resource, c.ns, got, err, c.want)
		}
	}
	cl := &clusterv1alpha1.Cluster{}
	platform.Eventually(t, "RBACSynced=True", 30*time.Second, func() error {
		if err := k8s.Get(ctx, client.ObjectKey{Name: cluster}, cl); err != nil {
			return err
		}
		if c := meta.FindStatusCondition(cl.Status.Conditions, clusterv1alpha1.RBACSyncedCondition); c == nil || c.Status != metav1.ConditionTrue {
			return fmt.Errorf("RBACSynced is %+v", c)
		}
		return nil
	})
	if !meta.IsStatusConditionTrue(cl.Status.Conditions, clusterv1alpha1.ReadyCondition) {
		t.Fatalf("the Ready condition went missing beside RBACSynced: %+v", cl.Status.Conditions)
	}
	if n := internal.requests(cluster); n.reads == 0 || n.writes == 0 {
		t.Fatalf("the controllers did not go through ke-apiserver's internal path: %+v", n)
	}
	// In line, the member costs reads only: two more reconciles (each
	// lists namespaces and the three kinds of marked objects), brought by
	// a change of the workspace that changes nothing on the member, write
	// nothing.
	steady := internal.requests(cluster)
	for i := 1; i <= 2; i++ {
		w := &tenantv1beta1.Workspace{}
		if err := k8s.Get(ctx, client.ObjectKey{Name: ws}, w); err != nil {
			t.Fatal(err)
		}
		before := w.DeepCopy()
		if w.Labels == nil {
			w.Labels = map[string]string{}
		}
		w.Labels["touched"] = fmt.Sprint(i)
		if err := k8s.Patch(ctx, w, client.MergeFrom(before)); err != nil {
			t.Fatal(err)
		}
		platform.Eventually(t, "another reconcile of the member", mirrorWait, func() error {
			if n := internal.requests(cluster); n.reads < steady.reads+4*i {
				return fmt.Errorf("%d reads since", n.reads-steady.reads)
			}
			return nil
		})
	}
	if n := internal.requests(cluster); n.writes != steady.writes {
		t.Fatalf("a member in line was written to %d times", n.writes-steady.writes)
	}

	// A namespace made on the member joins the workspace there: the
	// periodic resync finds it (nothing changed on the host).
	create(t, member.Client, project("mcws-member2", ws))
	start = time.Now()
	platform.Eventually(t, "the workspace's bindings in a namespace made on the member", mirrorWait, func() error {
		return member.Client.Get(ctx, client.ObjectKey{Namespace: "mcws-member2", Name: wantRB[1]}, &rbacv1.RoleBinding{})
	})
	t.Logf("a namespace made on the member got the workspace's bindings %.1fs later", time.Since(start).Seconds())

	// A deleted binding is pruned on the member.
	if err := k8s.Delete(ctx, wsMember(ws, "mc-wsregular", builtin.WorkspaceRegular)); err != nil {
		t.Fatal(err)
	}
	platform.Eventually(t, "the regular member's mirror pruned", mirrorWait, func() error {
		err := member.Client.Get(ctx, client.ObjectKey{Namespace: "mcws-member", Name: wantRB[0]}, &rbacv1.RoleBinding{})
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("still there (%v)", err)
	})

	// The workspace leaves the member (Release, the default policy): the
	// member's mirrors of it are pruned and its namespace there released;
	// the host is unchanged.
	w := &tenantv1beta1.Workspace{}
	if err := k8s.Get(ctx, client.ObjectKey{Name: ws}, w); err != nil {
		t.Fatal(err)
	}
	before := w.DeepCopy()
	w.Spec.Clusters = []tenantv1beta1.ClusterRef{{Name: "host"}}
	if err := k8s.Patch(ctx, w, client.MergeFrom(before)); err != nil {
		t.Fatal(err)
	}
	platform.Eventually(t, "the member's mirrors of the workspace pruned and its namespaces released", mirrorWait, func() error {
		for _, name := range []string{"mcws-member", "mcws-member2"} {
			ns := &corev1.Namespace{}
			if err := member.Client.Get(ctx, client.ObjectKey{Name: name}, ns); err != nil {
				return err
			}
			if _, ok := ns.Labels[tenantv1beta1.WorkspaceLabel]; ok || !ns.DeletionTimestamp.IsZero() {
				return fmt.Errorf("namespace %s: labels %v, deleting %v", name, ns.Labels, ns.DeletionTimestamp)
			}
		}
		rbs := &rbacv1.RoleBindingList{}
		if err := member.Client.List(ctx, rbs, marker); err != nil {
			return err
		}
		if len(rbs.Items) > 0 {
			return fmt.Errorf("%d mirrored role bindings left", len(rbs.Items))
		}
		crs := &rbacv1.ClusterRoleList{}
		if err := member.Client.List(ctx, crs, marker, client.MatchingLabels{tenantv1beta1.WorkspaceLabel: ws}); err != nil {
			return err
		}
		if len(crs.Items) > 0 {
			return fmt.Errorf("%d mirrored workspace roles left", len(crs.Items))
		}
		return nil
	})
	if got, _ := sar(ctx, member.Client, "mc-wsviewer", "list", "", "pods", "mcws-member"); got {
		t.Error("the viewer keeps rights in the released member namespace")
	}
	if got, _ := sar(ctx, k8s, "mc-wsviewer", "list", "", "pods", "mcws-host"); !got {
		t.Error("the viewer lost rights in the host's project")
	}
	if got, _ := sar(ctx, member.Client, "mc-global", "list", "", "pods", ""); !got {
		t.Error("the global role holder lost rights on the member")
	}
	// The member's own objects are untouched.
	kept := &rbacv1.RoleBinding{}
	if err := member.Client.Get(ctx, client.ObjectKeyFromObject(own), kept); err != nil || kept.Labels["team"] != "member" ||
		kept.ResourceVersion != own.ResourceVersion {
		t.Errorf("the member's own binding changed: %v %+v", err, kept.ObjectMeta)
	}
	if err := member.Client.Get(ctx, client.ObjectKey{Namespace: "mcws-member", Name: "mc-operator-operator"}, &rbacv1.RoleBinding{}); err != nil {
		t.Errorf("the member's project binding: %v", err)
	}
	// As on the host, a namespace that leaves its workspace keeps its roles.
	if err := member.Client.Get(ctx, client.ObjectKey{Namespace: "mcws-member", Name: builtin.ProjectOperator}, &rbacv1.Role{}); err != nil {
		t.Errorf("the released namespace's project role: %v", err)
	}

	// A workspace whose policy is Delete: leaving the member deletes its
	// namespaces there.
	create(t, k8s, &tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: "mcdel"},
		Spec: tenantv1beta1.WorkspaceSpec{NamespacePolicy: tenantv1beta1.NamespacesDelete, Clusters: []tenantv1beta1.ClusterRef{{Name: "host"}, {Name: cluster}}}})
	create(t, member.Client, project("mcdel-member", "mcdel"))
	platform.Eventually(t, "workspace mcdel's roles mirrored", mirrorWait, func() error {
		return member.Client.Get(ctx, client.ObjectKey{Name: mirror.WorkspaceRoleClusterRole(builtin.WorkspaceRoleName("mcdel", builtin.WorkspaceViewer))}, &rbacv1.ClusterRole{})
	})
	if err := member.Client.Get(ctx, client.ObjectKey{Name: "mcdel-member"}, &corev1.Namespace{}); err != nil {
		t.Fatalf("a namespace of a placed workspace: %v", err)
	}
	w = &tenantv1beta1.Workspace{}
	if err := k8s.Get(ctx, client.ObjectKey{Name: "mcdel"}, w); err != nil {
		t.Fatal(err)
	}
	before = w.DeepCopy()
	w.Spec.Clusters = []tenantv1beta1.ClusterRef{{Name: "host"}}
	if err := k8s.Patch(ctx, w, client.MergeFrom(before)); err != nil {
		t.Fatal(err)
	}
	platform.Eventually(t, "the member namespace of workspace mcdel deleted", mirrorWait, func() error {
		ns := &corev1.Namespace{}
		err := member.Client.Get(ctx, client.ObjectKey{Name: "mcdel-member"}, ns)
		if apierrors.IsNotFound(err) || err == nil && !ns.DeletionTimestamp.IsZero() {
			return nil // the member has no namespace controller: it stays Terminating
		}
		return fmt.Errorf("still there (%v)", err)
	})
	// The released namespace of the other workspace stays.
	if err := member.Client.Get(ctx, client.ObjectKey{Name: "mcws-member"}, &corev1.Namespace{}); err != nil {
		t.Fatalf("the released namespace: %v", err)
	}

	// Removing the cluster takes the platform's grants out of the member
	// (the global roles' mirrors are there until then), and nothing else.
	marked := client.MatchingLabels{clusterv1alpha1.MirroredByLabel: clusterv1alpha1.MirroredByHost}
	crbs := &rbacv1.ClusterRoleBindingList{}
	if err := member.Client.List(ctx, crbs, marked); err != nil || len(crbs.Items) == 0 {
		t.Fatalf("before the removal the member holds %d mirrored cluster role bindings (%v)", len(crbs.Items), err)
	}
	expect(t, api.Do(t, http.MethodDelete, prefix+"/clusters/"+cluster, admin, nil), http.StatusOK)
	platform.Eventually(t, "the mirrors gone from the removed member", mirrorWait, func() error {
		for _, list := range []client.ObjectList{&rbacv1.ClusterRoleBindingList{}, &rbacv1.ClusterRoleList{}, &rbacv1.RoleBindingList{}} {
			if err := member.Client.List(ctx, list, marked); err != nil {
				return err
			}
			if n := meta.LenList(list); n > 0 {
				return fmt.Errorf("%d %T left", n, list)
			}
		}
		return nil
	})
	if err := member.Client.Get(ctx, client.ObjectKey{Namespace: "mcws-member", Name: builtin.ProjectOperator}, &rbacv1.Role{}); err != nil {
		t.Errorf("the member's own project role went with the mirrors: %v", err)
	}
}
