package iam

import (
	"context"
	"fmt"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	"github.com/superkube/super-kubenetes/internal/iam/roletemplate"
)

// maxTemplates is the most role templates a role may aggregate.
const maxTemplates = 256

// Role is a role of any level as the API shows it: its metadata, the role
// templates it is built from and the rules they make.
type Role struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Templates         []string            `json:"templates"`
	Rules             []rbacv1.PolicyRule `json:"rules,omitempty"`
}

// RoleRequest is the body that creates or changes a custom role: a name,
// the display-name and description annotations, and the role templates.
type RoleRequest struct {
	metav1.ObjectMeta `json:"metadata"`
	Templates         []string `json:"templates"`
}

// keptAnnotations are the annotations a role request may set.
var keptAnnotations = []string{tenantv1beta1.DisplayNameAnnotation, tenantv1beta1.DescriptionAnnotation}

// roleLevel adapts the role kind of one level.
type roleLevel interface {
	scope() iamv1beta1.Level
	kind() string
	gr() schema.GroupResource
	place() place
	load(ctx context.Context) error
	list(ctx context.Context) ([]client.Object, error)
	// get returns a role of the level; nil when there is none.
	get(ctx context.Context, name string) (client.Object, error)
	templates(obj client.Object) []string
	rules(obj client.Object) []rbacv1.PolicyRule
	// build returns a new role, or a changed copy of existing.
	build(existing client.Object, name string, annotations map[string]string, templates []string, rules []rbacv1.PolicyRule) client.Object
	inUse(ctx context.Context, name string) (int, error)
	checkName(name string) field.ErrorList
}

func (s *Service) roleLevel(lv Level) (roleLevel, error) {
	switch lv.Kind {
	case LevelGlobal:
		return &globalRoles{s: s}, nil
	case LevelWorkspace:
		return &workspaceRoles{s: s, ws: lv.Name}, nil
	case LevelNamespace:
		return &projectRoles{s: s, ns: lv.Name}, nil
	case LevelCluster:
		return &clusterRoles{s: s}, nil
	}
	return nil, fmt.Errorf("no roles at the %s level", lv.Kind)
}

func (s *Service) view(rl roleLevel, obj client.Object) *Role {
	r := &Role{TypeMeta: metav1.TypeMeta{Kind: rl.kind()}, Templates: rl.templates(obj), Rules: rl.rules(obj)}
	if rl.gr().Group == iamv1beta1.GroupName {
		r.APIVersion = iamv1beta1.GroupVersion.String()
	} else {
		r.APIVersion = rbacv1.SchemeGroupVersion.String()
	}
	r.ObjectMeta = *objectMeta(obj)
	r.ManagedFields = nil
	if r.Templates == nil {
		r.Templates = []string{}
	}
	return r
}

func objectMeta(obj client.Object) *metav1.ObjectMeta {
	switch o := obj.(type) {
	case *iamv1beta1.GlobalRole:
		return o.ObjectMeta.DeepCopy()
	case *iamv1beta1.WorkspaceRole:
		return o.ObjectMeta.DeepCopy()
	case *rbacv1.Role:
		return o.ObjectMeta.DeepCopy()
	case *rbacv1.ClusterRole:
		return o.ObjectMeta.DeepCopy()
	}
	return &metav1.ObjectMeta{Name: obj.GetName(), Namespace: obj.GetNamespace()}
}

func isBuiltin(obj client.Object) bool { return obj.GetLabels()[iamv1beta1.BuiltinLabel] == "true" }

// Roles lists the roles of a level.
func (s *Service) Roles(ctx context.Context, lv Level) ([]*Role, error) {
	rl, err := s.roleLevel(lv)
	if err != nil {
		return nil, err
	}
	if err := rl.load(ctx); err != nil {
		return nil, err
	}
	objs, err := rl.list(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]*Role, 0, len(objs))
	for _, o := range objs {
		out = append(out, s.view(rl, o))
	}
	return out, nil
}

// GetRole returns a role of a level.
func (s *Service) GetRole(ctx context.Context, lv Level, name string) (*Role, error) {
	rl, obj, err := s.existingRole(ctx, lv, name)
	if err != nil {
		return nil, err
	}
	return s.view(rl, obj), nil
}

func (s *Service) existingRole(ctx context.Context, lv Level, name string) (roleLevel, client.Object, error) {
	rl, err := s.roleLevel(lv)
	if err != nil {
		return nil, nil, err
	}
	if err := rl.load(ctx); err != nil {
		return nil, nil, err
	}
	obj, err := rl.get(ctx, name)
	if err != nil {
		return nil, nil, err
	}
	if obj == nil {
		return nil, nil, apierrors.NewNotFound(rl.gr(), name)
	}
	return rl, obj, nil
}

// checkRequest validates a role request and returns its rules.
func (s *Service) checkRequest(ctx context.Context, rl roleLevel, in *RoleRequest, name string) ([]rbacv1.PolicyRule, map[string]string, error) {
	var errs field.ErrorList
	if in.Name == "" && name != "" {
		in.Name = name
	}
	if name != "" && in.Name != name {
		errs = append(errs, field.Invalid(field.NewPath("metadata", "name"), in.Name, "must be the name in the path"))
	} else if name == "" {
		errs = append(errs, rl.checkName(in.Name)...)
	}
	path := field.NewPath("templates")
	if len(in.Templates) > maxTemplates {
		errs = append(errs, field.TooMany(path, len(in.Templates), maxTemplates))
	}
	seen := map[string]bool{}
	for i, t := range in.Templates {
		p := path.Index(i)
		if seen[t] {
			errs = append(errs, field.Duplicate(p, t))
			continue
		}
		seen[t] = true
		if msgs := validation.IsDNS1123Subdomain(t); len(msgs) > 0 {
			errs = append(errs, field.Invalid(p, t, strings.Join(msgs, "; ")))
			continue
		}
		rt := &iamv1beta1.RoleTemplate{}
		if err := s.Reader.Get(ctx, client.ObjectKey{Name: t}, rt); err != nil {
			if !apierrors.IsNotFound(err) {
				return nil, nil, err
			}
			errs = append(errs, field.NotFound(p, t))
			continue
		}
		if got := rt.Labels[iamv1beta1.ScopeLabel]; got != string(rl.scope()) {
			errs = append(errs, field.Invalid(p, t, fmt.Sprintf("is a role template of the %q scope, not of %q", got, rl.scope())))
		}
	}
	annotations := map[string]string{}
	for _, k := range keptAnnotations {
		if v, ok := in.Annotations[k]; ok {
			if len(v) > 1024 {
				errs = append(errs, field.TooLong(field.NewPath("metadata", "annotations").Key(k), "", 1024))
			}
			annotations[k] = v
		}
	}
	if len(errs) > 0 {
		return nil, nil, invalid(rl.kind(), in.Name, errs)
	}
	rules, _ := roletemplate.Aggregate(in.Templates, s.lookupTemplate(ctx))
	return rules, annotations, nil
}

// CreateRole creates a custom role of a level from role templates.
func (s *Service) CreateRole(ctx context.Context, caller user.Info, lv Level, in RoleRequest) (*Role, error) {
	rl, err := s.roleLevel(lv)
	if err != nil {
		return nil, err
	}
	if err := rl.load(ctx); err != nil {
		return nil, err
	}
	rules, annotations, err := s.checkRequest(ctx, rl, &in, "")
	if err != nil {
		return nil, err
	}
	if err := s.checkEscalation(ctx, caller, "escalate", rl.gr(), in.Name, rules, rl.place()); err != nil {
		return nil, err
	}
	obj := rl.build(nil, in.Name, annotations, in.Templates, rules)
	if err := s.Client.Create(ctx, obj); err != nil {
		if apierrors.IsAlreadyExists(err) {
			return nil, duplicate(rl.gr(), in.Name, "metadata.name", "a role of this name exists")
		}
		return nil, err
	}
	s.waitCached(ctx, obj)
	return s.view(rl, obj), nil
}

// UpdateRole changes the templates, display name and description of a
// custom role. Built-in roles are read-only (409).
func (s *Service) UpdateRole(ctx context.Context, caller user.Info, lv Level, name string, in RoleRequest) (*Role, error) {
	rl, obj, err := s.existingRole(ctx, lv, name)
	if err != nil {
		return nil, err
	}
	if isBuiltin(obj) {
		return nil, builtinConflict(rl.gr(), name)
	}
	rules, annotations, err := s.checkRequest(ctx, rl, &in, name)
	if err != nil {
		return nil, err
	}
	if err := s.checkEscalation(ctx, caller, "escalate", rl.gr(), name, rules, rl.place()); err != nil {
		return nil, err
	}
	var updated client.Object
	write := func() error {
		cur, err := rl.get(ctx, name)
		if err != nil {
			return err
		}
		if cur == nil {
			return apierrors.NewNotFound(rl.gr(), name)
		}
		updated = rl.build(cur, name, annotations, in.Templates, rules)
		if in.ResourceVersion != "" {
			updated.SetResourceVersion(in.ResourceVersion)
		}
		return s.Client.Update(ctx, updated)
	}
	if in.ResourceVersion != "" {
		err = write() // the caller's version must be current: a conflict is theirs
	} else {
		err = retry.RetryOnConflict(retry.DefaultBackoff, write)
	}
	if err != nil {
		return nil, err
	}
	s.waitCached(ctx, updated)
	return s.view(rl, updated), nil
}

// DeleteRole deletes a custom role that no binding of its level grants.
func (s *Service) DeleteRole(ctx context.Context, lv Level, name string) error {
	rl, obj, err := s.existingRole(ctx, lv, name)
	if err != nil {
		return err
	}
	if isBuiltin(obj) {
		return builtinConflict(rl.gr(), name)
	}
	n, err := rl.inUse(ctx, name)
	if err != nil {
		return err
	}
	if n > 0 {
		return conflict(rl.gr(), name, fmt.Sprintf("role %s is granted by %d binding(s); remove those members or change their role first", name, n))
	}
	if err := s.Client.Delete(ctx, obj, client.Preconditions{UID: ptrUID(obj)}); err != nil {
		if apierrors.IsNotFound(err) {
			return apierrors.NewNotFound(rl.gr(), name)
		}
		return err
	}
	s.waitGone(ctx, obj)
	return nil
}

func copyAnnotations(existing, set map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range existing {
		out[k] = v
	}
	for _, k := range keptAnnotations {
		if v, ok := set[k]; ok && v != "" {
			out[k] = v
		} else {
			delete(out, k)
		}
	}
	return out
}

func nonNil(names []string) []string {
	if names == nil {
		return []string{}
	}
	return append([]string{}, names...)
}

// Global roles.

type globalRoles struct{ s *Service }

func (l *globalRoles) scope() iamv1beta1.Level  { return iamv1beta1.LevelGlobal }
func (l *globalRoles) kind() string             { return "GlobalRole" }
func (l *globalRoles) gr() schema.GroupResource { return globalRolesGR }
func (l *globalRoles) place() place             { return place{} }
func (l *globalRoles) load(context.Context) error {
	return nil
}

func (l *globalRoles) checkName(name string) field.ErrorList {
	return validateName(field.NewPath("metadata", "name"), name, true)
}

func (l *globalRoles) list(ctx context.Context) ([]client.Object, error) {
	list := &iamv1beta1.GlobalRoleList{}
	if err := l.s.Reader.List(ctx, list); err != nil {
		return nil, err
	}
	out := make([]client.Object, 0, len(list.Items))
	for i := range list.Items {
		out = append(out, &list.Items[i])
	}
	return out, nil
}

func (l *globalRoles) get(ctx context.Context, name string) (client.Object, error) {
	r := &iamv1beta1.GlobalRole{}
	if err := l.s.Reader.Get(ctx, client.ObjectKey{Name: name}, r); err != nil {
		return nil, client.IgnoreNotFound(err)
	}
	return r, nil
}

func (l *globalRoles) templates(obj client.Object) []string {
	if a := obj.(*iamv1beta1.GlobalRole).AggregationRoleTemplates; a != nil {
		return nonNil(a.TemplateNames)
	}
	return nil
}

func (l *globalRoles) rules(obj client.Object) []rbacv1.PolicyRule {
	return obj.(*iamv1beta1.GlobalRole).Rules
}

func (l *globalRoles) build(existing client.Object, name string, annotations map[string]string, templates []string, rules []rbacv1.PolicyRule) client.Object {
	r := &iamv1beta1.GlobalRole{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if existing != nil {
		r = existing.(*iamv1beta1.GlobalRole).DeepCopy()
	}
	r.Annotations = copyAnnotations(r.Annotations, annotations)
	r.Labels = withLabels(r.Labels, map[string]string{iamv1beta1.ScopeLabel: string(iamv1beta1.LevelGlobal)})
	r.AggregationRoleTemplates = &iamv1beta1.AggregationRoleTemplates{TemplateNames: nonNil(templates)}
	r.Rules = rules
	return r
}

func (l *globalRoles) inUse(ctx context.Context, name string) (int, error) {
	list := &iamv1beta1.GlobalRoleBindingList{}
	if err := l.s.Reader.List(ctx, list); err != nil {
		return 0, err
	}
	n := 0
	for _, b := range list.Items {
		if b.RoleRef.Name == name {
			n++
		}
	}
	return n, nil
}

// Workspace roles: WorkspaceRoles labelled with the workspace. Their names
// are global, so custom ones start with "<workspace>-".

type workspaceRoles struct {
	s  *Service
	ws string
	w  metav1.Object
}

func (l *workspaceRoles) scope() iamv1beta1.Level  { return iamv1beta1.LevelWorkspace }
func (l *workspaceRoles) kind() string             { return "WorkspaceRole" }
func (l *workspaceRoles) gr() schema.GroupResource { return workspaceRolesGR }
func (l *workspaceRoles) place() place             { return place{Workspace: l.ws} }

func (l *workspaceRoles) load(ctx context.Context) error {
	w, err := l.s.workspace(ctx, l.ws)
	if err == nil {
		l.w = w
	}
	return err
}

func (l *workspaceRoles) checkName(name string) field.ErrorList {
	p := field.NewPath("metadata", "name")
	errs := validateName(p, name, true)
	if len(errs) == 0 && !strings.HasPrefix(name, l.ws+"-") {
		errs = append(errs, field.Invalid(p, name, fmt.Sprintf("must start with %q: workspace role names are unique across workspaces", l.ws+"-")))
	}
	return errs
}

func (l *workspaceRoles) list(ctx context.Context) ([]client.Object, error) {
	list := &iamv1beta1.WorkspaceRoleList{}
	if err := l.s.Reader.List(ctx, list, client.MatchingLabels{tenantv1beta1.WorkspaceLabel: l.ws}); err != nil {
		return nil, err
	}
	out := make([]client.Object, 0, len(list.Items))
	for i := range list.Items {
		out = append(out, &list.Items[i])
	}
	return out, nil
}

func (l *workspaceRoles) get(ctx context.Context, name string) (client.Object, error) {
	r := &iamv1beta1.WorkspaceRole{}
	if err := l.s.Reader.Get(ctx, client.ObjectKey{Name: name}, r); err != nil {
		return nil, client.IgnoreNotFound(err)
	}
	if r.Labels[tenantv1beta1.WorkspaceLabel] != l.ws {
		return nil, nil
	}
	return r, nil
}

func (l *workspaceRoles) templates(obj client.Object) []string {
	if a := obj.(*iamv1beta1.WorkspaceRole).AggregationRoleTemplates; a != nil {
		return nonNil(a.TemplateNames)
	}
	return nil
}

func (l *workspaceRoles) rules(obj client.Object) []rbacv1.PolicyRule {
	return obj.(*iamv1beta1.WorkspaceRole).Rules
}

func (l *workspaceRoles) build(existing client.Object, name string, annotations map[string]string, templates []string, rules []rbacv1.PolicyRule) client.Object {
	r := &iamv1beta1.WorkspaceRole{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if existing != nil {
		r = existing.(*iamv1beta1.WorkspaceRole).DeepCopy()
	} else if l.w != nil {
		// The role goes with its workspace.
		r.OwnerReferences = []metav1.OwnerReference{{APIVersion: tenantv1beta1.GroupVersion.String(), Kind: "Workspace", Name: l.w.GetName(), UID: l.w.GetUID()}}
	}
	r.Annotations = copyAnnotations(r.Annotations, annotations)
	r.Labels = withLabels(r.Labels, map[string]string{tenantv1beta1.WorkspaceLabel: l.ws, iamv1beta1.ScopeLabel: string(iamv1beta1.LevelWorkspace)})
	r.AggregationRoleTemplates = &iamv1beta1.AggregationRoleTemplates{TemplateNames: nonNil(templates)}
	r.Rules = rules
	return r
}

func (l *workspaceRoles) inUse(ctx context.Context, name string) (int, error) {
	list := &iamv1beta1.WorkspaceRoleBindingList{}
	if err := l.s.Reader.List(ctx, list, client.MatchingLabels{tenantv1beta1.WorkspaceLabel: l.ws}); err != nil {
		return 0, err
	}
	n := 0
	for _, b := range list.Items {
		if b.RoleRef.Name == name {
			n++
		}
	}
	return n, nil
}

// Project roles: native Roles of the namespace labelled with the namespace
// scope, aggregating templates through the annotation.

type projectRoles struct {
	s  *Service
	ns string
}

func (l *projectRoles) scope() iamv1beta1.Level  { return iamv1beta1.LevelNamespace }
func (l *projectRoles) kind() string             { return "Role" }
func (l *projectRoles) gr() schema.GroupResource { return rolesGR }
func (l *projectRoles) place() place             { return place{Namespace: l.ns} }

func (l *projectRoles) load(ctx context.Context) error {
	_, err := l.s.namespace(ctx, l.ns)
	return err
}

func (l *projectRoles) checkName(name string) field.ErrorList {
	return validateName(field.NewPath("metadata", "name"), name, true)
}

func (l *projectRoles) list(ctx context.Context) ([]client.Object, error) {
	list := &rbacv1.RoleList{}
	if err := l.s.Reader.List(ctx, list, client.InNamespace(l.ns), client.MatchingLabels{iamv1beta1.ScopeLabel: string(iamv1beta1.LevelNamespace)}); err != nil {
		return nil, err
	}
	out := make([]client.Object, 0, len(list.Items))
	for i := range list.Items {
		if list.Items[i].Labels[iamv1beta1.MirrorOfLabel] == "" {
			out = append(out, &list.Items[i])
		}
	}
	return out, nil
}

func (l *projectRoles) get(ctx context.Context, name string) (client.Object, error) {
	r := &rbacv1.Role{}
	if err := l.s.Reader.Get(ctx, client.ObjectKey{Namespace: l.ns, Name: name}, r); err != nil {
		return nil, client.IgnoreNotFound(err)
	}
	if r.Labels[iamv1beta1.ScopeLabel] != string(iamv1beta1.LevelNamespace) || r.Labels[iamv1beta1.MirrorOfLabel] != "" {
		return nil, nil
	}
	return r, nil
}

func (l *projectRoles) templates(obj client.Object) []string {
	names, _ := roletemplate.NamesFromAnnotation(obj.GetAnnotations())
	return names
}

func (l *projectRoles) rules(obj client.Object) []rbacv1.PolicyRule { return obj.(*rbacv1.Role).Rules }

func (l *projectRoles) build(existing client.Object, name string, annotations map[string]string, templates []string, rules []rbacv1.PolicyRule) client.Object {
	r := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Namespace: l.ns, Name: name}}
	if existing != nil {
		r = existing.(*rbacv1.Role).DeepCopy()
	}
	r.Annotations = nativeAnnotations(copyAnnotations(r.Annotations, annotations), templates, rules)
	r.Labels = withLabels(r.Labels, map[string]string{iamv1beta1.ScopeLabel: string(iamv1beta1.LevelNamespace)})
	r.Rules = rules
	return r
}

func (l *projectRoles) inUse(ctx context.Context, name string) (int, error) {
	list := &rbacv1.RoleBindingList{}
	if err := l.s.Reader.List(ctx, list, client.InNamespace(l.ns)); err != nil {
		return 0, err
	}
	n := 0
	for _, b := range list.Items {
		if b.RoleRef.Kind == "Role" && b.RoleRef.Name == name {
			n++
		}
	}
	return n, nil
}

// Cluster roles: native ClusterRoles labelled with the cluster scope.

type clusterRoles struct{ s *Service }

func (l *clusterRoles) scope() iamv1beta1.Level    { return iamv1beta1.LevelCluster }
func (l *clusterRoles) kind() string               { return "ClusterRole" }
func (l *clusterRoles) gr() schema.GroupResource   { return clusterRolesGR }
func (l *clusterRoles) place() place               { return place{Cluster: true} }
func (l *clusterRoles) load(context.Context) error { return nil }

func (l *clusterRoles) checkName(name string) field.ErrorList {
	return validateName(field.NewPath("metadata", "name"), name, true)
}

func (l *clusterRoles) list(ctx context.Context) ([]client.Object, error) {
	list := &rbacv1.ClusterRoleList{}
	if err := l.s.Reader.List(ctx, list, client.MatchingLabels{iamv1beta1.ScopeLabel: string(iamv1beta1.LevelCluster)}); err != nil {
		return nil, err
	}
	out := make([]client.Object, 0, len(list.Items))
	for i := range list.Items {
		if list.Items[i].Labels[iamv1beta1.MirrorOfLabel] == "" {
			out = append(out, &list.Items[i])
		}
	}
	return out, nil
}

func (l *clusterRoles) get(ctx context.Context, name string) (client.Object, error) {
	r := &rbacv1.ClusterRole{}
	if err := l.s.Reader.Get(ctx, client.ObjectKey{Name: name}, r); err != nil {
		return nil, client.IgnoreNotFound(err)
	}
	if r.Labels[iamv1beta1.ScopeLabel] != string(iamv1beta1.LevelCluster) || r.Labels[iamv1beta1.MirrorOfLabel] != "" {
		return nil, nil
	}
	return r, nil
}

func (l *clusterRoles) templates(obj client.Object) []string {
	names, _ := roletemplate.NamesFromAnnotation(obj.GetAnnotations())
	return names
}

func (l *clusterRoles) rules(obj client.Object) []rbacv1.PolicyRule {
	return obj.(*rbacv1.ClusterRole).Rules
}

func (l *clusterRoles) build(existing client.Object, name string, annotations map[string]string, templates []string, rules []rbacv1.PolicyRule) client.Object {
	r := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if existing != nil {
		r = existing.(*rbacv1.ClusterRole).DeepCopy()
	}
	r.Annotations = nativeAnnotations(copyAnnotations(r.Annotations, annotations), templates, rules)
	r.Labels = withLabels(r.Labels, map[string]string{iamv1beta1.ScopeLabel: string(iamv1beta1.LevelCluster)})
	r.Rules = rules
	return r
}

func (l *clusterRoles) inUse(ctx context.Context, name string) (int, error) {
	list := &rbacv1.ClusterRoleBindingList{}
	if err := l.s.Reader.List(ctx, list); err != nil {
		return 0, err
	}
	n := 0
	for _, b := range list.Items {
		if b.RoleRef.Kind == "ClusterRole" && b.RoleRef.Name == name {
			n++
		}
	}
	return n, nil
}

// nativeAnnotations sets the aggregation annotation of a native role and
// the fingerprint of the rules written with it, as the controller would.
func nativeAnnotations(a map[string]string, templates []string, rules []rbacv1.PolicyRule) map[string]string {
	a[iamv1beta1.AggregationAnnotation] = roletemplate.Annotation(nonNil(templates))
	a[iamv1beta1.RulesHashAnnotation] = roletemplate.Hash(rules)
	return a
}

func withLabels(l, set map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range l {
		out[k] = v
	}
	for k, v := range set {
		out[k] = v
	}
	return out
}
