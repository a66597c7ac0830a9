package authz

import (
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
)

// recorder is an authorizer that allows what its rules allow and records
// what it was asked.
type recorder struct {
	rules []rbacv1.PolicyRule
	asked []Attributes
}

func (r *recorder) Authorize(a *Attributes) Decision {
	r.asked = append(r.asked, *a)
	return Decision{Allowed: RulesAllow(a, r.rules)}
}

func TestSelfServiceLetsUsersEditTheirProfileButNotTheirState(t *testing.T) {
	z := SelfService{Next: &recorder{}}
	attrs := func(verb, name, sub string) *Attributes {
		return &Attributes{User: "alice", ResourceRequest: true, Verb: verb, APIGroup: "iam.superkube.io", Resource: "users", Name: name, Subresource: sub}
	}
	for _, tt := range []struct {
		a    *Attributes
		want bool
	}{
		{attrs("get", "alice", ""), true},
		{attrs("patch", "alice", ""), true},
		{attrs("update", "alice", ""), true},
		{attrs("get", "alice", "loginrecords"), true},
		{attrs("patch", "bob", ""), false},
		{attrs("create", "alice", "disable"), false},
		{attrs("create", "alice", "enable"), false},
		{attrs("create", "alice", "unlock"), false},
		{attrs("delete", "alice", ""), false},
		{attrs("get", "bob", "loginrecords"), false},
	} {
		if got := z.Authorize(tt.a).Allowed; got != tt.want {
			t.Errorf("%s users/%s %s: allowed=%v, want %v", tt.a.Verb, tt.a.Subresource, tt.a.Name, got, tt.want)
		}
	}
}

func TestSubresourcesAreAuthorizedAsWhatTheyAmountTo(t *testing.T) {
	manageUsers := []rbacv1.PolicyRule{{APIGroups: []string{"iam.superkube.io"}, Resources: []string{"users", "groupbindings"}, Verbs: []string{"update", "list", "create", "delete"}}}
	viewRecords := []rbacv1.PolicyRule{{APIGroups: []string{"iam.superkube.io"}, Resources: []string{"loginrecords"}, Verbs: []string{"list"}}}
	a := func(verb, resource, name, sub string) *Attributes {
		return &Attributes{User: "root", ResourceRequest: true, Verb: verb, APIGroup: "iam.superkube.io", Resource: resource, Name: name, Subresource: sub}
	}
	for _, tt := range []struct {
		name  string
		rules []rbacv1.PolicyRule
		a     *Attributes
		want  bool
	}{
		{"disable is an update of the user", manageUsers, a("create", "users", "bob", "disable"), true},
		{"unlock is an update of the user", manageUsers, a("create", "users", "bob", "unlock"), true},
		{"login records are listed", viewRecords, a("get", "users", "bob", "loginrecords"), true},
		{"login records need their permission", manageUsers, a("get", "users", "bob", "loginrecords"), false},
		{"adding a group member writes group bindings", manageUsers, a("create", "groups", "devs", "members"), true},
		{"removing one too", manageUsers, a("delete", "groups", "devs", "members/bob"), true},
		{"reading the user does not disable it", viewRecords, a("create", "users", "bob", "disable"), false},
		{"other subresources stay as they are", manageUsers, a("get", "users", "bob", "kubeconfig"), false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			z := SelfService{Next: &recorder{rules: tt.rules}}
			if got := z.Authorize(tt.a).Allowed; got != tt.want {
				t.Fatalf("allowed=%v, want %v", got, tt.want)
			}
		})
	}
}
