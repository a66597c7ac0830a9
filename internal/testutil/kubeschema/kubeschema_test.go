package kubeschema_test

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/yannh/kubeconform/pkg/validator"

	"github.com/superkube/super-kubenetes/internal/testutil/kubeschema"
)

// openAPI is a small OpenAPI v2 document as kube-apiserver serves it: a
// core kind and a group's kind, a shared definition, an int-or-string, a
// Quantity, a recursive definition, an object that keeps unknown fields, and
// a definition that is no kind.
const openAPI = `{
  "swagger": "2.0",
  "definitions": {
    "io.k8s.api.core.v1.Widget": {
      "type": "object",
      "x-kubernetes-group-version-kind": [{"group": "", "version": "v1", "kind": "Widget"}],
      "properties": {
        "apiVersion": {"type": "string"},
        "kind": {"type": "string"},
        "metadata": {"$ref": "#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"},
        "port": {"$ref": "#/definitions/io.k8s.apimachinery.pkg.util.intstr.IntOrString"},
        "size": {"$ref": "#/definitions/io.k8s.apimachinery.pkg.api.resource.Quantity"},
        "tree": {"$ref": "#/definitions/io.example.Tree"},
        "extra": {"type": "object", "properties": {"a": {"type": "string"}}, "x-kubernetes-preserve-unknown-fields": true}
      }
    },
    "io.example.widgets.v1alpha1.Gadget": {
      "type": "object",
      "x-kubernetes-group-version-kind": [{"group": "widgets.example.io", "version": "v1alpha1", "kind": "Gadget"}],
      "properties": {
        "apiVersion": {"type": "string"},
        "kind": {"type": "string"},
        "spec": {"type": "object", "properties": {"replicas": {"type": "integer", "format": "int32"}}}
      }
    },
    "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta": {
      "type": "object",
      "properties": {"name": {"type": "string"}, "labels": {"type": "object", "additionalProperties": {"type": "string"}}}
    },
    "io.k8s.apimachinery.pkg.util.intstr.IntOrString": {"type": "string", "format": "int-or-string"},
    "io.k8s.apimachinery.pkg.api.resource.Quantity": {"type": "string"},
    "io.example.Tree": {"type": "object", "properties": {"children": {"type": "array", "items": {"$ref": "#/definitions/io.example.Tree"}}}},
    "io.example.Unused": {"type": "object", "properties": {"x": {"type": "string"}}}
  }
}`

func TestFileNamesAreThoseKubeconformLooksFor(t *testing.T) {
	for _, tc := range []struct{ group, version, kind, want string }{
		{"", "v1", "ConfigMap", "configmap-v1.json"},
		{"apps", "v1", "Deployment", "deployment-apps-v1.json"},
		{"rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterrole-rbac-v1.json"},
		{"tenant.superkube.io", "v1alpha1", "Workspace", "workspace-tenant-v1alpha1.json"},
	} {
		if got := kubeschema.FileName(tc.group, tc.version, tc.kind); got != tc.want {
			t.Errorf("FileName(%q, %q, %q) = %q, want %q", tc.group, tc.version, tc.kind, got, tc.want)
		}
	}
}

func TestEachKindGetsAStandaloneSchemaWithTheDefinitionsItUses(t *testing.T) {
	schemas, err := kubeschema.FromOpenAPIV2([]byte(openAPI), true)
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for f := range schemas {
		files = append(files, f)
	}
	slices.Sort(files)
	if want := []string{"gadget-widgets-v1alpha1.json", "widget-v1.json"}; !slices.Equal(files, want) {
		t.Fatalf("files %v, want %v", files, want)
	}
	var widget struct {
		Definitions map[string]any `json:"definitions"`
	}
	if err := json.Unmarshal(schemas["widget-v1.json"], &widget); err != nil {
		t.Fatal(err)
	}
	var defs []string
	for d := range widget.Definitions {
		defs = append(defs, d)
	}
	slices.Sort(defs)
	want := []string{"io.example.Tree", "io.k8s.apimachinery.pkg.api.resource.Quantity", "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", "io.k8s.apimachinery.pkg.util.intstr.IntOrString"}
	if !slices.Equal(defs, want) {
		t.Errorf("widget-v1.json defines %v, want %v", defs, want)
	}
}

func TestTwoKindsSharingAFileAreAnError(t *testing.T) {
	doc := `{"definitions": {
	  "a.v1.Thing": {"type": "object", "x-kubernetes-group-version-kind": [{"group": "things.a.io", "version": "v1", "kind": "Thing"}]},
	  "b.v1.Thing": {"type": "object", "x-kubernetes-group-version-kind": [{"group": "things.b.io", "version": "v1", "kind": "Thing"}]}}}`
	if _, err := kubeschema.FromOpenAPIV2([]byte(doc), true); err == nil || !strings.Contains(err.Error(), "thing-things-v1.json") {
		t.Errorf("error %v, want one naming thing-things-v1.json", err)
	}
}

// The schemas, written in the layout kubeconform reads, validate manifests
// with kubeconform's own validator.
func TestKubeconformValidatesWithTheSchemas(t *testing.T) {
	dir := t.TempDir()
	for _, strict := range []bool{false, true} {
		schemas, err := kubeschema.FromOpenAPIV2([]byte(openAPI), strict)
		if err != nil {
			t.Fatal(err)
		}
		folder := kubeschema.Folder(dir, "1.37.0", strict)
		if err := os.MkdirAll(folder, 0o755); err != nil {
			t.Fatal(err)
		}
		for f, b := range schemas {
			if err := os.WriteFile(filepath.Join(folder, f), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, tc := range []struct {
		name     string
		strict   bool
		manifest string
		valid    bool
	}{
		{"a core object with an int, a quantity and a nested tree", true,
			"apiVersion: v1\nkind: Widget\nmetadata: {name: w, labels: {a: b}}\nport: 8080\nsize: 2\ntree: {children: [{children: []}]}\n", true},
		{"an int-or-string given as a name", true, "apiVersion: v1\nkind: Widget\nport: http\nsize: 100m\n", true},
		{"a null field, which the API server reads as unset", true, "apiVersion: v1\nkind: Widget\nmetadata: {name: w, labels: null}\n", true},
		{"unknown fields where the object keeps them", true, "apiVersion: v1\nkind: Widget\nextra: {a: x, b: y}\n", true},
		{"a group's kind", true, "apiVersion: widgets.example.io/v1alpha1\nkind: Gadget\nspec: {replicas: 2}\n", true},
		{"a wrong type", true, "apiVersion: widgets.example.io/v1alpha1\nkind: Gadget\nspec: {replicas: two}\n", false},
		{"a misspelt field in strict mode", true, "apiVersion: widgets.example.io/v1alpha1\nkind: Gadget\nspec: {replica: 2}\n", false},
		{"a misspelt field without strict mode", false, "apiVersion: widgets.example.io/v1alpha1\nkind: Gadget\nspec: {replica: 2}\n", true},
		{"a misspelt field of a definition", true, "apiVersion: v1\nkind: Widget\nmetadata: {title: w}\n", false},
		{"a kind without a schema", true, "apiVersion: v1\nkind: Gizmo\n", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := validator.New([]string{dir}, validator.Opts{KubernetesVersion: "1.37.0", Strict: tc.strict})
			if err != nil {
				t.Fatal(err)
			}
			results := v.Validate("manifest.yaml", io.NopCloser(strings.NewReader(tc.manifest)))
			if len(results) != 1 {
				t.Fatalf("%d results", len(results))
			}
			r := results[0]
			if got := r.Status == validator.Valid; got != tc.valid {
				t.Errorf("valid = %v (status %d, %v %v), want %v", got, r.Status, r.Err, r.ValidationErrors, tc.valid)
			}
		})
	}
}
