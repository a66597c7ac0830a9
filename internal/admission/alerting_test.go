package admission

import (
	"net/http"
	"strings"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	alertingv2beta1 "github.com/superkube/super-kubenetes/api/alerting/v2beta1"
)

func TestTheWebhookChecksAlertRuleGroups(t *testing.T) {
	h := webhook(t)
	const group = alertingv2beta1.GroupName
	rule := func(threshold string) alertingv2beta1.Rule {
		return alertingv2beta1.Rule{Alert: "Restarts", Builder: &alertingv2beta1.RuleBuilder{
			Kind: alertingv2beta1.TargetPod, Metric: "pod_restarts", Comparison: ">", Threshold: threshold}}
	}
	project := func(threshold string) *alertingv2beta1.RuleGroup {
		return &alertingv2beta1.RuleGroup{ObjectMeta: metav1.ObjectMeta{Namespace: "acme-web", Name: "web"},
			Spec: alertingv2beta1.RuleGroupSpec{Rules: []alertingv2beta1.Rule{rule(threshold)}}}
	}
	builtin := &alertingv2beta1.GlobalRuleGroup{ObjectMeta: metav1.ObjectMeta{Name: "builtin-nodes",
		Labels: map[string]string{alertingv2beta1.BuiltinLabel: "true"}}, Spec: alertingv2beta1.RuleGroupSpec{Rules: []alertingv2beta1.Rule{rule("3")}}}
	unlabelled := builtin.DeepCopy()
	unlabelled.Labels = nil
	raised := builtin.DeepCopy()
	raised.Spec.Rules[0].Builder.Threshold = "10"
	raised.Spec.Rules[0].Disabled = true
	nodeInProject := project("1")
	nodeInProject.Spec.Rules[0].Builder = &alertingv2beta1.RuleBuilder{Kind: "Node", Metric: "node_ready", Comparison: "==", Threshold: "0"}
	badExpr := &alertingv2beta1.ClusterRuleGroup{ObjectMeta: metav1.ObjectMeta{Name: "c"},
		Spec: alertingv2beta1.RuleGroupSpec{Rules: []alertingv2beta1.Rule{{Alert: "A", Expr: "sum(up"}}}}
	for _, tt := range []struct {
		name     string
		user     string
		op       admissionv1.Operation
		resource string
		obj, old runtime.Object
		code     int32 // 0 when allowed
		says     string
		field    string
	}{
		{"a valid project group", "wsadmin", admissionv1.Create, "rulegroups", project("3"), nil, 0, "", ""},
		{"a threshold that is not a number", "wsadmin", admissionv1.Create, "rulegroups", project("three"), nil,
			http.StatusUnprocessableEntity, "not a number", "spec.rules[0].builder.threshold"},
		{"an update to a bad threshold", "wsadmin", admissionv1.Update, "rulegroups", project("1e"), project("3"),
			http.StatusUnprocessableEntity, "not a number", "spec.rules[0].builder.threshold"},
		{"a node rule in a project", "wsadmin", admissionv1.Create, "rulegroups", nodeInProject, nil,
			http.StatusUnprocessableEntity, "namespace", "spec.rules[0].builder.kind"},
		{"PromQL that does not parse", "root", admissionv1.Create, "clusterrulegroups", badExpr, nil,
			http.StatusUnprocessableEntity, "does not parse", "spec.rules[0].expr"},
		{"a platform administrator may not delete a built-in group", "root", admissionv1.Delete, "globalrulegroups", nil, builtin,
			http.StatusForbidden, "built in and cannot be deleted", ""},
		{"nor unmark it", "root", admissionv1.Update, "globalrulegroups", unlabelled, builtin, http.StatusForbidden, "only the platform", ""},
		{"nor mark a group of its own as built in", "root", admissionv1.Create, "globalrulegroups", builtin, nil, http.StatusForbidden, "only the platform", ""},
		{"an administrator disables a built-in rule and raises its threshold", "root", admissionv1.Update, "globalrulegroups", raised, builtin, 0, "", ""},
		{"another group is deleted", "wsadmin", admissionv1.Delete, "rulegroups", nil, project("3"), 0, "", ""},
		{"the platform creates the built-in groups", "ke-controller-manager", admissionv1.Create, "globalrulegroups", builtin, nil, 0, "", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp := ask(t, h, tt.user, tt.op, group, tt.resource, tt.obj, tt.old)
			if resp.Allowed != (tt.code == 0) {
				t.Fatalf("allowed=%v (%+v)", resp.Allowed, resp.Result)
			}
			if tt.code == 0 {
				return
			}
			if resp.Result.Code != tt.code || !strings.Contains(resp.Result.Message, tt.says) {
				t.Fatalf("refusal %d %q, want %d saying %q", resp.Result.Code, resp.Result.Message, tt.code, tt.says)
			}
			if tt.field != "" {
				if resp.Result.Details == nil || len(resp.Result.Details.Causes) == 0 || resp.Result.Details.Causes[0].Field != tt.field {
					t.Fatalf("details %+v, want a cause naming %s", resp.Result.Details, tt.field)
				}
				if !strings.Contains(resp.Result.Message, tt.field) {
					t.Errorf("the message %q does not name %s", resp.Result.Message, tt.field)
				}
			}
		})
	}
}
