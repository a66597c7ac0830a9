package gateway

import (
	"net/http"
	"testing"

	"k8s.io/apiserver/pkg/authentication/user"

	"github.com/superkube/super-kubenetes/internal/apiserver/request"
)

// Every path of the group reaches the handler, which authorizes against
// the native resources; the group's discovery document too.
func TestAuthzRulesDelegateEveryPathToTheHandler(t *testing.T) {
	u := &user.DefaultInfo{Name: "u"}
	for _, p := range []struct{ method, path string }{
		{http.MethodGet, Prefix + "/workspaces/ws/ingressclasses"},
		{http.MethodGet, Prefix + "/workspaces/ws/gatewaypolicy"},
		{http.MethodGet, Prefix + "/namespaces/dev/ingressclasses"},
		{http.MethodGet, Prefix + "/namespaces/dev/gatewaypolicy"},
		{http.MethodGet, Prefix + "/namespaces/dev/routes"},
		{http.MethodPost, Prefix + "/namespaces/dev/ingresses"},
		{http.MethodGet, Prefix + "/namespaces/dev/ingresses/shop"},
		{http.MethodPut, Prefix + "/namespaces/dev/ingresses/shop"},
		{http.MethodPost, Prefix + "/namespaces/dev/httproutes"},
		{http.MethodGet, Prefix + "/namespaces/dev/httproutes/api"},
		{http.MethodPut, Prefix + "/namespaces/dev/httproutes/api"},
		{http.MethodGet, Prefix},
	} {
		info, err := request.Parse(p.method, p.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, delegate := AuthzRules().Map(u, info); !delegate {
			t.Errorf("%s %s is not delegated", p.method, p.path)
		}
	}
}
