package snapshotcrds

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The embedded CRDs are the three of snapshot.storage.k8s.io, served at
// v1, and their version is the one go.mod pins for the client module.
func TestTheCRDsMatchThePinnedClientModule(t *testing.T) {
	crds, err := CRDs()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range crds {
		names = append(names, c.Name)
		served := false
		for _, v := range c.Spec.Versions {
			served = served || (v.Name == "v1" && v.Served && v.Storage)
		}
		if c.Spec.Group != "snapshot.storage.k8s.io" || !served {
			t.Errorf("%s: group %s, v1 served and stored %v", c.Name, c.Spec.Group, served)
		}
	}
	if !slices.Equal(names, Names) {
		t.Errorf("names %v, want %v", names, Names)
	}
	u, err := Unstructured()
	if err != nil || len(u) != len(Names) {
		t.Fatalf("unstructured: %d, %v", len(u), err)
	}
	gomod, err := os.ReadFile(filepath.Join("..", "..", "..", "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "github.com/kubernetes-csi/external-snapshotter/client/v8 " + Version; !strings.Contains(string(gomod), want) {
		t.Errorf("go.mod does not require %s", want)
	}
	files, err := filepath.Glob(filepath.Join(Dir(), "*.yaml"))
	if err != nil || len(files) != len(Names) {
		t.Errorf("Dir() %s holds %d YAML files (%v)", Dir(), len(files), err)
	}
}
