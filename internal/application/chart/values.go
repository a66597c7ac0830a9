package chart

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
	commonutil "helm.sh/helm/v4/pkg/chart/common/util"
	helmchart "helm.sh/helm/v4/pkg/chart/v2"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/yaml"
)

// MaxValuesBytes bounds a release's values (as the CRD does).
const MaxValuesBytes = 512 << 10

// ErrValues is the kind of error of values that are not a YAML map, or that fail the chart's
// values.schema.json (an API answers 422).
var ErrValues = errors.New("invalid values")

const schemaURL = "file:///values.schema.json"

// compileSchema compiles a chart's values.schema.json. Nothing is loaded
// from elsewhere: a $ref to another document fails rather than making the
// platform fetch a URL a chart names.
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

// ParseValues reads values given as YAML (or JSON): a map, or nothing.
func ParseValues(fldPath *field.Path, values string) (map[string]any, field.ErrorList) {
	if len(values) > MaxValuesBytes {
		return nil, field.ErrorList{field.TooLong(fldPath, "", MaxValuesBytes)}
	}
	out := map[string]any{}
	if strings.TrimSpace(values) == "" {
		return out, nil
	}
	if err := yaml.Unmarshal([]byte(values), &out); err != nil {
		return nil, field.ErrorList{field.Invalid(fldPath, "", "not a YAML map of values: "+err.Error())}
	}
	if out == nil {
		out = map[string]any{}
	}
	return out, nil
}

// CheckValues checks values (YAML, as an ApplicationRelease holds them)
// the way Helm does before an install: merged over the chart's defaults,
// against values.schema.json of the chart and of its subcharts. Each error
// names the value's path under fldPath (spec.values.replicaCount).
func (c *Chart) CheckValues(fldPath *field.Path, values string) field.ErrorList {
	given, errs := ParseValues(fldPath, values)
	if len(errs) > 0 {
		return errs
	}
	merged, err := commonutil.CoalesceValues(c.Chart, given)
	if err != nil {
		return field.ErrorList{field.Invalid(fldPath, "", "the values cannot be merged with the chart's defaults: "+err.Error())}
	}
	out := checkSchemas(fldPath, c.Chart, map[string]any(merged))
	sort.SliceStable(out, func(i, j int) bool { return out[i].Field < out[j].Field })
	return out
}

// ValidateValues is CheckValues as one error (of kind ErrValues) whose
// message names every field that is wrong, for a release's status.
func (c *Chart) ValidateValues(values string) error {
	errs := c.CheckValues(field.NewPath("values"), values)
	if len(errs) == 0 {
		return nil
	}
	msgs := make([]string, 0, len(errs))
	for _, e := range errs {
		msgs = append(msgs, e.Error())
	}
	prefix := "the values do not match the chart's values.schema.json: "
	if errs[0].Type == field.ErrorTypeInvalid && strings.Contains(errs[0].Detail, "not a YAML map") {
		prefix = "the values are not a YAML map: "
	}
	return &Error{Kind: ErrValues, Message: prefix + strings.Join(msgs, "; ")}
}

// checkSchemas checks values against ch's schema and, for each subchart,
// the values under its name against its own schema (as Helm does).
func checkSchemas(fldPath *field.Path, ch *helmchart.Chart, values map[string]any) field.ErrorList {
	var out field.ErrorList
	if len(ch.Schema) > 0 {
		out = append(out, checkSchema(fldPath, ch.Schema, values)...)
	}
	for _, sub := range ch.Dependencies() {
		raw, ok := values[sub.Name()]
		if !ok || raw == nil {
			continue
		}
		sv, ok := raw.(map[string]any)
		if !ok {
			out = append(out, field.Invalid(fldPath.Child(sub.Name()), "", "the values of a subchart must be a map"))
			continue
		}
		out = append(out, checkSchemas(fldPath.Child(sub.Name()), sub, sv)...)
	}
	return out
}

func checkSchema(fldPath *field.Path, schema []byte, values map[string]any) field.ErrorList {
	s, err := compileSchema(schema)
	if err != nil {
		return field.ErrorList{field.InternalError(fldPath, fmt.Errorf("the chart's values.schema.json: %w", err))}
	}
	// Numbers as json.Number, as the schema library expects.
	raw, err := json.Marshal(values)
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
		out = append(out, field.Invalid(fp, valueAt(values, leaf.InstanceLocation), leaf.ErrorKind.LocalizedString(p)))
	}
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
