package servicemesh

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	meshv1 "github.com/superkube/super-kubenetes/api/servicemesh/v1alpha2"
	"github.com/superkube/super-kubenetes/internal/apiserver/apistatus"
	"github.com/superkube/super-kubenetes/internal/apiserver/listquery"
	"github.com/superkube/super-kubenetes/internal/apiserver/requestbody"
	"github.com/superkube/super-kubenetes/internal/apiserver/responsewriters"
	"github.com/superkube/super-kubenetes/internal/servicemesh/validation"
)

var strategyList = listquery.Spec{SortBy: []string{"type", "service", "phase"}, Filters: []string{"type", "service", "phase"}}

var strategyColumns = listquery.Columns[*meshv1.Strategy]{
	"type":    func(s *meshv1.Strategy) string { return string(s.Spec.Type) },
	"service": func(s *meshv1.Strategy) string { return s.Spec.Service },
	"phase":   func(s *meshv1.Strategy) string { return string(s.Status.Phase) },
}

var strategyFilters = listquery.Filters[*meshv1.Strategy]{
	"type":    func(s *meshv1.Strategy, v string) bool { return string(s.Spec.Type) == v },
	"service": func(s *meshv1.Strategy, v string) bool { return s.Spec.Service == v },
	"phase":   func(s *meshv1.Strategy, v string) bool { return string(s.Status.Phase) == v },
}

// strategies are the Strategy endpoints' differences from the policies'.
var strategies = &kind[*meshv1.Strategy, *meshv1.StrategyList]{
	name: "Strategy", resource: "strategies", list: strategyList, columns: strategyColumns, filters: strategyFilters,
	newObj:      func() *meshv1.Strategy { return &meshv1.Strategy{} },
	newList:     func() *meshv1.StrategyList { return &meshv1.StrategyList{} },
	items:       func(l *meshv1.StrategyList) []*meshv1.Strategy { return pointers(l.Items) },
	validate:    func(s *meshv1.Strategy) field.ErrorList { return validation.Strategy(&s.Spec) },
	clearStatus: func(s *meshv1.Strategy) { s.Status = meshv1.StrategyStatus{} },
	service:     func(s *meshv1.Strategy) string { return s.Spec.Service },
}

// serviceExists refuses a spec.service that names no Service of the
// namespace (422 on that field). It reads the cache, so it first asks
// whether the caller may create the object at all: whoever may not gets
// the 403 and learns nothing about the namespace's Services.
func (h *Handler) serviceExists(r *http.Request, kind, resource, name, ns, svc string) error {
	if !h.may(r, "create", Group, resource, ns, "") {
		return forbidden(r, Group, resource, name, "create "+resource+" in namespace "+ns)
	}
	err := h.Cache.Get(r.Context(), client.ObjectKey{Namespace: ns, Name: svc}, &corev1.Service{})
	if apierrors.IsNotFound(err) {
		return apistatus.Invalid(kind, name, field.ErrorList{field.NotFound(field.NewPath("spec", "service"), svc)})
	}
	return err
}

// decided is the 409 for a change to a strategy whose decision is taken.
func decided(s *meshv1.Strategy, what string) error {
	return apistatus.New(http.StatusConflict, metav1.StatusReasonConflict,
		fmt.Sprintf("strategy %s is already decided (%s): it cannot %s; create another strategy", s.Name, s.Spec.Decision, what),
		apistatus.About(meshv1.GroupVersion.WithResource("strategies").GroupResource(), s.Name),
		apistatus.Cause(metav1.CauseTypeFieldValueInvalid, "spec.decision", string(s.Spec.Decision)))
}

// patchSpec changes a strategy as the caller: it reads it, lets change
// check and fill the patch's spec, and sends a merge patch that carries
// the resourceVersion read, so that a write made in between is a
// conflict, after which it reads and checks again.
func (h *Handler) patchSpec(r *http.Request, change func(s *meshv1.Strategy) (map[string]any, error)) (*meshv1.Strategy, error) {
	c, err := h.as(r)
	if err != nil {
		return nil, err
	}
	key := client.ObjectKey{Namespace: r.PathValue("namespace"), Name: r.PathValue("name")}
	s := &meshv1.Strategy{}
	err = retry.OnError(retry.DefaultRetry, isStale, func() error {
		if err := c.Get(r.Context(), key, s); err != nil {
			return err
		}
		spec, err := change(s)
		if err != nil {
			return refusal{err}
		}
		data, err := json.Marshal(map[string]any{"metadata": map[string]any{"resourceVersion": s.ResourceVersion}, "spec": spec})
		if err != nil {
			return err
		}
		return c.Patch(r.Context(), s, client.RawPatch(types.MergePatchType, data))
	})
	if rf, ok := errors.AsType[refusal](err); ok {
		return s, rf.error
	}
	return s, err
}

// refusal is change's answer: final, even when it is a 409.
type refusal struct{ error }

// isStale: the patch met a newer version (kube-apiserver's 409), worth
// reading again.
func isStale(err error) bool {
	_, refused := errors.AsType[refusal](err)
	return !refused && apierrors.IsConflict(err)
}

// decide sets spec.decision, once.
func (h *Handler) decide(d meshv1.Decision) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s, err := h.patchSpec(r, func(s *meshv1.Strategy) (map[string]any, error) {
			if s.Spec.Decision != "" {
				return nil, decided(s, "be decided again")
			}
			return map[string]any{"decision": d}, nil
		})
		strategies.write(w, http.StatusOK, s, err)
	}
}

// WeightRequest shifts a canary's weight.
type WeightRequest struct {
	// Weight is the percent of unmatched requests sent to the canary.
	Weight *int32 `json:"weight"`
}

var weightPath = field.NewPath("spec", "weight")

// setWeight changes spec.weight of an undecided Canary strategy.
func (h *Handler) setWeight(w http.ResponseWriter, r *http.Request) {
	var in WeightRequest
	if err := requestbody.Decode(r, &in, requestbody.Options{Kind: "WeightRequest", Strict: true}); err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	name := r.PathValue("name")
	switch {
	case in.Weight == nil:
		responsewriters.WriteStatus(w, apistatus.Invalid("Strategy", name, field.ErrorList{field.Required(weightPath, `the body is {"weight": N}, N from 0 to 100`)}))
		return
	case *in.Weight < 0 || *in.Weight > 100:
		responsewriters.WriteStatus(w, apistatus.Invalid("Strategy", name, field.ErrorList{field.Invalid(weightPath, *in.Weight, "a percent, from 0 to 100")}))
		return
	}
	s, err := h.patchSpec(r, func(s *meshv1.Strategy) (map[string]any, error) {
		if s.Spec.Type != meshv1.Canary {
			return nil, apistatus.Invalid("Strategy", s.Name, field.ErrorList{field.Forbidden(weightPath,
				"only a Canary strategy has a weight; this one is "+strconv.Quote(string(s.Spec.Type)))})
		}
		if s.Spec.Decision != "" {
			return nil, decided(s, "change its weight")
		}
		return map[string]any{"weight": *in.Weight}, nil
	})
	strategies.write(w, http.StatusOK, s, err)
}
