package crdmanifest

import (
	"strings"
	"testing"
	"testing/fstest"
)

const crd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: %s.example.com
spec:
  group: example.com
  names: {kind: K, plural: %s}
  scope: Namespaced
  versions: []
`

// Files are read in name order, multi-document files split, empty
// documents (a trailing separator, comments only) skipped, and an unknown
// field is an error naming the file and document.
func TestSet(t *testing.T) {
	doc := func(n string) string { return strings.ReplaceAll(crd, "%s", n) }
	s := Set{FS: fstest.MapFS{
		"v1/b.yaml": {Data: []byte("# header\n---\n" + doc("bs") + "---\n" + doc("cs") + "---\n")},
		"v1/a.yaml": {Data: []byte(doc("as"))},
	}, Dir: "v1"}
	crds, err := s.CRDs()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range crds {
		names = append(names, c.Name)
	}
	if strings.Join(names, " ") != "as.example.com bs.example.com cs.example.com" {
		t.Fatalf("names %v", names)
	}
	us, err := s.Unstructured()
	if err != nil || len(us) != 3 || us[1].GetName() != "bs.example.com" {
		t.Fatalf("unstructured: %d, %v", len(us), err)
	}
	bad := Set{FS: fstest.MapFS{"v1/x.yaml": {Data: []byte(doc("xs") + "surprise: 1\n")}}, Dir: "v1"}
	if _, err := bad.CRDs(); err == nil || !strings.Contains(err.Error(), "x.yaml, document 1") {
		t.Fatalf("unknown field: %v", err)
	}
}
