package storageapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/superkube/super-kubenetes/internal/storage"
	"github.com/superkube/super-kubenetes/internal/storage/simcsi"
	"github.com/superkube/super-kubenetes/internal/testutil/platform"
)

var (
	usersOnce sync.Once
	tokens    map[string]string
)

// users creates the users once and returns a token of each, the platform
// administrator's as "admin"; it waits until the project roles work.
func users(t *testing.T) map[string]string {
	t.Helper()
	usersOnce.Do(func() {
		for _, u := range []string{projectAdmin, projectViewer, nobody} {
			platform.NewUser(t, k8s, u, password)
		}
		tokens = map[string]string{"admin": api.Admin(t)}
		for _, u := range []string{projectAdmin, projectViewer, nobody} {
			tokens[u] = api.Token(t, u)
		}
		for _, u := range []string{projectAdmin, projectViewer} {
			platform.Eventually(t, u+" may list the project's claims", time.Minute, func() error {
				if r := api.Do(t, http.MethodGet, prefix+"/namespaces/wsa-dev/persistentvolumeclaims", tokens[u], nil); r.Code != http.StatusOK {
					return fmt.Errorf("%d %s", r.Code, r.Body)
				}
				return nil
			})
		}
	})
	if tokens == nil {
		t.Fatal("no users")
	}
	return tokens
}

func decode[T any](t *testing.T, r *platform.Response, code int) T {
	t.Helper()
	var out T
	if r.Code != code {
		t.Fatalf("%d, want %d: %s", r.Code, code, r.Body)
	}
	if err := json.Unmarshal(r.Body, &out); err != nil {
		t.Fatalf("%v: %s", err, r.Body)
	}
	return out
}

type list[T any] struct {
	Items      []T `json:"items"`
	TotalItems int `json:"totalItems"`
}

type class struct {
	Metadata struct {
		Name string `json:"name"`
	} `json:"metadata"`
	Provisioner          string               `json:"provisioner"`
	ReclaimPolicy        string               `json:"reclaimPolicy"`
	VolumeBindingMode    string               `json:"volumeBindingMode"`
	AllowVolumeExpansion bool                 `json:"allowVolumeExpansion"`
	Default              bool                 `json:"default"`
	Capabilities         storage.Capabilities `json:"capabilities"`
}

type claim struct {
	corev1.PersistentVolumeClaim
	MountedBy []struct {
		Name string `json:"name"`
	} `json:"mountedBy"`
	Capabilities *storage.Capabilities `json:"capabilities"`
}

// expectInvalid checks a 422 Status whose causes name the field.
func expectInvalid(t *testing.T, r *platform.Response, field string) {
	t.Helper()
	st := decode[metav1.Status](t, r, http.StatusUnprocessableEntity)
	if st.Kind != "Status" || st.Reason != metav1.StatusReasonInvalid || st.Details == nil {
		t.Fatalf("not an Invalid Status: %s", r.Body)
	}
	var fields []string
	for _, c := range st.Details.Causes {
		fields = append(fields, c.Field)
	}
	if !slices.Contains(fields, field) {
		t.Fatalf("causes %v do not name %s: %s", fields, field, r.Body)
	}
}

func byName(items []class) map[string]class {
	out := map[string]class{}
	for _, c := range items {
		out[c.Metadata.Name] = c
	}
	return out
}

// A project administrator, who may create claims in a project, reads the
// classes with the capabilities derived from the CSI side: sim-csi has a
// CSIDriver object (clone), a VolumeSnapshotClass of its driver
// (snapshot) and allowVolumeExpansion (expand); plain has none of them.
// Someone who may create claims nowhere gets 403.
func TestStorageClassesWithCapabilities(t *testing.T) {
	tok := users(t)
	l := decode[list[class]](t, api.Do(t, http.MethodGet, prefix+"/storageclasses?sortBy=name&ascending=true", tok[projectAdmin], nil), http.StatusOK)
	if l.TotalItems != 3 {
		t.Fatalf("%d classes: %+v", l.TotalItems, l.Items)
	}
	got := byName(l.Items)
	sim := got[simcsi.StorageClassName]
	want := storage.Capabilities{Snapshot: true, Clone: true, Expand: true, CSI: true, SnapshotClasses: []string{simcsi.SnapshotClassName}}
	if sim.Provisioner != simcsi.Driver || sim.ReclaimPolicy != "Delete" || sim.VolumeBindingMode != "Immediate" || !sim.AllowVolumeExpansion ||
		!slices.Equal(sim.Capabilities.SnapshotClasses, want.SnapshotClasses) || sim.Capabilities.Snapshot != want.Snapshot ||
		sim.Capabilities.Clone != want.Clone || sim.Capabilities.Expand != want.Expand || !sim.Capabilities.CSI {
		t.Errorf("sim-csi: %+v", sim)
	}
	if p := got[plainClass]; p.Capabilities.Snapshot || p.Capabilities.Clone || p.Capabilities.Expand || p.Capabilities.CSI || p.AllowVolumeExpansion {
		t.Errorf("plain: %+v", p)
	}
	// A filter of the list convention.
	snap := decode[list[class]](t, api.Do(t, http.MethodGet, prefix+"/storageclasses?snapshot=true", tok[projectAdmin], nil), http.StatusOK)
	if snap.TotalItems != 1 || snap.Items[0].Metadata.Name != simcsi.StorageClassName {
		t.Errorf("snapshot=true: %+v", snap)
	}
	// A project viewer, who may create claims nowhere, may not read them.
	platform.ExpectStatus(t, api.Do(t, http.MethodGet, prefix+"/storageclasses/"+simcsi.StorageClassName, tok[projectViewer], nil), http.StatusForbidden)
	if one := decode[class](t, api.Do(t, http.MethodGet, prefix+"/storageclasses/"+simcsi.StorageClassName, tok[projectAdmin], nil), http.StatusOK); !one.Capabilities.Snapshot {
		t.Errorf("get: %+v", one)
	}
	platform.ExpectStatus(t, api.Do(t, http.MethodGet, prefix+"/storageclasses", tok[nobody], nil), http.StatusForbidden)
	platform.ExpectStatus(t, api.Do(t, http.MethodGet, prefix+"/storageclasses/nope", tok["admin"], nil), http.StatusNotFound)

	type snapClass struct {
		Metadata struct {
			Name string `json:"name"`
		} `json:"metadata"`
		Driver         string   `json:"driver"`
		Default        bool     `json:"default"`
		StorageClasses []string `json:"storageClasses"`
	}
	sc := decode[list[snapClass]](t, api.Do(t, http.MethodGet, prefix+"/volumesnapshotclasses", tok[projectAdmin], nil), http.StatusOK)
	if sc.TotalItems != 1 || sc.Items[0].Driver != simcsi.Driver || !sc.Items[0].Default || !slices.Equal(sc.Items[0].StorageClasses, []string{simcsi.StorageClassName}) {
		t.Errorf("snapshot classes: %+v", sc)
	}
	platform.ExpectStatus(t, api.Do(t, http.MethodGet, prefix+"/volumesnapshotclasses", tok[nobody], nil), http.StatusForbidden)
}

// defaults are the classes kube-apiserver holds as default.
func defaults(t *testing.T) []string {
	t.Helper()
	var l storagev1.StorageClassList
	if err := k8s.List(context.Background(), &l); err != nil {
		t.Fatal(err)
	}
	var out []string
	for i := range l.Items {
		if storage.IsDefault(&l.Items[i]) {
			out = append(out, l.Items[i].Name)
		}
	}
	return out
}

// Setting the default class leaves exactly one default, also when another
// class carried the beta annotation; it takes the right to update storage
// classes, which a project administrator does not have.
func TestDefaultClassSwitch(t *testing.T) {
	tok := users(t)
	if d := defaults(t); len(d) != 2 {
		t.Fatalf("the world starts with two defaults (GA and beta annotation), got %v", d)
	}
	platform.ExpectStatus(t, api.Do(t, http.MethodPost, prefix+"/storageclasses/"+simcsi.StorageClassName+"/default", tok[projectAdmin], nil), http.StatusForbidden)
	for _, name := range []string{simcsi.StorageClassName, plainClass} {
		got := decode[class](t, api.Do(t, http.MethodPost, prefix+"/storageclasses/"+name+"/default", tok["admin"], nil), http.StatusOK)
		if !got.Default || got.Metadata.Name != name {
			t.Errorf("answer: %+v", got)
		}
		if d := defaults(t); !slices.Equal(d, []string{name}) {
			t.Errorf("after setting %s: defaults %v", name, d)
		}
		l := decode[list[class]](t, api.Do(t, http.MethodGet, prefix+"/storageclasses?default=true", tok[projectAdmin], nil), http.StatusOK)
		if l.TotalItems != 1 || l.Items[0].Metadata.Name != name {
			t.Errorf("default=true: %+v", l)
		}
	}
	platform.ExpectStatus(t, api.Do(t, http.MethodPost, prefix+"/storageclasses/nope/default", tok["admin"], nil), http.StatusNotFound)
}

func newClaim(ns, name, class, size string) *corev1.PersistentVolumeClaim {
	return &corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: corev1.PersistentVolumeClaimSpec{StorageClassName: ptr.To(class), AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			Resources: corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse(size)}}}}
}

// boundClaim creates a claim of sim-csi and waits until the simulator bound it.
func boundClaim(t *testing.T, name, size string) {
	t.Helper()
	ctx := context.Background()
	if err := k8s.Create(ctx, newClaim("wsa-dev", name, simcsi.StorageClassName, size)); err != nil {
		t.Fatal(err)
	}
	waitClaim(t, name, func(pvc *corev1.PersistentVolumeClaim) error {
		if pvc.Status.Phase != corev1.ClaimBound {
			return fmt.Errorf("phase %q", pvc.Status.Phase)
		}
		return nil
	})
}

func waitClaim(t *testing.T, name string, ok func(*corev1.PersistentVolumeClaim) error) {
	t.Helper()
	platform.Eventually(t, "claim "+name, 30*time.Second, func() error {
		var pvc corev1.PersistentVolumeClaim
		if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: "wsa-dev", Name: name}, &pvc); err != nil {
			return err
		}
		return ok(&pvc)
	})
}

func snapshotBody(name, claim string) map[string]any {
	return map[string]any{"metadata": map[string]any{"name": name}, "spec": map[string]any{"source": map[string]any{"persistentVolumeClaimName": claim}}}
}

// A project administrator takes a snapshot of a claim (the snapshot class
// is the driver's default), the simulated CSI side makes it ready, and a
// claim restored from it has the snapshot as data source, the source's
// class and the restore size; a smaller size is refused naming the field.
// A viewer and a stranger may not take snapshots.
func TestSnapshotAndRestore(t *testing.T) {
	tok := users(t)
	boundClaim(t, "data", "1Gi")
	base := prefix + "/namespaces/wsa-dev/volumesnapshots"
	platform.ExpectStatus(t, api.DoJSON(t, http.MethodPost, base, tok[projectViewer], snapshotBody("v", "data")), http.StatusForbidden)
	platform.ExpectStatus(t, api.DoJSON(t, http.MethodPost, base, tok[nobody], snapshotBody("n", "data")), http.StatusForbidden)
	platform.ExpectStatus(t, api.DoJSON(t, http.MethodPost, prefix+"/namespaces/wsb-app/volumesnapshots", tok[projectAdmin], snapshotBody("x", "data")), http.StatusForbidden)
	vs := decode[snapshotv1.VolumeSnapshot](t, api.DoJSON(t, http.MethodPost, base, tok[projectAdmin], snapshotBody("snap1", "data")), http.StatusCreated)
	if ptr.Deref(vs.Spec.VolumeSnapshotClassName, "") != simcsi.SnapshotClassName {
		t.Errorf("class %v", vs.Spec.VolumeSnapshotClassName)
	}
	platform.Eventually(t, "the snapshot is ready", 30*time.Second, func() error {
		got := decode[snapshotv1.VolumeSnapshot](t, api.Do(t, http.MethodGet, base+"/snap1", tok[projectViewer], nil), http.StatusOK)
		if got.Status == nil || !ptr.Deref(got.Status.ReadyToUse, false) || got.Status.RestoreSize == nil || got.Status.RestoreSize.String() != "1Gi" {
			return fmt.Errorf("status %+v", got.Status)
		}
		return nil
	})
	var content snapshotv1.VolumeSnapshotContent
	if err := k8s.Get(context.Background(), client.ObjectKey{Name: "snapcontent-" + string(vs.UID)}, &content); err != nil {
		t.Fatal(err)
	}
	if content.Spec.VolumeSnapshotRef.Name != "snap1" || content.Spec.Driver != simcsi.Driver {
		t.Errorf("content %+v", content.Spec)
	}
	l := decode[list[snapshotv1.VolumeSnapshot]](t, api.Do(t, http.MethodGet, base+"?persistentVolumeClaim=data&ready=true", tok[projectViewer], nil), http.StatusOK)
	if l.TotalItems != 1 || l.Items[0].Name != "snap1" {
		t.Errorf("list: %+v", l)
	}
	platform.ExpectStatus(t, api.Do(t, http.MethodGet, base, tok[nobody], nil), http.StatusForbidden)

	restore := func(name, size string) map[string]any {
		body := map[string]any{"metadata": map[string]any{"name": name}}
		if size != "" {
			body["spec"] = map[string]any{"resources": map[string]any{"requests": map[string]any{"storage": size}}}
		}
		return body
	}
	expectInvalid(t, api.DoJSON(t, http.MethodPost, base+"/snap1/restore", tok[projectAdmin], restore("small", "512Mi")), "spec.resources.requests.storage")
	platform.ExpectStatus(t, api.DoJSON(t, http.MethodPost, base+"/snap1/restore", tok[projectViewer], restore("v", "")), http.StatusForbidden)
	got := decode[claim](t, api.DoJSON(t, http.MethodPost, base+"/snap1/restore", tok[projectAdmin], restore("restored", "")), http.StatusCreated)
	ds := got.Spec.DataSource
	if ds == nil || ds.Kind != "VolumeSnapshot" || ds.Name != "snap1" || ptr.Deref(ds.APIGroup, "") != "snapshot.storage.k8s.io" ||
		ptr.Deref(got.Spec.StorageClassName, "") != simcsi.StorageClassName {
		t.Errorf("restored claim: %+v", got.Spec)
	}
	if q := got.Spec.Resources.Requests[corev1.ResourceStorage]; q.String() != "1Gi" {
		t.Errorf("restored size %s", q.String())
	}
	waitClaim(t, "restored", func(pvc *corev1.PersistentVolumeClaim) error {
		if pvc.Status.Phase != corev1.ClaimBound {
			return fmt.Errorf("phase %q", pvc.Status.Phase)
		}
		return nil
	})
	platform.ExpectStatus(t, api.Do(t, http.MethodDelete, base+"/snap1", tok[projectViewer], nil), http.StatusForbidden)
	platform.ExpectStatus(t, api.Do(t, http.MethodDelete, base+"/snap1", tok[projectAdmin], nil), http.StatusOK)
	platform.Eventually(t, "the simulated driver deletes the content", 30*time.Second, func() error {
		if err := k8s.Get(context.Background(), client.ObjectKey{Name: content.Name}, &snapshotv1.VolumeSnapshotContent{}); client.IgnoreNotFound(err) != nil || err == nil {
			return fmt.Errorf("still there (%v)", err)
		}
		return nil
	})
}

// A claim whose class has no snapshot class for its provisioner cannot be
// snapshotted: 422 naming spec.source.persistentVolumeClaimName. So is a
// missing claim, and a snapshot class of another driver.
func TestSnapshotRefusedWhenTheClassCannotSnapshot(t *testing.T) {
	tok := users(t)
	if err := k8s.Create(context.Background(), newClaim("wsa-dev", "plain-data", plainClass, "1Gi")); err != nil {
		t.Fatal(err)
	}
	base := prefix + "/namespaces/wsa-dev/volumesnapshots"
	r := api.DoJSON(t, http.MethodPost, base, tok[projectAdmin], snapshotBody("plain-snap", "plain-data"))
	expectInvalid(t, r, "spec.source.persistentVolumeClaimName")
	expectInvalid(t, api.DoJSON(t, http.MethodPost, base, tok[projectAdmin], snapshotBody("missing", "no-such-claim")), "spec.source.persistentVolumeClaimName")
	expectInvalid(t, api.DoJSON(t, http.MethodPost, base, tok[projectAdmin], map[string]any{"metadata": map[string]any{"name": "empty"}, "spec": map[string]any{"source": map[string]any{}}}),
		"spec.source.persistentVolumeClaimName")
	boundClaim(t, "data-other-class", "1Gi")
	body := snapshotBody("other", "data-other-class")
	body["spec"].(map[string]any)["volumeSnapshotClassName"] = "no-such-class"
	expectInvalid(t, api.DoJSON(t, http.MethodPost, base, tok[projectAdmin], body), "spec.volumeSnapshotClassName")
}

// Expanding: a claim of sim-csi grows (and the simulated resizer gives it
// the capacity); shrinking and a class without expansion are refused
// naming spec.resources.requests.storage; a viewer may not expand.
func TestExpand(t *testing.T) {
	tok := users(t)
	boundClaim(t, "grow", "1Gi")
	if err := k8s.Create(context.Background(), newClaim("wsa-dev", "fixed", plainClass, "1Gi")); err != nil {
		t.Fatal(err)
	}
	size := func(s string) map[string]any {
		return map[string]any{"spec": map[string]any{"resources": map[string]any{"requests": map[string]any{"storage": s}}}}
	}
	path := func(name string) string {
		return prefix + "/namespaces/wsa-dev/persistentvolumeclaims/" + name + "/expand"
	}
	platform.ExpectStatus(t, api.DoJSON(t, http.MethodPost, path("grow"), tok[projectViewer], size("2Gi")), http.StatusForbidden)
	got := decode[claim](t, api.DoJSON(t, http.MethodPost, path("grow"), tok[projectAdmin], size("2Gi")), http.StatusOK)
	if q := got.Spec.Resources.Requests[corev1.ResourceStorage]; q.String() != "2Gi" {
		t.Errorf("request %s", q.String())
	}
	waitClaim(t, "grow", func(pvc *corev1.PersistentVolumeClaim) error {
		if c := pvc.Status.Capacity[corev1.ResourceStorage]; c.String() != "2Gi" {
			return fmt.Errorf("capacity %s", c.String())
		}
		return nil
	})
	expectInvalid(t, api.DoJSON(t, http.MethodPost, path("grow"), tok[projectAdmin], size("1Gi")), "spec.resources.requests.storage")
	expectInvalid(t, api.DoJSON(t, http.MethodPost, path("fixed"), tok[projectAdmin], size("2Gi")), "spec.resources.requests.storage")
	expectInvalid(t, api.DoJSON(t, http.MethodPost, path("grow"), tok[projectAdmin], map[string]any{"spec": map[string]any{}}), "spec.resources.requests.storage")
	platform.ExpectStatus(t, api.DoJSON(t, http.MethodPost, path("no-such-claim"), tok[projectAdmin], size("2Gi")), http.StatusNotFound)
}

// The project's claims show the pods that mount them (a claim volume, and
// the claim of a generic ephemeral volume); the list takes the rights to
// list claims and pods in the project.
func TestClaimsShowTheirPods(t *testing.T) {
	tok := users(t)
	ctx := context.Background()
	if err := k8s.Create(ctx, newClaim("wsa-dev", "mounted", plainClass, "1Gi")); err != nil {
		t.Fatal(err)
	}
	if err := k8s.Create(ctx, newClaim("wsa-dev", "idle", plainClass, "1Gi")); err != nil {
		t.Fatal(err)
	}
	pod := func(name string, vols ...corev1.Volume) *corev1.Pod {
		return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "wsa-dev", Name: name},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "busybox"}}, Volumes: vols}}
	}
	claimVol := corev1.Volume{Name: "data", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "mounted"}}}
	for _, p := range []*corev1.Pod{pod("web-1", claimVol), pod("web-0", claimVol), pod("other")} {
		if err := k8s.Create(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	path := prefix + "/namespaces/wsa-dev/persistentvolumeclaims"
	platform.Eventually(t, "the claims show their pods", 30*time.Second, func() error {
		l := decode[list[claim]](t, api.Do(t, http.MethodGet, path+"?names=mounted,idle", tok[projectViewer], nil), http.StatusOK)
		got := map[string][]string{}
		for _, c := range l.Items {
			for _, p := range c.MountedBy {
				got[c.Name] = append(got[c.Name], p.Name)
			}
		}
		if l.TotalItems != 2 || !slices.Equal(got["mounted"], []string{"web-0", "web-1"}) || len(got["idle"]) != 0 {
			return fmt.Errorf("%d items, mounts %v", l.TotalItems, got)
		}
		return nil
	})
	m := decode[list[claim]](t, api.Do(t, http.MethodGet, path+"?mounted=true&names=mounted,idle", tok[projectAdmin], nil), http.StatusOK)
	if m.TotalItems != 1 || m.Items[0].Name != "mounted" || m.Items[0].Capabilities == nil || m.Items[0].Capabilities.Snapshot {
		t.Errorf("mounted=true: %+v", m)
	}
	platform.ExpectStatus(t, api.Do(t, http.MethodGet, path, tok[nobody], nil), http.StatusForbidden)
	platform.ExpectStatus(t, api.Do(t, http.MethodGet, prefix+"/namespaces/wsb-app/persistentvolumeclaims", tok[projectAdmin], nil), http.StatusForbidden)
	decode[list[claim]](t, api.Do(t, http.MethodGet, prefix+"/namespaces/wsb-app/persistentvolumeclaims", tok["admin"], nil), http.StatusOK)
}
