// Package application serves the app store's API at
// /kapis/application.superkube.io/v2: the store's apps and a workspace's
// app templates (uploaded charts), their versions and files, the review
// workflow's actions and the reviewers' queue, chart repositories with
// credentials that are never read back, categories, and releases of a
// version into a project with a dry run for the deploy wizard.
//
// Apps, versions, repositories and categories are cluster-scoped objects
// whose workspace is a label: ke-apiserver decides who may act on them
// (the workspace's roles, the app reviewers, the platform's) and writes them
// with its own identity, enforcing the review workflow as the admission
// webhook does for kubectl. Releases are namespaced: they are written and
// read as the caller through impersonation, so that kube-apiserver's RBAC
// and admission decide as they do for kubectl.
package application

import (
	"context"
	"fmt"
	"net/http"
	"net/netip"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/authentication/user"
	"sigs.k8s.io/controller-runtime/pkg/client"

	applicationv2 "github.com/superkube/super-kubenetes/api/application/v2"
	"github.com/superkube/super-kubenetes/internal/apiserver/filters"
	"github.com/superkube/super-kubenetes/internal/apiserver/request"
	"github.com/superkube/super-kubenetes/internal/apiserver/responsewriters"
	"github.com/superkube/super-kubenetes/internal/apiserver/routes"
	"github.com/superkube/super-kubenetes/internal/application/chartsource"
	"github.com/superkube/super-kubenetes/internal/authz"
	"github.com/superkube/super-kubenetes/internal/impersonate"
	appsvc "github.com/superkube/super-kubenetes/internal/services/application"
)

// Group is the API group of the app store.
const Group = applicationv2.GroupName

// Prefix is its path.
const Prefix = "/kapis/" + Group + "/v2"

// Authorizer is what the handler needs of the authorizer.
type Authorizer interface {
	Authorize(a *authz.Attributes) authz.Decision
	Visible(a authz.Attributes) authz.Visibility
	IsPlatformAdmin(s authz.Subject) bool
}

// Handler serves the app store's API.
type Handler struct {
	Authorizer Authorizer
	// Reader reads apps, versions, repositories, categories, releases and
	// namespaces from ke-apiserver's cache.
	Reader client.Reader
	// Writer writes the cluster-scoped objects and the chart ConfigMaps and
	// credential Secrets with ke-apiserver's identity; LiveReader reads
	// ConfigMaps and Secrets in the system namespace uncached.
	Writer     client.Client
	LiveReader client.Reader
	// Clients act as the caller (releases).
	Clients *impersonate.Clients
	// Charts fetches a version's chart; nil is a chartsource.Source.
	Charts chartsource.Fetcher
	// WorkspaceAllowedCIDRs are the internal networks a workspace's
	// repository may reach (for the default Charts).
	WorkspaceAllowedCIDRs []netip.Prefix
	// SystemNamespace holds chart ConfigMaps and credentials.
	SystemNamespace string
	// Now is the clock; nil is time.Now.
	Now func() time.Time
}

// Install adds the endpoints.
func (h *Handler) Install(mux routes.Mux) {
	mux.Handle(Prefix+"/apps", routes.Methods{http.MethodGet: h.listApps})
	mux.Handle(Prefix+"/apps/{app}", routes.Methods{http.MethodGet: h.getApp, http.MethodDelete: h.deleteApp})
	mux.Handle(Prefix+"/apps/{app}/versions", routes.Methods{http.MethodGet: h.listVersions})
	mux.Handle(Prefix+"/apps/{app}/versions/{version}", routes.Methods{http.MethodGet: h.getVersion, http.MethodDelete: h.deleteVersion})
	mux.Handle(Prefix+"/apps/{app}/versions/{version}/files", routes.Methods{http.MethodGet: h.files})
	mux.Handle(Prefix+"/apps/{app}/versions/{version}/action", routes.Methods{http.MethodPost: h.action})
	mux.Handle(Prefix+"/workspaces/{workspace}/apps", routes.Methods{http.MethodGet: h.listWorkspaceApps, http.MethodPost: h.upload})
	mux.Handle(Prefix+"/reviews", routes.Methods{http.MethodGet: h.reviews})

	mux.Handle(Prefix+"/repos", routes.Methods{http.MethodGet: h.listRepos, http.MethodPost: h.createRepo})
	mux.Handle(Prefix+"/workspaces/{workspace}/repos", routes.Methods{http.MethodGet: h.listRepos, http.MethodPost: h.createRepo})
	mux.Handle(Prefix+"/repos/{name}", routes.Methods{http.MethodGet: h.getRepo, http.MethodPut: h.updateRepo, http.MethodDelete: h.deleteRepo})
	mux.Handle(Prefix+"/repos/{name}/sync", routes.Methods{http.MethodPost: h.syncRepo})

	mux.Handle(Prefix+"/categories", routes.Methods{http.MethodGet: h.listCategories, http.MethodPost: h.createCategory})
	mux.Handle(Prefix+"/categories/{name}", routes.Methods{http.MethodGet: h.getCategory, http.MethodPut: h.updateCategory, http.MethodDelete: h.deleteCategory})

	mux.Handle(Prefix+"/releases", routes.Methods{http.MethodGet: h.listAllReleases})
	mux.Handle(Prefix+"/namespaces/{namespace}/releases", routes.Methods{http.MethodGet: h.listReleases, http.MethodPost: h.createRelease})
	mux.Handle(Prefix+"/namespaces/{namespace}/releases/dryrun", routes.Methods{http.MethodPost: h.dryRun})
	mux.Handle(Prefix+"/namespaces/{namespace}/releases/{name}", routes.Methods{http.MethodGet: h.getRelease, http.MethodPut: h.updateRelease, http.MethodDelete: h.deleteRelease})
	mux.Handle(Prefix+"/namespaces/{namespace}/releases/{name}/rollback", routes.Methods{http.MethodPost: h.rollback})
}

// AuthzRules let every request of the group through to the handler, which
// decides on each: the store's active apps and the categories are every
// logged-in user's; a workspace's templates and repositories its members';
// reviews the reviewers'; releases are read and written as the caller,
// and trimmed to the namespaces the caller may read.
func AuthzRules() filters.Rules {
	return filters.Rules{
		{Group: Group, Resource: "*", Delegate: true},
		{Group: Group, Discovery: true, Delegate: true},
	}
}

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

func caller(r *http.Request) user.Info {
	u, _ := request.UserFrom(r.Context())
	if u == nil {
		return &user.DefaultInfo{}
	}
	return u
}

func subject(r *http.Request) appsvc.Subject { return appsvc.SubjectOf(caller(r)) }

// allowed asks about a verb on a resource of the group at a workspace's
// level ("" platform).
func (h *Handler) allowed(r *http.Request, verb, resource, workspace string) bool {
	return appsvc.Allowed(h.Authorizer, subject(r), verb, resource, workspace)
}

func (h *Handler) isAdmin(r *http.Request) bool {
	u := caller(r)
	return h.Authorizer.IsPlatformAdmin(authz.Subject{User: u.GetName(), Groups: u.GetGroups()})
}

func forbidden(r *http.Request, resource, what string) error {
	return apierrors.NewForbidden(schema.GroupResource{Group: Group, Resource: resource}, "", fmt.Errorf("user %s may not %s", caller(r).GetName(), what))
}

func notFound(resource, name string) error {
	return apierrors.NewNotFound(schema.GroupResource{Group: Group, Resource: resource}, name)
}

func where(ws string) string {
	if ws == "" {
		return "at platform level"
	}
	return "in workspace " + ws
}

// writeObject answers err's Status, or else obj with code (without its
// managed fields).
func writeObject(w http.ResponseWriter, code int, obj client.Object, err error) {
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	obj.SetManagedFields(nil)
	responsewriters.WriteJSON(w, code, obj)
}

// trimmed returns pointers to items, without their managed fields.
func trimmed[T any, P interface {
	*T
	client.Object
}](items []T) []P {
	out := make([]P, len(items))
	for i := range items {
		p := P(&items[i])
		p.SetManagedFields(nil)
		out[i] = p
	}
	return out
}

// ctxTimeout bounds the calls of one request.
func ctxTimeout(r *http.Request) (context.Context, context.CancelFunc) {
	return context.WithTimeout(r.Context(), 30*time.Second)
}
