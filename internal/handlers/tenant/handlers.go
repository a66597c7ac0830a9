// Package tenant holds ke-apiserver's tenant API
// (/kapis/tenant.superkube.io/v1beta1): workspaces, their projects and
// overview, and the clusters a caller may use. Handlers decode, call the
// tenant service and encode; the service decides.
package tenant

import (
	"context"
	"net/http"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	ctrlcache "sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	clusterv1alpha1 "github.com/superkube/super-kubenetes/api/cluster/v1alpha1"
	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	"github.com/superkube/super-kubenetes/internal/apiserver/filters"
	"github.com/superkube/super-kubenetes/internal/apiserver/listquery"
	"github.com/superkube/super-kubenetes/internal/apiserver/request"
	"github.com/superkube/super-kubenetes/internal/apiserver/requestbody"
	"github.com/superkube/super-kubenetes/internal/apiserver/responsewriters"
	"github.com/superkube/super-kubenetes/internal/apiserver/routes"
	tenantsvc "github.com/superkube/super-kubenetes/internal/services/tenant"
)

// Prefix is the path of the tenant API.
const Prefix = "/kapis/" + tenantv1beta1.GroupName + "/v1beta1"

// workspaceAccessWait bounds how long creating a workspace waits for its
// creator to be let in (tenantsvc.Service.AccessWait).
const workspaceAccessWait = 10 * time.Second

// Handlers serves the tenant API.
type Handlers struct {
	Service *tenantsvc.Service
}

// New registers the service's indexes on the cache (before it starts) and
// returns the handlers. reader reads from the cache; writer writes with
// ke-apiserver's identity.
func New(ctx context.Context, cache ctrlcache.Cache, reader client.Reader, writer client.Client, z filters.Authorizer) (*Handlers, error) {
	if err := tenantsvc.Setup(ctx, cache); err != nil {
		return nil, err
	}
	return &Handlers{Service: &tenantsvc.Service{Reader: reader, Writer: writer, Authorizer: z, AccessWait: workspaceAccessWait}}, nil
}

// Install adds the endpoints to mux.
func (h *Handlers) Install(mux routes.Mux) {
	mux.Handle(Prefix+"/workspaces", routes.Methods{http.MethodGet: h.listWorkspaces, http.MethodPost: h.createWorkspace})
	mux.Handle(Prefix+"/workspaces/{workspace}", routes.Methods{http.MethodGet: h.getWorkspace, http.MethodPut: h.updateWorkspace,
		http.MethodPatch: h.patchWorkspace, http.MethodDelete: h.deleteWorkspace})
	mux.Handle(Prefix+"/workspaces/{workspace}/namespaces", routes.Methods{http.MethodGet: h.listProjects, http.MethodPost: h.createProject})
	mux.Handle(Prefix+"/workspaces/{workspace}/namespaces/{namespace}", routes.Methods{http.MethodGet: h.getProject, http.MethodDelete: h.deleteProject})
	mux.Handle(Prefix+"/workspaces/{workspace}/overview", routes.Methods{http.MethodGet: h.overview})
	mux.Handle(Prefix+"/workspaces/{workspace}/clusters", routes.Methods{http.MethodGet: h.workspaceClusters})
	mux.Handle(Prefix+"/clusters", routes.Methods{http.MethodGet: h.listClusters})
}

// NewForMember returns the handlers of a workspace's projects on a member
// cluster: svc reads the platform's objects on the host and namespaces on
// the member, and writes to the member.
func NewForMember(svc *tenantsvc.Service) *Handlers { return &Handlers{Service: svc} }

// InstallProjects adds only the endpoints of a workspace's projects, for a
// member cluster (the rest of the tenant API is the host's).
func (h *Handlers) InstallProjects(mux routes.Mux) {
	mux.Handle(Prefix+"/workspaces/{workspace}/namespaces", routes.Methods{http.MethodGet: h.listProjects, http.MethodPost: h.createProject})
	mux.Handle(Prefix+"/workspaces/{workspace}/namespaces/{namespace}", routes.Methods{http.MethodGet: h.getProject, http.MethodDelete: h.deleteProject})
}

// AuthzRules adapt the authorization of the tenant routes:
//   - GET workspaces and GET clusters are open to every authenticated user;
//     the handlers trim the lists to what the caller belongs to.
//   - A workspace's projects are namespaces (group ""): listing them is
//     trimmed by the handler; creating, reading and deleting one needs the
//     right on namespaces in the workspace or the project.
//   - A workspace's overview and the clusters it is placed on need the
//     right to read the workspace.
func AuthzRules() filters.Rules {
	return filters.Rules{
		{Group: tenantv1beta1.GroupName, Resource: "workspaces", Level: iamv1beta1.LevelGlobal, Delegate: true, Verbs: []string{"list"}},
		{Group: tenantv1beta1.GroupName, Resource: "clusters", Level: iamv1beta1.LevelGlobal, Delegate: true, Verbs: []string{"list"}},
		{Group: tenantv1beta1.GroupName, Resource: "namespaces", Level: iamv1beta1.LevelWorkspace, AuthzGroup: "", AuthzResource: "namespaces",
			Delegate: true, Verbs: []string{"list"}},
		{Group: tenantv1beta1.GroupName, Resource: "namespaces", Level: iamv1beta1.LevelNamespace, AuthzGroup: "", AuthzResource: "namespaces"},
		{Group: tenantv1beta1.GroupName, Resource: "overview", Level: iamv1beta1.LevelWorkspace, AuthzGroup: tenantv1beta1.GroupName, AuthzResource: "workspaces"},
		{Group: tenantv1beta1.GroupName, Resource: "clusters", Level: iamv1beta1.LevelWorkspace, AuthzGroup: tenantv1beta1.GroupName, AuthzResource: "workspaces"},
	}
}

// List specifications of the endpoints.
var (
	workspaceList = listquery.Spec{SortBy: []string{"manager"}, Filters: []string{"manager"}}
	projectList   = listquery.Spec{SortBy: []string{"status"}, Filters: []string{"status"}}
	clusterList   = listquery.Spec{SortBy: []string{"provider"}, Filters: []string{"provider"}}
)

func (h *Handlers) listWorkspaces(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q, err := listquery.Parse(r.URL.Query(), workspaceList)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	u, _ := request.UserFrom(ctx)
	items, err := h.Service.Workspaces(ctx, u)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	manager := func(ws *tenantv1beta1.Workspace) string { return ws.Spec.Manager }
	responsewriters.WriteJSON(w, http.StatusOK, listquery.Apply(items, q,
		listquery.Columns[*tenantv1beta1.Workspace]{"manager": manager},
		listquery.Filters[*tenantv1beta1.Workspace]{"manager": func(ws *tenantv1beta1.Workspace, v string) bool { return manager(ws) == v }}))
}

func (h *Handlers) createWorkspace(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	in := &tenantv1beta1.Workspace{}
	if err := requestbody.Decode(r, in, requestbody.Options{Kind: "Workspace"}); err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	u, _ := request.UserFrom(ctx)
	ws, err := h.Service.CreateWorkspace(ctx, u, in)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	responsewriters.WriteJSON(w, http.StatusCreated, ws)
}

func (h *Handlers) getWorkspace(w http.ResponseWriter, r *http.Request) {
	ws, err := h.Service.Workspace(r.Context(), r.PathValue("workspace"))
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	responsewriters.WriteJSON(w, http.StatusOK, ws)
}

func (h *Handlers) updateWorkspace(w http.ResponseWriter, r *http.Request) {
	in := &tenantv1beta1.Workspace{}
	if err := requestbody.Decode(r, in, requestbody.Options{Kind: "Workspace"}); err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	u, _ := request.UserFrom(r.Context())
	ws, err := h.Service.UpdateWorkspace(r.Context(), u, r.PathValue("workspace"), in)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	responsewriters.WriteJSON(w, http.StatusOK, ws)
}

func (h *Handlers) patchWorkspace(w http.ResponseWriter, r *http.Request) {
	patch, err := requestbody.ReadMergePatch(r)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	u, _ := request.UserFrom(r.Context())
	ws, err := h.Service.PatchWorkspace(r.Context(), u, r.PathValue("workspace"), patch)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	responsewriters.WriteJSON(w, http.StatusOK, ws)
}

func (h *Handlers) deleteWorkspace(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	u, _ := request.UserFrom(ctx)
	name := r.PathValue("workspace")
	if err := h.Service.DeleteWorkspace(ctx, u, name, r.URL.Query().Get("namespacePolicy")); err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	responsewriters.WriteDeleted(w, schema.GroupResource{Group: tenantv1beta1.GroupName, Resource: "workspaces"}, name)
}

func (h *Handlers) listProjects(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q, err := listquery.Parse(r.URL.Query(), projectList)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	u, _ := request.UserFrom(ctx)
	items, err := h.Service.Projects(ctx, u, r.PathValue("workspace"))
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	status := func(ns *corev1.Namespace) string { return string(ns.Status.Phase) }
	responsewriters.WriteJSON(w, http.StatusOK, listquery.Apply(items, q,
		listquery.Columns[*corev1.Namespace]{"status": status},
		listquery.Filters[*corev1.Namespace]{"status": func(ns *corev1.Namespace, v string) bool { return strings.EqualFold(status(ns), v) }}))
}

func (h *Handlers) createProject(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	in := &corev1.Namespace{}
	if err := requestbody.Decode(r, in, requestbody.Options{Kind: "Namespace"}); err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	u, _ := request.UserFrom(ctx)
	ns, err := h.Service.CreateProject(ctx, u, r.PathValue("workspace"), in)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	responsewriters.WriteJSON(w, http.StatusCreated, ns)
}

func (h *Handlers) getProject(w http.ResponseWriter, r *http.Request) {
	ns, err := h.Service.Project(r.Context(), r.PathValue("workspace"), r.PathValue("namespace"))
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	responsewriters.WriteJSON(w, http.StatusOK, ns)
}

func (h *Handlers) deleteProject(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("namespace")
	if err := h.Service.DeleteProject(r.Context(), r.PathValue("workspace"), name); err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	responsewriters.WriteDeleted(w, corev1.Resource("namespaces"), name)
}

func (h *Handlers) overview(w http.ResponseWriter, r *http.Request) {
	o, err := h.Service.Overview(r.Context(), r.PathValue("workspace"))
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	responsewriters.WriteJSON(w, http.StatusOK, o)
}

// workspaceClusters lists the clusters the workspace is placed on.
func (h *Handlers) workspaceClusters(w http.ResponseWriter, r *http.Request) {
	q, err := listquery.Parse(r.URL.Query(), listquery.Spec{})
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	items, err := h.Service.WorkspaceClusters(r.Context(), r.PathValue("workspace"))
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	responsewriters.WriteJSON(w, http.StatusOK, listquery.Apply(items, q, nil, nil))
}

func (h *Handlers) listClusters(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q, err := listquery.Parse(r.URL.Query(), clusterList)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	u, _ := request.UserFrom(ctx)
	items, err := h.Service.Clusters(ctx, u)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	provider := func(c *clusterv1alpha1.Cluster) string { return c.Spec.Provider }
	responsewriters.WriteJSON(w, http.StatusOK, listquery.Apply(items, q,
		listquery.Columns[*clusterv1alpha1.Cluster]{"provider": provider},
		listquery.Filters[*clusterv1alpha1.Cluster]{"provider": func(c *clusterv1alpha1.Cluster, v string) bool { return provider(c) == v }}))
}
