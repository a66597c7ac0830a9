// Package storage serves the storage API at
// /kapis/storage.superkube.io/v1alpha1: storage classes with the
// capabilities derived from their CSI drivers and the switch of the
// default class; volume snapshot classes; a project's volume snapshots
// (taken only of claims whose class can snapshot) and the claims restored
// from them; a project's claims with the pods that mount them, and their
// expansion.
//
// Every request is authorized here, as the caller, against the native
// resources it touches (storage.k8s.io storageclasses,
// snapshot.storage.k8s.io volumesnapshots, core persistentvolumeclaims and
// pods); every write then goes to kube-apiserver as the caller
// (impersonation), so that native RBAC and admission (the
// PersistentVolumeClaimResize plugin, the snapshot CRDs' rules) decide as
// they do for kubectl. The reads that the caller's own rights could not
// make (classes, CSI drivers) use ke-apiserver's identity after the
// handler's check. docs/storage.md describes the API.
package storage

import (
	"context"
	"fmt"
	"net/http"

	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/authentication/user"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/superkube/super-kubenetes/internal/apiserver/filters"
	"github.com/superkube/super-kubenetes/internal/apiserver/request"
	"github.com/superkube/super-kubenetes/internal/apiserver/routes"
	"github.com/superkube/super-kubenetes/internal/authz"
	"github.com/superkube/super-kubenetes/internal/impersonate"
	"github.com/superkube/super-kubenetes/internal/storage"
)

// Group is the API group of the storage API.
const Group = "storage.superkube.io"

// Version is its version.
const Version = "v1alpha1"

// Prefix is its path.
const Prefix = "/kapis/" + Group + "/" + Version

// APIVersion is the apiVersion of its own kinds.
const APIVersion = Group + "/" + Version

// The native groups the requests are authorized against.
const (
	storageGroup  = storagev1.GroupName
	snapshotGroup = "snapshot.storage.k8s.io"
	coreGroup     = ""
)

// Authorizer is what the handler needs of the authorizer: decisions and
// the namespaces where a caller may do something.
type Authorizer interface {
	Authorize(a *authz.Attributes) authz.Decision
	Visible(a authz.Attributes) authz.Visibility
}

// Handler serves the storage API.
type Handler struct {
	Authorizer Authorizer
	// Cache reads a project's claims and pods (the list engine's informers).
	Cache client.Reader
	// Live reads storage classes, CSI drivers and snapshot classes with
	// ke-apiserver's identity, uncached: they are few, and the snapshot
	// CRDs may be missing.
	Live client.Reader
	// Clients act as the caller.
	Clients *impersonate.Clients
}

// Install adds the endpoints.
func (h *Handler) Install(mux routes.Mux) {
	mux.Handle(Prefix+"/storageclasses", routes.Methods{http.MethodGet: h.listClasses})
	mux.Handle(Prefix+"/storageclasses/{name}", routes.Methods{http.MethodGet: h.getClass})
	mux.Handle(Prefix+"/storageclasses/{name}/default", routes.Methods{http.MethodPost: h.setDefault})
	mux.Handle(Prefix+"/volumesnapshotclasses", routes.Methods{http.MethodGet: h.listSnapshotClasses})
	ns := Prefix + "/namespaces/{namespace}"
	mux.Handle(ns+"/persistentvolumeclaims", routes.Methods{http.MethodGet: h.listClaims})
	mux.Handle(ns+"/persistentvolumeclaims/{name}/expand", routes.Methods{http.MethodPost: h.expand})
	mux.Handle(ns+"/volumesnapshots", routes.Methods{http.MethodGet: h.listSnapshots, http.MethodPost: h.createSnapshot})
	mux.Handle(ns+"/volumesnapshots/{name}", routes.Methods{http.MethodGet: h.getSnapshot, http.MethodDelete: h.deleteSnapshot})
	mux.Handle(ns+"/volumesnapshots/{name}/restore", routes.Methods{http.MethodPost: h.restore})
}

// AuthzRules let every request of the group through to the handler, which
// authorizes each one against the native resources it reads or writes
// (the platform's roles grant those, not resources of this group).
func AuthzRules() filters.Rules {
	return filters.Rules{
		{Group: Group, Resource: "*", Delegate: true},
		{Group: Group, Discovery: true, Delegate: true},
	}
}

func caller(r *http.Request) user.Info {
	u, _ := request.UserFrom(r.Context())
	return u
}

func attrs(u user.Info, verb, group, resource, ns string) *authz.Attributes {
	return &authz.Attributes{User: u.GetName(), Groups: u.GetGroups(), ResourceRequest: true,
		Verb: verb, APIGroup: group, Resource: resource, Namespace: ns}
}

// may reports whether u may do verb on a native resource in ns (""
// cluster-wide).
func (h *Handler) may(u user.Info, verb, group, resource, ns string) bool {
	return h.Authorizer.Authorize(attrs(u, verb, group, resource, ns)).Allowed
}

// forbidden is the 403 for a native resource.
func forbidden(u user.Info, group, resource, name, what string) error {
	return apierrors.NewForbidden(schema.GroupResource{Group: group, Resource: resource}, name, fmt.Errorf("user %q may not %s", u.GetName(), what))
}

// mayReadClasses: whoever may list storage classes, or create claims in
// at least one namespace (who must choose a class for them).
func (h *Handler) mayReadClasses(u user.Info) bool {
	if h.may(u, "list", storageGroup, "storageclasses", "") {
		return true
	}
	v := h.Authorizer.Visible(*attrs(u, "create", coreGroup, "persistentvolumeclaims", ""))
	return v.All || len(v.Namespaces) > 0
}

// world is what the capabilities are derived from.
type world struct {
	classes     []storagev1.StorageClass
	drivers     []storagev1.CSIDriver
	snapClasses []snapshotv1.VolumeSnapshotClass
}

// readWorld lists the classes, the CSI drivers and the snapshot classes;
// without the snapshot CRDs there are no snapshot classes.
func (h *Handler) readWorld(ctx context.Context) (*world, error) {
	var w world
	var classes storagev1.StorageClassList
	if err := h.Live.List(ctx, &classes); err != nil {
		return nil, err
	}
	var drivers storagev1.CSIDriverList
	if err := h.Live.List(ctx, &drivers); err != nil {
		return nil, err
	}
	var snaps snapshotv1.VolumeSnapshotClassList
	if err := h.Live.List(ctx, &snaps); err != nil && !meta.IsNoMatchError(err) && !apierrors.IsNotFound(err) {
		return nil, err
	}
	w.classes, w.drivers, w.snapClasses = classes.Items, drivers.Items, snaps.Items
	return &w, nil
}

func (w *world) class(name string) *storagev1.StorageClass {
	for i := range w.classes {
		if w.classes[i].Name == name {
			return &w.classes[i]
		}
	}
	return nil
}

func (w *world) capabilities(sc *storagev1.StorageClass) storage.Capabilities {
	return storage.Derive(sc, w.drivers, w.snapClasses)
}
