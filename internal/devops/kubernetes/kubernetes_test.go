package kubernetes

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation"
)

func TestTheManifestsBundleIsRead(t *testing.T) {
	out := "noise before\n@@manifest ./deploy/a.yaml\nYXBpVmVyc2lvbjogdjEK\n@@manifest ./deploy/b.json\neyJraW5kIjoi\nQ29uZmlnTWFwIn0=\n@@end\n"
	files, err := parseBundle(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 2 || files[0].Path != "deploy/a.yaml" || string(files[0].Data) != "apiVersion: v1\n" ||
		files[1].Path != "deploy/b.json" || string(files[1].Data) != `{"kind":"ConfigMap"}` {
		t.Errorf("files %+v", files)
	}
	if _, err := parseBundle(strings.NewReader("@@manifest a.yaml\nYXBp\n")); err == nil {
		t.Error("a bundle cut short was read")
	}
}

func TestNamesAndLabelsAreValid(t *testing.T) {
	long := strings.Repeat("pipeline-", 20) + "m0123456789"
	for _, run := range []string{"app-m0123456789", long, "a.b"} {
		for _, kind := range []string{"workspace", "step", "docker"} {
			n := objectName(run, kind, "test/unit/go/1")
			if errs := validation.IsDNS1123Label(n); len(errs) > 0 {
				t.Errorf("%s: %v", n, errs)
			}
		}
	}
	for _, v := range []string{"test/unit", long, "build", "a b"} {
		if errs := validation.IsValidLabelValue(labelValue(v)); len(errs) > 0 {
			t.Errorf("%q: %q %v", v, labelValue(v), errs)
		}
	}
	if labelValue("test/unit") == labelValue("test_unit") {
		t.Error("two stages share a label")
	}
	if _, err := inWorkspace("../etc"); err == nil {
		t.Error("a path out of the workspace")
	}
	if p, _ := inWorkspace("src/app"); p != "/workspace/src/app" {
		t.Errorf("path %s", p)
	}
}
