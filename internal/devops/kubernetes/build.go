package kubernetes

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"

	devopsv1alpha3 "github.com/superkube/super-kubenetes/api/devops/v1alpha3"
	"github.com/superkube/super-kubenetes/internal/devops/runner"
)

// buildImage builds the context's Dockerfile with kaniko (no daemon, no
// privileges; root in its own container) and pushes it when asked. kaniko
// writes the image's digest to the termination message.
func (s *steps) buildImage(ctx context.Context, st *runner.Step) (runner.Result, error) {
	b := st.Spec.BuildImage
	refText := runner.ExpandEnv(b.Image, st.Env)
	if st.Masker != nil && st.Masker.String(refText) != refText {
		return runner.Result{}, fmt.Errorf("the image's reference holds a credential's value")
	}
	ref, err := name.ParseReference(refText, name.WeakValidation)
	if err != nil {
		return runner.Result{}, fmt.Errorf("image %q: %w", refText, err)
	}
	dir, err := inWorkspace(b.Context)
	if err != nil {
		return runner.Result{}, err
	}
	e, err := env(st)
	if err != nil {
		return runner.Result{}, err
	}
	args := []string{"--context=dir://" + dir, "--dockerfile=" + dir + "/Dockerfile", "--destination=" + ref.String(),
		"--digest-file=/dev/termination-log"}
	if !b.Push {
		args = append(args, "--no-push")
	}
	p := podSpec{role: "step", image: image(st, s.opts.BuilderImage), args: args, env: e, root: true, workDir: dir}
	if b.Push && b.PushCredential != "" {
		// The builder would need the credential as a docker config
		// Secret, and ke-controller-manager writes no Secret outside its
		// own namespace (the chart's security test holds it to that).
		return runner.Result{}, fmt.Errorf("push credential %q: the kubernetes executor does not push with a credential yet; "+
			"give the nodes access to the registry (imagePullSecrets of the builder's service account), or run the pipeline on the local executor", b.PushCredential)
	}
	t, err := s.runPod(ctx, s.pod(ctx, st, p))
	res := runner.Result{ExitCode: exitCode(t)}
	if err != nil {
		return res, fmt.Errorf("building %s: %w", ref, err)
	}
	img := devopsv1alpha3.Image{Reference: ref.String(), Pushed: b.Push}
	if d := strings.TrimSpace(t.Message); strings.HasPrefix(d, "sha256:") {
		img.Digest = d
	}
	res.Images = []devopsv1alpha3.Image{img}
	return res, nil
}
