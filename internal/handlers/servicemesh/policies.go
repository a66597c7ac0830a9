package servicemesh

import (
	"fmt"
	"net/http"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/controller-runtime/pkg/client"

	meshv1 "github.com/superkube/super-kubenetes/api/servicemesh/v1alpha2"
	"github.com/superkube/super-kubenetes/internal/apiserver/apistatus"
	"github.com/superkube/super-kubenetes/internal/apiserver/listquery"
	"github.com/superkube/super-kubenetes/internal/apiserver/requestbody"
	"github.com/superkube/super-kubenetes/internal/apiserver/responsewriters"
	"github.com/superkube/super-kubenetes/internal/servicemesh/validation"
)

var policyList = listquery.Spec{SortBy: []string{"service"}, Filters: []string{"service", "ready"}}

var policyColumns = listquery.Columns[*meshv1.ServicePolicy]{
	"service": func(p *meshv1.ServicePolicy) string { return p.Spec.Service },
}

var policyFilters = listquery.Filters[*meshv1.ServicePolicy]{
	"service": func(p *meshv1.ServicePolicy, v string) bool { return p.Spec.Service == v },
	"ready":   func(p *meshv1.ServicePolicy, v string) bool { return policyReady(p) == v },
}

// policyReady is the status of the policy's Ready condition: True, False
// or Unknown (not yet seen by the controller).
func policyReady(p *meshv1.ServicePolicy) string {
	if c := meta.FindStatusCondition(p.Status.Conditions, meshv1.ConditionReady); c != nil {
		return string(c.Status)
	}
	return string(metav1.ConditionUnknown)
}

var policyKind = meshv1.GroupVersion.WithKind("ServicePolicy")

func writePolicy(w http.ResponseWriter, code int, p *meshv1.ServicePolicy, err error) {
	p.SetGroupVersionKind(policyKind)
	writeObject(w, code, p, err)
}

func (h *Handler) listPolicies(w http.ResponseWriter, r *http.Request) {
	q, err := listquery.Parse(r.URL.Query(), policyList)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	c, err := h.as(r)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	var list meshv1.ServicePolicyList
	if err := c.List(r.Context(), &list, client.InNamespace(r.PathValue("namespace"))); err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	items := make([]*meshv1.ServicePolicy, len(list.Items))
	for i := range list.Items {
		list.Items[i].ManagedFields = nil
		list.Items[i].SetGroupVersionKind(policyKind)
		items[i] = &list.Items[i]
	}
	responsewriters.WriteJSON(w, http.StatusOK, listquery.Apply(items, q, policyColumns, policyFilters))
}

func (h *Handler) getPolicy(w http.ResponseWriter, r *http.Request) {
	c, err := h.as(r)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	p := &meshv1.ServicePolicy{}
	err = c.Get(r.Context(), client.ObjectKey{Namespace: r.PathValue("namespace"), Name: r.PathValue("name")}, p)
	writePolicy(w, http.StatusOK, p, err)
}

// decodePolicy reads a policy and checks its spec, naming the field of
// each mistake.
func decodePolicy(r *http.Request) (*meshv1.ServicePolicy, error) {
	p := &meshv1.ServicePolicy{}
	if err := requestbody.Decode(r, p, requestbody.Options{Kind: "ServicePolicy", Strict: true}); err != nil {
		return nil, err
	}
	if errs := validation.ServicePolicy(&p.Spec); len(errs) > 0 {
		return nil, apistatus.Invalid("ServicePolicy", p.Name, errs)
	}
	p.Namespace = r.PathValue("namespace")
	p.ManagedFields = nil
	p.Status = meshv1.ServicePolicyStatus{}
	return p, nil
}

func (h *Handler) createPolicy(w http.ResponseWriter, r *http.Request) {
	p, err := decodePolicy(r)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	c, err := h.as(r)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	if err := h.serviceExists(r, "ServicePolicy", "servicepolicies", p.Name, p.Namespace, p.Spec.Service); err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	// At most one policy per service. Two creates at the same moment can
	// both pass this check; the controller then reports the conflict in
	// the second one's status.
	var list meshv1.ServicePolicyList
	if err := c.List(r.Context(), &list, client.InNamespace(p.Namespace)); err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	for i := range list.Items {
		if o := &list.Items[i]; o.Spec.Service == p.Spec.Service && o.Name != p.Name {
			responsewriters.WriteStatus(w, apistatus.New(http.StatusConflict, metav1.StatusReasonConflict,
				fmt.Sprintf("service %s already has a ServicePolicy, %s: a service has at most one; edit that one", p.Spec.Service, o.Name),
				apistatus.About(meshv1.GroupVersion.WithResource("servicepolicies").GroupResource(), p.Name),
				apistatus.Cause(metav1.CauseTypeFieldValueDuplicate, "spec.service", p.Spec.Service)))
			return
		}
	}
	p.ResourceVersion = ""
	err = c.Create(r.Context(), p)
	writePolicy(w, http.StatusCreated, p, err)
}

func (h *Handler) updatePolicy(w http.ResponseWriter, r *http.Request) {
	p, err := decodePolicy(r)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	if p.Name != r.PathValue("name") {
		responsewriters.WriteStatus(w, apistatus.Invalid("ServicePolicy", p.Name, field.ErrorList{
			field.Invalid(field.NewPath("metadata", "name"), p.Name, "must be the name in the path")}))
		return
	}
	c, err := h.as(r)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	if p.ResourceVersion == "" {
		old := &meshv1.ServicePolicy{}
		if err := c.Get(r.Context(), client.ObjectKeyFromObject(p), old); err != nil {
			responsewriters.WriteStatus(w, err)
			return
		}
		p.ResourceVersion = old.ResourceVersion
	}
	err = c.Update(r.Context(), p)
	writePolicy(w, http.StatusOK, p, err)
}

func (h *Handler) deletePolicy(w http.ResponseWriter, r *http.Request) {
	c, err := h.as(r)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	p := &meshv1.ServicePolicy{ObjectMeta: metav1.ObjectMeta{Namespace: r.PathValue("namespace"), Name: r.PathValue("name")}}
	if err := c.Delete(r.Context(), p); err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	responsewriters.WriteDeleted(w, meshv1.GroupVersion.WithResource("servicepolicies").GroupResource(), p.Name)
}
