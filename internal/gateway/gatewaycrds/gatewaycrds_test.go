package gatewaycrds

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The embedded CRDs are the five of gateway.networking.k8s.io that the
// platform uses, each serving v1, of the standard channel at the version
// go.mod pins.
func TestTheCRDsAreTheStandardChannelOfThePinnedModule(t *testing.T) {
	crds, err := CRDs()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range crds {
		names = append(names, c.Name)
		served := false
		for _, v := range c.Spec.Versions {
			served = served || (v.Name == "v1" && v.Served)
		}
		if c.Spec.Group != "gateway.networking.k8s.io" || !served {
			t.Errorf("%s: group %s, v1 served %v", c.Name, c.Spec.Group, served)
		}
		if ch := c.Annotations["gateway.networking.k8s.io/channel"]; ch != "standard" {
			t.Errorf("%s: channel %q", c.Name, ch)
		}
		if v := c.Annotations["gateway.networking.k8s.io/bundle-version"]; v != Version {
			t.Errorf("%s: bundle version %q, want %s", c.Name, v, Version)
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
	if want := "sigs.k8s.io/gateway-api " + Version; !strings.Contains(string(gomod), want) {
		t.Errorf("go.mod does not require %s", want)
	}
	if files, err := filepath.Glob(filepath.Join(Dir(), "*.yaml")); err != nil || len(files) != len(Names) {
		t.Errorf("Dir() %s holds %d YAML files (%v)", Dir(), len(files), err)
	}
}
