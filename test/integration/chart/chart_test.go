// Package chart installs the Helm chart (charts/super-kubenetes) with the
// Helm SDK into a real kube-apiserver and etcd, which validates every object
// it makes, and checks how the components are wired together: ke-console
// registered at ke-apiserver with one generated client secret that an
// upgrade keeps, the Redis the chart deploys (or the external one it is
// given) behind both, the log store and its agents (or the external store),
// and clear refusals of bad values.
package chart

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/pflag"
	"helm.sh/helm/v4/pkg/action"
	chart "helm.sh/helm/v4/pkg/chart/v2"
	"helm.sh/helm/v4/pkg/kube"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/yaml"

	"github.com/superkube/super-kubenetes/internal/admission"
	"github.com/superkube/super-kubenetes/internal/apiserver/app"
	consoleapp "github.com/superkube/super-kubenetes/internal/console/app"
	"github.com/superkube/super-kubenetes/internal/testutil/envtest"
	"github.com/superkube/super-kubenetes/internal/testutil/helmtest"
)

var env *envtest.Environment

func TestMain(m *testing.M) { envtest.Run(m, &env, envtest.Options{}) }

// helm is one release in its own namespace (cluster-wide objects carry the
// release's name, so each test has its own).
type helm struct {
	t         *testing.T
	chart     *chart.Chart
	cfg       *action.Configuration
	namespace string
	release   string
}

func newHelm(t *testing.T, namespace, release string) *helm {
	t.Helper()
	kc, err := env.AdminKubeconfig()
	if err != nil {
		t.Fatal(err)
	}
	ch, cfg := helmtest.Chart(t), helmtest.ConfigurationFor(t, kc, namespace)
	if err := env.Client.Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: namespace}}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	return &helm{t: t, chart: ch, cfg: cfg, namespace: namespace, release: release}
}

func (h *helm) install(vals map[string]any) error {
	i := action.NewInstall(h.cfg)
	i.ReleaseName, i.Namespace = h.release, h.namespace
	i.WaitStrategy = kube.HookOnlyStrategy // envtest runs no pods: nothing to wait for
	_, err := i.Run(h.chart, vals)
	return err
}

func (h *helm) upgrade(vals map[string]any) error {
	u := action.NewUpgrade(h.cfg)
	u.Namespace = h.namespace
	u.WaitStrategy = kube.HookOnlyStrategy
	_, err := u.Run(h.release, h.chart, vals)
	return err
}

func (h *helm) deployment(component string) *appsv1.Deployment {
	h.t.Helper()
	d := &appsv1.Deployment{}
	if err := env.Client.Get(context.Background(), types.NamespacedName{Namespace: h.namespace, Name: h.name(component)}, d); err != nil {
		h.t.Fatalf("deployment %s: %v", component, err)
	}
	return d
}

// name is a component's object name: <release>-super-kubenetes-<component>.
func (h *helm) name(component string) string { return h.release + "-super-kubenetes-" + component }

func (h *helm) secret(name string) map[string][]byte {
	h.t.Helper()
	s := &corev1.Secret{}
	if err := env.Client.Get(context.Background(), types.NamespacedName{Namespace: h.namespace, Name: name}, s); err != nil {
		h.t.Fatalf("secret %s: %v", name, err)
	}
	return s.Data
}

func (h *helm) serviceExists(name string) bool {
	h.t.Helper()
	err := env.Client.Get(context.Background(), types.NamespacedName{Namespace: h.namespace, Name: name}, &corev1.Service{})
	if err != nil && !apierrors.IsNotFound(err) {
		h.t.Fatal(err)
	}
	return err == nil
}

// arg returns the value of --name in a container's arguments.
func arg(c corev1.Container, name string) (string, bool) {
	for _, a := range c.Args {
		if v, ok := strings.CutPrefix(a, "--"+name+"="); ok {
			return v, true
		}
	}
	return "", false
}

// consoleAccepts parses ke-console's arguments as ke-console does and
// validates the configuration they make.
func consoleAccepts(t *testing.T, c corev1.Container) consoleapp.Config {
	t.Helper()
	o := consoleapp.NewOptions()
	fs := pflag.NewFlagSet("ke-console", pflag.ContinueOnError)
	o.AddFlags(fs)
	if err := fs.Parse(c.Args); err != nil {
		t.Fatalf("ke-console refuses the chart's arguments %v: %v", c.Args, err)
	}
	completed, err := o.Complete()
	if err != nil {
		t.Fatalf("ke-console refuses the configuration the chart's arguments make: %v", err)
	}
	return completed.Config
}

func mountedSecret(d *appsv1.Deployment, mountPath string) string {
	pod := d.Spec.Template.Spec
	for _, m := range pod.Containers[0].VolumeMounts {
		if m.MountPath != mountPath {
			continue
		}
		for _, v := range pod.Volumes {
			if v.Name == m.Name && v.Secret != nil {
				return v.Secret.SecretName
			}
		}
	}
	return ""
}

func TestTheChartInstallsTheConsoleRegisteredAtTheAPIServer(t *testing.T) {
	h := newHelm(t, "superkube-system", "sk")
	vals := map[string]any{
		"apiserver": map[string]any{"issuer": "https://ke.example.com"},
		"console":   map[string]any{"publicURL": "https://console.example.com/"},
	}
	if err := h.install(vals); err != nil {
		t.Fatalf("helm install: %v", err)
	}

	console := h.deployment("console")
	c := console.Spec.Template.Spec.Containers[0]
	for name, want := range map[string]string{
		"public-url":           "https://console.example.com",
		"base-path":            "/",
		"apiserver-url":        "https://" + h.name("apiserver") + ".superkube-system.svc:443",
		"apiserver-public-url": "https://ke.example.com",
		"apiserver-ca-file":    "/etc/ke-console/apiserver-ca/ca.crt",
		"client-secret-file":   "/etc/ke-console/client/client-secret",
	} {
		if got, _ := arg(c, name); got != want {
			t.Errorf("ke-console --%s = %q, want %q", name, got, want)
		}
	}
	if cfg := consoleAccepts(t, c); cfg.BindAddress != ":8443" || cfg.PublicURL != "https://console.example.com" {
		t.Errorf("ke-console would serve %s as %s", cfg.BindAddress, cfg.PublicURL)
	}
	// By default the chart deploys Redis: two replicas share the sessions
	// (before, without a Redis URL, ke-console ran one replica with sessions
	// in memory, which a restart lost).
	if got, _ := arg(c, "redis-url"); got != "$(REDIS_URL)" || *console.Spec.Replicas != 2 {
		t.Errorf("ke-console runs %d replicas with --redis-url=%q, want 2 with the chart's Redis", *console.Spec.Replicas, got)
	}
	if console.Spec.Template.Spec.AutomountServiceAccountToken == nil || *console.Spec.Template.Spec.AutomountServiceAccountToken {
		t.Error("ke-console needs no Kubernetes token, but one is mounted")
	}
	if got := mountedSecret(console, "/etc/ke-console/apiserver-ca"); got != h.name("apiserver-tls") {
		t.Errorf("ke-console trusts ke-apiserver's CA from %q", got)
	}

	apiserver := h.deployment("apiserver")
	a := apiserver.Spec.Template.Spec.Containers[0]
	if got, _ := arg(a, "console-url"); got != "https://console.example.com" {
		t.Errorf("ke-apiserver --console-url = %q", got)
	}
	if got, _ := arg(a, "console-client-secret-file"); got != "/etc/ke-apiserver/console-client/client-secret" {
		t.Errorf("ke-apiserver --console-client-secret-file = %q", got)
	}
	clientSecret := h.name("console-client")
	if got := mountedSecret(apiserver, "/etc/ke-apiserver/console-client"); got != clientSecret {
		t.Errorf("ke-apiserver reads the console's client secret from %q", got)
	}
	if got := mountedSecret(console, "/etc/ke-console/client"); got != clientSecret {
		t.Errorf("ke-console reads its client secret from %q", got)
	}
	first := h.secret(clientSecret)["client-secret"]
	if len(first) != 48 {
		t.Fatalf("the generated client secret has %d characters, want 48", len(first))
	}
	signingKey := h.secret(h.name("apiserver-signing-key"))["signing.key"]

	// An upgrade keeps the client secret and the signing key.
	vals["console"].(map[string]any)["title"] = "Acme: platform #1"
	if err := h.upgrade(vals); err != nil {
		t.Fatalf("helm upgrade: %v", err)
	}
	if got := h.secret(clientSecret)["client-secret"]; string(got) != string(first) {
		t.Error("an upgrade changed the console's client secret")
	}
	if got := h.secret(h.name("apiserver-signing-key"))["signing.key"]; string(got) != string(signingKey) {
		t.Error("an upgrade changed the token signing key")
	}
	if got, _ := arg(h.deployment("console").Spec.Template.Spec.Containers[0], "title"); got != "Acme: platform #1" {
		t.Errorf("after the upgrade ke-console --title = %q", got)
	}
}

func TestTheConsoleRunsSeveralReplicasWithRedisUnderABasePathWithItsOwnClientSecret(t *testing.T) {
	h := newHelm(t, "sk-redis", "skr")
	if err := h.install(map[string]any{
		"redis": map[string]any{"url": "redis://:secret@redis:6379/0"},
		"console": map[string]any{
			"clientSecret": map[string]any{"existingSecret": "gitops-console-client"},
			"basePath":     "console",
			"ingress":      map[string]any{"enabled": true, "hosts": []any{"example.com"}},
		},
	}); err != nil {
		t.Fatalf("helm install: %v", err)
	}
	d := h.deployment("console")
	c := d.Spec.Template.Spec.Containers[0]
	if *d.Spec.Replicas != 2 {
		t.Errorf("with Redis ke-console runs %d replicas, want 2", *d.Spec.Replicas)
	}
	if got, _ := arg(c, "redis-url"); got != "$(REDIS_URL)" {
		t.Errorf("--redis-url = %q, want the URL from the environment", got)
	}
	if !slices.ContainsFunc(c.Env, func(e corev1.EnvVar) bool {
		return e.Name == "REDIS_URL" && e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil && e.ValueFrom.SecretKeyRef.Name == h.release+"-super-kubenetes-redis"
	}) {
		t.Errorf("REDIS_URL does not come from the Redis Secret: %+v", c.Env)
	}
	if cfg := consoleAccepts(t, c); cfg.BasePath != "/console/" {
		t.Errorf("ke-console would live under %q", cfg.BasePath)
	}
	for name, want := range map[string]string{"public-url": "https://example.com/console", "base-path": "/console/"} {
		if got, _ := arg(c, name); got != want {
			t.Errorf("--%s = %q, want %q", name, got, want)
		}
	}
	if got, _ := arg(h.deployment("apiserver").Spec.Template.Spec.Containers[0], "console-url"); got != "https://example.com/console" {
		t.Errorf("ke-apiserver --console-url = %q", got)
	}
	for d, path := range map[*appsv1.Deployment]string{h.deployment("console"): "/etc/ke-console/client", h.deployment("apiserver"): "/etc/ke-apiserver/console-client"} {
		if got := mountedSecret(d, path); got != "gitops-console-client" {
			t.Errorf("%s reads the client secret from %q, want the existing Secret", d.Name, got)
		}
	}
	err := env.Client.Get(context.Background(), types.NamespacedName{Namespace: h.namespace, Name: h.name("console-client")}, &corev1.Secret{})
	if !apierrors.IsNotFound(err) {
		t.Errorf("the chart generated a client secret beside the existing one (err %v)", err)
	}
	if !h.serviceExists(h.name("console")) {
		t.Error("no Service for the console")
	}
}

func TestTheChartWithoutTheConsole(t *testing.T) {
	h := newHelm(t, "sk-headless", "skh")
	if err := h.install(map[string]any{"console": map[string]any{"enabled": false}}); err != nil {
		t.Fatalf("helm install: %v", err)
	}
	if _, ok := arg(h.deployment("apiserver").Spec.Template.Spec.Containers[0], "console-url"); ok {
		t.Error("ke-apiserver registers a console that is not installed")
	}
	d := &appsv1.Deployment{}
	if err := env.Client.Get(context.Background(), types.NamespacedName{Namespace: h.namespace, Name: h.name("console")}, d); !apierrors.IsNotFound(err) {
		t.Errorf("console.enabled=false still made the console's Deployment (err %v)", err)
	}
}

func TestBadConsoleValuesAreRefusedClearly(t *testing.T) {
	h := newHelm(t, "sk-bad", "skb")
	for _, tc := range []struct {
		console map[string]any
		want    string
	}{
		{map[string]any{"publicURL": "http://console.example.com"}, "console.publicURL must be an https URL"},
		{map[string]any{"basePath": "/a b/"}, "console.basePath must be a path of plain segments"},
		{map[string]any{"ingress": map[string]any{"enabled": true}}, "console.ingress.hosts must name at least one host"},
	} {
		err := h.install(map[string]any{"console": tc.console})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("values %v: error %v, want one saying %q", tc.console, err, tc.want)
		}
	}
}

func TestTheChartRegistersTheAdmissionWebhookAsKeAPIServerDescribesIt(t *testing.T) {
	h := newHelm(t, "sk-admission", "ska")
	if err := h.install(map[string]any{"apiserver": map[string]any{"issuer": "https://ke.example.com"}}); err != nil {
		t.Fatalf("helm install: %v", err)
	}
	ctx := context.Background()
	got := &admissionregistrationv1.ValidatingWebhookConfiguration{}
	if err := env.Client.Get(ctx, types.NamespacedName{Name: h.name("apiserver")}, got); err != nil {
		t.Fatalf("the ValidatingWebhookConfiguration: %v", err)
	}
	// ke-apiserver's configuration names the same exempt components.
	cm := &corev1.ConfigMap{}
	if err := env.Client.Get(ctx, types.NamespacedName{Namespace: h.namespace, Name: h.name("apiserver")}, cm); err != nil {
		t.Fatal(err)
	}
	cfg := app.DefaultConfig()
	if err := yaml.UnmarshalStrict([]byte(cm.Data["config.yaml"]), &cfg); err != nil {
		t.Fatalf("ke-apiserver's configuration: %v", err)
	}
	sa := func(c string) string { return "system:serviceaccount:" + h.namespace + ":" + h.name(c) }
	if !slices.Equal(cfg.Admission.ExemptUsers, []string{sa("controller-manager"), sa("apiserver")}) {
		t.Errorf("ke-apiserver exempts %v", cfg.Admission.ExemptUsers)
	}
	ca := h.secret(h.name("apiserver-tls"))["ca.crt"]
	port := int32(443)
	path := admission.Path
	want := admission.Configuration(admissionregistrationv1.WebhookClientConfig{
		Service:  &admissionregistrationv1.ServiceReference{Namespace: h.namespace, Name: h.name("apiserver"), Path: &path, Port: &port},
		CABundle: ca,
	}, admission.Exemptions{Users: cfg.Admission.ExemptUsers})
	if len(got.Webhooks) != len(want.Webhooks) {
		t.Fatalf("%d webhooks, want %d", len(got.Webhooks), len(want.Webhooks))
	}
	for i := range want.Webhooks {
		if diff := cmp.Diff(want.Webhooks[i], got.Webhooks[i]); diff != "" {
			t.Errorf("webhook %s differs from ke-apiserver's (-want +got):\n%s", want.Webhooks[i].Name, diff)
		}
	}
	if err := h.upgrade(map[string]any{"apiserver": map[string]any{"issuer": "https://ke.example.com", "admission": map[string]any{"enabled": false}}}); err != nil {
		t.Fatalf("helm upgrade: %v", err)
	}
	if err := env.Client.Get(ctx, types.NamespacedName{Name: h.name("apiserver")}, got); !apierrors.IsNotFound(err) {
		t.Fatalf("admission.enabled=false keeps the webhook: %v", err)
	}
}

// The users' password hashes live in Secrets of the release namespace:
// both components may read and write Secrets there, and neither may change
// Secrets in any other namespace.
func TestTheComponentsWriteSecretsOnlyInTheReleaseNamespace(t *testing.T) {
	h := newHelm(t, "sk-secrets", "sks")
	if err := h.install(map[string]any{"apiserver": map[string]any{"issuer": "https://ke.example.com"}}); err != nil {
		t.Fatalf("helm install: %v", err)
	}
	may := func(component, verb, namespace string) bool {
		t.Helper()
		sar := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
			User:               "system:serviceaccount:" + h.namespace + ":" + h.name(component),
			ResourceAttributes: &authorizationv1.ResourceAttributes{Verb: verb, Resource: "secrets", Namespace: namespace}}}
		if err := env.Client.Create(context.Background(), sar); err != nil {
			t.Fatal(err)
		}
		return sar.Status.Allowed
	}
	for _, component := range []string{"apiserver", "controller-manager"} {
		for _, verb := range []string{"get", "list", "watch", "create", "update"} {
			if !may(component, verb, h.namespace) {
				t.Errorf("%s may not %s secrets in the release namespace", component, verb)
			}
		}
		for _, verb := range []string{"update", "patch", "delete"} {
			if may(component, verb, "default") {
				t.Errorf("%s may %s secrets in another namespace", component, verb)
			}
		}
	}
}

// apiserver.notification.userAllowedCIDRs reaches ke-apiserver's
// configuration as notification.userAllowedCIDRs.
func TestTheChartPassesTheNetworksUsersNotificationsMayReach(t *testing.T) {
	h := newHelm(t, "sk-notify", "sknc")
	if err := h.install(map[string]any{"apiserver": map[string]any{"issuer": "https://ke.example.com",
		"notification": map[string]any{"userAllowedCIDRs": []any{"10.20.0.0/16", "192.168.1.10"}}}}); err != nil {
		t.Fatalf("helm install: %v", err)
	}
	cm := &corev1.ConfigMap{}
	if err := env.Client.Get(context.Background(), types.NamespacedName{Namespace: h.namespace, Name: h.name("apiserver")}, cm); err != nil {
		t.Fatal(err)
	}
	cfg := app.DefaultConfig()
	if err := yaml.UnmarshalStrict([]byte(cm.Data["config.yaml"]), &cfg); err != nil {
		t.Fatalf("ke-apiserver's configuration: %v", err)
	}
	if !slices.Equal(cfg.Notification.UserAllowedCIDRs, []string{"10.20.0.0/16", "192.168.1.10"}) || cfg.Notification.WebhookTokenFile != "" {
		t.Errorf("notification %+v", cfg.Notification)
	}
}
