package chart

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"helm.sh/helm/v4/pkg/chart/common/util"
	"sigs.k8s.io/yaml"

	"github.com/superkube/super-kubenetes/internal/testutil/envtest"
)

// chartFile reads a file of the chart.
func chartFile(t *testing.T, name string) []byte {
	t.Helper()
	root, err := envtest.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(root, "charts", "super-kubenetes", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestTheSchemaAcceptsTheDefaultValues(t *testing.T) {
	vals := map[string]any{}
	if err := yaml.Unmarshal(chartFile(t, "values.yaml"), &vals); err != nil {
		t.Fatal(err)
	}
	if err := util.ValidateAgainstSingleSchema(vals, chartFile(t, "values.schema.json")); err != nil {
		t.Errorf("values.schema.json refuses values.yaml:\n%v", err)
	}
}

// valuesSchema is values.schema.json read as a tree, enough to follow its
// properties and local references (#/$defs/...).
type valuesSchema struct {
	defs map[string]map[string]any
}

// chain is a schema node followed by the nodes its $ref names.
func (s valuesSchema) chain(node map[string]any) []map[string]any {
	var out []map[string]any
	for node != nil && len(out) < 10 {
		out = append(out, node)
		ref, _ := node["$ref"].(string)
		name, ok := strings.CutPrefix(ref, "#/$defs/")
		if !ok {
			break
		}
		node = s.defs[name]
	}
	return out
}

// property is the node describing key in an object node, if one does.
func (s valuesSchema) property(node map[string]any, key string) (map[string]any, bool) {
	for _, n := range s.chain(node) {
		props, _ := n["properties"].(map[string]any)
		if p, ok := props[key].(map[string]any); ok {
			return p, true
		}
	}
	return nil, false
}

// properties are the keys an object node describes.
func (s valuesSchema) properties(node map[string]any) []string {
	var keys []string
	for _, n := range s.chain(node) {
		props, _ := n["properties"].(map[string]any)
		for k := range props {
			keys = append(keys, k)
		}
	}
	return keys
}

// closed tells whether an object node refuses keys it does not describe
// (the chart's own objects); the others are free-form Kubernetes fields or maps.
func (s valuesSchema) closed(node map[string]any) bool {
	return slices.ContainsFunc(s.chain(node), func(n map[string]any) bool { return n["additionalProperties"] == false })
}

func (s valuesSchema) description(node map[string]any) string {
	for _, n := range s.chain(node) {
		if d, _ := n["description"].(string); d != "" {
			return d
		}
	}
	return ""
}

// TestTheSchemaDescribesEveryValue walks values.yaml and the schema side by
// side, so that neither can drift from the other: every key of values.yaml
// has a node with a description (down to free-form maps such as annotations,
// whose keys are the user's), and every key the schema gives one of the
// chart's own objects is in values.yaml.
func TestTheSchemaDescribesEveryValue(t *testing.T) {
	vals := map[string]any{}
	if err := yaml.Unmarshal(chartFile(t, "values.yaml"), &vals); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Schema string                    `json:"$schema"`
		Defs   map[string]map[string]any `json:"$defs"`
	}
	raw := chartFile(t, "values.schema.json")
	root := map[string]any{}
	if err := json.Unmarshal(raw, &root); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Schema != "https://json-schema.org/draft/2020-12/schema" {
		t.Errorf("$schema is %q, want draft 2020-12", doc.Schema)
	}
	s := valuesSchema{defs: doc.Defs}

	var walk func(path string, node map[string]any, vals map[string]any)
	walk = func(path string, node map[string]any, vals map[string]any) {
		for key, v := range vals {
			p := strings.TrimPrefix(path+"."+key, ".")
			child, ok := s.property(node, key)
			if !ok {
				if s.closed(node) {
					t.Errorf("values.yaml has %s, which the schema does not describe", p)
				}
				continue
			}
			if s.description(child) == "" {
				t.Errorf("the schema has no description of %s", p)
			}
			if m, ok := v.(map[string]any); ok {
				walk(p, child, m)
			}
		}
		if !s.closed(node) {
			return
		}
		for _, key := range s.properties(node) {
			if _, ok := vals[key]; !ok {
				t.Errorf("the schema describes %s, which values.yaml does not have", strings.TrimPrefix(path+"."+key, "."))
			}
		}
	}
	walk("", root, vals)
}

// A bad value fails at helm install with the schema's message, which names
// the value.
func TestHelmInstallRefusesBadValuesWithTheSchemasMessage(t *testing.T) {
	h := newHelm(t, "sk-schema", "sksc")
	for _, tc := range []struct {
		name string
		vals map[string]any
		want string
	}{
		{
			name: "a number of replicas given as a word",
			vals: map[string]any{"apiserver": map[string]any{"replicas": "two"}},
			want: "at '/apiserver/replicas': got string, want integer",
		},
		{
			name: "a misspelt key",
			vals: map[string]any{"console": map[string]any{"replica": 3}},
			want: "at '/console': additional properties 'replica' not allowed",
		},
		{
			name: "a misspelt top-level key",
			vals: map[string]any{"controllerManger": map[string]any{"replicas": 3}},
			want: "at '': additional properties 'controllerManger' not allowed",
		},
		{
			name: "a mode that is neither host nor member",
			vals: map[string]any{"mode": "edge"},
			want: "at '/mode': value must be one of 'host', 'member'",
		},
		{
			name: "a pull policy Kubernetes does not know",
			vals: map[string]any{"image": map[string]any{"pullPolicy": "Sometimes"}},
			want: "at '/image/pullPolicy': value must be one of 'Always', 'IfNotPresent', 'Never'",
		},
		{
			name: "a failure policy that is neither Fail nor Ignore",
			vals: map[string]any{"controllerManager": map[string]any{"quotaWebhook": map[string]any{"failurePolicy": "fail"}}},
			want: "at '/controllerManager/quotaWebhook/failurePolicy': value must be one of 'Fail', 'Ignore'",
		},
		{
			name: "a port beyond 65535",
			vals: map[string]any{"console": map[string]any{"port": 84430}},
			want: "at '/console/port': maximum: got 84,430, want 65,535",
		},
		{
			name: "a duration without a unit",
			vals: map[string]any{"apiserver": map[string]any{"authentication": map[string]any{"accessTokenMaxAge": "2"}}},
			want: "at '/apiserver/authentication/accessTokenMaxAge': '2' does not match pattern",
		},
		{
			name: "a memory limit the chart cannot turn into GOMEMLIMIT",
			vals: map[string]any{"console": map[string]any{"resources": map[string]any{"limits": map[string]any{"memory": "1G"}}}},
			want: "at '/console/resources/limits/memory': '1G' does not match pattern '^[0-9]+(Mi|Gi)$'",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := h.install(tc.vals)
			t.Log(err)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("helm install with %v: error %v, want one saying %q", tc.vals, err, tc.want)
			}
			if err != nil && !strings.Contains(err.Error(), "values don't meet the specifications of the schema(s)") {
				t.Errorf("the error does not come from the schema: %v", err)
			}
		})
	}
}
