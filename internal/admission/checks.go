package admission

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/authentication/user"

	alertingv2beta1 "github.com/superkube/super-kubenetes/api/alerting/v2beta1"
	applicationv2 "github.com/superkube/super-kubenetes/api/application/v2"
	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	meshv1 "github.com/superkube/super-kubenetes/api/servicemesh/v1alpha2"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	"github.com/superkube/super-kubenetes/internal/authz"
	"github.com/superkube/super-kubenetes/internal/iam/roletemplate"
)

// checkFor returns the check of a resource, or nil when the webhook has
// none (kube-apiserver calls it only for the resources of Configuration).
func (h *Webhook) checkFor(group, resource, sub string) checkFunc {
	switch key(group, resource, sub) {
	case key(iamv1beta1.GroupName, "users", ""), key(iamv1beta1.GroupName, "users", "status"):
		return h.user
	case key(iamv1beta1.GroupName, "groups", ""):
		return h.group
	case key(iamv1beta1.GroupName, "groupbindings", ""):
		return h.groupBinding
	case key(iamv1beta1.GroupName, "globalrolebindings", ""):
		return h.globalRoleBinding
	case key(iamv1beta1.GroupName, "workspacerolebindings", ""):
		return h.workspaceRoleBinding
	case key(iamv1beta1.GroupName, "globalroles", ""):
		return h.globalRole
	case key(iamv1beta1.GroupName, "workspaceroles", ""):
		return h.workspaceRole
	case key(iamv1beta1.GroupName, "roletemplates", ""):
		return h.roleTemplate
	case key(rbacv1.GroupName, "roles", ""):
		return h.role
	case key(rbacv1.GroupName, "rolebindings", ""):
		return h.roleBinding
	case key(rbacv1.GroupName, "clusterroles", ""):
		return h.clusterRole
	case key(rbacv1.GroupName, "clusterrolebindings", ""):
		return h.clusterRoleBinding
	case key("", "namespaces", ""):
		return h.namespace
	case key(alertingv2beta1.GroupName, "rulegroups", ""), key(alertingv2beta1.GroupName, "clusterrulegroups", ""),
		key(alertingv2beta1.GroupName, "globalrulegroups", ""):
		return h.ruleGroup
	case key(applicationv2.GroupName, "applicationversions", ""):
		return h.applicationVersion
	case key(applicationv2.GroupName, "repositories", ""):
		return h.repository
	case key(applicationv2.GroupName, "applicationreleases", ""):
		return h.applicationRelease
	case key(meshv1.GroupVersion.Group, "strategies", ""):
		return h.strategy
	case key(meshv1.GroupVersion.Group, "servicepolicies", ""):
		return h.servicePolicy
	}
	return nil
}

// --- Users and groups: act only on those who hold no more than you. ---

func userSubject(name string, groups []string) authz.Subject {
	return authz.Subject{User: name, Groups: append(slices.Clone(groups), user.AllAuthenticated)}
}

func (h *Webhook) user(_ context.Context, req *request) (string, error) {
	if req.Operation == admissionv1.Create || req.Operation == admissionv1.Connect {
		return "", nil
	}
	obj, old, err := decode[iamv1beta1.User](req)
	if err != nil {
		return "", err
	}
	for _, u := range []*iamv1beta1.User{old, obj} {
		if u == nil {
			continue
		}
		if m := h.Authorizer.MissingOf(req.caller, userSubject(u.Name, u.Status.Groups)); m != "" {
			return fmt.Sprintf("user %s may not change or delete user %s, who may %s, which user %s may not",
				req.caller.User, u.Name, m, req.caller.User), nil
		}
	}
	return "", nil
}

func (h *Webhook) group(_ context.Context, req *request) (string, error) {
	if req.Operation == admissionv1.Create || req.Operation == admissionv1.Connect {
		return "", nil
	}
	return h.actOnGroups(req, []string{req.Name}), nil
}

func (h *Webhook) actOnGroups(req *request, groups []string) string {
	for _, g := range groups {
		if m := h.Authorizer.MissingOf(req.caller, authz.Subject{Groups: []string{g}}); m != "" {
			return fmt.Sprintf("user %s may not change group %s or its members: the group may %s, which user %s may not",
				req.caller.User, g, m, req.caller.User)
		}
	}
	return ""
}

func (h *Webhook) groupBinding(ctx context.Context, req *request) (string, error) {
	obj, old, err := decode[iamv1beta1.GroupBinding](req)
	if err != nil {
		return "", err
	}
	var groups, users []string
	switch {
	case obj != nil && old != nil && obj.GroupRef.Name == old.GroupRef.Name:
		users = symmetricDifference(obj.Users, old.Users)
		if len(users) > 0 {
			groups = []string{obj.GroupRef.Name}
		}
	default:
		for _, b := range []*iamv1beta1.GroupBinding{obj, old} {
			if b != nil {
				groups = append(groups, b.GroupRef.Name)
				users = append(users, b.Users...)
			}
		}
	}
	if reason := h.actOnGroups(req, groups); reason != "" {
		return reason, nil
	}
	slices.Sort(users)
	for _, name := range slices.Compact(users) {
		groupsOf, _, err := h.Objects.UserGroups(ctx, name)
		if err != nil {
			return "", err
		}
		if m := h.Authorizer.MissingOf(req.caller, userSubject(name, groupsOf)); m != "" {
			return fmt.Sprintf("user %s may not change the groups of user %s, who may %s, which user %s may not",
				req.caller.User, name, m, req.caller.User), nil
		}
	}
	return "", nil
}

func symmetricDifference(a, b []string) []string {
	in := slices.Contains[[]string]
	var out []string
	for _, v := range a {
		if !in(b, v) {
			out = append(out, v)
		}
	}
	for _, v := range b {
		if !in(a, v) {
			out = append(out, v)
		}
	}
	return out
}

// --- Bindings: grant (or take away) only what you hold. ---

// boundRole is a role a write of a binding grants (the new version's) or
// takes away (the old version's), with where it applies.
type boundRole struct {
	ref   RoleRef
	place authz.Place
	// isNew is true for the role being granted: one that does not exist
	// cannot be checked and is refused; one being taken away that does not
	// exist grants nothing.
	isNew bool
}

func (h *Webhook) checkBound(ctx context.Context, req *request, roles []boundRole) (string, error) {
	for _, b := range roles {
		rules, ok, err := h.Objects.RoleRules(ctx, b.ref)
		if err != nil {
			return "", err
		}
		if !ok {
			if b.isNew && !h.Authorizer.IsPlatformAdmin(req.caller) {
				return fmt.Sprintf("%s %q does not exist: only a platform administrator may bind a role that does not exist yet", b.ref.Kind, b.ref.Name), nil
			}
			continue
		}
		if m := h.Authorizer.Missing(req.caller, rules, b.place); m != "" {
			m += " " + b.place.String()
			verb := "grant"
			if !b.isNew {
				verb = "take away"
			}
			return fmt.Sprintf("user %s may not %s %s %q, which allows %s, which user %s may not",
				req.caller.User, verb, b.ref.Kind, b.ref.Name, m, req.caller.User), nil
		}
	}
	return "", nil
}

// version is one version of an object in a write.
type version[T any] struct {
	o *T
	// isNew is true for the version written, false for the one replaced or deleted.
	isNew bool
}

// versions returns the new object for creates and updates and the old one
// for updates and deletes.
func versions[T any](obj, old *T, op admissionv1.Operation) []version[T] {
	var out []version[T]
	if obj != nil && (op == admissionv1.Create || op == admissionv1.Update) {
		out = append(out, version[T]{obj, true})
	}
	if old != nil && (op == admissionv1.Update || op == admissionv1.Delete) {
		out = append(out, version[T]{old, false})
	}
	return out
}

func (h *Webhook) globalRoleBinding(ctx context.Context, req *request) (string, error) {
	obj, old, err := decode[iamv1beta1.GlobalRoleBinding](req)
	if err != nil {
		return "", err
	}
	var roles []boundRole
	for _, v := range versions(obj, old, req.Operation) {
		roles = append(roles, boundRole{RoleRef{Kind: "GlobalRole", Name: v.o.RoleRef.Name}, authz.Place{}, v.isNew})
	}
	return h.checkBound(ctx, req, roles)
}

func (h *Webhook) workspaceRoleBinding(ctx context.Context, req *request) (string, error) {
	obj, old, err := decode[iamv1beta1.WorkspaceRoleBinding](req)
	if err != nil {
		return "", err
	}
	var roles []boundRole
	for _, v := range versions(obj, old, req.Operation) {
		ws := v.o.Labels[tenantv1beta1.WorkspaceLabel]
		if ws == "" {
			continue // a binding outside any workspace grants nothing
		}
		roles = append(roles, boundRole{RoleRef{Kind: "WorkspaceRole", Name: v.o.RoleRef.Name, Workspace: ws}, authz.Place{Workspace: ws}, v.isNew})
	}
	return h.checkBound(ctx, req, roles)
}

func (h *Webhook) roleBinding(ctx context.Context, req *request) (string, error) {
	obj, old, err := decode[rbacv1.RoleBinding](req)
	if err != nil {
		return "", err
	}
	if reason := h.markers(req, meta(obj), meta(old)); reason != "" {
		return reason, nil
	}
	if obj == nil || req.Operation == admissionv1.Delete {
		return "", nil // Kubernetes semantics: removing a native binding needs only delete
	}
	ref := RoleRef{Kind: obj.RoleRef.Kind, Name: obj.RoleRef.Name}
	if ref.Kind == "Role" {
		ref.Namespace = obj.Namespace
	}
	return h.checkBound(ctx, req, []boundRole{{ref, authz.Place{Namespace: obj.Namespace}, true}})
}

func (h *Webhook) clusterRoleBinding(ctx context.Context, req *request) (string, error) {
	obj, old, err := decode[rbacv1.ClusterRoleBinding](req)
	if err != nil {
		return "", err
	}
	if reason := h.markers(req, meta(obj), meta(old)); reason != "" {
		return reason, nil
	}
	if obj == nil || req.Operation == admissionv1.Delete {
		return "", nil
	}
	return h.checkBound(ctx, req, []boundRole{{RoleRef{Kind: "ClusterRole", Name: obj.RoleRef.Name}, authz.Place{}, true}})
}

// --- Roles and templates: build only what you hold. ---

func (h *Webhook) checkRules(req *request, what string, rules []rbacv1.PolicyRule, place authz.Place, isNew bool) string {
	if m := h.Authorizer.Missing(req.caller, rules, place); m != "" {
		m += " " + place.String()
		verb := "make or change"
		if !isNew {
			verb = "change or delete"
		}
		return fmt.Sprintf("user %s may not %s %s, which allows %s, which user %s may not", req.caller.User, verb, what, m, req.caller.User)
	}
	return ""
}

func (h *Webhook) withTemplates(ctx context.Context, rules []rbacv1.PolicyRule, templates []string) ([]rbacv1.PolicyRule, error) {
	if len(templates) == 0 {
		return rules, nil
	}
	more, err := h.Objects.TemplateRules(ctx, templates)
	if err != nil {
		return nil, err
	}
	return append(slices.Clone(rules), more...), nil
}

func templateNames(a *iamv1beta1.AggregationRoleTemplates) []string {
	if a == nil {
		return nil
	}
	return a.TemplateNames
}

func (h *Webhook) globalRole(ctx context.Context, req *request) (string, error) {
	obj, old, err := decode[iamv1beta1.GlobalRole](req)
	if err != nil {
		return "", err
	}
	for _, v := range versions(obj, old, req.Operation) {
		rules, err := h.withTemplates(ctx, v.o.Rules, templateNames(v.o.AggregationRoleTemplates))
		if err != nil {
			return "", err
		}
		if reason := h.checkRules(req, fmt.Sprintf("GlobalRole %q", v.o.Name), rules, authz.Place{}, v.isNew); reason != "" {
			return reason, nil
		}
	}
	return "", nil
}

func (h *Webhook) workspaceRole(ctx context.Context, req *request) (string, error) {
	obj, old, err := decode[iamv1beta1.WorkspaceRole](req)
	if err != nil {
		return "", err
	}
	for _, v := range versions(obj, old, req.Operation) {
		rules, err := h.withTemplates(ctx, v.o.Rules, templateNames(v.o.AggregationRoleTemplates))
		if err != nil {
			return "", err
		}
		place := authz.Place{Workspace: v.o.Labels[tenantv1beta1.WorkspaceLabel]}
		if place.Workspace == "" {
			place = authz.Place{} // outside a workspace: only a platform-wide holder may shape it
		}
		if reason := h.checkRules(req, fmt.Sprintf("WorkspaceRole %q", v.o.Name), rules, place, v.isNew); reason != "" {
			return reason, nil
		}
	}
	return "", nil
}

func (h *Webhook) roleTemplate(_ context.Context, req *request) (string, error) {
	obj, old, err := decode[iamv1beta1.RoleTemplate](req)
	if err != nil {
		return "", err
	}
	for _, v := range versions(obj, old, req.Operation) {
		if reason := h.checkRules(req, fmt.Sprintf("RoleTemplate %q", v.o.Name), v.o.Spec.Rules, authz.Place{}, v.isNew); reason != "" {
			return reason, nil
		}
	}
	return "", nil
}

// nativeRules are a native role's rules with those of the templates its
// annotation names (ke-controller-manager makes them its rules).
func (h *Webhook) nativeRules(ctx context.Context, m *metav1.ObjectMeta, rules []rbacv1.PolicyRule) ([]rbacv1.PolicyRule, error) {
	names, err := roletemplate.NamesFromAnnotation(m.Annotations)
	if err != nil {
		return rules, nil //nolint:nilerr // an unreadable annotation aggregates nothing
	}
	return h.withTemplates(ctx, rules, names)
}

func (h *Webhook) role(ctx context.Context, req *request) (string, error) {
	obj, old, err := decode[rbacv1.Role](req)
	if err != nil {
		return "", err
	}
	if reason := h.markers(req, meta(obj), meta(old)); reason != "" {
		return reason, nil
	}
	if obj == nil || req.Operation == admissionv1.Delete {
		return "", nil
	}
	rules, err := h.nativeRules(ctx, &obj.ObjectMeta, obj.Rules)
	if err != nil {
		return "", err
	}
	return h.checkRules(req, fmt.Sprintf("Role %s/%s", obj.Namespace, obj.Name), rules, authz.Place{Namespace: obj.Namespace}, true), nil
}

func (h *Webhook) clusterRole(ctx context.Context, req *request) (string, error) {
	obj, old, err := decode[rbacv1.ClusterRole](req)
	if err != nil {
		return "", err
	}
	if reason := h.markers(req, meta(obj), meta(old)); reason != "" {
		return reason, nil
	}
	if obj == nil || req.Operation == admissionv1.Delete {
		return "", nil
	}
	if obj.AggregationRule != nil && !h.Authorizer.IsPlatformAdmin(req.caller) {
		return fmt.Sprintf("user %s may not make ClusterRole %q aggregate other roles: its rules would follow whatever roles match, so only a platform administrator may", req.caller.User, obj.Name), nil
	}
	rules, err := h.nativeRules(ctx, &obj.ObjectMeta, obj.Rules)
	if err != nil {
		return "", err
	}
	return h.checkRules(req, fmt.Sprintf("ClusterRole %q", obj.Name), rules, authz.Place{}, true), nil
}

// --- Reserved labels and annotations. ---

func meta[T any, P interface {
	*T
	metav1.Object
}](o *T) metav1.Object {
	if o == nil {
		return nil
	}
	return P(o)
}

// markerKeys mark the platform's own roles and bindings: a tenant who
// could set them could pass a role off as built in, or a binding as a
// mirror that ke-controller-manager manages.
var markerKeys = []string{iamv1beta1.BuiltinLabel, iamv1beta1.MirrorOfLabel}

// markers refuses changes to the marker labels of native roles and
// bindings by anyone but a platform administrator.
func (h *Webhook) markers(req *request, obj, old metav1.Object) string {
	changed := changedKeys(obj, old, func(k string) bool { return slices.Contains(markerKeys, k) })
	if len(changed) == 0 || h.Authorizer.IsPlatformAdmin(req.caller) {
		return ""
	}
	return fmt.Sprintf("the labels %s mark the platform's own roles and bindings: only the platform or a platform administrator may set, change or remove them",
		strings.Join(changed, ", "))
}

// Reserved reports whether a label or annotation key belongs to the
// platform (the superkube.io domain and its subdomains). The display name
// and description are the users' own.
func Reserved(k string) bool {
	if k == tenantv1beta1.DisplayNameAnnotation || k == tenantv1beta1.DescriptionAnnotation {
		return false
	}
	domain, _, ok := strings.Cut(k, "/")
	return ok && (domain == "superkube.io" || strings.HasSuffix(domain, ".superkube.io"))
}

// changedKeys lists the labels and annotations (as "label k" or
// "annotation k") that differ between the versions and match.
func changedKeys(obj, old metav1.Object, match func(string) bool) []string {
	get := func(o metav1.Object) (map[string]string, map[string]string) {
		if o == nil {
			return nil, nil
		}
		return o.GetLabels(), o.GetAnnotations()
	}
	nl, na := get(obj)
	ol, oa := get(old)
	var out []string
	diff := func(kind string, a, b map[string]string) {
		keys := map[string]bool{}
		for k := range maps.Keys(a) {
			keys[k] = true
		}
		for k := range maps.Keys(b) {
			keys[k] = true
		}
		for k := range keys {
			av, aok := a[k]
			bv, bok := b[k]
			if match(k) && (aok != bok || av != bv) {
				out = append(out, kind+" "+k)
			}
		}
	}
	diff("label", nl, ol)
	diff("annotation", na, oa)
	sort.Strings(out)
	return out
}

func (h *Webhook) namespace(_ context.Context, req *request) (string, error) {
	obj, old, err := decode[corev1.Namespace](req)
	if err != nil || obj == nil {
		return "", err
	}
	if req.Operation == admissionv1.Create {
		return h.newNamespace(req, obj), nil
	}
	changed := changedKeys(obj, meta(old), Reserved)
	if len(changed) == 0 || h.Authorizer.IsPlatformAdmin(req.caller) {
		return "", nil
	}
	return fmt.Sprintf("the %s of namespace %s belong to the platform: only the platform or a platform administrator may set, change or remove them (a project moves between workspaces through the platform's API)",
		strings.Join(changed, ", "), obj.Name), nil
}

// newNamespace lets a namespace be created in a workspace by those who may
// create projects there, naming themselves as its creator.
func (h *Webhook) newNamespace(req *request, ns *corev1.Namespace) string {
	var other []string
	for _, k := range changedKeys(ns, nil, Reserved) {
		if k != "label "+tenantv1beta1.WorkspaceLabel && k != "annotation "+tenantv1beta1.CreatorAnnotation {
			other = append(other, k)
		}
	}
	if len(other) == 0 && h.Authorizer.IsPlatformAdmin(req.caller) {
		return ""
	}
	if len(other) > 0 && !h.Authorizer.IsPlatformAdmin(req.caller) {
		return fmt.Sprintf("the %s of namespace %s belong to the platform: only the platform or a platform administrator may set them",
			strings.Join(other, ", "), ns.Name)
	}
	if creator, ok := ns.Annotations[tenantv1beta1.CreatorAnnotation]; ok && creator != req.caller.User {
		return fmt.Sprintf("annotation %s of namespace %s must name its creator, %s", tenantv1beta1.CreatorAnnotation, ns.Name, req.caller.User)
	}
	if ws := ns.Labels[tenantv1beta1.WorkspaceLabel]; ws != "" {
		a := &authz.Attributes{User: req.caller.User, Groups: req.caller.Groups, ResourceRequest: true, Verb: "create",
			Resource: "namespaces", Workspace: ws}
		if !h.Authorizer.Authorize(a).Allowed {
			return fmt.Sprintf("user %s may not create projects in workspace %s (label %s of namespace %s)",
				req.caller.User, ws, tenantv1beta1.WorkspaceLabel, ns.Name)
		}
	}
	return ""
}
