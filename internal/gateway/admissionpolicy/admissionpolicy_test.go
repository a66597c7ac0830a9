package admissionpolicy

import (
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	gatewayv1alpha1 "github.com/superkube/super-kubenetes/api/gateway/v1alpha1"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
)

// A workspace's binding selects the workspace's namespaces, takes the
// policy named after it (denying when it is gone) and is owned by it; the
// projects' binding takes each namespace's "default" GatewayPolicy and
// lets a namespace without one pass.
func TestTheBindingsSelectTheirNamespacesAndParameters(t *testing.T) {
	p := &gatewayv1alpha1.WorkspaceGatewayPolicy{ObjectMeta: metav1.ObjectMeta{Name: "shop", UID: "u1"}}
	b := WorkspaceBindingObject(p)
	if b.Name != "superkube-gateway-ws-shop" || b.Spec.PolicyName != WorkspacePolicy ||
		b.Spec.MatchResources.NamespaceSelector.MatchLabels[tenantv1beta1.WorkspaceLabel] != "shop" ||
		b.Spec.ParamRef.Name != "shop" || *b.Spec.ParamRef.ParameterNotFoundAction != admissionregistrationv1.DenyAction ||
		len(b.OwnerReferences) != 1 || b.OwnerReferences[0].UID != "u1" {
		t.Errorf("workspace binding: %+v", b)
	}
	pb := ProjectBindingObject()
	if pb.Spec.PolicyName != ProjectPolicy || pb.Spec.ParamRef.Name != gatewayv1alpha1.ProjectPolicyName || pb.Spec.ParamRef.Namespace != "" ||
		*pb.Spec.ParamRef.ParameterNotFoundAction != admissionregistrationv1.AllowAction {
		t.Errorf("project binding: %+v", pb)
	}
	for _, pol := range Policies() {
		if *pol.Spec.FailurePolicy != admissionregistrationv1.Fail || len(pol.Spec.Validations) != 3 || pol.Spec.ParamKind == nil {
			t.Errorf("%s: %+v", pol.Name, pol.Spec)
		}
	}
}
