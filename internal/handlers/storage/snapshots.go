package storage

import (
	"fmt"
	"net/http"
	"strings"

	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/superkube/super-kubenetes/internal/apiserver/apistatus"
	"github.com/superkube/super-kubenetes/internal/apiserver/listquery"
	"github.com/superkube/super-kubenetes/internal/apiserver/requestbody"
	"github.com/superkube/super-kubenetes/internal/apiserver/responsewriters"
	"github.com/superkube/super-kubenetes/internal/storage"
)

var snapshotList = listquery.Spec{SortBy: []string{"persistentVolumeClaim"}, Filters: []string{"persistentVolumeClaim", "ready", "volumeSnapshotClass"}}

func sourceClaim(vs *snapshotv1.VolumeSnapshot) string {
	return ptr.Deref(vs.Spec.Source.PersistentVolumeClaimName, "")
}

func ready(vs *snapshotv1.VolumeSnapshot) bool {
	return vs.Status != nil && ptr.Deref(vs.Status.ReadyToUse, false)
}

func clean(vs *snapshotv1.VolumeSnapshot) *snapshotv1.VolumeSnapshot {
	vs.APIVersion, vs.Kind, vs.ManagedFields = snapshotv1.SchemeGroupVersion.String(), "VolumeSnapshot", nil
	return vs
}

// listSnapshots lists a project's snapshots as the caller, who must be
// allowed to list them there.
func (h *Handler) listSnapshots(w http.ResponseWriter, r *http.Request) {
	q, err := listquery.Parse(r.URL.Query(), snapshotList)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	u, ns := caller(r), r.PathValue("namespace")
	if !h.may(u, "list", snapshotGroup, "volumesnapshots", ns) {
		responsewriters.WriteStatus(w, forbidden(u, snapshotGroup, "volumesnapshots", "", "list volume snapshots in namespace "+ns))
		return
	}
	c, err := h.Clients.As(u)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	var list snapshotv1.VolumeSnapshotList
	if err := c.List(r.Context(), &list, client.InNamespace(ns)); err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	items := make([]*snapshotv1.VolumeSnapshot, 0, len(list.Items))
	for i := range list.Items {
		items = append(items, clean(&list.Items[i]))
	}
	className := func(vs *snapshotv1.VolumeSnapshot) string { return ptr.Deref(vs.Spec.VolumeSnapshotClassName, "") }
	responsewriters.WriteJSON(w, http.StatusOK, listquery.Apply(items, q,
		listquery.Columns[*snapshotv1.VolumeSnapshot]{"persistentVolumeClaim": sourceClaim},
		listquery.Filters[*snapshotv1.VolumeSnapshot]{
			"persistentVolumeClaim": func(vs *snapshotv1.VolumeSnapshot, v string) bool { return sourceClaim(vs) == v },
			"ready":                 func(vs *snapshotv1.VolumeSnapshot, v string) bool { return boolIs(ready(vs), v) },
			"volumeSnapshotClass":   func(vs *snapshotv1.VolumeSnapshot, v string) bool { return className(vs) == v },
		}))
}

func (h *Handler) getSnapshot(w http.ResponseWriter, r *http.Request) {
	u, ns, name := caller(r), r.PathValue("namespace"), r.PathValue("name")
	if !h.may(u, "get", snapshotGroup, "volumesnapshots", ns) {
		responsewriters.WriteStatus(w, forbidden(u, snapshotGroup, "volumesnapshots", name, "get volume snapshots in namespace "+ns))
		return
	}
	c, err := h.Clients.As(u)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	var vs snapshotv1.VolumeSnapshot
	if err := c.Get(r.Context(), client.ObjectKey{Namespace: ns, Name: name}, &vs); err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	responsewriters.WriteJSON(w, http.StatusOK, clean(&vs))
}

func (h *Handler) deleteSnapshot(w http.ResponseWriter, r *http.Request) {
	u, ns, name := caller(r), r.PathValue("namespace"), r.PathValue("name")
	if !h.may(u, "delete", snapshotGroup, "volumesnapshots", ns) {
		responsewriters.WriteStatus(w, forbidden(u, snapshotGroup, "volumesnapshots", name, "delete volume snapshots in namespace "+ns))
		return
	}
	c, err := h.Clients.As(u)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	vs := &snapshotv1.VolumeSnapshot{}
	vs.Namespace, vs.Name = ns, name
	if err := c.Delete(r.Context(), vs); err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	responsewriters.WriteDeleted(w, snapshotv1.Resource("volumesnapshots"), name)
}

var (
	claimNamePath     = field.NewPath("spec", "source", "persistentVolumeClaimName")
	snapshotClassPath = field.NewPath("spec", "volumeSnapshotClassName")
)

// createSnapshot takes a snapshot of a claim of the project. The body is a
// VolumeSnapshot whose spec.source.persistentVolumeClaimName names the
// claim; spec.volumeSnapshotClassName, when empty, becomes the default
// snapshot class of the claim's driver (else the first by name). A claim
// whose class cannot snapshot (no VolumeSnapshotClass has its driver) is
// refused with a 422 naming spec.source.persistentVolumeClaimName.
func (h *Handler) createSnapshot(w http.ResponseWriter, r *http.Request) {
	u, ns := caller(r), r.PathValue("namespace")
	if !h.may(u, "create", snapshotGroup, "volumesnapshots", ns) {
		responsewriters.WriteStatus(w, forbidden(u, snapshotGroup, "volumesnapshots", "", "create volume snapshots in namespace "+ns))
		return
	}
	var vs snapshotv1.VolumeSnapshot
	if err := requestbody.Decode(r, &vs, requestbody.Options{Kind: "VolumeSnapshot"}); err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	if vs.Namespace != "" && vs.Namespace != ns {
		responsewriters.WriteStatus(w, apistatus.BadRequest("metadata.namespace", "must be "+ns+", the namespace of the path, or empty"))
		return
	}
	vs.Namespace, vs.Status = ns, nil
	var errs field.ErrorList
	if vs.Name == "" && vs.GenerateName == "" {
		errs = append(errs, field.Required(field.NewPath("metadata", "name"), ""))
	}
	if vs.Spec.Source.VolumeSnapshotContentName != nil {
		errs = append(errs, field.Forbidden(field.NewPath("spec", "source", "volumeSnapshotContentName"),
			"pre-provisioned snapshots are not taken through this API; create them through /apis/snapshot.storage.k8s.io"))
	}
	claimName := sourceClaim(&vs)
	if claimName == "" {
		errs = append(errs, field.Required(claimNamePath, "the claim to take a snapshot of"))
	}
	if len(errs) > 0 {
		responsewriters.WriteStatus(w, apistatus.Invalid("VolumeSnapshot", vs.Name, errs))
		return
	}
	ctx := r.Context()
	c, err := h.Clients.As(u)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	var pvc corev1.PersistentVolumeClaim
	if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: claimName}, &pvc); err != nil {
		if apierrors.IsNotFound(err) {
			err = apistatus.Invalid("VolumeSnapshot", vs.Name, field.ErrorList{field.NotFound(claimNamePath, claimName)})
		}
		responsewriters.WriteStatus(w, err)
		return
	}
	wd, err := h.readWorld(ctx)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	className := ptr.Deref(pvc.Spec.StorageClassName, "")
	sc := wd.class(className)
	if sc == nil {
		responsewriters.WriteStatus(w, apistatus.Invalid("VolumeSnapshot", vs.Name, field.ErrorList{field.Invalid(claimNamePath, claimName,
			fmt.Sprintf("the claim's storage class %q does not exist, so it cannot snapshot", className))}))
		return
	}
	candidates := storage.SnapshotClassesFor(sc.Provisioner, wd.snapClasses)
	if len(candidates) == 0 {
		responsewriters.WriteStatus(w, apistatus.Invalid("VolumeSnapshot", vs.Name, field.ErrorList{field.Invalid(claimNamePath, claimName,
			fmt.Sprintf("the claim's storage class %q cannot snapshot: no VolumeSnapshotClass has its provisioner %q as driver", className, sc.Provisioner))}))
		return
	}
	if want := ptr.Deref(vs.Spec.VolumeSnapshotClassName, ""); want != "" {
		var names []string
		found := false
		for _, vsc := range candidates {
			names = append(names, vsc.Name)
			found = found || vsc.Name == want
		}
		if !found {
			responsewriters.WriteStatus(w, apistatus.Invalid("VolumeSnapshot", vs.Name, field.ErrorList{field.NotSupported(snapshotClassPath, want, names)}))
			return
		}
	} else {
		vs.Spec.VolumeSnapshotClassName = ptr.To(candidates[0].Name)
	}
	vs.ResourceVersion = ""
	if err := c.Create(ctx, &vs); err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	responsewriters.WriteJSON(w, http.StatusCreated, clean(&vs))
}

var (
	classPath    = field.NewPath("spec", "storageClassName")
	dataPath     = field.NewPath("spec", "dataSource")
	claimPathNew = field.NewPath("metadata", "name")
)

// restore creates a claim of the project from a snapshot: the body is a
// PersistentVolumeClaim (its name; optionally spec.storageClassName,
// spec.accessModes, spec.resources.requests.storage) whose
// spec.dataSource becomes the snapshot. The class defaults to the source
// claim's, else to a class of the snapshot's driver (the default class
// first); it must be a class of that driver. The size defaults to the
// snapshot's restore size and may not be smaller.
func (h *Handler) restore(w http.ResponseWriter, r *http.Request) {
	u, ns, snapName := caller(r), r.PathValue("namespace"), r.PathValue("name")
	if !h.may(u, "create", coreGroup, "persistentvolumeclaims", ns) || !h.may(u, "get", snapshotGroup, "volumesnapshots", ns) {
		responsewriters.WriteStatus(w, forbidden(u, coreGroup, "persistentvolumeclaims", "",
			"restore a volume snapshot in namespace "+ns+" (it takes the rights to create persistent volume claims and read volume snapshots)"))
		return
	}
	var pvc corev1.PersistentVolumeClaim
	if err := requestbody.Decode(r, &pvc, requestbody.Options{Kind: "PersistentVolumeClaim"}); err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	if pvc.Namespace != "" && pvc.Namespace != ns {
		responsewriters.WriteStatus(w, apistatus.BadRequest("metadata.namespace", "must be "+ns+", the namespace of the path, or empty"))
		return
	}
	if pvc.Name == "" && pvc.GenerateName == "" {
		responsewriters.WriteStatus(w, apistatus.Invalid("PersistentVolumeClaim", "", field.ErrorList{field.Required(claimPathNew, "")}))
		return
	}
	if ds := pvc.Spec.DataSource; ds != nil && (ds.Kind != "VolumeSnapshot" || ds.Name != snapName) {
		responsewriters.WriteStatus(w, apistatus.Invalid("PersistentVolumeClaim", pvc.Name, field.ErrorList{field.Invalid(dataPath, ds.Name,
			"must be empty or the snapshot "+snapName+" of the path")}))
		return
	}
	ctx := r.Context()
	c, err := h.Clients.As(u)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	var vs snapshotv1.VolumeSnapshot
	if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: snapName}, &vs); err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	wd, err := h.readWorld(ctx)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	driver := ""
	for _, vsc := range wd.snapClasses {
		if vsc.Name == ptr.Deref(vs.Spec.VolumeSnapshotClassName, "") {
			driver = vsc.Driver
		}
	}
	// The source claim, when it still exists, gives the defaults.
	var src corev1.PersistentVolumeClaim
	hasSrc := false
	if name := sourceClaim(&vs); name != "" {
		if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, &src); err == nil {
			hasSrc = true
		}
	}
	if pvc.Spec.StorageClassName == nil || *pvc.Spec.StorageClassName == "" {
		pvc.Spec.StorageClassName = defaultRestoreClass(wd, driver, hasSrc, &src)
	}
	className := ptr.Deref(pvc.Spec.StorageClassName, "")
	if sc := wd.class(className); sc == nil || (driver != "" && sc.Provisioner != driver) {
		msg := fmt.Sprintf("must be a storage class whose provisioner is the snapshot's driver %q", driver)
		if driver == "" {
			msg = "must be an existing storage class (the snapshot's class, and so its driver, is unknown)"
		}
		responsewriters.WriteStatus(w, apistatus.Invalid("PersistentVolumeClaim", pvc.Name, field.ErrorList{field.Invalid(classPath, className, msg)}))
		return
	}
	var restoreSize *resource.Quantity
	if vs.Status != nil && vs.Status.RestoreSize != nil {
		restoreSize = vs.Status.RestoreSize
	} else if hasSrc {
		q := src.Spec.Resources.Requests[corev1.ResourceStorage]
		restoreSize = &q
	}
	want, has := pvc.Spec.Resources.Requests[corev1.ResourceStorage]
	switch {
	case !has && restoreSize == nil:
		responsewriters.WriteStatus(w, apistatus.Invalid("PersistentVolumeClaim", pvc.Name, field.ErrorList{field.Required(sizePath,
			"the snapshot has no restore size yet and its source claim is gone: give the size")}))
		return
	case !has:
		if pvc.Spec.Resources.Requests == nil {
			pvc.Spec.Resources.Requests = corev1.ResourceList{}
		}
		pvc.Spec.Resources.Requests[corev1.ResourceStorage] = *restoreSize
	case restoreSize != nil && want.Cmp(*restoreSize) < 0:
		responsewriters.WriteStatus(w, apistatus.Invalid("PersistentVolumeClaim", pvc.Name, field.ErrorList{field.Invalid(sizePath, want.String(),
			"must not be less than the snapshot's restore size "+restoreSize.String())}))
		return
	}
	if len(pvc.Spec.AccessModes) == 0 {
		pvc.Spec.AccessModes = []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce}
		if hasSrc && len(src.Spec.AccessModes) > 0 {
			pvc.Spec.AccessModes = src.Spec.AccessModes
		}
	}
	if pvc.Spec.VolumeMode == nil && hasSrc {
		pvc.Spec.VolumeMode = src.Spec.VolumeMode
	}
	pvc.Namespace, pvc.ResourceVersion, pvc.Status = ns, "", corev1.PersistentVolumeClaimStatus{}
	pvc.Spec.DataSource = &corev1.TypedLocalObjectReference{APIGroup: ptr.To(snapshotGroup), Kind: "VolumeSnapshot", Name: snapName}
	pvc.Spec.DataSourceRef = nil
	if err := c.Create(ctx, &pvc); err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	out := &Claim{PersistentVolumeClaim: pvc, MountedBy: []MountingPod{}}
	out.APIVersion, out.Kind, out.ManagedFields = "v1", "PersistentVolumeClaim", nil
	if sc := wd.class(className); sc != nil {
		caps := wd.capabilities(sc)
		out.Capabilities = &caps
	}
	responsewriters.WriteJSON(w, http.StatusCreated, out)
}

// defaultRestoreClass is the source claim's class, else the default class
// of the driver, else its first class by name.
func defaultRestoreClass(wd *world, driver string, hasSrc bool, src *corev1.PersistentVolumeClaim) *string {
	if hasSrc && src.Spec.StorageClassName != nil {
		return src.Spec.StorageClassName
	}
	var first string
	for i := range wd.classes {
		sc := &wd.classes[i]
		if sc.Provisioner != driver {
			continue
		}
		if storage.IsDefault(sc) {
			return ptr.To(sc.Name)
		}
		if first == "" || strings.Compare(sc.Name, first) < 0 {
			first = sc.Name
		}
	}
	return ptr.To(first)
}
