package iam

import (
	"net/http"
	"slices"
	"strings"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	"github.com/superkube/super-kubenetes/internal/apiserver/apistatus"
	"github.com/superkube/super-kubenetes/internal/apiserver/listquery"
	"github.com/superkube/super-kubenetes/internal/apiserver/responsewriters"
	iamsvc "github.com/superkube/super-kubenetes/internal/services/iam"
)

// userList is the list convention of GET users: state (Active, Disabled,
// AuthLimitExceeded) and email (case-insensitive substring) filter; sortBy
// also takes lastLoginTime.
var userList = listquery.Spec{SortBy: []string{"lastLoginTime"}, Filters: []string{"state", "email"}}

var userColumns = listquery.Columns[*iamv1beta1.User]{
	"lastLoginTime": func(u *iamv1beta1.User) string { return sortByTime(u.Status.LastLoginTime) },
}

var userFilters = listquery.Filters[*iamv1beta1.User]{
	"state": func(u *iamv1beta1.User, v string) bool { return strings.EqualFold(string(u.Status.State), v) },
	"email": func(u *iamv1beta1.User, v string) bool {
		return strings.Contains(strings.ToLower(u.Spec.Email), strings.ToLower(v))
	},
}

// loginRecordList is the list convention of GET users/{user}/loginrecords:
// success (true, false) and type filter.
var loginRecordList = listquery.Spec{Filters: []string{"success", "type"}}

var loginRecordFilters = listquery.Filters[*iamv1beta1.LoginRecord]{
	"success": func(r *iamv1beta1.LoginRecord, v string) bool { return strings.EqualFold(v, "true") == r.Spec.Success },
	"type":    func(r *iamv1beta1.LoginRecord, v string) bool { return strings.EqualFold(string(r.Spec.Type), v) },
}

func (h *Handlers) listUsers(w http.ResponseWriter, r *http.Request) {
	q, ok := parseList(w, r, userList)
	if !ok {
		return
	}
	if v, has := q.Filters["state"]; has && !slices.ContainsFunc(iamsvc.UserStates, func(s iamv1beta1.UserState) bool { return strings.EqualFold(string(s), v) }) {
		responsewriters.WriteStatus(w, apistatus.BadRequest("state", "must be one of Active, Disabled, AuthLimitExceeded"))
		return
	}
	users, err := h.service().ListUsers(r.Context())
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	responsewriters.WriteJSON(w, http.StatusOK, listquery.Apply(users, q, userColumns, userFilters))
}

// createUser serves POST users: a User whose spec.password, if any, is the
// plaintext; it is checked and stored as its bcrypt hash.
func (h *Handlers) createUser(w http.ResponseWriter, r *http.Request) {
	in := &iamv1beta1.User{}
	if !decode(w, r, in) {
		return
	}
	u, err := h.service().CreateUser(r.Context(), in)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	responsewriters.WriteJSON(w, http.StatusCreated, u)
}

func (h *Handlers) getUser(w http.ResponseWriter, r *http.Request) {
	names, ok := pathNames(w, r, "user")
	if !ok {
		return
	}
	u, err := h.service().GetUser(r.Context(), names[0])
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	responsewriters.WriteJSON(w, http.StatusOK, u)
}

// updateUser serves PUT users/{user}: the profile fields of the body
// replace the user's.
func (h *Handlers) updateUser(w http.ResponseWriter, r *http.Request) {
	names, ok := pathNames(w, r, "user")
	if !ok {
		return
	}
	if !h.mayActOnUser(w, r, names[0]) {
		return
	}
	in := &iamv1beta1.User{}
	if !decode(w, r, in) {
		return
	}
	u, err := h.service().UpdateUser(r.Context(), names[0], in)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	responsewriters.WriteJSON(w, http.StatusOK, u)
}

// patchUser serves PATCH users/{user} with a JSON merge patch.
func (h *Handlers) patchUser(w http.ResponseWriter, r *http.Request) {
	names, ok := pathNames(w, r, "user")
	if !ok {
		return
	}
	if !h.mayActOnUser(w, r, names[0]) {
		return
	}
	cur, err := h.service().GetUser(r.Context(), names[0])
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	desired := &iamv1beta1.User{}
	setsVersion, ok := applyMergePatch(w, r, cur, desired)
	if !ok {
		return
	}
	if !setsVersion {
		desired.ResourceVersion = ""
	}
	u, err := h.service().UpdateUser(r.Context(), names[0], desired)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	responsewriters.WriteJSON(w, http.StatusOK, u)
}

func (h *Handlers) deleteUser(w http.ResponseWriter, r *http.Request) {
	names, ok := pathNames(w, r, "user")
	if !ok {
		return
	}
	if !h.mayActOnUser(w, r, names[0]) {
		return
	}
	if err := h.service().DeleteUser(r.Context(), caller(r), names[0]); err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	deleted(w, "users", names[0])
}

// setDisabled serves POST users/{user}/disable and /enable.
func (h *Handlers) setDisabled(disabled bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		names, ok := pathNames(w, r, "user")
		if !ok || !h.mayActOnUser(w, r, names[0]) {
			return
		}
		u, err := h.service().SetDisabled(r.Context(), caller(r), names[0], disabled)
		if err != nil {
			responsewriters.WriteStatus(w, err)
			return
		}
		responsewriters.WriteJSON(w, http.StatusOK, u)
	}
}

// unlockUser serves POST users/{user}/unlock.
func (h *Handlers) unlockUser(w http.ResponseWriter, r *http.Request) {
	names, ok := pathNames(w, r, "user")
	if !ok {
		return
	}
	u, err := h.service().Unlock(r.Context(), names[0])
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	responsewriters.WriteJSON(w, http.StatusOK, u)
}

// loginRecords serves GET users/{user}/loginrecords.
func (h *Handlers) loginRecords(w http.ResponseWriter, r *http.Request) {
	names, ok := pathNames(w, r, "user")
	if !ok {
		return
	}
	q, ok := parseList(w, r, loginRecordList)
	if !ok {
		return
	}
	if v, has := q.Filters["success"]; has && v != "true" && v != "false" {
		responsewriters.WriteStatus(w, apistatus.BadRequest("success", "must be true or false"))
		return
	}
	records, err := h.service().LoginRecords(r.Context(), names[0])
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	responsewriters.WriteJSON(w, http.StatusOK, listquery.Apply(records, q, nil, loginRecordFilters))
}
