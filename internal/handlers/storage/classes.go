package storage

import (
	"encoding/json"
	"net/http"
	"strconv"

	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/superkube/super-kubenetes/internal/apiserver/listquery"
	"github.com/superkube/super-kubenetes/internal/apiserver/responsewriters"
	"github.com/superkube/super-kubenetes/internal/storage"
)

// Class is a storage class as the API shows it.
type Class struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Provisioner       string `json:"provisioner"`
	// ReclaimPolicy is Delete when the class does not say.
	ReclaimPolicy corev1.PersistentVolumeReclaimPolicy `json:"reclaimPolicy"`
	// VolumeBindingMode is Immediate when the class does not say.
	VolumeBindingMode    storagev1.VolumeBindingMode `json:"volumeBindingMode"`
	AllowVolumeExpansion bool                        `json:"allowVolumeExpansion"`
	// Default: the class carries storageclass.kubernetes.io/is-default-class
	// (or its beta name) set to "true".
	Default      bool                 `json:"default"`
	Parameters   map[string]string    `json:"parameters,omitempty"`
	Capabilities storage.Capabilities `json:"capabilities"`
}

func (w *world) item(sc *storagev1.StorageClass) *Class {
	out := &Class{TypeMeta: metav1.TypeMeta{APIVersion: APIVersion, Kind: "StorageClass"}, ObjectMeta: sc.ObjectMeta,
		Provisioner:          sc.Provisioner,
		ReclaimPolicy:        ptr.Deref(sc.ReclaimPolicy, corev1.PersistentVolumeReclaimDelete),
		VolumeBindingMode:    ptr.Deref(sc.VolumeBindingMode, storagev1.VolumeBindingImmediate),
		AllowVolumeExpansion: ptr.Deref(sc.AllowVolumeExpansion, false),
		Default:              storage.IsDefault(sc), Parameters: sc.Parameters, Capabilities: w.capabilities(sc)}
	out.ManagedFields = nil
	return out
}

// classList is the list convention of storage classes.
var classList = listquery.Spec{SortBy: []string{"provisioner"}, Filters: []string{"provisioner", "default", "snapshot", "clone", "expand"}}

func boolIs(b bool, v string) bool { return strconv.FormatBool(b) == v }

func (h *Handler) listClasses(w http.ResponseWriter, r *http.Request) {
	q, err := listquery.Parse(r.URL.Query(), classList)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	u := caller(r)
	if !h.mayReadClasses(u) {
		responsewriters.WriteStatus(w, forbidden(u, storageGroup, "storageclasses", "", "list storage classes (it takes the right to list them, or to create persistent volume claims in a project)"))
		return
	}
	wd, err := h.readWorld(r.Context())
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	items := make([]*Class, 0, len(wd.classes))
	for i := range wd.classes {
		items = append(items, wd.item(&wd.classes[i]))
	}
	responsewriters.WriteJSON(w, http.StatusOK, listquery.Apply(items, q,
		listquery.Columns[*Class]{"provisioner": func(c *Class) string { return c.Provisioner }},
		listquery.Filters[*Class]{
			"provisioner": func(c *Class, v string) bool { return c.Provisioner == v },
			"default":     func(c *Class, v string) bool { return boolIs(c.Default, v) },
			"snapshot":    func(c *Class, v string) bool { return boolIs(c.Capabilities.Snapshot, v) },
			"clone":       func(c *Class, v string) bool { return boolIs(c.Capabilities.Clone, v) },
			"expand":      func(c *Class, v string) bool { return boolIs(c.Capabilities.Expand, v) },
		}))
}

func (h *Handler) getClass(w http.ResponseWriter, r *http.Request) {
	u := caller(r)
	if !h.mayReadClasses(u) {
		responsewriters.WriteStatus(w, forbidden(u, storageGroup, "storageclasses", r.PathValue("name"), "get storage classes"))
		return
	}
	wd, err := h.readWorld(r.Context())
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	sc := wd.class(r.PathValue("name"))
	if sc == nil {
		responsewriters.WriteStatus(w, apierrors.NewNotFound(storagev1.Resource("storageclasses"), r.PathValue("name")))
		return
	}
	responsewriters.WriteJSON(w, http.StatusOK, wd.item(sc))
}

// setDefault makes the class the only default one: it sets the annotation
// on it, then removes the default annotations (both names) from every
// other class, each write as the caller. It takes the right to update
// storage classes cluster-wide.
func (h *Handler) setDefault(w http.ResponseWriter, r *http.Request) {
	u, name := caller(r), r.PathValue("name")
	if !h.may(u, "update", storageGroup, "storageclasses", "") || !h.may(u, "patch", storageGroup, "storageclasses", "") {
		responsewriters.WriteStatus(w, forbidden(u, storageGroup, "storageclasses", name, "set the default storage class (it takes the right to update storage classes)"))
		return
	}
	ctx := r.Context()
	wd, err := h.readWorld(ctx)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	sc := wd.class(name)
	if sc == nil {
		responsewriters.WriteStatus(w, apierrors.NewNotFound(storagev1.Resource("storageclasses"), name))
		return
	}
	c, err := h.Clients.As(u)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	annotate := func(name string, v *string) error {
		p := map[string]any{"metadata": map[string]any{"annotations": map[string]any{storage.DefaultClassAnnotation: v, storage.BetaDefaultClassAnnotation: nil}}}
		data, err := json.Marshal(p)
		if err != nil {
			return err
		}
		return c.Patch(ctx, &storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Name: name}}, client.RawPatch(types.MergePatchType, data))
	}
	if err := annotate(name, ptr.To("true")); err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	for i := range wd.classes {
		other := &wd.classes[i]
		if other.Name == name || (!hasAnnotation(other, storage.DefaultClassAnnotation) && !hasAnnotation(other, storage.BetaDefaultClassAnnotation)) {
			continue
		}
		if err := annotate(other.Name, nil); err != nil && !apierrors.IsNotFound(err) {
			responsewriters.WriteStatus(w, err)
			return
		}
	}
	var fresh storagev1.StorageClass
	if err := h.Live.Get(ctx, client.ObjectKey{Name: name}, &fresh); err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	responsewriters.WriteJSON(w, http.StatusOK, wd.item(&fresh))
}

func hasAnnotation(o metav1.Object, key string) bool {
	_, ok := o.GetAnnotations()[key]
	return ok
}

// SnapshotClass is a VolumeSnapshotClass as the API shows it.
type SnapshotClass struct {
	snapshotv1.VolumeSnapshotClass `json:",inline"`
	// Default: the class is its driver's default
	// (snapshot.storage.kubernetes.io/is-default-class).
	Default bool `json:"default"`
	// StorageClasses are the storage classes whose provisioner is the
	// class's driver.
	StorageClasses []string `json:"storageClasses"`
}

var snapshotClassList = listquery.Spec{SortBy: []string{"driver"}, Filters: []string{"driver"}}

func (h *Handler) listSnapshotClasses(w http.ResponseWriter, r *http.Request) {
	q, err := listquery.Parse(r.URL.Query(), snapshotClassList)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	u := caller(r)
	if !h.may(u, "list", snapshotGroup, "volumesnapshotclasses", "") && !h.mayReadClasses(u) {
		responsewriters.WriteStatus(w, forbidden(u, snapshotGroup, "volumesnapshotclasses", "", "list volume snapshot classes"))
		return
	}
	wd, err := h.readWorld(r.Context())
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	items := make([]*SnapshotClass, 0, len(wd.snapClasses))
	for _, vsc := range wd.snapClasses {
		it := &SnapshotClass{VolumeSnapshotClass: vsc, Default: vsc.Annotations[storage.DefaultSnapshotClassAnnotation] == "true", StorageClasses: []string{}}
		it.APIVersion, it.Kind, it.ManagedFields = snapshotv1.SchemeGroupVersion.String(), "VolumeSnapshotClass", nil
		for _, sc := range wd.classes {
			if sc.Provisioner == vsc.Driver {
				it.StorageClasses = append(it.StorageClasses, sc.Name)
			}
		}
		items = append(items, it)
	}
	responsewriters.WriteJSON(w, http.StatusOK, listquery.Apply(items, q,
		listquery.Columns[*SnapshotClass]{"driver": func(c *SnapshotClass) string { return c.Driver }},
		listquery.Filters[*SnapshotClass]{"driver": func(c *SnapshotClass, v string) bool { return c.Driver == v }}))
}
