package admission

import (
	"context"
	"fmt"

	admissionv1 "k8s.io/api/admission/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	alertingv2beta1 "github.com/superkube/super-kubenetes/api/alerting/v2beta1"
	"github.com/superkube/super-kubenetes/internal/alerting/rules"
)

// --- Alert rule groups: valid rules, and built-in groups stay. ---

// ruleGroupKinds maps the rule group resources to their levels and kinds.
var ruleGroupKinds = map[string]struct{ level, kind string }{
	"rulegroups":        {alertingv2beta1.LevelProject, "RuleGroup"},
	"clusterrulegroups": {alertingv2beta1.LevelCluster, "ClusterRuleGroup"},
	"globalrulegroups":  {alertingv2beta1.LevelGlobal, "GlobalRuleGroup"},
}

// ruleGroupObject is what the check reads of a rule group of any level.
type ruleGroupObject struct {
	metav1.ObjectMeta `json:"metadata"`
	Spec              alertingv2beta1.RuleGroupSpec `json:"spec"`
}

// invalidObject is a refusal naming the fields (422 Invalid).
type invalidObject struct{ status metav1.Status }

func (e *invalidObject) Error() string { return e.status.Message }

// ruleGroup validates a rule group's rules as ke-controller-manager will
// compile them (rules.Validate), and refuses to delete a built-in group
// or to add or remove the built-in label: a built-in group is disabled or
// has its thresholds changed, never deleted, whoever asks (the platform
// itself is exempt and never deletes one).
func (h *Webhook) ruleGroup(_ context.Context, req *request) (string, error) {
	rk := ruleGroupKinds[req.Resource.Resource]
	obj, old, err := decode[ruleGroupObject](req)
	if err != nil {
		return "", err
	}
	builtin := func(o *ruleGroupObject) bool { return o != nil && o.Labels[alertingv2beta1.BuiltinLabel] == "true" }
	if req.Operation == admissionv1.Delete {
		if builtin(old) {
			return fmt.Sprintf("the rule group %s is built in and cannot be deleted: disable it (spec.disabled) or its rules "+
				"(spec.rules[].disabled), or change their thresholds, instead", req.Name), nil
		}
		return "", nil
	}
	if obj == nil {
		return "", nil
	}
	if builtin(obj) != builtin(old) && (old != nil || builtin(obj)) {
		return fmt.Sprintf("only the platform sets or removes the label %s=true of its built-in rule groups", alertingv2beta1.BuiltinLabel), nil
	}
	// An update that leaves the spec alone (labels, finalizers) is not
	// checked again: a group written before a stricter check stays editable.
	if old != nil && jsonEqual(&obj.Spec, &old.Spec) {
		return "", nil
	}
	if errs := rules.Validate(rk.level, req.Namespace, &obj.Spec); len(errs) > 0 {
		gk := schema.GroupKind{Group: alertingv2beta1.GroupName, Kind: rk.kind}
		return "", &invalidObject{status: apierrors.NewInvalid(gk, req.Name, errs).ErrStatus}
	}
	return "", nil
}
