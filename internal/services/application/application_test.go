package application

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	applicationv2 "github.com/superkube/super-kubenetes/api/application/v2"
)

type entry struct {
	name, content string
	typ           byte
}

func tgz(t *testing.T, entries ...entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, e := range entries {
		typ := e.typ
		if typ == 0 {
			typ = tar.TypeReg
		}
		h := &tar.Header{Name: e.name, Mode: 0o644, Size: int64(len(e.content)), Typeflag: typ}
		if typ == tar.TypeSymlink {
			h.Size, h.Linkname = 0, "/etc/passwd"
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if typ == tar.TypeReg {
			if _, err := tw.Write([]byte(e.content)); err != nil {
				t.Fatal(err)
			}
		}
	}
	_ = tw.Close()
	_ = zw.Close()
	return buf.Bytes()
}

const chartYAML = "apiVersion: v2\nname: web\nversion: 1.2.3\nappVersion: \"2.0\"\ndescription: Web\n"
const schema = `{"type":"object","properties":{"replicaCount":{"type":"integer","minimum":1,"maximum":10},"image":{"type":"object","properties":{"tag":{"type":"string"}}}},"required":["replicaCount"]}`

func TestLoadChart(t *testing.T) {
	good := tgz(t, entry{name: "web/Chart.yaml", content: chartYAML}, entry{name: "web/values.yaml", content: "replicaCount: 1\n"},
		entry{name: "web/values.schema.json", content: schema}, entry{name: "web/README.md", content: "# Web"},
		entry{name: "web/templates/cm.yaml", content: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n"})
	c, err := LoadChart(good)
	if err != nil {
		t.Fatal(err)
	}
	f := FilesOf(c)
	if f.Chart.Name != "web" || f.Chart.Version != "1.2.3" || f.Readme != "# Web" || f.Values != "replicaCount: 1\n" || string(f.Schema) != schema {
		t.Errorf("files %+v", f)
	}
	for _, tt := range []struct {
		name    string
		data    []byte
		tooBig  bool
		message string
	}{
		{"empty", nil, false, "empty"},
		{"not gzip", []byte("hello"), false, "not gzip-compressed"},
		{"too large", make([]byte, applicationv2.MaxChartBytes+1), true, "over the limit of 1 MiB"},
		{"gzip, not tar", func() []byte {
			var b bytes.Buffer
			zw := gzip.NewWriter(&b)
			_, _ = zw.Write([]byte("not a tar archive at all, just text that goes on for a while ................................................................................................................................................................................................................................................................................................................................................................................................................................................................................................................................"))
			_ = zw.Close()
			return b.Bytes()
		}(), false, "not a tar archive"},
		{"parent path", tgz(t, entry{name: "web/Chart.yaml", content: chartYAML}, entry{name: "web/../../x", content: "x"}), false, "escaping its folder"},
		{"absolute path", tgz(t, entry{name: "/etc/web/Chart.yaml", content: chartYAML}), false, "absolute path"},
		{"a symlink", tgz(t, entry{name: "web/Chart.yaml", content: chartYAML}, entry{name: "web/link", typ: tar.TypeSymlink}), false, "link"},
		{"a file outside the folder", tgz(t, entry{name: "Chart.yaml", content: chartYAML}), false, "outside the chart's folder"},
		{"two folders", tgz(t, entry{name: "a/Chart.yaml", content: chartYAML}, entry{name: "b/Chart.yaml", content: chartYAML}), false, "two top folders"},
		{"no Chart.yaml", tgz(t, entry{name: "web/values.yaml", content: "a: 1"}), false, "Chart.yaml is missing"},
		{"a bad version", tgz(t, entry{name: "web/Chart.yaml", content: "apiVersion: v2\nname: web\nversion: latest\n"}), false, "version"},
		{"a bad schema", tgz(t, entry{name: "web/Chart.yaml", content: chartYAML}, entry{name: "web/values.schema.json", content: "{"}), false, "values.schema.json"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadChart(tt.data)
			ce, ok := err.(*ChartError)
			if !ok {
				t.Fatalf("error %v (%T), want a ChartError", err, err)
			}
			if ce.TooLarge != tt.tooBig || !strings.Contains(ce.Message, tt.message) {
				t.Errorf("%q (too large %v), want %q", ce.Message, ce.TooLarge, tt.message)
			}
		})
	}
}

func TestValidateValues(t *testing.T) {
	p := field.NewPath("spec", "values")
	if errs := ValidateValues(p, []byte(schema), "replicaCount: 1\n", "replicaCount: 3\nimage: {tag: v1}\n"); len(errs) != 0 {
		t.Errorf("valid values: %v", errs)
	}
	if errs := ValidateValues(p, []byte(schema), "replicaCount: 1\n", ""); len(errs) != 0 {
		t.Errorf("the defaults: %v", errs)
	}
	for _, tt := range []struct{ values, field string }{
		{"replicaCount: 11\n", "spec.values.replicaCount"},
		{"replicaCount: many\n", "spec.values.replicaCount"},
		{"image: {tag: 3}\n", "spec.values.image.tag"},
		{"- a list\n", "spec.values"},
	} {
		errs := ValidateValues(p, []byte(schema), "replicaCount: 1\n", tt.values)
		if len(errs) == 0 || errs[0].Field != tt.field {
			t.Errorf("%q: %v, want an error on %s", tt.values, errs, tt.field)
		}
	}
	if errs := ValidateValues(p, nil, "", "anything: [1, 2]\n"); len(errs) != 0 {
		t.Errorf("no schema: %v", errs)
	}
	// A $ref to another document is not fetched.
	if _, err := compileSchema([]byte(`{"$ref":"https://example.com/schema.json"}`)); err == nil {
		t.Error("a remote $ref compiled")
	}
}

func TestCheckReviews(t *testing.T) {
	now := time.Date(2026, 12, 5, 4, 0, 0, 0, time.UTC)
	old := &applicationv2.ApplicationVersionSpec{State: applicationv2.StateDraft}
	ev := func(from, to applicationv2.ReviewState, user string, at time.Time, msg string) applicationv2.ReviewEvent {
		return applicationv2.ReviewEvent{From: from, To: to, User: user, Time: metav1.NewTime(at), Message: msg}
	}
	submit := &applicationv2.ApplicationVersionSpec{State: applicationv2.StateSubmitted,
		Reviews: []applicationv2.ReviewEvent{ev(applicationv2.StateDraft, applicationv2.StateSubmitted, "dev", now, "")}}
	if tr, changed, reason := CheckReviews(old, submit, "dev", now); reason != "" || !changed || tr.Action != "submit" {
		t.Errorf("submit: %v %v %q", tr, changed, reason)
	}
	if _, _, reason := CheckReviews(old, submit, "someone", now); !strings.Contains(reason, "must be someone") {
		t.Errorf("another writer: %q", reason)
	}
	if _, _, reason := CheckReviews(old, submit, "dev", now.Add(time.Hour)); !strings.Contains(reason, "within") {
		t.Errorf("an old event: %q", reason)
	}
	noEvent := &applicationv2.ApplicationVersionSpec{State: applicationv2.StateSubmitted}
	if _, _, reason := CheckReviews(old, noEvent, "dev", now); !strings.Contains(reason, "exactly one") {
		t.Errorf("no event: %q", reason)
	}
	sneaky := &applicationv2.ApplicationVersionSpec{State: applicationv2.StateDraft, Reviews: submit.Reviews}
	if _, _, reason := CheckReviews(old, sneaky, "dev", now); !strings.Contains(reason, "only with a change") {
		t.Errorf("an event without a change: %q", reason)
	}
	if _, _, reason := CheckReviews(submit, old, "dev", now); !strings.Contains(reason, "append-only") {
		t.Errorf("a removed event: %q", reason)
	}
	if got := Actions(); len(got) != 8 {
		t.Errorf("actions %v", got)
	}
	if CompareVersions("1.10.0", "1.9.0") <= 0 || CompareVersions("1.0.0", "nonsense") <= 0 {
		t.Error("semantic version order")
	}
}
