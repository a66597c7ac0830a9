package app

import (
	"slices"
	"strings"
	"testing"
)

func TestNetworkIsolationNamespacesDefaultAndAreValidated(t *testing.T) {
	c := DefaultConfig()
	cc, err := c.Complete(nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := cc.NetworkIsolation.Namespaces(), []string{"kube-system", "ingress-nginx", "superkube-system"}; !slices.Equal(got, want) {
		t.Errorf("default namespaces %v, want %v", got, want)
	}

	c.NetworkIsolation = NetworkIsolation{DNSNamespace: "kube-system", IngressNamespace: "kube-system", AllowedNamespaces: []string{"backup", "", "backup"}}
	if cc, err = c.Complete(nil); err != nil {
		t.Fatal(err)
	}
	if got, want := cc.NetworkIsolation.Namespaces(), []string{"kube-system", "superkube-system", "backup"}; !slices.Equal(got, want) {
		t.Errorf("namespaces %v, want %v (no repeats, no empty names)", got, want)
	}

	c.NetworkIsolation = NetworkIsolation{IngressNamespace: "Ingress_NGINX", AllowedNamespaces: []string{"ok", "not ok"}}
	_, err = c.Complete(nil)
	for _, want := range []string{`networkIsolation.ingressNamespace must be a namespace name, got "Ingress_NGINX"`, `networkIsolation.allowedNamespaces[1]`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v, want one naming %q", err, want)
		}
	}
}
