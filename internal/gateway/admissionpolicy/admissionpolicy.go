// Package admissionpolicy builds the ValidatingAdmissionPolicies and their
// bindings that make kube-apiserver itself enforce the allowed
// IngressClasses, GatewayClasses and Gateways of gateway.superkube.io, so
// that the rule holds on every path that writes a route: ke-apiserver's
// APIs, its Kubernetes proxy, and kubectl straight at kube-apiserver.
//
// Two policies with the same rules read their lists from different
// parameters:
//
//   - WorkspacePolicy takes a cluster-scoped WorkspaceGatewayPolicy; one
//     binding per such object (WorkspaceBinding) applies it to the
//     namespaces labelled with its workspace.
//   - ProjectPolicy takes the GatewayPolicy named "default" in the
//     request's own namespace; one binding (ProjectBinding) applies it to
//     every namespace of any workspace, and a namespace without one passes.
//
// An object must pass both, so a project's list can only narrow its
// workspace's. ke-controller-manager keeps these objects (package
// internal/controller/gatewaypolicy).
package admissionpolicy

import (
	"context"
	"fmt"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	gatewayv1alpha1 "github.com/superkube/super-kubenetes/api/gateway/v1alpha1"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
)

// Names of the objects.
const (
	// WorkspacePolicy checks against a WorkspaceGatewayPolicy.
	WorkspacePolicy = "superkube-gateway-workspace"
	// ProjectPolicy checks against a project's GatewayPolicy.
	ProjectPolicy = "superkube-gateway-project"
	// ProjectBinding applies ProjectPolicy to every project.
	ProjectBinding = "superkube-gateway-project"
	// workspaceBindingPrefix starts the name of a workspace's binding.
	workspaceBindingPrefix = "superkube-gateway-ws-"

	// ManagedByLabel marks the objects; its value is ManagedBy.
	ManagedByLabel = "gateway.superkube.io/managed-by"
	// ManagedBy is the value of ManagedByLabel.
	ManagedBy = "ke-controller-manager"
)

// IngressClassAnnotation is the class annotation that preceded
// spec.ingressClassName; ingress controllers still honour it.
const IngressClassAnnotation = "kubernetes.io/ingress.class"

// WorkspaceBindingName is the name of a workspace's binding.
func WorkspaceBindingName(workspace string) string { return workspaceBindingPrefix + workspace }

// routeResources are the Gateway API route kinds, each with
// spec.parentRefs; those whose CRDs are not installed never match.
var routeResources = []string{"httproutes", "grpcroutes", "tlsroutes", "tcproutes", "udproutes"}

func labels() map[string]string { return map[string]string{ManagedByLabel: ManagedBy} }

// Policies returns the two policies.
func Policies() []*admissionregistrationv1.ValidatingAdmissionPolicy {
	gv := gatewayv1alpha1.GroupVersion.String()
	return []*admissionregistrationv1.ValidatingAdmissionPolicy{
		policy(WorkspacePolicy, &admissionregistrationv1.ParamKind{APIVersion: gv, Kind: "WorkspaceGatewayPolicy"},
			`'workspace ' + params.metadata.name`),
		policy(ProjectPolicy, &admissionregistrationv1.ParamKind{APIVersion: gv, Kind: "GatewayPolicy"},
			`'project ' + params.metadata.namespace + ' (its GatewayPolicy narrows what the workspace allows)'`),
	}
}

// allowedList is the CEL text of one list of the parameter, "none" when it
// is empty.
func allowedList(field string) string {
	return fmt.Sprintf(`(params.spec.%[1]s.size() == 0 ? 'none' : params.spec.%[1]s.join(', '))`, field)
}

// policy builds a policy whose rules read the lists of a
// GatewayPolicySpec from params; scope is the CEL text naming where the
// lists come from, for the messages.
func policy(name string, param *admissionregistrationv1.ParamKind, scope string) *admissionregistrationv1.ValidatingAdmissionPolicy {
	ops := []admissionregistrationv1.OperationType{admissionregistrationv1.Create, admissionregistrationv1.Update}
	rule := func(group string, versions, resources []string) admissionregistrationv1.NamedRuleWithOperations {
		return admissionregistrationv1.NamedRuleWithOperations{RuleWithOperations: admissionregistrationv1.RuleWithOperations{
			Operations: ops, Rule: admissionregistrationv1.Rule{APIGroups: []string{group}, APIVersions: versions, Resources: resources,
				Scope: ptr.To(admissionregistrationv1.NamespacedScope)}}}
	}
	forbidden := ptr.To(metav1.StatusReasonForbidden)
	return &admissionregistrationv1.ValidatingAdmissionPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels()},
		Spec: admissionregistrationv1.ValidatingAdmissionPolicySpec{
			ParamKind:     param,
			FailurePolicy: ptr.To(admissionregistrationv1.Fail),
			MatchConstraints: &admissionregistrationv1.MatchResources{ResourceRules: []admissionregistrationv1.NamedRuleWithOperations{
				rule("networking.k8s.io", []string{"*"}, []string{"ingresses"}),
				rule("gateway.networking.k8s.io", []string{"*"}, append([]string{"gateways"}, routeResources...)),
			}},
			Variables: []admissionregistrationv1.Variable{
				{Name: "kind", Expression: `request.resource.resource`},
				{Name: "ingressClass", Expression: `variables.kind == 'ingresses' ? object.spec.?ingressClassName.orValue('') : ''`},
				{Name: "ingressAnnotation", Expression: `variables.kind == 'ingresses' ? object.metadata.?annotations[?'` + IngressClassAnnotation + `'].orValue('') : ''`},
				{Name: "ingressEffective", Expression: `variables.ingressClass != '' ? variables.ingressClass : variables.ingressAnnotation`},
				// An update that keeps what was checked at creation passes,
				// even after the lists were narrowed.
				{Name: "ingressUnchanged", Expression: `request.operation == 'UPDATE' && variables.kind == 'ingresses' &&
  oldObject.spec.?ingressClassName.orValue('') == variables.ingressClass &&
  oldObject.metadata.?annotations[?'` + IngressClassAnnotation + `'].orValue('') == variables.ingressAnnotation`},
				{Name: "gatewayUnchanged", Expression: `request.operation == 'UPDATE' && variables.kind == 'gateways' &&
  oldObject.spec.gatewayClassName == object.spec.gatewayClassName`},
				{Name: "parentsUnchanged", Expression: `request.operation == 'UPDATE' &&
  oldObject.spec.?parentRefs.orValue([]) == object.spec.?parentRefs.orValue([])`},
				{Name: "isRoute", Expression: fmt.Sprintf(`variables.kind in %s`, celList(routeResources))},
			},
			Validations: []admissionregistrationv1.Validation{
				{
					// The class is spec.ingressClassName (which the
					// DefaultIngressClass admission plugin sets, on creation, to
					// the default class when it is empty), else the legacy
					// annotation (kube-apiserver refuses the two when they
					// differ); no class at all is refused too.
					Expression: `variables.kind != 'ingresses' || !has(params.spec) || !has(params.spec.ingressClassNames) || variables.ingressUnchanged ||
  variables.ingressEffective in params.spec.ingressClassNames`,
					MessageExpression: `(variables.ingressClass == '' && variables.ingressAnnotation != '' ? 'metadata.annotations[` + IngressClassAnnotation + `]' : 'spec.ingressClassName') +
  ': IngressClass ' +
  (variables.ingressEffective == '' ? '(none given, and the cluster has no default IngressClass)' : '"' + variables.ingressEffective + '"') +
  ' is not allowed in ' + ` + scope + ` + '; allowed: ' + ` + allowedList("ingressClassNames"),
					Reason: forbidden,
				},
				{
					Expression: `variables.kind != 'gateways' || !has(params.spec) || !has(params.spec.gatewayClassNames) || variables.gatewayUnchanged ||
  object.spec.gatewayClassName in params.spec.gatewayClassNames`,
					MessageExpression: `'spec.gatewayClassName: GatewayClass "' + object.spec.gatewayClassName + '" is not allowed in ' + ` + scope +
						` + '; allowed: ' + ` + allowedList("gatewayClassNames"),
					Reason: forbidden,
				},
				{
					// A route attaches to Gateways of its own namespace (whose
					// class the rule above checked), to the listed Gateways
					// elsewhere, or to a Service (the mesh, not an entry point).
					Expression: `!variables.isRoute || !has(params.spec) || !has(params.spec.gateways) || variables.parentsUnchanged ||
  object.spec.?parentRefs.orValue([]).all(r,
    r.?group.orValue('gateway.networking.k8s.io') == 'gateway.networking.k8s.io' && r.?kind.orValue('Gateway') == 'Gateway' ?
      (r.?namespace.orValue(object.metadata.namespace) == object.metadata.namespace || r.namespace + '/' + r.name in params.spec.gateways) :
      (r.?group.orValue('') == '' && r.?kind.orValue('') == 'Service'))`,
					MessageExpression: `'spec.parentRefs: ' + object.kind + ' may attach only to Gateways of its own namespace' +
  (params.spec.gateways.size() == 0 ? '' : ' and to ' + params.spec.gateways.join(', ')) + ' in ' + ` + scope + ` + '; it names ' +
  object.spec.?parentRefs.orValue([]).map(r, r.?kind.orValue('Gateway') + ' ' + r.?namespace.orValue(object.metadata.namespace) + '/' + r.name).join(', ')`,
					Reason: forbidden,
				},
			},
		},
	}
}

func celList(items []string) string {
	out := "["
	for i, s := range items {
		if i > 0 {
			out += ", "
		}
		out += "'" + s + "'"
	}
	return out + "]"
}

// ProjectBindingObject applies ProjectPolicy to the namespaces of every
// workspace, with the request namespace's GatewayPolicy "default" as its
// parameter; a namespace without one passes.
func ProjectBindingObject() *admissionregistrationv1.ValidatingAdmissionPolicyBinding {
	return &admissionregistrationv1.ValidatingAdmissionPolicyBinding{
		ObjectMeta: metav1.ObjectMeta{Name: ProjectBinding, Labels: labels()},
		Spec: admissionregistrationv1.ValidatingAdmissionPolicyBindingSpec{
			PolicyName: ProjectPolicy,
			ParamRef: &admissionregistrationv1.ParamRef{Name: gatewayv1alpha1.ProjectPolicyName,
				ParameterNotFoundAction: ptr.To(admissionregistrationv1.AllowAction)},
			MatchResources: &admissionregistrationv1.MatchResources{NamespaceSelector: &metav1.LabelSelector{
				MatchExpressions: []metav1.LabelSelectorRequirement{{Key: tenantv1beta1.WorkspaceLabel, Operator: metav1.LabelSelectorOpExists}}}},
			ValidationActions: []admissionregistrationv1.ValidationAction{admissionregistrationv1.Deny},
		},
	}
}

// WorkspaceBindingObject applies WorkspacePolicy with the policy p as its
// parameter to the namespaces of p's workspace; it is owned by p.
func WorkspaceBindingObject(p *gatewayv1alpha1.WorkspaceGatewayPolicy) *admissionregistrationv1.ValidatingAdmissionPolicyBinding {
	return &admissionregistrationv1.ValidatingAdmissionPolicyBinding{
		ObjectMeta: metav1.ObjectMeta{Name: WorkspaceBindingName(p.Name), Labels: labels(),
			OwnerReferences: []metav1.OwnerReference{{APIVersion: gatewayv1alpha1.GroupVersion.String(), Kind: "WorkspaceGatewayPolicy",
				Name: p.Name, UID: p.UID, Controller: ptr.To(true), BlockOwnerDeletion: ptr.To(true)}}},
		Spec: admissionregistrationv1.ValidatingAdmissionPolicyBindingSpec{
			PolicyName: WorkspacePolicy,
			ParamRef: &admissionregistrationv1.ParamRef{Name: p.Name,
				ParameterNotFoundAction: ptr.To(admissionregistrationv1.DenyAction)},
			MatchResources: &admissionregistrationv1.MatchResources{NamespaceSelector: &metav1.LabelSelector{
				MatchLabels: map[string]string{tenantv1beta1.WorkspaceLabel: p.Name}}},
			ValidationActions: []admissionregistrationv1.ValidationAction{admissionregistrationv1.Deny},
		},
	}
}

// EnsureStatic creates or updates the two policies and the projects'
// binding.
func EnsureStatic(ctx context.Context, c client.Client) error {
	for _, p := range Policies() {
		if err := ensure(ctx, c, p, &admissionregistrationv1.ValidatingAdmissionPolicy{}, func(have, want client.Object) {
			have.(*admissionregistrationv1.ValidatingAdmissionPolicy).Spec = want.(*admissionregistrationv1.ValidatingAdmissionPolicy).Spec
		}); err != nil {
			return err
		}
	}
	return EnsureBinding(ctx, c, ProjectBindingObject())
}

// EnsureBinding creates or updates a binding.
func EnsureBinding(ctx context.Context, c client.Client, want *admissionregistrationv1.ValidatingAdmissionPolicyBinding) error {
	return ensure(ctx, c, want, &admissionregistrationv1.ValidatingAdmissionPolicyBinding{}, func(have, want client.Object) {
		have.(*admissionregistrationv1.ValidatingAdmissionPolicyBinding).Spec = want.(*admissionregistrationv1.ValidatingAdmissionPolicyBinding).Spec
		have.SetOwnerReferences(want.GetOwnerReferences())
	})
}

// ensure creates want, or puts its labels and what set copies into the
// existing object (an update that changes nothing is not written by
// kube-apiserver).
func ensure(ctx context.Context, c client.Client, want, have client.Object, set func(have, want client.Object)) error {
	err := c.Get(ctx, client.ObjectKeyFromObject(want), have)
	if apierrors.IsNotFound(err) {
		if err := c.Create(ctx, want); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("creating %T %s: %w", want, want.GetName(), err)
		}
		return nil
	}
	if err != nil {
		return err
	}
	l := have.GetLabels()
	if l == nil {
		l = map[string]string{}
	}
	for k, v := range want.GetLabels() {
		l[k] = v
	}
	have.SetLabels(l)
	set(have, want)
	if err := c.Update(ctx, have); err != nil {
		return fmt.Errorf("updating %T %s: %w", want, want.GetName(), err)
	}
	return nil
}
