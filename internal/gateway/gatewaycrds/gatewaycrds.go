// Package gatewaycrds carries the CustomResourceDefinitions of the Gateway
// API's standard channel that the platform uses (GatewayClass, Gateway,
// HTTPRoute, GRPCRoute, ReferenceGrant of gateway.networking.k8s.io),
// copied unchanged from config/crd/standard of sigs.k8s.io/gateway-api at
// Version, the version go.mod pins. ke-dev installs them into the local
// cluster and the integration tests into envtest's; on a real cluster they
// come with the cluster's Gateway API implementation.
package gatewaycrds

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"runtime"
	"sort"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

// Version is the Gateway API release the CRDs were copied from; it must
// equal the version of sigs.k8s.io/gateway-api in go.mod.
const Version = "v1.6.3"

//go:embed v1.6.3/*.yaml
var files embed.FS

// Names are the CRDs' names, sorted.
var Names = []string{
	"gatewayclasses.gateway.networking.k8s.io",
	"gateways.gateway.networking.k8s.io",
	"grpcroutes.gateway.networking.k8s.io",
	"httproutes.gateway.networking.k8s.io",
	"referencegrants.gateway.networking.k8s.io",
}

// read returns the embedded YAML documents, sorted by file name.
func read() ([][]byte, error) {
	entries, err := fs.ReadDir(files, Version)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	out := make([][]byte, 0, len(names))
	for _, n := range names {
		data, err := files.ReadFile(path.Join(Version, n))
		if err != nil {
			return nil, err
		}
		out = append(out, data)
	}
	return out, nil
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
			return nil, fmt.Errorf("gateway API CRD %d: %w", i, err)
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
			return nil, fmt.Errorf("gateway API CRD %d: %w", i, err)
		}
		out = append(out, u)
	}
	return out, nil
}

// Dir is the folder of the YAML files in the source tree, for envtest's
// CRD directories.
func Dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), Version)
}
