package platform

import (
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/superkube/super-kubenetes/internal/servicemesh/istiocrds"
)

// istioCRDs are Istio's CRDs (the version go.mod pins) that ke-dev installs
// with the platform's own, so that the Strategies and ServicePolicies of
// the local cluster compile into VirtualServices and DestinationRules. No
// Istio control plane or proxy runs there.
func istioCRDs() ([]*unstructured.Unstructured, error) {
	objs, err := istiocrds.Unstructured()
	if err != nil {
		return nil, fmt.Errorf("the Istio CRDs: %w", err)
	}
	return objs, nil
}
