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
	"path/filepath"
	"runtime"

	"github.com/superkube/super-kubenetes/internal/crdmanifest"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
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

// set is the embedded files.
var set = crdmanifest.Set{FS: files, Dir: Version}

// CRDs returns the typed CRDs.
func CRDs() ([]*apiextensionsv1.CustomResourceDefinition, error) { return set.CRDs() }

// Unstructured returns the CRDs as unstructured objects, for a
// server-side apply.
func Unstructured() ([]*unstructured.Unstructured, error) { return set.Unstructured() }

// Dir is the folder of the YAML files in the source tree, for envtest's
// CRD directories.
func Dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), Version)
}
