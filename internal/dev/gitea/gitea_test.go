package gitea

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/equality"
	"sigs.k8s.io/yaml"

	devopsv1alpha3 "github.com/superkube/super-kubenetes/api/devops/v1alpha3"
)

func TestConfigKeepsGiteaOnLoopbackOfflineAndItsKeys(t *testing.T) {
	dir := t.TempDir()
	cfg := &Config{Port: 13000, DataDir: dir}
	if err := WriteConfig(cfg); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(ConfigFile(dir))
	if err != nil {
		t.Fatal(err)
	}
	ini := string(b)
	for _, want := range []string{
		"HTTP_ADDR = 127.0.0.1", "HTTP_PORT = 13000", "ROOT_URL = http://127.0.0.1:13000/",
		"OFFLINE_MODE = true", "INSTALL_LOCK = true", "DB_TYPE = sqlite3", "DISABLE_SSH = true",
		"ALLOWED_HOST_LIST = *", "[cron.update_checker]\nENABLED = false",
	} {
		if !strings.Contains(ini, want) {
			t.Errorf("app.ini lacks %q:\n%s", want, ini)
		}
	}
	// The keys stay the same across starts.
	cfg.Port = 13001
	if err := WriteConfig(cfg); err != nil {
		t.Fatal(err)
	}
	b2, _ := os.ReadFile(ConfigFile(dir))
	if key := line(ini, "SECRET_KEY"); key == "" || key != line(string(b2), "SECRET_KEY") {
		t.Errorf("SECRET_KEY changed or empty: %q", key)
	}
	if fi, err := os.Stat(ConfigFile(dir)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("app.ini mode: %v %v", fi.Mode(), err)
	}
}

func line(ini, key string) string {
	for l := range strings.Lines(ini) {
		if v, ok := strings.CutPrefix(l, key+" = "); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func TestThePasswordIsKept(t *testing.T) {
	f := filepath.Join(t.TempDir(), "p")
	p1, err := adminPassword(f)
	if err != nil || len(p1) < 16 {
		t.Fatalf("%q %v", p1, err)
	}
	if p2, _ := adminPassword(f); p2 != p1 {
		t.Errorf("a second call made another password")
	}
}

func TestTheSamplePipelineIsADefinition(t *testing.T) {
	files := SampleFiles()
	var def devopsv1alpha3.Definition
	if err := yaml.UnmarshalStrict(files[PipelineFile], &def); err != nil {
		t.Fatal(err)
	}
	if !equality.Semantic.DeepEqual(def, SamplePipeline()) {
		t.Errorf("the pipeline file is not SamplePipeline:\n%+v", def)
	}
	var names []string
	for _, s := range def.Stages {
		names = append(names, s.Name)
	}
	if got := strings.Join(names, ","); got != "checkout,test,build,approval,deploy" {
		t.Errorf("stages %s", got)
	}
	if len(sampleOrder) != len(files) {
		t.Errorf("%d files, %d in the order", len(files), len(sampleOrder))
	}
	for _, doc := range strings.Split(string(files["deploy/deployment.yaml"]), "\n---\n") {
		var obj map[string]any
		if err := yaml.Unmarshal([]byte(doc), &obj); err != nil || obj["kind"] == nil {
			t.Errorf("a manifest: %v %v", obj, err)
		}
	}
}

// The sample program builds and its tests pass, with no module to fetch.
func TestTheSampleProgramPassesItsTests(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go test")
	}
	files := SampleFiles()
	dir := t.TempDir()
	for p, b := range files {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, p), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.CommandContext(t.Context(), "go", "test", "./...")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go test: %v\n%s", err, out)
	}
}
