package componentconfig

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// testConfig is a configuration file in the shape of the binaries' own.
type testConfig struct {
	metav1.TypeMeta `json:",inline"`

	Address string          `json:"address,omitempty"`
	Timeout metav1.Duration `json:"timeout,omitempty"`
	Nested  testNested      `json:"nested"`
	Users   []string        `json:"users,omitempty"`
}

type testNested struct {
	Enabled bool `json:"enabled"`
	Count   int  `json:"count,omitempty"`
}

var testFile = File[testConfig]{
	APIVersion: "config.superkube.io/v1alpha1",
	Kind:       "TestConfiguration",
	Default: func() testConfig {
		return testConfig{
			TypeMeta: metav1.TypeMeta{APIVersion: "config.superkube.io/v1alpha1", Kind: "TestConfiguration"},
			Address:  ":9443", Timeout: metav1.Duration{Duration: 10 * time.Second}, Nested: testNested{Enabled: true, Count: 3},
		}
	},
}

func writeFile(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestTheFieldsOfTheFileAreReadOverTheDefaults(t *testing.T) {
	path := writeFile(t, "apiVersion: config.superkube.io/v1alpha1\nkind: TestConfiguration\naddress: 127.0.0.1:1\nnested:\n  count: 7\n")
	cfg, err := testFile.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Address != "127.0.0.1:1" || cfg.Nested.Count != 7 {
		t.Errorf("the file's fields were not read: %+v", cfg)
	}
	if cfg.Timeout.Duration != 10*time.Second || !cfg.Nested.Enabled {
		t.Errorf("the defaults of the fields the file leaves out were lost: %+v", cfg)
	}
}

func TestWithoutAFileTheDefaultsApply(t *testing.T) {
	cfg, err := testFile.Load("")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Address != ":9443" || cfg.Kind != "TestConfiguration" || cfg.Nested.Count != 3 {
		t.Errorf("%+v", cfg)
	}
}

func TestFilesThatCannotBeReadAreErrorsThatNameTheFileAndTheField(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing.yaml")
	for _, tc := range []struct {
		name string
		path string
		want []string
	}{
		{"a missing file", missing, []string{missing, "no such file"}},
		{"an unknown field", writeFile(t, "apiVersion: config.superkube.io/v1alpha1\nkind: TestConfiguration\nbindTo: x\n"),
			[]string{"is invalid", `unknown field "bindTo"`}},
		{"an unknown nested field", writeFile(t, "apiVersion: config.superkube.io/v1alpha1\nkind: TestConfiguration\nnested:\n  cont: 1\n"),
			[]string{"is invalid", `unknown field "nested.cont"`}},
		{"a field given twice", writeFile(t, "apiVersion: config.superkube.io/v1alpha1\nkind: TestConfiguration\naddress: a\naddress: b\n"),
			[]string{"is invalid", "address"}},
		{"a value of the wrong type", writeFile(t, "apiVersion: config.superkube.io/v1alpha1\nkind: TestConfiguration\nnested:\n  count: many\n"),
			[]string{"is invalid", "nested.count"}},
		{"another kind", writeFile(t, "apiVersion: config.superkube.io/v1alpha1\nkind: ConsoleConfiguration\n"),
			[]string{"must have apiVersion config.superkube.io/v1alpha1 and kind TestConfiguration", `kind "ConsoleConfiguration"`}},
		{"another version", writeFile(t, "apiVersion: config.superkube.io/v1\nkind: TestConfiguration\n"),
			[]string{"must have apiVersion config.superkube.io/v1alpha1", `apiVersion "config.superkube.io/v1"`}},
		{"no type at all", writeFile(t, "address: x\n"), []string{"must have apiVersion"}},
		{"text that is not YAML", writeFile(t, "apiVersion: [\n"), []string{"is invalid"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := testFile.Load(tc.path)
			if err == nil {
				t.Fatal("accepted")
			}
			for _, want := range append(tc.want, tc.path) {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("the error does not say %q: %v", want, err)
				}
			}
		})
	}
}

func TestAMissingFileKeepsItsCause(t *testing.T) {
	_, err := testFile.Load(filepath.Join(t.TempDir(), "missing.yaml"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("%v", err)
	}
}

func TestInvalidNamesWhereTheConfigurationCameFrom(t *testing.T) {
	problems := errors.Join(errors.New("address must be set"), errors.New("nested.count must be positive"))
	for path, want := range map[string]string{
		"":                  "the configuration (defaults and flags) is invalid: address must be set\nnested.count must be positive",
		"/etc/x/config.yml": "the configuration (file /etc/x/config.yml and flags) is invalid: address must be set\nnested.count must be positive",
	} {
		if got := Invalid(path, problems).Error(); got != want {
			t.Errorf("Invalid(%q) = %q, want %q", path, got, want)
		}
	}
}

func TestFieldNamesMatchExactly(t *testing.T) {
	path := writeFile(t, "apiVersion: config.superkube.io/v1alpha1\nkind: TestConfiguration\nAddress: x\n")
	if _, err := testFile.Load(path); err == nil || !strings.Contains(err.Error(), `unknown field "Address"`) {
		t.Fatalf("a field in another case: %v", err)
	}
}
