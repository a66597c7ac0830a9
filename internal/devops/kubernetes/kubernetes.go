// Package kubernetes is the engine of a real cluster: each step of a run is
// a Pod in the run's namespace (the DevOps project), all of a run's pods
// sharing a workspace PersistentVolumeClaim mounted at /workspace. The
// orchestration (stages, parallel branches, when, timeouts, retries, input)
// is package runner's; this package only runs a step.
//
//   - The workspace PVC is created when the run starts, owned by the
//     PipelineRun, and deleted when the run ends.
//   - A step pod is owned by the PipelineRun, labelled with the run, stage
//     and step, restartPolicy Never, activeDeadlineSeconds from the step's
//     (or the run's) time left, non-root (except the image builder), with
//     the configured resources.
//   - shell runs `sh -ec <script>` in the step's image; checkout runs git in
//     the git image and writes the commit to /dev/termination-log;
//     buildImage runs kaniko (see docs/devops.md).
//   - Credential-backed variables are env from the credential's Secret
//     (secretKeyRef): a value of a credential never is in a pod's spec.
//   - deploy runs no step pod: a pod prints the manifests of the workspace,
//     and the controller applies them as the run's user (package deploy).
//   - Cancel and timeouts delete the step's pod at once (grace 0).
package kubernetes

import (
	"context"
	"errors"
	"io"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	clientset "k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/rest"

	devopsv1alpha3 "github.com/superkube/super-kubenetes/api/devops/v1alpha3"
	"github.com/superkube/super-kubenetes/internal/devops/engine"
	"github.com/superkube/super-kubenetes/internal/devops/mask"
	"github.com/superkube/super-kubenetes/internal/devops/runner"
)

// Default images: a shell, git and a daemonless image builder.
const (
	DefaultShellImage   = "busybox:1.37"
	DefaultGitImage     = "alpine/git:2.47.2"
	DefaultBuilderImage = "gcr.io/kaniko-project/executor:v1.23.2"
)

// Defaults of the options.
const (
	DefaultWorkspaceSize = "1Gi"
	DefaultRunAsUser     = 1000
	DefaultStartTimeout  = 10 * time.Minute
	DefaultPullGrace     = 2 * time.Minute
)

// Options configure the pods of the runs.
type Options struct {
	// ShellImage, GitImage and BuilderImage are the images of shell,
	// checkout and buildImage steps that name none (step.image).
	ShellImage, GitImage, BuilderImage string
	// WorkspaceSize is the size of a run's workspace volume (default 1Gi).
	WorkspaceSize resource.Quantity
	// StorageClassName is its storage class ("" is the cluster's default).
	StorageClassName string
	// AccessMode is its access mode (default ReadWriteOnce: the parallel
	// branches of a run then share a node).
	AccessMode corev1.PersistentVolumeAccessMode
	// Resources are every step container's requests and limits.
	Resources corev1.ResourceRequirements
	// RunAsUser is the user of the shell and git containers (default 1000).
	RunAsUser int64
	// StartTimeout bounds how long a step's pod may take to start
	// (scheduling, volume, image); PullGrace how long an image that cannot
	// be pulled, or a container that cannot be configured, is waited for.
	StartTimeout, PullGrace time.Duration
	// ImagePullSecrets are given to every step pod.
	ImagePullSecrets []string
}

// QualityFunc reads the code-quality results of a commit (SonarQube).
type QualityFunc = runner.QualityFunc

// Engine runs steps as pods.
type Engine struct {
	// Client creates, watches and deletes the pods, the workspace and the
	// builder's docker config; it reads pods' logs.
	Client clientset.Interface
	// Metadata reads the PipelineRun (its UID, for the owner references).
	Metadata metadata.Interface
	// Config reaches kube-apiserver for deploy steps; the user is
	// impersonated on a copy.
	Config *rest.Config
	// Quality reads SonarQube for codeQuality steps; nil refuses them.
	Quality QualityFunc
	Options Options
	// PodLog reads a finished pod's log for the deploy step; nil reads
	// pods/log (a test without a kubelet sets it).
	PodLog func(ctx context.Context, pod *corev1.Pod, limit int64) (io.ReadCloser, error)
	// Now is the clock; nil is time.Now.
	Now func() time.Time

	mu      sync.Mutex
	maskers map[types.NamespacedName]*mask.Masker
}

// New returns an engine that reaches the cluster with cfg, its options
// defaulted.
func New(cfg *rest.Config, opts Options) (*Engine, error) {
	cs, err := clientset.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	md, err := metadata.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	return &Engine{Client: cs, Metadata: md, Config: cfg, Options: opts.Defaulted()}, nil
}

// Defaulted fills in the defaults.
func (o Options) Defaulted() Options {
	if o.ShellImage == "" {
		o.ShellImage = DefaultShellImage
	}
	if o.GitImage == "" {
		o.GitImage = DefaultGitImage
	}
	if o.BuilderImage == "" {
		o.BuilderImage = DefaultBuilderImage
	}
	if o.WorkspaceSize.IsZero() {
		o.WorkspaceSize = resource.MustParse(DefaultWorkspaceSize)
	}
	if o.AccessMode == "" {
		o.AccessMode = corev1.ReadWriteOnce
	}
	if o.RunAsUser == 0 {
		o.RunAsUser = DefaultRunAsUser
	}
	if o.StartTimeout <= 0 {
		o.StartTimeout = DefaultStartTimeout
	}
	if o.PullGrace <= 0 {
		o.PullGrace = DefaultPullGrace
	}
	return o
}

// Name is "kubernetes".
func (e *Engine) Name() string { return engine.Kubernetes }

var pipelineRuns = devopsv1alpha3.GroupVersion.WithResource("pipelineruns")

// Execute carries out the run.
func (e *Engine) Execute(ctx context.Context, run *engine.Run, rep engine.Reporter) (devopsv1alpha3.RunPhase, string) {
	pr, err := e.Metadata.Resource(pipelineRuns).Namespace(run.Key.Namespace).Get(ctx, run.Key.Name, metav1.GetOptions{})
	if err != nil {
		return devopsv1alpha3.PhaseFailed, "reading the run: " + err.Error()
	}
	s := &steps{e: e, run: run, opts: e.Options.Defaulted(), owner: metav1.OwnerReference{
		APIVersion: devopsv1alpha3.GroupVersion.String(), Kind: "PipelineRun", Name: pr.Name, UID: pr.UID}}
	s.claim = objectName(run.Key.Name, "workspace", "")
	if err := s.createWorkspace(ctx); err != nil {
		return devopsv1alpha3.PhaseFailed, "creating the run's workspace: " + err.Error()
	}
	e.mu.Lock()
	if e.maskers == nil {
		e.maskers = map[types.NamespacedName]*mask.Masker{}
	}
	e.maskers[run.Key] = mask.New(run.Secrets())
	e.mu.Unlock()
	defer func() {
		e.mu.Lock()
		delete(e.maskers, run.Key)
		e.mu.Unlock()
		// The workspace is of no use once the run ended; its pods are
		// finished (or deleted), so the claim goes at once.
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		_ = e.Client.CoreV1().PersistentVolumeClaims(run.Key.Namespace).Delete(dctx, s.claim, metav1.DeleteOptions{})
	}()
	r := &runner.Runner{Steps: s, Logs: discard{}, Now: e.Now}
	return r.Execute(ctx, run, rep)
}

func (s *steps) createWorkspace(ctx context.Context) error {
	pvc := &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: s.claim, Namespace: s.run.Key.Namespace,
			Labels:          map[string]string{RunLabel: labelValue(s.run.Key.Name)},
			OwnerReferences: []metav1.OwnerReference{s.owner}},
		Spec: corev1.PersistentVolumeClaimSpec{
			AccessModes: []corev1.PersistentVolumeAccessMode{s.opts.AccessMode},
			Resources:   corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: s.opts.WorkspaceSize}},
		},
	}
	if s.opts.StorageClassName != "" {
		pvc.Spec.StorageClassName = &s.opts.StorageClassName
	}
	_, err := s.Client().CoreV1().PersistentVolumeClaims(pvc.Namespace).Create(ctx, pvc, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		return nil
	}
	return err
}

// discard is the runner's log store: a step's log is its pod's, read from
// pods/log; what the controller itself would add (retry markers, deploy's
// lines) is in the step's status message, not in a log.
type discard struct{}

type nopCloser struct{}

func (nopCloser) Write(p []byte) (int, error) { return len(p), nil }
func (nopCloser) Close() error                { return nil }

func (discard) Create(*engine.Run, string, string) (io.WriteCloser, error) { return nopCloser{}, nil }

// steps is the StepRunner of one run.
type steps struct {
	e     *Engine
	run   *engine.Run
	opts  Options
	owner metav1.OwnerReference
	claim string
}

// Client is the engine's client.
func (s *steps) Client() clientset.Interface { return s.e.Client }

// RunStep does one step.
func (s *steps) RunStep(ctx context.Context, st *runner.Step) (runner.Result, error) {
	sp := st.Spec
	switch {
	case sp.Shell != nil:
		return s.shell(ctx, st)
	case sp.Checkout != nil:
		return s.checkout(ctx, st)
	case sp.BuildImage != nil:
		return s.buildImage(ctx, st)
	case sp.Deploy != nil:
		return s.deploy(ctx, st)
	case sp.Artifacts != nil:
		return runner.Result{}, errors.New("the kubernetes executor keeps no artifacts: push them from a shell step (to a registry or an object store), or run the pipeline on the local executor")
	case sp.CodeQuality != nil:
		return s.codeQuality(ctx, st)
	}
	return runner.Result{}, errors.New("the kubernetes executor cannot run this step")
}

func (s *steps) codeQuality(ctx context.Context, st *runner.Step) (runner.Result, error) {
	return runner.CodeQuality(ctx, st, s.e.Quality)
}
