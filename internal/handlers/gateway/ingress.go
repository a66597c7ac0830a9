package gateway

import (
	"context"
	"net/http"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/superkube/super-kubenetes/internal/apiserver/apistatus"
	"github.com/superkube/super-kubenetes/internal/apiserver/requestbody"
	"github.com/superkube/super-kubenetes/internal/apiserver/responsewriters"
	"github.com/superkube/super-kubenetes/internal/gateway/route"
)

// getIngress answers one Ingress as a route, with readiness.
func (h *Handler) getIngress(w http.ResponseWriter, r *http.Request) {
	u, ns, name := caller(r), r.PathValue("namespace"), r.PathValue("name")
	if !h.may(u, "get", networkingGroup, "ingresses", ns) {
		responsewriters.WriteStatus(w, forbidden(u, networkingGroup, "ingresses", name, "get ingresses in namespace "+ns))
		return
	}
	var in networkingv1.Ingress
	if err := h.Live.Get(r.Context(), client.ObjectKey{Namespace: ns, Name: name}, &in); err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	b, err := h.readBackends(r.Context(), ns)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	rt := route.FromIngress(&in)
	b.fill(rt)
	responsewriters.WriteJSON(w, http.StatusOK, rt)
}

// readForm decodes and checks the form: its shape, then the project's
// Services, their ports and the TLS secrets it names (read with
// ke-apiserver's identity; only their type is used).
func (h *Handler) readForm(ctx context.Context, r *http.Request, ns, name string) (*route.IngressForm, error) {
	var f route.IngressForm
	if err := requestbody.Decode(r, &f, requestbody.Options{Kind: "IngressForm", Strict: true}); err != nil {
		return nil, err
	}
	routeName := name
	if routeName == "" {
		routeName = f.Name
	}
	if errs := f.Validate(name); len(errs) > 0 {
		return nil, apistatus.Invalid("Ingress", routeName, errs)
	}
	b, err := h.readBackends(ctx, ns)
	if err != nil {
		return nil, err
	}
	secrets := map[string]*corev1.Secret{}
	for _, t := range f.TLS {
		var s corev1.Secret
		switch err := h.Live.Get(ctx, client.ObjectKey{Namespace: ns, Name: t.SecretName}, &s); {
		case err == nil:
			secrets[t.SecretName] = &corev1.Secret{Type: s.Type}
		case !apierrors.IsNotFound(err):
			return nil, err
		}
	}
	if errs := f.Check(b.services, secrets); len(errs) > 0 {
		return nil, apistatus.Invalid("Ingress", routeName, errs)
	}
	return &f, nil
}

// createIngress creates an Ingress from the form, as the caller.
func (h *Handler) createIngress(w http.ResponseWriter, r *http.Request) {
	u, ns := caller(r), r.PathValue("namespace")
	if !h.may(u, "create", networkingGroup, "ingresses", ns) {
		responsewriters.WriteStatus(w, forbidden(u, networkingGroup, "ingresses", "", "create ingresses in namespace "+ns))
		return
	}
	f, err := h.readForm(r.Context(), r, ns, "")
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	in := &networkingv1.Ingress{}
	in.Namespace = ns
	f.Apply(in)
	c, err := h.Clients.As(u)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	if err := c.Create(r.Context(), in); err != nil {
		responsewriters.WriteStatus(w, withFieldCause(err))
		return
	}
	h.answer(w, r, http.StatusCreated, in)
}

// replaceIngress replaces an Ingress's spec with the form's, as the
// caller, guarded by the resourceVersion it read (a 409 when it changed
// meanwhile).
func (h *Handler) replaceIngress(w http.ResponseWriter, r *http.Request) {
	u, ns, name := caller(r), r.PathValue("namespace"), r.PathValue("name")
	if !h.may(u, "update", networkingGroup, "ingresses", ns) {
		responsewriters.WriteStatus(w, forbidden(u, networkingGroup, "ingresses", name, "update ingresses in namespace "+ns))
		return
	}
	f, err := h.readForm(r.Context(), r, ns, name)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	c, err := h.Clients.As(u)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	in := &networkingv1.Ingress{}
	if err := c.Get(r.Context(), client.ObjectKey{Namespace: ns, Name: name}, in); err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	f.Apply(in)
	if err := c.Update(r.Context(), in); err != nil {
		responsewriters.WriteStatus(w, withFieldCause(err))
		return
	}
	h.answer(w, r, http.StatusOK, in)
}

func (h *Handler) answer(w http.ResponseWriter, r *http.Request, code int, in *networkingv1.Ingress) {
	rt := route.FromIngress(in)
	if b, err := h.readBackends(r.Context(), in.Namespace); err == nil {
		b.fill(rt)
	}
	responsewriters.WriteJSON(w, code, rt)
}
