package filters_test

import (
	"net/http"
	"testing"

	"k8s.io/apiserver/pkg/authentication/user"

	"github.com/superkube/super-kubenetes/internal/apiserver/filters"
	"github.com/superkube/super-kubenetes/internal/apiserver/request"
)

func TestADiscoveryRuleDelegatesOnlyTheReadOfItsGroupsDiscoveryDocument(t *testing.T) {
	rs := filters.Rules{{Group: "resources.superkube.io", Discovery: true, Delegate: true}}
	u := &user.DefaultInfo{Name: "alice"}
	for _, tt := range []struct {
		method, path string
		delegate     bool
	}{
		{http.MethodGet, "/kapis/resources.superkube.io/v1alpha3", true},
		{http.MethodGet, "/kapis/resources.superkube.io/v1alpha3/", true},
		{http.MethodPost, "/kapis/resources.superkube.io/v1alpha3", false},
		{http.MethodGet, "/kapis/resources.superkube.io", false},
		{http.MethodGet, "/kapis/iam.superkube.io/v1beta1", false},
		{http.MethodGet, "/kapis/resources.superkube.io/v1alpha3/pods", false},
		{http.MethodGet, "/apis/resources.superkube.io/v1alpha3", false},
	} {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			info, err := request.Parse(tt.method, tt.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, delegate := rs.Map(u, info); delegate != tt.delegate {
				t.Fatalf("delegate=%v, want %v", delegate, tt.delegate)
			}
		})
	}
}
