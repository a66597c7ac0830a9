package uninstall

import (
	"slices"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	appv2 "github.com/superkube/super-kubenetes/api/application/v2"
	clusterv1alpha1 "github.com/superkube/super-kubenetes/api/cluster/v1alpha1"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	"github.com/superkube/super-kubenetes/internal/controller/user"
)

func TestOnlyThePlatformsFinalizersAreRemoved(t *testing.T) {
	for _, tc := range []struct {
		name        string
		finalizers  []string
		want        []string
		wantChanged bool
	}{
		{"every finalizer the controllers put is the platform's",
			[]string{user.Finalizer, tenantv1beta1.WorkspaceFinalizer, clusterv1alpha1.Finalizer, appv2.ReleaseFinalizer}, []string{}, true},
		{"Kubernetes' own and other projects' finalizers stay",
			[]string{"kubernetes", "foregroundDeletion", "kubernetes.io/pv-protection", "example.com/cleanup", user.Finalizer},
			[]string{"kubernetes", "foregroundDeletion", "kubernetes.io/pv-protection", "example.com/cleanup"}, true},
		{"a finalizer of the bare domain is the platform's", []string{"superkube.io/x"}, []string{}, true},
		{"a domain that only ends like the platform's is not", []string{"notsuperkube.io/x", "superkube.io.example.com/x"},
			[]string{"notsuperkube.io/x", "superkube.io.example.com/x"}, false},
		{"a name without a domain is not the platform's", []string{"superkube.io"}, []string{"superkube.io"}, false},
		{"no finalizers, nothing to do", nil, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, changed := withoutPlatformFinalizers(tc.finalizers)
			if changed != tc.wantChanged || !slices.Equal(got, tc.want) {
				t.Errorf("withoutPlatformFinalizers(%q) = %q, %v; want %q, %v", tc.finalizers, got, changed, tc.want, tc.wantChanged)
			}
		})
	}
}

func TestTheFinalizersAreTakenOffTheStoredVersionOfThePlatformsCRDsOnly(t *testing.T) {
	crd := func(group string, versions ...apiextensionsv1.CustomResourceDefinitionVersion) *apiextensionsv1.CustomResourceDefinition {
		c := &apiextensionsv1.CustomResourceDefinition{}
		c.Spec.Group, c.Spec.Names.Kind, c.Spec.Versions = group, "Thing", versions
		return c
	}
	v := func(name string, storage bool) apiextensionsv1.CustomResourceDefinitionVersion {
		return apiextensionsv1.CustomResourceDefinitionVersion{Name: name, Served: true, Storage: storage}
	}
	for _, tc := range []struct {
		name   string
		crd    *apiextensionsv1.CustomResourceDefinition
		want   schema.GroupVersionKind
		wantOK bool
	}{
		{"a platform group is read in its storage version", crd("iam.superkube.io", v("v1alpha1", false), v("v1beta1", true)),
			schema.GroupVersionKind{Group: "iam.superkube.io", Version: "v1beta1", Kind: "Thing"}, true},
		{"another project's group is left alone", crd("gateway.networking.k8s.io", v("v1", true)), schema.GroupVersionKind{}, false},
		{"a group that only ends like the platform's is left alone", crd("notsuperkube.io", v("v1", true)), schema.GroupVersionKind{}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := platformKind(tc.crd)
			if got != tc.want || ok != tc.wantOK {
				t.Errorf("platformKind = %v, %v; want %v, %v", got, ok, tc.want, tc.wantOK)
			}
		})
	}
}

func TestTheQuotaWebhookIsAlwaysDeregisteredWithTheNamedOnes(t *testing.T) {
	for _, tc := range []struct {
		name  string
		named []string
		want  []string
	}{
		{"none named: only the quota webhook's", nil, []string{"superkube-quota"}},
		{"the chart's is added, each once", []string{"sk-super-kubenetes-apiserver", "superkube-quota", "", "sk-super-kubenetes-apiserver"},
			[]string{"superkube-quota", "sk-super-kubenetes-apiserver"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := webhookConfigurations(tc.named); !slices.Equal(got, tc.want) {
				t.Errorf("webhookConfigurations(%q) = %q, want %q", tc.named, got, tc.want)
			}
		})
	}
}
