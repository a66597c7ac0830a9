package kubernetes

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	devopsv1alpha3 "github.com/superkube/super-kubenetes/api/devops/v1alpha3"
	"github.com/superkube/super-kubenetes/internal/devops/runner"
)

// expandEnv expands ${VAR} in s from the step's environment.
func expandEnv(s string, env []string) string {
	m := map[string]string{}
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok {
			m[k] = v
		}
	}
	if len(m) > 0 {
		if c, ok := m["GIT_COMMIT"]; ok {
			m["GIT_COMMIT_SHORT"] = c[:min(len(c), 12)]
		}
	}
	return os.Expand(s, func(k string) string { return m[k] })
}

// dockerConfig is a docker config.json with one registry's credential.
func dockerConfig(registry string, c map[string][]byte) ([]byte, error) {
	entry := map[string]string{}
	switch {
	case c["password"] != nil:
		entry["username"], entry["password"] = string(c["username"]), string(c["password"])
	case c["secret"] != nil:
		entry["registrytoken"] = string(c["secret"])
	default:
		return nil, fmt.Errorf("holds no password or token")
	}
	return json.Marshal(map[string]any{"auths": map[string]any{registry: entry}})
}

// buildImage builds the context's Dockerfile with kaniko (no daemon, no
// privileges; root in its own container) and pushes it when asked. kaniko
// writes the image's digest to the termination message.
func (s *steps) buildImage(ctx context.Context, st *runner.Step) (runner.Result, error) {
	b := st.Spec.BuildImage
	refText := expandEnv(b.Image, st.Env)
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
		c, ok := st.Run.Credentials[b.PushCredential]
		if !ok {
			return runner.Result{}, fmt.Errorf("push credential %q does not exist", b.PushCredential)
		}
		registry := ref.Context().RegistryStr()
		if registry == name.DefaultRegistry {
			registry = "https://index.docker.io/v1/"
		}
		cfg, err := dockerConfig(registry, c)
		if err != nil {
			return runner.Result{}, fmt.Errorf("push credential %q: %w", b.PushCredential, err)
		}
		secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{
			Name:      objectName(s.run.Key.Name, "docker", fmt.Sprintf("%s/%s/%d", st.Stage, st.Name, st.Attempt)),
			Namespace: s.run.Key.Namespace, Labels: map[string]string{RunLabel: labelValue(s.run.Key.Name)},
			OwnerReferences: []metav1.OwnerReference{s.owner}},
			Type: corev1.SecretTypeOpaque, Data: map[string][]byte{"config.json": cfg}}
		s.deleteSecret(ctx, secret.Name)
		if _, err := s.Client().CoreV1().Secrets(secret.Namespace).Create(ctx, secret, metav1.CreateOptions{}); err != nil {
			return runner.Result{}, fmt.Errorf("creating the builder's docker config: %w", err)
		}
		defer s.deleteSecret(ctx, secret.Name)
		p.volumes = []corev1.Volume{{Name: "docker-config", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: secret.Name}}}}
		p.mounts = []corev1.VolumeMount{{Name: "docker-config", MountPath: "/kaniko/.docker", ReadOnly: true}}
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
