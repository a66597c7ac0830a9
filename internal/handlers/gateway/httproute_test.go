package gateway

import (
	"errors"
	"net/http"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// A refusal by the allowed lists' ValidatingAdmissionPolicy stays a 403
// with kube-apiserver's message and names the field its message starts
// with; other errors are left alone.
func TestWithFieldCauseNamesTheFieldOfAPolicyRefusal(t *testing.T) {
	gr := schema.GroupResource{Group: "gateway.networking.k8s.io", Resource: "httproutes"}
	for _, c := range []struct{ msg, field, cause string }{
		{"ValidatingAdmissionPolicy 'superkube-gateway-workspace' with binding 'superkube-gateway-ws-shop' denied request: spec.parentRefs: HTTPRoute may attach only to Gateways of its own namespace in workspace shop; it names Gateway infra/other",
			"spec.parentRefs", "HTTPRoute may attach only to Gateways of its own namespace in workspace shop; it names Gateway infra/other"},
		{"ValidatingAdmissionPolicy 'superkube-gateway-project' with binding 'superkube-gateway-project' denied request: metadata.annotations[kubernetes.io/ingress.class]: IngressClass \"public\" is not allowed in project shop-web",
			"metadata.annotations[kubernetes.io/ingress.class]", `IngressClass "public" is not allowed in project shop-web`},
	} {
		err := withFieldCause(apierrors.NewForbidden(gr, "api", errors.New(c.msg)))
		var se *apierrors.StatusError
		if !errors.As(err, &se) || se.ErrStatus.Code != http.StatusForbidden || se.ErrStatus.Details == nil || len(se.ErrStatus.Details.Causes) != 1 {
			t.Fatalf("%v", err)
		}
		if cs := se.ErrStatus.Details.Causes[0]; cs.Field != c.field || cs.Message != c.cause || se.ErrStatus.Message == "" {
			t.Errorf("cause %+v", cs)
		}
	}
	plain := apierrors.NewForbidden(gr, "api", errors.New(`user "x" cannot create resource "httproutes"`))
	if err := withFieldCause(plain); err != error(plain) {
		t.Errorf("RBAC's refusal changed: %v", err)
	}
}
