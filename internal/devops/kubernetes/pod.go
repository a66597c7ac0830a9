package kubernetes

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"path"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/utils/ptr"

	devopsv1alpha3 "github.com/superkube/super-kubenetes/api/devops/v1alpha3"
	"github.com/superkube/super-kubenetes/internal/devops/runner"
)

// Labels of the step pods.
const (
	RunLabel     = "devops.superkube.io/run"
	StageLabel   = "devops.superkube.io/stage"
	StepLabel    = "devops.superkube.io/step"
	StepKeyLabel = "devops.superkube.io/step-key"
	AttemptLabel = "devops.superkube.io/attempt"
	// RoleLabel is "step" for a step's own pod, "manifests" for the pod
	// that reads a deploy step's manifests.
	RoleLabel = "devops.superkube.io/pod-role"
	// StageAnnotation and StepAnnotation hold the names unshortened.
	StageAnnotation = "devops.superkube.io/stage"
	StepAnnotation  = "devops.superkube.io/step"
)

// Container is the name of the step's container.
const Container = "step"

// Workspace is where the run's workspace is mounted.
const Workspace = "/workspace"

func hash(parts ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(sum[:])
}

// labelValue is s when it is a label value, or a shortened form of it with
// a hash.
func labelValue(s string) string {
	if len(validation.IsValidLabelValue(s)) == 0 {
		return s
	}
	clean := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' {
			return r
		}
		return '_'
	}, s)
	h := hash(s)[:10]
	if len(clean) > 50 {
		clean = clean[:50]
	}
	return strings.Trim(clean, "-_.") + "-" + h
}

// stepKey is the label that finds a step's pods.
func stepKey(stage, step string) string { return hash(stage, step)[:32] }

// objectName is a DNS label made of the run's name, a kind and a hash of
// what tells it apart.
func objectName(run, kind, key string) string {
	suffix := "-" + kind
	if key != "" {
		suffix += "-" + hash(run, key)[:10]
	}
	base := strings.ToLower(run)
	if max := 63 - len(suffix); len(base) > max {
		base = strings.TrimRight(base[:max-9], "-.") + "-" + hash(run)[:8]
	}
	return strings.ReplaceAll(base, ".", "-") + suffix
}

// inWorkspace is a path of the workspace, refusing one that leaves it.
func inWorkspace(rel string) (string, error) {
	if rel == "" {
		rel = "."
	}
	if path.IsAbs(rel) {
		return "", fmt.Errorf("path %q must be relative to the workspace", rel)
	}
	p := path.Join(Workspace, rel)
	if p != Workspace && !strings.HasPrefix(p, Workspace+"/") {
		return "", fmt.Errorf("path %q leaves the workspace", rel)
	}
	return p, nil
}

// credentialVars maps the step's variables that are credentials to their
// credential, as the definition, stage, branch and step set them (inner
// ones win; a plain value hides an outer credential).
func credentialVars(st *runner.Step) map[string]devopsv1alpha3.CredentialKeyRef {
	out := map[string]devopsv1alpha3.CredentialKeyRef{}
	add := func(vars []devopsv1alpha3.EnvVar) {
		for _, v := range vars {
			if v.Credential != nil {
				out[v.Name] = *v.Credential
			} else {
				delete(out, v.Name)
			}
		}
	}
	def := st.Run.Definition
	if def != nil {
		add(def.Environment)
		stage, branch, _ := strings.Cut(st.Stage, "/")
		for _, s := range def.Stages {
			if s.Name != stage {
				continue
			}
			add(s.Environment)
			for _, b := range s.Parallel {
				if branch != "" && b.Name == branch {
					add(b.Environment)
				}
			}
		}
	}
	add(st.Spec.Environment)
	return out
}

// env is the step's environment: credentials from their Secrets, the rest
// as values. A plain value that holds a credential's value is refused: it
// would put the credential in the pod's spec.
func env(st *runner.Step) ([]corev1.EnvVar, error) {
	creds := credentialVars(st)
	var out []corev1.EnvVar
	for _, kv := range st.Env {
		k, v, _ := strings.Cut(kv, "=")
		if c, ok := creds[k]; ok {
			out = append(out, corev1.EnvVar{Name: k, ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
				LocalObjectReference: corev1.LocalObjectReference{Name: c.Name}, Key: c.Key}}})
			continue
		}
		if st.Masker != nil && st.Masker.String(v) != v {
			return nil, fmt.Errorf("variable %s holds a credential's value: it would be written in the pod's spec; use the credential's own variable in the script instead", k)
		}
		out = append(out, corev1.EnvVar{Name: k, Value: v})
	}
	// The defaults, unless the step sets them.
	set := map[string]bool{}
	for _, v := range out {
		set[v.Name] = true
	}
	for _, v := range []corev1.EnvVar{{Name: "WORKSPACE", Value: Workspace}, {Name: "CI", Value: "true"}, {Name: "HOME", Value: "/tmp"}} {
		if !set[v.Name] {
			out = append(out, v)
		}
	}
	return out, nil
}

// podSpec is a step pod's skeleton; the caller fills in the container's
// image, command and environment.
type podSpec struct {
	role    string
	image   string
	command []string
	args    []string
	env     []corev1.EnvVar
	root    bool // the image builder: root in its container
	volumes []corev1.Volume
	mounts  []corev1.VolumeMount
	workDir string
}

func (s *steps) pod(ctx context.Context, st *runner.Step, p podSpec) *corev1.Pod {
	run := s.run.Key
	key := fmt.Sprintf("%s/%s/%s/%d", p.role, st.Stage, st.Name, st.Attempt)
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name: objectName(run.Name, "step", key), Namespace: run.Namespace,
			Labels: map[string]string{RunLabel: labelValue(run.Name), StageLabel: labelValue(st.Stage), StepLabel: labelValue(st.Name),
				StepKeyLabel: stepKey(st.Stage, st.Name), AttemptLabel: strconv.Itoa(int(st.Attempt)), RoleLabel: p.role},
			Annotations:     map[string]string{StageAnnotation: st.Stage, StepAnnotation: st.Name},
			OwnerReferences: []metav1.OwnerReference{s.owner},
		},
		Spec: corev1.PodSpec{
			RestartPolicy:                 corev1.RestartPolicyNever,
			AutomountServiceAccountToken:  ptr.To(false),
			EnableServiceLinks:            ptr.To(false),
			TerminationGracePeriodSeconds: ptr.To[int64](5),
			Volumes: append([]corev1.Volume{{Name: "workspace", VolumeSource: corev1.VolumeSource{
				PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: s.claim}}}}, p.volumes...),
			Containers: []corev1.Container{{
				Name: Container, Image: p.image, Command: p.command, Args: p.args, Env: p.env,
				WorkingDir:               p.workDir,
				Resources:                s.opts.Resources,
				TerminationMessagePolicy: corev1.TerminationMessageReadFile,
				VolumeMounts:             append([]corev1.VolumeMount{{Name: "workspace", MountPath: Workspace}}, p.mounts...),
			}},
		},
	}
	if pod.Spec.Containers[0].WorkingDir == "" {
		pod.Spec.Containers[0].WorkingDir = Workspace
	}
	for _, n := range s.opts.ImagePullSecrets {
		pod.Spec.ImagePullSecrets = append(pod.Spec.ImagePullSecrets, corev1.LocalObjectReference{Name: n})
	}
	if d, ok := ctx.Deadline(); ok {
		secs := int64(math.Ceil(time.Until(d).Seconds()))
		pod.Spec.ActiveDeadlineSeconds = ptr.To(max(secs, 1))
	}
	if p.root {
		pod.Spec.SecurityContext = &corev1.PodSecurityContext{RunAsUser: ptr.To[int64](0)}
		return pod
	}
	uid := s.opts.RunAsUser
	pod.Spec.SecurityContext = &corev1.PodSecurityContext{RunAsUser: &uid, RunAsGroup: &uid, FSGroup: &uid, RunAsNonRoot: ptr.To(true),
		SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}}
	pod.Spec.Containers[0].SecurityContext = &corev1.SecurityContext{AllowPrivilegeEscalation: ptr.To(false),
		Capabilities: &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}}}
	return pod
}

// image is the step's image or the kind's default.
func image(st *runner.Step, def string) string {
	if st.Spec.Image != "" {
		return st.Spec.Image
	}
	return def
}

func (s *steps) shell(ctx context.Context, st *runner.Step) (runner.Result, error) {
	e, err := env(st)
	if err != nil {
		return runner.Result{}, err
	}
	pod := s.pod(ctx, st, podSpec{role: "step", image: image(st, s.opts.ShellImage),
		command: []string{"sh", "-ec", st.Spec.Shell.Script}, env: e})
	t, err := s.runPod(ctx, pod)
	return runner.Result{ExitCode: exitCode(t)}, err
}

// checkoutScript clones GIT_URL at GIT_BRANCH (and GIT_REVISION) into
// CHECKOUT_DIR, emptied first, and writes the commit to the termination
// log. The credential, if any, is in the environment: the HTTP header is
// made in the shell and given to git through GIT_CONFIG_*, never as an
// argument.
const checkoutScript = `mkdir -p "$CHECKOUT_DIR"
cd "$CHECKOUT_DIR"
find . -mindepth 1 -maxdepth 1 -exec rm -rf {} +
if [ -n "${GIT_AUTH_PASSWORD:-}" ]; then
  GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=http.extraHeader
  GIT_CONFIG_VALUE_0="Authorization: Basic $(printf '%s:%s' "${GIT_AUTH_USERNAME:-token}" "$GIT_AUTH_PASSWORD" | base64 | tr -d '\n')"
  export GIT_CONFIG_COUNT GIT_CONFIG_KEY_0 GIT_CONFIG_VALUE_0
fi
if [ -f /etc/git-ssh/ssh-privatekey ]; then
  cp /etc/git-ssh/ssh-privatekey /tmp/.ssh-key && chmod 600 /tmp/.ssh-key
  export GIT_SSH_COMMAND="ssh -i /tmp/.ssh-key -o IdentitiesOnly=yes -o StrictHostKeyChecking=accept-new"
fi
git clone --no-tags --single-branch --branch "$GIT_BRANCH" -- "$GIT_URL" .
if [ -n "$GIT_REVISION" ]; then git -c advice.detachedHead=false checkout --detach "$GIT_REVISION"; fi
commit=$(git rev-parse HEAD)
printf '%s' "$commit" > /dev/termination-log
echo "checked out $GIT_BRANCH at $commit"
`

func secretEnv(name, secret, key string) corev1.EnvVar {
	return corev1.EnvVar{Name: name, ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
		LocalObjectReference: corev1.LocalObjectReference{Name: secret}, Key: key}}}
}

func (s *steps) checkout(ctx context.Context, st *runner.Step) (runner.Result, error) {
	src := st.Run.Source
	if src == nil || src.URL == "" {
		return runner.Result{}, fmt.Errorf("the pipeline has no Git source to check out")
	}
	dir, err := inWorkspace(st.Spec.Checkout.Dir)
	if err != nil {
		return runner.Result{}, err
	}
	branch := st.Run.Revision.Branch
	if branch == "" {
		branch = "main"
	}
	e, err := env(st)
	if err != nil {
		return runner.Result{}, err
	}
	e = append(e, corev1.EnvVar{Name: "GIT_URL", Value: src.URL}, corev1.EnvVar{Name: "GIT_BRANCH", Value: branch},
		corev1.EnvVar{Name: "GIT_REVISION", Value: st.Run.Revision.Commit}, corev1.EnvVar{Name: "CHECKOUT_DIR", Value: dir},
		corev1.EnvVar{Name: "GIT_TERMINAL_PROMPT", Value: "0"})
	p := podSpec{role: "step", image: image(st, s.opts.GitImage), command: []string{"sh", "-ec", checkoutScript}}
	if src.Credential != "" {
		c, ok := st.Run.Credentials[src.Credential]
		if !ok {
			return runner.Result{}, fmt.Errorf("credential %q of the source does not exist", src.Credential)
		}
		switch {
		case c["password"] != nil:
			e = append(e, secretEnv("GIT_AUTH_USERNAME", src.Credential, "username"), secretEnv("GIT_AUTH_PASSWORD", src.Credential, "password"))
		case c["secret"] != nil:
			e = append(e, secretEnv("GIT_AUTH_PASSWORD", src.Credential, "secret"))
		case c["ssh-privatekey"] != nil:
			p.volumes = []corev1.Volume{{Name: "git-ssh", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{
				SecretName: src.Credential, Items: []corev1.KeyToPath{{Key: "ssh-privatekey", Path: "ssh-privatekey"}}, DefaultMode: ptr.To[int32](0o440)}}}}
			p.mounts = []corev1.VolumeMount{{Name: "git-ssh", MountPath: "/etc/git-ssh", ReadOnly: true}}
		default:
			return runner.Result{}, fmt.Errorf("credential %q holds no password, token or SSH key", src.Credential)
		}
	}
	p.env = e
	t, err := s.runPod(ctx, s.pod(ctx, st, p))
	res := runner.Result{ExitCode: exitCode(t)}
	if err != nil {
		return res, fmt.Errorf("git clone of %s (branch %s): %w", src.URL, branch, err)
	}
	commit := strings.TrimSpace(t.Message)
	if !isCommit(commit) {
		return res, fmt.Errorf("the checkout wrote no commit to its termination message (got %q)", commit)
	}
	res.Commit = commit
	return res, nil
}

func isCommit(s string) bool {
	if len(s) != 40 && len(s) != 64 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}
