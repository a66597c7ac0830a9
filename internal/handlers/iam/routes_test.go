package iam

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"k8s.io/apiserver/pkg/authentication/user"

	"github.com/superkube/super-kubenetes/internal/apiserver/request"
)

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
