package gateway

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/controller-runtime/pkg/client"
	gatewayapiv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/superkube/super-kubenetes/internal/apiserver/apistatus"
	"github.com/superkube/super-kubenetes/internal/apiserver/requestbody"
	"github.com/superkube/super-kubenetes/internal/apiserver/responsewriters"
	"github.com/superkube/super-kubenetes/internal/gateway/route"
)

var httpRoutesResource = schema.GroupResource{Group: gatewayAPIGroup, Resource: "httproutes"}

// noGatewayAPI answers a request for HTTPRoutes where the Gateway API
// CRDs are not installed.
func noGatewayAPI(name string) error {
	return apistatus.New(http.StatusNotFound, metav1.StatusReasonNotFound,
		"the cluster does not serve HTTPRoutes: the Gateway API CRDs (gateway.networking.k8s.io) are not installed",
		apistatus.About(httpRoutesResource, name))
}

func gatewayAPIErr(err error, name string) error {
	if meta.IsNoMatchError(err) {
		return noGatewayAPI(name)
	}
	return err
}

// servesHTTPRoutes reports whether the cluster serves HTTPRoutes (the
// Gateway API CRDs are installed), by listing at most one in ns.
func (h *Handler) servesHTTPRoutes(ctx context.Context, ns string) (bool, error) {
	var l gatewayapiv1.HTTPRouteList
	switch err := h.Live.List(ctx, &l, client.InNamespace(ns), client.Limit(1)); {
	case err == nil:
		return true, nil
	case meta.IsNoMatchError(err) || apierrors.IsNotFound(err):
		return false, nil
	default:
		return false, err
	}
}

// deniedField finds the field that a ValidatingAdmissionPolicy of the
// allowed lists names at the start of its message ("... denied request:
// spec.parentRefs: HTTPRoute may attach only to ...").
var deniedField = regexp.MustCompile(`denied request: ((?:metadata|spec)\.[A-Za-z0-9_.\[\]/-]+): (.+)$`)

// withFieldCause keeps kube-apiserver's refusal by a
// ValidatingAdmissionPolicy (a 403 with its message) and adds the field
// its message names as a cause, so that the form can show the message at
// the field. Other errors are answered as they are.
func withFieldCause(err error) error {
	var se *apierrors.StatusError
	if !errors.As(err, &se) || se.ErrStatus.Code != http.StatusForbidden || !strings.Contains(se.ErrStatus.Message, "ValidatingAdmissionPolicy") {
		return err
	}
	m := deniedField.FindStringSubmatch(se.ErrStatus.Message)
	if m == nil {
		return err
	}
	st := *se.ErrStatus.DeepCopy()
	if st.Details == nil {
		st.Details = &metav1.StatusDetails{}
	}
	st.Details.Causes = append(st.Details.Causes, metav1.StatusCause{Type: metav1.CauseType(field.ErrorTypeForbidden), Field: m[1], Message: m[2]})
	return &apierrors.StatusError{ErrStatus: st}
}

// getHTTPRoute answers one HTTPRoute as a route, with readiness.
func (h *Handler) getHTTPRoute(w http.ResponseWriter, r *http.Request) {
	u, ns, name := caller(r), r.PathValue("namespace"), r.PathValue("name")
	if !h.may(u, "get", gatewayAPIGroup, "httproutes", ns) {
		responsewriters.WriteStatus(w, forbidden(u, gatewayAPIGroup, "httproutes", name, "get httproutes in namespace "+ns))
		return
	}
	var hr gatewayapiv1.HTTPRoute
	if err := h.Live.Get(r.Context(), client.ObjectKey{Namespace: ns, Name: name}, &hr); err != nil {
		responsewriters.WriteStatus(w, gatewayAPIErr(err, name))
		return
	}
	h.answerHTTPRoute(w, r, http.StatusOK, &hr)
}

// readHTTPRouteForm decodes and checks the form: its shape, then the
// project's Services and their ports (as an Ingress's) and the parent
// Gateways (read with ke-apiserver's identity).
func (h *Handler) readHTTPRouteForm(ctx context.Context, r *http.Request, ns, name string) (*route.HTTPRouteForm, error) {
	var f route.HTTPRouteForm
	if err := requestbody.Decode(r, &f, requestbody.Options{Kind: "HTTPRouteForm", Strict: true}); err != nil {
		return nil, err
	}
	routeName := name
	if routeName == "" {
		routeName = f.Name
	}
	if errs := f.Validate(name); len(errs) > 0 {
		return nil, apistatus.Invalid("HTTPRoute", routeName, errs)
	}
	b, err := h.readBackends(ctx, ns)
	if err != nil {
		return nil, err
	}
	gateways := map[string]bool{}
	for _, ref := range f.ParentRefs {
		pns, pname := route.Parent(ref, ns)
		var gw gatewayapiv1.Gateway
		switch err := h.Live.Get(ctx, client.ObjectKey{Namespace: pns, Name: pname}, &gw); {
		case err == nil:
			gateways[pns+"/"+pname] = true
		case meta.IsNoMatchError(err):
			return nil, noGatewayAPI(routeName)
		case !apierrors.IsNotFound(err):
			return nil, err
		}
	}
	if errs := f.Check(ns, b.services, gateways); len(errs) > 0 {
		return nil, apistatus.Invalid("HTTPRoute", routeName, errs)
	}
	return &f, nil
}

// createHTTPRoute creates an HTTPRoute from the form, as the caller.
func (h *Handler) createHTTPRoute(w http.ResponseWriter, r *http.Request) {
	u, ns := caller(r), r.PathValue("namespace")
	if !h.may(u, "create", gatewayAPIGroup, "httproutes", ns) {
		responsewriters.WriteStatus(w, forbidden(u, gatewayAPIGroup, "httproutes", "", "create httproutes in namespace "+ns))
		return
	}
	f, err := h.readHTTPRouteForm(r.Context(), r, ns, "")
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	hr := &gatewayapiv1.HTTPRoute{}
	hr.Namespace = ns
	f.Apply(hr)
	c, err := h.Clients.As(u)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	if err := c.Create(r.Context(), hr); err != nil {
		responsewriters.WriteStatus(w, withFieldCause(gatewayAPIErr(err, hr.Name)))
		return
	}
	h.answerHTTPRoute(w, r, http.StatusCreated, hr)
}

// replaceHTTPRoute replaces an HTTPRoute's parents, hostnames and rules
// with the form's, as the caller, guarded by the resourceVersion it read.
// An HTTPRoute with what the form cannot show (filters, header matches,
// timeouts ...) is not replaced (409): it is edited as YAML.
func (h *Handler) replaceHTTPRoute(w http.ResponseWriter, r *http.Request) {
	u, ns, name := caller(r), r.PathValue("namespace"), r.PathValue("name")
	if !h.may(u, "update", gatewayAPIGroup, "httproutes", ns) {
		responsewriters.WriteStatus(w, forbidden(u, gatewayAPIGroup, "httproutes", name, "update httproutes in namespace "+ns))
		return
	}
	f, err := h.readHTTPRouteForm(r.Context(), r, ns, name)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	c, err := h.Clients.As(u)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	hr := &gatewayapiv1.HTTPRoute{}
	if err := c.Get(r.Context(), client.ObjectKey{Namespace: ns, Name: name}, hr); err != nil {
		responsewriters.WriteStatus(w, gatewayAPIErr(err, name))
		return
	}
	if unshown := route.Unshown(hr); len(unshown) > 0 {
		responsewriters.WriteStatus(w, apistatus.New(http.StatusConflict, metav1.StatusReasonConflict,
			"HTTPRoute "+name+" has "+strings.Join(unshown, ", ")+", which the form cannot show and would drop; edit it as YAML",
			apistatus.About(httpRoutesResource, name)))
		return
	}
	f.Apply(hr)
	if err := c.Update(r.Context(), hr); err != nil {
		responsewriters.WriteStatus(w, withFieldCause(err))
		return
	}
	h.answerHTTPRoute(w, r, http.StatusOK, hr)
}

func (h *Handler) answerHTTPRoute(w http.ResponseWriter, r *http.Request, code int, hr *gatewayapiv1.HTTPRoute) {
	rt := route.FromHTTPRoute(hr)
	if b, err := h.readBackends(r.Context(), hr.Namespace); err == nil {
		b.fill(rt)
	}
	responsewriters.WriteJSON(w, code, rt)
}
