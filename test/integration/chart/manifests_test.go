package chart

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/yannh/kubeconform/pkg/validator"
	"helm.sh/helm/v4/pkg/action"
	v1 "helm.sh/helm/v4/pkg/release/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/superkube/super-kubenetes/internal/testutil/kubeschema"
)

// renderAll renders the chart as helm template does, hooks included, and
// returns its documents.
func (h *helm) renderAll(t *testing.T, vals map[string]any) []string {
	t.Helper()
	i := action.NewInstall(h.cfg)
	i.ReleaseName, i.Namespace = h.release, h.namespace
	i.DryRunStrategy = action.DryRunClient
	r, err := i.Run(h.chart, vals)
	if err != nil {
		t.Fatalf("helm template: %v", err)
	}
	rel := r.(*v1.Release)
	manifests := []string{rel.Manifest}
	for _, hook := range rel.Hooks {
		manifests = append(manifests, hook.Manifest)
	}
	var docs []string
	for _, m := range manifests {
		for doc := range strings.SplitSeq(m, "\n---") {
			if strings.Contains(doc, "\nkind:") || strings.HasPrefix(strings.TrimSpace(doc), "apiVersion:") {
				docs = append(docs, doc)
			}
		}
	}
	return docs
}

// The value sets of the suite's tests, each rendering a different part of
// the chart.
func manifestValueSets() map[string]map[string]any {
	issuer := map[string]any{"issuer": "https://ke.example.com"}
	const external = "http://victoria-logs.logging.svc:9428"
	return map[string]map[string]any{
		"host mode defaults": {"apiserver": issuer},
		"member mode":        memberValues(),
		"ingresses, node ports, profiles and pinned images": {
			"apiserver": map[string]any{"issuer": "https://ke.example.com",
				"service": map[string]any{"type": "NodePort", "nodePort": 30443},
				"ingress": map[string]any{"enabled": true, "className": "nginx", "hosts": []any{"ke.example.com"}, "tlsSecretName": "ke-tls"},
				"image":   map[string]any{"digest": "sha256:" + strings.Repeat("ab", 32)}},
			"console": map[string]any{"basePath": "console",
				"service": map[string]any{"type": "LoadBalancer", "loadBalancerSourceRanges": []any{"10.0.0.0/8"}},
				"ingress": map[string]any{"enabled": true, "hosts": []any{"example.com"}}},
			"controllerManager": map[string]any{"pprof": map[string]any{"enabled": true},
				"alerting": map[string]any{"rulesDir": "/rules", "prometheusURL": "http://prometheus:9090"}},
			"global": map[string]any{"imageRegistry": "registry.example.com"},
		},
		"the console off":   {"apiserver": issuer, "console": map[string]any{"enabled": false}},
		"an external Redis": {"apiserver": issuer, "redis": map[string]any{"url": "redis://:secret@redis.example:6379/2"}},
		"Redis without persistence": {"apiserver": issuer,
			"redis": map[string]any{"deploy": map[string]any{"persistence": map[string]any{"enabled": false, "size": "512Mi"}}}},
		"an external VictoriaLogs": {
			"apiserver":         map[string]any{"issuer": "https://ke.example.com", "logging": map[string]any{"victoriaLogsURL": external}},
			"controllerManager": map[string]any{"events": map[string]any{"victoriaLogsURL": external}},
			"logging": map[string]any{"deploy": map[string]any{"enabled": false},
				"retention": map[string]any{"containerLogs": "48h", "events": "336h", "audit": "0", "interval": "30m"}},
		},
		"the log agent off": {"apiserver": issuer, "logging": map[string]any{"agent": map[string]any{"enabled": false}}},
		"the log agent without a host folder": {"apiserver": issuer,
			"logging": map[string]any{"agent": map[string]any{"dataHostPath": ""}}},
		"OpenSearch as the log store": {"apiserver": issuer,
			"logging": map[string]any{"deploy": map[string]any{"enabled": false},
				"elasticsearch": map[string]any{"enabled": true, "flavour": "opensearch",
					"addresses": []any{"https://opensearch.logging.svc:9200"}, "username": "superkube",
					"existingSecret": "opensearch-credentials", "caKey": "ca.crt"}}},
	}
}

// TestTheRenderedManifestsPassKubeconformAndTheAPIServer validates every
// object the chart renders, with several value sets, twice: with
// kubeconform in strict mode against the schemas of the test's own
// kube-apiserver (Kubernetes 1.37 and the project's CRDs, read from its
// /openapi/v2), and by the API server itself, a server-side dry run with
// strict field validation (an unknown or duplicate field is an error).
func TestTheRenderedManifestsPassKubeconformAndTheAPIServer(t *testing.T) {
	// The schemas of the API server's kinds, the project's CRDs included.
	dir := t.TempDir()
	version, err := kubeschema.Write(context.Background(), env.Config, dir, true)
	if err != nil {
		t.Fatalf("the API server's schemas: %v", err)
	}
	newValidator := func(t *testing.T) validator.Validator {
		t.Helper()
		v, err := validator.New([]string{dir}, validator.Opts{KubernetesVersion: version, Strict: true})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	// The schemas know the built-in kinds and the CRDs, and refuse a
	// misspelt field in either.
	for doc, valid := range map[string]bool{
		"apiVersion: tenant.superkube.io/v1beta1\nkind: Workspace\nmetadata: {name: acme}\nspec: {}\n":                   true,
		"apiVersion: tenant.superkube.io/v1beta1\nkind: Workspace\nmetadata: {name: acme}\nspec: {clusterSelectr: {}}\n": false,
		"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {replica: 2, selector: {}, template: {}}\n":   false,
	} {
		r := newValidator(t).Validate("probe", io.NopCloser(strings.NewReader(doc)))
		if len(r) != 1 || (r[0].Status == validator.Valid) != valid {
			t.Errorf("kubeconform on %q: %+v, want valid=%v", doc, r, valid)
		}
	}

	h := newHelm(t, "sk-manifests", "sk-lint")
	for name, vals := range manifestValueSets() {
		t.Run(name, func(t *testing.T) {
			v := newValidator(t)
			docs := h.renderAll(t, vals)
			if len(docs) == 0 {
				t.Fatal("the chart renders nothing")
			}
			for _, doc := range docs {
				for _, r := range v.Validate(name, io.NopCloser(strings.NewReader(doc))) {
					if r.Status == validator.Valid || r.Status == validator.Empty {
						continue
					}
					what := "?"
					if sig, err := r.Resource.Signature(); err == nil {
						what = sig.Kind + "/" + sig.Name
					}
					t.Errorf("kubeconform: %s: %v %v", what, r.Err, r.ValidationErrors)
				}
				dryRun(t, h.namespace, doc)
			}
			t.Logf("%d objects valid", len(docs))
		})
	}
}

// dryRun creates one object with a server-side dry run and strict field
// validation.
func dryRun(t *testing.T, namespace, doc string) {
	t.Helper()
	obj := &unstructured.Unstructured{}
	if err := yaml.UnmarshalStrict([]byte(doc), &obj.Object); err != nil {
		t.Errorf("a rendered document is not YAML: %v\n%s", err, doc)
		return
	}
	if namespaced, err := env.Client.IsObjectNamespaced(obj); err != nil {
		t.Errorf("%s/%s: %v", obj.GetKind(), obj.GetName(), err)
		return
	} else if namespaced && obj.GetNamespace() == "" {
		obj.SetNamespace(namespace)
	}
	if err := env.Client.Create(context.Background(), obj, client.DryRunAll, client.FieldValidation(metav1.FieldValidationStrict)); err != nil {
		t.Errorf("the API server refuses %s/%s: %v", obj.GetKind(), obj.GetName(), err)
	}
}
