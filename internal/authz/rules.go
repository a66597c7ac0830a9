// Package authz decides whether a caller may do what a request asks, at
// the four levels of the permission model: platform (global bindings),
// workspace, namespace and cluster, in that order; the first allow wins.
// It reads bindings and roles from informer indexes, never scanning all
// bindings for a request.
package authz

import (
	"slices"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
)

// Attributes describe what a caller asks to do.
type Attributes struct {
	User   string
	Groups []string

	// Resource requests.
	ResourceRequest bool
	Verb            string
	APIGroup        string
	Resource        string
	Subresource     string
	Name            string
	Cluster         string
	Workspace       string
	Namespace       string

	// Non-resource requests.
	Path string
}

func (a *Attributes) resourceWithSub() string {
	if a.Subresource == "" {
		return a.Resource
	}
	return a.Resource + "/" + a.Subresource
}

// RuleAllows reports whether one RBAC rule allows the request.
func RuleAllows(a *Attributes, r *rbacv1.PolicyRule) bool {
	if !a.ResourceRequest {
		return verbMatches(r.Verbs, a.Verb) && pathMatches(r.NonResourceURLs, a.Path)
	}
	return verbMatches(r.Verbs, a.Verb) &&
		has(r.APIGroups, a.APIGroup) &&
		resourceMatches(r.Resources, a.Resource, a.resourceWithSub(), a.Subresource) &&
		(len(r.ResourceNames) == 0 || (a.Name != "" && slices.Contains(r.ResourceNames, a.Name)))
}

// RulesAllow reports whether any of the rules allows the request.
func RulesAllow(a *Attributes, rules []rbacv1.PolicyRule) bool {
	for i := range rules {
		if RuleAllows(a, &rules[i]) {
			return true
		}
	}
	return false
}

func verbMatches(verbs []string, v string) bool { return has(verbs, v) }

// has matches a value or the wildcard.
func has(list []string, v string) bool {
	for _, x := range list {
		if x == rbacv1.VerbAll || x == v {
			return true
		}
	}
	return false
}

func resourceMatches(rules []string, resource, combined, sub string) bool {
	for _, r := range rules {
		switch {
		case r == rbacv1.ResourceAll:
			return true
		case r == combined:
			return true
		case sub != "" && r == resource+"/*":
			return true
		case sub != "" && r == "*/"+sub:
			return true
		}
	}
	return false
}

func pathMatches(urls []string, p string) bool {
	for _, u := range urls {
		if u == rbacv1.NonResourceAll || u == p {
			return true
		}
		if strings.HasSuffix(u, "*") && strings.HasPrefix(p, strings.TrimSuffix(u, "*")) {
			return true
		}
	}
	return false
}
