package iam

import (
	"fmt"
	"net/http"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/validate/content"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apiserver/pkg/authentication/user"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	"github.com/superkube/super-kubenetes/internal/apiserver/apistatus"
	"github.com/superkube/super-kubenetes/internal/apiserver/filters"
	"github.com/superkube/super-kubenetes/internal/apiserver/listquery"
	"github.com/superkube/super-kubenetes/internal/apiserver/mergepatch"
	"github.com/superkube/super-kubenetes/internal/apiserver/request"
	"github.com/superkube/super-kubenetes/internal/apiserver/requestbody"
	"github.com/superkube/super-kubenetes/internal/apiserver/responsewriters"
	"github.com/superkube/super-kubenetes/internal/apiserver/routes"
	iamsvc "github.com/superkube/super-kubenetes/internal/services/iam"
)

// installManagement adds the endpoints that manage users, members, roles
// and groups.
func (h *Handlers) installManagement(mux routes.Mux) {
	// Users.
	mux.Handle(prefix+"/users", routes.Methods{http.MethodGet: h.listUsers, http.MethodPost: h.createUser})
	mux.Handle(prefix+"/users/{user}", routes.Methods{http.MethodGet: h.getUser, http.MethodPut: h.updateUser,
		http.MethodPatch: h.patchUser, http.MethodDelete: h.deleteUser})
	mux.Handle(prefix+"/users/{user}/disable", routes.Methods{http.MethodPost: h.setDisabled(true)})
	mux.Handle(prefix+"/users/{user}/enable", routes.Methods{http.MethodPost: h.setDisabled(false)})
	mux.Handle(prefix+"/users/{user}/unlock", routes.Methods{http.MethodPost: h.unlockUser})
	mux.Handle(prefix+"/users/{user}/loginrecords", routes.Methods{http.MethodGet: h.loginRecords})

	// Members of a workspace, a project and the cluster.
	for _, base := range []string{prefix + "/workspaces/{workspace}/members", prefix + "/namespaces/{namespace}/members", prefix + "/clustermembers"} {
		mux.Handle(base, routes.Methods{http.MethodGet: h.listMembers, http.MethodPost: h.addMember})
		mux.Handle(base+"/{user}", routes.Methods{http.MethodGet: h.getMember, http.MethodPut: h.setMemberRole, http.MethodDelete: h.removeMember})
	}

	// Roles of the platform, a workspace, a project and the cluster.
	for _, base := range []string{prefix + "/globalroles", prefix + "/workspaces/{workspace}/workspaceroles", prefix + "/namespaces/{namespace}/roles", prefix + "/clusterroles"} {
		mux.Handle(base, routes.Methods{http.MethodGet: h.listRoles, http.MethodPost: h.createRole})
		mux.Handle(base+"/{name}", routes.Methods{http.MethodGet: h.getRole, http.MethodPut: h.updateRole, http.MethodDelete: h.deleteRole})
	}

	// Groups and their members.
	mux.Handle(prefix+"/groups", routes.Methods{http.MethodGet: h.listGroups, http.MethodPost: h.createGroup})
	mux.Handle(prefix+"/groups/{group}", routes.Methods{http.MethodGet: h.getGroup, http.MethodPut: h.updateGroup,
		http.MethodPatch: h.patchGroup, http.MethodDelete: h.deleteGroup})
	mux.Handle(prefix+"/groups/{group}/members", routes.Methods{http.MethodGet: h.listGroupMembers, http.MethodPost: h.addGroupMember})
	mux.Handle(prefix+"/groups/{group}/members/{user}", routes.Methods{http.MethodDelete: h.removeGroupMember})
}

// InstallMember adds only the endpoints of one cluster's members and
// roles and of its projects' members and roles, for a member cluster (the
// platform's users, groups and roles are the host's).
func (h *Handlers) InstallMember(mux routes.Mux) {
	for _, base := range []string{prefix + "/namespaces/{namespace}/members", prefix + "/clustermembers"} {
		mux.Handle(base, routes.Methods{http.MethodGet: h.listMembers, http.MethodPost: h.addMember})
		mux.Handle(base+"/{user}", routes.Methods{http.MethodGet: h.getMember, http.MethodPut: h.setMemberRole, http.MethodDelete: h.removeMember})
	}
	for _, base := range []string{prefix + "/namespaces/{namespace}/roles", prefix + "/clusterroles"} {
		mux.Handle(base, routes.Methods{http.MethodGet: h.listRoles, http.MethodPost: h.createRole})
		mux.Handle(base+"/{name}", routes.Methods{http.MethodGet: h.getRole, http.MethodPut: h.updateRole, http.MethodDelete: h.deleteRole})
	}
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
		return "", apistatus.BadRequest(param, fmt.Sprintf("%q is not a valid name: %s", v, strings.Join(msgs, "; ")))
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

// decode reads a JSON body into v (requestbody.Decode); false when it
// wrote an error.
func decode(w http.ResponseWriter, r *http.Request, v any, o ...requestbody.Options) bool {
	var opts requestbody.Options
	if len(o) > 0 {
		opts = o[0]
	}
	if err := requestbody.Decode(r, v, opts); err != nil {
		responsewriters.WriteStatus(w, err)
		return false
	}
	return true
}

// applyMergePatch applies the JSON merge patch (RFC 7386) of the request
// body to current, decoding the result into out. It reports whether the
// patch sets metadata.resourceVersion (for optimistic locking).
func applyMergePatch(w http.ResponseWriter, r *http.Request, current, out any) (setsVersion, ok bool) {
	patch, err := requestbody.ReadMergePatch(r)
	if err == nil {
		setsVersion, err = mergepatch.ApplyTo(current, patch, out)
	}
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return false, false
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
	responsewriters.WriteDeleted(w, iamv1beta1.GroupVersion.WithResource(resource).GroupResource(), name)
}

// sortByTime renders a time so that strings sort as times do; never is first.
func sortByTime(t *metav1.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05.000000000Z")
}
