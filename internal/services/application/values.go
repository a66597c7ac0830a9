package application

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/yaml"
)

// MaxValuesBytes bounds a release's values (as the CRD does).
const MaxValuesBytes = 512 << 10

const schemaURL = "file:///values.schema.json"

// compileSchema compiles a chart's values.schema.json. Nothing is loaded
// from elsewhere: a $ref to another document fails rather than making
// ke-apiserver fetch a URL a chart names.
func compileSchema(schema []byte) (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schema))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.UseLoader(jsonschema.SchemeURLLoader{})
	if err := c.AddResource(schemaURL, doc); err != nil {
		return nil, err
	}
	return c.Compile(schemaURL)
}

// ParseValues reads values given as YAML (or JSON): an object, or nothing.
func ParseValues(fldPath *field.Path, values string) (map[string]any, field.ErrorList) {
	if len(values) > MaxValuesBytes {
		return nil, field.ErrorList{field.TooLong(fldPath, "", MaxValuesBytes)}
	}
	out := map[string]any{}
	if strings.TrimSpace(values) == "" {
		return out, nil
	}
	if err := yaml.Unmarshal([]byte(values), &out); err != nil {
		return nil, field.ErrorList{field.Invalid(fldPath, "", "not a YAML object of values: "+err.Error())}
	}
	if out == nil {
		out = map[string]any{}
	}
	return out, nil
}

// ValidateValues checks values (YAML) against a chart's default values and
// values.schema.json, as Helm does before installing: the defaults merged
// with the given values must pass the schema. Each error names the value's
// path under fldPath (values.replicaCount).
func ValidateValues(fldPath *field.Path, schema []byte, defaults, values string) field.ErrorList {
	given, errs := ParseValues(fldPath, values)
	if len(errs) > 0 || len(schema) == 0 {
		return errs
	}
	base, _ := ParseValues(fldPath, defaults)
	merged := mergeValues(base, given)
	s, err := compileSchema(schema)
	if err != nil {
		return field.ErrorList{field.InternalError(fldPath, fmt.Errorf("the chart's values.schema.json: %w", err))}
	}
	// Numbers as json.Number, as the schema library expects.
	raw, err := json.Marshal(merged)
	if err != nil {
		return field.ErrorList{field.Invalid(fldPath, "", err.Error())}
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return field.ErrorList{field.Invalid(fldPath, "", err.Error())}
	}
	err = s.Validate(inst)
	if err == nil {
		return nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return field.ErrorList{field.Invalid(fldPath, "", err.Error())}
	}
	p := message.NewPrinter(language.English)
	var out field.ErrorList
	for _, leaf := range leaves(ve) {
		fp := fldPath
		for _, seg := range leaf.InstanceLocation {
			fp = fp.Child(seg)
		}
		out = append(out, field.Invalid(fp, valueAt(merged, leaf.InstanceLocation), leaf.ErrorKind.LocalizedString(p)))
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Field < out[j].Field })
	return out
}

func leaves(e *jsonschema.ValidationError) []*jsonschema.ValidationError {
	if len(e.Causes) == 0 {
		return []*jsonschema.ValidationError{e}
	}
	var out []*jsonschema.ValidationError
	for _, c := range e.Causes {
		out = append(out, leaves(c)...)
	}
	return out
}

// valueAt returns a scalar at a path (to quote in the error), else "".
func valueAt(v any, path []string) any {
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return ""
		}
		v = m[p]
	}
	switch v.(type) {
	case map[string]any, []any, nil:
		return ""
	}
	return v
}

// mergeValues merges b over a, maps recursively (Helm's coalescing of user
// values over a chart's defaults).
func mergeValues(a, b map[string]any) map[string]any {
	out := make(map[string]any, len(a))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		if bm, ok := v.(map[string]any); ok {
			if am, ok := out[k].(map[string]any); ok {
				out[k] = mergeValues(am, bm)
				continue
			}
		}
		out[k] = v
	}
	return out
}
