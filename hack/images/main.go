// Command images builds the OCI images of the platform's components from
// binaries cross-compiled beforehand (see `make images`), without a container
// engine: one OCI image layout per component under -out, each holding an
// image index with one image per architecture, named by its reference.
// It prints the size of every image at the end.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/superkube/super-kubenetes/internal/imagebuild"
)

type options struct {
	binDir         string
	out            string
	components     string
	arches         string
	repository     string
	caFile         string
	meta           imagebuild.Metadata
	created        string
	dockerTarballs bool
}

func main() {
	var o options
	flag.StringVar(&o.binDir, "bin-dir", "_output/bin", "folder with a linux_<arch> folder of binaries per architecture")
	flag.StringVar(&o.out, "out", "_output/images", "folder the OCI layouts are written to (emptied first)")
	flag.StringVar(&o.components, "components", "ke-apiserver,ke-controller-manager,ke-console,ke-agent", "comma-separated binaries to make images of")
	flag.StringVar(&o.arches, "arches", "amd64,arm64", "comma-separated Linux architectures")
	flag.StringVar(&o.repository, "repository", "ghcr.io/superkube", "registry and path the images are named under, <repository>/<component>:<version>")
	flag.StringVar(&o.caFile, "ca-file", "/etc/ssl/certs/ca-certificates.crt", "PEM bundle of the CA certificates put into the images")
	flag.StringVar(&o.meta.Version, "version", "", "image tag and version label")
	flag.StringVar(&o.meta.Revision, "revision", "", "commit the binaries were built from")
	flag.StringVar(&o.meta.Source, "source", "https://github.com/superkube/super-kubenetes", "URL of the source repository")
	flag.StringVar(&o.created, "created", "", "creation time of the images and their files, in seconds since the epoch (the commit time)")
	flag.BoolVar(&o.dockerTarballs, "docker-tarballs", false, "also write <component>-<arch>.tar per image for `docker load`")
	flag.Parse()
	if err := run(o, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "images:", err)
		os.Exit(1)
	}
}

func run(o options, w io.Writer) error {
	secs, err := strconv.ParseInt(o.created, 10, 64)
	if err != nil {
		return fmt.Errorf("-created %q: %w", o.created, err)
	}
	o.meta.Created = time.Unix(secs, 0).UTC()
	if errs := o.meta.Validate(); len(errs) > 0 {
		return fmt.Errorf("%v", errs)
	}
	ca, err := os.ReadFile(o.caFile)
	if err != nil {
		return err
	}
	base, err := imagebuild.BaseLayer(ca, o.meta.Created)
	if err != nil {
		return err
	}
	if err := os.RemoveAll(o.out); err != nil {
		return err
	}
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return err
	}

	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	_, _ = fmt.Fprintln(tw, "IMAGE\tARCH\tCOMPRESSED\tUNCOMPRESSED\tDIGEST")
	for _, component := range strings.Split(o.components, ",") {
		ref, err := name.NewTag(fmt.Sprintf("%s/%s:%s", strings.TrimSuffix(o.repository, "/"), component, o.meta.Version))
		if err != nil {
			return err
		}
		var images []v1.Image
		for _, arch := range strings.Split(o.arches, ",") {
			img, err := imagebuild.Image(base, component, arch, filepath.Join(o.binDir, "linux_"+arch, component), o.meta)
			if err != nil {
				return fmt.Errorf("image %s for %s: %w", ref, arch, err)
			}
			images = append(images, img)
			if o.dockerTarballs {
				if err := tarball.WriteToFile(filepath.Join(o.out, component+"-"+arch+".tar"), ref, img); err != nil {
					return err
				}
			}
			s, err := imagebuild.Sizes(img)
			if err != nil {
				return err
			}
			digest, err := img.Digest()
			if err != nil {
				return err
			}
			_, _ = fmt.Fprintf(tw, "%s\tlinux/%s\t%s\t%s\t%s\n", ref, arch, mib(s.Compressed), mib(s.Uncompressed), digest)
		}
		idx, err := imagebuild.Index(images...)
		if err != nil {
			return err
		}
		if err := imagebuild.WriteLayout(filepath.Join(o.out, component), ref.String(), idx); err != nil {
			return err
		}
	}
	return tw.Flush()
}

func mib(n int64) string {
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}
