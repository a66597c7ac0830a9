package iam

import (
	"net/http"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	"github.com/superkube/super-kubenetes/internal/apiserver/apistatus"
	"github.com/superkube/super-kubenetes/internal/apiserver/listquery"
	"github.com/superkube/super-kubenetes/internal/apiserver/responsewriters"
	iamsvc "github.com/superkube/super-kubenetes/internal/services/iam"
)

// roleList is the list convention of the role lists: builtin (true, false)
// filters.
var roleList = listquery.Spec{Filters: []string{"builtin"}}

var roleFilters = listquery.Filters[*iamsvc.Role]{
	"builtin": func(r *iamsvc.Role, v string) bool {
		return (r.Labels[iamv1beta1.BuiltinLabel] == "true") == (v == "true")
	},
}

func (h *Handlers) listRoles(w http.ResponseWriter, r *http.Request) {
	lv, ok := levelOf(w, r)
	if !ok {
		return
	}
	q, ok := parseList(w, r, roleList)
	if !ok {
		return
	}
	if v, has := q.Filters["builtin"]; has && v != "true" && v != "false" {
		responsewriters.WriteStatus(w, apistatus.BadRequest("builtin", "must be true or false"))
		return
	}
	roles, err := h.service().Roles(r.Context(), lv)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	responsewriters.WriteJSON(w, http.StatusOK, listquery.Apply(roles, q, nil, roleFilters))
}

func (h *Handlers) getRole(w http.ResponseWriter, r *http.Request) {
	lv, ok := levelOf(w, r)
	if !ok {
		return
	}
	names, ok := pathNames(w, r, "name")
	if !ok {
		return
	}
	role, err := h.service().GetRole(r.Context(), lv, names[0])
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	responsewriters.WriteJSON(w, http.StatusOK, role)
}

// createRole serves POST of a custom role:
// {"metadata":{"name":...,"annotations":{"superkube.io/display-name":...}},"templates":[...]}.
func (h *Handlers) createRole(w http.ResponseWriter, r *http.Request) {
	lv, ok := levelOf(w, r)
	if !ok {
		return
	}
	var req iamsvc.RoleRequest
	if !decode(w, r, &req) {
		return
	}
	role, err := h.service().CreateRole(r.Context(), caller(r), lv, req)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	responsewriters.WriteJSON(w, http.StatusCreated, role)
}

// updateRole serves PUT of a custom role; built-in roles are read-only (409).
func (h *Handlers) updateRole(w http.ResponseWriter, r *http.Request) {
	lv, ok := levelOf(w, r)
	if !ok {
		return
	}
	names, ok := pathNames(w, r, "name")
	if !ok {
		return
	}
	var req iamsvc.RoleRequest
	if !decode(w, r, &req) {
		return
	}
	role, err := h.service().UpdateRole(r.Context(), caller(r), lv, names[0], req)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	responsewriters.WriteJSON(w, http.StatusOK, role)
}

func (h *Handlers) deleteRole(w http.ResponseWriter, r *http.Request) {
	lv, ok := levelOf(w, r)
	if !ok {
		return
	}
	names, ok := pathNames(w, r, "name")
	if !ok {
		return
	}
	if err := h.service().DeleteRole(r.Context(), lv, names[0]); err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	deleted(w, "roles", names[0])
}
