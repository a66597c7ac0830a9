package admission

import (
	"fmt"
	"strings"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/authentication/user"

	alertingv2beta1 "github.com/superkube/super-kubenetes/api/alerting/v2beta1"
	applicationv2 "github.com/superkube/super-kubenetes/api/application/v2"
	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	meshv1 "github.com/superkube/super-kubenetes/api/servicemesh/v1alpha2"
)

// ConfigurationName is the name of the ValidatingWebhookConfiguration.
const ConfigurationName = "superkube-apiserver"

// Configuration returns the ValidatingWebhookConfiguration that makes
// kube-apiserver call the webhook at cc for the resources it checks, for
// every writer but the exempt ones (skipped by match conditions, so that
// their writes never wait for ke-apiserver). It fails closed: while
// ke-apiserver cannot answer, the writes it checks are refused.
func Configuration(cc admissionregistrationv1.WebhookClientConfig, exempt Exemptions) *admissionregistrationv1.ValidatingWebhookConfiguration {
	fail := admissionregistrationv1.Fail
	none := admissionregistrationv1.SideEffectClassNone
	exact := admissionregistrationv1.Equivalent
	timeout := int32(5)
	webhook := func(name string, rules ...admissionregistrationv1.RuleWithOperations) admissionregistrationv1.ValidatingWebhook {
		return admissionregistrationv1.ValidatingWebhook{
			Name: name, ClientConfig: cc, Rules: rules,
			FailurePolicy: &fail, SideEffects: &none, MatchPolicy: &exact, TimeoutSeconds: &timeout,
			// Every namespace and object (kube-apiserver's defaults, spelled out).
			NamespaceSelector: &metav1.LabelSelector{}, ObjectSelector: &metav1.LabelSelector{},
			AdmissionReviewVersions: []string{"v1"},
			MatchConditions:         []admissionregistrationv1.MatchCondition{{Name: "not-exempt", Expression: exempt.celNotExempt()}},
		}
	}
	rule := func(ops []admissionregistrationv1.OperationType, group string, resources ...string) admissionregistrationv1.RuleWithOperations {
		scope := admissionregistrationv1.AllScopes
		return admissionregistrationv1.RuleWithOperations{Operations: ops, Rule: admissionregistrationv1.Rule{
			APIGroups: []string{group}, APIVersions: []string{"*"}, Resources: resources, Scope: &scope}}
	}
	createUpdate := []admissionregistrationv1.OperationType{admissionregistrationv1.Create, admissionregistrationv1.Update}
	return &admissionregistrationv1.ValidatingWebhookConfiguration{
		TypeMeta:   metav1.TypeMeta{APIVersion: "admissionregistration.k8s.io/v1", Kind: "ValidatingWebhookConfiguration"},
		ObjectMeta: metav1.ObjectMeta{Name: ConfigurationName, Labels: map[string]string{"app.kubernetes.io/part-of": "super-kubenetes"}},
		Webhooks: []admissionregistrationv1.ValidatingWebhook{
			webhook("iam.admission.superkube.io", rule(append(createUpdate, admissionregistrationv1.Delete), iamv1beta1.GroupName,
				"users", "users/status", "groups", "groupbindings", "globalroles", "globalrolebindings",
				"workspaceroles", "workspacerolebindings", "roletemplates")),
			webhook("rbac.admission.superkube.io", rule(createUpdate, rbacv1.GroupName, "roles", "rolebindings", "clusterroles", "clusterrolebindings")),
			webhook("namespaces.admission.superkube.io", rule(createUpdate, "", "namespaces")),
			webhook("alerting.admission.superkube.io", rule(append(createUpdate, admissionregistrationv1.Delete), alertingv2beta1.GroupName,
				"rulegroups", "clusterrulegroups", "globalrulegroups")),
			webhook("application.admission.superkube.io", rule(createUpdate, applicationv2.GroupName,
				"applicationversions", "repositories")),
			webhook("releases.admission.superkube.io", rule(append(createUpdate, admissionregistrationv1.Delete), applicationv2.GroupName,
				"applicationreleases")),
			webhook("servicemesh.admission.superkube.io", rule(createUpdate, meshv1.GroupVersion.Group, "strategies", "servicepolicies")),
		},
	}
}

// celNotExempt is the match condition that leaves out the exempt writers.
func (e Exemptions) celNotExempt() string {
	users := append(append([]string{}, systemUsers...), e.Users...)
	quoted := make([]string, len(users))
	for i, u := range users {
		quoted[i] = fmt.Sprintf("%q", u)
	}
	return fmt.Sprintf("!(has(request.userInfo.groups) && %q in request.userInfo.groups) && !(request.userInfo.username in [%s]) && !request.userInfo.username.startsWith(%q)",
		user.SystemPrivilegedGroup, strings.Join(quoted, ", "), kubeSystemServiceAccounts)
}
