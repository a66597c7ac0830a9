// Package istiocrds carries Istio's CustomResourceDefinitions (the 15 of
// networking, security, telemetry and extensions.istio.io), copied
// unchanged from kubernetes/customresourcedefinitions.gen.yaml of the Go
// module istio.io/api at Version, the version go.mod pins. ke-dev installs
// them into the local cluster and the integration tests into envtest's; no
// Istio control plane runs there, so the objects are stored and validated
// by their schemas only. On a real cluster they come with Istio.
package istiocrds

import (
	"embed"
	"path/filepath"
	"runtime"

	"github.com/superkube/super-kubenetes/internal/crdmanifest"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Version is the istio.io/api release the CRDs were copied from; it must
// equal the version of istio.io/api in go.mod.
const Version = "v1.32.0"

//go:embed v1.32.0/*.yaml
var files embed.FS

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

// set is the embedded files.
var set = crdmanifest.Set{FS: files, Dir: Version}

// CRDs returns the typed CRDs.
func CRDs() ([]*apiextensionsv1.CustomResourceDefinition, error) { return set.CRDs() }

// Unstructured returns the CRDs as unstructured objects, for a
// server-side apply.
func Unstructured() ([]*unstructured.Unstructured, error) { return set.Unstructured() }

// Dir is the folder of the YAML file in the source tree, for envtest's
// CRD directories (envtest reads multi-document files).
func Dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), Version)
}
