package request

import (
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name   string
		method string
		path   string
		query  map[string][]string
		want   Info
	}{
		{"a namespaced Kubernetes object is a namespace-scope get", http.MethodGet, "/api/v1/namespaces/dev/pods/web-1",
			nil, Info{IsResourceRequest: true, Verb: "get", APIPrefix: "api", APIVersion: "v1", Namespace: "dev", Resource: "pods", Name: "web-1", Level: iamv1beta1.LevelNamespace}},
		{"a pod's log is a subresource", http.MethodGet, "/api/v1/namespaces/dev/pods/web-1/log",
			nil, Info{IsResourceRequest: true, Verb: "get", APIPrefix: "api", APIVersion: "v1", Namespace: "dev", Resource: "pods", Name: "web-1", Subresource: "log", Level: iamv1beta1.LevelNamespace}},
		{"a WebSocket exec is a create", http.MethodGet, "/api/v1/namespaces/dev/pods/web-1/exec",
			nil, Info{IsResourceRequest: true, Verb: "create", APIPrefix: "api", APIVersion: "v1", Namespace: "dev", Resource: "pods", Name: "web-1", Subresource: "exec", Level: iamv1beta1.LevelNamespace}},
		{"a watch is a watch", http.MethodGet, "/apis/apps/v1/namespaces/dev/deployments",
			map[string][]string{"watch": {"true"}}, Info{IsResourceRequest: true, Verb: "watch", APIPrefix: "apis", APIGroup: "apps", APIVersion: "v1", Namespace: "dev", Resource: "deployments", Level: iamv1beta1.LevelNamespace}},
		{"nodes are cluster-scope", http.MethodGet, "/api/v1/nodes",
			nil, Info{IsResourceRequest: true, Verb: "list", APIPrefix: "api", APIVersion: "v1", Resource: "nodes", Level: iamv1beta1.LevelCluster}},
		{"a namespace object is in its own namespace", http.MethodDelete, "/api/v1/namespaces/dev",
			nil, Info{IsResourceRequest: true, Verb: "delete", APIPrefix: "api", APIVersion: "v1", Namespace: "dev", Resource: "namespaces", Name: "dev", Level: iamv1beta1.LevelNamespace}},
		{"platform users are global", http.MethodPost, "/kapis/iam.superkube.io/v1beta1/users",
			nil, Info{IsResourceRequest: true, Verb: "create", APIPrefix: "kapis", APIGroup: "iam.superkube.io", APIVersion: "v1beta1", Resource: "users", Level: iamv1beta1.LevelGlobal}},
		{"a user's password is a subresource", http.MethodPut, "/kapis/iam.superkube.io/v1beta1/users/alice/password",
			nil, Info{IsResourceRequest: true, Verb: "update", APIPrefix: "kapis", APIGroup: "iam.superkube.io", APIVersion: "v1beta1", Resource: "users", Name: "alice", Subresource: "password", Level: iamv1beta1.LevelGlobal}},
		{"a path inside a workspace is workspace-scope", http.MethodGet, "/kapis/tenant.superkube.io/v1beta1/workspaces/acme/namespaces",
			nil, Info{IsResourceRequest: true, Verb: "list", APIPrefix: "kapis", APIGroup: "tenant.superkube.io", APIVersion: "v1beta1", Workspace: "acme", Resource: "namespaces", Level: iamv1beta1.LevelWorkspace}},
		{"a workspace object is in its own workspace", http.MethodDelete, "/kapis/tenant.superkube.io/v1beta1/workspaces/acme",
			nil, Info{IsResourceRequest: true, Verb: "delete", APIPrefix: "kapis", APIGroup: "tenant.superkube.io", APIVersion: "v1beta1", Workspace: "acme", Resource: "workspaces", Name: "acme", Level: iamv1beta1.LevelWorkspace}},
		{"a namespace inside a workspace is namespace-scope", http.MethodGet, "/kapis/iam.superkube.io/v1beta1/workspaces/acme/namespaces/dev/members",
			nil, Info{IsResourceRequest: true, Verb: "list", APIPrefix: "kapis", APIGroup: "iam.superkube.io", APIVersion: "v1beta1", Workspace: "acme", Namespace: "dev", Resource: "members", Level: iamv1beta1.LevelNamespace}},
		{"a member cluster prefix names the cluster", http.MethodGet, "/clusters/east/api/v1/namespaces/dev/pods",
			nil, Info{IsResourceRequest: true, Verb: "list", APIPrefix: "api", APIVersion: "v1", Cluster: "east", Namespace: "dev", Resource: "pods", Level: iamv1beta1.LevelNamespace}},
		{"discovery is not a resource request", http.MethodGet, "/apis/apps/v1",
			nil, Info{Verb: "get", APIPrefix: "apis", APIGroup: "apps", APIVersion: "v1", Level: iamv1beta1.LevelGlobal}},
		{"an OAuth endpoint is not a resource request", http.MethodPost, "/oauth/token",
			nil, Info{Verb: "post", Level: iamv1beta1.LevelGlobal}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.method, tt.path, tt.query)
			if err != nil {
				t.Fatal(err)
			}
			got.Path, got.Parts = "", nil
			if !reflect.DeepEqual(*got, tt.want) {
				t.Fatalf("got  %+v\nwant %+v", *got, tt.want)
			}
		})
	}
}

func TestParseRefusesPathsThatTryToEscape(t *testing.T) {
	for _, p := range []string{
		"/api/v1/namespaces/../secrets",
		"/api/v1/namespaces/dev/pods/%2e%2e",
		"/kapis/tenant.superkube.io/v1beta1/workspaces/a%2Fb/namespaces",
		"/api/v1/namespaces/dev/pods/x%2Fy",
		"/kapis/iam.superkube.io/v1beta1/groups/g/members/..%2Fadmin",
		"/api/v1/namespaces/dev/pods/%zz",
		"/api//v1/pods",
		"/" + strings.Repeat("a/", MaxPathSegments+1),
	} {
		t.Run(p, func(t *testing.T) {
			_, err := Parse(http.MethodGet, p, nil)
			var perr *Error
			if !errors.As(err, &perr) {
				t.Fatalf("want a path error, got %v", err)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, seed := range []string{"/api/v1/namespaces/dev/pods/web", "/kapis/tenant.superkube.io/v1beta1/workspaces/a/namespaces/b/x/y/z", "/clusters/c/apis/g/v/r", "//", "/api/v1/namespaces/%/pods"} {
		f.Add(http.MethodGet, seed)
	}
	f.Fuzz(func(t *testing.T, method, p string) {
		info, err := Parse(method, p, nil)
		if err != nil {
			return
		}
		// Whatever is accepted names objects with valid path segments only.
		for _, name := range []string{info.Namespace, info.Workspace, info.Cluster, info.Name} {
			if strings.Contains(name, "/") || name == "." || name == ".." || strings.Contains(name, "%") {
				t.Fatalf("accepted the name %q from %q", name, p)
			}
		}
		if info.IsResourceRequest && info.Resource == "" {
			t.Fatalf("a resource request without a resource: %q", p)
		}
		if !utf8.ValidString(p) {
			return
		}
	})
}

func TestThePlatformAPIsRefuseWorkspaceAndNamespaceNamesThatAreNotLabels(t *testing.T) {
	for _, tt := range []struct{ path, field string }{
		{"/kapis/tenant.superkube.io/v1beta1/workspaces/ACC-X", "workspace"},
		{"/kapis/tenant.superkube.io/v1beta1/workspaces/ACC-X/namespaces", "workspace"},
		{"/kapis/tenant.superkube.io/v1beta1/workspaces/ACC-X/overview", "workspace"},
		{"/kapis/tenant.superkube.io/v1beta1/workspaces/acme/namespaces/Dev", "namespace"},
		{"/kapis/tenant.superkube.io/v1beta1/workspaces/a.b", "workspace"},
		{"/kapis/resources.superkube.io/v1alpha3/namespaces/UPPER/pods", "namespace"},
		{"/kapis/resources.superkube.io/v1alpha3/namespaces/UPPER", "namespace"},
		{"/kapis/iam.superkube.io/v1beta1/namespaces/dev_1/members", "namespace"},
		{"/kapis/iam.superkube.io/v1beta1/workspaces/" + strings.Repeat("a", 64) + "/members", "workspace"},
	} {
		t.Run(tt.path, func(t *testing.T) {
			_, err := Parse(http.MethodGet, tt.path, nil)
			var perr *Error
			if !errors.As(err, &perr) || perr.Field != tt.field {
				t.Fatalf("want a path error naming %s, got %v", tt.field, err)
			}
		})
	}
	// The Kubernetes API answers for its own paths.
	if _, err := Parse(http.MethodGet, "/api/v1/namespaces/UPPER/pods", nil); err != nil {
		t.Fatalf("a Kubernetes path was refused: %v", err)
	}
}
