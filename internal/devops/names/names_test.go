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
