package iam

import (
	"context"
	"fmt"
	"maps"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
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

// roleObject is a role object of any level with what it is built from.
type roleObject struct {
	meta *metav1.ObjectMeta
	// templates are the role templates it aggregates; nil when it does not.
	templates []string
	rules     []rbacv1.PolicyRule
}

// roleOf reads a role of any level: platform roles name their templates in
// aggregationRoleTemplates, native roles in an annotation.
func roleOf(obj client.Object) roleObject {
	switch r := obj.(type) {
	case *iamv1beta1.GlobalRole:
		return roleObject{&r.ObjectMeta, platformTemplates(r.AggregationRoleTemplates), r.Rules}
	case *iamv1beta1.WorkspaceRole:
		return roleObject{&r.ObjectMeta, platformTemplates(r.AggregationRoleTemplates), r.Rules}
	case *rbacv1.Role:
		return roleObject{&r.ObjectMeta, nativeTemplates(r), r.Rules}
	case *rbacv1.ClusterRole:
		return roleObject{&r.ObjectMeta, nativeTemplates(r), r.Rules}
	}
	return roleObject{meta: &metav1.ObjectMeta{Name: obj.GetName(), Namespace: obj.GetNamespace()}}
}

func platformTemplates(a *iamv1beta1.AggregationRoleTemplates) []string {
	if a == nil {
		return nil
	}
	return nonNil(a.TemplateNames)
}

func nativeTemplates(obj client.Object) []string {
	names, err := roletemplate.NamesFromAnnotation(obj.GetAnnotations())
	if err != nil {
		return nil
	}
	return names
}

// nativeRoleOf reports whether a native role is one of the level's: it
// carries the level's scope label and is not a mirror of a platform role.
func nativeRoleOf(obj client.Object, lv iamv1beta1.Level) bool {
	return obj.GetLabels()[iamv1beta1.ScopeLabel] == string(lv) && notMirror(obj)
}

func notMirror[T client.Object](obj T) bool { return obj.GetLabels()[iamv1beta1.MirrorOfLabel] == "" }

func isBuiltin(obj client.Object) bool { return obj.GetLabels()[iamv1beta1.BuiltinLabel] == "true" }

func view(lv *level, obj client.Object) *Role {
	ro := roleOf(obj)
	r := &Role{TypeMeta: metav1.TypeMeta{Kind: lv.roles.kind()}, ObjectMeta: *ro.meta.DeepCopy(), Templates: ro.templates, Rules: ro.rules}
	if lv.roles.gr().Group == iamv1beta1.GroupName {
		r.APIVersion = iamv1beta1.GroupVersion.String()
	} else {
		r.APIVersion = rbacv1.SchemeGroupVersion.String()
	}
	r.ManagedFields = nil
	if r.Templates == nil {
		r.Templates = []string{}
	}
	return r
}

// Roles lists the roles of a level.
func (s *Service) Roles(ctx context.Context, at At) ([]*Role, error) {
	lv, err := s.level(ctx, at)
	if err != nil {
		return nil, err
	}
	objs, err := lv.roles.list(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]*Role, 0, len(objs))
	for _, o := range objs {
		out = append(out, view(lv, o))
	}
	return out, nil
}

// GetRole returns a role of a level.
func (s *Service) GetRole(ctx context.Context, at At, name string) (*Role, error) {
	lv, obj, err := s.existingRole(ctx, at, name)
	if err != nil {
		return nil, err
	}
	return view(lv, obj), nil
}

func (s *Service) existingRole(ctx context.Context, at At, name string) (*level, client.Object, error) {
	lv, err := s.level(ctx, at)
	if err != nil {
		return nil, nil, err
	}
	obj, err := lv.currentRole(ctx, name)
	if err != nil {
		return nil, nil, err
	}
	return lv, obj, nil
}

// currentRole returns a role of the level, or 404.
func (lv *level) currentRole(ctx context.Context, name string) (client.Object, error) {
	obj, ours, err := lv.roles.get(ctx, name)
	if err != nil {
		return nil, err
	}
	if !ours {
		return nil, apierrors.NewNotFound(lv.roles.gr(), name)
	}
	return obj, nil
}

// checkRequest validates a role request and returns its rules.
func (s *Service) checkRequest(ctx context.Context, lv *level, in *RoleRequest, name string) ([]rbacv1.PolicyRule, map[string]string, error) {
	var errs field.ErrorList
	if in.Name == "" && name != "" {
		in.Name = name
	}
	if name != "" && in.Name != name {
		errs = append(errs, field.Invalid(field.NewPath("metadata", "name"), in.Name, "must be the name in the path"))
	} else if name == "" {
		errs = append(errs, lv.roles.checkName(in.Name)...)
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
		if got := rt.Labels[iamv1beta1.ScopeLabel]; got != string(lv.Level) {
			errs = append(errs, field.Invalid(p, t, fmt.Sprintf("is a role template of the %q scope, not of %q", got, lv.Level)))
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
		return nil, nil, invalid(lv.roles.kind(), in.Name, errs)
	}
	rules, _ := roletemplate.Aggregate(in.Templates, s.lookupTemplate(ctx))
	return rules, annotations, nil
}

// CreateRole creates a custom role of a level from role templates.
func (s *Service) CreateRole(ctx context.Context, caller user.Info, at At, in RoleRequest) (*Role, error) {
	lv, err := s.level(ctx, at)
	if err != nil {
		return nil, err
	}
	rules, annotations, err := s.checkRequest(ctx, lv, &in, "")
	if err != nil {
		return nil, err
	}
	if err := s.checkEscalation(caller, "escalate", lv.roles.gr(), in.Name, rules, lv.At); err != nil {
		return nil, err
	}
	obj := lv.roles.build(nil, in.Name, annotations, in.Templates, rules)
	if err := s.Client.Create(ctx, obj); err != nil {
		if apierrors.IsAlreadyExists(err) {
			return nil, duplicate(lv.roles.gr(), in.Name, "metadata.name", "a role of this name exists")
		}
		return nil, err
	}
	s.waitCached(ctx, obj)
	return view(lv, obj), nil
}

// UpdateRole changes the templates, display name and description of a
// custom role. Built-in roles are read-only (409).
func (s *Service) UpdateRole(ctx context.Context, caller user.Info, at At, name string, in RoleRequest) (*Role, error) {
	lv, obj, err := s.existingRole(ctx, at, name)
	if err != nil {
		return nil, err
	}
	if isBuiltin(obj) {
		return nil, builtinConflict(lv.roles.gr(), name)
	}
	rules, annotations, err := s.checkRequest(ctx, lv, &in, name)
	if err != nil {
		return nil, err
	}
	if err := s.checkEscalation(caller, "escalate", lv.roles.gr(), name, rules, lv.At); err != nil {
		return nil, err
	}
	var updated client.Object
	write := func() error {
		cur, err := lv.currentRole(ctx, name)
		if err != nil {
			return err
		}
		updated = lv.roles.build(cur, name, annotations, in.Templates, rules)
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
	return view(lv, updated), nil
}

// DeleteRole deletes a custom role that no binding of its level grants.
func (s *Service) DeleteRole(ctx context.Context, at At, name string) error {
	lv, obj, err := s.existingRole(ctx, at, name)
	if err != nil {
		return err
	}
	if isBuiltin(obj) {
		return builtinConflict(lv.roles.gr(), name)
	}
	n, err := lv.roles.inUse(ctx, name)
	if err != nil {
		return err
	}
	if n > 0 {
		return conflict(lv.roles.gr(), name, fmt.Sprintf("role %s is granted by %d binding(s); remove those members or change their role first", name, n))
	}
	if err := s.Client.Delete(ctx, obj, client.Preconditions{UID: ptrUID(obj)}); err != nil {
		if apierrors.IsNotFound(err) {
			return apierrors.NewNotFound(lv.roles.gr(), name)
		}
		return err
	}
	s.waitGone(ctx, obj)
	return nil
}

// validateRoleName checks the name of a new role.
func validateRoleName(name string) field.ErrorList {
	return validateName(field.NewPath("metadata", "name"), name, true)
}

func copyAnnotations(existing, set map[string]string) map[string]string {
	out := maps.Clone(existing)
	if out == nil {
		out = map[string]string{}
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

// nativeAnnotations sets the aggregation annotation of a native role and
// the fingerprint of the rules written with it, as the controller would.
func nativeAnnotations(a map[string]string, templates []string, rules []rbacv1.PolicyRule) map[string]string {
	a[iamv1beta1.AggregationAnnotation] = roletemplate.Annotation(nonNil(templates))
	a[iamv1beta1.RulesHashAnnotation] = roletemplate.Hash(rules)
	return a
}

func withLabels(l, set map[string]string) map[string]string {
	out := map[string]string{}
	maps.Copy(out, l)
	maps.Copy(out, set)
	return out
}
