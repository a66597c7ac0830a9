package alerting

import (
	"net/http"
	"testing"

	"k8s.io/apiserver/pkg/authentication/user"

	"github.com/superkube/super-kubenetes/internal/apiserver/request"
)

// The filter authorizes what the paths name, and lets through to the
// handler only the platform's alert list (trimmed), the expiry of a
// silence (decided by its owner) and the builder's catalog.
func TestAuthzRulesDelegateOnlyWhatTheHandlerDecides(t *testing.T) {
	u := &user.DefaultInfo{Name: "u"}
	for _, tt := range []struct {
		method, path string
		delegate     bool
		verb, res    string
	}{
		{http.MethodGet, Prefix + "/alerts", true, "list", "alerts"},
		{http.MethodGet, Prefix + "/alerts/history", true, "get", "alerts"},
		{http.MethodGet, Prefix + "/namespaces/dev/alerts", false, "list", "alerts"},
		{http.MethodGet, Prefix + "/namespaces/dev/alerts/history", false, "get", "alerts"},
		{http.MethodGet, Prefix + "/clusteralerts", false, "list", "clusteralerts"},
		{http.MethodPost, Prefix + "/namespaces/dev/rulegroups", false, "create", "rulegroups"},
		{http.MethodPost, Prefix + "/namespaces/dev/rulegroups/preview", false, "create", "rulegroups"},
		{http.MethodPut, Prefix + "/globalrulegroups/g", false, "update", "globalrulegroups"},
		{http.MethodPost, Prefix + "/namespaces/dev/silences", false, "create", "silences"},
		{http.MethodGet, Prefix + "/silences", false, "list", "silences"},
		{http.MethodDelete, Prefix + "/namespaces/dev/silences/abc", true, "delete", "silences"},
		{http.MethodGet, Prefix + "/builder/metrics", true, "get", "builder"},
	} {
		info, err := request.Parse(tt.method, tt.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		a, delegate := AuthzRules().Map(u, info)
		if delegate != tt.delegate || a.Verb != tt.verb || a.Resource != tt.res || a.APIGroup != Group {
			t.Errorf("%s %s: delegate %v, %s %s/%s; want delegate %v, %s %s", tt.method, tt.path, delegate, a.Verb, a.APIGroup, a.Resource, tt.delegate, tt.verb, tt.res)
		}
	}
}
