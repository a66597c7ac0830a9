package storage

import (
	"slices"
	"testing"

	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func TestDerive(t *testing.T) {
	drivers := []storagev1.CSIDriver{
		{ObjectMeta: metav1.ObjectMeta{Name: "csi.a"}},
		{ObjectMeta: metav1.ObjectMeta{Name: "csi.noclone", Annotations: map[string]string{CloneAnnotation: "false"}}},
	}
	vsc := func(name, driver string, def bool) snapshotv1.VolumeSnapshotClass {
		c := snapshotv1.VolumeSnapshotClass{ObjectMeta: metav1.ObjectMeta{Name: name}, Driver: driver}
		if def {
			c.Annotations = map[string]string{DefaultSnapshotClassAnnotation: "true"}
		}
		return c
	}
	snaps := []snapshotv1.VolumeSnapshotClass{vsc("z", "csi.a", false), vsc("m", "csi.a", true), vsc("b", "csi.a", false), vsc("other", "csi.other", false)}
	for _, tt := range []struct {
		name string
		sc   storagev1.StorageClass
		want Capabilities
	}{
		{"a CSI driver with snapshot classes and expansion", storagev1.StorageClass{Provisioner: "csi.a", AllowVolumeExpansion: ptr.To(true)},
			Capabilities{Snapshot: true, Clone: true, Expand: true, CSI: true, SnapshotClasses: []string{"m", "b", "z"}}},
		{"a CSI driver that says it cannot clone", storagev1.StorageClass{Provisioner: "csi.noclone"}, Capabilities{CSI: true}},
		{"snapshot classes but no CSIDriver object", storagev1.StorageClass{Provisioner: "csi.other", AllowVolumeExpansion: ptr.To(false)},
			Capabilities{Snapshot: true, SnapshotClasses: []string{"other"}}},
		{"an in-tree provisioner", storagev1.StorageClass{Provisioner: "kubernetes.io/no-provisioner"}, Capabilities{}},
	} {
		got := Derive(&tt.sc, drivers, snaps)
		if got.Snapshot != tt.want.Snapshot || got.Clone != tt.want.Clone || got.Expand != tt.want.Expand || got.CSI != tt.want.CSI ||
			!slices.Equal(got.SnapshotClasses, tt.want.SnapshotClasses) {
			t.Errorf("%s: %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

func TestIsDefault(t *testing.T) {
	for _, tt := range []struct {
		ann  map[string]string
		want bool
	}{
		{nil, false},
		{map[string]string{DefaultClassAnnotation: "true"}, true},
		{map[string]string{BetaDefaultClassAnnotation: "true"}, true},
		{map[string]string{DefaultClassAnnotation: "false"}, false},
	} {
		if got := IsDefault(&storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Annotations: tt.ann}}); got != tt.want {
			t.Errorf("%v: %v", tt.ann, got)
		}
	}
}
