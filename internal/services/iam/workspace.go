package iam

import (
	"context"
	"fmt"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	"github.com/superkube/super-kubenetes/internal/iam/builtin"
)

// A workspace: WorkspaceRoles and WorkspaceRoleBindings labelled with the
// workspace and owned by it, so that they go with it. Role names are
// global, so custom ones start with "<workspace>-". The workspace's
// manager (spec.manager) stays its administrator, and so does the last
// member with the admin role.

func (s *Service) workspaceLevel(ctx context.Context, name string) (*level, error) {
	w, err := get[tenantv1beta1.Workspace](ctx, s, workspacesGR, name)
	if err != nil {
		return nil, err
	}
	admin := builtin.WorkspaceRoleName(name, builtin.WorkspaceAdmin)
	lv := &level{At: At{Level: iamv1beta1.LevelWorkspace, Name: name}, roles: workspaceRoles{s, w}, bindings: workspaceBindings{s, w},
		lockKey: "workspace/" + name, admin: admin}
	if m := w.Spec.Manager; m != "" {
		lv.keeper = keeper{user: m, role: admin, why: fmt.Sprintf(
			"user %s is the manager of workspace %s (spec.manager), whom the platform keeps its administrator; make another user the manager first", m, name)}
	}
	return lv, nil
}

// ownedBy makes an object go with its workspace.
func ownedBy(w *tenantv1beta1.Workspace) []metav1.OwnerReference {
	return []metav1.OwnerReference{{APIVersion: tenantv1beta1.GroupVersion.String(), Kind: "Workspace", Name: w.Name, UID: w.UID}}
}

type workspaceRoles struct {
	s *Service
	w *tenantv1beta1.Workspace
}

func (workspaceRoles) kind() string             { return "WorkspaceRole" }
func (workspaceRoles) gr() schema.GroupResource { return workspaceRolesGR }

// names tries a role's name as given, then as the suffix of the
// workspace's role ("admin" for "<ws>-admin").
func (l workspaceRoles) names(name string) []string {
	return []string{name, builtin.WorkspaceRoleName(l.w.Name, name)}
}

func (l workspaceRoles) checkName(name string) field.ErrorList {
	errs := validateRoleName(name)
	if len(errs) == 0 && !strings.HasPrefix(name, l.w.Name+"-") {
		errs = append(errs, field.Invalid(field.NewPath("metadata", "name"), name,
			fmt.Sprintf("must start with %q: workspace role names are unique across workspaces", l.w.Name+"-")))
	}
	return errs
}

func (l workspaceRoles) list(ctx context.Context) ([]client.Object, error) {
	list := &iamv1beta1.WorkspaceRoleList{}
	if err := l.s.Reader.List(ctx, list, client.MatchingLabels{tenantv1beta1.WorkspaceLabel: l.w.Name}); err != nil {
		return nil, err
	}
	return objects(list.Items, nil), nil
}

func (l workspaceRoles) get(ctx context.Context, name string) (client.Object, bool, error) {
	obj, err := l.s.lookup(ctx, client.ObjectKey{Name: name}, &iamv1beta1.WorkspaceRole{})
	return obj, obj != nil && obj.GetLabels()[tenantv1beta1.WorkspaceLabel] == l.w.Name, err
}

// pending resolves a built-in role of the workspace, by its suffix or full
// name, unless a role of the name is another workspace's.
func (l workspaceRoles) pending(_ context.Context, name string, taken bool) (string, []rbacv1.PolicyRule, bool, error) {
	if full, b, ok := builtin.PendingWorkspaceRole(l.w.Name, name); ok && !taken {
		return full, b.EffectiveRules(), true, nil
	}
	return "", nil, false, nil
}

func (l workspaceRoles) build(existing client.Object, name string, annotations map[string]string, templates []string, rules []rbacv1.PolicyRule) client.Object {
	r := &iamv1beta1.WorkspaceRole{ObjectMeta: metav1.ObjectMeta{Name: name, OwnerReferences: ownedBy(l.w)}}
	if existing != nil {
		r = existing.(*iamv1beta1.WorkspaceRole).DeepCopy()
	}
	r.Annotations = copyAnnotations(r.Annotations, annotations)
	r.Labels = withLabels(r.Labels, map[string]string{tenantv1beta1.WorkspaceLabel: l.w.Name, iamv1beta1.ScopeLabel: string(iamv1beta1.LevelWorkspace)})
	r.AggregationRoleTemplates = &iamv1beta1.AggregationRoleTemplates{TemplateNames: nonNil(templates)}
	r.Rules = rules
	return r
}

func (l workspaceRoles) inUse(ctx context.Context, name string) (int, error) {
	list := &iamv1beta1.WorkspaceRoleBindingList{}
	if err := l.s.Reader.List(ctx, list, client.MatchingLabels{tenantv1beta1.WorkspaceLabel: l.w.Name}); err != nil {
		return 0, err
	}
	return count(list.Items, func(b *iamv1beta1.WorkspaceRoleBinding) bool { return b.RoleRef.Name == name }), nil
}

type workspaceBindings struct {
	s *Service
	w *tenantv1beta1.Workspace
}

func (workspaceBindings) gr() schema.GroupResource { return workspaceMembersGR }

func (l workspaceBindings) list(ctx context.Context) ([]memberBinding, error) {
	list := &iamv1beta1.WorkspaceRoleBindingList{}
	if err := l.s.Reader.List(ctx, list, client.MatchingLabels{tenantv1beta1.WorkspaceLabel: l.w.Name}); err != nil {
		return nil, err
	}
	out := make([]memberBinding, 0, len(list.Items))
	for i := range list.Items {
		b := &list.Items[i]
		if !b.DeletionTimestamp.IsZero() {
			continue
		}
		var users []string
		for _, s := range b.Subjects {
			users = appendUser(users, s.Kind, s.Name)
		}
		if len(users) > 0 {
			out = append(out, memberBinding{obj: b, role: b.RoleRef.Name, users: users, subjects: len(b.Subjects)})
		}
	}
	return out, nil
}

func (l workspaceBindings) build(name, username, role string) client.Object {
	return &iamv1beta1.WorkspaceRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: name, OwnerReferences: ownedBy(l.w),
			Labels: bindingLabels(username, role, map[string]string{tenantv1beta1.WorkspaceLabel: l.w.Name})},
		RoleRef:  iamv1beta1.RoleRef{APIGroup: iamv1beta1.GroupName, Kind: "WorkspaceRole", Name: role},
		Subjects: []iamv1beta1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: username}},
	}
}

func (workspaceBindings) withoutUser(obj client.Object, username string) client.Object {
	b := obj.(*iamv1beta1.WorkspaceRoleBinding).DeepCopy()
	kept := b.Subjects[:0]
	for _, s := range b.Subjects {
		if s.Kind != rbacv1.UserKind || s.Name != username {
			kept = append(kept, s)
		}
	}
	b.Subjects = kept
	return b
}
