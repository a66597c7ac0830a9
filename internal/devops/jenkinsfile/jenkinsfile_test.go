package jenkinsfile

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

var update = flag.Bool("update", false, "rewrite the golden files of testdata/ok")

// TestImport reads every testdata/ok/NAME.groovy and compares the result
// with NAME.yaml.
func TestImport(t *testing.T) {
	files, err := filepath.Glob("testdata/ok/*.groovy")
	if err != nil || len(files) == 0 {
		t.Fatalf("no test files: %v", err)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".groovy")
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			res, err := Parse(src)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			checkLimits(t, res)
			got, err := yaml.Marshal(res)
			if err != nil {
				t.Fatal(err)
			}
			golden := strings.TrimSuffix(file, ".groovy") + ".yaml"
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("result differs from %s (go test -update rewrites it):\n%s", golden, got)
			}
		})
	}
}

// TestRoundTrip checks that every result survives JSON and YAML.
func TestRoundTrip(t *testing.T) {
	files, _ := filepath.Glob("testdata/ok/*.groovy")
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			res, err := Parse(src)
			if err != nil {
				t.Fatal(err)
			}
			j, err := json.Marshal(res)
			if err != nil {
				t.Fatal(err)
			}
			var fromJSON Result
			if err := json.Unmarshal(j, &fromJSON); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(*res, fromJSON) {
				t.Errorf("JSON round trip changed the result:\n%s", j)
			}
			y, err := yaml.Marshal(res)
			if err != nil {
				t.Fatal(err)
			}
			var fromYAML Result
			if err := yaml.UnmarshalStrict(y, &fromYAML); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(*res, fromYAML) {
				t.Errorf("YAML round trip changed the result:\n%s", y)
			}
		})
	}
}

// TestRefused reads every testdata/refused/NAME.groovy: its last lines
// say the error ("// want: ...") and its field ("// field: ...").
func TestRefused(t *testing.T) {
	files, err := filepath.Glob("testdata/refused/*.groovy")
	if err != nil || len(files) == 0 {
		t.Fatalf("no test files: %v", err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".groovy"), func(t *testing.T) {
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var want, wantField string
			for line := range strings.Lines(string(src)) {
				line = strings.TrimSpace(line)
				if v, ok := strings.CutPrefix(line, "// want: "); ok {
					want = v
				}
				if v, ok := strings.CutPrefix(line, "// field: "); ok {
					wantField = v
				}
			}
			if want == "" || wantField == "" {
				t.Fatalf("%s has no // want: or // field: line", file)
			}
			res, err := Parse(src)
			if err == nil {
				y, _ := yaml.Marshal(res)
				t.Fatalf("Parse accepted it:\n%s", y)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T is not an *Error: %v", err, err)
			}
			if err.Error() != want {
				t.Errorf("error\n got: %s\nwant: %s", err, want)
			}
			if e.Field() != wantField {
				t.Errorf("field %q, want %q", e.Field(), wantField)
			}
			if fe := e.FieldError(); fe.Field != wantField {
				t.Errorf("FieldError's field %q, want %q", fe.Field, wantField)
			}
		})
	}
}
