// Package request parses what a request is about (level, group, resource,
// verb, name) from its URL and method, and carries that and the caller's
// identity in the request context.
package request

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"k8s.io/apimachinery/pkg/api/validate/content"
	"k8s.io/apimachinery/pkg/util/validation"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
)

// Info describes a request.
type Info struct {
	// IsResourceRequest is false for non-resource paths such as /healthz or /oauth/token.
	IsResourceRequest bool
	Path              string
	// Verb is the Kubernetes verb: get, list, watch, create, update, patch,
	// delete, deletecollection; or the lower-cased method for non-resource paths.
	Verb string
	// APIPrefix is api, apis or kapis.
	APIPrefix   string
	APIGroup    string
	APIVersion  string
	Cluster     string
	Workspace   string
	Namespace   string
	Resource    string
	Subresource string
	Name        string
	// Level is the level the request acts at.
	Level iamv1beta1.Level
	// Parts are the path segments after group and version.
	Parts []string
}

// Error is a malformed request path; it names the part that is wrong.
type Error struct {
	Field   string
	Value   string
	Message string
}

func (e *Error) Error() string { return fmt.Sprintf("%s %q: %s", e.Field, e.Value, e.Message) }

// MaxPathSegments bounds the work spent on a path.
const MaxPathSegments = 32

// Parse returns what the request is about, from the escaped path
// (url.URL.EscapedPath). Each segment is unescaped on its own, so an encoded
// slash stays inside its segment and is then refused as part of a name. It
// fails for paths that name objects with invalid names, such as attempts at
// path traversal.
func Parse(method, escapedPath string, query map[string][]string) (*Info, error) {
	info := &Info{Path: escapedPath, Verb: strings.ToLower(method), Level: iamv1beta1.LevelGlobal}
	p := strings.Trim(escapedPath, "/")
	if p == "" {
		return info, nil
	}
	parts := strings.Split(p, "/")
	if len(parts) > MaxPathSegments {
		return nil, &Error{Field: "path", Value: truncate(escapedPath), Message: fmt.Sprintf("has more than %d segments", MaxPathSegments)}
	}
	for i, s := range parts {
		u, err := url.PathUnescape(s)
		if err != nil {
			return nil, &Error{Field: "path", Value: truncate(escapedPath), Message: "is not a valid escaped path"}
		}
		if u == "" || u == "." || u == ".." {
			return nil, &Error{Field: "path", Value: truncate(escapedPath), Message: "must not contain empty, '.' or '..' segments"}
		}
		parts[i] = u
	}

	// /clusters/{cluster}/... sends the same request to a member cluster.
	if parts[0] == "clusters" && len(parts) > 2 && isAPIPrefix(parts[2]) {
		if err := checkName("cluster", parts[1]); err != nil {
			return nil, err
		}
		info.Cluster = parts[1]
		parts = parts[2:]
	}
	if !isAPIPrefix(parts[0]) {
		return info, nil
	}
	info.APIPrefix = parts[0]
	parts = parts[1:]
	switch info.APIPrefix {
	case "api":
		if len(parts) < 1 {
			return info, nil // discovery of versions
		}
		info.APIVersion = parts[0]
		parts = parts[1:]
	default:
		if len(parts) < 2 {
			return info, nil // discovery of groups or of one group
		}
		info.APIGroup, info.APIVersion = parts[0], parts[1]
		parts = parts[2:]
	}
	info.Parts = parts
	if len(parts) == 0 {
		return info, nil // discovery of a group version's resources
	}
	info.IsResourceRequest = true
	info.Level = iamv1beta1.LevelCluster
	if info.APIPrefix == "kapis" {
		info.Level = iamv1beta1.LevelGlobal
	}

	// Platform paths may be nested in a workspace.
	if info.APIPrefix == "kapis" && parts[0] == "workspaces" && len(parts) > 2 {
		if err := checkName("workspace", parts[1]); err != nil {
			return nil, err
		}
		info.Workspace = parts[1]
		info.Level = iamv1beta1.LevelWorkspace
		parts = parts[2:]
	}
	if parts[0] == "namespaces" && len(parts) > 2 {
		if err := checkName("namespace", parts[1]); err != nil {
			return nil, err
		}
		info.Namespace = parts[1]
		info.Level = iamv1beta1.LevelNamespace
		parts = parts[2:]
	}

	info.Resource = parts[0]
	if len(parts) > 1 {
		info.Name = parts[1]
		if err := checkName("name", info.Name); err != nil {
			return nil, err
		}
	}
	if len(parts) > 2 {
		// The platform's subresource segments name objects too (for
		// example groups/{group}/members/{user}): an encoded slash in one
		// is refused here rather than cleaned into another path.
		if info.APIPrefix == "kapis" {
			for _, s := range parts[2:] {
				if err := checkName("subresource", s); err != nil {
					return nil, err
				}
			}
		}
		info.Subresource = strings.Join(parts[2:], "/")
	}
	// A namespace object is in its own namespace, as in Kubernetes.
	if info.Resource == "namespaces" && info.Name != "" && info.Namespace == "" {
		info.Namespace = info.Name
		info.Level = iamv1beta1.LevelNamespace
	}
	if info.Resource == "workspaces" && info.Name != "" && info.Workspace == "" {
		info.Workspace = info.Name
		info.Level = iamv1beta1.LevelWorkspace
	}
	// The platform's own APIs name workspaces and namespaces (projects),
	// which are DNS-1123 labels: any other name is a bad request here, for
	// every handler, rather than a 404 or an empty list later.
	if info.APIPrefix == "kapis" {
		if err := checkLabel("workspace", info.Workspace); err != nil {
			return nil, err
		}
		if err := checkLabel("namespace", info.Namespace); err != nil {
			return nil, err
		}
	}
	info.Verb = verb(method, info.Name, query)
	// Connecting to a pod (exec, attach, port-forward) is a create, also
	// when a WebSocket opens it with GET, as kube-apiserver authorizes it.
	if info.Resource == "pods" && info.Verb == "get" && (info.Subresource == "exec" || info.Subresource == "attach" || info.Subresource == "portforward") {
		info.Verb = "create"
	}
	return info, nil
}

func verb(method, name string, query map[string][]string) string {
	switch method {
	case http.MethodGet, http.MethodHead:
		if isTrue(query["watch"]) {
			return "watch"
		}
		if name == "" {
			return "list"
		}
		return "get"
	case http.MethodPost:
		return "create"
	case http.MethodPut:
		return "update"
	case http.MethodPatch:
		return "patch"
	case http.MethodDelete:
		if name == "" {
			return "deletecollection"
		}
		return "delete"
	default:
		return strings.ToLower(method)
	}
}

func isTrue(v []string) bool {
	return len(v) > 0 && (v[0] == "true" || v[0] == "1")
}

func isAPIPrefix(s string) bool { return s == "api" || s == "apis" || s == "kapis" }

// checkName refuses names that could not name an object, in particular
// those that try to reach another path.
func checkName(field, name string) error {
	if msgs := content.IsPathSegmentName(name); len(msgs) > 0 {
		return &Error{Field: field, Value: truncate(name), Message: strings.Join(msgs, "; ")}
	}
	if len(name) > 253 {
		return &Error{Field: field, Value: truncate(name), Message: "must be no more than 253 characters"}
	}
	return nil
}

// checkLabel refuses a name that is set and not a DNS-1123 label.
func checkLabel(field, name string) error {
	if name == "" {
		return nil
	}
	if msgs := validation.IsDNS1123Label(name); len(msgs) > 0 {
		return &Error{Field: field, Value: truncate(name), Message: "is not a valid name: " + strings.Join(msgs, "; ")}
	}
	return nil
}

func truncate(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}
