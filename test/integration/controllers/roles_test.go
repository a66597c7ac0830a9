package controllers

import (
	"context"
	"fmt"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	"github.com/superkube/super-kubenetes/internal/controller/conditions"
	"github.com/superkube/super-kubenetes/internal/controller/mirror"
	"github.com/superkube/super-kubenetes/internal/iam/roletemplate"
)

func newTemplate(name string, scope iamv1beta1.Level, rules ...rbacv1.PolicyRule) *iamv1beta1.RoleTemplate {
	return &iamv1beta1.RoleTemplate{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{iamv1beta1.ScopeLabel: string(scope)}},
		Spec:       iamv1beta1.RoleTemplateSpec{Rules: rules},
	}
}

func TestRolesAggregateTheirTemplatesAndFollowChanges(t *testing.T) {
	ctx := context.Background()
	viewCM := rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"configmaps"}, Verbs: []string{"get", "list"}}
	viewSvc := rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"services"}, Verbs: []string{"get"}}
	tpl := newTemplate("test-view-configmaps", iamv1beta1.LevelGlobal, viewCM)
	create(t, tpl)
	create(t, newTemplate("test-view-services", iamv1beta1.LevelGlobal, viewSvc))
	names := []string{"test-view-configmaps", "test-view-services"}

	gr := &iamv1beta1.GlobalRole{ObjectMeta: metav1.ObjectMeta{Name: "custom-global"},
		AggregationRoleTemplates: &iamv1beta1.AggregationRoleTemplates{TemplateNames: names}}
	create(t, gr)
	cr := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "custom-cluster",
		Labels:      map[string]string{iamv1beta1.ScopeLabel: "cluster"},
		Annotations: map[string]string{iamv1beta1.AggregationAnnotation: roletemplate.Annotation(names)}}}
	create(t, cr)
	create(t, newProject("agg-ns", "agg-workspace", ""))
	role := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Namespace: "agg-ns", Name: "custom-project",
		Labels:      map[string]string{iamv1beta1.ScopeLabel: "namespace"},
		Annotations: map[string]string{iamv1beta1.AggregationAnnotation: roletemplate.Annotation(names)}}}
	create(t, role)

	rulesOf := func() (map[string][]rbacv1.PolicyRule, error) {
		out := map[string][]rbacv1.PolicyRule{}
		g := &iamv1beta1.GlobalRole{}
		if err := get(g, "custom-global"); err != nil {
			return nil, err
		}
		out["GlobalRole"] = g.Rules
		m := &rbacv1.ClusterRole{}
		if err := get(m, mirror.GlobalRoleClusterRole("custom-global")); err != nil {
			return nil, err
		}
		out["GlobalRole mirror"] = m.Rules
		c := &rbacv1.ClusterRole{}
		if err := get(c, "custom-cluster"); err != nil {
			return nil, err
		}
		out["ClusterRole"] = c.Rules
		r := &rbacv1.Role{}
		if err := k8s.Get(ctx, client.ObjectKey{Namespace: "agg-ns", Name: "custom-project"}, r); err != nil {
			return nil, err
		}
		out["Role"] = r.Rules
		return out, nil
	}
	expectRules := func(want int, verbs int) func() error {
		return func() error {
			all, err := rulesOf()
			if err != nil {
				return err
			}
			for kind, rules := range all {
				if len(rules) != want {
					return fmt.Errorf("%s has %d rules, want %d", kind, len(rules), want)
				}
				if len(rules[0].Verbs) != verbs {
					return fmt.Errorf("%s rule 0 has verbs %v", kind, rules[0].Verbs)
				}
			}
			return nil
		}
	}
	eventually(t, "every kind of role has the union of the templates", expectRules(2, 2))

	before := tpl.DeepCopy()
	tpl.Spec.Rules[0].Verbs = []string{"get", "list", "watch"}
	if err := k8s.Patch(ctx, tpl, client.MergeFrom(before)); err != nil {
		t.Fatal(err)
	}
	eventually(t, "a template change reaches every role that uses it", expectRules(2, 3))
	expectAccess(t, access{user: "ghost", verb: "watch", resource: "configmaps", namespace: "agg-ns"}, false)
}

func TestABindingToAMissingRoleOrUserIsReportedThenMirroredWhenItAppears(t *testing.T) {
	grb := &iamv1beta1.GlobalRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "late-binding"},
		RoleRef:    iamv1beta1.RoleRef{Kind: "GlobalRole", Name: "late-role"},
		Subjects:   []iamv1beta1.Subject{{Kind: "User", Name: "late-user"}},
	}
	create(t, grb)
	reason := func(want string) func() error {
		return func() error {
			b := &iamv1beta1.GlobalRoleBinding{}
			if err := get(b, "late-binding"); err != nil {
				return err
			}
			if got := readyReason(b.Status.Conditions); got != want {
				return fmt.Errorf("reason %q, want %q", got, want)
			}
			return nil
		}
	}
	eventually(t, "the missing role is reported", reason(iamv1beta1.ReasonRoleNotFound))
	eventually(t, "a warning event names it", func() error { return hasEvent("late-binding", iamv1beta1.ReasonRoleNotFound) })

	create(t, &iamv1beta1.GlobalRole{ObjectMeta: metav1.ObjectMeta{Name: "late-role"},
		Rules: []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"nodes"}, Verbs: []string{"list"}}}})
	eventually(t, "the missing user is reported", reason(iamv1beta1.ReasonUserNotFound))
	expectAccess(t, access{user: "late-user", verb: "list", resource: "nodes"}, false)

	create(t, newUser("late-user"))
	eventually(t, "the binding becomes Ready", func() error {
		b := &iamv1beta1.GlobalRoleBinding{}
		if err := get(b, "late-binding"); err != nil {
			return err
		}
		if !conditions.IsReady(b.Status.Conditions) {
			return errNotReady(b.Status.Conditions)
		}
		return nil
	})
	expectAccess(t, access{user: "late-user", verb: "list", resource: "nodes"}, true)
	expectAccess(t, access{user: "late-user", verb: "delete", resource: "nodes", name: "n"}, false)
}

func TestPlatformRolesDecideWhatKubeAPIServerAllows(t *testing.T) {
	create(t, newUser("regular-user"))
	create(t, newUser("provisioner"))
	create(t, &iamv1beta1.GlobalRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "regular-user-platform-regular"},
		RoleRef:    iamv1beta1.RoleRef{Kind: "GlobalRole", Name: "platform-regular"},
		Subjects:   []iamv1beta1.Subject{{Kind: "User", Name: "regular-user"}},
	})
	create(t, &iamv1beta1.GlobalRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "provisioner-platform-self-provisioner"},
		RoleRef:    iamv1beta1.RoleRef{Kind: "GlobalRole", Name: "platform-self-provisioner"},
		Subjects:   []iamv1beta1.Subject{{Kind: "User", Name: "provisioner"}},
	})
	expectAccess(t, access{user: "provisioner", verb: "create", group: "tenant.superkube.io", resource: "workspaces"}, true)
	expectAccess(t, access{user: "provisioner", verb: "delete", group: "tenant.superkube.io", resource: "workspaces", name: "acme"}, false)
	expectAccess(t, access{user: "regular-user", verb: "create", group: "tenant.superkube.io", resource: "workspaces"}, false)
	expectAccess(t, access{user: "regular-user", verb: "list", resource: "namespaces"}, false)
	expectAccess(t, access{user: "regular-user", verb: "list", group: "iam.superkube.io", resource: "users"}, false)
}
