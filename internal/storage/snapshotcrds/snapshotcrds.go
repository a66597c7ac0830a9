// Package snapshotcrds carries the CustomResourceDefinitions of the CSI
// volume snapshot API (snapshot.storage.k8s.io/v1: VolumeSnapshot,
// VolumeSnapshotContent, VolumeSnapshotClass), copied unchanged from
// config/crd of github.com/kubernetes-csi/external-snapshotter/client/v8
// at Version, the version of that module go.mod pins. ke-dev installs them
// into the local cluster and the integration tests into envtest's; on a
// real cluster they come with its CSI snapshot setup.
package snapshotcrds

import (
	"embed"
	"path/filepath"
	"runtime"

	"github.com/superkube/super-kubenetes/internal/crdmanifest"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Version is the external-snapshotter release the CRDs were copied from;
// it must equal the version of its client module in go.mod.
const Version = "v8.7.0"

//go:embed v8.7.0/*.yaml
var files embed.FS

// Names are the CRDs' names.
var Names = []string{
	"volumesnapshotclasses.snapshot.storage.k8s.io",
	"volumesnapshotcontents.snapshot.storage.k8s.io",
	"volumesnapshots.snapshot.storage.k8s.io",
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
