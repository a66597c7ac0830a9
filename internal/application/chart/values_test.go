package chart

import (
	"errors"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

const webChartYAML = "apiVersion: v2\nname: web\nversion: 1.2.3\nappVersion: \"2.0\"\ndescription: Web\n"
const webSchema = `{"type":"object","properties":{"replicaCount":{"type":"integer","minimum":1,"maximum":10},"image":{"type":"object","properties":{"tag":{"type":"string"}}}},"required":["replicaCount"]}`

func loadWeb(t *testing.T, defaults, schema string) *Chart {
	t.Helper()
	entries := []entry{{name: "web/Chart.yaml", body: webChartYAML}, {name: "web/values.yaml", body: defaults},
		{name: "web/templates/cm.yaml", body: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n"}}
	if schema != "" {
		entries = append(entries, entry{name: "web/values.schema.json", body: schema})
	}
	c, err := Load(tgz(t, entries...))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// The messages of bad uploads that the API answers (400 and 413) name
// what is wrong in these words.
func TestLoadMessagesOfTheAPI(t *testing.T) {
	for _, tc := range []struct {
		name string
		data []byte
		kind error
		msg  string
	}{
		{"too large", make([]byte, MaxArchiveBytes+1), ErrTooLarge, "1 MiB"},
		{"not gzip", []byte("hello"), ErrNotAChart, "not gzip-compressed"},
		{"parent path", tgz(t, entry{name: "web/Chart.yaml", body: webChartYAML}, entry{name: "web/../../x", body: "x"}), ErrPathEscapes, "escaping its folder"},
		{"two folders", tgz(t, entry{name: "a/Chart.yaml", body: webChartYAML}, entry{name: "b/Chart.yaml", body: webChartYAML}), ErrPathEscapes, "two top folders"},
		{"no Chart.yaml", tgz(t, entry{name: "web/values.yaml", body: "a: 1"}), ErrNotAChart, "Chart.yaml"},
		{"a bad version", tgz(t, entry{name: "web/Chart.yaml", body: "apiVersion: v2\nname: web\nversion: latest\n"}), ErrBadChartYAML, "version"},
		{"a schema that does not compile", tgz(t, entry{name: "web/Chart.yaml", body: webChartYAML}, entry{name: "web/values.schema.json", body: `{"$ref":"https://example.com/schema.json"}`}), ErrInvalid, "values.schema.json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(tc.data)
			if !errors.Is(err, tc.kind) || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("%v, want %v saying %q", err, tc.kind, tc.msg)
			}
		})
	}
}

func TestCheckValuesNamesTheFields(t *testing.T) {
	p := field.NewPath("spec", "values")
	c := loadWeb(t, "replicaCount: 1\n", webSchema)
	if errs := c.CheckValues(p, "replicaCount: 3\nimage: {tag: v1}\n"); len(errs) != 0 {
		t.Errorf("valid values: %v", errs)
	}
	if errs := c.CheckValues(p, ""); len(errs) != 0 {
		t.Errorf("the defaults: %v", errs)
	}
	for _, tt := range []struct{ values, field string }{
		{"replicaCount: 11\n", "spec.values.replicaCount"},
		{"replicaCount: many\n", "spec.values.replicaCount"},
		{"image: {tag: 3}\n", "spec.values.image.tag"},
		{"- a list\n", "spec.values"},
	} {
		errs := c.CheckValues(p, tt.values)
		if len(errs) == 0 || errs[0].Field != tt.field {
			t.Errorf("%q: %v, want an error on %s", tt.values, errs, tt.field)
		}
	}
	if errs := loadWeb(t, "", "").CheckValues(p, "anything: [1, 2]\n"); len(errs) != 0 {
		t.Errorf("no schema: %v", errs)
	}
	if errs := c.CheckValues(p, strings.Repeat("a", MaxValuesBytes+1)); len(errs) == 0 || errs[0].Type != field.ErrorTypeTooLong {
		t.Errorf("too long: %v", errs)
	}
	// A $ref to another document is not fetched.
	if _, err := compileSchema([]byte(`{"$ref":"https://example.com/schema.json"}`)); err == nil {
		t.Error("a remote $ref compiled")
	}
}

func TestParseValuesRefusesWhatIsNotAMap(t *testing.T) {
	if _, errs := ParseValues(field.NewPath("values"), "- a\n- b\n"); len(errs) == 0 {
		t.Error("a YAML list was accepted as values")
	}
	if v, errs := ParseValues(field.NewPath("values"), ""); len(errs) != 0 || v == nil {
		t.Errorf("no values: %v %v", v, errs)
	}
}
