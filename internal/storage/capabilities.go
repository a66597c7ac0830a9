package storage

import (
	"slices"
	"strings"

	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	storagev1 "k8s.io/api/storage/v1"
)

// Annotations that mark default classes.
const (
	// DefaultClassAnnotation marks the default StorageClass.
	DefaultClassAnnotation = "storageclass.kubernetes.io/is-default-class"
	// BetaDefaultClassAnnotation is its old name, which kube-apiserver
	// still honours; setting the default clears it too.
	BetaDefaultClassAnnotation = "storageclass.beta.kubernetes.io/is-default-class"
	// DefaultSnapshotClassAnnotation marks the default VolumeSnapshotClass
	// of a driver.
	DefaultSnapshotClassAnnotation = "snapshot.storage.kubernetes.io/is-default-class"
	// CloneAnnotation, set to "false" on a CSIDriver, says that its volumes
	// cannot be cloned although the driver is a CSI driver (Kubernetes has
	// no field for the CSI CLONE_VOLUME capability).
	CloneAnnotation = "storage.superkube.io/clone"
)

// Capabilities are what a storage class's volumes can do.
type Capabilities struct {
	// Snapshot: a VolumeSnapshotClass exists whose driver is the class's
	// provisioner.
	Snapshot bool `json:"snapshot"`
	// Clone: the provisioner is a CSI driver registered with a CSIDriver
	// object (cloning is a CSI feature) not annotated
	// storage.superkube.io/clone=false.
	Clone bool `json:"clone"`
	// Expand: the class sets allowVolumeExpansion (kube-apiserver's
	// admission refuses a larger request otherwise).
	Expand bool `json:"expand"`
	// CSI: the provisioner is a registered CSI driver.
	CSI bool `json:"csi"`
	// SnapshotClasses are the names of the VolumeSnapshotClasses of the
	// driver, sorted, the default one first.
	SnapshotClasses []string `json:"snapshotClasses,omitempty"`
}

// IsDefault reports whether a StorageClass is marked default.
func IsDefault(sc *storagev1.StorageClass) bool {
	return sc.Annotations[DefaultClassAnnotation] == "true" || sc.Annotations[BetaDefaultClassAnnotation] == "true"
}

// Derive computes a class's capabilities from the CSIDriver objects and
// the VolumeSnapshotClasses of the cluster (either may be empty).
func Derive(sc *storagev1.StorageClass, drivers []storagev1.CSIDriver, snapClasses []snapshotv1.VolumeSnapshotClass) Capabilities {
	c := Capabilities{Expand: sc.AllowVolumeExpansion != nil && *sc.AllowVolumeExpansion}
	for i := range drivers {
		if drivers[i].Name == sc.Provisioner {
			c.CSI = true
			c.Clone = drivers[i].Annotations[CloneAnnotation] != "false"
		}
	}
	for _, vsc := range SnapshotClassesFor(sc.Provisioner, snapClasses) {
		c.SnapshotClasses = append(c.SnapshotClasses, vsc.Name)
	}
	c.Snapshot = len(c.SnapshotClasses) > 0
	return c
}

// SnapshotClassesFor returns the VolumeSnapshotClasses of a driver, the
// default one first, then by name.
func SnapshotClassesFor(driver string, all []snapshotv1.VolumeSnapshotClass) []snapshotv1.VolumeSnapshotClass {
	var def, rest []snapshotv1.VolumeSnapshotClass
	for _, vsc := range all {
		if vsc.Driver != driver {
			continue
		}
		if vsc.Annotations[DefaultSnapshotClassAnnotation] == "true" {
			def = append(def, vsc)
		} else {
			rest = append(rest, vsc)
		}
	}
	byName := func(l []snapshotv1.VolumeSnapshotClass) {
		slices.SortFunc(l, func(a, b snapshotv1.VolumeSnapshotClass) int { return strings.Compare(a.Name, b.Name) })
	}
	byName(def)
	byName(rest)
	return append(def, rest...)
}
