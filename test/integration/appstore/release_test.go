// Package appstore tests the app store against a real kube-apiserver and
// etcd with ke-controller-manager's reconcilers. This file: releases,
// installed with the Helm SDK as the release's operator (impersonated),
// upgraded, rolled back and uninstalled; a viewer is refused by
// kube-apiserver; values that fail the chart's schema install nothing; a
// restart of ke-controller-manager in the middle of an install is found
// and the install carried out again; charts with CRDs and with hooks.
package appstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	chartutil "helm.sh/helm/v4/pkg/chart/v2/util"
	appsv1 "k8s.io/api/apps/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/client-go/rest"
	"k8s.io/klog/v2/textlogger"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	appv2 "github.com/superkube/super-kubenetes/api/application/v2"
	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	appchart "github.com/superkube/super-kubenetes/internal/application/chart"
	"github.com/superkube/super-kubenetes/internal/application/release"
	"github.com/superkube/super-kubenetes/internal/controllermanager/app"
	"github.com/superkube/super-kubenetes/internal/scheme"
	"github.com/superkube/super-kubenetes/internal/testutil/envtest"
)

var (
	relEnv *envtest.Environment
	relK8s client.Client // the admin's client, with the platform's scheme
	// cm is the running ke-controller-manager (the restart test replaces it).
	relManager *relProcess
)

// Users and the project of the release tests.
const (
	relProject  = "shop"
	relOperator = "olivia" // project operator
	relViewer   = "victor" // project viewer
	relAdmin    = "adam"   // cluster-admin (CRDs are cluster-scoped)
)

func TestMain(m *testing.M) {
	e, err := envtest.Start(envtest.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	relEnv = e
	code := relRun(m)
	if relManager != nil {
		relManager.kill()
	}
	_ = e.Stop()
	// The repository tests' own control plane, if they started it: its
	// etcd and kube-apiserver would outlive the test binary.
	if repoEnv != nil {
		_ = repoEnv.Stop()
	}
	os.Exit(code)
}

func relRun(m *testing.M) int {
	logger := logr.Discard()
	if v, err := strconv.Atoi(os.Getenv("TEST_LOG_V")); err == nil {
		logger = textlogger.NewLogger(textlogger.NewConfig(textlogger.Verbosity(v)))
	}
	ctrl.SetLogger(logger)
	var err error
	if relK8s, err = client.New(relEnv.Config, client.Options{Scheme: scheme.New()}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if relManager, err = relStartProcess("ke-controller-manager-1"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if err := relSetupProject(); err != nil {
		fmt.Fprintln(os.Stderr, "setting up the project:", err)
		return 1
	}
	return m.Run()
}

// process is one ke-controller-manager "process": its manager, and a
// switch that cuts all its traffic to kube-apiserver, so that stopping it
// is a crash: nothing it does afterwards reaches the cluster.
type relProcess struct {
	holder string
	dead   atomic.Bool
	cancel context.CancelFunc
	done   chan struct{}
}

type relCutTransport struct {
	p  *relProcess
	rt http.RoundTripper
}

func (c relCutTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if c.p.dead.Load() {
		return nil, errors.New("the process is dead")
	}
	return c.rt.RoundTrip(req)
}

func relStartProcess(holder string) (*relProcess, error) {
	p := &relProcess{holder: holder, done: make(chan struct{})}
	rc := rest.CopyConfig(relEnv.Config)
	rc.Wrap(func(rt http.RoundTripper) http.RoundTripper { return relCutTransport{p: p, rt: rt} })
	cfg := app.DefaultConfig()
	cfg.MetricsBindAddress, cfg.HealthProbeBindAddress, cfg.StateMetricsBindAddress = "0", "0", "0"
	cfg.LeaderElection.Enabled = false
	cfg.Authentication.BcryptCost = 4
	completed, err := cfg.Complete(rc)
	if err != nil {
		return nil, err
	}
	mgr, boot, err := app.NewManager(completed, app.ManagerOptions{SkipNameValidation: true, ReleaseHolder: holder})
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctrl.LoggerInto(context.Background(), ctrl.Log))
	p.cancel = cancel
	go func() {
		defer close(p.done)
		if err := mgr.Start(ctx); err != nil && !p.dead.Load() {
			fmt.Fprintln(os.Stderr, "manager:", err)
		}
	}()
	if err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, time.Minute, true, func(context.Context) (bool, error) {
		return boot.Completed(), nil
	}); err != nil {
		cancel()
		return nil, fmt.Errorf("bootstrap did not complete: %w", err)
	}
	return p, nil
}

// kill cuts the process off, then stops it.
func (p *relProcess) kill() {
	p.dead.Store(true)
	p.cancel()
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
	}
}

func relSetupProject() error {
	ctx := context.Background()
	for _, o := range []client.Object{
		&iamv1beta1.User{ObjectMeta: metav1.ObjectMeta{Name: "owner"}, Spec: iamv1beta1.UserSpec{Email: "owner@example.com"}},
		&iamv1beta1.User{ObjectMeta: metav1.ObjectMeta{Name: relOperator}, Spec: iamv1beta1.UserSpec{Email: relOperator + "@example.com"}},
		&iamv1beta1.User{ObjectMeta: metav1.ObjectMeta{Name: relViewer}, Spec: iamv1beta1.UserSpec{Email: relViewer + "@example.com"}},
		&iamv1beta1.User{ObjectMeta: metav1.ObjectMeta{Name: relAdmin}, Spec: iamv1beta1.UserSpec{Email: relAdmin + "@example.com"}},
		&tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: "store"}, Spec: tenantv1beta1.WorkspaceSpec{Manager: "owner"}},
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: relProject, Labels: map[string]string{tenantv1beta1.WorkspaceLabel: "store"}}},
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: appv2.SecretNamespace}},
		relProjectMember(relOperator, "operator"),
		relProjectMember(relViewer, "viewer"),
		&rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "adam-cluster-admin"},
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "cluster-admin"},
			Subjects: []rbacv1.Subject{{Kind: "User", APIGroup: rbacv1.GroupName, Name: relAdmin}}},
	} {
		if err := relK8s.Create(ctx, o); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("creating %T %s: %w", o, o.GetName(), err)
		}
	}
	// The project's roles come from ke-controller-manager; wait until
	// kube-apiserver lets the operator write Secrets (Helm's storage) and
	// Deployments, and the viewer read Deployments.
	return wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, time.Minute, true, func(context.Context) (bool, error) {
		return relAllowed(relOperator, "create", "", "secrets") && relAllowed(relOperator, "create", "apps", "deployments") &&
			relAllowed(relOperator, "create", "batch", "jobs") && relAllowed(relViewer, "list", "apps", "deployments"), nil
	})
}

func relProjectMember(user, role string) *rbacv1.RoleBinding {
	return &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Namespace: relProject, Name: user + "-" + role, Labels: map[string]string{iamv1beta1.UserRefLabel: user}},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: role},
		Subjects:   []rbacv1.Subject{{Kind: "User", APIGroup: rbacv1.GroupName, Name: user}},
	}
}

// allowed asks kube-apiserver whether user may do verb on resource in the project.
func relAllowed(user, verb, group, resource string) bool {
	sar := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{User: user,
		ResourceAttributes: &authorizationv1.ResourceAttributes{Verb: verb, Group: group, Resource: resource, Namespace: relProject}}}
	if err := relK8s.Create(context.Background(), sar); err != nil {
		return false
	}
	return sar.Status.Allowed
}

// Charts and versions.

// chartArchive packages a chart folder (of testdata/charts unless the path
// is absolute) with the Helm SDK.
func chartArchive(t *testing.T, dir string) []byte {
	t.Helper()
	root, err := envtest.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(root, "testdata", "charts", dir)
	}
	ch, err := loader.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	file, err := chartutil.Save(ch, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// publish makes an uploaded version of a testdata chart (its ConfigMap and
// its ApplicationVersion, active) and returns the version's name.
func relPublish(t *testing.T, application, version, dir string) string {
	t.Helper()
	ctx := context.Background()
	name := application + "-" + strings.ReplaceAll(version, ".", "-")
	relManager := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: appv2.SecretNamespace, Name: "appver-" + name,
		Labels: map[string]string{appv2.ApplicationLabel: application}},
		BinaryData: map[string][]byte{appv2.ChartKey: chartArchive(t, dir)}}
	if err := relK8s.Create(ctx, relManager); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	v := &appv2.ApplicationVersion{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{appv2.ApplicationLabel: application}},
		Spec: appv2.ApplicationVersionSpec{Application: application, Version: version, State: appv2.StateActive,
			Source: appv2.ChartSource{ConfigMap: relManager.Name}}}
	if err := relK8s.Create(ctx, v); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	return name
}

func newRelease(name, user, application, version, values string) *appv2.ApplicationRelease {
	return &appv2.ApplicationRelease{
		ObjectMeta: metav1.ObjectMeta{Namespace: relProject, Name: name, Annotations: map[string]string{appv2.OperatorAnnotation: user}},
		Spec:       appv2.ApplicationReleaseSpec{Application: application, Version: version, Values: values},
	}
}

func relCreate(t *testing.T, o client.Object) {
	t.Helper()
	if err := relK8s.Create(context.Background(), o); err != nil {
		t.Fatalf("creating %T %s: %v", o, o.GetName(), err)
	}
}

func getRelease(name string) (*appv2.ApplicationRelease, error) {
	ar := &appv2.ApplicationRelease{}
	return ar, relK8s.Get(context.Background(), types.NamespacedName{Namespace: relProject, Name: name}, ar)
}

// eventually retries check until it returns nil or the time passes.
func relEventually(t *testing.T, within time.Duration, what string, check func() error) {
	t.Helper()
	var last error
	err := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, within, true, func(context.Context) (bool, error) {
		last = check()
		return last == nil, nil
	})
	if err != nil {
		t.Fatalf("%s: %v", what, last)
	}
}

// settled waits until the release carried out its current generation and
// is in phase want.
func relSettled(t *testing.T, name string, want appv2.ReleasePhase) *appv2.ApplicationRelease {
	t.Helper()
	var ar *appv2.ApplicationRelease
	relEventually(t, 90*time.Second, fmt.Sprintf("release %s %s", name, want), func() error {
		var err error
		if ar, err = getRelease(name); err != nil {
			return err
		}
		if ar.Status.ObservedGeneration != ar.Generation || ar.Status.Phase != want {
			return fmt.Errorf("generation %d observed %d phase %s: %s", ar.Generation, ar.Status.ObservedGeneration, ar.Status.Phase, ar.Status.Message)
		}
		return nil
	})
	return ar
}

// helmSecrets lists the Helm release records of a release.
func helmSecrets(t *testing.T, name string) []corev1.Secret {
	t.Helper()
	list := &corev1.SecretList{}
	if err := relK8s.List(context.Background(), list, client.InNamespace(relProject), client.MatchingLabels{"owner": "helm", "name": name}); err != nil {
		t.Fatal(err)
	}
	return list.Items
}

func relExists(t *testing.T, o client.Object, ns, name string) bool {
	t.Helper()
	err := relK8s.Get(context.Background(), types.NamespacedName{Namespace: ns, Name: name}, o)
	if err != nil && !apierrors.IsNotFound(err) {
		t.Fatal(err)
	}
	return err == nil
}

func readyCondition(ar *appv2.ApplicationRelease) *metav1.Condition {
	return meta.FindStatusCondition(ar.Status.Conditions, appv2.ReadyCondition)
}

// update changes a release's spec as its operator would (through the API).
func relUpdate(t *testing.T, name string, change func(*appv2.ApplicationRelease)) {
	t.Helper()
	ar, err := getRelease(name)
	if err != nil {
		t.Fatal(err)
	}
	change(ar)
	if err := relK8s.Update(context.Background(), ar); err != nil {
		t.Fatal(err)
	}
}

func deleteRelease(t *testing.T, name string) {
	t.Helper()
	ar, err := getRelease(name)
	if err != nil {
		t.Fatal(err)
	}
	if err := relK8s.Delete(context.Background(), ar); err != nil {
		t.Fatal(err)
	}
	relEventually(t, 90*time.Second, "the release object goes after the uninstall", func() error {
		cur, err := getRelease(name)
		if apierrors.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		return fmt.Errorf("still there: phase %s: %s", cur.Status.Phase, cur.Status.Message)
	})
}

// markDeploymentReady plays the Deployment controller.
func markDeploymentReady(t *testing.T, name string) {
	t.Helper()
	d := &appsv1.Deployment{}
	if err := relK8s.Get(context.Background(), types.NamespacedName{Namespace: relProject, Name: name}, d); err != nil {
		t.Fatal(err)
	}
	n := ptr.Deref(d.Spec.Replicas, 1)
	d.Status = appsv1.DeploymentStatus{ObservedGeneration: d.Generation, Replicas: n, ReadyReplicas: n, UpdatedReplicas: n, AvailableReplicas: n}
	if err := relK8s.Status().Update(context.Background(), d); err != nil {
		t.Fatal(err)
	}
}

// completeJob plays the Job controller: the Job named name, created after
// notBefore, succeeds. It returns the Job's UID.
func completeJob(t *testing.T, name string, notUID types.UID) types.UID {
	t.Helper()
	job := &batchv1.Job{}
	relEventually(t, 60*time.Second, "the hook Job "+name+" exists", func() error {
		if err := relK8s.Get(context.Background(), types.NamespacedName{Namespace: relProject, Name: name}, job); err != nil {
			return err
		}
		if job.UID == notUID || job.DeletionTimestamp != nil {
			return errors.New("only the previous Job")
		}
		return nil
	})
	now := metav1.Now()
	job.Status = batchv1.JobStatus{StartTime: &now, CompletionTime: &now, Succeeded: 1, Conditions: []batchv1.JobCondition{
		{Type: batchv1.JobSuccessCriteriaMet, Status: corev1.ConditionTrue, LastTransitionTime: now, LastProbeTime: now},
		{Type: batchv1.JobComplete, Status: corev1.ConditionTrue, LastTransitionTime: now, LastProbeTime: now},
	}}
	if err := relK8s.Status().Update(context.Background(), job); err != nil {
		t.Fatalf("completing the Job: %v", err)
	}
	return job.UID
}

// An operator installs demo-web, upgrades it to 1.1.0, rolls it back to
// revision 1, and uninstalls it; the status follows Helm at each step and
// the uninstall leaves no object and no Helm record.
func TestAnOperatorInstallsUpgradesRollsBackAndUninstalls(t *testing.T) {
	v1 := relPublish(t, "demo-web", "1.0.0", "demo-web-1.0.0")
	v2 := relPublish(t, "demo-web", "1.1.0", "demo-web-1.1.0")
	helm := &release.Client{Config: relEnv.Config}
	as := func(name string) user.Info {
		return &user.DefaultInfo{Name: name, Groups: []string{user.AllAuthenticated}}
	}
	c1, err := appchart.Load(chartArchive(t, "demo-web-1.0.0"))
	if err != nil {
		t.Fatal(err)
	}
	ch1 := c1.Chart
	t.Run("dry run before the install", func(t *testing.T) {
		r, err := helm.DryRun(context.Background(), release.Operation{Name: "web", Namespace: relProject, User: as(relOperator), Chart: ch1, Values: map[string]any{"replicaCount": 2}})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(r.Manifest, "kind: Deployment") || !strings.Contains(r.Manifest, "replicas: 2") || r.Current != "" || r.Notes == "" {
			t.Errorf("dry run: manifest %q current %q notes %q", r.Manifest, r.Current, r.Notes)
		}
		if _, err := helm.DryRun(context.Background(), release.Operation{Name: "web", Namespace: relProject, User: as(relViewer), Chart: ch1}); err == nil || !strings.Contains(err.Error(), "forbidden") {
			t.Errorf("the viewer's dry run: %v", err)
		}
		if n := len(helmSecrets(t, "web")); n != 0 {
			t.Errorf("the dry run left %d Helm Secrets", n)
		}
	})
	relCreate(t, newRelease("web", relOperator, "demo-web", v1, "replicaCount: 2\n"))

	ar := relSettled(t, "web", appv2.PhaseDeployed)
	if ar.Status.Revision != 1 || len(ar.Status.History) != 1 || ar.Status.History[0].Status != "deployed" || ar.Status.History[0].Version != "1.0.0" {
		t.Fatalf("after the install: revision %d history %+v", ar.Status.Revision, ar.Status.History)
	}
	if ar.Status.Notes == "" || ar.Status.Message != "Install complete" {
		t.Errorf("notes %q message %q", ar.Status.Notes, ar.Status.Message)
	}
	if op := ar.Status.Operation; op == nil || op.Type != "install" || op.User != relOperator || op.Holder != relManager.holder || op.Deadline == nil {
		t.Errorf("operation %+v", ar.Status.Operation)
	}
	if !controllerHasFinalizer(ar) {
		t.Errorf("finalizers %v", ar.Finalizers)
	}
	var deployment string
	kinds := map[string]bool{}
	for _, r := range ar.Status.Resources {
		kinds[r.Kind] = true
		if r.Kind == "Deployment" {
			deployment = r.Name
			if r.Ready || r.Message != "its controller has not seen the latest spec" && !strings.Contains(r.Message, "0/2") {
				t.Errorf("the Deployment is ready before its controller says so: %+v", r)
			}
		}
	}
	if !kinds["Deployment"] || !kinds["Service"] {
		t.Fatalf("resources %+v", ar.Status.Resources)
	}
	if c := readyCondition(ar); c == nil || c.Status != metav1.ConditionFalse || c.Reason != appv2.ReasonNotReady {
		t.Errorf("Ready before the replicas: %+v", c)
	}
	d := &appsv1.Deployment{}
	if !relExists(t, d, relProject, deployment) || ptr.Deref(d.Spec.Replicas, 0) != 2 {
		t.Fatalf("the Deployment %s with 2 replicas: %+v", deployment, d.Spec.Replicas)
	}
	if got := len(helmSecrets(t, "web")); got != 1 {
		t.Errorf("%d Helm release Secrets, want 1", got)
	}

	t.Run("Ready once the workload's replicas are", func(t *testing.T) {
		markDeploymentReady(t, deployment)
		relEventually(t, 30*time.Second, "Ready=True", func() error {
			ar, err := getRelease("web")
			if err != nil {
				return err
			}
			if c := readyCondition(ar); c == nil || c.Status != metav1.ConditionTrue || c.Reason != appv2.ReasonDeployed {
				relExists(t, d, relProject, deployment)
				return fmt.Errorf("Ready %+v, resources %+v; the Deployment's generation %d, status %+v", c, ar.Status.Resources, d.Generation, d.Status)
			}
			return nil
		})
	})

	t.Run("dry run of an upgrade shows the current manifest", func(t *testing.T) {
		r, err := helm.DryRun(context.Background(), release.Operation{Name: "web", Namespace: relProject, User: as(relOperator), Chart: ch1, Values: map[string]any{"replicaCount": 5}})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(r.Manifest, "replicas: 5") || !strings.Contains(r.Current, "replicas: 2") {
			t.Errorf("dry run: manifest %q current %q", r.Manifest, r.Current)
		}
		if n := len(helmSecrets(t, "web")); n != 1 {
			t.Errorf("%d Helm Secrets after the dry run, want 1", n)
		}
	})

	t.Run("upgrade to 1.1.0", func(t *testing.T) {
		relUpdate(t, "web", func(ar *appv2.ApplicationRelease) { ar.Spec.Version, ar.Spec.Values = v2, "replicaCount: 3\n" })
		ar := relSettled(t, "web", appv2.PhaseDeployed)
		if ar.Status.Revision != 2 || ar.Status.Operation.Type != "upgrade" || len(ar.Status.History) != 2 ||
			ar.Status.History[0].Revision != 2 || ar.Status.History[0].Version != "1.1.0" || ar.Status.History[1].Status != "superseded" {
			t.Fatalf("after the upgrade: revision %d operation %+v history %+v", ar.Status.Revision, ar.Status.Operation, ar.Status.History)
		}
		if relExists(t, d, relProject, deployment); ptr.Deref(d.Spec.Replicas, 0) != 3 || d.Spec.Template.Spec.Containers[0].Image != "nginx:1.28" {
			t.Errorf("the Deployment after the upgrade: replicas %v image %s", d.Spec.Replicas, d.Spec.Template.Spec.Containers[0].Image)
		}
	})

	t.Run("rollback to revision 1", func(t *testing.T) {
		relUpdate(t, "web", func(ar *appv2.ApplicationRelease) {
			ar.Spec.Version, ar.Spec.Values, ar.Spec.RollbackTo = v1, "replicaCount: 2\n", ptr.To(1)
		})
		ar := relSettled(t, "web", appv2.PhaseDeployed)
		if ar.Status.Revision != 3 || ar.Status.Operation.Type != "rollback" || ar.Status.History[0].Version != "1.0.0" ||
			!strings.Contains(ar.Status.History[0].Description, "Rollback to 1") {
			t.Fatalf("after the rollback: revision %d operation %+v history %+v", ar.Status.Revision, ar.Status.Operation, ar.Status.History)
		}
		if relExists(t, d, relProject, deployment); ptr.Deref(d.Spec.Replicas, 0) != 2 || d.Spec.Template.Spec.Containers[0].Image != "nginx:1.27" {
			t.Errorf("the Deployment after the rollback: replicas %v image %s", d.Spec.Replicas, d.Spec.Template.Spec.Containers[0].Image)
		}
		// A later change that leaves rollbackTo as it was upgrades.
		relUpdate(t, "web", func(ar *appv2.ApplicationRelease) { ar.Spec.Values = "replicaCount: 4\n" })
		ar = relSettled(t, "web", appv2.PhaseDeployed)
		if ar.Status.Revision != 4 || ar.Status.Operation.Type != "upgrade" {
			t.Fatalf("after a change following the rollback: revision %d operation %+v", ar.Status.Revision, ar.Status.Operation)
		}
	})

	t.Run("uninstall leaves nothing", func(t *testing.T) {
		deleteRelease(t, "web")
		if n := len(helmSecrets(t, "web")); n != 0 {
			t.Errorf("%d Helm release Secrets remain", n)
		}
		relEventually(t, 30*time.Second, "the objects are deleted", func() error {
			if relExists(t, &appsv1.Deployment{}, relProject, deployment) {
				return errors.New("the Deployment remains")
			}
			if relExists(t, &corev1.Service{}, relProject, deployment) {
				return errors.New("the Service remains")
			}
			return nil
		})
	})
}

func controllerHasFinalizer(ar *appv2.ApplicationRelease) bool {
	for _, f := range ar.Finalizers {
		if f == appv2.ReleaseFinalizer {
			return true
		}
	}
	return false
}

// A project viewer's release fails with kube-apiserver's refusal, as Helm
// reports it, and nothing is created.
func TestAViewersInstallIsRefused(t *testing.T) {
	v1 := relPublish(t, "demo-web", "1.0.0", "demo-web-1.0.0")
	relCreate(t, newRelease("peek", relViewer, "demo-web", v1, ""))
	ar := relSettled(t, "peek", appv2.PhaseFailed)
	if !strings.Contains(ar.Status.Message, "forbidden") || !strings.Contains(ar.Status.Message, `"`+relViewer+`"`) {
		t.Errorf("message %q, want kube-apiserver's forbidden naming the viewer", ar.Status.Message)
	}
	if c := readyCondition(ar); c == nil || c.Status != metav1.ConditionFalse || c.Reason != appv2.ReasonFailed {
		t.Errorf("Ready %+v", c)
	}
	t.Logf("status.message: %s", ar.Status.Message)
	if n := len(helmSecrets(t, "peek")); n != 0 {
		t.Errorf("%d Helm Secrets", n)
	}
	if relExists(t, &appsv1.Deployment{}, relProject, "peek-demo-web") {
		t.Error("a Deployment was created")
	}
	// The object can go although nothing was installed.
	deleteRelease(t, "peek")
}

// Values that fail the chart's values.schema.json install nothing; the
// message names the field.
func TestValuesThatFailTheSchemaInstallNothing(t *testing.T) {
	v := relPublish(t, "schema-app", "0.1.0", "schema-app")
	relCreate(t, newRelease("strict", relOperator, "schema-app", v, "replicaCount: 20\n"))
	ar := relSettled(t, "strict", appv2.PhaseFailed)
	if !strings.Contains(ar.Status.Message, "replicaCount") {
		t.Errorf("message %q does not name replicaCount", ar.Status.Message)
	}
	if c := readyCondition(ar); c == nil || c.Reason != appv2.ReasonInvalidInput {
		t.Errorf("Ready %+v", c)
	}
	t.Logf("status.message: %s", ar.Status.Message)
	if n := len(helmSecrets(t, "strict")); n != 0 {
		t.Errorf("%d Helm Secrets", n)
	}
	list := &appsv1.DeploymentList{}
	if err := relK8s.List(context.Background(), list, client.InNamespace(relProject), client.MatchingLabels{"app.kubernetes.io/instance": "strict"}); err != nil || len(list.Items) != 0 {
		t.Errorf("deployments %d (%v)", len(list.Items), err)
	}

	t.Run("fixed values install", func(t *testing.T) {
		relUpdate(t, "strict", func(ar *appv2.ApplicationRelease) { ar.Spec.Values = "replicaCount: 3\n" })
		ar := relSettled(t, "strict", appv2.PhaseDeployed)
		if ar.Status.Revision != 1 {
			t.Errorf("revision %d", ar.Status.Revision)
		}
		deleteRelease(t, "strict")
	})
}

var relWidgets = schema.GroupVersionKind{Group: "demo.superkube.io", Version: "v1", Kind: "Widget"}

// A chart with a CRD in crds/ and a custom resource of it installs (as a
// cluster administrator: a project operator may not create CRDs) and
// uninstalls its custom resource; the CRD stays, as Helm never deletes the
// CRDs of crds/.
func TestAChartWithACRD(t *testing.T) {
	v := relPublish(t, "crd-app", "0.1.0", "crd-app")
	relCreate(t, newRelease("gadgets", relAdmin, "crd-app", v, ""))
	ar := relSettled(t, "gadgets", appv2.PhaseDeployed)
	w := &unstructured.Unstructured{}
	w.SetGroupVersionKind(relWidgets)
	if !relExists(t, w, relProject, "gadgets-widget") {
		t.Fatalf("no Widget; resources %+v", ar.Status.Resources)
	}
	if c := readyCondition(ar); c == nil || c.Status != metav1.ConditionTrue {
		t.Errorf("Ready %+v (resources %+v)", c, ar.Status.Resources)
	}
	deleteRelease(t, "gadgets")
	if relExists(t, w, relProject, "gadgets-widget") {
		t.Error("the Widget remains")
	}

	t.Run("an operator may not install it", func(t *testing.T) {
		relCreate(t, newRelease("gadgets-op", relOperator, "crd-app", v, ""))
		ar := relSettled(t, "gadgets-op", appv2.PhaseFailed)
		t.Logf("status.message: %s", ar.Status.Message)
		if !strings.Contains(ar.Status.Message, "forbidden") && !strings.Contains(ar.Status.Message, "cannot") {
			t.Errorf("message %q", ar.Status.Message)
		}
		deleteRelease(t, "gadgets-op")
	})
}

// A chart with a pre-install Job hook and a post-install ConfigMap hook:
// the install waits for the Job, then runs the post-install hook; the
// uninstall also deletes the hook objects that their policy left.
func TestAChartWithHooks(t *testing.T) {
	v := relPublish(t, "hooks-app", "0.1.0", "hooks-app")
	relCreate(t, newRelease("hooked", relOperator, "hooks-app", v, ""))
	relEventually(t, 30*time.Second, "Installing while the hook runs", func() error {
		ar, err := getRelease("hooked")
		if err != nil {
			return err
		}
		if ar.Status.Phase != appv2.PhaseInstalling {
			return fmt.Errorf("phase %s", ar.Status.Phase)
		}
		return nil
	})
	completeJob(t, "hooked-pre-install", "")
	ar := relSettled(t, "hooked", appv2.PhaseDeployed)
	if !relExists(t, &corev1.ConfigMap{}, relProject, "hooked-installed") || !relExists(t, &corev1.ConfigMap{}, relProject, "hooked-hooks-app") {
		t.Fatalf("the post-install hook's ConfigMap or the chart's ConfigMap is missing (resources %+v)", ar.Status.Resources)
	}
	deleteRelease(t, "hooked")
	for _, name := range []string{"hooked-installed", "hooked-hooks-app"} {
		if relExists(t, &corev1.ConfigMap{}, relProject, name) {
			t.Errorf("ConfigMap %s remains after the uninstall", name)
		}
	}
	if relExists(t, &batchv1.Job{}, relProject, "hooked-pre-install") {
		t.Error("the hook Job remains")
	}
	if n := len(helmSecrets(t, "hooked")); n != 0 {
		t.Errorf("%d Helm Secrets remain", n)
	}
}

// An install that outlives spec.timeout fails with the timeout in its
// message; it does not stay Installing.
func TestAnInstallPastItsTimeoutFails(t *testing.T) {
	v := relPublish(t, "hooks-app", "0.1.0", "hooks-app")
	ar := newRelease("slow", relOperator, "hooks-app", v, "")
	ar.Spec.Timeout = &metav1.Duration{Duration: 3 * time.Second}
	relCreate(t, ar)
	ar = relSettled(t, "slow", appv2.PhaseFailed)
	t.Logf("status.message: %s", ar.Status.Message)
	if !strings.Contains(ar.Status.Message, "timeout") && !strings.Contains(ar.Status.Message, "deadline") {
		t.Errorf("message %q does not say it timed out", ar.Status.Message)
	}
	secrets := helmSecrets(t, "slow")
	for _, s := range secrets {
		if s.Labels["status"] != "failed" {
			t.Errorf("Helm record %s has status %s, want failed", s.Name, s.Labels["status"])
		}
	}
	deleteRelease(t, "slow")
}

// ke-controller-manager stops (as a crash: nothing more of it reaches the
// cluster) while an install waits for its pre-install hook. The next
// process finds the operation of the dead one, marks Helm's pending
// revision failed and the release Failed (Interrupted), and installs once
// more; that install succeeds.
func TestARestartInTheMiddleOfAnInstall(t *testing.T) {
	v := relPublish(t, "hooks-app", "0.1.0", "hooks-app")
	relCreate(t, newRelease("restarted", relOperator, "hooks-app", v, ""))
	relEventually(t, 30*time.Second, "the install waits for its hook", func() error {
		ar, err := getRelease("restarted")
		if err != nil {
			return err
		}
		if ar.Status.Phase != appv2.PhaseInstalling {
			return fmt.Errorf("phase %s", ar.Status.Phase)
		}
		if s := helmSecrets(t, "restarted"); len(s) != 1 || s[0].Labels["status"] != "pending-install" {
			return fmt.Errorf("helm records %d", len(s))
		}
		return nil
	})
	job := &batchv1.Job{}
	relEventually(t, 30*time.Second, "the hook Job", func() error {
		return relK8s.Get(context.Background(), types.NamespacedName{Namespace: relProject, Name: "restarted-pre-install"}, job)
	})
	first := relManager.holder
	relManager.kill()
	// The dead process left the release Installing and Helm's record pending.
	ar, err := getRelease("restarted")
	if err != nil {
		t.Fatal(err)
	}
	if ar.Status.Phase != appv2.PhaseInstalling || ar.Status.Operation.Holder != first {
		t.Fatalf("after the crash: phase %s operation %+v", ar.Status.Phase, ar.Status.Operation)
	}
	if s := helmSecrets(t, "restarted"); len(s) != 1 || s[0].Labels["status"] != "pending-install" {
		t.Fatalf("after the crash, Helm's records: %d", len(s))
	}

	if relManager, err = relStartProcess("ke-controller-manager-2"); err != nil {
		t.Fatal(err)
	}
	relEventually(t, 60*time.Second, "the interrupted revision is marked failed and the install tried again", func() error {
		for _, s := range helmSecrets(t, "restarted") {
			if s.Labels["version"] == "1" && s.Labels["status"] == "failed" {
				return nil
			}
		}
		return errors.New("revision 1 is not failed")
	})
	completeJob(t, "restarted-pre-install", job.UID)
	ar = relSettled(t, "restarted", appv2.PhaseDeployed)
	op := ar.Status.Operation
	if op.Holder != "ke-controller-manager-2" || op.Attempt != 2 || op.Type != "install" {
		t.Errorf("operation %+v, want the second attempt by the new process", op)
	}
	if len(ar.Status.History) != 2 || ar.Status.History[0].Status != "deployed" || ar.Status.History[1].Status != "failed" ||
		!strings.Contains(ar.Status.History[1].Description, "Interrupted") || !strings.Contains(ar.Status.History[1].Description, first) {
		t.Errorf("history %+v", ar.Status.History)
	}
	t.Logf("revision 1: %s", ar.Status.History[1].Description)
	deleteRelease(t, "restarted")
}

// A version synced from a repository is downloaded from its URL with the
// repository's credentials, and installs only when the archive's sha256 is
// the recorded digest.
func TestAChartFromARepositoryURL(t *testing.T) {
	ctx := context.Background()
	archive := chartArchive(t, "demo-web-1.0.0")
	sum := sha256.Sum256(archive)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != "reader" || p != "s3cret" {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		if r.URL.Path != "/charts/demo-web-1.0.0.tgz" {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write(archive)
	}))
	defer srv.Close()
	for _, o := range []client.Object{
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: appv2.SecretNamespace, Name: "remote-credentials", Labels: map[string]string{appv2.RepositoryLabel: "remote"}},
			Data: map[string][]byte{"username": []byte("reader"), "password": []byte("s3cret")}},
		&appv2.Repository{ObjectMeta: metav1.ObjectMeta{Name: "remote"}, Spec: appv2.RepositorySpec{URL: srv.URL + "/charts", CredentialsSecret: "remote-credentials"}},
		&appv2.ApplicationVersion{ObjectMeta: metav1.ObjectMeta{Name: "remote-demo-web-1-0-0"}, Spec: appv2.ApplicationVersionSpec{
			Application: "remote-demo-web", Version: "1.0.0", State: appv2.StateActive,
			Source: appv2.ChartSource{Repository: "remote", URL: srv.URL + "/charts/demo-web-1.0.0.tgz", Digest: hex.EncodeToString(sum[:])}}},
		&appv2.ApplicationVersion{ObjectMeta: metav1.ObjectMeta{Name: "remote-demo-web-1-0-0-tampered"}, Spec: appv2.ApplicationVersionSpec{
			Application: "remote-demo-web", Version: "1.0.0", State: appv2.StateActive,
			Source: appv2.ChartSource{Repository: "remote", URL: srv.URL + "/charts/demo-web-1.0.0.tgz", Digest: strings.Repeat("0", 64)}}},
	} {
		if err := relK8s.Create(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	relCreate(t, newRelease("remote-web", relOperator, "remote-demo-web", "remote-demo-web-1-0-0", ""))
	ar := relSettled(t, "remote-web", appv2.PhaseDeployed)
	if ar.Status.History[0].Version != "1.0.0" {
		t.Errorf("history %+v", ar.Status.History)
	}
	deleteRelease(t, "remote-web")

	relCreate(t, newRelease("tampered", relOperator, "remote-demo-web", "remote-demo-web-1-0-0-tampered", ""))
	relEventually(t, 30*time.Second, "the tampered archive is refused", func() error {
		ar, err := getRelease("tampered")
		if err != nil {
			return err
		}
		if ar.Status.Phase != appv2.PhaseFailed || !strings.Contains(ar.Status.Message, "not the recorded digest") {
			return fmt.Errorf("phase %s: %s", ar.Status.Phase, ar.Status.Message)
		}
		t.Logf("status.message: %s", ar.Status.Message)
		return nil
	})
	if n := len(helmSecrets(t, "tampered")); n != 0 {
		t.Errorf("%d Helm Secrets", n)
	}
	deleteRelease(t, "tampered")
}

// upgradeHookChart is a chart whose upgrades wait for a pre-upgrade Job.
var upgradeHookChart = map[string]string{
	"Chart.yaml":  "apiVersion: v2\nname: upgrade-hook\nversion: 0.1.0\n",
	"values.yaml": "message: hello\n",
	"templates/configmap.yaml": `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-config
data:
  message: {{ .Values.message | quote }}
`,
	"templates/pre-upgrade-job.yaml": `apiVersion: batch/v1
kind: Job
metadata:
  name: {{ .Release.Name }}-pre-upgrade
  annotations:
    helm.sh/hook: pre-upgrade
    helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: migrate
          image: busybox
          command: ["true"]
`,
}

// ke-controller-manager stops while an upgrade waits for its pre-upgrade
// hook: the next process marks Helm's pending-upgrade revision failed and
// upgrades once more.
func TestARestartInTheMiddleOfAnUpgrade(t *testing.T) {
	dir := t.TempDir()
	for name, content := range upgradeHookChart {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	ctx := context.Background()
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: appv2.SecretNamespace, Name: "appver-upgrade-hook-0-1-0"},
		BinaryData: map[string][]byte{appv2.ChartKey: chartArchive(t, dir)}}
	ver := &appv2.ApplicationVersion{ObjectMeta: metav1.ObjectMeta{Name: "upgrade-hook-0-1-0"}, Spec: appv2.ApplicationVersionSpec{
		Application: "upgrade-hook", Version: "0.1.0", State: appv2.StateActive, Source: appv2.ChartSource{ConfigMap: cm.Name}}}
	for _, o := range []client.Object{cm, ver} {
		if err := relK8s.Create(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	relCreate(t, newRelease("migrating", relOperator, "upgrade-hook", ver.Name, ""))
	relSettled(t, "migrating", appv2.PhaseDeployed)
	relUpdate(t, "migrating", func(ar *appv2.ApplicationRelease) { ar.Spec.Values = "message: bonjour\n" })
	job := &batchv1.Job{}
	relEventually(t, 30*time.Second, "the upgrade waits for its hook", func() error {
		ar, err := getRelease("migrating")
		if err != nil {
			return err
		}
		if ar.Status.Phase != appv2.PhaseUpgrading {
			return fmt.Errorf("phase %s", ar.Status.Phase)
		}
		return relK8s.Get(ctx, types.NamespacedName{Namespace: relProject, Name: "migrating-pre-upgrade"}, job)
	})
	first := relManager.holder
	relManager.kill()
	pending := false
	for _, s := range helmSecrets(t, "migrating") {
		pending = pending || s.Labels["version"] == "2" && s.Labels["status"] == "pending-upgrade"
	}
	if !pending {
		t.Fatal("after the crash, revision 2 is not pending-upgrade")
	}
	var err error
	if relManager, err = relStartProcess("ke-controller-manager-3"); err != nil {
		t.Fatal(err)
	}
	completeJob(t, "migrating-pre-upgrade", job.UID)
	ar := relSettled(t, "migrating", appv2.PhaseDeployed)
	if op := ar.Status.Operation; op.Type != "upgrade" || op.Attempt != 2 || op.Holder != "ke-controller-manager-3" {
		t.Errorf("operation %+v", op)
	}
	h := ar.Status.History
	if len(h) != 3 || h[0].Status != "deployed" || h[1].Status != "failed" || !strings.Contains(h[1].Description, first) || h[2].Status != "superseded" {
		t.Errorf("history %+v", h)
	}
	got := &corev1.ConfigMap{}
	if relExists(t, got, relProject, "migrating-config"); got.Data["message"] != "bonjour" {
		t.Errorf("the ConfigMap says %q after the upgrade", got.Data["message"])
	}
	deleteRelease(t, "migrating")
}

// Deleting a release while it installs stops the install and uninstalls
// what it had made: no Helm record, no hook Job.
func TestDeletingAReleaseInTheMiddleOfItsInstall(t *testing.T) {
	v := relPublish(t, "hooks-app", "0.1.0", "hooks-app")
	relCreate(t, newRelease("abandoned", relOperator, "hooks-app", v, ""))
	relEventually(t, 30*time.Second, "the install waits for its hook", func() error {
		if !relExists(t, &batchv1.Job{}, relProject, "abandoned-pre-install") {
			return errors.New("no hook Job yet")
		}
		return nil
	})
	deleteRelease(t, "abandoned")
	if n := len(helmSecrets(t, "abandoned")); n != 0 {
		t.Errorf("%d Helm Secrets remain", n)
	}
	relEventually(t, 30*time.Second, "the hook Job is deleted", func() error {
		j := &batchv1.Job{}
		if relExists(t, j, relProject, "abandoned-pre-install") && j.DeletionTimestamp == nil {
			return errors.New("the hook Job remains")
		}
		return nil
	})
}
