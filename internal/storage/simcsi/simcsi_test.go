package simcsi

import (
	"context"
	"testing"
	"time"

	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/superkube/super-kubenetes/internal/scheme"
)

func claim(name, class, size string) *corev1.PersistentVolumeClaim {
	return &corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Namespace: "dev", Name: name, UID: types.UID("uid-" + name)},
		Spec: corev1.PersistentVolumeClaimSpec{StorageClassName: ptr.To(class),
			Resources: corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse(size)}}}}
}

// One pass binds the driver's claims (not another driver's), a second cuts
// the snapshot of a bound claim; a grown request becomes the capacity.
// (The integration tests run it against a real kube-apiserver.)
func TestThePassesPlayTheCSISideForTheFakeDriverOnly(t *testing.T) {
	ctx := context.Background()
	objs := append(Objects(), claim("data", StorageClassName, "1Gi"), claim("other", "someone-elses", "1Gi"))
	c := fake.NewClientBuilder().WithScheme(scheme.New()).WithObjects(objs...).
		WithStatusSubresource(&corev1.PersistentVolumeClaim{}, &corev1.PersistentVolume{}, &snapshotv1.VolumeSnapshot{}, &snapshotv1.VolumeSnapshotContent{}).Build()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	s := &Simulator{Client: c, Now: func() time.Time { return now }}
	if err := s.Pass(ctx); err != nil {
		t.Fatal(err)
	}
	get := func(name string) *corev1.PersistentVolumeClaim {
		var pvc corev1.PersistentVolumeClaim
		if err := c.Get(ctx, client.ObjectKey{Namespace: "dev", Name: name}, &pvc); err != nil {
			t.Fatal(err)
		}
		return &pvc
	}
	data := get("data")
	if data.Status.Phase != corev1.ClaimBound || data.Spec.VolumeName != "pvc-uid-data" {
		t.Fatalf("data: %s %q", data.Status.Phase, data.Spec.VolumeName)
	}
	if o := get("other"); o.Status.Phase == corev1.ClaimBound || o.Spec.VolumeName != "" {
		t.Errorf("another driver's claim was bound")
	}
	vs := &snapshotv1.VolumeSnapshot{ObjectMeta: metav1.ObjectMeta{Namespace: "dev", Name: "s1", UID: "uid-s1"},
		Spec: snapshotv1.VolumeSnapshotSpec{Source: snapshotv1.VolumeSnapshotSource{PersistentVolumeClaimName: ptr.To("data")}, VolumeSnapshotClassName: ptr.To(SnapshotClassName)}}
	if err := c.Create(ctx, vs); err != nil {
		t.Fatal(err)
	}
	data.Spec.Resources.Requests[corev1.ResourceStorage] = resource.MustParse("3Gi")
	if err := c.Update(ctx, data); err != nil {
		t.Fatal(err)
	}
	if err := s.Pass(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.Get(ctx, client.ObjectKeyFromObject(vs), vs); err != nil {
		t.Fatal(err)
	}
	if vs.Status == nil || !ptr.Deref(vs.Status.ReadyToUse, false) || ptr.Deref(vs.Status.BoundVolumeSnapshotContentName, "") != "snapcontent-uid-s1" {
		t.Fatalf("snapshot status %+v", vs.Status)
	}
	var content snapshotv1.VolumeSnapshotContent
	if err := c.Get(ctx, client.ObjectKey{Name: "snapcontent-uid-s1"}, &content); err != nil {
		t.Fatal(err)
	}
	if ptr.Deref(content.Spec.Source.VolumeHandle, "") != "sim-vol-uid-data" || content.Status == nil || !ptr.Deref(content.Status.ReadyToUse, false) {
		t.Errorf("content %+v", content)
	}
	if c := get("data").Status.Capacity[corev1.ResourceStorage]; c.String() != "3Gi" {
		t.Errorf("capacity after expansion %s", c.String())
	}
	// The snapshot deleted, its content goes; the claim deleted, its volume.
	if err := c.Delete(ctx, vs); err != nil {
		t.Fatal(err)
	}
	if err := c.Delete(ctx, get("data")); err != nil {
		t.Fatal(err)
	}
	if err := s.Pass(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.Get(ctx, client.ObjectKey{Name: "snapcontent-uid-s1"}, &content); client.IgnoreNotFound(err) != nil || err == nil {
		t.Errorf("content still there: %v", err)
	}
	if err := c.Get(ctx, client.ObjectKey{Name: "pvc-uid-data"}, &corev1.PersistentVolume{}); client.IgnoreNotFound(err) != nil || err == nil {
		t.Errorf("volume still there: %v", err)
	}
}
