package apiserver

import (
	"context"
	"errors"
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	alertingv2beta1 "github.com/superkube/super-kubenetes/api/alerting/v2beta1"
	"github.com/superkube/super-kubenetes/internal/alerting/rules"
	"github.com/superkube/super-kubenetes/internal/scheme"
)

// Straight at kube-apiserver (the validating webhook): a built-in alert
// rule group cannot be deleted even by a cluster administrator, while its
// threshold may change; a rule group with a threshold that is not a number
// is refused naming the field.
func TestTheWebhookKeepsBuiltinRuleGroupsAndRefusesBadRules(t *testing.T) {
	ctx := context.Background()
	builtin := &alertingv2beta1.GlobalRuleGroup{}
	eventually(t, "ke-controller-manager created the built-in rule groups", func() error {
		return st.k8s.Get(ctx, types.NamespacedName{Name: rules.BuiltinWorkloads}, builtin)
	})
	crb := &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "alert-admin-cluster-admin"},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "cluster-admin"},
		Subjects: []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: "User", Name: "alert-admin"}}}
	if err := st.k8s.Create(ctx, crb); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.k8s.Delete(context.Background(), crb) })
	cfg := rest.CopyConfig(st.env.Config)
	cfg.Impersonate = rest.ImpersonationConfig{UserName: "alert-admin", Groups: []string{"system:authenticated"}}
	admin, err := client.New(cfg, client.Options{Scheme: scheme.New()})
	if err != nil {
		t.Fatal(err)
	}

	err = admin.Delete(ctx, &alertingv2beta1.GlobalRuleGroup{ObjectMeta: metav1.ObjectMeta{Name: rules.BuiltinWorkloads}})
	if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), "built in and cannot be deleted") {
		t.Fatalf("deleting a built-in group: %v", err)
	}
	if err := st.k8s.Get(ctx, types.NamespacedName{Name: rules.BuiltinWorkloads}, builtin); err != nil {
		t.Fatalf("the built-in group is gone: %v", err)
	}

	// Its threshold changes, and a rule is disabled.
	builtin.Spec.Rules[0].Builder.Threshold = "5"
	builtin.Spec.Rules[1].Disabled = true
	if err := admin.Update(ctx, builtin); err != nil {
		t.Fatalf("changing a built-in group's threshold: %v", err)
	}

	bad := &alertingv2beta1.RuleGroup{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "bad"},
		Spec: alertingv2beta1.RuleGroupSpec{Rules: []alertingv2beta1.Rule{{Alert: "Restarts", Builder: &alertingv2beta1.RuleBuilder{
			Kind: alertingv2beta1.TargetPod, Metric: "pod_restarts", Comparison: ">", Threshold: "lots"}}}}}
	err = admin.Create(ctx, bad)
	var se *apierrors.StatusError
	if !apierrors.IsInvalid(err) || !errors.As(err, &se) || se.ErrStatus.Details == nil || len(se.ErrStatus.Details.Causes) == 0 ||
		se.ErrStatus.Details.Causes[0].Field != "spec.rules[0].builder.threshold" {
		t.Fatalf("a threshold that is not a number: %v (%+v)", err, se)
	}
	if !strings.Contains(err.Error(), "spec.rules[0].builder.threshold") {
		t.Errorf("the message does not name the field: %v", err)
	}
}
