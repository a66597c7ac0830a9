package servicemesh

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	meshv1 "github.com/superkube/super-kubenetes/api/servicemesh/v1alpha2"
	"github.com/superkube/super-kubenetes/internal/scheme"
)

// as is a client straight at kube-apiserver with a user's identity, what
// kubectl with a downloaded kubeconfig does: kube-apiserver asks the
// webhook.
func as(t *testing.T, user string) client.Client {
	t.Helper()
	cfg := rest.CopyConfig(restCfg)
	cfg.Impersonate = rest.ImpersonationConfig{UserName: user, Groups: []string{"system:authenticated"}}
	c, err := client.New(cfg, client.Options{Scheme: scheme.New()})
	must(t, err)
	return c
}

// grant binds a Role of rules to user in ns.
func grant(t *testing.T, ns, user string, rules ...rbacv1.PolicyRule) {
	t.Helper()
	ctx := context.Background()
	must(t, k8s.Create(ctx, &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: user}, Rules: rules}))
	must(t, k8s.Create(ctx, &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: user},
		RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: user}, Subjects: []rbacv1.Subject{{Kind: "User", APIGroup: rbacv1.GroupName, Name: user}}}))
}

var (
	writeMesh  = rbacv1.PolicyRule{APIGroups: []string{meshv1.GroupVersion.Group}, Resources: []string{"strategies", "servicepolicies"}, Verbs: []string{"get", "list", "create", "update", "delete"}}
	writeIstio = rbacv1.PolicyRule{APIGroups: []string{"networking.istio.io"}, Resources: []string{"virtualservices", "destinationrules"}, Verbs: []string{"get", "list", "create", "update", "delete"}}
	scale      = rbacv1.PolicyRule{APIGroups: []string{"apps"}, Resources: []string{"deployments", "statefulsets"}, Verbs: []string{"get", "list", "update"}}
)

func TestTheWebhookRefusesABadRegexAndWhatTheWriterDoesNotHold(t *testing.T) {
	ns := shop(t)
	ctx := context.Background()
	grant(t, ns, "mesh-releaser", writeMesh, writeIstio, scale)
	grant(t, ns, "mesh-router", writeMesh, writeIstio)
	good := newStrategy(ns, "ok", meshv1.StrategySpec{Type: meshv1.Canary, Weight: ptr.To[int32](10)})
	// ke-apiserver's caches see the new bindings shortly.
	eventually(t, "the releaser may create a strategy", func() error {
		return as(t, "mesh-releaser").Create(ctx, good.DeepCopy())
	})
	bad := newStrategy(ns, "bad", meshv1.StrategySpec{Type: meshv1.Canary,
		Match: []meshv1.RequestMatch{{Headers: map[string]meshv1.StringMatch{"x-user": {Regex: ptr.To("tester-(")}}}}})
	err := as(t, "mesh-releaser").Create(ctx, bad)
	// kube-apiserver passes the webhook's Status on: 422 Invalid, naming the field.
	var status apierrors.APIStatus
	if !errors.As(err, &status) || status.Status().Code != http.StatusUnprocessableEntity || !strings.Contains(err.Error(), "spec.match[0].headers[x-user].regex") {
		t.Fatalf("a bad regex: %v", err)
	}
	err = as(t, "mesh-router").Create(ctx, newStrategy(ns, "no-scale", meshv1.StrategySpec{Type: meshv1.BlueGreen}))
	if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), "update apps/deployments") {
		t.Errorf("a strategy by someone who may not scale the workloads: %v", err)
	}
	// A policy asks for no scaling: the router may write one.
	if err := as(t, "mesh-router").Create(ctx, circuitBreaker(ns)); err != nil {
		t.Errorf("a policy by the router: %v", err)
	}
}
