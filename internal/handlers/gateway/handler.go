// Package gateway serves the gateway API at
// /kapis/gateway.superkube.io/v1alpha1: the IngressClasses a project (or a
// workspace) may use, with the default class; a workspace's and a
// project's allowed lists; a project's routes (Ingresses, and HTTPRoutes
// where the Gateway API CRDs are installed) with hosts, paths, TLS
// secrets and each backend's readiness from its Service's EndpointSlices;
// and the creation and replacement of an Ingress or an HTTPRoute from the
// console's forms, whose Services, ports, TLS secrets and parent Gateways
// are checked first.
//
// Every request is authorized here, as the caller, against the native
// resources it touches (networking.k8s.io ingresses, gateway.networking.k8s.io
// httproutes); the writes then go to kube-apiserver as the caller
// (impersonation), where native RBAC and the ValidatingAdmissionPolicies
// of the allowed classes decide, as for kubectl. The reads the caller's own
// rights could not make (IngressClasses, the allowed lists, the project's
// Services, EndpointSlices and the TLS secrets' types) use ke-apiserver's
// identity after the handler's check; no secret's data is ever returned.
// docs/gateway.md describes the API.
package gateway

import (
	"context"
	"fmt"
	"net/http"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/authentication/user"
	"sigs.k8s.io/controller-runtime/pkg/client"

	gatewayv1alpha1 "github.com/superkube/super-kubenetes/api/gateway/v1alpha1"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	"github.com/superkube/super-kubenetes/internal/apiserver/filters"
	"github.com/superkube/super-kubenetes/internal/apiserver/request"
	"github.com/superkube/super-kubenetes/internal/apiserver/routes"
	"github.com/superkube/super-kubenetes/internal/authz"
	"github.com/superkube/super-kubenetes/internal/impersonate"
)

// Group is the API group of the gateway API.
const Group = gatewayv1alpha1.GroupName

// Version is its version.
const Version = "v1alpha1"

// Prefix is its path.
const Prefix = "/kapis/" + Group + "/" + Version

// APIVersion is the apiVersion of its own kinds.
const APIVersion = Group + "/" + Version

// The native groups the requests are authorized against.
const (
	networkingGroup = networkingv1.GroupName
	gatewayAPIGroup = "gateway.networking.k8s.io"
)

// Authorizer is what the handler needs of the authorizer.
type Authorizer interface {
	Authorize(a *authz.Attributes) authz.Decision
}

// Handler serves the gateway API.
type Handler struct {
	Authorizer Authorizer
	// Live reads with ke-apiserver's identity, uncached: the classes and
	// policies are few, a project's routes, Services and EndpointSlices
	// are read one namespace at a time, and the Gateway API CRDs may be
	// missing.
	Live client.Reader
	// Clients act as the caller.
	Clients *impersonate.Clients
}

// Install adds the endpoints.
func (h *Handler) Install(mux routes.Mux) {
	ws := Prefix + "/workspaces/{workspace}"
	mux.Handle(ws+"/ingressclasses", routes.Methods{http.MethodGet: h.listWorkspaceClasses})
	mux.Handle(ws+"/gatewaypolicy", routes.Methods{http.MethodGet: h.getWorkspacePolicy})
	ns := Prefix + "/namespaces/{namespace}"
	mux.Handle(ns+"/ingressclasses", routes.Methods{http.MethodGet: h.listProjectClasses})
	mux.Handle(ns+"/gatewaypolicy", routes.Methods{http.MethodGet: h.getProjectPolicy})
	mux.Handle(ns+"/routes", routes.Methods{http.MethodGet: h.listRoutes})
	mux.Handle(ns+"/ingresses", routes.Methods{http.MethodPost: h.createIngress})
	mux.Handle(ns+"/ingresses/{name}", routes.Methods{http.MethodGet: h.getIngress, http.MethodPut: h.replaceIngress})
	mux.Handle(ns+"/httproutes", routes.Methods{http.MethodPost: h.createHTTPRoute})
	mux.Handle(ns+"/httproutes/{name}", routes.Methods{http.MethodGet: h.getHTTPRoute, http.MethodPut: h.replaceHTTPRoute})
}

// AuthzRules let every request of the group through to the handler, which
// authorizes each one against the native resources it reads or writes.
func AuthzRules() filters.Rules {
	return filters.Rules{
		{Group: Group, Resource: "*", Delegate: true},
		{Group: Group, Discovery: true, Delegate: true},
	}
}

func caller(r *http.Request) user.Info {
	u, _ := request.UserFrom(r.Context())
	return u
}

// may reports whether u may do verb on a native resource in ns.
func (h *Handler) may(u user.Info, verb, group, resource, ns string) bool {
	return h.Authorizer.Authorize(&authz.Attributes{User: u.GetName(), Groups: u.GetGroups(), ResourceRequest: true,
		Verb: verb, APIGroup: group, Resource: resource, Namespace: ns}).Allowed
}

// mayViewWorkspace: whoever may list the workspace's projects (every
// workspace role).
func (h *Handler) mayViewWorkspace(u user.Info, ws string) bool {
	return h.Authorizer.Authorize(&authz.Attributes{User: u.GetName(), Groups: u.GetGroups(), ResourceRequest: true,
		Verb: "list", Resource: "namespaces", Workspace: ws}).Allowed
}

func forbidden(u user.Info, group, resource, name, what string) error {
	return apierrors.NewForbidden(schema.GroupResource{Group: group, Resource: resource}, name, fmt.Errorf("user %q may not %s", u.GetName(), what))
}

// policies are the allowed lists that apply to a namespace: its
// workspace's and its own (nil when absent).
type policies struct {
	workspace string
	ws        *gatewayv1alpha1.GatewayPolicySpec
	project   *gatewayv1alpha1.GatewayPolicySpec
}

// workspacePolicy reads a workspace's policy; nil when there is none.
func (h *Handler) workspacePolicy(ctx context.Context, ws string) (*gatewayv1alpha1.GatewayPolicySpec, error) {
	if ws == "" {
		return nil, nil
	}
	var p gatewayv1alpha1.WorkspaceGatewayPolicy
	if err := h.Live.Get(ctx, client.ObjectKey{Name: ws}, &p); err != nil {
		if apierrors.IsNotFound(err) || meta.IsNoMatchError(err) {
			return nil, nil
		}
		return nil, err
	}
	return &p.Spec, nil
}

// policiesOf reads the policies of a namespace; a namespace outside any
// workspace has none (the admission policies apply only to workspaces'
// namespaces).
func (h *Handler) policiesOf(ctx context.Context, ns string) (*policies, error) {
	var nsObj corev1.Namespace
	if err := h.Live.Get(ctx, client.ObjectKey{Name: ns}, &nsObj); err != nil {
		return nil, err
	}
	out := &policies{workspace: nsObj.Labels[tenantv1beta1.WorkspaceLabel]}
	if out.workspace == "" {
		return out, nil
	}
	var err error
	if out.ws, err = h.workspacePolicy(ctx, out.workspace); err != nil {
		return nil, err
	}
	var p gatewayv1alpha1.GatewayPolicy
	switch err := h.Live.Get(ctx, client.ObjectKey{Namespace: ns, Name: gatewayv1alpha1.ProjectPolicyName}, &p); {
	case err == nil:
		out.project = &p.Spec
	case apierrors.IsNotFound(err) || meta.IsNoMatchError(err):
	default:
		return nil, err
	}
	return out, nil
}
