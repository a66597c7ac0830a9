package admission

import (
	"net/http"
	"strings"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	toolscache "k8s.io/client-go/tools/cache"
	"k8s.io/utils/ptr"

	meshv1 "github.com/superkube/super-kubenetes/api/servicemesh/v1alpha2"
	"github.com/superkube/super-kubenetes/internal/authz"
)

// meshWebhook is a platform where, in namespace shop, the user operator
// holds the strategies and everything the controller does for them,
// router the Istio objects but not the workloads, and reader only reads
// Istio's objects.
func meshWebhook(t *testing.T) *Webhook {
	ix := authz.Indexers()
	mk := func(name string) toolscache.Indexer {
		return toolscache.NewIndexer(toolscache.MetaNamespaceKeyFunc, ix[name])
	}
	s := authz.Stores{GlobalRoleBindings: mk("GlobalRoleBindings"), GlobalRoles: mk("GlobalRoles"),
		WorkspaceRoleBindings: mk("WorkspaceRoleBindings"), WorkspaceRoles: mk("WorkspaceRoles"),
		RoleBindings: mk("RoleBindings"), Roles: mk("Roles"), ClusterRoleBindings: mk("ClusterRoleBindings"),
		ClusterRoles: mk("ClusterRoles"), Namespaces: mk("Namespaces")}
	mesh := rbacv1.PolicyRule{APIGroups: []string{"servicemesh.superkube.io"}, Resources: []string{"strategies", "servicepolicies"}, Verbs: []string{"*"}}
	istio := rbacv1.PolicyRule{APIGroups: []string{"networking.istio.io"}, Resources: []string{"virtualservices", "destinationrules"},
		Verbs: []string{"get", "list", "create", "update", "patch", "delete"}}
	apps := rbacv1.PolicyRule{APIGroups: []string{"apps"}, Resources: []string{"deployments", "statefulsets"}, Verbs: []string{"get", "update", "patch"}}
	read := rbacv1.PolicyRule{APIGroups: []string{"networking.istio.io"}, Resources: []string{"virtualservices", "destinationrules"}, Verbs: []string{"get", "list"}}
	for user, rules := range map[string][]rbacv1.PolicyRule{"operator": {mesh, istio, apps}, "router": {mesh, istio}, "reader": {mesh, read}} {
		if err := s.Roles.Add(&rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: user}, Rules: rules}); err != nil {
			t.Fatal(err)
		}
		if err := s.RoleBindings.Add(&rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: user},
			RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: user}, Subjects: []rbacv1.Subject{{Kind: "User", Name: user}}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Namespaces.Add(&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "shop"}}); err != nil {
		t.Fatal(err)
	}
	return &Webhook{Authorizer: authz.New(s), Exempt: Exemptions{Users: []string{"ke-controller-manager"}}, Objects: roles{}}
}

func TestTheWebhookChecksStrategiesAndServicePolicies(t *testing.T) {
	h := meshWebhook(t)
	const group = "servicemesh.superkube.io"
	canary := func(regex string) *meshv1.Strategy {
		s := &meshv1.Strategy{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "reviews-v2"},
			Spec: meshv1.StrategySpec{Type: meshv1.Canary, Service: "reviews", Principal: "v1", Canary: "v2", Weight: ptr.To[int32](10)}}
		if regex != "" {
			s.Spec.Match = []meshv1.RequestMatch{{Headers: map[string]meshv1.StringMatch{"x-user": {Regex: ptr.To(regex)}}}}
		}
		return s
	}
	labelled := canary("(a")
	labelled.Labels = map[string]string{"team": "a"}
	policy := func(retryOn string) *meshv1.ServicePolicy {
		return &meshv1.ServicePolicy{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "reviews"},
			Spec: meshv1.ServicePolicySpec{Service: "reviews", Retries: &meshv1.Retries{Attempts: 3, RetryOn: retryOn}}}
	}
	for _, tt := range []struct {
		name     string
		user     string
		op       admissionv1.Operation
		resource string
		obj, old runtime.Object
		code     int32 // 0 when allowed
		says     string
		field    string
	}{
		{"a canary by someone who holds what the controller does", "operator", admissionv1.Create, "strategies", canary("tester-.*"), nil, 0, "", ""},
		{"a bad regex", "operator", admissionv1.Create, "strategies", canary("(a"), nil,
			http.StatusUnprocessableEntity, "RE2", "spec.match[0].headers[x-user].regex"},
		{"an update to a bad regex", "operator", admissionv1.Update, "strategies", canary("(a"), canary(""),
			http.StatusUnprocessableEntity, "RE2", "spec.match[0].headers[x-user].regex"},
		{"a label on an old strategy is not checked again", "operator", admissionv1.Update, "strategies", labelled, canary("(a"), 0, "", ""},
		{"a strategy without the right to scale the workloads", "router", admissionv1.Create, "strategies", canary(""), nil,
			http.StatusForbidden, "update apps/deployments in namespace shop", ""},
		{"a strategy without the right to write Istio's objects", "reader", admissionv1.Create, "strategies", canary(""), nil,
			http.StatusForbidden, "create networking.istio.io/virtualservices", ""},
		{"a weight changed by someone who may not", "reader", admissionv1.Update, "strategies", canary(""), canary("x"),
			http.StatusForbidden, "networking.istio.io/virtualservices", ""},
		{"a policy needs no right on the workloads", "router", admissionv1.Create, "servicepolicies", policy("5xx"), nil, 0, "", ""},
		{"a policy with an unknown retry condition", "router", admissionv1.Create, "servicepolicies", policy("sometimes"), nil,
			http.StatusUnprocessableEntity, "retry conditions", "spec.retries.retryOn"},
		{"a policy by someone who may not write Istio's objects", "reader", admissionv1.Create, "servicepolicies", policy("5xx"), nil,
			http.StatusForbidden, "user reader may not write the ServicePolicy reviews", ""},
		{"a deletion is not checked", "reader", admissionv1.Delete, "strategies", nil, canary(""), 0, "", ""},
		{"the controller manager is exempt", "ke-controller-manager", admissionv1.Update, "strategies", canary(""), canary("x"), 0, "", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp := ask(t, h, tt.user, tt.op, group, tt.resource, tt.obj, tt.old)
			if resp.Allowed != (tt.code == 0) {
				t.Fatalf("allowed=%v (%+v)", resp.Allowed, resp.Result)
			}
			if tt.code == 0 {
				return
			}
			if resp.Result.Code != tt.code || !strings.Contains(resp.Result.Message, tt.says) {
				t.Fatalf("refusal %d %q, want %d saying %q", resp.Result.Code, resp.Result.Message, tt.code, tt.says)
			}
			if tt.field != "" {
				if resp.Result.Details == nil || len(resp.Result.Details.Causes) == 0 || resp.Result.Details.Causes[0].Field != tt.field {
					t.Fatalf("details %+v, want a cause naming %s", resp.Result.Details, tt.field)
				}
				if !strings.Contains(resp.Result.Message, tt.field) {
					t.Errorf("the message %q does not name %s", resp.Result.Message, tt.field)
				}
			}
		})
	}
	cfg := Configuration(admissionregistrationv1.WebhookClientConfig{}, Exemptions{})
	found := false
	for _, w := range cfg.Webhooks {
		for _, r := range w.Rules {
			found = found || (len(r.APIGroups) == 1 && r.APIGroups[0] == group && strings.Join(r.Resources, ",") == "strategies,servicepolicies")
		}
	}
	if !found {
		t.Error("kube-apiserver is not told to ask the webhook about strategies and service policies")
	}
}
