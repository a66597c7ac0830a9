// Package helmtest gives tests the repository's Helm chart and a Helm SDK
// configuration for one namespace of a cluster, as `helm --kubeconfig ...
// -n ...` would have.
package helmtest

import (
	"os"
	"path/filepath"
	"testing"

	"helm.sh/helm/v4/pkg/action"
	chart "helm.sh/helm/v4/pkg/chart/v2"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	"k8s.io/cli-runtime/pkg/genericclioptions"

	"github.com/superkube/super-kubenetes/internal/testutil/envtest"
)

// Chart loads charts/super-kubenetes of the repository.
func Chart(t testing.TB) *chart.Chart {
	t.Helper()
	root, err := envtest.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	return Load(t, filepath.Join(root, "charts", "super-kubenetes"))
}

// Load loads a chart folder or packaged chart.
func Load(t testing.TB, path string) *chart.Chart {
	t.Helper()
	ch, err := loader.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

// Configuration is the Helm SDK's configuration for releases in namespace,
// kept in Secrets, reaching the cluster of the kubeconfig file.
func Configuration(t testing.TB, kubeconfigFile, namespace string) *action.Configuration {
	t.Helper()
	flags := genericclioptions.NewConfigFlags(false)
	flags.KubeConfig, flags.Namespace = &kubeconfigFile, &namespace
	cfg := action.NewConfiguration()
	if err := cfg.Init(flags, namespace, "secret"); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// ConfigurationFor is Configuration for a kubeconfig given as bytes.
func ConfigurationFor(t testing.TB, kubeconfig []byte, namespace string) *action.Configuration {
	t.Helper()
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(path, kubeconfig, 0o600); err != nil {
		t.Fatal(err)
	}
	return Configuration(t, path, namespace)
}
