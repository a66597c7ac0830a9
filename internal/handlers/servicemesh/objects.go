package servicemesh

import (
	"context"
	"net/http"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/controller-runtime/pkg/client"

	meshv1 "github.com/superkube/super-kubenetes/api/servicemesh/v1alpha2"
	"github.com/superkube/super-kubenetes/internal/apiserver/apistatus"
	"github.com/superkube/super-kubenetes/internal/apiserver/listquery"
	"github.com/superkube/super-kubenetes/internal/apiserver/requestbody"
	"github.com/superkube/super-kubenetes/internal/apiserver/responsewriters"
)

// kind is what the endpoints of Strategies and ServicePolicies differ in:
// list, get, update and delete are the same for both, made as the caller.
type kind[T client.Object, L client.ObjectList] struct {
	name, resource string
	list           listquery.Spec
	columns        listquery.Columns[T]
	filters        listquery.Filters[T]
	newObj         func() T
	newList        func() L
	items          func(L) []T
	// validate checks the spec (internal/servicemesh/validation);
	// clearStatus drops a status sent in the body: it is the controller's.
	validate    func(T) field.ErrorList
	clearStatus func(T)
	// service is the spec.service the object names.
	service func(T) string
	// beforeCreate, if set, may refuse a create the schema allows (a
	// second policy for a service), reading as the caller.
	beforeCreate func(ctx context.Context, c client.Client, obj T) error
}

func (k *kind[T, L]) groupResource() schema.GroupResource {
	return meshv1.GroupVersion.WithResource(k.resource).GroupResource()
}

// write answers err's Status, or else obj with its kind.
func (k *kind[T, L]) write(w http.ResponseWriter, code int, obj T, err error) {
	obj.GetObjectKind().SetGroupVersionKind(meshv1.GroupVersion.WithKind(k.name))
	writeObject(w, code, obj, err)
}

// decode reads an object of the namespace in the path and checks its spec,
// naming the field of each mistake.
func (k *kind[T, L]) decode(r *http.Request) (T, error) {
	obj := k.newObj()
	if err := requestbody.Decode(r, obj, requestbody.Options{Kind: k.name, Strict: true}); err != nil {
		return obj, err
	}
	if errs := k.validate(obj); len(errs) > 0 {
		return obj, apistatus.Invalid(k.name, obj.GetName(), errs)
	}
	obj.SetNamespace(r.PathValue("namespace"))
	obj.SetManagedFields(nil)
	k.clearStatus(obj)
	return obj, nil
}

func (k *kind[T, L]) listHandler(h *Handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q, err := listquery.Parse(r.URL.Query(), k.list)
		if err != nil {
			responsewriters.WriteStatus(w, err)
			return
		}
		c, err := h.as(r)
		if err != nil {
			responsewriters.WriteStatus(w, err)
			return
		}
		list := k.newList()
		if err := c.List(r.Context(), list, client.InNamespace(r.PathValue("namespace"))); err != nil {
			responsewriters.WriteStatus(w, err)
			return
		}
		items := k.items(list)
		for _, o := range items {
			o.SetManagedFields(nil)
			o.GetObjectKind().SetGroupVersionKind(meshv1.GroupVersion.WithKind(k.name))
		}
		responsewriters.WriteJSON(w, http.StatusOK, listquery.Apply(items, q, k.columns, k.filters))
	}
}

// createHandler creates the object as the caller, once its spec.service
// names a Service of the namespace.
func (k *kind[T, L]) createHandler(h *Handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		obj, err := k.decode(r)
		if err != nil {
			responsewriters.WriteStatus(w, err)
			return
		}
		c, err := h.as(r)
		if err != nil {
			responsewriters.WriteStatus(w, err)
			return
		}
		if err := h.serviceExists(r, k.name, k.resource, obj.GetName(), obj.GetNamespace(), k.service(obj)); err != nil {
			responsewriters.WriteStatus(w, err)
			return
		}
		if k.beforeCreate != nil {
			if err := k.beforeCreate(r.Context(), c, obj); err != nil {
				responsewriters.WriteStatus(w, err)
				return
			}
		}
		obj.SetResourceVersion("")
		err = c.Create(r.Context(), obj)
		k.write(w, http.StatusCreated, obj, err)
	}
}

func (k *kind[T, L]) getHandler(h *Handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, err := h.as(r)
		if err != nil {
			responsewriters.WriteStatus(w, err)
			return
		}
		obj := k.newObj()
		err = c.Get(r.Context(), client.ObjectKey{Namespace: r.PathValue("namespace"), Name: r.PathValue("name")}, obj)
		k.write(w, http.StatusOK, obj, err)
	}
}

// updateHandler replaces the object. A PUT without resourceVersion
// replaces what is there now; with one, kube-apiserver refuses a stale
// write (409).
func (k *kind[T, L]) updateHandler(h *Handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		obj, err := k.decode(r)
		if err != nil {
			responsewriters.WriteStatus(w, err)
			return
		}
		if obj.GetName() != r.PathValue("name") {
			responsewriters.WriteStatus(w, apistatus.Invalid(k.name, obj.GetName(), field.ErrorList{
				field.Invalid(field.NewPath("metadata", "name"), obj.GetName(), "must be the name in the path")}))
			return
		}
		c, err := h.as(r)
		if err != nil {
			responsewriters.WriteStatus(w, err)
			return
		}
		if obj.GetResourceVersion() == "" {
			old := k.newObj()
			if err := c.Get(r.Context(), client.ObjectKeyFromObject(obj), old); err != nil {
				responsewriters.WriteStatus(w, err)
				return
			}
			obj.SetResourceVersion(old.GetResourceVersion())
		}
		err = c.Update(r.Context(), obj)
		k.write(w, http.StatusOK, obj, err)
	}
}

func (k *kind[T, L]) deleteHandler(h *Handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, err := h.as(r)
		if err != nil {
			responsewriters.WriteStatus(w, err)
			return
		}
		obj := k.newObj()
		obj.SetNamespace(r.PathValue("namespace"))
		obj.SetName(r.PathValue("name"))
		if err := c.Delete(r.Context(), obj); err != nil {
			responsewriters.WriteStatus(w, err)
			return
		}
		responsewriters.WriteDeleted(w, k.groupResource(), obj.GetName())
	}
}

// pointers are pointers to a list's items.
func pointers[E any](items []E) []*E {
	out := make([]*E, len(items))
	for i := range items {
		out[i] = &items[i]
	}
	return out
}
