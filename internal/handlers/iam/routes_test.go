package iam

import (
	"net/http"
	"net/http/httptest"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apiserver/pkg/authentication/user"

	"github.com/superkube/super-kubenetes/internal/apiserver/request"
	"github.com/superkube/super-kubenetes/internal/authz"
)

// recorder is an authorizer that allows what its rules allow and records
// what it was asked.
type recorder struct {
	rules []rbacv1.PolicyRule
	asked []authz.Attributes
}

func (r *recorder) Authorize(a *authz.Attributes) authz.Decision {
	r.asked = append(r.asked, *a)
	return authz.Decision{Allowed: authz.RulesAllow(a, r.rules)}
}

func TestSelfServiceLetsUsersEditTheirProfileButNotTheirState(t *testing.T) {
	z := SelfService{Next: &recorder{}}
	attrs := func(verb, name, sub string) *authz.Attributes {
		return &authz.Attributes{User: "alice", ResourceRequest: true, Verb: verb, APIGroup: "iam.superkube.io", Resource: "users", Name: name, Subresource: sub}
	}
	for _, tt := range []struct {
		a    *authz.Attributes
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
	a := func(verb, resource, name, sub string) *authz.Attributes {
		return &authz.Attributes{User: "root", ResourceRequest: true, Verb: verb, APIGroup: "iam.superkube.io", Resource: resource, Name: name, Subresource: sub}
	}
	for _, tt := range []struct {
		name  string
		rules []rbacv1.PolicyRule
		a     *authz.Attributes
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

func TestTheRulesMapMembersAndRolesToWhatTemplatesName(t *testing.T) {
	rs := AuthzRules()
	u := &user.DefaultInfo{Name: "alice"}
	for _, tt := range []struct {
		path, group, resource string
	}{
		{"/kapis/iam.superkube.io/v1beta1/workspaces/ws/members", "iam.superkube.io", "workspacerolebindings"},
		{"/kapis/iam.superkube.io/v1beta1/workspaces/ws/members/bob", "iam.superkube.io", "workspacerolebindings"},
		{"/kapis/iam.superkube.io/v1beta1/namespaces/dev/members", "rbac.authorization.k8s.io", "rolebindings"},
		{"/kapis/iam.superkube.io/v1beta1/clustermembers/bob", "rbac.authorization.k8s.io", "clusterrolebindings"},
		{"/kapis/iam.superkube.io/v1beta1/namespaces/dev/roles", "rbac.authorization.k8s.io", "roles"},
		{"/kapis/iam.superkube.io/v1beta1/clusterroles/x", "rbac.authorization.k8s.io", "clusterroles"},
		{"/kapis/iam.superkube.io/v1beta1/workspaces/ws/workspaceroles", "iam.superkube.io", "workspaceroles"},
		{"/kapis/iam.superkube.io/v1beta1/globalroles", "iam.superkube.io", "globalroles"},
	} {
		info, err := request.Parse(http.MethodGet, tt.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		a, delegate := rs.Map(u, info)
		if delegate || a.APIGroup != tt.group || a.Resource != tt.resource {
			t.Errorf("%s: %s/%s (delegate %v), want %s/%s", tt.path, a.APIGroup, a.Resource, delegate, tt.group, tt.resource)
		}
	}
}

func TestPathNamesThatCouldReachAnotherPathAreBadRequests(t *testing.T) {
	for _, v := range []string{"../admin", "a/b", "Bad_Name", ""} {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.SetPathValue("user", v)
		if _, err := pathName(r, "user"); err == nil {
			t.Errorf("%q was accepted", v)
		}
	}
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.SetPathValue("user", "alice")
	if v, err := pathName(r, "user"); err != nil || v != "alice" {
		t.Fatalf("%q %v", v, err)
	}
}
