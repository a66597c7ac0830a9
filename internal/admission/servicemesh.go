package admission

import (
	"context"
	"encoding/json"
	"fmt"

	admissionv1 "k8s.io/api/admission/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"

	meshv1 "github.com/superkube/super-kubenetes/api/servicemesh/v1alpha2"
	"github.com/superkube/super-kubenetes/internal/authz"
	"github.com/superkube/super-kubenetes/internal/servicemesh/validation"
)

// --- Strategies and service policies: valid, and nobody acts on more than they hold. ---

// istioRoutes is what ke-controller-manager does with Istio's objects for
// a strategy or a policy: the writer must hold it in the namespace.
var istioRoutes = rbacv1.PolicyRule{APIGroups: []string{"networking.istio.io"}, Resources: []string{"virtualservices", "destinationrules"},
	Verbs: []string{"create", "update", "delete"}}

// scaleWorkloads is what it does more for a strategy: a decision scales
// the losing version's workloads to 0.
var scaleWorkloads = rbacv1.PolicyRule{APIGroups: []string{"apps"}, Resources: []string{"deployments", "statefulsets"}, Verbs: []string{"update"}}

// meshObject is what the check reads of a strategy or a policy.
type meshObject[S any] struct {
	metav1.ObjectMeta `json:"metadata"`
	Spec              S `json:"spec"`
}

// strategy checks a Strategy (validation.Strategy, 422 naming the field)
// and that the writer may do what the controller will do for it.
func (h *Webhook) strategy(_ context.Context, req *request) (string, error) {
	return meshCheck(h, req, "Strategy", validation.Strategy, []rbacv1.PolicyRule{istioRoutes, scaleWorkloads})
}

// servicePolicy checks a ServicePolicy the same way.
func (h *Webhook) servicePolicy(_ context.Context, req *request) (string, error) {
	return meshCheck(h, req, "ServicePolicy", validation.ServicePolicy, []rbacv1.PolicyRule{istioRoutes})
}

func meshCheck[S any](h *Webhook, req *request, kind string, validate func(*S) field.ErrorList, needs []rbacv1.PolicyRule) (string, error) {
	if req.Operation == admissionv1.Delete {
		return "", nil
	}
	obj, old, err := decode[meshObject[S]](req)
	if err != nil || obj == nil {
		return "", err
	}
	// An update that leaves the spec alone (labels, finalizers) asks the
	// controller for nothing new and is not checked again.
	if old != nil && jsonEqual(&obj.Spec, &old.Spec) {
		return "", nil
	}
	if errs := validate(&obj.Spec); len(errs) > 0 {
		gk := schema.GroupKind{Group: meshv1.GroupVersion.Group, Kind: kind}
		return "", &invalidObject{status: apierrors.NewInvalid(gk, req.Name, errs).ErrStatus}
	}
	place := authz.Place{Namespace: req.Namespace}
	if m := h.Authorizer.Missing(req.caller, needs, place); m != "" {
		return fmt.Sprintf("user %s may not write the %s %s: ke-controller-manager would %s %s for it, which user %s may not",
			req.caller.User, kind, req.Name, m, place, req.caller.User), nil
	}
	return "", nil
}

// jsonEqual reports whether a and b have the same JSON: two specs that
// say the same.
func jsonEqual(a, b any) bool {
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && string(ja) == string(jb)
}
