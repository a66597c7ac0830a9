// Package network tests tenant network isolation against a real
// kube-apiserver and etcd (with kube-controller-manager's garbage
// collector): ke-controller-manager generates, repairs and removes the
// NetworkPolicies of isolated workspaces and projects, kube-apiserver
// refuses bad NetworkIsolation objects (straight, with kubectl and through
// ke-apiserver's proxy as the user), and the generated policies are checked
// with a NetworkPolicy evaluator over a matrix of pod pairs (the test
// cluster has no data path).
package network

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/klog/v2/textlogger"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	networkv1alpha1 "github.com/superkube/super-kubenetes/api/network/v1alpha1"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	apiapp "github.com/superkube/super-kubenetes/internal/apiserver/app"
	cmapp "github.com/superkube/super-kubenetes/internal/controllermanager/app"
	"github.com/superkube/super-kubenetes/internal/oauth"
	"github.com/superkube/super-kubenetes/internal/scheme"
	"github.com/superkube/super-kubenetes/internal/testutil/envtest"
	"github.com/superkube/super-kubenetes/internal/testutil/platform"
)

var (
	env *envtest.Environment
	k8s client.Client // the admin's client, straight at kube-apiserver
	cfg cmapp.Config
	api *platform.Client // ke-apiserver, as a user
)

const (
	consoleSecret = "console-secret-for-tests"
	password      = "Test-Passw0rd!"
)

// The system namespaces the manager under test is configured with.
const (
	dnsNS        = "kube-system"
	ingressNS    = "ingress-system"
	monitoringNS = "monitoring-system"
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
	cfg = cmapp.DefaultConfig()
	cfg.MetricsBindAddress, cfg.HealthProbeBindAddress, cfg.StateMetricsBindAddress = "0", "0", "0"
	cfg.LeaderElection.Enabled = false
	cfg.Authentication.BcryptCost = 4
	cfg.NetworkIsolation = cmapp.NetworkIsolation{DNSNamespace: dnsNS, IngressNamespace: ingressNS, MonitoringNamespace: monitoringNS}
	completed, err := cfg.Complete(env.Config)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	mgr, boot, err := cmapp.NewManager(completed, cmapp.ManagerOptions{})
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
	if err := startAPIServer(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "ke-apiserver:", err)
		return 1
	}
	return m.Run()
}

// startAPIServer serves ke-apiserver until ctx ends, for the tests that go
// through its Kubernetes proxy as a user.
func startAPIServer(ctx context.Context) error {
	dir, err := os.MkdirTemp("", "network-test-")
	if err != nil {
		return err
	}
	context.AfterFunc(ctx, func() { _ = os.RemoveAll(dir) })
	srv, err := platform.Listen(dir)
	if err != nil {
		return err
	}
	acfg := srv.Config(env.Config)
	acfg.OAuthClients = []oauth.Client{{ID: apiapp.ConsoleClientID, Secret: consoleSecret, Trusted: true, RedirectURIs: []string{"https://console.test/oauth/callback"}}}
	if _, _, err := srv.Start(ctx, acfg, env.Config); err != nil {
		return err
	}
	tlsCfg, err := srv.TLSConfig()
	if err != nil {
		return err
	}
	api = &platform.Client{URL: srv.URL, HTTP: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: tlsCfg}},
		K8s: k8s, ConsoleSecret: consoleSecret, Password: password}
	return nil
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

func create(t *testing.T, obj client.Object) {
	t.Helper()
	if err := k8s.Create(context.Background(), obj); err != nil {
		t.Fatalf("creating %T %s: %v", obj, obj.GetName(), err)
	}
}

// update reads obj again and applies change until the update goes through.
func update[T client.Object](t *testing.T, obj T, change func(T)) {
	t.Helper()
	eventually(t, "updating "+obj.GetName(), func() error {
		if err := k8s.Get(context.Background(), client.ObjectKeyFromObject(obj), obj); err != nil {
			return err
		}
		change(obj)
		return k8s.Update(context.Background(), obj)
	})
}

func newWorkspace(name string, isolated bool) *tenantv1beta1.Workspace {
	return &tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: tenantv1beta1.WorkspaceSpec{NetworkIsolation: isolated}}
}

// newNamespace makes a namespace, a project of workspace when it is set.
func newNamespace(name, workspace string) *corev1.Namespace {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if workspace != "" {
		ns.Labels = map[string]string{tenantv1beta1.WorkspaceLabel: workspace}
	}
	return ns
}

func newIsolation(ns string, enabled bool, sources ...networkv1alpha1.AllowedSource) *networkv1alpha1.NetworkIsolation {
	return &networkv1alpha1.NetworkIsolation{ObjectMeta: metav1.ObjectMeta{Name: networkv1alpha1.SingletonName, Namespace: ns},
		Spec: networkv1alpha1.NetworkIsolationSpec{Enabled: enabled, AllowedSources: sources}}
}

// handWritten is a policy someone wrote by hand in ns.
func handWritten(ns, name string) *networkingv1.NetworkPolicy {
	return &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: map[string]string{"team": "web"}},
		Spec: networkingv1.NetworkPolicySpec{PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{"app": "db"}},
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}}}
}

// policyNames lists the names of ns's NetworkPolicies, read from
// kube-apiserver.
func policyNames(t *testing.T, ns string) []string {
	t.Helper()
	list := &networkingv1.NetworkPolicyList{}
	if err := k8s.List(context.Background(), list, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	names := make([]string, 0, len(list.Items))
	for _, p := range list.Items {
		names = append(names, p.Name)
	}
	return names
}

// expectPolicies waits until ns's policies are exactly names (in any order).
func expectPolicies(t *testing.T, ns string, names ...string) {
	t.Helper()
	eventually(t, fmt.Sprintf("policies of %s are %v", ns, names), func() error {
		got := policyNames(t, ns)
		if len(got) != len(names) {
			return fmt.Errorf("got %v", got)
		}
		want := map[string]bool{}
		for _, n := range names {
			want[n] = true
		}
		for _, n := range got {
			if !want[n] {
				return fmt.Errorf("got %v", got)
			}
		}
		return nil
	})
}
