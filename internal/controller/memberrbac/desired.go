package memberrbac

import (
	"sort"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	clusterv1alpha1 "github.com/superkube/super-kubenetes/api/cluster/v1alpha1"
	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	"github.com/superkube/super-kubenetes/internal/controller/mirror"
	"github.com/superkube/super-kubenetes/internal/multicluster/placement"
)

// Platform is what the host holds that decides a member's RBAC.
type Platform struct {
	GlobalRoles        []iamv1beta1.GlobalRole
	GlobalRoleBindings []iamv1beta1.GlobalRoleBinding
	// WorkspaceRoles and WorkspaceRoleBindings may be all of them or only
	// those of the workspaces placed on the cluster; the others are ignored.
	WorkspaceRoles        []iamv1beta1.WorkspaceRole
	WorkspaceRoleBindings []iamv1beta1.WorkspaceRoleBinding
	// Workspaces are all workspaces: those not placed on the cluster decide
	// what happens to the member's namespaces that still name them.
	Workspaces []tenantv1beta1.Workspace
	// UserExists says whether a user exists and is not being deleted. A
	// binding grants nothing to a missing user (as on the host, see package
	// subjects); groups are always kept.
	UserExists func(name string) bool
}

// NamespaceAction is what happens to a member namespace whose workspace is
// no longer placed on the member.
type NamespaceAction struct {
	Namespace string
	Workspace string
	// Policy is Release (remove the workspace label) or Delete.
	Policy tenantv1beta1.NamespacePolicy
}

// State is the mirrored RBAC a member should hold, and the namespaces that
// leave their workspace there.
type State struct {
	ClusterRoles        []rbacv1.ClusterRole
	ClusterRoleBindings []rbacv1.ClusterRoleBinding
	RoleBindings        []rbacv1.RoleBinding
	Namespaces          []NamespaceAction
	// Projects are the member namespaces of the workspaces placed on it
	// (not terminating), which get the built-in project roles.
	Projects []string
}

// Desired computes the member's wanted state from the platform and the
// member's namespaces:
//
//   - every GlobalRole is a ClusterRole superkube:globalrole:<n> with its
//     (aggregated) rules, and every GlobalRoleBinding whose role exists a
//     ClusterRoleBinding superkube:globalrolebinding:<n> to the existing
//     subjects;
//   - for each workspace placed on the cluster (and not being deleted), its
//     WorkspaceRoles are ClusterRoles superkube:workspacerole:<n>, and each
//     of its WorkspaceRoleBindings whose role is the workspace's is a
//     RoleBinding superkube:workspacerolebinding:<n> in every member
//     namespace labelled with the workspace that is not terminating (none
//     when no subject exists);
//   - a member namespace labelled with a workspace that is not placed on the
//     cluster leaves it: by the workspace's namespace policy while the
//     workspace exists (also while it is being deleted), by Release when it
//     no longer exists (the data is kept).
//
// Every object carries the labels of the host's mirror plus MirroredByLabel.
func Desired(p Platform, cluster *clusterv1alpha1.Cluster, namespaces []corev1.Namespace) State {
	var s State
	userExists := p.UserExists
	if userExists == nil {
		userExists = func(string) bool { return false }
	}

	globalRoles := map[string]bool{}
	for i := range p.GlobalRoles {
		r := &p.GlobalRoles[i]
		if !r.DeletionTimestamp.IsZero() {
			continue
		}
		globalRoles[r.Name] = true
		s.ClusterRoles = append(s.ClusterRoles, clusterRole(mirror.GlobalRoleClusterRole(r.Name),
			labels(mirror.OfGlobalRole, iamv1beta1.LevelGlobal, nil), r.Rules))
	}
	for i := range p.GlobalRoleBindings {
		b := &p.GlobalRoleBindings[i]
		if !b.DeletionTimestamp.IsZero() || !globalRoles[b.RoleRef.Name] {
			continue
		}
		s.ClusterRoleBindings = append(s.ClusterRoleBindings, rbacv1.ClusterRoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: mirror.GlobalRoleBindingName(b.Name),
				Labels: labels(mirror.OfGlobalRoleBinding, iamv1beta1.LevelGlobal, userRef(b.Labels, nil))},
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: mirror.GlobalRoleClusterRole(b.RoleRef.Name)},
			Subjects: mirror.Subjects(existing(b.Subjects, userExists)),
		})
	}

	// The workspaces placed here, and those that exist but are not.
	placed, elsewhere := map[string]bool{}, map[string]*tenantv1beta1.Workspace{}
	for i := range p.Workspaces {
		ws := &p.Workspaces[i]
		if ws.DeletionTimestamp.IsZero() && placement.Placed(ws, cluster) {
			placed[ws.Name] = true
		} else {
			elsewhere[ws.Name] = ws
		}
	}

	// The member's namespaces of each placed workspace; the others leave.
	inWorkspace := map[string][]string{}
	for i := range namespaces {
		ns := &namespaces[i]
		ws := ns.Labels[tenantv1beta1.WorkspaceLabel]
		if ws == "" || terminating(ns) {
			continue
		}
		if placed[ws] {
			inWorkspace[ws] = append(inWorkspace[ws], ns.Name)
			s.Projects = append(s.Projects, ns.Name)
			continue
		}
		policy := tenantv1beta1.NamespacesRelease
		if w, ok := elsewhere[ws]; ok && w.Spec.NamespacePolicy == tenantv1beta1.NamespacesDelete {
			policy = tenantv1beta1.NamespacesDelete
		}
		s.Namespaces = append(s.Namespaces, NamespaceAction{Namespace: ns.Name, Workspace: ws, Policy: policy})
	}

	workspaceRoles := map[string]string{} // role → its workspace
	for i := range p.WorkspaceRoles {
		r := &p.WorkspaceRoles[i]
		ws := r.Labels[tenantv1beta1.WorkspaceLabel]
		if ws == "" || !placed[ws] || !r.DeletionTimestamp.IsZero() {
			continue
		}
		workspaceRoles[r.Name] = ws
		s.ClusterRoles = append(s.ClusterRoles, clusterRole(mirror.WorkspaceRoleClusterRole(r.Name),
			labels(mirror.OfWorkspaceRole, iamv1beta1.LevelWorkspace, map[string]string{tenantv1beta1.WorkspaceLabel: ws}), r.Rules))
	}
	for i := range p.WorkspaceRoleBindings {
		b := &p.WorkspaceRoleBindings[i]
		ws := b.Labels[tenantv1beta1.WorkspaceLabel]
		if ws == "" || !placed[ws] || !b.DeletionTimestamp.IsZero() || workspaceRoles[b.RoleRef.Name] != ws {
			continue
		}
		subjects := existing(b.Subjects, userExists)
		if len(subjects) == 0 {
			continue
		}
		for _, ns := range inWorkspace[ws] {
			s.RoleBindings = append(s.RoleBindings, rbacv1.RoleBinding{
				ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: mirror.WorkspaceRoleBindingName(b.Name),
					Labels: labels(mirror.OfWorkspaceRoleBinding, iamv1beta1.LevelWorkspace,
						userRef(b.Labels, map[string]string{tenantv1beta1.WorkspaceLabel: ws}))},
				RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: mirror.WorkspaceRoleClusterRole(b.RoleRef.Name)},
				Subjects: mirror.Subjects(subjects),
			})
		}
	}

	sort.Slice(s.ClusterRoles, func(i, j int) bool { return s.ClusterRoles[i].Name < s.ClusterRoles[j].Name })
	sort.Slice(s.ClusterRoleBindings, func(i, j int) bool { return s.ClusterRoleBindings[i].Name < s.ClusterRoleBindings[j].Name })
	sort.Slice(s.RoleBindings, func(i, j int) bool {
		a, b := s.RoleBindings[i], s.RoleBindings[j]
		return a.Namespace < b.Namespace || a.Namespace == b.Namespace && a.Name < b.Name
	})
	sort.Strings(s.Projects)
	sort.Slice(s.Namespaces, func(i, j int) bool { return s.Namespaces[i].Namespace < s.Namespaces[j].Namespace })
	return s
}

func clusterRole(name string, l map[string]string, rules []rbacv1.PolicyRule) rbacv1.ClusterRole {
	if rules == nil {
		rules = []rbacv1.PolicyRule{}
	}
	return rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: l}, Rules: rules}
}

// labels are the host mirror's labels plus the marker.
func labels(of string, scope iamv1beta1.Level, extra map[string]string) map[string]string {
	l := mirror.Labels(of, scope, extra)
	l[clusterv1alpha1.MirroredByLabel] = clusterv1alpha1.MirroredByHost
	return l
}

func userRef(from, into map[string]string) map[string]string {
	if u := from[iamv1beta1.UserRefLabel]; u != "" {
		if into == nil {
			into = map[string]string{}
		}
		into[iamv1beta1.UserRefLabel] = u
	}
	return into
}

func existing(in []iamv1beta1.Subject, userExists func(string) bool) []iamv1beta1.Subject {
	var out []iamv1beta1.Subject
	for _, s := range in {
		if s.Kind == rbacv1.UserKind && !userExists(s.Name) {
			continue
		}
		out = append(out, s)
	}
	return out
}

func terminating(ns *corev1.Namespace) bool {
	return !ns.DeletionTimestamp.IsZero() || ns.Status.Phase == corev1.NamespaceTerminating
}
