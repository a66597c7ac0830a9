package platform

import (
	"context"
	"fmt"

	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/superkube/super-kubenetes/internal/gateway/gatewaycrds"
)

// SampleIngressClass is the IngressClass ke-dev creates, so that a
// newcomer has one to pick. No ingress controller runs on the local
// cluster: Ingresses of this class are stored and checked, never served.
const SampleIngressClass = "sample-nginx"

// gatewayCRDs are the Gateway API CRDs (standard channel, the version
// go.mod pins) that ke-dev installs with the platform's own.
func gatewayCRDs() ([]*unstructured.Unstructured, error) {
	objs, err := gatewaycrds.Unstructured()
	if err != nil {
		return nil, fmt.Errorf("the Gateway API CRDs: %w", err)
	}
	return objs, nil
}

// EnsureSampleIngressClass creates the IngressClass sample-nginx, the cluster's
// default class when it has none.
func EnsureSampleIngressClass(ctx context.Context, cl client.Client) error {
	var classes networkingv1.IngressClassList
	if err := cl.List(ctx, &classes); err != nil {
		return err
	}
	ic := &networkingv1.IngressClass{ObjectMeta: metav1.ObjectMeta{Name: SampleIngressClass},
		Spec: networkingv1.IngressClassSpec{Controller: "k8s.io/ingress-nginx"}}
	hasDefault := false
	for i := range classes.Items {
		hasDefault = hasDefault || classes.Items[i].Annotations[networkingv1.AnnotationIsDefaultIngressClass] == "true"
	}
	if !hasDefault {
		ic.Annotations = map[string]string{networkingv1.AnnotationIsDefaultIngressClass: "true"}
	}
	if err := cl.Create(ctx, ic); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("creating the IngressClass %s: %w", SampleIngressClass, err)
	}
	return nil
}
