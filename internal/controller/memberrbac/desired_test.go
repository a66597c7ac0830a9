package memberrbac

import (
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	clusterv1alpha1 "github.com/superkube/super-kubenetes/api/cluster/v1alpha1"
	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
)

var (
	member = &clusterv1alpha1.Cluster{ObjectMeta: metav1.ObjectMeta{Name: "m1", Labels: map[string]string{"region": "eu"}},
		Spec: clusterv1alpha1.ClusterSpec{Connection: clusterv1alpha1.Connection{Type: clusterv1alpha1.ConnectionDirect}}}
	now   = metav1.Now()
	rules = []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get"}}}
)

func user(name string) iamv1beta1.Subject {
	return iamv1beta1.Subject{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: name}
}

func wsLabel(ws string) map[string]string { return map[string]string{tenantv1beta1.WorkspaceLabel: ws} }

func namespace(name, ws string) corev1.Namespace {
	ns := corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if ws != "" {
		ns.Labels = wsLabel(ws)
	}
	return ns
}

func platform() Platform {
	return Platform{
		GlobalRoles: []iamv1beta1.GlobalRole{
			{ObjectMeta: metav1.ObjectMeta{Name: "platform-admin"}, Rules: rules},
			{ObjectMeta: metav1.ObjectMeta{Name: "empty"}},
			{ObjectMeta: metav1.ObjectMeta{Name: "going", DeletionTimestamp: &now}},
		},
		GlobalRoleBindings: []iamv1beta1.GlobalRoleBinding{
			{ObjectMeta: metav1.ObjectMeta{Name: "alice-platform-admin", Labels: map[string]string{iamv1beta1.UserRefLabel: "alice"}},
				RoleRef: iamv1beta1.RoleRef{Name: "platform-admin"}, Subjects: []iamv1beta1.Subject{user("alice"), user("ghost")}},
			{ObjectMeta: metav1.ObjectMeta{Name: "to-nothing"}, RoleRef: iamv1beta1.RoleRef{Name: "missing"}, Subjects: []iamv1beta1.Subject{user("alice")}},
		},
		Workspaces: []tenantv1beta1.Workspace{
			{ObjectMeta: metav1.ObjectMeta{Name: "both"}, Spec: tenantv1beta1.WorkspaceSpec{Clusters: []tenantv1beta1.ClusterRef{{Name: "host"}, {Name: "m1"}}}},
			{ObjectMeta: metav1.ObjectMeta{Name: "eu"}, Spec: tenantv1beta1.WorkspaceSpec{ClusterSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"region": "eu"}}}},
			{ObjectMeta: metav1.ObjectMeta{Name: "hostonly"}},
			{ObjectMeta: metav1.ObjectMeta{Name: "gone-elsewhere"}, Spec: tenantv1beta1.WorkspaceSpec{
				Clusters: []tenantv1beta1.ClusterRef{{Name: "host"}}, NamespacePolicy: tenantv1beta1.NamespacesDelete}},
			{ObjectMeta: metav1.ObjectMeta{Name: "deleting", DeletionTimestamp: &now}, Spec: tenantv1beta1.WorkspaceSpec{
				Clusters: []tenantv1beta1.ClusterRef{{Name: "m1"}}, NamespacePolicy: tenantv1beta1.NamespacesDelete}},
		},
		WorkspaceRoles: []iamv1beta1.WorkspaceRole{
			{ObjectMeta: metav1.ObjectMeta{Name: "both-admin", Labels: wsLabel("both")}, Rules: rules},
			{ObjectMeta: metav1.ObjectMeta{Name: "eu-viewer", Labels: wsLabel("eu")}},
			{ObjectMeta: metav1.ObjectMeta{Name: "hostonly-admin", Labels: wsLabel("hostonly")}},
			{ObjectMeta: metav1.ObjectMeta{Name: "unlabelled"}},
		},
		WorkspaceRoleBindings: []iamv1beta1.WorkspaceRoleBinding{
			{ObjectMeta: metav1.ObjectMeta{Name: "alice-both-admin", Labels: map[string]string{tenantv1beta1.WorkspaceLabel: "both", iamv1beta1.UserRefLabel: "alice"}},
				RoleRef: iamv1beta1.RoleRef{Name: "both-admin"}, Subjects: []iamv1beta1.Subject{user("alice")}},
			// Only a missing user: no binding at all.
			{ObjectMeta: metav1.ObjectMeta{Name: "ghost-both-admin", Labels: wsLabel("both")},
				RoleRef: iamv1beta1.RoleRef{Name: "both-admin"}, Subjects: []iamv1beta1.Subject{user("ghost")}},
			// A role of another workspace: not mirrored (as on the host).
			{ObjectMeta: metav1.ObjectMeta{Name: "cross", Labels: wsLabel("both")},
				RoleRef: iamv1beta1.RoleRef{Name: "eu-viewer"}, Subjects: []iamv1beta1.Subject{user("alice")}},
			{ObjectMeta: metav1.ObjectMeta{Name: "devs-eu-viewer", Labels: wsLabel("eu")},
				RoleRef: iamv1beta1.RoleRef{Name: "eu-viewer"}, Subjects: []iamv1beta1.Subject{{Kind: rbacv1.GroupKind, Name: "devs"}}},
			{ObjectMeta: metav1.ObjectMeta{Name: "alice-hostonly-admin", Labels: wsLabel("hostonly")},
				RoleRef: iamv1beta1.RoleRef{Name: "hostonly-admin"}, Subjects: []iamv1beta1.Subject{user("alice")}},
		},
		UserExists: func(name string) bool { return name == "alice" },
	}
}

func names[T any](items []T, name func(T) string) []string {
	out := []string{}
	for _, i := range items {
		out = append(out, name(i))
	}
	return out
}

func TestDesired(t *testing.T) {
	terminating := namespace("both-old", "both")
	terminating.Status.Phase = corev1.NamespaceTerminating
	nss := []corev1.Namespace{
		namespace("both-a", "both"), namespace("both-b", "both"), terminating,
		namespace("eu-a", "eu"), namespace("plain", ""),
		namespace("stray", "hostonly"), namespace("doomed", "gone-elsewhere"),
		namespace("orphan", "no-such-workspace"), namespace("with-deleting", "deleting"),
	}
	s := Desired(platform(), member, nss)

	if got, want := names(s.ClusterRoles, func(r rbacv1.ClusterRole) string { return r.Name }), []string{
		"superkube:globalrole:empty", "superkube:globalrole:platform-admin",
		"superkube:workspacerole:both-admin", "superkube:workspacerole:eu-viewer",
	}; !reflect.DeepEqual(got, want) {
		t.Errorf("cluster roles %v, want %v", got, want)
	}
	for _, cr := range s.ClusterRoles {
		if cr.Labels[clusterv1alpha1.MirroredByLabel] != clusterv1alpha1.MirroredByHost || cr.Labels[iamv1beta1.MirrorOfLabel] == "" {
			t.Errorf("%s is not marked: %v", cr.Name, cr.Labels)
		}
		if cr.Rules == nil {
			t.Errorf("%s has nil rules", cr.Name)
		}
		switch cr.Name {
		case "superkube:globalrole:platform-admin":
			if !reflect.DeepEqual(cr.Rules, rules) || cr.Labels[iamv1beta1.ScopeLabel] != string(iamv1beta1.LevelGlobal) {
				t.Errorf("%s: %+v", cr.Name, cr)
			}
		case "superkube:workspacerole:both-admin":
			if cr.Labels[tenantv1beta1.WorkspaceLabel] != "both" || cr.Labels[iamv1beta1.ScopeLabel] != string(iamv1beta1.LevelWorkspace) {
				t.Errorf("%s: %v", cr.Name, cr.Labels)
			}
		}
	}

	if len(s.ClusterRoleBindings) != 1 {
		t.Fatalf("cluster role bindings: %+v", s.ClusterRoleBindings)
	}
	crb := s.ClusterRoleBindings[0]
	if crb.Name != "superkube:globalrolebinding:alice-platform-admin" || crb.RoleRef.Name != "superkube:globalrole:platform-admin" ||
		len(crb.Subjects) != 1 || crb.Subjects[0].Name != "alice" || crb.Labels[iamv1beta1.UserRefLabel] != "alice" ||
		crb.Labels[clusterv1alpha1.MirroredByLabel] != clusterv1alpha1.MirroredByHost {
		t.Errorf("cluster role binding %+v", crb)
	}

	if got, want := names(s.RoleBindings, func(rb rbacv1.RoleBinding) string { return rb.Namespace + "/" + rb.Name }), []string{
		"both-a/superkube:workspacerolebinding:alice-both-admin",
		"both-b/superkube:workspacerolebinding:alice-both-admin",
		"eu-a/superkube:workspacerolebinding:devs-eu-viewer",
	}; !reflect.DeepEqual(got, want) {
		t.Errorf("role bindings %v, want %v", got, want)
	}
	for _, rb := range s.RoleBindings {
		if rb.RoleRef.Kind != "ClusterRole" || rb.Labels[clusterv1alpha1.MirroredByLabel] != clusterv1alpha1.MirroredByHost || rb.Labels[tenantv1beta1.WorkspaceLabel] == "" {
			t.Errorf("role binding %+v", rb)
		}
	}

	if got, want := s.Projects, []string{"both-a", "both-b", "eu-a"}; !reflect.DeepEqual(got, want) {
		t.Errorf("projects %v, want %v", got, want)
	}
	if got, want := s.Namespaces, []NamespaceAction{
		{Namespace: "doomed", Workspace: "gone-elsewhere", Policy: tenantv1beta1.NamespacesDelete},
		{Namespace: "orphan", Workspace: "no-such-workspace", Policy: tenantv1beta1.NamespacesRelease},
		{Namespace: "stray", Workspace: "hostonly", Policy: tenantv1beta1.NamespacesRelease},
		{Namespace: "with-deleting", Workspace: "deleting", Policy: tenantv1beta1.NamespacesDelete},
	}; !reflect.DeepEqual(got, want) {
		t.Errorf("namespace actions %+v, want %+v", got, want)
	}
}

// The host's RBAC is never computed for a workspace placed nowhere here, and
// a workspace with neither clusters nor selector is the host's only.
func TestDesiredForAnotherMember(t *testing.T) {
	other := member.DeepCopy()
	other.Name, other.Labels = "m2", nil
	s := Desired(platform(), other, []corev1.Namespace{namespace("both-a", "both")})
	for _, cr := range s.ClusterRoles {
		if cr.Labels[iamv1beta1.MirrorOfLabel] == "WorkspaceRole" {
			t.Errorf("m2 gets workspace role %s", cr.Name)
		}
	}
	if len(s.RoleBindings) != 0 {
		t.Errorf("m2 gets role bindings %+v", s.RoleBindings)
	}
	if len(s.Namespaces) != 1 || s.Namespaces[0].Policy != tenantv1beta1.NamespacesRelease {
		t.Errorf("m2's namespace of workspace both: %+v", s.Namespaces)
	}
}

func ops(changes []Change) []string {
	out := []string{}
	for _, c := range changes {
		out = append(out, string(c.Op)+" "+describe(c.Object))
	}
	return out
}

func TestPlan(t *testing.T) {
	want := Desired(platform(), member, []corev1.Namespace{namespace("both-a", "both"), namespace("eu-a", "eu")})

	// An empty member: everything is created, roles before bindings.
	first := Plan(want, Marked{})
	if got, exp := ops(first), []string{
		"create ClusterRole superkube:globalrole:empty",
		"create ClusterRole superkube:globalrole:platform-admin",
		"create ClusterRole superkube:workspacerole:both-admin",
		"create ClusterRole superkube:workspacerole:eu-viewer",
		"create ClusterRoleBinding superkube:globalrolebinding:alice-platform-admin",
		"create RoleBinding both-a/superkube:workspacerolebinding:alice-both-admin",
		"create RoleBinding eu-a/superkube:workspacerolebinding:devs-eu-viewer",
	}; !reflect.DeepEqual(got, exp) {
		t.Fatalf("plan for an empty member:\n%v\nwant\n%v", got, exp)
	}

	// What was written comes back with server fields and labels others
	// added: nothing to do.
	have := marked(want)
	for i := range have.ClusterRoles {
		have.ClusterRoles[i].Labels["someone/else"] = "x"
	}
	if p := Plan(want, have); len(p) != 0 {
		t.Fatalf("the steady state plans writes: %v", ops(p))
	}

	// Drift on the member: edited rules and subjects, a changed roleRef.
	drift := marked(want)
	drift.ClusterRoles[1].Rules = nil
	drift.ClusterRoleBindings[0].Subjects = nil
	drift.RoleBindings[0].RoleRef.Name = "superkube:workspacerole:other"
	delete(drift.RoleBindings[1].Labels, iamv1beta1.ScopeLabel)
	if got, exp := ops(Plan(want, drift)), []string{
		"update ClusterRole superkube:globalrole:platform-admin",
		"update ClusterRoleBinding superkube:globalrolebinding:alice-platform-admin",
		"delete RoleBinding both-a/superkube:workspacerolebinding:alice-both-admin",
		"create RoleBinding both-a/superkube:workspacerolebinding:alice-both-admin",
		"update RoleBinding eu-a/superkube:workspacerolebinding:devs-eu-viewer",
	}; !reflect.DeepEqual(got, exp) {
		t.Fatalf("plan for drift:\n%v\nwant\n%v", got, exp)
	}
	for _, ch := range Plan(want, drift) {
		if ch.Op == Update && (ch.Base == nil || ch.Base.GetResourceVersion() != "1") {
			t.Errorf("an update without its base: %+v", ch)
		}
	}
}

func TestPlanPrunes(t *testing.T) {
	all := Desired(platform(), member, []corev1.Namespace{namespace("both-a", "both"), namespace("eu-a", "eu")})
	have := marked(all)

	// Workspace eu leaves the placement, alice's global binding is deleted,
	// namespace both-a leaves workspace both.
	p := platform()
	p.Workspaces[1].Spec.ClusterSelector = &metav1.LabelSelector{MatchLabels: map[string]string{"region": "us"}}
	p.GlobalRoleBindings = p.GlobalRoleBindings[1:]
	want := Desired(p, member, []corev1.Namespace{namespace("both-a", ""), namespace("eu-a", "eu")})
	if len(want.Namespaces) != 1 || want.Namespaces[0].Namespace != "eu-a" {
		t.Fatalf("eu-a should leave workspace eu: %+v", want.Namespaces)
	}
	if got, exp := ops(Plan(want, have)), []string{
		"delete RoleBinding both-a/superkube:workspacerolebinding:alice-both-admin",
		"delete RoleBinding eu-a/superkube:workspacerolebinding:devs-eu-viewer",
		"delete ClusterRoleBinding superkube:globalrolebinding:alice-platform-admin",
		"delete ClusterRole superkube:workspacerole:eu-viewer",
	}; !reflect.DeepEqual(got, exp) {
		t.Fatalf("pruning:\n%v\nwant\n%v", got, exp)
	}
	// Only marked objects are ever planned: the member's own objects are
	// not in Marked and so never deleted or changed.
	for _, ch := range Plan(want, have) {
		if ch.Object.GetLabels()[clusterv1alpha1.MirroredByLabel] != clusterv1alpha1.MirroredByHost {
			t.Errorf("a write of an unmarked object: %s", describe(ch.Object))
		}
	}
	// Nothing wanted: everything marked goes, bindings first.
	if got := ops(Plan(State{}, have)); len(got) != len(have.ClusterRoles)+len(have.ClusterRoleBindings)+len(have.RoleBindings) ||
		got[0] != "delete RoleBinding both-a/superkube:workspacerolebinding:alice-both-admin" || got[len(got)-1] != "delete ClusterRole superkube:workspacerole:eu-viewer" {
		t.Fatalf("pruning everything: %v", got)
	}
}

// marked is what the member holds after want was written.
func marked(want State) Marked {
	var m Marked
	for _, o := range want.ClusterRoles {
		o := *o.DeepCopy()
		o.UID, o.ResourceVersion = types.UID("uid-"+o.Name), "1"
		m.ClusterRoles = append(m.ClusterRoles, o)
	}
	for _, o := range want.ClusterRoleBindings {
		o := *o.DeepCopy()
		o.UID, o.ResourceVersion = types.UID("uid-"+o.Name), "1"
		m.ClusterRoleBindings = append(m.ClusterRoleBindings, o)
	}
	for _, o := range want.RoleBindings {
		o := *o.DeepCopy()
		o.UID, o.ResourceVersion = types.UID("uid-"+o.Name), "1"
		m.RoleBindings = append(m.RoleBindings, o)
	}
	return m
}
