package local

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/layout"

	devopsv1alpha3 "github.com/superkube/super-kubenetes/api/devops/v1alpha3"
)

// gitRepo makes a Git repository with a Go program and its test, and
// returns its URL and head commit.
func gitRepo(t *testing.T) (string, string) {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"go.mod":       "module example.com/hello\n\ngo 1.22\n",
		"main.go":      "package main\n\nimport \"fmt\"\n\nfunc greeting() string { return \"hello\" }\n\nfunc main() { fmt.Println(greeting()) }\n",
		"main_test.go": "package main\n\nimport \"testing\"\n\nfunc TestGreeting(t *testing.T) {\n\tif greeting() != \"hello\" {\n\t\tt.Fatal(greeting())\n\t}\n}\n",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	git := func(args ...string) string {
		cmd := exec.Command("git", append([]string{"-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "init.defaultBranch=main"}, args...)...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	git("init", "-q")
	git("add", ".")
	git("commit", "-q", "-m", "hello")
	return "file://" + dir, git("rev-parse", "HEAD")
}

func TestACheckoutTestAndImageBuildReallyHappen(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Fatal("git is required")
	}
	url, head := gitRepo(t)
	e := &Engine{Dir: t.TempDir()}
	run := newRun(devopsv1alpha3.Definition{Stages: []devopsv1alpha3.Stage{
		{Name: "checkout", Steps: []devopsv1alpha3.Step{{Name: "clone", Checkout: &devopsv1alpha3.CheckoutStep{}}}},
		{Name: "test", Steps: []devopsv1alpha3.Step{sh("go-test", "go test -count=1 ./...")}},
		{Name: "image", Steps: []devopsv1alpha3.Step{{Name: "build", BuildImage: &devopsv1alpha3.BuildImageStep{Image: "registry.example.com/hello:${GIT_COMMIT_SHORT}"}}}},
		{Name: "keep", Steps: []devopsv1alpha3.Step{{Name: "keep", Artifacts: &devopsv1alpha3.ArtifactsStep{Paths: []string{"*.go"}}}}},
	}})
	run.Source = &devopsv1alpha3.Source{URL: url, Branch: "main"}
	phase, msg, st := execute(t, e, run)
	if phase != devopsv1alpha3.PhaseSucceeded {
		for _, s := range st.get().Stages {
			for _, sp := range s.Steps {
				t.Logf("%s/%s: %s %s\n%s", s.Name, sp.Name, sp.Phase, sp.Message, logOf(t, e, run, s.Name, sp.Name))
			}
		}
		t.Fatalf("phase %s: %s", phase, msg)
	}
	got := st.get()
	if got.Commit != head {
		t.Errorf("commit %q, want %q", got.Commit, head)
	}
	if log := logOf(t, e, run, "test", "go-test"); !strings.Contains(log, "ok") {
		t.Errorf("go test's log %q", log)
	}
	if len(got.Images) != 1 || got.Images[0].Reference != "registry.example.com/hello:"+head[:12] || !strings.HasPrefix(got.Images[0].Digest, "sha256:") {
		t.Fatalf("images %+v", got.Images)
	}
	// The artifact is a real OCI layout holding an image of that digest.
	p, err := layout.FromPath(filepath.Join(e.Dir, "dev", "r1", "artifacts", "images", "hello"))
	if err != nil {
		t.Fatal(err)
	}
	idx, err := p.ImageIndex()
	if err != nil {
		t.Fatal(err)
	}
	m, err := idx.IndexManifest()
	if err != nil || len(m.Manifests) != 1 {
		t.Fatalf("layout index %+v: %v", m, err)
	}
	inner, err := idx.ImageIndex(m.Manifests[0].Digest)
	if err != nil {
		t.Fatal(err)
	}
	im, err := inner.IndexManifest()
	if err != nil || len(im.Manifests) != 1 || im.Manifests[0].Digest.String() != got.Images[0].Digest {
		t.Fatalf("image index %+v (%v), want the digest %s", im, err, got.Images[0].Digest)
	}
	if len(got.Artifacts) != 2 || got.Artifacts[0].Path != "main.go" || len(got.Artifacts[0].SHA256) != 64 {
		t.Errorf("artifacts %+v", got.Artifacts)
	}
}

func TestAnUnreachableRepositoryFailsTheCheckoutAtOnce(t *testing.T) {
	e := &Engine{Dir: t.TempDir()}
	run := newRun(devopsv1alpha3.Definition{Stages: []devopsv1alpha3.Stage{
		{Name: "checkout", Steps: []devopsv1alpha3.Step{{Name: "clone", Checkout: &devopsv1alpha3.CheckoutStep{}}}},
	}})
	run.Source = &devopsv1alpha3.Source{URL: "http://127.0.0.1:1/nobody/nothing.git", Branch: "main"}
	phase, msg, _ := execute(t, e, run)
	if phase != devopsv1alpha3.PhaseFailed || !strings.Contains(msg, "git clone of http://127.0.0.1:1/nobody/nothing.git (branch main): exit status 128") {
		t.Fatalf("phase %s, message %q", phase, msg)
	}
	if log := logOf(t, e, run, "checkout", "clone"); !strings.Contains(log, "Could not connect") && !strings.Contains(log, "Failed to connect") {
		t.Errorf("log %q", log)
	}
}
