// Package admission makes kube-apiserver itself enforce who may answer a
// run's input step, so that the rule holds on every path that writes a
// PipelineRun (ke-apiserver's API, its proxy, kubectl): a new approval in
// spec.approvals needs the verb approve on pipelineruns in the run's
// namespace, and must carry the name of the user who writes it.
package admission

import (
	"context"
	"errors"
	"time"

	"github.com/go-logr/logr"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	devopsv1alpha3 "github.com/superkube/super-kubenetes/api/devops/v1alpha3"
	"github.com/superkube/super-kubenetes/internal/iam/builtin"
)

// Name of the policy and of its binding.
const Name = "superkube-devops-approvals"

// ManagedByLabel marks the objects; its value is "ke-controller-manager".
const ManagedByLabel = "devops.superkube.io/managed-by"

func labels() map[string]string { return map[string]string{ManagedByLabel: "ke-controller-manager"} }

// Policy returns the policy.
func Policy() *admissionregistrationv1.ValidatingAdmissionPolicy {
	forbidden := ptr.To(metav1.StatusReasonForbidden)
	return &admissionregistrationv1.ValidatingAdmissionPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: Name, Labels: labels()},
		Spec: admissionregistrationv1.ValidatingAdmissionPolicySpec{
			FailurePolicy: ptr.To(admissionregistrationv1.Fail),
			MatchConstraints: &admissionregistrationv1.MatchResources{ResourceRules: []admissionregistrationv1.NamedRuleWithOperations{{
				RuleWithOperations: admissionregistrationv1.RuleWithOperations{
					Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create, admissionregistrationv1.Update},
					Rule: admissionregistrationv1.Rule{APIGroups: []string{devopsv1alpha3.GroupName}, APIVersions: []string{"*"},
						Resources: []string{"pipelineruns", "pipelines"}, Scope: ptr.To(admissionregistrationv1.NamespacedScope)},
				},
			}}},
			Variables: []admissionregistrationv1.Variable{
				{Name: "isRun", Expression: `request.resource.resource == 'pipelineruns'`},
				{Name: "old", Expression: `variables.isRun && request.operation == 'UPDATE' ? oldObject.spec.?approvals.orValue([]) : []`},
				{Name: "added", Expression: `variables.isRun ? object.spec.?approvals.orValue([]).filter(a, !(a in variables.old)) : []`},
				// The user a run acts as: its trigger's, or a pipeline's creator for webhook and cron runs.
				{Name: "actsAs", Expression: `variables.isRun ? object.spec.trigger.?user.orValue('') : object.metadata.?annotations[?'` + devopsv1alpha3.CreatorAnnotation + `'].orValue('')`},
				{Name: "actsAsBefore", Expression: `request.operation == 'UPDATE' ? (variables.isRun ? oldObject.spec.trigger.?user.orValue('') : oldObject.metadata.?annotations[?'` + devopsv1alpha3.CreatorAnnotation + `'].orValue('')) : ''`},
			},
			Validations: []admissionregistrationv1.Validation{
				{
					Expression: `variables.added.size() == 0 || authorizer.group('` + devopsv1alpha3.GroupName + `').resource('pipelineruns').namespace(object.metadata.namespace).name(object.metadata.name).check('` + builtin.ApproveVerb + `').allowed()`,
					MessageExpression: `'spec.approvals: user ' + request.userInfo.username + ' may not answer the input steps of runs in ' + object.metadata.namespace +
  ' (that needs the verb ` + builtin.ApproveVerb + ` on pipelineruns, which maintainers and owners hold)'`,
					Reason: forbidden,
				},
				{
					Expression:        `variables.added.all(a, a.user == request.userInfo.username)`,
					MessageExpression: `'spec.approvals: an approval carries the name of the user who gives it (' + request.userInfo.username + ')'`,
					Reason:            forbidden,
				},
				{
					// Nobody makes a run (or a pipeline's cron and webhook
					// runs) act as someone else, unless they may impersonate
					// that user (the platform's own components).
					Expression: `variables.actsAs == '' || variables.actsAs == variables.actsAsBefore || variables.actsAs == request.userInfo.username ||
  authorizer.group('').resource('users').name(variables.actsAs).check('impersonate').allowed()`,
					MessageExpression: `(variables.isRun ? 'spec.trigger.user' : 'metadata.annotations[` + devopsv1alpha3.CreatorAnnotation + `]') +
  ': ' + request.userInfo.username + ' may not make runs act as ' + variables.actsAs + '; leave it empty or give your own name'`,
					Reason: forbidden,
				},
			},
		},
	}
}

// Binding applies the policy everywhere.
func Binding() *admissionregistrationv1.ValidatingAdmissionPolicyBinding {
	return &admissionregistrationv1.ValidatingAdmissionPolicyBinding{
		ObjectMeta: metav1.ObjectMeta{Name: Name, Labels: labels()},
		Spec: admissionregistrationv1.ValidatingAdmissionPolicyBindingSpec{
			PolicyName:        Name,
			ValidationActions: []admissionregistrationv1.ValidationAction{admissionregistrationv1.Deny},
		},
	}
}

// Ensure creates or updates the policy and its binding when the manager
// starts, retrying until they are written.
type Ensure struct {
	Client client.Client
	Log    logr.Logger
}

// Start writes the objects.
func (e *Ensure) Start(ctx context.Context) error {
	err := wait.ExponentialBackoffWithContext(ctx, wait.Backoff{Duration: 500 * time.Millisecond, Factor: 2, Steps: 12, Cap: time.Minute},
		func(ctx context.Context) (bool, error) {
			if err := Apply(ctx, e.Client); err != nil {
				e.Log.Error(err, "writing the DevOps admission policy")
				return false, nil
			}
			return true, nil
		})
	if err != nil && !errors.Is(err, context.Canceled) {
		e.Log.Error(err, "gave up writing the DevOps admission policy")
	}
	<-ctx.Done()
	return nil
}

// NeedLeaderElection is false: every replica may write the same objects.
func (e *Ensure) NeedLeaderElection() bool { return false }

// Apply creates or updates the policy and the binding.
func Apply(ctx context.Context, c client.Client) error {
	for _, o := range []client.Object{Policy(), Binding()} {
		if err := upsert(ctx, c, o); err != nil {
			return err
		}
	}
	return nil
}

func upsert(ctx context.Context, c client.Client, want client.Object) error {
	err := c.Create(ctx, want)
	if !apierrors.IsAlreadyExists(err) {
		return err
	}
	have := want.DeepCopyObject().(client.Object)
	if err := c.Get(ctx, client.ObjectKeyFromObject(want), have); err != nil {
		return err
	}
	want.SetResourceVersion(have.GetResourceVersion())
	return c.Update(ctx, want)
}
