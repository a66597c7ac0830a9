package gateway

import (
	"net/http"
	"strconv"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	gatewayv1alpha1 "github.com/superkube/super-kubenetes/api/gateway/v1alpha1"
	"github.com/superkube/super-kubenetes/internal/apiserver/listquery"
	"github.com/superkube/super-kubenetes/internal/apiserver/responsewriters"
	"github.com/superkube/super-kubenetes/internal/gateway/route"
)

// IngressClass is a cluster's IngressClass as a project (or workspace)
// sees it.
type IngressClass struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	// Controller is the class's spec.controller.
	Controller string `json:"controller"`
	// Default is true for the cluster's default class (the annotation
	// ingressclass.kubernetes.io/is-default-class), which an Ingress
	// without a class gets.
	Default bool `json:"default"`
	// Allowed is true when the project's (or workspace's) lists allow it.
	Allowed bool `json:"allowed"`
}

// Policy is the lists that apply to a project or a workspace: each level's
// and their intersection. A list that is absent (null) is unrestricted.
type Policy struct {
	metav1.TypeMeta `json:",inline"`
	Workspace       string `json:"workspace,omitempty"`
	Namespace       string `json:"namespace,omitempty"`
	// WorkspacePolicy is the WorkspaceGatewayPolicy's spec, absent when
	// there is none.
	WorkspacePolicy *gatewayv1alpha1.GatewayPolicySpec `json:"workspacePolicy,omitempty"`
	// ProjectPolicy is the project's GatewayPolicy's spec, absent when
	// there is none.
	ProjectPolicy *gatewayv1alpha1.GatewayPolicySpec `json:"projectPolicy,omitempty"`
	// Effective is what the project (or workspace) may use.
	Effective gatewayv1alpha1.GatewayPolicySpec `json:"effective"`
	// HTTPRoutes is true when the cluster serves Gateway API HTTPRoutes
	// (their CRDs are installed), so that the console offers the
	// HTTPRoute form (a project's answer only).
	HTTPRoutes bool `json:"httpRoutes,omitempty"`
}

var classList = listquery.Spec{SortBy: []string{"controller"}, Filters: []string{"allowed", "default", "controller"}}

func spec(p *gatewayv1alpha1.GatewayPolicySpec) gatewayv1alpha1.GatewayPolicySpec {
	if p == nil {
		return gatewayv1alpha1.GatewayPolicySpec{}
	}
	return *p
}

// effective intersects the two levels.
func (p *policies) effective() gatewayv1alpha1.GatewayPolicySpec {
	ws, pr := spec(p.ws), spec(p.project)
	return gatewayv1alpha1.GatewayPolicySpec{
		IngressClassNames: route.Allowed(ws.IngressClassNames, pr.IngressClassNames),
		GatewayClassNames: route.Allowed(ws.GatewayClassNames, pr.GatewayClassNames),
		Gateways:          route.Allowed(ws.Gateways, pr.Gateways),
	}
}

func (p *policies) view(ns string) *Policy {
	return &Policy{TypeMeta: metav1.TypeMeta{APIVersion: APIVersion, Kind: "Policy"}, Workspace: p.workspace, Namespace: ns,
		WorkspacePolicy: p.ws, ProjectPolicy: p.project, Effective: p.effective()}
}

// listProjectClasses lists the cluster's IngressClasses with whether the
// project may use each; for whoever may list ingresses there.
func (h *Handler) listProjectClasses(w http.ResponseWriter, r *http.Request) {
	u, ns := caller(r), r.PathValue("namespace")
	if !h.may(u, "list", networkingGroup, "ingresses", ns) {
		responsewriters.WriteStatus(w, forbidden(u, networkingGroup, "ingresses", "", "list ingresses in namespace "+ns))
		return
	}
	p, err := h.policiesOf(r.Context(), ns)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	h.writeClasses(w, r, p.effective().IngressClassNames)
}

// listWorkspaceClasses lists the IngressClasses with whether the
// workspace's policy allows each; for the workspace's members.
func (h *Handler) listWorkspaceClasses(w http.ResponseWriter, r *http.Request) {
	u, ws := caller(r), r.PathValue("workspace")
	if !h.mayViewWorkspace(u, ws) {
		responsewriters.WriteStatus(w, forbidden(u, "", "namespaces", "", "list the projects of workspace "+ws))
		return
	}
	p, err := h.workspacePolicy(r.Context(), ws)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	h.writeClasses(w, r, spec(p).IngressClassNames)
}

func (h *Handler) writeClasses(w http.ResponseWriter, r *http.Request, allowed *[]string) {
	q, err := listquery.Parse(r.URL.Query(), classList)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	var classes networkingv1.IngressClassList
	if err := h.Live.List(r.Context(), &classes); err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	items := make([]*IngressClass, 0, len(classes.Items))
	for i := range classes.Items {
		c := &classes.Items[i]
		ic := &IngressClass{TypeMeta: metav1.TypeMeta{APIVersion: APIVersion, Kind: "IngressClass"},
			ObjectMeta: metav1.ObjectMeta{Name: c.Name, CreationTimestamp: c.CreationTimestamp, Labels: c.Labels, UID: c.UID},
			Controller: c.Spec.Controller, Default: c.Annotations[networkingv1.AnnotationIsDefaultIngressClass] == "true",
			Allowed: route.Permits(allowed, c.Name)}
		items = append(items, ic)
	}
	responsewriters.WriteJSON(w, http.StatusOK, listquery.Apply(items, q,
		listquery.Columns[*IngressClass]{"controller": func(c *IngressClass) string { return c.Controller }},
		listquery.Filters[*IngressClass]{
			"allowed":    func(c *IngressClass, v string) bool { return boolIs(c.Allowed, v) },
			"default":    func(c *IngressClass, v string) bool { return boolIs(c.Default, v) },
			"controller": func(c *IngressClass, v string) bool { return c.Controller == v },
		}))
}

func boolIs(b bool, v string) bool {
	want, err := strconv.ParseBool(v)
	return err == nil && b == want
}

// getProjectPolicy answers the lists that apply to a project.
func (h *Handler) getProjectPolicy(w http.ResponseWriter, r *http.Request) {
	u, ns := caller(r), r.PathValue("namespace")
	if !h.may(u, "list", networkingGroup, "ingresses", ns) {
		responsewriters.WriteStatus(w, forbidden(u, networkingGroup, "ingresses", "", "list ingresses in namespace "+ns))
		return
	}
	p, err := h.policiesOf(r.Context(), ns)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	v := p.view(ns)
	if v.HTTPRoutes, err = h.servesHTTPRoutes(r.Context(), ns); err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	responsewriters.WriteJSON(w, http.StatusOK, v)
}

// getWorkspacePolicy answers a workspace's lists.
func (h *Handler) getWorkspacePolicy(w http.ResponseWriter, r *http.Request) {
	u, ws := caller(r), r.PathValue("workspace")
	if !h.mayViewWorkspace(u, ws) {
		responsewriters.WriteStatus(w, forbidden(u, "", "namespaces", "", "list the projects of workspace "+ws))
		return
	}
	sp, err := h.workspacePolicy(r.Context(), ws)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	responsewriters.WriteJSON(w, http.StatusOK, (&policies{workspace: ws, ws: sp}).view(""))
}
