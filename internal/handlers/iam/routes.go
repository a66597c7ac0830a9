package iam

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/superkube/super-kubenetes/internal/apiserver/routes"

	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/validate/content"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apiserver/pkg/authentication/user"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	"github.com/superkube/super-kubenetes/internal/apiserver/filters"
	"github.com/superkube/super-kubenetes/internal/apiserver/listquery"
	"github.com/superkube/super-kubenetes/internal/apiserver/mergepatch"
	"github.com/superkube/super-kubenetes/internal/apiserver/request"
	"github.com/superkube/super-kubenetes/internal/apiserver/responsewriters"
	iamsvc "github.com/superkube/super-kubenetes/internal/services/iam"
)

// installManagement adds the endpoints that manage users, members, roles
// and groups.
func (h *Handlers) installManagement(mux routes.Mux) {
	// Users.
	mux.HandleFunc("GET "+prefix+"/users", h.listUsers)
	mux.HandleFunc("POST "+prefix+"/users", h.createUser)
	mux.HandleFunc("GET "+prefix+"/users/{user}", h.getUser)
	mux.HandleFunc("PUT "+prefix+"/users/{user}", h.updateUser)
	mux.HandleFunc("PATCH "+prefix+"/users/{user}", h.patchUser)
	mux.HandleFunc("DELETE "+prefix+"/users/{user}", h.deleteUser)
	mux.HandleFunc("POST "+prefix+"/users/{user}/disable", h.setDisabled(true))
	mux.HandleFunc("POST "+prefix+"/users/{user}/enable", h.setDisabled(false))
	mux.HandleFunc("POST "+prefix+"/users/{user}/unlock", h.unlockUser)
	mux.HandleFunc("GET "+prefix+"/users/{user}/loginrecords", h.loginRecords)

	// Members of a workspace, a project and the cluster.
	for _, base := range []string{prefix + "/workspaces/{workspace}/members", prefix + "/namespaces/{namespace}/members", prefix + "/clustermembers"} {
		mux.HandleFunc("GET "+base, h.listMembers)
		mux.HandleFunc("POST "+base, h.addMember)
		mux.HandleFunc("GET "+base+"/{user}", h.getMember)
		mux.HandleFunc("PUT "+base+"/{user}", h.setMemberRole)
		mux.HandleFunc("DELETE "+base+"/{user}", h.removeMember)
	}

	// Roles of the platform, a workspace, a project and the cluster.
	for _, base := range []string{prefix + "/globalroles", prefix + "/workspaces/{workspace}/workspaceroles", prefix + "/namespaces/{namespace}/roles", prefix + "/clusterroles"} {
		mux.HandleFunc("GET "+base, h.listRoles)
		mux.HandleFunc("POST "+base, h.createRole)
		mux.HandleFunc("GET "+base+"/{name}", h.getRole)
		mux.HandleFunc("PUT "+base+"/{name}", h.updateRole)
		mux.HandleFunc("DELETE "+base+"/{name}", h.deleteRole)
	}

	// Groups and their members.
	mux.HandleFunc("GET "+prefix+"/groups", h.listGroups)
	mux.HandleFunc("POST "+prefix+"/groups", h.createGroup)
	mux.HandleFunc("GET "+prefix+"/groups/{group}", h.getGroup)
	mux.HandleFunc("PUT "+prefix+"/groups/{group}", h.updateGroup)
	mux.HandleFunc("PATCH "+prefix+"/groups/{group}", h.patchGroup)
	mux.HandleFunc("DELETE "+prefix+"/groups/{group}", h.deleteGroup)
	mux.HandleFunc("GET "+prefix+"/groups/{group}/members", h.listGroupMembers)
	mux.HandleFunc("POST "+prefix+"/groups/{group}/members", h.addGroupMember)
	mux.HandleFunc("DELETE "+prefix+"/groups/{group}/members/{user}", h.removeGroupMember)
}

// AuthzRules map the IAM routes whose URL names a resource the roles know
// under another group or name: members are bindings, project and cluster
// roles are native RBAC objects.
//
// Actions on subresources of users and groups that role templates do not
// name (disable, enable, unlock, login records, group members) are mapped by
// authz.SelfService, which sees the subresource.
func AuthzRules() filters.Rules {
	const iam, rbac = iamv1beta1.GroupName, rbacv1.GroupName
	return filters.Rules{
		{Group: iam, Resource: "members", Level: iamv1beta1.LevelWorkspace, AuthzGroup: iam, AuthzResource: "workspacerolebindings"},
		{Group: iam, Resource: "members", Level: iamv1beta1.LevelNamespace, AuthzGroup: rbac, AuthzResource: "rolebindings"},
		{Group: iam, Resource: "clustermembers", Level: iamv1beta1.LevelGlobal, AuthzGroup: rbac, AuthzResource: "clusterrolebindings"},
		{Group: iam, Resource: "roles", Level: iamv1beta1.LevelNamespace, AuthzGroup: rbac, AuthzResource: "roles"},
		{Group: iam, Resource: "clusterroles", Level: iamv1beta1.LevelGlobal, AuthzGroup: rbac, AuthzResource: "clusterroles"},
	}
}

// service returns the IAM service, built once from the handlers' parts.
func (h *Handlers) service() *iamsvc.Service {
	h.svcOnce.Do(func() {
		h.svc = &iamsvc.Service{Reader: h.Users, Client: h.Client, Authorizer: h.Authorizer, Escalation: h.Escalation, Tokens: h.Store, Clock: h.Clock,
			BcryptCost: h.BcryptCost, Passwords: h.Passwords, SystemNamespace: h.SystemNamespace}
	})
	return h.svc
}

// mayActOnUser answers 403 and returns false when the caller may not act
// on the user: the user holds a permission the caller does not.
func (h *Handlers) mayActOnUser(w http.ResponseWriter, r *http.Request, name string) bool {
	if err := h.service().CheckActOnUser(r.Context(), caller(r), name); err != nil {
		responsewriters.WriteStatus(w, err)
		return false
	}
	return true
}

// mayActOnGroup answers 403 and returns false when the caller may not
// change the group or its members: the group holds a permission the caller
// does not.
func (h *Handlers) mayActOnGroup(w http.ResponseWriter, r *http.Request, group string) bool {
	if err := h.service().CheckActOnGroup(caller(r), group); err != nil {
		responsewriters.WriteStatus(w, err)
		return false
	}
	return true
}

// caller is the authenticated user of the request.
func caller(r *http.Request) user.Info {
	u, ok := request.UserFrom(r.Context())
	if !ok {
		return &user.DefaultInfo{Name: user.Anonymous}
	}
	return u
}

// pathName reads a name from the path; a name that could not name an
// object (for example one that tries to reach another path) is a 400
// naming the parameter. Role names may be any valid path segment (native
// roles made with kubectl); other names are DNS-1123 subdomains.
func pathName(r *http.Request, param string) (string, error) {
	v := r.PathValue(param)
	var msgs []string
	if param == "name" {
		msgs = content.IsPathSegmentName(v)
	} else {
		msgs = validation.IsDNS1123Subdomain(v)
	}
	if v == "" {
		msgs = append(msgs, "must not be empty")
	}
	if len(msgs) > 0 {
		if len(v) > 64 {
			v = v[:64] + "..."
		}
		return "", responsewriters.BadRequest(param, fmt.Sprintf("%q is not a valid name: %s", v, strings.Join(msgs, "; ")))
	}
	return v, nil
}

// pathNames reads several names from the path.
func pathNames(w http.ResponseWriter, r *http.Request, params ...string) ([]string, bool) {
	out := make([]string, 0, len(params))
	for _, p := range params {
		v, err := pathName(r, p)
		if err != nil {
			responsewriters.WriteStatus(w, err)
			return nil, false
		}
		out = append(out, v)
	}
	return out, true
}

// decode reads a JSON body into v; false when it wrote an error.
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(r.Body).Decode(v); err != nil {
		if err == io.EOF {
			responsewriters.WriteStatus(w, apierrors.NewBadRequest("the request needs a JSON body"))
			return false
		}
		responsewriters.WriteStatus(w, decodeError(err))
		return false
	}
	return true
}

// applyMergePatch applies the JSON merge patch (RFC 7386) of the request
// body to current, decoding the result into out. It reports whether the
// patch sets metadata.resourceVersion (for optimistic locking).
func applyMergePatch(w http.ResponseWriter, r *http.Request, current, out any) (setsVersion, ok bool) {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, _ := mime.ParseMediaType(ct)
		if mt != "application/merge-patch+json" && mt != "application/json" {
			responsewriters.WriteStatus(w, responsewriters.StatusError(http.StatusUnsupportedMediaType, metav1.StatusReasonUnsupportedMediaType,
				"the patch must be a JSON merge patch (Content-Type: application/merge-patch+json)"))
			return false, false
		}
	}
	patch, err := io.ReadAll(r.Body)
	if err != nil {
		responsewriters.WriteStatus(w, filters.BodyError(err))
		return false, false
	}
	if len(bytes.TrimSpace(patch)) == 0 {
		responsewriters.WriteStatus(w, apierrors.NewBadRequest("the request needs a JSON body"))
		return false, false
	}
	doc, err := json.Marshal(current)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return false, false
	}
	merged, err := mergepatch.Apply(doc, patch)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return false, false
	}
	if err := json.Unmarshal(merged, out); err != nil {
		responsewriters.WriteStatus(w, apierrors.NewBadRequest("the patched object is not valid: "+err.Error()))
		return false, false
	}
	var p struct {
		Metadata map[string]json.RawMessage `json:"metadata"`
	}
	if json.Unmarshal(patch, &p) == nil {
		_, setsVersion = p.Metadata["resourceVersion"]
	}
	return setsVersion, true
}

// parseList reads the list convention's parameters; false when it wrote an error.
func parseList(w http.ResponseWriter, r *http.Request, spec listquery.Spec) (*listquery.Query, bool) {
	q, err := listquery.Parse(r.URL.Query(), spec)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return nil, false
	}
	return q, true
}

// deleted answers a successful deletion.
func deleted(w http.ResponseWriter, resource, name string) {
	responsewriters.WriteJSON(w, http.StatusOK, metav1.Status{TypeMeta: metav1.TypeMeta{Kind: "Status", APIVersion: "v1"},
		Status: metav1.StatusSuccess, Code: http.StatusOK, Details: &metav1.StatusDetails{Group: iamv1beta1.GroupName, Kind: resource, Name: name}})
}

// sortByTime renders a time so that strings sort as times do; never is first.
func sortByTime(t *metav1.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05.000000000Z")
}
