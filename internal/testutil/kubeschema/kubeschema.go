// Package kubeschema writes the JSON schemas of a kube-apiserver's kinds
// (built-in kinds and the CRDs installed in it) from its /openapi/v2
// document, one standalone file per kind, in the folder layout kubeconform
// reads by default:
//
//	<dir>/v<kubernetes version>-standalone[-strict]/<kind>-<group prefix>-<version>.json
//
// such as v1.37.0-standalone-strict/deployment-apps-v1.json. Give the
// folder to kubeconform as its schema location (-schema-location <dir>, or
// validator.New([]string{dir}, ...)) with the same Kubernetes version, and
// it validates manifests against the very API server the tests run,
// without fetching schemas from the network.
package kubeschema

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"k8s.io/client-go/discovery"
	"k8s.io/client-go/rest"
)

const (
	definitionsPrefix = "#/definitions/"
	gvkExtension      = "x-kubernetes-group-version-kind"
	// quantityDefinition is resource.Quantity, which manifests write as a
	// string ("100m") or a number (2).
	quantityDefinition = "io.k8s.apimachinery.pkg.api.resource.Quantity"
)

// FileName is the file kubeconform looks for to validate an object of
// group/version and kind: the kind in lower case, the first label of the
// group (none for the core group) and the version.
func FileName(group, version, kind string) string {
	name := strings.ToLower(kind)
	if group != "" {
		name += "-" + strings.ToLower(strings.Split(group, ".")[0])
	}
	return name + "-" + strings.ToLower(version) + ".json"
}

// Folder is the folder of dir that holds the schemas of a Kubernetes
// version ("1.37.0"), strict or not, as kubeconform names it.
func Folder(dir, kubernetesVersion string, strict bool) string {
	name := "v" + kubernetesVersion + "-standalone"
	if strict {
		name += "-strict"
	}
	return filepath.Join(dir, name)
}

// FromOpenAPIV2 makes a standalone JSON schema (draft 4, as OpenAPI v2's
// schemas are) of every kind an OpenAPI v2 document names, by file name
// (FileName). Each carries the definitions it refers to, directly or not.
// A strict schema refuses the fields an object does not declare, unless it
// keeps unknown fields (x-kubernetes-preserve-unknown-fields).
func FromOpenAPIV2(doc []byte, strict bool) (map[string][]byte, error) {
	var spec struct {
		Definitions map[string]map[string]any `json:"definitions"`
	}
	if err := json.Unmarshal(doc, &spec); err != nil {
		return nil, fmt.Errorf("reading the OpenAPI v2 document: %w", err)
	}
	if len(spec.Definitions) == 0 {
		return nil, errors.New("the OpenAPI v2 document has no definitions")
	}
	defs := make(map[string]any, len(spec.Definitions))
	for name, d := range spec.Definitions {
		defs[name] = adapt(d, strict)
	}
	if q, ok := defs[quantityDefinition].(map[string]any); ok {
		q["type"] = []any{"string", "number", "null"}
	}

	out := map[string][]byte{}
	from := map[string]string{} // file name -> definition, to catch two kinds sharing a file
	names := make([]string, 0, len(spec.Definitions))
	for name := range spec.Definitions {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		gvks, _ := spec.Definitions[name][gvkExtension].([]any)
		for _, g := range gvks {
			gvk, _ := g.(map[string]any)
			group, _ := gvk["group"].(string)
			version, _ := gvk["version"].(string)
			kind, _ := gvk["kind"].(string)
			if version == "" || kind == "" {
				continue
			}
			file := FileName(group, version, kind)
			if other, ok := from[file]; ok {
				if other != name {
					return nil, fmt.Errorf("%s and %s would both be %s", other, name, file)
				}
				continue
			}
			from[file] = name
			b, err := standalone(name, defs)
			if err != nil {
				return nil, err
			}
			out[file] = b
		}
	}
	return out, nil
}

// adapt copies an OpenAPI v2 schema node into JSON schema terms: an
// int-or-string takes either, null is accepted wherever a value is (the
// API server reads it as unset), and a strict object refuses undeclared
// fields.
func adapt(node any, strict bool) any {
	switch n := node.(type) {
	case []any:
		out := make([]any, len(n))
		for i, v := range n {
			out[i] = adapt(v, strict)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(n))
		for k, v := range n {
			switch k {
			case "properties", "patternProperties", "definitions":
				// Maps of names to schemas: adapt each schema, not the map.
				props, _ := v.(map[string]any)
				m := make(map[string]any, len(props))
				for name, p := range props {
					m[name] = adapt(p, strict)
				}
				out[k] = m
			case "enum", "required", "example", "default", gvkExtension:
				out[k] = v
			default:
				out[k] = adapt(v, strict)
			}
		}
		if n["format"] == "int-or-string" || n["x-kubernetes-int-or-string"] == true {
			delete(out, "format")
			out["type"] = []any{"integer", "string", "null"}
		}
		if t, ok := out["type"].(string); ok {
			out["type"] = []any{t, "null"}
		}
		if strict && n["properties"] != nil && n["additionalProperties"] == nil && n["x-kubernetes-preserve-unknown-fields"] != true {
			out["additionalProperties"] = false
		}
		return out
	default:
		return node
	}
}

// standalone is the schema of one definition with the definitions it
// refers to, directly or through others.
func standalone(name string, defs map[string]any) ([]byte, error) {
	needed := map[string]any{}
	var collect func(node any) error
	collect = func(node any) error {
		switch n := node.(type) {
		case []any:
			for _, v := range n {
				if err := collect(v); err != nil {
					return err
				}
			}
		case map[string]any:
			if ref, ok := n["$ref"].(string); ok {
				target, ok := strings.CutPrefix(ref, definitionsPrefix)
				if !ok {
					return fmt.Errorf("%s refers to %s, outside the document's definitions", name, ref)
				}
				if _, seen := needed[target]; !seen {
					d, ok := defs[target]
					if !ok {
						return fmt.Errorf("%s refers to %s, which the document does not define", name, target)
					}
					needed[target] = d
					if err := collect(d); err != nil {
						return err
					}
				}
			}
			for _, v := range n {
				if err := collect(v); err != nil {
					return err
				}
			}
		}
		return nil
	}
	root := defs[name].(map[string]any)
	if err := collect(root); err != nil {
		return nil, err
	}
	doc := make(map[string]any, len(root)+2)
	for k, v := range root {
		doc[k] = v
	}
	doc["$schema"] = "http://json-schema.org/draft-04/schema#"
	if len(needed) > 0 {
		doc["definitions"] = needed
	}
	return json.Marshal(doc)
}

// Write reads /openapi/v2 from the API server behind cfg and writes the
// schema of each of its kinds into dir (see the package documentation). It
// returns the server's Kubernetes version as kubeconform takes it
// ("1.37.0"), to pass as its KubernetesVersion.
func Write(ctx context.Context, cfg *rest.Config, dir string, strict bool) (string, error) {
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return "", err
	}
	info, err := dc.ServerVersion()
	if err != nil {
		return "", fmt.Errorf("the API server's version: %w", err)
	}
	version := strings.TrimPrefix(info.GitVersion, "v")
	if i := strings.IndexAny(version, "+-"); i >= 0 {
		version = version[:i]
	}
	if version == "" {
		return "", fmt.Errorf("the API server reports no version (%+v)", info)
	}
	doc, err := dc.RESTClient().Get().AbsPath("/openapi/v2").SetHeader("Accept", "application/json").DoRaw(ctx)
	if err != nil {
		return "", fmt.Errorf("reading /openapi/v2: %w", err)
	}
	schemas, err := FromOpenAPIV2(doc, strict)
	if err != nil {
		return "", err
	}
	folder := Folder(dir, version, strict)
	if err := os.MkdirAll(folder, 0o755); err != nil {
		return "", err
	}
	for file, b := range schemas {
		if err := os.WriteFile(filepath.Join(folder, file), b, 0o644); err != nil {
			return "", err
		}
	}
	return version, nil
}
