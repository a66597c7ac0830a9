package imagebuild

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

const (
	// UID is the user the images run as, the "nonroot" user of distroless
	// images (the chart's podSecurityContext runs as it too).
	UID = 65532
	// GID is that user's primary group.
	GID = 65532
	// UserName is the name of that user in /etc/passwd and /etc/group.
	UserName = "nonroot"

	// CAFile is where the base layer puts the CA bundle; Go's crypto/x509
	// looks there first on Linux.
	CAFile = "/etc/ssl/certs/ca-certificates.crt"
	// BinDir holds the component's binary.
	BinDir = "/usr/local/bin"
	// SBOMDir holds the component's SPDX document, <name>.spdx.json.
	SBOMDir = "/usr/share/sbom"
)

// file is one entry of a layer's tar archive.
type file struct {
	name    string
	mode    int64
	dir     bool
	uid     int
	gid     int
	content []byte
}

// BaseLayer returns the layer every image starts from: the CA bundle, an
// /etc/passwd and /etc/group with root and the non-root user, the user's
// home and a world-writable /tmp with the sticky bit.
func BaseLayer(caBundle []byte, mtime time.Time) (v1.Layer, error) {
	if len(caBundle) == 0 {
		return nil, fmt.Errorf("the CA bundle is empty")
	}
	passwd := fmt.Sprintf("root:x:0:0:root:/root:/sbin/nologin\n%s:x:%d:%d:%s:/home/%s:/sbin/nologin\n", UserName, UID, GID, UserName, UserName)
	group := fmt.Sprintf("root:x:0:\n%s:x:%d:\n", UserName, GID)
	return layer(mtime, []file{
		{name: "etc/", dir: true, mode: 0o755},
		{name: "etc/passwd", mode: 0o644, content: []byte(passwd)},
		{name: "etc/group", mode: 0o644, content: []byte(group)},
		{name: "etc/ssl/", dir: true, mode: 0o755},
		{name: "etc/ssl/certs/", dir: true, mode: 0o755},
		{name: CAFile[1:], mode: 0o644, content: caBundle},
		{name: "home/", dir: true, mode: 0o755},
		{name: "home/" + UserName + "/", dir: true, mode: 0o700, uid: UID, gid: GID},
		{name: "root/", dir: true, mode: 0o700},
		{name: "tmp/", dir: true, mode: 0o1777},
	})
}

// BinaryLayer returns the layer with the component's binary in BinDir and
// its SBOM in SBOMDir.
func BinaryLayer(name string, binary, sbom []byte, mtime time.Time) (v1.Layer, error) {
	return layer(mtime, []file{
		{name: "usr/", dir: true, mode: 0o755},
		{name: "usr/local/", dir: true, mode: 0o755},
		{name: BinDir[1:] + "/", dir: true, mode: 0o755},
		{name: BinDir[1:] + "/" + name, mode: 0o755, content: binary},
		{name: "usr/share/", dir: true, mode: 0o755},
		{name: SBOMDir[1:] + "/", dir: true, mode: 0o755},
		{name: SBOMDir[1:] + "/" + name + ".spdx.json", mode: 0o644, content: sbom},
	})
}

// layer writes files into an uncompressed tar archive with fixed owners and
// times, and makes an OCI layer (gzip) of it.
func layer(mtime time.Time, files []file) (v1.Layer, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range files {
		hdr := &tar.Header{
			Name:    f.name,
			Mode:    f.mode,
			Uid:     f.uid,
			Gid:     f.gid,
			ModTime: mtime,
		}
		if f.dir {
			hdr.Typeflag = tar.TypeDir
		} else {
			hdr.Typeflag = tar.TypeReg
			hdr.Size = int64(len(f.content))
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, fmt.Errorf("tar header of %s: %w", f.name, err)
		}
		if _, err := tw.Write(f.content); err != nil {
			return nil, fmt.Errorf("tar content of %s: %w", f.name, err)
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	b := buf.Bytes()
	return tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(b)), nil
	}, tarball.WithMediaType(types.OCILayer), tarball.WithCompressedCaching)
}
