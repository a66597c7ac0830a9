// Package servicemesh serves the traffic governance part of the service
// mesh API at /kapis/servicemesh.superkube.io/v1alpha2: a project's
// Strategies (canary, blue-green, mirroring) with their promote, rollback
// and weight actions, its ServicePolicies, its Services with their
// versions, and whether the project is in the mesh (the namespace's
// istio-injection label). Tracing and topology live in their own packages
// under the same prefix.
//
// Strategies and ServicePolicies are written as the caller through
// impersonation, so that kube-apiserver's RBAC and the admission webhook
// decide as they do for kubectl; the handler first checks what it can
// (static validation, the Service exists, one policy per service, a
// decision is final) to answer with a Status naming the field. The
// services list is authorized here (the rights to list services and pods
// of the project) and read from ke-apiserver's caches. The mesh switch is
// a label patch of the namespace made as the caller: who may patch the
// namespace with kubectl (the project admin, through "manage project
// settings") may switch it here, nobody else. docs/servicemesh-api.md
// describes the API.
package servicemesh

import (
	"fmt"
	"net/http"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/authentication/user"
	"sigs.k8s.io/controller-runtime/pkg/client"

	meshv1 "github.com/superkube/super-kubenetes/api/servicemesh/v1alpha2"
	"github.com/superkube/super-kubenetes/internal/apiserver/filters"
	"github.com/superkube/super-kubenetes/internal/apiserver/request"
	"github.com/superkube/super-kubenetes/internal/apiserver/responsewriters"
	"github.com/superkube/super-kubenetes/internal/apiserver/routes"
	"github.com/superkube/super-kubenetes/internal/authz"
)

// Group is the API group.
const Group = meshv1.GroupName

// Version is its version.
const Version = "v1alpha2"

// Prefix is its path.
const Prefix = "/kapis/" + Group + "/" + Version

// Authorizer is what the handler needs of the authorizer.
type Authorizer interface {
	Authorize(a *authz.Attributes) authz.Decision
}

// Clients give a client that acts as a user (internal/impersonate).
type Clients interface {
	As(u user.Info) (client.Client, error)
}

// Handler serves the traffic governance endpoints.
type Handler struct {
	Authorizer Authorizer
	// Cache reads Services, pods, ReplicaSets, Deployments, StatefulSets
	// and namespaces with ke-apiserver's identity (the list engine's
	// informers), after the handler's check.
	Cache client.Reader
	// Clients act as the caller.
	Clients Clients
}

// Install adds the endpoints.
func (h *Handler) Install(mux routes.Mux) {
	ns := Prefix + "/namespaces/{namespace}"
	mux.Handle(ns+"/strategies", routes.Methods{http.MethodGet: strategies.listHandler(h), http.MethodPost: strategies.createHandler(h)})
	mux.Handle(ns+"/strategies/{name}", routes.Methods{http.MethodGet: strategies.getHandler(h), http.MethodPut: strategies.updateHandler(h), http.MethodDelete: strategies.deleteHandler(h)})
	mux.Handle(ns+"/strategies/{name}/promote", routes.Methods{http.MethodPost: h.decide(meshv1.Promote)})
	mux.Handle(ns+"/strategies/{name}/rollback", routes.Methods{http.MethodPost: h.decide(meshv1.Rollback)})
	mux.Handle(ns+"/strategies/{name}/weight", routes.Methods{http.MethodPut: h.setWeight})
	mux.Handle(ns+"/servicepolicies", routes.Methods{http.MethodGet: policies.listHandler(h), http.MethodPost: policies.createHandler(h)})
	mux.Handle(ns+"/servicepolicies/{name}", routes.Methods{http.MethodGet: policies.getHandler(h), http.MethodPut: policies.updateHandler(h), http.MethodDelete: policies.deleteHandler(h)})
	mux.Handle(ns+"/services", routes.Methods{http.MethodGet: h.listServices})
	mux.Handle(ns+"/mesh", routes.Methods{http.MethodGet: h.getMesh, http.MethodPut: h.setMesh})
}

// AuthzRules let every request of the group through to the handler, which
// acts as the caller for strategies and policies and authorizes the
// services list and the mesh switch against the native resources.
func AuthzRules() filters.Rules {
	return filters.Rules{
		{Group: Group, Resource: "*", Delegate: true},
		{Group: Group, Discovery: true, Delegate: true},
	}
}

func caller(r *http.Request) user.Info {
	u, _ := request.UserFrom(r.Context())
	if u == nil {
		return &user.DefaultInfo{}
	}
	return u
}

// may reports whether the caller may do verb on a resource in ns.
func (h *Handler) may(r *http.Request, verb, group, resource, ns, name string) bool {
	u := caller(r)
	return h.Authorizer.Authorize(&authz.Attributes{User: u.GetName(), Groups: u.GetGroups(), ResourceRequest: true,
		Verb: verb, APIGroup: group, Resource: resource, Namespace: ns, Name: name}).Allowed
}

func forbidden(r *http.Request, group, resource, name, what string) error {
	return apierrors.NewForbidden(schema.GroupResource{Group: group, Resource: resource}, name,
		fmt.Errorf("user %q may not %s", caller(r).GetName(), what))
}

// as returns a client that acts as the caller.
func (h *Handler) as(r *http.Request) (client.Client, error) { return h.Clients.As(caller(r)) }

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
