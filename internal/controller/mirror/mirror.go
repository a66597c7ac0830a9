// Package mirror names and builds the native RBAC objects that stand for the
// platform's roles and bindings, so that kube-apiserver allows what
// ke-apiserver allows.
package mirror

import (
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
)

// Label values of iam.superkube.io/mirror-of: the kind of the source.
const (
	OfGlobalRole           = "GlobalRole"
	OfGlobalRoleBinding    = "GlobalRoleBinding"
	OfWorkspaceRole        = "WorkspaceRole"
	OfWorkspaceRoleBinding = "WorkspaceRoleBinding"
)

// Names of mirrored objects. The prefix keeps them apart from user-made RBAC.

// GlobalRoleClusterRole is the ClusterRole that mirrors a GlobalRole.
func GlobalRoleClusterRole(name string) string { return "superkube:globalrole:" + name }

// GlobalRoleBindingName is the ClusterRoleBinding that mirrors a GlobalRoleBinding.
func GlobalRoleBindingName(name string) string { return "superkube:globalrolebinding:" + name }

// WorkspaceRoleClusterRole is the ClusterRole that mirrors a WorkspaceRole;
// the RoleBindings in the workspace's namespaces refer to it.
func WorkspaceRoleClusterRole(name string) string { return "superkube:workspacerole:" + name }

// WorkspaceRoleBindingName is the RoleBinding, in each namespace of the
// workspace, that mirrors a WorkspaceRoleBinding.
func WorkspaceRoleBindingName(name string) string { return "superkube:workspacerolebinding:" + name }

// Subjects converts platform subjects to native ones.
func Subjects(in []iamv1beta1.Subject) []rbacv1.Subject {
	out := make([]rbacv1.Subject, 0, len(in))
	for _, s := range in {
		out = append(out, rbacv1.Subject{Kind: s.Kind, APIGroup: rbacv1.GroupName, Name: s.Name})
	}
	return out
}

// Labels returns the labels of a mirrored object, with its scope.
func Labels(of string, scope iamv1beta1.Level, extra map[string]string) map[string]string {
	l := map[string]string{iamv1beta1.MirrorOfLabel: of, iamv1beta1.ScopeLabel: string(scope)}
	for k, v := range extra {
		l[k] = v
	}
	return l
}

// OwnerRef makes the source the controlling owner of the mirror, so that the
// garbage collector removes the mirror with it.
func OwnerRef(kind string, obj metav1.Object) metav1.OwnerReference {
	yes := true
	return metav1.OwnerReference{
		APIVersion:         iamv1beta1.GroupVersion.String(),
		Kind:               kind,
		Name:               obj.GetName(),
		UID:                obj.GetUID(),
		Controller:         &yes,
		BlockOwnerDeletion: &yes,
	}
}
