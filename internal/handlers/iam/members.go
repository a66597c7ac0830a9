package iam

import (
	"net/http"
	"strings"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	"github.com/superkube/super-kubenetes/internal/apiserver/listquery"
	"github.com/superkube/super-kubenetes/internal/apiserver/responsewriters"
	iamsvc "github.com/superkube/super-kubenetes/internal/services/iam"
)

// memberList is the list convention of the member lists: role filters (a
// role name); sortBy also takes role.
var memberList = listquery.Spec{SortBy: []string{"role"}, Filters: []string{"role"}}

var memberColumns = listquery.Columns[*iamsvc.Member]{
	"role": func(m *iamsvc.Member) string { return m.Role },
}

var memberFilters = listquery.Filters[*iamsvc.Member]{
	"role": func(m *iamsvc.Member, v string) bool {
		for _, r := range m.Roles {
			if r == v {
				return true
			}
		}
		return false
	},
}

// levelOf reads the level of a member or role route from its path:
// workspaces/{workspace}/..., namespaces/{namespace}/..., the cluster's
// (clustermembers, clusterroles) or the platform's (globalroles).
func levelOf(w http.ResponseWriter, r *http.Request) (iamsvc.At, bool) {
	rest := strings.TrimPrefix(r.URL.Path, prefix+"/")
	switch {
	case strings.HasPrefix(rest, "workspaces/"):
		names, ok := pathNames(w, r, "workspace")
		if !ok {
			return iamsvc.At{}, false
		}
		return iamsvc.At{Level: iamv1beta1.LevelWorkspace, Name: names[0]}, true
	case strings.HasPrefix(rest, "namespaces/"):
		names, ok := pathNames(w, r, "namespace")
		if !ok {
			return iamsvc.At{}, false
		}
		return iamsvc.At{Level: iamv1beta1.LevelNamespace, Name: names[0]}, true
	case strings.HasPrefix(rest, "globalroles"):
		return iamsvc.At{Level: iamv1beta1.LevelGlobal}, true
	default:
		return iamsvc.At{Level: iamv1beta1.LevelCluster}, true
	}
}

// memberAnswer leaves out the user's details for callers who may not view
// users, so that no answer about members tells whether a user exists.
func (h *Handlers) memberAnswer(r *http.Request, m *iamsvc.Member) {
	if !h.service().MayViewUsers(caller(r)) {
		iamsvc.WithoutUserDetails(m)
	}
}

func (h *Handlers) listMembers(w http.ResponseWriter, r *http.Request) {
	lv, ok := levelOf(w, r)
	if !ok {
		return
	}
	q, ok := parseList(w, r, memberList)
	if !ok {
		return
	}
	members, err := h.service().Members(r.Context(), lv)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	if !h.service().MayViewUsers(caller(r)) {
		for _, m := range members {
			iamsvc.WithoutUserDetails(m)
		}
	}
	responsewriters.WriteJSON(w, http.StatusOK, listquery.Apply(members, q, memberColumns, memberFilters))
}

func (h *Handlers) getMember(w http.ResponseWriter, r *http.Request) {
	lv, ok := levelOf(w, r)
	if !ok {
		return
	}
	names, ok := pathNames(w, r, "user")
	if !ok {
		return
	}
	m, err := h.service().GetMember(r.Context(), lv, names[0])
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	h.memberAnswer(r, m)
	responsewriters.WriteJSON(w, http.StatusOK, m)
}

// addMember serves POST .../members {username, role}.
func (h *Handlers) addMember(w http.ResponseWriter, r *http.Request) {
	lv, ok := levelOf(w, r)
	if !ok {
		return
	}
	var req iamsvc.MemberRequest
	if !decode(w, r, &req) {
		return
	}
	m, err := h.service().AddMember(r.Context(), caller(r), lv, req)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	h.memberAnswer(r, m)
	responsewriters.WriteJSON(w, http.StatusCreated, m)
}

// setMemberRole serves PUT .../members/{user} {role}.
func (h *Handlers) setMemberRole(w http.ResponseWriter, r *http.Request) {
	lv, ok := levelOf(w, r)
	if !ok {
		return
	}
	names, ok := pathNames(w, r, "user")
	if !ok {
		return
	}
	var req iamsvc.MemberRequest
	if !decode(w, r, &req) {
		return
	}
	m, err := h.service().SetMemberRole(r.Context(), caller(r), lv, names[0], req)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	h.memberAnswer(r, m)
	responsewriters.WriteJSON(w, http.StatusOK, m)
}

func (h *Handlers) removeMember(w http.ResponseWriter, r *http.Request) {
	lv, ok := levelOf(w, r)
	if !ok {
		return
	}
	names, ok := pathNames(w, r, "user")
	if !ok {
		return
	}
	if err := h.service().RemoveMember(r.Context(), caller(r), lv, names[0]); err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	deleted(w, "members", names[0])
}
