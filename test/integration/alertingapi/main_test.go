// Package alertingapi tests the alerting API end to end: ke-apiserver on a
// real kube-apiserver and etcd, with ke-controller-manager's reconcilers
// (the built-in roles), reading a real Prometheus (Debian's) that
// evaluates alerting rules shaped as the rules package compiles them (the
// labels rule_level, rule_group, rule_namespace) over synthetic series,
// and a real Alertmanager that Prometheus sends its firing alerts to and
// that keeps the silences.
package alertingapi

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	"github.com/superkube/super-kubenetes/internal/alerting/amconfig"
	"github.com/superkube/super-kubenetes/internal/apiserver/app"
	"github.com/superkube/super-kubenetes/internal/oauth"
	"github.com/superkube/super-kubenetes/internal/scheme"
	"github.com/superkube/super-kubenetes/internal/testutil/alertmanager"
	"github.com/superkube/super-kubenetes/internal/testutil/envtest"
	"github.com/superkube/super-kubenetes/internal/testutil/platform"
	"github.com/superkube/super-kubenetes/internal/testutil/prometheus"
)

const (
	consoleSecret = "console-secret-for-tests"
	password      = "Test-Passw0rd!"
	prefix        = "/kapis/alerting.superkube.io/v2beta1"
)

var (
	// restCfg is kube-apiserver's administrator, who may impersonate.
	restCfg *rest.Config
	api     *platform.Client
	k8s     client.Client
	prom    *prometheus.Server
	am      *alertmanager.Server
)

// The users: a project administrator and a project viewer of wsa-dev, a
// cluster viewer, and someone with no role.
const (
	projectAdmin  = "padmin"
	projectViewer = "pviewer"
	clusterViewer = "cviewer"
	nobody        = "nobody"
)

// rules are shaped as the rules package compiles them: every alert carries
// rule_level, rule_group and severity, a project's also rule_namespace
// and its namespace. Each project has a firing rule and a pending one.
const rules = `groups:
  - name: project/wsa-dev/g1
    rules:
      - alert: HighValue
        expr: demo_value{namespace="wsa-dev"} > 1
        labels: {rule_level: project, rule_group: g1, rule_namespace: wsa-dev, severity: warning}
        annotations: {summary: "value {{ $value }}"}
      - alert: SlowValue
        expr: demo_value{namespace="wsa-dev"} > 1
        for: 1h
        labels: {rule_level: project, rule_group: g1, rule_namespace: wsa-dev, severity: info}
  - name: project/wsb-app/g1
    rules:
      - alert: HighValue
        expr: demo_value{namespace="wsb-app"} > 1
        labels: {rule_level: project, rule_group: g1, rule_namespace: wsb-app, severity: critical}
  - name: cluster/c1
    rules:
      - alert: NodeThing
        expr: demo_node_value > 1
        labels: {rule_level: cluster, rule_group: c1, severity: warning}
  - name: global/g1
    rules:
      - alert: PlatformThing
        expr: demo_node_value > 1
        labels: {rule_level: global, rule_group: g1, severity: critical}
`

func TestMain(m *testing.M) {
	code, err := run(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		code = 1
	}
	os.Exit(code)
}

func run(m *testing.M) (int, error) {
	ctrl.SetLogger(logr.Discard())
	dir, err := os.MkdirTemp("", "alertingapi-test-")
	if err != nil {
		return 1, err
	}
	defer os.RemoveAll(dir)
	env, err := envtest.Start(envtest.Options{})
	if err != nil {
		return 1, err
	}
	defer env.Stop()
	if k8s, err = client.New(env.Config, client.Options{Scheme: scheme.New()}); err != nil {
		return 1, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := platform.StartControllers(ctx, env.Config); err != nil {
		return 1, err
	}
	if err := createWorld(ctx); err != nil {
		return 1, err
	}

	if am, err = alertmanager.Start(&amconfig.Config{Route: amconfig.Route{Receiver: "null"}, Receivers: []amconfig.Receiver{{Name: "null"}}}); err != nil {
		return 1, err
	}
	defer am.Stop()
	exp := prometheus.NewExporter()
	defer exp.Close()
	exp.Set("/metrics", []prometheus.Series{
		{Name: "demo_value", Labels: map[string]string{"namespace": "wsa-dev", "pod": "web-0"}, Value: 5},
		{Name: "demo_value", Labels: map[string]string{"namespace": "wsa-prod", "pod": "api-0"}, Value: 0},
		{Name: "demo_value", Labels: map[string]string{"namespace": "wsb-app", "pod": "app-0"}, Value: 7},
		{Name: "demo_node_value", Labels: map[string]string{"node": "n1"}, Value: 3},
	})
	ruleFile := filepath.Join(dir, "rules.yml")
	if err := os.WriteFile(ruleFile, []byte(rules), 0o600); err != nil {
		return 1, err
	}
	if prom, err = prometheus.Start(prometheus.Options{Jobs: map[string]string{"demo": exp.URL("/metrics")},
		RuleFiles: []string{ruleFile}, Alertmanagers: []string{am.Addr()}}); err != nil {
		return 1, err
	}
	defer prom.Stop()

	apiServer, err := platform.Listen(dir)
	if err != nil {
		return 1, err
	}
	cfg := apiServer.Config(env.Config)
	cfg.OAuthClients = []oauth.Client{{ID: app.ConsoleClientID, Secret: consoleSecret, Trusted: true, RedirectURIs: []string{"https://console.test/oauth/callback"}}}
	cfg.Monitoring.PrometheusURL = prom.URL
	cfg.Alerting.AlertmanagerURL = am.URL
	_, stop, err := apiServer.Start(ctx, cfg, env.Config)
	if err != nil {
		return 1, err
	}
	defer stop()
	// kube-apiserver asks ke-apiserver's webhook about every write, the
	// rule groups' among them, as in a real installation.
	if err := apiServer.RegisterAdmission(ctx, k8s, cfg); err != nil {
		return 1, err
	}
	restCfg = env.Config
	tlsCfg, err := apiServer.TLSConfig()
	if err != nil {
		return 1, err
	}
	api = &platform.Client{URL: apiServer.URL, HTTP: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: tlsCfg}},
		K8s: k8s, ConsoleSecret: consoleSecret, Password: password}
	// The firing alerts reach Alertmanager after the first evaluations.
	if err := prom.WaitFor(ctx, `ALERTS{alertstate="firing"}`, 4, time.Minute); err != nil {
		return 1, err
	}
	return m.Run(), nil
}

// createWorld: workspaces wsa (wsa-dev, wsa-prod) and wsb (wsb-app); the
// project administrator and viewer of wsa-dev; a cluster viewer.
func createWorld(ctx context.Context) error {
	objs := []client.Object{
		&tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: "wsa"}},
		&tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: "wsb"}},
	}
	for ns, ws := range map[string]string{"wsa-dev": "wsa", "wsa-prod": "wsa", "wsb-app": "wsb"} {
		objs = append(objs, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: map[string]string{tenantv1beta1.WorkspaceLabel: ws}}})
	}
	binding := func(user, role string) *rbacv1.RoleBinding {
		return &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: "wsa-dev", Name: user + "-" + role, Labels: map[string]string{iamv1beta1.UserRefLabel: user}},
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: role},
			Subjects: []rbacv1.Subject{{Kind: "User", APIGroup: rbacv1.GroupName, Name: user}}}
	}
	objs = append(objs,
		&rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: clusterViewer + "-cluster-viewer", Labels: map[string]string{iamv1beta1.UserRefLabel: clusterViewer}},
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "cluster-viewer"},
			Subjects: []rbacv1.Subject{{Kind: "User", APIGroup: rbacv1.GroupName, Name: clusterViewer}}},
		binding(projectAdmin, "admin"), binding(projectViewer, "viewer"),
	)
	for _, o := range objs {
		if err := k8s.Create(ctx, o); err != nil {
			return fmt.Errorf("creating %s: %w", o.GetName(), err)
		}
	}
	return nil
}
