package release

import (
	"strings"
	"testing"

	"helm.sh/helm/v4/pkg/chart/v2/loader"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/client-go/rest"
)

func TestValidateValuesNamesTheField(t *testing.T) {
	ch, err := loader.LoadDir("../../../testdata/charts/schema-app")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		values string
		field  string // "" valid
	}{
		{"", ""},
		{"replicaCount: 3\n", ""},
		{"replicaCount: 20\n", "/replicaCount"},
		{"replicaCount: two\n", "/replicaCount"},
		{"replicaCount: 2\nextra: 1\n", "extra"},
	} {
		vals, err := ParseValues(tc.values)
		if err != nil {
			t.Fatal(err)
		}
		err = ValidateValues(ch, vals)
		switch {
		case tc.field == "" && err != nil:
			t.Errorf("%q: %v", tc.values, err)
		case tc.field != "" && (err == nil || !strings.Contains(err.Error(), tc.field)):
			t.Errorf("%q: error %v does not name %s", tc.values, err, tc.field)
		}
	}
}

func TestParseValuesRefusesWhatIsNotAMap(t *testing.T) {
	if _, err := ParseValues("- a\n- b\n"); err == nil {
		t.Error("a YAML list was accepted as values")
	}
}

func TestLoadChartRefusesGarbage(t *testing.T) {
	if _, err := LoadChart([]byte("not a gzip archive")); err == nil {
		t.Error("garbage loaded as a chart")
	}
}

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
