// Package simcsi is a test double of the CSI side of storage, for ke-dev's
// local cluster and the integration tests, where no CSI driver can run. It
// is never part of ke-apiserver or ke-controller-manager.
//
// For objects of the fake driver Driver only (other drivers are left
// alone), the Simulator plays, by polling kube-apiserver:
//   - the external-provisioner and the PV controller: a Pending claim of a
//     StorageClass whose provisioner is Driver gets a PersistentVolume of
//     the requested size (a CSI volume of Driver, pre-bound to the claim)
//     and is bound to it (spec.volumeName, status Bound with the
//     capacity). A claim restored from a VolumeSnapshot waits until the
//     snapshot is ready to use;
//   - the snapshot-controller and the external-snapshotter sidecar: a
//     VolumeSnapshot of a bound claim whose VolumeSnapshotClass's driver is
//     Driver gets a VolumeSnapshotContent (its source the claim's volume
//     handle, a made-up snapshot handle) that is ready to use, and the
//     snapshot is bound to it with readyToUse and restoreSize (the claim's
//     capacity). A content whose snapshot is gone is deleted when its
//     deletion policy is Delete;
//   - the external-resizer and the kubelet's file system expansion: a bound
//     claim whose request grew gets the new size as the volume's capacity
//     and the claim's status capacity.
//
// Nothing is stored anywhere: no data is copied, snapshotted or restored.
// What is real is every object, its validation by kube-apiserver (the
// snapshot CRDs' schemas and rules, the PVC update rules, the
// PersistentVolumeClaimResize admission plugin) and RBAC.
package simcsi

import (
	"context"
	"errors"
	"fmt"
	"time"

	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Driver is the name of the simulated CSI driver.
const Driver = "sim.csi.superkube.io"

// Names of the demo objects that Objects returns.
const (
	StorageClassName  = "sim-csi"
	SnapshotClassName = "sim-csi-snapshots"
)

// Objects are the simulated driver's CSIDriver, a StorageClass of it that
// allows expansion (binding Immediate) and its VolumeSnapshotClass.
func Objects() []client.Object {
	return []client.Object{
		&storagev1.CSIDriver{ObjectMeta: metav1.ObjectMeta{Name: Driver},
			Spec: storagev1.CSIDriverSpec{AttachRequired: ptr.To(false), PodInfoOnMount: ptr.To(false)}},
		&storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Name: StorageClassName}, Provisioner: Driver,
			ReclaimPolicy:        ptr.To(corev1.PersistentVolumeReclaimDelete),
			VolumeBindingMode:    ptr.To(storagev1.VolumeBindingImmediate),
			AllowVolumeExpansion: ptr.To(true)},
		&snapshotv1.VolumeSnapshotClass{ObjectMeta: metav1.ObjectMeta{Name: SnapshotClassName,
			Annotations: map[string]string{"snapshot.storage.kubernetes.io/is-default-class": "true"}},
			Driver: Driver, DeletionPolicy: snapshotv1.VolumeSnapshotContentDelete},
	}
}

// Simulator plays the CSI side for Driver's objects.
type Simulator struct {
	// Client acts with the rights of the cluster's storage controllers.
	Client client.Client
	// Interval between two passes; zero is one second.
	Interval time.Duration
	// Now is the clock; nil is time.Now.
	Now func() time.Time
}

// Run passes over the objects until ctx ends; the errors of a pass are
// retried on the next one.
func (s *Simulator) Run(ctx context.Context) {
	iv := s.Interval
	if iv <= 0 {
		iv = time.Second
	}
	t := time.NewTicker(iv)
	defer t.Stop()
	for {
		_ = s.Pass(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (s *Simulator) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Pass provisions, binds, expands and snapshots once.
func (s *Simulator) Pass(ctx context.Context) error {
	var classes storagev1.StorageClassList
	if err := s.Client.List(ctx, &classes); err != nil {
		return err
	}
	simulated := map[string]*storagev1.StorageClass{}
	for i := range classes.Items {
		if classes.Items[i].Provisioner == Driver {
			simulated[classes.Items[i].Name] = &classes.Items[i]
		}
	}
	var pvcs corev1.PersistentVolumeClaimList
	if err := s.Client.List(ctx, &pvcs); err != nil {
		return err
	}
	var errs []error
	for i := range pvcs.Items {
		pvc := &pvcs.Items[i]
		sc := simulated[ptr.Deref(pvc.Spec.StorageClassName, "")]
		if sc == nil || pvc.DeletionTimestamp != nil {
			continue
		}
		switch pvc.Status.Phase {
		case corev1.ClaimPending, "":
			errs = append(errs, s.provision(ctx, sc, pvc))
		case corev1.ClaimBound:
			errs = append(errs, s.expand(ctx, pvc))
		}
	}
	errs = append(errs, s.release(ctx, pvcs.Items), s.snapshots(ctx))
	return errors.Join(errs...)
}

// release deletes the volumes of Driver, of reclaim policy Delete, whose
// claims are gone (the external-provisioner's part of reclaiming).
func (s *Simulator) release(ctx context.Context, pvcs []corev1.PersistentVolumeClaim) error {
	claims := map[string]bool{}
	for i := range pvcs {
		claims[string(pvcs[i].UID)] = true
	}
	var pvs corev1.PersistentVolumeList
	if err := s.Client.List(ctx, &pvs); err != nil {
		return err
	}
	var errs []error
	for i := range pvs.Items {
		pv := &pvs.Items[i]
		if pv.Spec.CSI == nil || pv.Spec.CSI.Driver != Driver || pv.Spec.ClaimRef == nil || claims[string(pv.Spec.ClaimRef.UID)] ||
			pv.Spec.PersistentVolumeReclaimPolicy != corev1.PersistentVolumeReclaimDelete || pv.DeletionTimestamp != nil {
			continue
		}
		if err := s.Client.Delete(ctx, pv); client.IgnoreNotFound(err) != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// provision creates the claim's volume and binds the claim to it.
func (s *Simulator) provision(ctx context.Context, sc *storagev1.StorageClass, pvc *corev1.PersistentVolumeClaim) error {
	size := pvc.Spec.Resources.Requests[corev1.ResourceStorage]
	if ds := pvc.Spec.DataSourceRef; ds != nil && ds.Kind == "VolumeSnapshot" {
		ns := pvc.Namespace
		if ds.Namespace != nil && *ds.Namespace != "" {
			ns = *ds.Namespace
		}
		var vs snapshotv1.VolumeSnapshot
		if err := s.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: ds.Name}, &vs); err != nil {
			return client.IgnoreNotFound(err)
		}
		if vs.Status == nil || !ptr.Deref(vs.Status.ReadyToUse, false) {
			return nil // the real provisioner waits too
		}
	}
	name := "pvc-" + string(pvc.UID)
	pv := &corev1.PersistentVolume{
		ObjectMeta: metav1.ObjectMeta{Name: name, Annotations: map[string]string{"pv.kubernetes.io/provisioned-by": Driver}},
		Spec: corev1.PersistentVolumeSpec{
			Capacity:                      corev1.ResourceList{corev1.ResourceStorage: size},
			AccessModes:                   pvc.Spec.AccessModes,
			PersistentVolumeReclaimPolicy: ptr.Deref(sc.ReclaimPolicy, corev1.PersistentVolumeReclaimDelete),
			StorageClassName:              sc.Name,
			VolumeMode:                    pvc.Spec.VolumeMode,
			ClaimRef: &corev1.ObjectReference{Kind: "PersistentVolumeClaim", APIVersion: "v1", Namespace: pvc.Namespace,
				Name: pvc.Name, UID: pvc.UID},
			PersistentVolumeSource: corev1.PersistentVolumeSource{CSI: &corev1.CSIPersistentVolumeSource{Driver: Driver, VolumeHandle: "sim-vol-" + string(pvc.UID)}},
		},
	}
	if len(pv.Spec.AccessModes) == 0 {
		pv.Spec.AccessModes = []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce}
	}
	if err := s.Client.Create(ctx, pv); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("creating volume %s: %w", name, err)
	}
	if pvc.Spec.VolumeName == "" {
		patch := client.MergeFrom(pvc.DeepCopy())
		pvc.Spec.VolumeName = name
		if err := s.Client.Patch(ctx, pvc, patch); err != nil {
			return fmt.Errorf("binding claim %s/%s: %w", pvc.Namespace, pvc.Name, err)
		}
	}
	patch := client.MergeFrom(pvc.DeepCopy())
	pvc.Status.Phase = corev1.ClaimBound
	pvc.Status.AccessModes = pv.Spec.AccessModes
	pvc.Status.Capacity = corev1.ResourceList{corev1.ResourceStorage: size}
	if err := s.Client.Status().Patch(ctx, pvc, patch); err != nil {
		return fmt.Errorf("binding claim %s/%s: %w", pvc.Namespace, pvc.Name, err)
	}
	return s.setVolumePhase(ctx, name, corev1.VolumeBound)
}

func (s *Simulator) setVolumePhase(ctx context.Context, name string, phase corev1.PersistentVolumePhase) error {
	var pv corev1.PersistentVolume
	if err := s.Client.Get(ctx, client.ObjectKey{Name: name}, &pv); err != nil {
		return client.IgnoreNotFound(err)
	}
	if pv.Status.Phase == phase {
		return nil
	}
	patch := client.MergeFrom(pv.DeepCopy())
	pv.Status.Phase = phase
	return s.Client.Status().Patch(ctx, &pv, patch)
}

// expand gives a bound claim the size it asks for.
func (s *Simulator) expand(ctx context.Context, pvc *corev1.PersistentVolumeClaim) error {
	want := pvc.Spec.Resources.Requests[corev1.ResourceStorage]
	have := pvc.Status.Capacity[corev1.ResourceStorage]
	if want.Cmp(have) <= 0 || pvc.Spec.VolumeName == "" {
		return nil
	}
	var pv corev1.PersistentVolume
	if err := s.Client.Get(ctx, client.ObjectKey{Name: pvc.Spec.VolumeName}, &pv); err != nil {
		return client.IgnoreNotFound(err)
	}
	if c := pv.Spec.Capacity[corev1.ResourceStorage]; c.Cmp(want) < 0 {
		patch := client.MergeFrom(pv.DeepCopy())
		pv.Spec.Capacity[corev1.ResourceStorage] = want
		if err := s.Client.Patch(ctx, &pv, patch); err != nil {
			return fmt.Errorf("expanding volume %s: %w", pv.Name, err)
		}
	}
	patch := client.MergeFrom(pvc.DeepCopy())
	pvc.Status.Capacity[corev1.ResourceStorage] = want
	return s.Client.Status().Patch(ctx, pvc, patch)
}

// snapshots cuts the pending snapshots of Driver and deletes the contents
// whose snapshots are gone.
func (s *Simulator) snapshots(ctx context.Context) error {
	var classes snapshotv1.VolumeSnapshotClassList
	if err := s.Client.List(ctx, &classes); err != nil {
		return err
	}
	simulated := map[string]*snapshotv1.VolumeSnapshotClass{}
	for i := range classes.Items {
		if classes.Items[i].Driver == Driver {
			simulated[classes.Items[i].Name] = &classes.Items[i]
		}
	}
	var snaps snapshotv1.VolumeSnapshotList
	if err := s.Client.List(ctx, &snaps); err != nil {
		return err
	}
	var errs []error
	exists := map[string]bool{}
	for i := range snaps.Items {
		vs := &snaps.Items[i]
		exists[vs.Namespace+"/"+vs.Name] = true
		vsc := simulated[ptr.Deref(vs.Spec.VolumeSnapshotClassName, "")]
		if vsc == nil || vs.DeletionTimestamp != nil || (vs.Status != nil && vs.Status.BoundVolumeSnapshotContentName != nil) {
			continue
		}
		errs = append(errs, s.cut(ctx, vsc, vs))
	}
	var contents snapshotv1.VolumeSnapshotContentList
	if err := s.Client.List(ctx, &contents); err != nil {
		return errors.Join(append(errs, err)...)
	}
	for i := range contents.Items {
		c := &contents.Items[i]
		ref := c.Spec.VolumeSnapshotRef
		if c.Spec.Driver != Driver || c.Spec.DeletionPolicy != snapshotv1.VolumeSnapshotContentDelete || exists[ref.Namespace+"/"+ref.Name] {
			continue
		}
		if err := s.Client.Delete(ctx, c); client.IgnoreNotFound(err) != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// cut makes a snapshot's content, ready to use, and binds the snapshot.
func (s *Simulator) cut(ctx context.Context, vsc *snapshotv1.VolumeSnapshotClass, vs *snapshotv1.VolumeSnapshot) error {
	src := ptr.Deref(vs.Spec.Source.PersistentVolumeClaimName, "")
	if src == "" {
		return nil // pre-provisioned snapshots are not simulated
	}
	var pvc corev1.PersistentVolumeClaim
	if err := s.Client.Get(ctx, client.ObjectKey{Namespace: vs.Namespace, Name: src}, &pvc); err != nil {
		return client.IgnoreNotFound(err)
	}
	if pvc.Status.Phase != corev1.ClaimBound {
		return nil // the snapshot-controller waits for a bound claim too
	}
	size := pvc.Status.Capacity[corev1.ResourceStorage]
	now := s.now()
	name := "snapcontent-" + string(vs.UID)
	content := &snapshotv1.VolumeSnapshotContent{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: snapshotv1.VolumeSnapshotContentSpec{
			VolumeSnapshotRef: corev1.ObjectReference{Kind: "VolumeSnapshot", APIVersion: snapshotv1.SchemeGroupVersion.String(),
				Namespace: vs.Namespace, Name: vs.Name, UID: vs.UID},
			DeletionPolicy:          vsc.DeletionPolicy,
			Driver:                  Driver,
			VolumeSnapshotClassName: ptr.To(vsc.Name),
			Source:                  snapshotv1.VolumeSnapshotContentSource{VolumeHandle: ptr.To("sim-vol-" + string(pvc.UID))},
			SourceVolumeMode:        ptr.To(ptr.Deref(pvc.Spec.VolumeMode, corev1.PersistentVolumeFilesystem)),
		},
	}
	if err := s.Client.Create(ctx, content); err != nil {
		if !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("creating snapshot content %s: %w", name, err)
		}
		if err := s.Client.Get(ctx, client.ObjectKey{Name: name}, content); err != nil {
			return err
		}
	}
	patch := client.MergeFrom(content.DeepCopy())
	content.Status = &snapshotv1.VolumeSnapshotContentStatus{SnapshotHandle: ptr.To("sim-snap-" + string(vs.UID)),
		CreationTime: ptr.To(now.UnixNano()), RestoreSize: ptr.To(size.Value()), ReadyToUse: ptr.To(true)}
	if err := s.Client.Status().Patch(ctx, content, patch); err != nil {
		return fmt.Errorf("snapshot content %s: %w", name, err)
	}
	patch = client.MergeFrom(vs.DeepCopy())
	vs.Status = &snapshotv1.VolumeSnapshotStatus{BoundVolumeSnapshotContentName: ptr.To(name), CreationTime: &metav1.Time{Time: now},
		ReadyToUse: ptr.To(true), RestoreSize: ptr.To(resource.MustParse(size.String()))}
	return s.Client.Status().Patch(ctx, vs, patch)
}
