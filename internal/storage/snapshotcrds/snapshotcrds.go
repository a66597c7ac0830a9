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

// manifests returns the embedded YAML files, sorted by name.
func manifests() (map[string][]byte, []string, error) {
	entries, err := fs.ReadDir(files, Version)
	if err != nil {
		return nil, nil, err
	}
	out := map[string][]byte{}
	var names []string
	for _, e := range entries {
		data, err := files.ReadFile(path.Join(Version, e.Name()))
		if err != nil {
			return nil, nil, err
		}
		out[e.Name()] = data
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return out, names, nil
}

// CRDs returns the typed CRDs.
func CRDs() ([]*apiextensionsv1.CustomResourceDefinition, error) {
	m, names, err := manifests()
	if err != nil {
		return nil, err
	}
	out := make([]*apiextensionsv1.CustomResourceDefinition, 0, len(names))
	for _, n := range names {
		crd := &apiextensionsv1.CustomResourceDefinition{}
		if err := yaml.UnmarshalStrict(m[n], crd); err != nil {
			return nil, fmt.Errorf("%s: %w", n, err)
		}
		out = append(out, crd)
	}
	return out, nil
}

// Unstructured returns the CRDs as unstructured objects, for a
// server-side apply.
func Unstructured() ([]*unstructured.Unstructured, error) {
	m, names, err := manifests()
	if err != nil {
		return nil, err
	}
	out := make([]*unstructured.Unstructured, 0, len(names))
	for _, n := range names {
		u := &unstructured.Unstructured{}
		if err := yaml.Unmarshal(m[n], &u.Object); err != nil {
			return nil, fmt.Errorf("%s: %w", n, err)
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
