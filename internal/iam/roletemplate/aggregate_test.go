package roletemplate

import (
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
)

func template(name string, rules ...rbacv1.PolicyRule) *iamv1beta1.RoleTemplate {
	return &iamv1beta1.RoleTemplate{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: iamv1beta1.RoleTemplateSpec{Rules: rules}}
}

func TestAggregate(t *testing.T) {
	podsRead := rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get", "list"}}
	podsAll := rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"*"}}
	svcRead := rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"services"}, Verbs: []string{"get"}}
	store := map[string]*iamv1beta1.RoleTemplate{
		"view-pods":     template("view-pods", podsRead),
		"manage-pods":   template("manage-pods", podsRead, podsAll),
		"view-services": template("view-services", svcRead),
	}
	lookup := func(n string) (*iamv1beta1.RoleTemplate, bool) { t, ok := store[n]; return t, ok }

	tests := []struct {
		name        string
		names       []string
		wantRules   int
		wantMissing []string
	}{
		{"no templates give no rules", nil, 0, nil},
		{"the rules of two templates are joined", []string{"view-pods", "view-services"}, 2, nil},
		{"a rule in two templates appears once", []string{"view-pods", "manage-pods"}, 2, nil},
		{"a missing template is reported and the rest still aggregate", []string{"view-pods", "gone"}, 1, []string{"gone"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rules, missing := Aggregate(tt.names, lookup)
			if len(rules) != tt.wantRules {
				t.Errorf("got %d rules, want %d: %v", len(rules), tt.wantRules, rules)
			}
			if len(missing) != len(tt.wantMissing) || (len(missing) > 0 && missing[0] != tt.wantMissing[0]) {
				t.Errorf("got missing %v, want %v", missing, tt.wantMissing)
			}
		})
	}
}

func TestTheAnnotationRoundTrips(t *testing.T) {
	a := Annotation([]string{"b", "a"})
	if a != `["a","b"]` {
		t.Fatalf("annotation %s", a)
	}
	names, err := NamesFromAnnotation(map[string]string{iamv1beta1.AggregationAnnotation: a})
	if err != nil || len(names) != 2 || names[0] != "a" {
		t.Fatalf("got %v, %v", names, err)
	}
	if _, err := NamesFromAnnotation(map[string]string{iamv1beta1.AggregationAnnotation: "view-pods"}); err == nil {
		t.Fatal("a value that is not a JSON array was accepted")
	}
	if names, err := NamesFromAnnotation(nil); names != nil || err != nil {
		t.Fatal("no annotation should mean no templates")
	}
}
