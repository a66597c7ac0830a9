package authz

import (
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
)

func TestRuleAllows(t *testing.T) {
	podsRead := rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"pods", "pods/log"}, Verbs: []string{"get", "list"}}
	all := rbacv1.PolicyRule{APIGroups: []string{"*"}, Resources: []string{"*"}, Verbs: []string{"*"}}
	named := rbacv1.PolicyRule{APIGroups: []string{"apps"}, Resources: []string{"deployments"}, ResourceNames: []string{"web"}, Verbs: []string{"update"}}
	subAll := rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"*/status"}, Verbs: []string{"get"}}
	healthz := rbacv1.PolicyRule{NonResourceURLs: []string{"/healthz", "/metrics/*"}, Verbs: []string{"get"}}
	res := func(verb, group, resource, sub, name string) *Attributes {
		return &Attributes{ResourceRequest: true, Verb: verb, APIGroup: group, Resource: resource, Subresource: sub, Name: name}
	}
	tests := []struct {
		name string
		a    *Attributes
		rule rbacv1.PolicyRule
		want bool
	}{
		{"a listed verb on a listed resource is allowed", res("list", "", "pods", "", ""), podsRead, true},
		{"an unlisted verb is refused", res("delete", "", "pods", "", "p"), podsRead, false},
		{"another group is refused", res("get", "apps", "pods", "", "p"), podsRead, false},
		{"a listed subresource is allowed", res("get", "", "pods", "log", "p"), podsRead, true},
		{"an unlisted subresource is refused", res("create", "", "pods", "exec", "p"), podsRead, false},
		{"wildcards allow everything", res("delete", "batch", "jobs", "", "j"), all, true},
		{"a resource name restricts to that object", res("update", "apps", "deployments", "", "web"), named, true},
		{"another object is refused under a resource name rule", res("update", "apps", "deployments", "", "api"), named, false},
		{"a list is refused under a resource name rule", res("update", "apps", "deployments", "", ""), named, false},
		{"*/status allows any status subresource", res("get", "", "nodes", "status", "n"), subAll, true},
		{"a non-resource path is matched exactly", &Attributes{Verb: "get", Path: "/healthz"}, healthz, true},
		{"a non-resource prefix with * matches below it", &Attributes{Verb: "get", Path: "/metrics/cadvisor"}, healthz, true},
		{"a non-resource rule does not allow resources", res("get", "", "pods", "", ""), healthz, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := RuleAllows(tt.a, &tt.rule); got != tt.want {
				t.Fatalf("got %v", got)
			}
		})
	}
}
