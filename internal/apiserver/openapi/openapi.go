// Package openapi builds the OpenAPI v3 document of ke-apiserver's own
// endpoints from the routes the handlers register, so that the document
// cannot drift from the server: `make generate` writes it to
// internal/apiserver/openapi/openapi-v3.json, which ke-apiserver embeds
// and serves at /openapi/v3.
package openapi

import (
	"encoding/json"
	"net/http"
	"regexp"
	"sort"
	"strings"
)

// Recorder is a mux that remembers the patterns registered on it.
type Recorder struct{ Patterns []string }

// Handle records a pattern: one per method of a handler that lists its
// methods (routes.Methods), or the pattern as it is.
func (r *Recorder) Handle(pattern string, h http.Handler) {
	if m, ok := h.(interface{ Methods() []string }); ok && !strings.Contains(pattern, " ") {
		for _, method := range m.Methods() {
			r.Patterns = append(r.Patterns, method+" "+pattern)
		}
		return
	}
	r.Patterns = append(r.Patterns, pattern)
}

// Info describes an operation beyond its route.
type Info struct {
	Summary string
	// List adds the list convention's parameters and answer.
	List bool
	// Body names the schema of the request body.
	Body string
	// Public operations need no token.
	Public bool
	// Query are query parameters: name, type and description.
	Query [][3]string
}

var param = regexp.MustCompile(`\{([a-zA-Z]+)\}`)

// Build makes the document from route patterns ("METHOD /path/{param}")
// and the descriptions known for them. Schemas are added as given.
func Build(patterns []string, infos map[string]Info, schemas map[string]any) ([]byte, error) {
	paths := map[string]map[string]any{}
	sort.Strings(patterns)
	for _, p := range patterns {
		method, path, ok := strings.Cut(p, " ")
		if !ok || !strings.HasPrefix(path, "/") {
			continue
		}
		path = strings.TrimSuffix(path, "{$}")
		item := paths[path]
		if item == nil {
			item = map[string]any{}
			paths[path] = item
		}
		info := infos[p]
		op := map[string]any{
			"operationId": operationID(method, path),
			"summary":     summary(info, method, path),
			"tags":        []string{tag(path)},
			"responses":   responses(method, info),
		}
		var params []any
		for _, m := range param.FindAllStringSubmatch(path, -1) {
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]string{"type": "string"}})
		}
		if info.List {
			params = append(params, listParams()...)
		}
		for _, q := range info.Query {
			params = append(params, map[string]any{"name": q[0], "in": "query", "description": q[2], "schema": map[string]string{"type": q[1]}})
		}
		if len(params) > 0 {
			op["parameters"] = params
		}
		if info.Body != "" {
			op["requestBody"] = map[string]any{"required": true, "content": map[string]any{
				"application/json": map[string]any{"schema": map[string]string{"$ref": "#/components/schemas/" + info.Body}}}}
		}
		if info.Public {
			op["security"] = []any{}
		}
		item[strings.ToLower(method)] = op
	}
	doc := map[string]any{
		"openapi": "3.0.3",
		"info": map[string]any{"title": "Super Kubenetes API", "version": "v1",
			"description": "ke-apiserver's own endpoints. Errors are Kubernetes Status objects. The Kubernetes API is served too, under /api and /apis, as the caller."},
		"paths": paths,
		"components": map[string]any{
			"securitySchemes": map[string]any{"bearer": map[string]string{"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
			"schemas":         withCommonSchemas(schemas),
		},
		"security": []any{map[string][]string{"bearer": {}}},
	}
	return json.MarshalIndent(doc, "", "  ")
}

func operationID(method, path string) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(method))
	for _, seg := range strings.Split(path, "/") {
		seg = strings.Trim(seg, "{}")
		if seg == "" || seg == "kapis" || strings.Contains(seg, ".") || (len(seg) > 1 && seg[0] == 'v' && seg[1] >= '0' && seg[1] <= '9') {
			continue
		}
		b.WriteString(strings.ToUpper(seg[:1]) + seg[1:])
	}
	return b.String()
}

func tag(path string) string {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	if len(parts) > 1 && parts[0] == "kapis" {
		return parts[1]
	}
	return parts[0]
}

func summary(info Info, method, path string) string {
	if info.Summary != "" {
		return info.Summary
	}
	return method + " " + path
}

func responses(method string, info Info) map[string]any {
	status := map[string]any{"description": "A Kubernetes Status", "content": map[string]any{
		"application/json": map[string]any{"schema": map[string]string{"$ref": "#/components/schemas/Status"}}}}
	ok := map[string]any{"description": "OK", "content": map[string]any{"application/json": map[string]any{"schema": map[string]string{"type": "object"}}}}
	if info.List {
		ok = map[string]any{"description": "A page of items", "content": map[string]any{
			"application/json": map[string]any{"schema": map[string]string{"$ref": "#/components/schemas/List"}}}}
	}
	code := "200"
	if method == http.MethodPost {
		code = "201"
	}
	out := map[string]any{code: ok, "400": status, "401": status, "403": status, "404": status}
	if method != http.MethodGet {
		out["409"], out["422"] = status, status
	}
	return out
}

func listParams() []any {
	p := func(name, typ, desc string) any {
		return map[string]any{"name": name, "in": "query", "description": desc, "schema": map[string]string{"type": typ}}
	}
	return []any{
		p("page", "integer", "1-based page (default 1)"),
		p("limit", "integer", "page size, 1 to 500 (default 10)"),
		p("sortBy", "string", "createTime (default), name, or a column the endpoint documents"),
		p("ascending", "boolean", "sort order (default false)"),
		p("labelSelector", "string", "Kubernetes label selector"),
		p("fieldSelector", "string", "Kubernetes field selector"),
		p("name", "string", "case-insensitive substring of the name or display name"),
		p("names", "string", "comma-separated exact names"),
	}
}

func withCommonSchemas(in map[string]any) map[string]any {
	out := map[string]any{
		"Status": map[string]any{"type": "object", "description": "A Kubernetes Status: kind Status, status Failure, message, reason, code and, for invalid input, details.causes naming the field.",
			"properties": map[string]any{"kind": str(), "apiVersion": str(), "status": str(), "message": str(), "reason": str(), "code": map[string]string{"type": "integer"},
				"details": map[string]any{"type": "object", "properties": map[string]any{"causes": map[string]any{"type": "array", "items": map[string]any{"type": "object",
					"properties": map[string]any{"field": str(), "message": str(), "reason": str()}}}}}}},
		"List": map[string]any{"type": "object", "required": []string{"items", "totalItems"},
			"properties": map[string]any{"items": map[string]any{"type": "array", "items": map[string]string{"type": "object"}}, "totalItems": map[string]string{"type": "integer"},
				"freshness": map[string]any{"type": "object", "description": "Present when the answer may be stale (the list engine answers from its caches while it cannot follow kube-apiserver).",
					"properties": map[string]any{"stale": map[string]string{"type": "boolean"}, "reason": str(), "since": map[string]string{"type": "string", "format": "date-time"}}}}},
	}
	for k, v := range in {
		out[k] = v
	}
	return out
}

func str() map[string]string { return map[string]string{"type": "string"} }
