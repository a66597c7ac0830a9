package kubernetes

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apiserver/pkg/authentication/user"

	devopsv1alpha3 "github.com/superkube/super-kubenetes/api/devops/v1alpha3"
	"github.com/superkube/super-kubenetes/internal/devops/deploy"
	"github.com/superkube/super-kubenetes/internal/devops/engine"
	devopskube "github.com/superkube/super-kubenetes/internal/devops/kubernetes"
)

const (
	apiToken         = "tok-3f9a-SECRET"
	gitPassword      = "git-pa55-SECRET"
	registryPassword = "reg-pa55-SECRET"
	commit           = "0123456789abcdef0123456789abcdef01234567"
	digest           = "sha256:1111111111111111111111111111111111111111111111111111111111111111"
)

var credentials = map[string]map[string][]byte{
	"api":      {"secret": []byte(apiToken)},
	"git":      {"username": []byte("bot"), "password": []byte(gitPassword)},
	"registry": {"username": []byte("pusher"), "password": []byte(registryPassword)},
}

func newEngine(t *testing.T) *devopskube.Engine {
	t.Helper()
	e, err := devopskube.New(restCfg, devopskube.Options{WorkspaceSize: mustQuantity("2Gi"), StorageClassName: "standard",
		PullGrace: time.Second, StartTimeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// status collects what the engine reports.
type status struct {
	mu sync.Mutex
	st devopsv1alpha3.PipelineRunStatus
}

func (s *status) Update(change func(*devopsv1alpha3.PipelineRunStatus)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	change(&s.st)
}

func (s *status) get() devopsv1alpha3.PipelineRunStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	return *s.st.DeepCopy()
}

func (s *status) step(t *testing.T, stage, step string) devopsv1alpha3.StepStatus {
	t.Helper()
	for _, st := range s.get().Stages {
		if st.Name == stage {
			for _, x := range st.Steps {
				if x.Name == step {
					return x
				}
			}
		}
	}
	t.Fatalf("no step %s/%s", stage, step)
	return devopsv1alpha3.StepStatus{}
}

// newRun creates the PipelineRun (its UID owns the pods) and returns what
// the engine gets.
func newRun(t *testing.T, name string, def devopsv1alpha3.Definition) *engine.Run {
	t.Helper()
	pr := &devopsv1alpha3.PipelineRun{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: project},
		Spec: devopsv1alpha3.PipelineRunSpec{Pipeline: "app", Trigger: devopsv1alpha3.Trigger{Kind: devopsv1alpha3.TriggerManual}}}
	if err := k8s.Create(context.Background(), pr); err != nil {
		t.Fatal(err)
	}
	return &engine.Run{Key: types.NamespacedName{Namespace: project, Name: name}, Pipeline: "app",
		Source:   &devopsv1alpha3.Source{URL: "https://git.example.com/acme/app.git", Credential: "git"},
		Revision: devopsv1alpha3.Revision{Branch: "main"}, Definition: &def, Credentials: credentials}
}

type result struct {
	phase devopsv1alpha3.RunPhase
	msg   string
}

func start(ctx context.Context, e *devopskube.Engine, run *engine.Run, st *status) chan result {
	done := make(chan result, 1)
	go func() {
		p, m := e.Execute(ctx, run, st)
		done <- result{p, m}
	}()
	return done
}

func wait(t *testing.T, done chan result) result {
	t.Helper()
	select {
	case r := <-done:
		return r
	case <-time.After(60 * time.Second):
		t.Fatal("the run did not end")
	}
	return result{}
}

// stepPod waits for the pod of a step's attempt.
func stepPod(t *testing.T, run, stage, step string, attempt int) *corev1.Pod {
	t.Helper()
	sel := labels.Set{devopskube.RunLabel: run, devopskube.AttemptLabel: fmt.Sprint(attempt)}.String()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		list, err := kube.CoreV1().Pods(project).List(context.Background(), metav1.ListOptions{LabelSelector: sel})
		if err != nil {
			t.Fatal(err)
		}
		for i := range list.Items {
			p := &list.Items[i]
			if p.Annotations[devopskube.StageAnnotation] == stage && p.Annotations[devopskube.StepAnnotation] == step {
				return p
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no pod for %s/%s attempt %d", stage, step, attempt)
	return nil
}

// setStatus plays the kubelet.
func setStatus(t *testing.T, pod *corev1.Pod, phase corev1.PodPhase, state corev1.ContainerState) {
	t.Helper()
	for range 10 {
		p, err := kube.CoreV1().Pods(project).Get(context.Background(), pod.Name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		p.Status.Phase = phase
		p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: devopskube.Container, Image: p.Spec.Containers[0].Image, State: state,
			Ready: state.Running != nil, Started: new(state.Running != nil)}}
		if _, err = kube.CoreV1().Pods(project).UpdateStatus(context.Background(), p, metav1.UpdateOptions{}); err == nil {
			return
		} else if !apierrors.IsConflict(err) {
			t.Fatal(err)
		}
	}
	t.Fatal("conflicts")
}

func running(t *testing.T, pod *corev1.Pod) {
	setStatus(t, pod, corev1.PodRunning, corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: metav1.Now()}})
}

// finish runs the pod to its end with exit code and termination message.
func finish(t *testing.T, pod *corev1.Pod, code int32, message string) {
	running(t, pod)
	phase := corev1.PodSucceeded
	if code != 0 {
		phase = corev1.PodFailed
	}
	reason := "Completed"
	if code != 0 {
		reason = "Error"
	}
	setStatus(t, pod, phase, corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: code, Reason: reason, Message: message,
		StartedAt: metav1.Now(), FinishedAt: metav1.Now()}})
}

func gone(t *testing.T, name string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		_, err := kube.CoreV1().Pods(project).Get(context.Background(), name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Errorf("pod %s is still there", name)
}

func envOf(c corev1.Container) map[string]corev1.EnvVar {
	m := map[string]corev1.EnvVar{}
	for _, v := range c.Env {
		m[v.Name] = v
	}
	return m
}

// checkCommon checks what every step pod has.
func checkCommon(t *testing.T, pod *corev1.Pod, run *engine.Run, stage, step string) {
	t.Helper()
	if len(pod.OwnerReferences) != 1 || pod.OwnerReferences[0].Kind != "PipelineRun" || pod.OwnerReferences[0].Name != run.Key.Name || pod.OwnerReferences[0].UID == "" {
		t.Errorf("%s: owners %+v", pod.Name, pod.OwnerReferences)
	}
	if pod.Labels[devopskube.RunLabel] != run.Key.Name || pod.Labels[devopskube.StageLabel] != stage || pod.Labels[devopskube.StepLabel] != step {
		t.Errorf("%s: labels %v", pod.Name, pod.Labels)
	}
	if pod.Spec.RestartPolicy != corev1.RestartPolicyNever {
		t.Errorf("%s: restartPolicy %s", pod.Name, pod.Spec.RestartPolicy)
	}
	if d := pod.Spec.ActiveDeadlineSeconds; d == nil || *d <= 0 || *d > 3600 {
		t.Errorf("%s: activeDeadlineSeconds %v", pod.Name, d)
	}
	ws := false
	for _, v := range pod.Spec.Volumes {
		if v.PersistentVolumeClaim != nil && v.PersistentVolumeClaim.ClaimName == run.Key.Name+"-workspace" {
			ws = true
		}
	}
	c := pod.Spec.Containers[0]
	if !ws || len(c.VolumeMounts) == 0 || c.VolumeMounts[0].MountPath != "/workspace" {
		t.Errorf("%s: volumes %+v, mounts %+v", pod.Name, pod.Spec.Volumes, c.VolumeMounts)
	}
	// No credential's value anywhere in the pod's spec.
	b, _ := pod.Marshal()
	for _, s := range []string{apiToken, gitPassword, registryPassword} {
		if strings.Contains(string(b), s) {
			t.Errorf("%s: the pod's spec holds a credential's value", pod.Name)
		}
	}
}

func mustQuantity(s string) resource.Quantity { return resource.MustParse(s) }

func TestAPipelineRunsAsPodsOnItsWorkspace(t *testing.T) {
	e := newEngine(t)
	run := newRun(t, "pods", devopsv1alpha3.Definition{
		Environment: []devopsv1alpha3.EnvVar{{Name: "TOKEN", Credential: &devopsv1alpha3.CredentialKeyRef{Name: "api", Key: "secret"}}},
		Stages: []devopsv1alpha3.Stage{
			{Name: "build", Steps: []devopsv1alpha3.Step{
				{Checkout: &devopsv1alpha3.CheckoutStep{Dir: "src"}},
				{Name: "test", Timeout: &metav1.Duration{Duration: 5 * time.Minute}, Image: "golang:1.26",
					Environment: []devopsv1alpha3.EnvVar{{Name: "TARGET", Value: "prod-${BRANCH_NAME}"}},
					Shell:       &devopsv1alpha3.ShellStep{Script: `echo "testing with $TOKEN"`}},
			}},
			{Name: "image", Steps: []devopsv1alpha3.Step{
				{BuildImage: &devopsv1alpha3.BuildImageStep{Context: "src", Image: "registry.example.com/acme/app:${GIT_COMMIT_SHORT}",
					Push: true}},
			}},
		},
	})
	st := &status{}
	done := start(context.Background(), e, run, st)

	// The workspace: owned by the run, of the configured size and class.
	var pvc *corev1.PersistentVolumeClaim
	co := stepPod(t, "pods", "build", "checkout-1", 1)
	pvc, err := kube.CoreV1().PersistentVolumeClaims(project).Get(context.Background(), "pods-workspace", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if q := pvc.Spec.Resources.Requests[corev1.ResourceStorage]; q.String() != "2Gi" || pvc.Spec.StorageClassName == nil ||
		*pvc.Spec.StorageClassName != "standard" || len(pvc.OwnerReferences) != 1 || pvc.OwnerReferences[0].Name != "pods" {
		t.Errorf("workspace %+v", pvc)
	}

	// checkout: git with the credential from its Secret, the commit read
	// from the termination message.
	checkCommon(t, co, run, "build", "checkout-1")
	c := co.Spec.Containers[0]
	env := envOf(c)
	if c.Image != devopskube.DefaultGitImage || len(c.Command) != 3 || c.Command[0] != "sh" || c.Command[1] != "-ec" ||
		!strings.Contains(c.Command[2], "git clone") || strings.Contains(strings.Join(c.Command, " "), "https://") {
		t.Errorf("checkout container %s %q", c.Image, c.Command)
	}
	if env["GIT_URL"].Value != run.Source.URL || env["GIT_BRANCH"].Value != "main" || env["CHECKOUT_DIR"].Value != "/workspace/src" {
		t.Errorf("checkout env %+v", c.Env)
	}
	if p := env["GIT_AUTH_PASSWORD"]; p.Value != "" || p.ValueFrom == nil || p.ValueFrom.SecretKeyRef.Name != "git" || p.ValueFrom.SecretKeyRef.Key != "password" {
		t.Errorf("git password %+v", p)
	}
	if sc := co.Spec.SecurityContext; sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot || *sc.RunAsUser != devopskube.DefaultRunAsUser {
		t.Errorf("securityContext %+v", sc)
	}
	finish(t, co, 0, commit+"\n")

	// shell: the step's image, sh -ec, the credential from its Secret.
	sh := stepPod(t, "pods", "build", "test", 1)
	checkCommon(t, sh, run, "build", "test")
	c = sh.Spec.Containers[0]
	env = envOf(c)
	if c.Image != "golang:1.26" || strings.Join(c.Command, " ") != `sh -ec echo "testing with $TOKEN"` {
		t.Errorf("shell container %s %q", c.Image, c.Command)
	}
	if v := env["TOKEN"]; v.Value != "" || v.ValueFrom == nil || v.ValueFrom.SecretKeyRef.Name != "api" || v.ValueFrom.SecretKeyRef.Key != "secret" {
		t.Errorf("TOKEN %+v", v)
	}
	if env["TARGET"].Value != "prod-main" || env["GIT_COMMIT"].Value != commit || env["WORKSPACE"].Value != "/workspace" {
		t.Errorf("shell env %+v", c.Env)
	}
	if d := *sh.Spec.ActiveDeadlineSeconds; d > 300 || d < 290 {
		t.Errorf("activeDeadlineSeconds %d, want the step's 5m", d)
	}
	finish(t, sh, 0, "")

	// buildImage: kaniko, pushing with the nodes' access to the registry
	// (no Secret is written: the controller manager writes none outside
	// its namespace).
	b := stepPod(t, "pods", "image", "buildImage-1", 1)
	checkCommon(t, b, run, "image", "buildImage-1")
	c = b.Spec.Containers[0]
	args := strings.Join(c.Args, " ")
	if c.Image != devopskube.DefaultBuilderImage || !strings.Contains(args, "--context=dir:///workspace/src") ||
		!strings.Contains(args, "--destination=registry.example.com/acme/app:"+commit[:12]) || strings.Contains(args, "--no-push") {
		t.Errorf("builder %s %q", c.Image, c.Args)
	}
	for _, v := range b.Spec.Volumes {
		if v.Secret != nil {
			t.Errorf("the builder mounts Secret %s", v.Secret.SecretName)
		}
	}
	finish(t, b, 0, digest)

	r := wait(t, done)
	if r.phase != devopsv1alpha3.PhaseSucceeded {
		t.Fatalf("phase %s: %s", r.phase, r.msg)
	}
	s := st.get()
	if s.Commit != commit || len(s.Images) != 1 || s.Images[0].Digest != digest || !s.Images[0].Pushed {
		t.Errorf("commit %q, images %+v", s.Commit, s.Images)
	}
	if x := st.step(t, "build", "test"); x.ExitCode == nil || *x.ExitCode != 0 || x.Phase != devopsv1alpha3.PhaseSucceeded {
		t.Errorf("test step %+v", x)
	}
	// The workspace goes with the run.
	pvc, err = kube.CoreV1().PersistentVolumeClaims(project).Get(context.Background(), "pods-workspace", metav1.GetOptions{})
	if err == nil && pvc.DeletionTimestamp == nil {
		t.Error("the workspace was not deleted")
	}
}

func TestAFailedStepFailsTheRun(t *testing.T) {
	e := newEngine(t)
	run := newRun(t, "fails", devopsv1alpha3.Definition{Stages: []devopsv1alpha3.Stage{
		{Name: "test", Steps: []devopsv1alpha3.Step{{Name: "unit", Shell: &devopsv1alpha3.ShellStep{Script: "exit 3"}}}},
		{Name: "after", Steps: []devopsv1alpha3.Step{{Name: "never", Shell: &devopsv1alpha3.ShellStep{Script: "true"}}}},
	}})
	st := &status{}
	done := start(context.Background(), e, run, st)
	p := stepPod(t, "fails", "test", "unit", 1)
	if c := p.Spec.Containers[0]; c.Image != devopskube.DefaultShellImage {
		t.Errorf("image %s", c.Image)
	}
	finish(t, p, 3, "")
	r := wait(t, done)
	if r.phase != devopsv1alpha3.PhaseFailed || !strings.Contains(r.msg, "exit status 3") {
		t.Fatalf("phase %s: %s", r.phase, r.msg)
	}
	if x := st.step(t, "test", "unit"); x.ExitCode == nil || *x.ExitCode != 3 || x.Phase != devopsv1alpha3.PhaseFailed {
		t.Errorf("step %+v", x)
	}
	if x := st.step(t, "after", "never"); x.Phase != devopsv1alpha3.PhaseSkipped {
		t.Errorf("next step %s", x.Phase)
	}
	// A failed step's pod stays, for its log.
	if _, err := kube.CoreV1().Pods(project).Get(context.Background(), p.Name, metav1.GetOptions{}); err != nil {
		t.Errorf("the failed step's pod: %v", err)
	}
}

func TestCancelDeletesTheRunningPod(t *testing.T) {
	e := newEngine(t)
	run := newRun(t, "cancel", devopsv1alpha3.Definition{Stages: []devopsv1alpha3.Stage{
		{Name: "s", Steps: []devopsv1alpha3.Step{{Name: "long", Shell: &devopsv1alpha3.ShellStep{Script: "sleep 3600"}}}},
	}})
	st := &status{}
	ctx, cancel := context.WithCancel(context.Background())
	done := start(ctx, e, run, st)
	p := stepPod(t, "cancel", "s", "long", 1)
	running(t, p)
	cancel()
	r := wait(t, done)
	if r.phase != devopsv1alpha3.PhaseCancelled {
		t.Fatalf("phase %s: %s", r.phase, r.msg)
	}
	gone(t, p.Name)
	if x := st.step(t, "s", "long"); x.Phase != devopsv1alpha3.PhaseCancelled {
		t.Errorf("step %s", x.Phase)
	}
}

func TestAStepTimeoutDeletesThePod(t *testing.T) {
	e := newEngine(t)
	run := newRun(t, "timeout", devopsv1alpha3.Definition{Stages: []devopsv1alpha3.Stage{
		{Name: "s", Steps: []devopsv1alpha3.Step{{Name: "slow", Timeout: &metav1.Duration{Duration: 2 * time.Second},
			Shell: &devopsv1alpha3.ShellStep{Script: "sleep 3600"}}}},
	}})
	st := &status{}
	done := start(context.Background(), e, run, st)
	p := stepPod(t, "timeout", "s", "slow", 1)
	if d := p.Spec.ActiveDeadlineSeconds; d == nil || *d > 2 {
		t.Errorf("activeDeadlineSeconds %v", d)
	}
	running(t, p)
	r := wait(t, done)
	if r.phase != devopsv1alpha3.PhaseFailed || !strings.Contains(r.msg, "step slow (2s) timed out") {
		t.Fatalf("phase %s: %s", r.phase, r.msg)
	}
	gone(t, p.Name)
}

func TestAnImageThatCannotBePulledFailsTheStep(t *testing.T) {
	e := newEngine(t)
	run := newRun(t, "pull", devopsv1alpha3.Definition{Stages: []devopsv1alpha3.Stage{
		{Name: "s", Steps: []devopsv1alpha3.Step{{Name: "x", Image: "registry.example.com/nope:1", Shell: &devopsv1alpha3.ShellStep{Script: "true"}}}},
	}})
	st := &status{}
	done := start(context.Background(), e, run, st)
	p := stepPod(t, "pull", "s", "x", 1)
	setStatus(t, p, corev1.PodPending, corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ImagePullBackOff",
		Message: `Back-off pulling image "registry.example.com/nope:1"`}})
	r := wait(t, done)
	if r.phase != devopsv1alpha3.PhaseFailed || !strings.Contains(r.msg, "cannot start: ImagePullBackOff: Back-off pulling image") {
		t.Fatalf("phase %s: %s", r.phase, r.msg)
	}
	if x := st.step(t, "s", "x"); !strings.Contains(x.Message, "ImagePullBackOff") {
		t.Errorf("step message %q", x.Message)
	}
	gone(t, p.Name)
}

func TestACredentialIsNeverWrittenInAPodSpec(t *testing.T) {
	e := newEngine(t)
	run := newRun(t, "inline", devopsv1alpha3.Definition{Stages: []devopsv1alpha3.Stage{{Name: "s",
		Environment: []devopsv1alpha3.EnvVar{{Name: "TOKEN", Credential: &devopsv1alpha3.CredentialKeyRef{Name: "api", Key: "secret"}},
			{Name: "URL", Value: "https://x:${TOKEN}@example.com"}},
		Steps: []devopsv1alpha3.Step{{Name: "x", Shell: &devopsv1alpha3.ShellStep{Script: "true"}}}}}})
	r := wait(t, start(context.Background(), e, run, &status{}))
	if r.phase != devopsv1alpha3.PhaseFailed || !strings.Contains(r.msg, "variable URL holds a credential's value") || strings.Contains(r.msg, apiToken) {
		t.Fatalf("phase %s: %s", r.phase, r.msg)
	}
	list, err := kube.CoreV1().Pods(project).List(context.Background(), metav1.ListOptions{LabelSelector: devopskube.RunLabel + "=inline"})
	if err != nil || len(list.Items) != 0 {
		t.Errorf("pods %v %v", list, err)
	}
}

func TestArtifactsAreRefusedAndAStepWithoutPodHasNoLog(t *testing.T) {
	e := newEngine(t)
	run := newRun(t, "arts", devopsv1alpha3.Definition{Stages: []devopsv1alpha3.Stage{{Name: "s",
		Steps: []devopsv1alpha3.Step{{Name: "keep", Artifacts: &devopsv1alpha3.ArtifactsStep{Paths: []string{"bin/*"}}}}}}})
	r := wait(t, start(context.Background(), e, run, &status{}))
	if r.phase != devopsv1alpha3.PhaseFailed || !strings.Contains(r.msg, "keeps no artifacts") {
		t.Fatalf("phase %s: %s", r.phase, r.msg)
	}
	if _, err := e.Logs(context.Background(), run.Key, "s", "keep", false); !errors.Is(err, engine.ErrNoLog) {
		t.Errorf("logs: %v", err)
	}
}

func TestADeployReadsTheManifestsWithAPodAndAppliesThemAsTheUser(t *testing.T) {
	cm := "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web-config}\ndata: {color: blue}\n"
	bundle := "@@manifest ./deploy/web.yaml\n" + base64.StdEncoding.EncodeToString([]byte(cm)) + "\n@@end\n"
	for _, tc := range []struct {
		name  string
		user  user.Info
		phase devopsv1alpha3.RunPhase
		msg   string
	}{
		{"deploy-ok", &user.DefaultInfo{Name: "olga", Groups: []string{"system:masters"}}, devopsv1alpha3.PhaseSucceeded, ""},
		{"deploy-forbidden", &user.DefaultInfo{Name: "nobody"}, devopsv1alpha3.PhaseFailed, "as nobody"},
	} {
		e := newEngine(t)
		var read []string
		e.PodLog = func(_ context.Context, pod *corev1.Pod, _ int64) (io.ReadCloser, error) {
			read = append(read, pod.Name)
			return io.NopCloser(strings.NewReader(bundle)), nil
		}
		run := newRun(t, tc.name, devopsv1alpha3.Definition{Stages: []devopsv1alpha3.Stage{{Name: "ship",
			Steps: []devopsv1alpha3.Step{{Name: "apply", Deploy: &devopsv1alpha3.DeployStep{Project: project, Manifests: []string{"deploy"}}}}}}})
		run.User = tc.user
		done := start(context.Background(), e, run, &status{})
		p := stepPod(t, tc.name, "ship", "apply", 1)
		c := p.Spec.Containers[0]
		if p.Labels[devopskube.RoleLabel] != "manifests" || c.Image != devopskube.DefaultShellImage || len(c.Command) != 5 ||
			c.Command[4] != "./deploy" || len(c.Env) != 0 {
			t.Errorf("%s: manifests pod %v %s %q", tc.name, p.Labels, c.Image, c.Command)
		}
		finish(t, p, 0, "")
		r := wait(t, done)
		if r.phase != tc.phase || !strings.Contains(r.msg, tc.msg) {
			t.Fatalf("%s: phase %s: %s", tc.name, r.phase, r.msg)
		}
		if len(read) != 1 || read[0] != p.Name {
			t.Errorf("%s: logs read %v", tc.name, read)
		}
		if _, err := e.Logs(context.Background(), run.Key, "ship", "apply", false); !errors.Is(err, engine.ErrNoLog) {
			t.Errorf("%s: the manifests are served as the step's log: %v", tc.name, err)
		}
	}
	got, err := kube.CoreV1().ConfigMaps(project).Get(context.Background(), "web-config", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Data["color"] != "blue" || len(got.ManagedFields) == 0 || got.ManagedFields[0].Manager != deploy.FieldManager {
		t.Errorf("applied %+v", got)
	}
}
