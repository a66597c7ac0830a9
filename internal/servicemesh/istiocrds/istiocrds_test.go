package istiocrds

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The embedded CRDs are Istio's 15, of the pinned module, and the two the
// platform writes serve networking.istio.io/v1.
func TestTheCRDsAreThoseOfThePinnedModule(t *testing.T) {
	crds, err := CRDs()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range crds {
		names = append(names, c.Name)
		if !strings.HasSuffix(c.Spec.Group, ".istio.io") {
			t.Errorf("%s: group %s", c.Name, c.Spec.Group)
		}
		if c.Spec.Group != "networking.istio.io" {
			continue
		}
		served := false
		for _, v := range c.Spec.Versions {
			served = served || (v.Name == "v1" && v.Served)
		}
		if c.Name != "envoyfilters.networking.istio.io" && c.Name != "proxyconfigs.networking.istio.io" && !served {
			t.Errorf("%s does not serve v1", c.Name)
		}
	}
	if !slices.Equal(names, Names) {
		t.Errorf("names %v, want %v", names, Names)
	}
	if u, err := Unstructured(); err != nil || len(u) != len(Names) {
		t.Fatalf("unstructured: %d, %v", len(u), err)
	}
	gomod, err := os.ReadFile(filepath.Join("..", "..", "..", "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "istio.io/api " + Version; !strings.Contains(string(gomod), want) {
		t.Errorf("go.mod does not require %s", want)
	}
	if files, err := filepath.Glob(filepath.Join(Dir(), "*.yaml")); err != nil || len(files) != 1 {
		t.Errorf("Dir() %s holds %d YAML files (%v)", Dir(), len(files), err)
	}
}

// The copy is the module's file, byte for byte.
func TestTheFileIsUnchanged(t *testing.T) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "istio.io/api").Output()
	if err != nil {
		t.Fatalf("go list -m istio.io/api: %v", err)
	}
	want, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(out)), "kubernetes", "customresourcedefinitions.gen.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := files.ReadFile(Version + "/customresourcedefinitions.gen.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if string(want) != string(got) {
		t.Error("the embedded file differs from the module's")
	}
}
