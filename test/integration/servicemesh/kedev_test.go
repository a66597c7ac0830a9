package servicemesh

import (
	"context"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	devplatform "github.com/superkube/super-kubenetes/internal/dev/platform"
	"github.com/superkube/super-kubenetes/internal/servicemesh/istiocrds"
)

// What ke-dev does at startup: it applies the embedded Istio CRDs
// server-side (the largest, VirtualService's, too), over those already
// there; doing it again changes nothing.
func TestKeDevInstallsIstiosCRDs(t *testing.T) {
	ctx := context.Background()
	for range 2 {
		objs, err := istiocrds.Unstructured()
		must(t, err)
		must(t, devplatform.Apply(ctx, k8s, objs))
	}
	for _, name := range istiocrds.Names {
		crd := &apiextensionsv1.CustomResourceDefinition{}
		must(t, k8s.Get(ctx, client.ObjectKey{Name: name}, crd))
		established := false
		for _, c := range crd.Status.Conditions {
			established = established || (c.Type == apiextensionsv1.Established && c.Status == apiextensionsv1.ConditionTrue)
		}
		if !established {
			t.Errorf("%s is not established", name)
		}
	}
}
