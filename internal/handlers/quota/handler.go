// Package quota serves a workspace's quotas at
// /kapis/quota.superkube.io/v1alpha2/workspaces/{workspace}/resourcequotas
// for the workspace's members: the filter chain authorizes the request at
// the workspace's level (the workspace-view-settings template grants it),
// and the answer holds that workspace's quotas alone, with their usage per
// project. Platform administrators write quotas as custom resources
// (/apis/quota.superkube.io through the proxy, or kubectl).
package quota

import (
	"net/http"
	"slices"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	quotav1alpha2 "github.com/superkube/super-kubenetes/api/quota/v1alpha2"
	"github.com/superkube/super-kubenetes/internal/apiserver/listquery"
	"github.com/superkube/super-kubenetes/internal/apiserver/responsewriters"
	"github.com/superkube/super-kubenetes/internal/apiserver/routes"
)

// Prefix is the path of the group's version.
const Prefix = "/kapis/" + quotav1alpha2.GroupName + "/v1alpha2"

// Handler serves the workspace quotas.
type Handler struct {
	// Reader reads quotas from ke-apiserver's cache.
	Reader client.Reader
}

// Install adds the endpoints.
func (h *Handler) Install(mux routes.Mux) {
	mux.Handle(Prefix+"/workspaces/{workspace}/resourcequotas", routes.Methods{http.MethodGet: h.list})
	mux.Handle(Prefix+"/workspaces/{workspace}/resourcequotas/{name}", routes.Methods{http.MethodGet: h.get})
}

func (h *Handler) list(w http.ResponseWriter, r *http.Request) {
	q, err := listquery.Parse(r.URL.Query(), listquery.Spec{})
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	items, err := h.of(r, r.PathValue("workspace"))
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	responsewriters.WriteJSON(w, http.StatusOK, listquery.Apply(items, q, nil, nil))
}

func (h *Handler) get(w http.ResponseWriter, r *http.Request) {
	items, err := h.of(r, r.PathValue("workspace"))
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	name := r.PathValue("name")
	i := slices.IndexFunc(items, func(q *quotav1alpha2.ResourceQuota) bool { return q.Name == name })
	if i < 0 {
		responsewriters.WriteStatus(w, apierrors.NewNotFound(quotav1alpha2.GroupVersion.WithResource("resourcequotas").GroupResource(), name))
		return
	}
	responsewriters.WriteJSON(w, http.StatusOK, items[i])
}

// of returns the workspace's quotas, by name, without managed fields.
func (h *Handler) of(r *http.Request, ws string) ([]*quotav1alpha2.ResourceQuota, error) {
	var l quotav1alpha2.ResourceQuotaList
	if err := h.Reader.List(r.Context(), &l); err != nil {
		return nil, err
	}
	items := []*quotav1alpha2.ResourceQuota{}
	for i := range l.Items {
		if q := &l.Items[i]; q.Spec.Workspace == ws {
			q.ManagedFields = nil
			q.APIVersion, q.Kind = quotav1alpha2.GroupVersion.String(), "ResourceQuota"
			items = append(items, q)
		}
	}
	slices.SortFunc(items, func(a, b *quotav1alpha2.ResourceQuota) int { return strings.Compare(a.Name, b.Name) })
	return items, nil
}
