package webhook

import (
	"context"
	"fmt"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/sets"
	"sigs.k8s.io/controller-runtime/pkg/client"

	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	"github.com/superkube/super-kubenetes/internal/quota/usage"
)

// ConfigurationName is the name of the ValidatingWebhookConfiguration, and
// Name the name of its webhook (kubectl shows it in a refusal).
const (
	ConfigurationName = "superkube-quota"
	Name              = "quota.admission.superkube.io"
)

// Configuration is the ValidatingWebhookConfiguration that makes
// kube-apiserver call the webhook at cc for the counted kinds in the
// namespaces of workspaces only (other namespaces never wait for it).
// The CA bundle is injected by the certificate rotator.
func Configuration(cc admissionregistrationv1.WebhookClientConfig, policy admissionregistrationv1.FailurePolicyType, timeoutSeconds int32) *admissionregistrationv1.ValidatingWebhookConfiguration {
	none := admissionregistrationv1.SideEffectClassNone
	exact := admissionregistrationv1.Equivalent
	scope := admissionregistrationv1.NamespacedScope
	byGroup := map[string]sets.Set[string]{}
	for _, k := range usage.Kinds {
		if byGroup[k.Resource.Group] == nil {
			byGroup[k.Resource.Group] = sets.New[string]()
		}
		byGroup[k.Resource.Group].Insert(k.Resource.Resource)
	}
	var rules []admissionregistrationv1.RuleWithOperations
	for _, g := range sets.List(sets.KeySet(byGroup)) {
		ops := []admissionregistrationv1.OperationType{admissionregistrationv1.Create}
		resources := sets.List(byGroup[g])
		rules = append(rules, admissionregistrationv1.RuleWithOperations{Operations: ops, Rule: admissionregistrationv1.Rule{
			APIGroups: []string{g}, APIVersions: []string{"*"}, Resources: resources, Scope: &scope}})
	}
	// A claim's expansion is charged too.
	rules = append(rules, admissionregistrationv1.RuleWithOperations{Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Update},
		Rule: admissionregistrationv1.Rule{APIGroups: []string{""}, APIVersions: []string{"*"}, Resources: []string{"persistentvolumeclaims"}, Scope: &scope}})
	return &admissionregistrationv1.ValidatingWebhookConfiguration{
		TypeMeta:   metav1.TypeMeta{APIVersion: "admissionregistration.k8s.io/v1", Kind: "ValidatingWebhookConfiguration"},
		ObjectMeta: metav1.ObjectMeta{Name: ConfigurationName, Labels: map[string]string{"app.kubernetes.io/part-of": "super-kubenetes"}},
		Webhooks: []admissionregistrationv1.ValidatingWebhook{{
			Name: Name, ClientConfig: cc, Rules: rules,
			FailurePolicy: &policy, SideEffects: &none, MatchPolicy: &exact, TimeoutSeconds: &timeoutSeconds,
			NamespaceSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
				{Key: tenantv1beta1.WorkspaceLabel, Operator: metav1.LabelSelectorOpExists}}},
			ObjectSelector:          &metav1.LabelSelector{},
			AdmissionReviewVersions: []string{"v1"},
			// Only a claim's update that grows its request is asked about.
			MatchConditions: []admissionregistrationv1.MatchCondition{{Name: "creates-and-claim-expansions",
				Expression: `request.operation != "UPDATE" || !has(object.spec.resources) || !has(object.spec.resources.requests) || !("storage" in object.spec.resources.requests) || !has(oldObject.spec.resources.requests) || !("storage" in oldObject.spec.resources.requests) || quantity(object.spec.resources.requests["storage"]).isGreaterThan(quantity(oldObject.spec.resources.requests["storage"]))`}},
		}},
	}
}

// Ensure creates the configuration or brings its rules and client config
// in line, keeping the CA bundle the rotator injected.
func Ensure(ctx context.Context, c client.Client, want *admissionregistrationv1.ValidatingWebhookConfiguration) error {
	have := &admissionregistrationv1.ValidatingWebhookConfiguration{}
	err := c.Get(ctx, client.ObjectKeyFromObject(want), have)
	if apierrors.IsNotFound(err) {
		if err := c.Create(ctx, want.DeepCopy()); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("creating the quota webhook's configuration: %w", err)
		}
		return nil
	}
	if err != nil {
		return err
	}
	next := have.DeepCopy()
	next.Labels = want.Labels
	next.Webhooks = want.DeepCopy().Webhooks
	for i := range next.Webhooks {
		for _, h := range have.Webhooks {
			if h.Name == next.Webhooks[i].Name {
				next.Webhooks[i].ClientConfig.CABundle = h.ClientConfig.CABundle
			}
		}
	}
	if err := c.Update(ctx, next); err != nil {
		return fmt.Errorf("updating the quota webhook's configuration: %w", err)
	}
	return nil
}

// ReferencesService is the client config of a webhook served behind a
// Service (the chart).
func ReferencesService(namespace, name string, port int32) admissionregistrationv1.WebhookClientConfig {
	path := Path
	return admissionregistrationv1.WebhookClientConfig{Service: &admissionregistrationv1.ServiceReference{Namespace: namespace, Name: name, Path: &path, Port: &port}}
}

// ReferencesURL is the client config of a webhook kube-apiserver reaches
// at a URL (ke-dev, the tests).
func ReferencesURL(base string) admissionregistrationv1.WebhookClientConfig {
	u := base + Path
	return admissionregistrationv1.WebhookClientConfig{URL: &u}
}
