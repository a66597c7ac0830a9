package alertingapi

import (
	"context"
	"net/http"
	"slices"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	alertingv2beta1 "github.com/superkube/super-kubenetes/api/alerting/v2beta1"
	"github.com/superkube/super-kubenetes/internal/scheme"
	"github.com/superkube/super-kubenetes/internal/testutil/platform"
)

// as is a client of kube-apiserver acting as a user, as kubectl and the
// /apis proxy do.
func as(t *testing.T, user string) client.Client {
	t.Helper()
	rc := rest.CopyConfig(restCfg)
	rc.Impersonate = rest.ImpersonationConfig{UserName: user, Groups: []string{"system:authenticated"}}
	c, err := client.New(rc, client.Options{Scheme: scheme.New()})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func ruleGroupObject(ns, name, threshold string) *alertingv2beta1.RuleGroup {
	return &alertingv2beta1.RuleGroup{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: alertingv2beta1.RuleGroupSpec{Rules: []alertingv2beta1.Rule{{Alert: "PodCPU",
			Builder: &alertingv2beta1.RuleBuilder{Kind: alertingv2beta1.TargetPod, Metric: "pod_cpu_usage", Comparison: ">", Threshold: threshold}}}}}
}

// The same rule holds on the Kubernetes path: the built-in project roles,
// mirrored into native Roles from the role templates, let the project
// administrator write the project's rule groups and not the viewer, and
// not in another project; the admission webhook refuses a bad threshold
// naming the same field as the API.
func TestTheKubernetesPathObeysTheSameRules(t *testing.T) {
	users(t)
	ctx := context.Background()
	admin := as(t, projectAdmin)
	platform.Eventually(t, "the project administrator may create a rule group through kube-apiserver", 30*time.Second, func() error {
		return admin.Create(ctx, ruleGroupObject("wsa-dev", "native", "0.5"))
	})
	if err := as(t, projectViewer).Create(ctx, ruleGroupObject("wsa-dev", "viewer", "0.5")); !apierrors.IsForbidden(err) {
		t.Errorf("the viewer's create: %v, want forbidden", err)
	}
	var list alertingv2beta1.RuleGroupList
	if err := as(t, projectViewer).List(ctx, &list, client.InNamespace("wsa-dev")); err != nil || len(list.Items) != 1 {
		t.Errorf("the viewer's list: %v, %d items", err, len(list.Items))
	}
	if err := admin.Create(ctx, ruleGroupObject("wsb-app", "elsewhere", "0.5")); !apierrors.IsForbidden(err) {
		t.Errorf("another project: %v, want forbidden", err)
	}
	err := admin.Create(ctx, ruleGroupObject("wsa-dev", "bad", "lots"))
	if !apierrors.IsInvalid(err) {
		t.Fatalf("a bad threshold: %v, want invalid", err)
	}
	var fields []string
	for _, c := range err.(apierrors.APIStatus).Status().Details.Causes {
		fields = append(fields, c.Field)
	}
	if !slices.Contains(fields, "spec.rules[0].builder.threshold") {
		t.Errorf("causes %v", fields)
	}
	if err := admin.Delete(ctx, ruleGroupObject("wsa-dev", "native", "")); err != nil {
		t.Error(err)
	}
}

// Cluster and platform rule groups: the platform administrator writes both;
// a cluster viewer reads the cluster's and nothing of the platform's; a
// project administrator neither.
func TestClusterAndPlatformRuleGroups(t *testing.T) {
	tok := users(t)
	for _, g := range []struct{ path, kind string }{{"/clusterrulegroups", "ClusterRuleGroup"}, {"/globalrulegroups", "GlobalRuleGroup"}} {
		body := group("api-test", "0.9")
		body["kind"] = g.kind
		decode[ruleGroup](t, api.DoJSON(t, http.MethodPost, prefix+g.path, tok["admin"], body), http.StatusCreated)
		platform.ExpectStatus(t, api.Do(t, http.MethodGet, prefix+g.path, tok[projectAdmin], nil), http.StatusForbidden)
		platform.ExpectStatus(t, api.DoJSON(t, http.MethodPost, prefix+g.path, tok[clusterViewer], body), http.StatusForbidden)
	}
	l := decode[struct{ TotalItems int }](t, api.Do(t, http.MethodGet, prefix+"/clusterrulegroups", tok[clusterViewer], nil), http.StatusOK)
	if l.TotalItems != 1 {
		t.Errorf("the cluster viewer sees %d cluster rule groups", l.TotalItems)
	}
	platform.ExpectStatus(t, api.Do(t, http.MethodGet, prefix+"/globalrulegroups", tok[clusterViewer], nil), http.StatusForbidden)
	for _, p := range []string{"/clusterrulegroups/api-test", "/globalrulegroups/api-test"} {
		platform.ExpectStatus(t, api.Do(t, http.MethodDelete, prefix+p, tok["admin"], nil), http.StatusOK)
	}
}
