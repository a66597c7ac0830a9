package application

import (
	"net/http"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	applicationv2 "github.com/superkube/super-kubenetes/api/application/v2"
	"github.com/superkube/super-kubenetes/internal/apiserver/apistatus"
	"github.com/superkube/super-kubenetes/internal/apiserver/listquery"
	"github.com/superkube/super-kubenetes/internal/apiserver/requestbody"
	"github.com/superkube/super-kubenetes/internal/apiserver/responsewriters"
)

var categoriesGR = schema.GroupResource{Group: Group, Resource: "categories"}

// listCategories: every logged-in user sees the categories.
func (h *Handler) listCategories(w http.ResponseWriter, r *http.Request) {
	q, err := listquery.Parse(r.URL.Query(), listquery.Spec{})
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	var list applicationv2.CategoryList
	if err := h.Reader.List(r.Context(), &list); err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	items := trimmed(list.Items)
	responsewriters.WriteJSON(w, http.StatusOK, listquery.Apply(items, q, nil, nil))
}

func (h *Handler) getCategory(w http.ResponseWriter, r *http.Request) {
	c := &applicationv2.Category{}
	err := h.Reader.Get(r.Context(), client.ObjectKey{Name: r.PathValue("name")}, c)
	writeObject(w, http.StatusOK, c, err)
}

func (h *Handler) decodeCategory(w http.ResponseWriter, r *http.Request, verb string) *applicationv2.Category {
	if !h.allowed(r, verb, "categories", "") {
		responsewriters.WriteStatus(w, forbidden(r, "categories", verb+" categories (the app store's managers do)"))
		return nil
	}
	c := &applicationv2.Category{}
	if err := requestbody.Decode(r, c, requestbody.Options{Kind: "Category"}); err != nil {
		responsewriters.WriteStatus(w, err)
		return nil
	}
	if c.Name == "" {
		responsewriters.WriteStatus(w, apistatus.Invalid("Category", "", field.ErrorList{field.Required(field.NewPath("metadata", "name"), "")}))
		return nil
	}
	c.APIVersion, c.Kind = applicationv2.GroupVersion.String(), "Category"
	c.Status = applicationv2.CategoryStatus{}
	return c
}

func (h *Handler) createCategory(w http.ResponseWriter, r *http.Request) {
	c := h.decodeCategory(w, r, "create")
	if c == nil {
		return
	}
	c.ResourceVersion = ""
	err := h.Writer.Create(r.Context(), c)
	writeObject(w, http.StatusCreated, c, err)
}

func (h *Handler) updateCategory(w http.ResponseWriter, r *http.Request) {
	in := h.decodeCategory(w, r, "update")
	if in == nil {
		return
	}
	if in.Name != r.PathValue("name") {
		responsewriters.WriteStatus(w, apistatus.BadRequest("metadata.name", "must be "+r.PathValue("name")+", the name of the path"))
		return
	}
	out := &applicationv2.Category{}
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		if err := h.Writer.Get(r.Context(), client.ObjectKey{Name: in.Name}, out); err != nil {
			return err
		}
		out.Spec = in.Spec
		return h.Writer.Update(r.Context(), out)
	})
	writeObject(w, http.StatusOK, out, err)
}

func (h *Handler) deleteCategory(w http.ResponseWriter, r *http.Request) {
	if !h.allowed(r, "delete", "categories", "") {
		responsewriters.WriteStatus(w, forbidden(r, "categories", "delete categories"))
		return
	}
	c := &applicationv2.Category{}
	c.Name = r.PathValue("name")
	if err := h.Writer.Delete(r.Context(), c); err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	responsewriters.WriteDeleted(w, categoriesGR, c.Name)
}
