package release

import (
	"testing"

	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/client-go/rest"
)

// The getter's config impersonates the user and its groups, whatever the
// base config impersonated.
func TestGetterImpersonates(t *testing.T) {
	base := &rest.Config{Host: "https://example.invalid", Impersonate: rest.ImpersonationConfig{UserName: "someone-else"}}
	g := NewGetter(base, "shop", &user.DefaultInfo{Name: "olivia", UID: "u-1", Groups: []string{"team", user.AllAuthenticated}})
	cfg, err := g.ToRESTConfig()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Impersonate.UserName != "olivia" || cfg.Impersonate.UID != "u-1" || len(cfg.Impersonate.Groups) != 2 {
		t.Errorf("impersonation %+v", cfg.Impersonate)
	}
	if base.Impersonate.UserName != "someone-else" {
		t.Error("the base config was changed")
	}
	if ns, _, _ := g.ToRawKubeConfigLoader().Namespace(); ns != "shop" {
		t.Errorf("namespace %q", ns)
	}
}
