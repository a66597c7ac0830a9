package imagebuild

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

var testMeta = Metadata{
	Version:  "v1.2.3",
	Revision: "0123456789abcdef0123456789abcdef01234567",
	Source:   "https://example.com/super-kubenetes",
	Created:  time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
}

const testCA = "-----BEGIN CERTIFICATE-----\ntest\n-----END CERTIFICATE-----\n"

// buildHello cross-compiles a tiny static Go program, module example.com/hello,
// for linux/arch and returns its path. The first run for an architecture
// compiles its standard library (tens of seconds); the build cache keeps it.
func buildHello(t *testing.T, arch string) string {
	t.Helper()
	src := t.TempDir()
	write(t, filepath.Join(src, "go.mod"), "module example.com/hello\n\ngo 1.22\n")
	write(t, filepath.Join(src, "main.go"), "package main\n\nfunc main() { println(\"hello\") }\n")
	out := filepath.Join(t.TempDir(), "linux_"+arch, "hello")
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", out, ".")
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+arch, "GOWORK=off", "GOFLAGS=")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build for %s: %v\n%s", arch, err, b)
	}
	return out
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestSBOM(t *testing.T) {
	bi := &debug.BuildInfo{
		GoVersion: "go1.26.8",
		Path:      "example.com/app/cmd/app",
		Main:      debug.Module{Path: "example.com/app", Version: "(devel)"},
		Deps: []*debug.Module{
			{Path: "example.com/dep", Version: "v1.0.0", Sum: "h1:abc="},
			{Path: "example.com/old", Version: "v0.1.0", Replace: &debug.Module{Path: "example.com/fork", Version: "v0.1.1"}},
		},
	}
	b, err := SBOM("app", "arm64", bi, testMeta)
	if err != nil {
		t.Fatal(err)
	}
	var doc spdxDocument
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.SPDXVersion != "SPDX-2.3" || doc.CreationInfo.Created != "2026-01-02T03:04:05Z" {
		t.Errorf("version %q, created %q", doc.SPDXVersion, doc.CreationInfo.Created)
	}
	purls := map[string]string{}
	for _, p := range doc.Packages {
		purls[p.Name] = p.ExternalRefs[0].ReferenceLocator
	}
	for name, want := range map[string]string{
		"example.com/app/cmd/app": "pkg:golang/example.com/app@v1.2.3",
		"stdlib":                  "pkg:golang/stdlib@v1.26.8",
		"example.com/dep":         "pkg:golang/example.com/dep@v1.0.0",
		"example.com/fork":        "pkg:golang/example.com/fork@v0.1.1",
	} {
		if purls[name] != want {
			t.Errorf("the package %s has the purl %q, want %q", name, purls[name], want)
		}
	}
	if _, ok := purls["example.com/old"]; ok {
		t.Errorf("a replaced module is listed under its old path")
	}
	if got := len(doc.Relationships); got != 1+1+2 {
		t.Errorf("%d relationships, want DESCRIBES and 3 DEPENDS_ON", got)
	}
}

func TestImageRejectsBinaries(t *testing.T) {
	hello := buildHello(t, "amd64")
	notELF := filepath.Join(t.TempDir(), "script")
	write(t, notELF, "#!/bin/sh\n")
	base, err := BaseLayer([]byte(testCA), testMeta.Created)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, arch, bin, want string
	}{
		{"a binary of another architecture is refused", "arm64", hello, "not arm64"},
		{"an unknown architecture is refused", "s390x", hello, "not supported"},
		{"a file that is not an ELF binary is refused", "amd64", notELF, "not an ELF binary"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Image(base, "hello", tc.arch, tc.bin, testMeta)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error with %q", err, tc.want)
			}
		})
	}
}

func TestBaseLayerNeedsCA(t *testing.T) {
	if _, err := BaseLayer(nil, testMeta.Created); err == nil {
		t.Error("a base layer without CA certificates was made")
	}
}

// TestLayoutRoundTrip builds the image of a tiny program for both
// architectures into an OCI layout and reads everything back from disk.
func TestLayoutRoundTrip(t *testing.T) {
	arches := []string{"amd64", "arm64"}
	bins := map[string]string{}
	for _, arch := range arches {
		bins[arch] = buildHello(t, arch)
	}
	build := func(dir string) {
		t.Helper()
		base, err := BaseLayer([]byte(testCA), testMeta.Created)
		if err != nil {
			t.Fatal(err)
		}
		var images []v1.Image
		for _, arch := range arches {
			img, err := Image(base, "hello", arch, bins[arch], testMeta)
			if err != nil {
				t.Fatal(err)
			}
			images = append(images, img)
		}
		idx, err := Index(images...)
		if err != nil {
			t.Fatal(err)
		}
		if err := WriteLayout(dir, "example.com/hello:v1.2.3", idx); err != nil {
			t.Fatal(err)
		}
	}
	dir := filepath.Join(t.TempDir(), "hello")
	build(dir)

	p, err := layout.FromPath(dir)
	if err != nil {
		t.Fatal(err)
	}
	top, err := p.ImageIndex()
	if err != nil {
		t.Fatal(err)
	}
	topManifest, err := top.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if len(topManifest.Manifests) != 1 {
		t.Fatalf("index.json has %d entries, want 1", len(topManifest.Manifests))
	}
	entry := topManifest.Manifests[0]
	if entry.MediaType != types.OCIImageIndex || entry.Annotations[AnnotationRefName] != "example.com/hello:v1.2.3" {
		t.Errorf("index.json names %s %v", entry.MediaType, entry.Annotations)
	}
	idx, err := top.ImageIndex(entry.Digest)
	if err != nil {
		t.Fatal(err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if len(im.Manifests) != len(arches) {
		t.Fatalf("the image index has %d images, want %d", len(im.Manifests), len(arches))
	}
	for i, desc := range im.Manifests {
		arch := arches[i]
		t.Run(arch, func(t *testing.T) {
			if desc.Platform == nil || desc.Platform.OS != "linux" || desc.Platform.Architecture != arch {
				t.Errorf("the index entry's platform is %v, want linux/%s", desc.Platform, arch)
			}
			if desc.MediaType != types.OCIManifestSchema1 {
				t.Errorf("the index entry's media type is %s", desc.MediaType)
			}
			img, err := idx.Image(desc.Digest)
			if err != nil {
				t.Fatal(err)
			}
			checkConfig(t, img, arch)
			checkFiles(t, img, bins[arch])
		})
	}

	// The same inputs give the same index, byte for byte.
	again := filepath.Join(t.TempDir(), "hello")
	build(again)
	a, err := os.ReadFile(filepath.Join(dir, "index.json"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(again, "index.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Errorf("two builds of the same inputs differ:\n%s\n%s", a, b)
	}
}

func checkConfig(t *testing.T, img v1.Image, arch string) {
	t.Helper()
	cfg, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.OS != "linux" || cfg.Architecture != arch {
		t.Errorf("the config's platform is %s/%s", cfg.OS, cfg.Architecture)
	}
	if got := strings.Join(cfg.Config.Entrypoint, " "); got != "/usr/local/bin/hello" {
		t.Errorf("the entrypoint is %q", got)
	}
	if cfg.Config.User != "65532:65532" {
		t.Errorf("the user is %q, want the non-root 65532:65532", cfg.Config.User)
	}
	if !cfg.Created.Equal(testMeta.Created) {
		t.Errorf("created %v, want the commit time %v", cfg.Created, testMeta.Created)
	}
	for k, want := range map[string]string{
		LabelVersion:  "v1.2.3",
		LabelSource:   testMeta.Source,
		LabelRevision: testMeta.Revision,
		LabelCreated:  "2026-01-02T03:04:05Z",
	} {
		if cfg.Config.Labels[k] != want {
			t.Errorf("the label %s is %q, want %q", k, cfg.Config.Labels[k], want)
		}
	}
	if len(cfg.RootFS.DiffIDs) != 2 {
		t.Errorf("%d layers, want the base and the binary", len(cfg.RootFS.DiffIDs))
	}
}

func checkFiles(t *testing.T, img v1.Image, binPath string) {
	t.Helper()
	rc := mutate.Extract(img)
	defer func() { _ = rc.Close() }()
	files := map[string][]byte{}
	modes := map[string]int64{}
	tr := tar.NewReader(rc)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		name := "/" + strings.TrimPrefix(hdr.Name, "/")
		files[name], modes[name] = b, hdr.Mode
		if !hdr.ModTime.Equal(testMeta.Created) {
			t.Errorf("%s has the time %v, want the commit time", name, hdr.ModTime)
		}
	}
	bin, err := os.ReadFile(binPath)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(files["/usr/local/bin/hello"], bin) || modes["/usr/local/bin/hello"] != 0o755 {
		t.Errorf("/usr/local/bin/hello is not the binary with mode 0755 (mode %o)", modes["/usr/local/bin/hello"])
	}
	if string(files[CAFile]) != testCA {
		t.Errorf("%s is %q", CAFile, files[CAFile])
	}
	if !strings.Contains(string(files["/etc/passwd"]), "nonroot:x:65532:65532:") {
		t.Errorf("/etc/passwd has no non-root user:\n%s", files["/etc/passwd"])
	}
	if modes["/tmp/"] != 0o1777 && modes["/tmp"] != 0o1777 {
		t.Errorf("/tmp is not world-writable with the sticky bit")
	}
	var doc spdxDocument
	if err := json.Unmarshal(files["/usr/share/sbom/hello.spdx.json"], &doc); err != nil {
		t.Fatalf("the SBOM: %v", err)
	}
	if len(doc.Packages) == 0 || doc.Packages[0].Name != "example.com/hello" || doc.Packages[0].VersionInfo != "v1.2.3" {
		t.Errorf("the SBOM does not describe example.com/hello at v1.2.3: %+v", doc.Packages)
	}
}
