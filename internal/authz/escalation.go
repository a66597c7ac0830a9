package authz

import (
	"fmt"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
)

// The escalation rule of the platform, the one Kubernetes applies to RBAC
// bindings, made to hold for everything that changes what someone may do:
// nobody grants, builds or removes a permission they do not hold, and
// nobody acts on a user or group (password, disable, delete, membership,
// bindings) that holds a permission they do not hold.

// Place is where a permission applies: the platform (the zero value, which
// also reaches the cluster's native cluster bindings), a workspace or a
// namespace.
type Place struct {
	Workspace, Namespace string
}

func (p Place) String() string {
	switch {
	case p.Namespace != "":
		return "in namespace " + p.Namespace
	case p.Workspace != "":
		return "in workspace " + p.Workspace
	default:
		return "on the platform"
	}
}

// Subject is a user with its groups, or a group alone (User empty).
type Subject struct {
	User   string
	Groups []string
}

func (s Subject) keys() []string {
	out := make([]string, 0, 1+len(s.Groups))
	if s.User != "" {
		out = append(out, "user:"+s.User)
	}
	for _, g := range s.Groups {
		out = append(out, "group:"+g)
	}
	return out
}

// Decider decides requests; *Authorizer is one.
type Decider interface {
	Authorize(a *Attributes) Decision
}

// Missing returns the first permission of rules that the subject does not
// hold at p, described for a message ("create pods"), or "" when it holds
// them all.
func (z *Authorizer) Missing(s Subject, rules []rbacv1.PolicyRule, p Place) string {
	return Missing(z, s, rules, p)
}

// Missing returns the first permission of rules that the subject does not
// hold at p according to z, or "". A wildcard (verb, group, resource, URL)
// is held only through the same wildcard.
func Missing(z Decider, s Subject, rules []rbacv1.PolicyRule, p Place) string {
	for _, r := range rules {
		for _, verb := range r.Verbs {
			for _, url := range r.NonResourceURLs {
				if !z.Authorize(&Attributes{User: s.User, Groups: s.Groups, Verb: verb, Path: url}).Allowed {
					return verb + " " + url
				}
			}
			for _, group := range r.APIGroups {
				for _, res := range r.Resources {
					resource, sub, _ := strings.Cut(res, "/")
					names := r.ResourceNames
					if len(names) == 0 {
						names = []string{""}
					}
					for _, name := range names {
						a := &Attributes{User: s.User, Groups: s.Groups, ResourceRequest: true, Verb: verb,
							APIGroup: group, Resource: resource, Subresource: sub, Name: name, Workspace: p.Workspace, Namespace: p.Namespace}
						if z.Authorize(a).Allowed {
							continue
						}
						what := verb + " " + res
						if group != "" {
							what = verb + " " + group + "/" + res
						}
						if name != "" {
							what += " " + name
						}
						return what
					}
				}
			}
		}
	}
	return ""
}

// platformAdminRules are what only a platform administrator holds: every
// verb on everything, on the platform.
var platformAdminRules = []rbacv1.PolicyRule{
	{APIGroups: []string{"*"}, Resources: []string{"*"}, Verbs: []string{"*"}},
	{NonResourceURLs: []string{"*"}, Verbs: []string{"*"}},
}

// IsPlatformAdmin reports whether the subject holds every permission on the
// platform (through a global binding: cluster bindings never reach the
// platform's own resources).
func (z *Authorizer) IsPlatformAdmin(s Subject) bool {
	return z.Missing(s, platformAdminRules, Place{}) == ""
}

// Grant is a set of rules a subject holds at a place, and the binding that
// gives them.
type Grant struct {
	Place Place
	Rules []rbacv1.PolicyRule
	Via   string
}

// Grants lists what the subject holds through its bindings at every level:
// global, workspace, namespace and cluster bindings of the user and of each
// of its groups. Mirrors of platform bindings in native RBAC are left out:
// their sources are listed at their own level, which is wider.
func (z *Authorizer) Grants(s Subject) []Grant {
	var out []Grant
	for _, key := range s.keys() {
		for _, o := range byIndex(z.s.GlobalRoleBindings, BySubject, key) {
			b := o.(*iamv1beta1.GlobalRoleBinding)
			if rules, ok := z.globalRole(b.RoleRef.Name); ok {
				out = append(out, Grant{Place{}, rules, fmt.Sprintf("GlobalRoleBinding %q", b.Name)})
			}
		}
		for _, o := range byIndex(z.s.WorkspaceRoleBindings, BySubject, key) {
			b := o.(*iamv1beta1.WorkspaceRoleBinding)
			ws := b.Labels[tenantv1beta1.WorkspaceLabel]
			if ws == "" {
				continue
			}
			if rules, ok := z.workspaceRole(b.RoleRef.Name, ws); ok {
				out = append(out, Grant{Place{Workspace: ws}, rules, fmt.Sprintf("WorkspaceRoleBinding %q", b.Name)})
			}
		}
		for _, o := range byIndex(z.s.RoleBindings, BySubject, key) {
			b := o.(*rbacv1.RoleBinding)
			if b.Labels[iamv1beta1.MirrorOfLabel] != "" {
				continue
			}
			if rules, ok := z.nativeRole(b.Namespace, b.RoleRef); ok {
				out = append(out, Grant{Place{Namespace: b.Namespace}, rules, fmt.Sprintf("RoleBinding %s/%s", b.Namespace, b.Name)})
			}
		}
		for _, o := range byIndex(z.s.ClusterRoleBindings, BySubject, key) {
			b := o.(*rbacv1.ClusterRoleBinding)
			if b.Labels[iamv1beta1.MirrorOfLabel] != "" {
				continue
			}
			if rules, ok := z.clusterRole(b.RoleRef.Name); ok {
				out = append(out, Grant{Place{}, rules, fmt.Sprintf("ClusterRoleBinding %q", b.Name)})
			}
		}
	}
	return out
}

// MissingOf returns the first permission that target holds and caller does
// not, with where and the binding that gives it to target ("delete pods in
// namespace dev (through RoleBinding dev/bob-admin)"), or "" when the caller holds
// everything the target holds. A platform administrator holds everything.
func (z *Authorizer) MissingOf(caller, target Subject) string {
	if z.IsPlatformAdmin(caller) {
		return ""
	}
	seen := map[string]bool{}
	for _, g := range z.Grants(target) {
		key := g.Place.Workspace + "\x00" + g.Place.Namespace + "\x00" + rulesKey(g.Rules)
		if seen[key] {
			continue
		}
		seen[key] = true
		if m := z.Missing(caller, g.Rules, g.Place); m != "" {
			return m + " " + g.Place.String() + " (through " + g.Via + ")"
		}
	}
	return ""
}

// rulesKey identifies a rule set by its slice, for deduplication only:
// roles in ke-apiserver's cache share the slices of equal rule sets, so the
// many mirrors and copies of one role are checked once.
func rulesKey(rules []rbacv1.PolicyRule) string {
	if len(rules) == 0 {
		return ""
	}
	return fmt.Sprintf("%p/%d", &rules[0], len(rules))
}
