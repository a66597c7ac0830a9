package gateway

import (
	"context"
	"testing"

	networkingv1 "k8s.io/api/networking/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	devplatform "github.com/superkube/super-kubenetes/internal/dev/platform"
	"github.com/superkube/super-kubenetes/internal/gateway/gatewaycrds"
)

// What ke-dev does at startup: it applies the embedded Gateway API CRDs
// (established, over those already there) and creates the sample
// IngressClass, which is not made the default when the cluster has one
// (here public); doing it again changes nothing.
func TestKeDevInstallsTheGatewayCRDsAndASampleClass(t *testing.T) {
	ctx := context.Background()
	for range 2 {
		objs, err := gatewaycrds.Unstructured()
		if err != nil {
			t.Fatal(err)
		}
		if err := devplatform.Apply(ctx, k8s, objs); err != nil {
			t.Fatal(err)
		}
		if err := devplatform.EnsureSampleIngressClass(ctx, k8s); err != nil {
			t.Fatal(err)
		}
	}
	ic := &networkingv1.IngressClass{}
	if err := k8s.Get(ctx, client.ObjectKey{Name: devplatform.SampleIngressClass}, ic); err != nil {
		t.Fatal(err)
	}
	if ic.Spec.Controller != "k8s.io/ingress-nginx" || ic.Annotations[networkingv1.AnnotationIsDefaultIngressClass] == "true" {
		t.Errorf("the sample class: %+v", ic)
	}
}
