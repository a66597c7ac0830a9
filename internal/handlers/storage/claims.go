package storage

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/superkube/super-kubenetes/internal/apiserver/apistatus"
	"github.com/superkube/super-kubenetes/internal/apiserver/listquery"
	"github.com/superkube/super-kubenetes/internal/apiserver/requestbody"
	"github.com/superkube/super-kubenetes/internal/apiserver/responsewriters"
	"github.com/superkube/super-kubenetes/internal/storage"
)

// Claim is a PersistentVolumeClaim with the pods that mount it and what
// its class can do.
type Claim struct {
	corev1.PersistentVolumeClaim `json:",inline"`
	// MountedBy are the project's pods whose volumes name the claim
	// (persistentVolumeClaim volumes, and the claims of generic ephemeral
	// volumes), sorted by name; empty when none does.
	MountedBy []MountingPod `json:"mountedBy"`
	// Capabilities are those of the claim's storage class; absent when the
	// claim has no class or the class does not exist.
	Capabilities *storage.Capabilities `json:"capabilities,omitempty"`
}

// MountingPod is a pod that mounts a claim.
type MountingPod struct {
	Name     string          `json:"name"`
	Phase    corev1.PodPhase `json:"phase"`
	NodeName string          `json:"nodeName,omitempty"`
	ReadOnly bool            `json:"readOnly"`
}

var claimList = listquery.Spec{SortBy: []string{"storageClass", "phase"}, Filters: []string{"storageClass", "phase", "mounted"}}

// mountsByClaim maps the claims' names to the pods that mount them.
func mountsByClaim(pods []corev1.Pod) map[string][]MountingPod {
	out := map[string][]MountingPod{}
	for i := range pods {
		p := &pods[i]
		for _, v := range p.Spec.Volumes {
			var claim string
			var ro bool
			switch {
			case v.PersistentVolumeClaim != nil:
				claim, ro = v.PersistentVolumeClaim.ClaimName, v.PersistentVolumeClaim.ReadOnly
			case v.Ephemeral != nil:
				claim = p.Name + "-" + v.Name
			default:
				continue
			}
			out[claim] = append(out[claim], MountingPod{Name: p.Name, Phase: p.Status.Phase, NodeName: p.Spec.NodeName, ReadOnly: ro})
		}
	}
	for _, l := range out {
		slices.SortFunc(l, func(a, b MountingPod) int { return strings.Compare(a.Name, b.Name) })
	}
	return out
}

// listClaims lists a project's claims with their mounting pods. It takes
// the rights to list both claims and pods in the project.
func (h *Handler) listClaims(w http.ResponseWriter, r *http.Request) {
	q, err := listquery.Parse(r.URL.Query(), claimList)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	u, ns := caller(r), r.PathValue("namespace")
	for _, res := range []string{"persistentvolumeclaims", "pods"} {
		if !h.may(u, "list", coreGroup, res, ns) {
			responsewriters.WriteStatus(w, forbidden(u, coreGroup, res, "", "list "+res+" in namespace "+ns+" (the list of claims shows the pods that mount them)"))
			return
		}
	}
	ctx := r.Context()
	var claims corev1.PersistentVolumeClaimList
	if err := h.Cache.List(ctx, &claims, client.InNamespace(ns)); err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	var pods corev1.PodList
	if err := h.Cache.List(ctx, &pods, client.InNamespace(ns)); err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	wd, err := h.readWorld(ctx)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	mounts := mountsByClaim(pods.Items)
	items := make([]*Claim, 0, len(claims.Items))
	for i := range claims.Items {
		items = append(items, wd.claim(&claims.Items[i], mounts))
	}
	className := func(c *Claim) string { return ptr.Deref(c.Spec.StorageClassName, "") }
	responsewriters.WriteJSON(w, http.StatusOK, listquery.Apply(items, q,
		listquery.Columns[*Claim]{"storageClass": className, "phase": func(c *Claim) string { return string(c.Status.Phase) }},
		listquery.Filters[*Claim]{
			"storageClass": func(c *Claim, v string) bool { return className(c) == v },
			"phase":        func(c *Claim, v string) bool { return strings.EqualFold(string(c.Status.Phase), v) },
			"mounted":      func(c *Claim, v string) bool { return boolIs(len(c.MountedBy) > 0, v) },
		}))
}

func (w *world) claim(pvc *corev1.PersistentVolumeClaim, mounts map[string][]MountingPod) *Claim {
	out := &Claim{PersistentVolumeClaim: *pvc, MountedBy: mounts[pvc.Name]}
	out.APIVersion, out.Kind, out.ManagedFields = "v1", "PersistentVolumeClaim", nil
	if out.MountedBy == nil {
		out.MountedBy = []MountingPod{}
	}
	if sc := w.class(ptr.Deref(pvc.Spec.StorageClassName, "")); sc != nil {
		c := w.capabilities(sc)
		out.Capabilities = &c
	}
	return out
}

var sizePath = field.NewPath("spec", "resources", "requests", "storage")

// expand asks for a larger volume: the body is a PersistentVolumeClaim
// whose spec.resources.requests.storage is the new size. It is refused
// (422 naming that field) when the claim's class does not allow
// expansion or the size does not grow; the patch goes to kube-apiserver as
// the caller, whose RBAC and admission decide too.
func (h *Handler) expand(w http.ResponseWriter, r *http.Request) {
	u, ns, name := caller(r), r.PathValue("namespace"), r.PathValue("name")
	if !h.may(u, "patch", coreGroup, "persistentvolumeclaims", ns) {
		responsewriters.WriteStatus(w, forbidden(u, coreGroup, "persistentvolumeclaims", name, "expand persistent volume claims in namespace "+ns))
		return
	}
	var body corev1.PersistentVolumeClaim
	if err := requestbody.Decode(r, &body, requestbody.Options{Kind: "PersistentVolumeClaim"}); err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	want, ok := body.Spec.Resources.Requests[corev1.ResourceStorage]
	if !ok {
		responsewriters.WriteStatus(w, apistatus.Invalid("PersistentVolumeClaim", name, field.ErrorList{field.Required(sizePath, "the new size")}))
		return
	}
	ctx := r.Context()
	c, err := h.Clients.As(u)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	var pvc corev1.PersistentVolumeClaim
	if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, &pvc); err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	wd, err := h.readWorld(ctx)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	have := pvc.Spec.Resources.Requests[corev1.ResourceStorage]
	className := ptr.Deref(pvc.Spec.StorageClassName, "")
	sc := wd.class(className)
	var refuse string
	switch {
	case sc == nil:
		refuse = fmt.Sprintf("the claim's storage class %q does not exist, so it cannot be expanded", className)
	case !ptr.Deref(sc.AllowVolumeExpansion, false):
		refuse = fmt.Sprintf("the claim's storage class %q does not allow volume expansion (allowVolumeExpansion is not true)", className)
	case want.Cmp(have) < 0:
		refuse = fmt.Sprintf("must not be less than the current request %s: volumes cannot shrink", have.String())
	}
	if refuse != "" {
		responsewriters.WriteStatus(w, apistatus.Invalid("PersistentVolumeClaim", name, field.ErrorList{field.Invalid(sizePath, want.String(), refuse)}))
		return
	}
	if want.Cmp(have) > 0 {
		data, err := json.Marshal(map[string]any{"spec": map[string]any{"resources": map[string]any{"requests": map[string]any{"storage": want.String()}}}})
		if err != nil {
			responsewriters.WriteStatus(w, err)
			return
		}
		if err := c.Patch(ctx, &pvc, client.RawPatch(types.MergePatchType, data)); err != nil {
			responsewriters.WriteStatus(w, err)
			return
		}
	}
	// The mounting pods only for whoever may list them.
	var pods corev1.PodList
	if h.may(u, "list", coreGroup, "pods", ns) {
		if err := h.Cache.List(ctx, &pods, client.InNamespace(ns)); err != nil {
			responsewriters.WriteStatus(w, err)
			return
		}
	}
	responsewriters.WriteJSON(w, http.StatusOK, wd.claim(&pvc, mountsByClaim(pods.Items)))
}
