package authz

import (
	"fmt"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	toolscache "k8s.io/client-go/tools/cache"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
)

// Index names on the binding informers.
const (
	// BySubject indexes GlobalRoleBindings and ClusterRoleBindings by
	// "user:<name>" and "group:<name>".
	BySubject = "authz.subject"
	// ByWorkspaceSubject indexes WorkspaceRoleBindings by "<workspace>/<subject>".
	ByWorkspaceSubject = "authz.workspaceSubject"
	// ByNamespaceSubject indexes RoleBindings by "<namespace>/<subject>".
	ByNamespaceSubject = "authz.namespaceSubject"
	// ByWorkspace indexes namespaces by their workspace label.
	ByWorkspace = "authz.workspace"
)

// Stores are the informer stores the authorizer reads.
type Stores struct {
	GlobalRoleBindings    toolscache.Indexer
	GlobalRoles           toolscache.Indexer
	WorkspaceRoleBindings toolscache.Indexer
	WorkspaceRoles        toolscache.Indexer
	RoleBindings          toolscache.Indexer
	Roles                 toolscache.Indexer
	ClusterRoleBindings   toolscache.Indexer
	ClusterRoles          toolscache.Indexer
	Namespaces            toolscache.Indexer
	// Placed, when set, says whether a workspace is placed on the cluster
	// the native stores are of; the bindings of a workspace that is not
	// placed there grant nothing in it. Nil: every workspace is.
	Placed func(workspace string) bool
}

// Indexers returns the indexers each binding informer needs, by the name
// of its field in Stores.
func Indexers() map[string]toolscache.Indexers {
	return map[string]toolscache.Indexers{
		"GlobalRoleBindings": {BySubject: func(o any) ([]string, error) {
			return platformSubjects("", o.(*iamv1beta1.GlobalRoleBinding).Subjects), nil
		}},
		"WorkspaceRoleBindings": {ByWorkspaceSubject: func(o any) ([]string, error) {
			b := o.(*iamv1beta1.WorkspaceRoleBinding)
			ws := b.Labels[tenantv1beta1.WorkspaceLabel]
			if ws == "" {
				return nil, nil
			}
			return platformSubjects(ws+"/", b.Subjects), nil
		}, BySubject: func(o any) ([]string, error) {
			return platformSubjects("", o.(*iamv1beta1.WorkspaceRoleBinding).Subjects), nil
		}},
		"RoleBindings": {ByNamespaceSubject: func(o any) ([]string, error) {
			b := o.(*rbacv1.RoleBinding)
			return nativeSubjects(b.Namespace+"/", b.Subjects), nil
		}, BySubject: func(o any) ([]string, error) {
			return nativeSubjects("", o.(*rbacv1.RoleBinding).Subjects), nil
		}},
		"Namespaces": {ByWorkspace: func(o any) ([]string, error) {
			if m, ok := o.(metav1.Object); ok {
				if ws := m.GetLabels()[tenantv1beta1.WorkspaceLabel]; ws != "" {
					return []string{ws}, nil
				}
			}
			return nil, nil
		}},
		"ClusterRoleBindings": {BySubject: func(o any) ([]string, error) {
			return nativeSubjects("", o.(*rbacv1.ClusterRoleBinding).Subjects), nil
		}},
	}
}

func subjectKey(kind, name string) string {
	if kind == rbacv1.GroupKind {
		return "group:" + name
	}
	return "user:" + name
}

func platformSubjects(prefix string, subjects []iamv1beta1.Subject) []string {
	out := make([]string, 0, len(subjects))
	for _, s := range subjects {
		out = append(out, prefix+subjectKey(s.Kind, s.Name))
	}
	return out
}

func nativeSubjects(prefix string, subjects []rbacv1.Subject) []string {
	out := make([]string, 0, len(subjects))
	for _, s := range subjects {
		if s.Kind == rbacv1.ServiceAccountKind {
			out = append(out, prefix+"user:system:serviceaccount:"+s.Namespace+":"+s.Name)
			continue
		}
		out = append(out, prefix+subjectKey(s.Kind, s.Name))
	}
	return out
}

// Authorizer makes the four-level decision.
type Authorizer struct {
	s Stores
}

// New returns an authorizer over the stores.
func New(s Stores) *Authorizer { return &Authorizer{s: s} }

// Decision is the outcome and why, for logs and review answers.
type Decision struct {
	Allowed bool
	Reason  string
	// Err, on a refusal, is why no decision could be made (a member
	// cluster whose objects cannot be read): answer with it, not 403.
	Err error
}

// Authorize decides a request: global bindings, then the workspace's
// bindings (the workspace of a namespace comes from its label), then the
// namespace's bindings, then cluster bindings. The first allow wins.
func (z *Authorizer) Authorize(a *Attributes) Decision {
	subjects := make([]string, 0, 1+len(a.Groups))
	subjects = append(subjects, "user:"+a.User)
	for _, g := range a.Groups {
		subjects = append(subjects, "group:"+g)
	}

	// Platform.
	for _, s := range subjects {
		for _, o := range byIndex(z.s.GlobalRoleBindings, BySubject, s) {
			b := o.(*iamv1beta1.GlobalRoleBinding)
			if rules, ok := z.globalRole(b.RoleRef.Name); ok && RulesAllow(a, rules) {
				return Decision{Allowed: true, Reason: fmt.Sprintf("allowed by GlobalRoleBinding %q (GlobalRole %q)", b.Name, b.RoleRef.Name)}
			}
		}
	}
	if !a.ResourceRequest {
		// Non-resource paths are cluster-wide, as in Kubernetes: native cluster
		// bindings reach them too (system:discovery lets every authenticated
		// user read /api and /apis, which kubectl needs through the proxy).
		if d, ok := z.clusterBindingsAllow(a, subjects); ok {
			return d
		}
		return Decision{Allowed: false, Reason: "no global or cluster binding allows " + a.Verb + " " + a.Path}
	}

	// Workspace.
	ws := a.Workspace
	if ws == "" && a.Namespace != "" {
		ws = z.workspaceOf(a.Namespace)
	}
	if ws != "" && (z.s.Placed == nil || z.s.Placed(ws)) {
		for _, s := range subjects {
			for _, o := range byIndex(z.s.WorkspaceRoleBindings, ByWorkspaceSubject, ws+"/"+s) {
				b := o.(*iamv1beta1.WorkspaceRoleBinding)
				if rules, ok := z.workspaceRole(b.RoleRef.Name, ws); ok && RulesAllow(a, rules) {
					return Decision{Allowed: true, Reason: fmt.Sprintf("allowed by WorkspaceRoleBinding %q (WorkspaceRole %q)", b.Name, b.RoleRef.Name)}
				}
			}
		}
	}

	// Namespace.
	if a.Namespace != "" {
		for _, s := range subjects {
			for _, o := range byIndex(z.s.RoleBindings, ByNamespaceSubject, a.Namespace+"/"+s) {
				b := o.(*rbacv1.RoleBinding)
				if rules, ok := z.nativeRole(b.Namespace, b.RoleRef); ok && RulesAllow(a, rules) {
					return Decision{Allowed: true, Reason: fmt.Sprintf("allowed by RoleBinding %q in namespace %q (%s %q)", b.Name, b.Namespace, b.RoleRef.Kind, b.RoleRef.Name)}
				}
			}
		}
	}

	// Cluster: native cluster bindings reach cluster-scope requests and every
	// namespace, but never the platform's own global resources.
	if (a.Workspace == "" || a.Namespace != "") && !PlatformGroup(a.APIGroup) {
		if d, ok := z.clusterBindingsAllow(a, subjects); ok {
			return d
		}
	}
	return Decision{Allowed: false, Reason: fmt.Sprintf("no binding of %s allows %s %s", a.User, a.Verb, describe(a))}
}

// platformGroups are the API groups of the platform's global resources:
// users, groups, platform and workspace roles and bindings, role templates,
// workspaces, clusters and settings. Only platform (global) bindings and,
// for a workspace's own objects, its workspace bindings reach them.
var platformGroups = map[string]bool{
	"iam.superkube.io":     true,
	"tenant.superkube.io":  true,
	"cluster.superkube.io": true,
	"config.superkube.io":  true,
}

// PlatformGroup reports whether cluster roles are kept away from an API
// group: the platform's global groups and the wildcard, which includes them.
func PlatformGroup(group string) bool {
	return group == rbacv1.APIGroupAll || platformGroups[group]
}

// clusterBindingsAllow looks for a native cluster binding of the subjects
// that allows the request.
func (z *Authorizer) clusterBindingsAllow(a *Attributes, subjects []string) (Decision, bool) {
	for _, s := range subjects {
		for _, o := range byIndex(z.s.ClusterRoleBindings, BySubject, s) {
			b := o.(*rbacv1.ClusterRoleBinding)
			if rules, ok := z.clusterRole(b.RoleRef.Name); ok && RulesAllow(a, rules) {
				return Decision{Allowed: true, Reason: fmt.Sprintf("allowed by ClusterRoleBinding %q (ClusterRole %q)", b.Name, b.RoleRef.Name)}, true
			}
		}
	}
	return Decision{}, false
}

func describe(a *Attributes) string {
	var b strings.Builder
	if a.APIGroup != "" {
		b.WriteString(a.APIGroup + "/")
	}
	b.WriteString(a.resourceWithSub())
	if a.Name != "" {
		b.WriteString(" " + a.Name)
	}
	switch {
	case a.Namespace != "":
		b.WriteString(" in namespace " + a.Namespace)
	case a.Workspace != "":
		b.WriteString(" in workspace " + a.Workspace)
	}
	return b.String()
}

func byIndex(idx toolscache.Indexer, name, value string) []any {
	if idx == nil {
		return nil
	}
	items, err := idx.ByIndex(name, value)
	if err != nil {
		return nil
	}
	return items
}

func (z *Authorizer) workspaceOf(ns string) string {
	if z.s.Namespaces == nil {
		return ""
	}
	o, ok, err := z.s.Namespaces.GetByKey(ns)
	if err != nil || !ok {
		return ""
	}
	if m, ok := o.(metav1.Object); ok {
		return m.GetLabels()[tenantv1beta1.WorkspaceLabel]
	}
	return ""
}

func (z *Authorizer) globalRole(name string) ([]rbacv1.PolicyRule, bool) {
	o, ok, err := z.s.GlobalRoles.GetByKey(name)
	if err != nil || !ok {
		return nil, false
	}
	return o.(*iamv1beta1.GlobalRole).Rules, true
}

func (z *Authorizer) workspaceRole(name, ws string) ([]rbacv1.PolicyRule, bool) {
	o, ok, err := z.s.WorkspaceRoles.GetByKey(name)
	if err != nil || !ok {
		return nil, false
	}
	r := o.(*iamv1beta1.WorkspaceRole)
	if r.Labels[tenantv1beta1.WorkspaceLabel] != ws {
		return nil, false // a binding cannot grant another workspace's role
	}
	return r.Rules, true
}

func (z *Authorizer) clusterRole(name string) ([]rbacv1.PolicyRule, bool) {
	o, ok, err := z.s.ClusterRoles.GetByKey(name)
	if err != nil || !ok {
		return nil, false
	}
	return o.(*rbacv1.ClusterRole).Rules, true
}

func (z *Authorizer) nativeRole(ns string, ref rbacv1.RoleRef) ([]rbacv1.PolicyRule, bool) {
	if ref.Kind == "ClusterRole" {
		return z.clusterRole(ref.Name)
	}
	o, ok, err := z.s.Roles.GetByKey(ns + "/" + ref.Name)
	if err != nil || !ok {
		return nil, false
	}
	return o.(*rbacv1.Role).Rules, true
}

// Visibility says where a user may do something.
type Visibility struct {
	// All is true when the user may do it in every namespace.
	All bool
	// Namespaces are the namespaces where the user may, when not All.
	Namespaces map[string]bool
}

// Allows reports whether the visibility covers a namespace.
func (v Visibility) Allows(ns string) bool { return v.All || v.Namespaces[ns] }

// Visible finds the namespaces in which the user may do verb on a
// resource: everywhere when a global or cluster binding allows it, else the
// namespaces of the user's workspaces and project bindings that allow it.
// It costs in proportion to the user's bindings, not to the cluster.
func (z *Authorizer) Visible(a Attributes) Visibility {
	a.ResourceRequest, a.Namespace, a.Workspace, a.Name = true, "", "", ""
	if z.Authorize(&a).Allowed {
		return Visibility{All: true}
	}
	subjects := append([]string{"user:" + a.User}, prefixed("group:", a.Groups)...)
	candidates := map[string]bool{}
	for _, s := range subjects {
		for _, o := range byIndex(z.s.RoleBindings, BySubject, s) {
			candidates[o.(*rbacv1.RoleBinding).Namespace] = true
		}
		for _, o := range byIndex(z.s.WorkspaceRoleBindings, BySubject, s) {
			ws := o.(*iamv1beta1.WorkspaceRoleBinding).Labels[tenantv1beta1.WorkspaceLabel]
			for _, n := range byIndex(z.s.Namespaces, ByWorkspace, ws) {
				candidates[n.(metav1.Object).GetName()] = true
			}
		}
	}
	v := Visibility{Namespaces: map[string]bool{}}
	for ns := range candidates {
		b := a
		b.Namespace = ns
		if z.Authorize(&b).Allowed {
			v.Namespaces[ns] = true
		}
	}
	return v
}

func prefixed(p string, list []string) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = p + s
	}
	return out
}
