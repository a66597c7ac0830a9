package servicemesh

import (
	"encoding/json"
	"net/http"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/controller-runtime/pkg/client"

	meshv1 "github.com/superkube/super-kubenetes/api/servicemesh/v1alpha2"
	"github.com/superkube/super-kubenetes/internal/apiserver/apistatus"
	"github.com/superkube/super-kubenetes/internal/apiserver/requestbody"
	"github.com/superkube/super-kubenetes/internal/apiserver/responsewriters"
)

// injectionEnabled is the value of meshv1.InjectionLabel that puts a
// namespace in the mesh.
const injectionEnabled = "enabled"

// Mesh says whether a project is in the mesh.
type Mesh struct {
	// Enabled: the namespace carries istio-injection=enabled, so Istio
	// injects its sidecar into the pods created from now on.
	Enabled *bool `json:"enabled"`
}

// getMesh answers whether the project is in the mesh, to whoever may read
// the namespace (every built-in project role: "view project settings").
func (h *Handler) getMesh(w http.ResponseWriter, r *http.Request) {
	ns := r.PathValue("namespace")
	if !h.may(r, "get", "", "namespaces", ns, ns) {
		responsewriters.WriteStatus(w, forbidden(r, "", "namespaces", ns, "get namespace "+ns))
		return
	}
	var n corev1.Namespace
	if err := h.Cache.Get(r.Context(), client.ObjectKey{Name: ns}, &n); err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	enabled := n.Labels[meshv1.InjectionLabel] == injectionEnabled
	responsewriters.WriteJSON(w, http.StatusOK, Mesh{Enabled: &enabled})
}

// setMesh sets or removes the namespace's istio-injection label with a
// patch made as the caller. The label is not the platform's (the
// admission webhook guards only the superkube.io domain), so exactly who
// may patch the namespace with kubectl may do it here: the project admin
// ("manage project settings"), a workspace or platform administrator; the
// operator and the viewer may not. The handler asks the authorizer first
// to answer with a clear 403; kube-apiserver's RBAC decides the write.
func (h *Handler) setMesh(w http.ResponseWriter, r *http.Request) {
	ns := r.PathValue("namespace")
	var in Mesh
	if err := requestbody.Decode(r, &in, requestbody.Options{Kind: "Mesh", Strict: true}); err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	if in.Enabled == nil {
		responsewriters.WriteStatus(w, apistatus.Invalid("Mesh", ns, field.ErrorList{field.Required(field.NewPath("enabled"), `the body is {"enabled": true|false}`)}))
		return
	}
	if !h.may(r, "patch", "", "namespaces", ns, ns) {
		responsewriters.WriteStatus(w, forbidden(r, "", "namespaces", ns,
			"patch namespace "+ns+" (adding or removing its "+meshv1.InjectionLabel+" label takes the right to manage the project's settings)"))
		return
	}
	c, err := h.as(r)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	// A null value removes the label (JSON merge patch).
	var value any
	if *in.Enabled {
		value = injectionEnabled
	}
	data, err := json.Marshal(map[string]any{"metadata": map[string]any{"labels": map[string]any{meshv1.InjectionLabel: value}}})
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	n := &corev1.Namespace{}
	n.Name = ns
	if err := c.Patch(r.Context(), n, client.RawPatch(types.MergePatchType, data)); err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	enabled := n.Labels[meshv1.InjectionLabel] == injectionEnabled
	responsewriters.WriteJSON(w, http.StatusOK, Mesh{Enabled: &enabled})
}
