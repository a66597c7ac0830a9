package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/superkube/super-kubenetes/internal/imagebuild"
)

// TestRunWritesLayoutsAndTarballs runs the command as make images does, on a
// tiny program cross-compiled for both architectures.
func TestRunWritesLayoutsAndTarballs(t *testing.T) {
	src, binDir := t.TempDir(), t.TempDir()
	for f, content := range map[string]string{
		"go.mod":  "module example.com/hello\n\ngo 1.22\n",
		"main.go": "package main\n\nfunc main() { println(\"hello\") }\n",
	} {
		if err := os.WriteFile(filepath.Join(src, f), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, arch := range []string{"amd64", "arm64"} {
		cmd := exec.Command("go", "build", "-trimpath", "-o", filepath.Join(binDir, "linux_"+arch, "hello"), ".")
		cmd.Dir = src
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+arch, "GOWORK=off", "GOFLAGS=")
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build for %s: %v\n%s", arch, err, b)
		}
	}
	ca := filepath.Join(t.TempDir(), "ca.crt")
	if err := os.WriteFile(ca, []byte("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "images")
	o := options{
		binDir: binDir, out: out, components: "hello", arches: "amd64,arm64",
		repository: "registry.example.com/sk/", caFile: ca, created: "1767225600", dockerTarballs: true,
		meta: imagebuild.Metadata{Version: "v1.0.0", Revision: "abc", Source: "https://example.com/src"},
	}
	var printed bytes.Buffer
	if err := run(o, &printed); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"registry.example.com/sk/hello:v1.0.0  linux/amd64", "registry.example.com/sk/hello:v1.0.0  linux/arm64"} {
		if !strings.Contains(printed.String(), want) {
			t.Errorf("the size table has no line %q:\n%s", want, printed.String())
		}
	}

	p, err := layout.FromPath(filepath.Join(out, "hello"))
	if err != nil {
		t.Fatal(err)
	}
	idx, err := p.ImageIndex()
	if err != nil {
		t.Fatal(err)
	}
	m, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Manifests) != 1 || m.Manifests[0].Annotations[imagebuild.AnnotationRefName] != "registry.example.com/sk/hello:v1.0.0" {
		t.Errorf("index.json: %+v", m.Manifests)
	}

	tag, err := name.NewTag("registry.example.com/sk/hello:v1.0.0")
	if err != nil {
		t.Fatal(err)
	}
	for _, arch := range []string{"amd64", "arm64"} {
		img, err := tarball.ImageFromPath(filepath.Join(out, "hello-"+arch+".tar"), &tag)
		if err != nil {
			t.Fatalf("the docker load tarball for %s: %v", arch, err)
		}
		cfg, err := img.ConfigFile()
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Architecture != arch || cfg.Created.Unix() != 1767225600 {
			t.Errorf("the %s tarball holds an image for %s created %v", arch, cfg.Architecture, cfg.Created)
		}
	}
}
