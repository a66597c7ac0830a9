// Package lifecycle upgrades the chart from its previous version and
// uninstalls it, with the Helm SDK, on a real kube-apiserver and etcd
// with kube-controller-manager's garbage collector and namespace
// controller, so that namespaces are really deleted. The CRDs are the
// chart's (crds/), installed by Helm, not by envtest: the tests change and
// delete them, which is why they have a control plane of their own.
package lifecycle

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"helm.sh/helm/v4/pkg/action"
	chart "helm.sh/helm/v4/pkg/chart/v2"
	"helm.sh/helm/v4/pkg/kube"
	release "helm.sh/helm/v4/pkg/release/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/superkube/super-kubenetes/internal/scheme"
	"github.com/superkube/super-kubenetes/internal/testutil/envtest"
	"github.com/superkube/super-kubenetes/internal/testutil/helmtest"
)

var (
	env *envtest.Environment
	// c knows the platform's types.
	c client.Client
)

func TestMain(m *testing.M) {
	envtest.Run(m, &env, envtest.Options{WithoutCRDs: true, ControllerManager: true})
}

func platformClient(t *testing.T) client.Client {
	t.Helper()
	if c == nil {
		var err error
		if c, err = client.New(env.Config, client.Options{Scheme: scheme.New()}); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

// helmRelease is one release in its own namespace.
type helmRelease struct {
	t         *testing.T
	cfg       *action.Configuration
	namespace string
	name      string
}

func newRelease(t *testing.T, namespace, name string) *helmRelease {
	t.Helper()
	kc, err := env.AdminKubeconfig()
	if err != nil {
		t.Fatal(err)
	}
	cfg := helmtest.ConfigurationFor(t, kc, namespace)
	if err := env.Client.Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: namespace}}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	return &helmRelease{t: t, cfg: cfg, namespace: namespace, name: name}
}

// loadChart loads the current chart, or with a file name of testdata the
// packaged previous one.
func loadChart(t *testing.T, testdata string) *chart.Chart {
	t.Helper()
	if testdata == "" {
		return helmtest.Chart(t)
	}
	root, err := envtest.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	return helmtest.Load(t, filepath.Join(root, "test", "integration", "chart", "testdata", testdata))
}

func (h *helmRelease) install(ch *chart.Chart, vals map[string]any) *release.Release {
	h.t.Helper()
	i := action.NewInstall(h.cfg)
	i.ReleaseName, i.Namespace = h.name, h.namespace
	i.WaitStrategy = kube.HookOnlyStrategy // envtest runs no pods: nothing to wait for
	rel, err := i.Run(ch, vals)
	if err != nil {
		h.t.Fatalf("helm install of %s %s: %v", ch.Name(), ch.Metadata.Version, err)
	}
	return rel.(*release.Release)
}

func (h *helmRelease) upgrade(ch *chart.Chart, vals map[string]any) *release.Release {
	h.t.Helper()
	u := action.NewUpgrade(h.cfg)
	u.Namespace = h.namespace
	u.WaitStrategy = kube.HookOnlyStrategy
	rel, err := u.Run(h.name, ch, vals)
	if err != nil {
		h.t.Fatalf("helm upgrade to %s: %v", ch.Metadata.Version, err)
	}
	return rel.(*release.Release)
}

// fullname is the release's base name, <release>-super-kubenetes.
func (h *helmRelease) fullname() string { return h.name + "-super-kubenetes" }

// manifestObjects parses the objects of a rendered manifest.
func manifestObjects(t *testing.T, manifest string) []*unstructured.Unstructured {
	t.Helper()
	var out []*unstructured.Unstructured
	for doc := range strings.SplitSeq(manifest, "\n---") {
		u := &unstructured.Unstructured{}
		if err := yaml.Unmarshal([]byte(doc), &u.Object); err != nil {
			t.Fatal(err)
		}
		if len(u.Object) > 0 {
			out = append(out, u)
		}
	}
	return out
}
