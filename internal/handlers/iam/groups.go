package iam

import (
	"net/http"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	"github.com/superkube/super-kubenetes/internal/apiserver/listquery"
	"github.com/superkube/super-kubenetes/internal/apiserver/responsewriters"
	iamsvc "github.com/superkube/super-kubenetes/internal/services/iam"
)

func (h *Handlers) listGroups(w http.ResponseWriter, r *http.Request) {
	q, ok := parseList(w, r, listquery.Spec{})
	if !ok {
		return
	}
	groups, err := h.service().ListGroups(r.Context())
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	responsewriters.WriteJSON(w, http.StatusOK, listquery.Apply(groups, q, nil, nil))
}

func (h *Handlers) createGroup(w http.ResponseWriter, r *http.Request) {
	in := &iamv1beta1.Group{}
	if !decode(w, r, in) {
		return
	}
	g, err := h.service().CreateGroup(r.Context(), in)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	responsewriters.WriteJSON(w, http.StatusCreated, g)
}

func (h *Handlers) getGroup(w http.ResponseWriter, r *http.Request) {
	names, ok := pathNames(w, r, "group")
	if !ok {
		return
	}
	g, err := h.service().GetGroup(r.Context(), names[0])
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	responsewriters.WriteJSON(w, http.StatusOK, g)
}

// updateGroup serves PUT groups/{group}: the spec of the body replaces the group's.
func (h *Handlers) updateGroup(w http.ResponseWriter, r *http.Request) {
	names, ok := pathNames(w, r, "group")
	if !ok {
		return
	}
	if !h.mayActOnGroup(w, r, names[0]) {
		return
	}
	in := &iamv1beta1.Group{}
	if !decode(w, r, in) {
		return
	}
	g, err := h.service().UpdateGroup(r.Context(), names[0], in)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	responsewriters.WriteJSON(w, http.StatusOK, g)
}

// patchGroup serves PATCH groups/{group} with a JSON merge patch.
func (h *Handlers) patchGroup(w http.ResponseWriter, r *http.Request) {
	names, ok := pathNames(w, r, "group")
	if !ok {
		return
	}
	if !h.mayActOnGroup(w, r, names[0]) {
		return
	}
	cur, err := h.service().GetGroup(r.Context(), names[0])
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	desired := &iamv1beta1.Group{}
	setsVersion, ok := applyMergePatch(w, r, cur, desired)
	if !ok {
		return
	}
	if !setsVersion {
		desired.ResourceVersion = ""
	}
	g, err := h.service().UpdateGroup(r.Context(), names[0], desired)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	responsewriters.WriteJSON(w, http.StatusOK, g)
}

func (h *Handlers) deleteGroup(w http.ResponseWriter, r *http.Request) {
	names, ok := pathNames(w, r, "group")
	if !ok {
		return
	}
	if !h.mayActOnGroup(w, r, names[0]) {
		return
	}
	if err := h.service().DeleteGroup(r.Context(), names[0]); err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	deleted(w, "groups", names[0])
}

func (h *Handlers) listGroupMembers(w http.ResponseWriter, r *http.Request) {
	names, ok := pathNames(w, r, "group")
	if !ok {
		return
	}
	q, ok := parseList(w, r, listquery.Spec{})
	if !ok {
		return
	}
	members, err := h.service().GroupMembers(r.Context(), names[0])
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	responsewriters.WriteJSON(w, http.StatusOK, listquery.Apply(members, q, nil, nil))
}

// addGroupMember serves POST groups/{group}/members {username}.
func (h *Handlers) addGroupMember(w http.ResponseWriter, r *http.Request) {
	names, ok := pathNames(w, r, "group")
	if !ok {
		return
	}
	if !h.mayActOnGroup(w, r, names[0]) {
		return
	}
	var req iamsvc.GroupMemberRequest
	if !decode(w, r, &req) || (req.Username != "" && !h.mayActOnUser(w, r, req.Username)) {
		return
	}
	m, err := h.service().AddGroupMember(r.Context(), names[0], req)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	responsewriters.WriteJSON(w, http.StatusCreated, m)
}

func (h *Handlers) removeGroupMember(w http.ResponseWriter, r *http.Request) {
	names, ok := pathNames(w, r, "group", "user")
	if !ok {
		return
	}
	if !h.mayActOnGroup(w, r, names[0]) || !h.mayActOnUser(w, r, names[1]) {
		return
	}
	if err := h.service().RemoveGroupMember(r.Context(), names[0], names[1]); err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	deleted(w, "groups/members", names[1])
}
