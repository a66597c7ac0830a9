package names

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation"

	devopsv1alpha3 "github.com/superkube/super-kubenetes/api/devops/v1alpha3"
)

func TestOneTriggerOneName(t *testing.T) {
	a := Run("build", devopsv1alpha3.TriggerWebhook, "delivery-1")
	if a != Run("build", devopsv1alpha3.TriggerWebhook, "delivery-1") {
		t.Fatal("the same trigger gave two names")
	}
	for _, other := range []string{
		Run("build", devopsv1alpha3.TriggerWebhook, "delivery-2"),
		Run("build", devopsv1alpha3.TriggerCron, "delivery-1"),
		Run("build2", devopsv1alpha3.TriggerWebhook, "delivery-1"),
	} {
		if other == a {
			t.Errorf("two triggers share the name %s", a)
		}
	}
	if !strings.HasPrefix(a, "build-w") || len(a) != len("build-w")+10 {
		t.Errorf("name %q", a)
	}
	long := Run(strings.Repeat("p", 253), devopsv1alpha3.TriggerCron, "2026-12-06T10:00:00Z")
	if errs := validation.IsDNS1123Subdomain(long); len(errs) > 0 {
		t.Errorf("%q: %v", long, errs)
	}
}

func TestBranchNames(t *testing.T) {
	for _, c := range []struct{ parent, ref, name, label string }{
		{"app", "main", "app-main", "main"},
		{"app", "feature/New_UI", "app-feature-new-ui", "feature-New_UI"},
		{"app", "pr-12", "app-pr-12", "pr-12"},
	} {
		if got := BranchPipeline(c.parent, c.ref); got != c.name {
			t.Errorf("BranchPipeline(%s, %s) = %s", c.parent, c.ref, got)
		}
		if got := BranchLabel(c.ref); got != c.label {
			t.Errorf("BranchLabel(%s) = %s", c.ref, got)
		}
	}
	long := strings.Repeat("very-long/", 20)
	n, l := BranchPipeline("app", long), BranchLabel(long)
	if len(n) > 63 || len(validation.IsDNS1123Label(n)) > 0 || len(validation.IsValidLabelValue(l)) > 0 {
		t.Errorf("%q %q", n, l)
	}
	if BranchPipeline("app", long) == BranchPipeline("app", long+"x") {
		t.Error("two long branches share a name")
	}
	if errs := validation.IsValidLabelValue(BranchLabel("/")); len(errs) > 0 || BranchLabel("/") == "" {
		t.Errorf("%q", BranchLabel("/"))
	}
}
