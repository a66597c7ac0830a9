// Package scheme builds the runtime scheme with the Kubernetes types and the
// platform's own API groups.
package scheme

import (
	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	istionetworkingv1 "istio.io/client-go/pkg/apis/networking/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	gatewayapiv1 "sigs.k8s.io/gateway-api/apis/v1"

	alertingv2beta1 "github.com/superkube/super-kubenetes/api/alerting/v2beta1"
	applicationv2 "github.com/superkube/super-kubenetes/api/application/v2"
	clusterv1alpha1 "github.com/superkube/super-kubenetes/api/cluster/v1alpha1"
	devopsv1alpha3 "github.com/superkube/super-kubenetes/api/devops/v1alpha3"
	gatewayv1alpha1 "github.com/superkube/super-kubenetes/api/gateway/v1alpha1"
	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	networkv1alpha1 "github.com/superkube/super-kubenetes/api/network/v1alpha1"
	notificationv2beta2 "github.com/superkube/super-kubenetes/api/notification/v2beta2"
	quotav1alpha2 "github.com/superkube/super-kubenetes/api/quota/v1alpha2"
	servicemeshv1alpha2 "github.com/superkube/super-kubenetes/api/servicemesh/v1alpha2"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
)

// New returns a scheme with every type the platform reads or writes.
func New() *runtime.Scheme {
	s := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(s))
	utilruntime.Must(apiextensionsv1.AddToScheme(s))
	utilruntime.Must(iamv1beta1.AddToScheme(s))
	utilruntime.Must(tenantv1beta1.AddToScheme(s))
	utilruntime.Must(clusterv1alpha1.AddToScheme(s))
	utilruntime.Must(alertingv2beta1.AddToScheme(s))
	utilruntime.Must(notificationv2beta2.AddToScheme(s))
	utilruntime.Must(applicationv2.AddToScheme(s))
	utilruntime.Must(devopsv1alpha3.AddToScheme(s))
	utilruntime.Must(servicemeshv1alpha2.AddToScheme(s))
	utilruntime.Must(networkv1alpha1.AddToScheme(s))
	utilruntime.Must(gatewayv1alpha1.AddToScheme(s))
	utilruntime.Must(gatewayapiv1.Install(s))
	utilruntime.Must(quotav1alpha2.AddToScheme(s))
	utilruntime.Must(snapshotv1.AddToScheme(s))
	utilruntime.Must(istionetworkingv1.AddToScheme(s))
	return s
}
