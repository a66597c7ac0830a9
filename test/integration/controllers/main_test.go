// Package controllers tests ke-controller-manager's reconcilers against a
// real kube-apiserver and etcd (with kube-controller-manager's garbage
// collector and namespace controllers), asserting the resulting objects and
// what kube-apiserver itself then allows.
package controllers

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/go-logr/logr"
	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/klog/v2/textlogger"
	clocktesting "k8s.io/utils/clock/testing"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	"github.com/superkube/super-kubenetes/internal/controllermanager/app"
	"github.com/superkube/super-kubenetes/internal/scheme"
	"github.com/superkube/super-kubenetes/internal/testutil/envtest"
	"github.com/superkube/super-kubenetes/internal/testutil/loopback"
)

var (
	env   *envtest.Environment
	k8s   client.Client // the admin's client, with the platform's scheme
	clock = clocktesting.NewFakeClock(time.Now())
	cfg   app.Config
)

const (
	maxFailures = 3
	window      = 10 * time.Minute
	maxRecords  = 4
	maxAge      = 24 * time.Hour
)

func TestMain(m *testing.M) {
	e, err := envtest.Start(envtest.Options{ControllerManager: true})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	env = e
	code := run(m)
	_ = e.Stop()
	os.Exit(code)
}

func run(m *testing.M) int {
	// Controller logs go to stderr at the verbosity of TEST_LOG_V (off by default).
	v, _ := strconv.Atoi(os.Getenv("TEST_LOG_V"))
	logger := logr.Discard()
	if os.Getenv("TEST_LOG_V") != "" {
		logger = textlogger.NewLogger(textlogger.NewConfig(textlogger.Verbosity(v)))
	}
	ctrl.SetLogger(logger)
	var err error
	if k8s, err = client.New(env.Config, client.Options{Scheme: scheme.New()}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	cfg = app.DefaultConfig()
	cfg.MetricsBindAddress, cfg.HealthProbeBindAddress = "0", "0"
	// The object-state metrics of the manager under test (see statemetrics_test.go).
	if cfg.StateMetricsBindAddress, err = loopback.FreeAddress(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	cfg.LeaderElection.Enabled = false
	cfg.Authentication.BcryptCost = 4
	cfg.Authentication.MaxFailedLogins = maxFailures
	cfg.Authentication.LockoutWindow = metav1.Duration{Duration: window}
	cfg.LoginRecords.MaxPerUser = maxRecords
	cfg.LoginRecords.MaxAge = metav1.Duration{Duration: maxAge}
	completed, err := cfg.Complete(env.Config)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	mgr, boot, err := app.NewManager(completed, app.ManagerOptions{Clock: clock})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	ctx, cancel := context.WithCancel(ctrl.LoggerInto(context.Background(), ctrl.Log))
	defer cancel()
	go func() {
		if err := mgr.Start(ctx); err != nil {
			fmt.Fprintln(os.Stderr, "manager:", err)
		}
	}()
	if err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, time.Minute, true, func(context.Context) (bool, error) {
		return boot.Completed(), nil
	}); err != nil {
		fmt.Fprintln(os.Stderr, "bootstrap did not complete:", err)
		return 1
	}
	return m.Run()
}

// eventually retries check until it returns nil or 30 seconds pass.
func eventually(t *testing.T, what string, check func() error) {
	t.Helper()
	var last error
	err := wait.PollUntilContextTimeout(context.Background(), 50*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
		last = check()
		return last == nil, nil
	})
	if err != nil {
		t.Fatalf("%s: %v", what, last)
	}
}

func get(obj client.Object, name string) error {
	return k8s.Get(context.Background(), types.NamespacedName{Name: name, Namespace: obj.GetNamespace()}, obj)
}

func create(t *testing.T, obj client.Object) {
	t.Helper()
	if err := k8s.Create(context.Background(), obj); err != nil {
		t.Fatalf("creating %T %s: %v", obj, obj.GetName(), err)
	}
}

// Builders.

func newUser(name string) *iamv1beta1.User {
	return &iamv1beta1.User{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: iamv1beta1.UserSpec{Email: name + "@example.com"}}
}

func newWorkspace(name, manager string) *tenantv1beta1.Workspace {
	return &tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: tenantv1beta1.WorkspaceSpec{Manager: manager}}
}

func newProject(name, workspace, creator string) *corev1.Namespace {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{tenantv1beta1.WorkspaceLabel: workspace}}}
	if creator != "" {
		ns.Annotations = map[string]string{tenantv1beta1.CreatorAnnotation: creator}
	}
	return ns
}

func newWorkspaceMember(workspace, user, role string) *iamv1beta1.WorkspaceRoleBinding {
	return &iamv1beta1.WorkspaceRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: user + "-" + workspace + "-" + role, Labels: map[string]string{
			tenantv1beta1.WorkspaceLabel: workspace, iamv1beta1.UserRefLabel: user}},
		RoleRef:  iamv1beta1.RoleRef{APIGroup: iamv1beta1.GroupName, Kind: "WorkspaceRole", Name: workspace + "-" + role},
		Subjects: []iamv1beta1.Subject{{Kind: "User", APIGroup: "rbac.authorization.k8s.io", Name: user}},
	}
}

// access asks kube-apiserver whether user may do verb on resource.
type access struct {
	user, verb, group, resource, namespace, name string
}

func allowed(t *testing.T, a access) bool {
	t.Helper()
	sar := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
		User: a.user,
		ResourceAttributes: &authorizationv1.ResourceAttributes{
			Verb: a.verb, Group: a.group, Resource: a.resource, Namespace: a.namespace, Name: a.name,
		},
	}}
	if err := k8s.Create(context.Background(), sar); err != nil {
		t.Fatalf("SubjectAccessReview: %v", err)
	}
	return sar.Status.Allowed
}

// expectAccess waits until kube-apiserver's answer is want (mirrors arrive
// asynchronously) and fails otherwise.
func expectAccess(t *testing.T, a access, want bool) {
	t.Helper()
	eventually(t, fmt.Sprintf("%s %s %s/%s in %q allowed=%v", a.user, a.verb, a.group, a.resource, a.namespace, want), func() error {
		if got := allowed(t, a); got != want {
			return fmt.Errorf("kube-apiserver says allowed=%v", got)
		}
		return nil
	})
}
