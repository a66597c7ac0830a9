package apiserver

import (
	"net/http"
	"testing"
)

func TestWorkspaceAndNamespaceNamesInPlatformPathsAreCheckedWithA400(t *testing.T) {
	world(t)
	a := api.Admin(t)
	for _, tt := range []struct{ method, path, field string }{
		{http.MethodGet, tenantAPI + "/workspaces/ACC-X", "workspace"},
		{http.MethodDelete, tenantAPI + "/workspaces/ACC-X", "workspace"},
		{http.MethodGet, tenantAPI + "/workspaces/ACC-X/namespaces", "workspace"},
		{http.MethodGet, tenantAPI + "/workspaces/ACC-X/overview", "workspace"},
		{http.MethodGet, tenantAPI + "/workspaces/wsa/namespaces/WSA-WEB", "namespace"},
		{http.MethodDelete, tenantAPI + "/workspaces/wsa/namespaces/WSA-WEB", "namespace"},
		{http.MethodGet, engine + "/namespaces/UPPER/pods", "namespace"},
		{http.MethodGet, engine + "/namespaces/UPPER", "namespace"},
		{http.MethodGet, iamAPI + "/namespaces/UPPER/members", "namespace"},
		{http.MethodGet, iamAPI + "/workspaces/ACC-X/members", "workspace"},
	} {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			iamExpect(t, api.Do(t, tt.method, tt.path, a, nil), http.StatusBadRequest, tt.field)
		})
	}
}
