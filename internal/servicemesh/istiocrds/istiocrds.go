// Package istiocrds carries Istio's CustomResourceDefinitions (the 15 of
// networking, security, telemetry and extensions.istio.io), copied
// unchanged from kubernetes/customresourcedefinitions.gen.yaml of the Go
// module istio.io/api at Version, the version go.mod pins. ke-dev installs
// them into the local cluster and the integration tests into envtest's; no
// Istio control plane runs there, so the objects are stored and validated
// by their schemas only. On a real cluster they come with Istio.
package istiocrds

import (
	"bufio"
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"runtime"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// Version is the istio.io/api release the CRDs were copied from; it must
// equal the version of istio.io/api in go.mod.
const Version = "v1.32.0"

//go:embed v1.32.0/customresourcedefinitions.gen.yaml
var file []byte

// Names are the CRDs' names, in the file's order.
var Names = []string{
	"trafficextensions.extensions.istio.io",
	"wasmplugins.extensions.istio.io",
	"destinationrules.networking.istio.io",
	"envoyfilters.networking.istio.io",
	"gateways.networking.istio.io",
	"proxyconfigs.networking.istio.io",
	"serviceentries.networking.istio.io",
	"sidecars.networking.istio.io",
	"virtualservices.networking.istio.io",
	"workloadentries.networking.istio.io",
	"workloadgroups.networking.istio.io",
	"authorizationpolicies.security.istio.io",
	"peerauthentications.security.istio.io",
	"requestauthentications.security.istio.io",
	"telemetries.telemetry.istio.io",
}

// read splits the embedded multi-document YAML file into its documents.
func read() ([][]byte, error) {
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(file)))
	var out [][]byte
	for {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		// The file ends with a separator: skip documents holding nothing.
		var probe map[string]any
		if err := yaml.Unmarshal(doc, &probe); err != nil {
			return nil, err
		}
		if len(probe) == 0 {
			continue
		}
		out = append(out, doc)
	}
}

// CRDs returns the typed CRDs.
func CRDs() ([]*apiextensionsv1.CustomResourceDefinition, error) {
	docs, err := read()
	if err != nil {
		return nil, err
	}
	out := make([]*apiextensionsv1.CustomResourceDefinition, 0, len(docs))
	for i, d := range docs {
		crd := &apiextensionsv1.CustomResourceDefinition{}
		if err := yaml.UnmarshalStrict(d, crd); err != nil {
			return nil, fmt.Errorf("istio CRD %d: %w", i, err)
		}
		out = append(out, crd)
	}
	return out, nil
}

// Unstructured returns the CRDs as unstructured objects, for a
// server-side apply.
func Unstructured() ([]*unstructured.Unstructured, error) {
	docs, err := read()
	if err != nil {
		return nil, err
	}
	out := make([]*unstructured.Unstructured, 0, len(docs))
	for i, d := range docs {
		u := &unstructured.Unstructured{}
		if err := yaml.Unmarshal(d, &u.Object); err != nil {
			return nil, fmt.Errorf("istio CRD %d: %w", i, err)
		}
		out = append(out, u)
	}
	return out, nil
}

// Dir is the folder of the YAML file in the source tree, for envtest's
// CRD directories (envtest reads multi-document files).
func Dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), Version)
}
