package imagebuild

import (
	"debug/elf"
	"fmt"
	"io"
	"os"
	"path"
	"strconv"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Label keys of the OCI image spec the images carry.
const (
	LabelVersion  = "org.opencontainers.image.version"
	LabelSource   = "org.opencontainers.image.source"
	LabelRevision = "org.opencontainers.image.revision"
	LabelCreated  = "org.opencontainers.image.created"
	LabelTitle    = "org.opencontainers.image.title"
	// AnnotationRefName names an image index in an OCI layout's index.json.
	AnnotationRefName = "org.opencontainers.image.ref.name"
)

// Metadata describes the build every image of a release shares.
type Metadata struct {
	// Version is the image tag and the version label, e.g. the chart's appVersion.
	Version string
	// Revision is the commit the binaries were built from.
	Revision string
	// Source is the URL of the source repository.
	Source string
	// Created is the time stamp of the images and of every file in them:
	// the commit time, so that a build can be reproduced.
	Created time.Time
}

// Validate reports missing fields.
func (m Metadata) Validate() []error {
	var errs []error
	if m.Version == "" {
		errs = append(errs, fmt.Errorf("the version is empty"))
	}
	if m.Source == "" {
		errs = append(errs, fmt.Errorf("the source URL is empty"))
	}
	if m.Created.IsZero() {
		errs = append(errs, fmt.Errorf("the creation time is not set"))
	}
	return errs
}

// elfMachines maps the GOARCH values the images are built for to ELF machines.
var elfMachines = map[string]elf.Machine{
	"amd64": elf.EM_X86_64,
	"arm64": elf.EM_AARCH64,
}

// Image builds the linux/<arch> image of the component name from the base
// layer and the statically linked Go binary at binPath. The binary is the
// entrypoint; the image runs as UID:GID.
func Image(base v1.Layer, name, arch, binPath string, meta Metadata) (v1.Image, error) {
	if err := checkBinary(binPath, arch); err != nil {
		return nil, err
	}
	binary, err := os.ReadFile(binPath)
	if err != nil {
		return nil, err
	}
	bi, err := ReadBuildInfo(binPath)
	if err != nil {
		return nil, err
	}
	sbom, err := SBOM(name, arch, bi, meta)
	if err != nil {
		return nil, err
	}
	bin, err := BinaryLayer(name, binary, sbom, meta.Created)
	if err != nil {
		return nil, fmt.Errorf("layer of %s: %w", binPath, err)
	}

	created := v1.Time{Time: meta.Created.UTC()}
	cfg := &v1.ConfigFile{
		Architecture: arch,
		OS:           "linux",
		Created:      created,
		Config: v1.Config{
			Entrypoint: []string{path.Join(BinDir, name)},
			User:       strconv.Itoa(UID) + ":" + strconv.Itoa(GID),
			WorkingDir: "/home/" + UserName,
			Env: []string{
				"PATH=/usr/local/bin:/usr/bin:/bin",
				"HOME=/home/" + UserName,
				"SSL_CERT_FILE=" + CAFile,
			},
			Labels: map[string]string{
				LabelTitle:    name,
				LabelVersion:  meta.Version,
				LabelSource:   meta.Source,
				LabelRevision: meta.Revision,
				LabelCreated:  created.Format(time.RFC3339),
			},
		},
		RootFS: v1.RootFS{Type: "layers"},
	}
	if arch == "arm64" {
		cfg.Variant = "v8"
	}
	img, err := mutate.ConfigFile(empty.Image, cfg)
	if err != nil {
		return nil, err
	}
	img, err = mutate.Append(img,
		mutate.Addendum{Layer: base, History: v1.History{Created: created, CreatedBy: "imagebuild: CA certificates, user " + UserName + ", /tmp"}},
		mutate.Addendum{Layer: bin, History: v1.History{Created: created, CreatedBy: "imagebuild: " + path.Join(BinDir, name) + " and its SBOM"}},
	)
	if err != nil {
		return nil, err
	}
	img = mutate.MediaType(img, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	return img, nil
}

// checkBinary fails unless binPath is a statically linked Linux ELF binary for arch.
func checkBinary(binPath, arch string) error {
	want, ok := elfMachines[arch]
	if !ok {
		return fmt.Errorf("architecture %q is not supported", arch)
	}
	f, err := elf.Open(binPath)
	if err != nil {
		return fmt.Errorf("%s is not an ELF binary: %w", binPath, err)
	}
	defer func() { _ = f.Close() }()
	if f.Machine != want {
		return fmt.Errorf("%s is built for %s, not %s", binPath, f.Machine, arch)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return fmt.Errorf("%s is dynamically linked (build it with CGO_ENABLED=0)", binPath)
		}
	}
	return nil
}

// Index makes an OCI image index of the images, one entry per platform.
func Index(images ...v1.Image) (v1.ImageIndex, error) {
	adds := make([]mutate.IndexAddendum, 0, len(images))
	for _, img := range images {
		cfg, err := img.ConfigFile()
		if err != nil {
			return nil, err
		}
		adds = append(adds, mutate.IndexAddendum{
			Add: img,
			Descriptor: v1.Descriptor{
				Platform: &v1.Platform{OS: cfg.OS, Architecture: cfg.Architecture, Variant: cfg.Variant},
			},
		})
	}
	idx := mutate.AppendManifests(mutate.IndexMediaType(empty.Index, types.OCIImageIndex), adds...)
	return idx, nil
}

// WriteLayout writes the index into a new OCI image layout at dir (which
// must not exist or be empty), its index.json naming it ref.
func WriteLayout(dir, ref string, idx v1.ImageIndex) error {
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		return fmt.Errorf("OCI layout %s: %w", dir, err)
	}
	if err := p.AppendIndex(idx, layout.WithAnnotations(map[string]string{AnnotationRefName: ref})); err != nil {
		return fmt.Errorf("OCI layout %s: %w", dir, err)
	}
	return nil
}

// ImageSizes are an image's sizes in bytes: Compressed as pushed (manifest,
// config and gzip layers), Uncompressed as unpacked (the layers' tar archives).
type ImageSizes struct {
	Compressed   int64
	Uncompressed int64
}

// Sizes measures an image.
func Sizes(img v1.Image) (ImageSizes, error) {
	var s ImageSizes
	m, err := img.RawManifest()
	if err != nil {
		return s, err
	}
	c, err := img.RawConfigFile()
	if err != nil {
		return s, err
	}
	s.Compressed = int64(len(m) + len(c))
	layers, err := img.Layers()
	if err != nil {
		return s, err
	}
	for _, l := range layers {
		n, err := l.Size()
		if err != nil {
			return s, err
		}
		s.Compressed += n
		rc, err := l.Uncompressed()
		if err != nil {
			return s, err
		}
		u, err := io.Copy(io.Discard, rc)
		_ = rc.Close()
		if err != nil {
			return s, err
		}
		s.Uncompressed += u
	}
	return s, nil
}
