package local

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	devopsv1alpha3 "github.com/superkube/super-kubenetes/api/devops/v1alpha3"
	"github.com/superkube/super-kubenetes/internal/devops/runner"
	"github.com/superkube/super-kubenetes/internal/imagebuild"
)

// caBundles are where Debian and others keep the system's CA bundle.
var caBundles = []string{"/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/cert.pem"}

// buildImage builds the Go program of the context folder and packs it into
// an OCI image (internal/imagebuild, the library `make images` uses),
// written to the run's artifacts as an OCI layout and pushed when asked.
func (s *steps) buildImage(ctx context.Context, st *runner.Step) (runner.Result, error) {
	b := st.Spec.BuildImage
	env := append(s.baseEnv(st), commitEnv(st)...)
	refText := runner.ExpandEnv(b.Image, env)
	ref, err := name.ParseReference(refText, name.WeakValidation)
	if err != nil {
		return runner.Result{}, fmt.Errorf("image %q: %w", refText, err)
	}
	dir, err := s.inWorkspace(b.Context)
	if err != nil {
		return runner.Result{}, err
	}
	arch := runtime.GOARCH
	prog := filepath.Base(ref.Context().RepositoryStr())
	bin := filepath.Join(s.dir, "build", prog)
	cmd := s.command(ctx, st, dir, append(commitEnv(st), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+arch),
		"go", "build", "-trimpath", "-o", bin, ".")
	if code, err := run(ctx, cmd); err != nil {
		return runner.Result{ExitCode: code}, fmt.Errorf("go build: %w", err)
	}
	ca, err := readCABundle()
	if err != nil {
		return runner.Result{}, err
	}
	created := time.Now().UTC().Truncate(time.Second)
	if s.e.Now != nil {
		created = s.e.Now().UTC().Truncate(time.Second)
	}
	base, err := imagebuild.BaseLayer(ca, created)
	if err != nil {
		return runner.Result{}, err
	}
	meta := imagebuild.Metadata{Version: tagOf(ref), Revision: st.Commit, Created: created}
	if st.Run.Source != nil {
		meta.Source = st.Run.Source.URL
	}
	img, err := imagebuild.Image(base, prog, arch, bin, meta)
	if err != nil {
		return runner.Result{}, fmt.Errorf("packing the image: %w", err)
	}
	idx, err := imagebuild.Index(img)
	if err != nil {
		return runner.Result{}, err
	}
	out := filepath.Join(s.dir, "artifacts", "images", prog)
	if err := os.RemoveAll(out); err != nil {
		return runner.Result{}, err
	}
	if err := imagebuild.WriteLayout(out, ref.String(), idx); err != nil {
		return runner.Result{}, err
	}
	digest, err := img.Digest()
	if err != nil {
		return runner.Result{}, err
	}
	_, _ = fmt.Fprintf(st.Log, "built %s (%s, linux/%s) into the run's artifacts: images/%s\n", ref, digest, arch, prog)
	res := runner.Result{Images: []devopsv1alpha3.Image{{Reference: ref.String(), Digest: digest.String()}}}
	if !b.Push {
		return res, nil
	}
	auth := authn.Anonymous
	if b.PushCredential != "" {
		c, ok := st.Run.Credentials[b.PushCredential]
		if !ok {
			return res, fmt.Errorf("push credential %q does not exist", b.PushCredential)
		}
		auth = authn.FromConfig(authn.AuthConfig{Username: string(c["username"]), Password: string(c["password"]), RegistryToken: string(c["secret"])})
	}
	if err := remote.Write(ref, img, remote.WithAuth(auth), remote.WithContext(ctx)); err != nil {
		return res, fmt.Errorf("pushing %s: %s", ref, st.Masker.String(err.Error()))
	}
	res.Images[0].Pushed = true
	_, _ = fmt.Fprintf(st.Log, "pushed %s\n", ref)
	return res, nil
}

func commitEnv(st *runner.Step) []string {
	if st.Commit == "" {
		return nil
	}
	return []string{"GIT_COMMIT=" + st.Commit, "GIT_COMMIT_SHORT=" + st.Commit[:min(len(st.Commit), 12)]}
}

func tagOf(ref name.Reference) string {
	if t, ok := ref.(name.Tag); ok {
		return t.TagStr()
	}
	return ref.Identifier()
}

func readCABundle() ([]byte, error) {
	for _, p := range caBundles {
		if b, err := os.ReadFile(p); err == nil && len(b) > 0 {
			return b, nil
		}
	}
	return nil, errors.New("no CA bundle found for the image (install ca-certificates)")
}
