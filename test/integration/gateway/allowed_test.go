package gateway

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	gatewayv1alpha1 "github.com/superkube/super-kubenetes/api/gateway/v1alpha1"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	"github.com/superkube/super-kubenetes/internal/gateway/route"
	gatewayhandlers "github.com/superkube/super-kubenetes/internal/handlers/gateway"
	"github.com/superkube/super-kubenetes/internal/testutil/platform"
)

// The workspace's allowed IngressClasses hold on the three paths that
// write an Ingress: straight at kube-apiserver with the project
// administrator's identity (kubectl), through ke-apiserver's Kubernetes
// proxy, and through the /kapis form. The refusal is a 403 naming
// spec.ingressClassName, the class and the workspace; an Ingress without
// a class gets the default class (public), which is not allowed either;
// the legacy annotation cannot go around it; a workspace without a policy
// is not restricted.
func TestAllowedIngressClassesHoldOnEveryPath(t *testing.T) {
	tok := users(t)
	restrict(t)
	ctx := context.Background()
	kubectl := as(t, projectAdmin)
	mustCreate(t, k8s, service("gwa-web", "web"), service("gwb-app", "web"))
	platform.Eventually(t, "the project administrator's role is mirrored", time.Minute, func() error {
		return kubectl.Create(ctx, ingress("gwb-app", "probe", publicClass, nil), client.DryRunAll)
	})

	// kubectl straight at kube-apiserver.
	refused(t, "class public", kubectl.Create(ctx, ingress("gwa-web", "k-public", publicClass, nil)),
		"spec.ingressClassName", `"public"`, "workspace gwa", "internal, partner")
	refused(t, "no class (the default, public)", kubectl.Create(ctx, ingress("gwa-web", "k-none", "", nil)),
		"spec.ingressClassName", `"public"`)
	refused(t, "the legacy annotation", kubectl.Create(ctx, ingress("gwa-web", "k-annotated", "",
		map[string]string{"kubernetes.io/ingress.class": publicClass})), "metadata.annotations[kubernetes.io/ingress.class]", `"public"`)
	ok := ingress("gwa-web", "k-internal", internalClass, nil)
	if err := kubectl.Create(ctx, ok); err != nil {
		t.Fatalf("class internal: %v", err)
	}
	ok.Spec.IngressClassName = ptr.To(publicClass)
	refused(t, "changing the class to public", kubectl.Update(ctx, ok), "spec.ingressClassName")
	if err := kubectl.Get(ctx, client.ObjectKeyFromObject(ok), ok); err != nil {
		t.Fatal(err)
	}
	ok.Labels = map[string]string{"tier": "web"}
	if err := kubectl.Update(ctx, ok); err != nil {
		t.Fatalf("an update that keeps the class: %v", err)
	}

	// ke-apiserver's Kubernetes proxy, as the user.
	coll := "/apis/networking.k8s.io/v1/namespaces/gwa-web/ingresses"
	body := func(name, class string) map[string]any {
		in := ingress("gwa-web", name, class, nil)
		in.APIVersion, in.Kind = "networking.k8s.io/v1", "Ingress"
		return map[string]any{"apiVersion": in.APIVersion, "kind": in.Kind, "metadata": map[string]any{"name": name}, "spec": in.Spec}
	}
	r := api.DoJSON(t, http.MethodPost, coll, tok[projectAdmin], body("p-public", publicClass))
	st := decode[status](t, r, http.StatusForbidden)
	if st.Kind != "Status" || !strings.Contains(st.Message, "spec.ingressClassName") || !strings.Contains(st.Message, `"public"`) {
		t.Errorf("proxy, class public: %+v", st)
	}
	if r := api.DoJSON(t, http.MethodPost, coll, tok[projectAdmin], body("p-partner", partnerClass)); r.Code != http.StatusCreated {
		t.Fatalf("proxy, class partner: %d %s", r.Code, r.Body)
	}

	// The /kapis form.
	form := func(name, class string) route.IngressForm {
		return route.IngressForm{Name: name, IngressClassName: class, Rules: []route.FormRule{{Host: name + ".example.com",
			Paths: []route.FormPath{{Path: "/", Service: "web", Port: "80"}}}}}
	}
	r = api.DoJSON(t, http.MethodPost, prefix+"/namespaces/gwa-web/ingresses", tok[projectAdmin], form("f-public", publicClass))
	st = decode[status](t, r, http.StatusForbidden)
	if st.Kind != "Status" || !strings.Contains(st.Message, "spec.ingressClassName") || !strings.Contains(st.Message, "workspace gwa") {
		t.Errorf("/kapis, class public: %+v", st)
	}
	r = api.DoJSON(t, http.MethodPost, prefix+"/namespaces/gwa-web/ingresses", tok[projectAdmin], form("f-none", ""))
	decode[status](t, r, http.StatusForbidden)
	created := decode[route.Route](t, api.DoJSON(t, http.MethodPost, prefix+"/namespaces/gwa-web/ingresses", tok[projectAdmin], form("f-internal", internalClass)), http.StatusCreated)
	if created.IngressClassName != internalClass || created.Type != route.KindIngress || created.Name != "f-internal" {
		t.Errorf("/kapis created %+v", created)
	}

	// A workspace without a policy: any class, and the default.
	for _, c := range []string{publicClass, ""} {
		if err := kubectl.Create(ctx, ingress("gwb-app", "free-"+strings.ToLower(fmt.Sprint(c == "")), c, nil)); err != nil {
			t.Errorf("gwb-app, class %q: %v", c, err)
		}
	}
}

// A workspace administrator narrows one project's classes with its
// GatewayPolicy; the project's administrator may neither write that
// object, nor the workspace's policy, nor grant themselves a role that
// could, nor move the project out of the workspace; a project list wider than the workspace's widens nothing, since
// an Ingress must pass both.
func TestWorkspaceAdminsNarrowAProjectAndProjectMembersCannotWiden(t *testing.T) {
	tok := users(t)
	restrict(t)
	ctx := context.Background()
	kubectl := as(t, projectAdmin)
	pol := map[string]any{"apiVersion": "gateway.superkube.io/v1alpha1", "kind": "GatewayPolicy",
		"metadata": map[string]any{"name": "default"}, "spec": map[string]any{"ingressClassNames": []string{internalClass, publicClass}}}
	coll := "/apis/gateway.superkube.io/v1alpha1/namespaces/gwa-web/gatewaypolicies"

	// The project administrator: no path to the lists.
	platform.Eventually(t, "the project administrator reads the project's policies", time.Minute, func() error {
		var l gatewayv1alpha1.GatewayPolicyList
		return kubectl.List(ctx, &l, client.InNamespace("gwa-web"))
	})
	if r := api.DoJSON(t, http.MethodPost, coll, tok[projectAdmin], pol); r.Code != http.StatusForbidden {
		t.Fatalf("project admin creates the GatewayPolicy through the proxy: %d %s", r.Code, r.Body)
	}
	gp := &gatewayv1alpha1.GatewayPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: "gwa-web", Name: "default"},
		Spec: gatewayv1alpha1.GatewayPolicySpec{IngressClassNames: &[]string{publicClass}}}
	if err := kubectl.Create(ctx, gp); !apierrors.IsForbidden(err) {
		t.Fatalf("project admin creates the GatewayPolicy with kubectl: %v", err)
	}
	wp := &gatewayv1alpha1.WorkspaceGatewayPolicy{}
	if err := k8s.Get(ctx, client.ObjectKey{Name: "gwa"}, wp); err != nil {
		t.Fatal(err)
	}
	wp.Spec.IngressClassNames = &[]string{publicClass, internalClass, partnerClass}
	if err := kubectl.Update(ctx, wp); !apierrors.IsForbidden(err) {
		t.Fatalf("project admin widens the workspace's policy: %v", err)
	}
	// Nor may they move the project out of the workspace (the policies select
	// namespaces by its label), to another workspace or to none.
	for _, patch := range []string{`{"metadata":{"labels":{"superkube.io/workspace":"gwb"}}}`, `{"metadata":{"labels":{"superkube.io/workspace":null}}}`} {
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "gwa-web"}}
		// RBAC lets them patch their namespace; ke-apiserver's webhook refuses.
		if err := kubectl.Patch(ctx, ns, client.RawPatch(types.MergePatchType, []byte(patch))); !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), "belong to the platform") {
			t.Fatalf("project admin patches the workspace label of gwa-web with %s: %v", patch, err)
		}
	}
	role := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Namespace: "gwa-web", Name: "policy-writer"},
		Rules: []rbacv1.PolicyRule{{APIGroups: []string{gatewayv1alpha1.GroupName}, Resources: []string{"gatewaypolicies"}, Verbs: []string{"create", "update", "patch"}}}}
	if err := kubectl.Create(ctx, role); !apierrors.IsForbidden(err) {
		t.Fatalf("project admin makes a role that writes the GatewayPolicy: %v", err)
	}

	// The workspace administrator narrows gwa-web to internal (public,
	// also listed, stays refused by the workspace's policy).
	platform.Eventually(t, "the workspace administrator creates the project's policy", time.Minute, func() error {
		if r := api.DoJSON(t, http.MethodPost, coll, tok[wsAdmin], pol); r.Code != http.StatusCreated {
			return fmt.Errorf("%d %s", r.Code, r.Body)
		}
		return nil
	})
	platform.Eventually(t, "the project's policy is enforced", time.Minute, func() error {
		err := kubectl.Create(ctx, ingress("gwa-web", "n-partner", partnerClass, nil), client.DryRunAll)
		if !apierrors.IsForbidden(err) {
			return fmt.Errorf("class partner: %v", err)
		}
		return nil
	})
	refused(t, "class partner in the narrowed project", kubectl.Create(ctx, ingress("gwa-web", "n-partner", partnerClass, nil)),
		"spec.ingressClassName", `"partner"`, "project gwa-web")
	refused(t, "class public, in the project's list but not the workspace's", kubectl.Create(ctx, ingress("gwa-web", "n-public", publicClass, nil)),
		"workspace gwa")
	if err := kubectl.Create(ctx, ingress("gwa-web", "n-internal", internalClass, nil)); err != nil {
		t.Fatalf("class internal: %v", err)
	}
	// The other project of the workspace keeps the workspace's list.
	if err := k8s.Create(ctx, ingress("gwa-api", "n-partner", partnerClass, nil)); err != nil {
		t.Fatalf("class partner in gwa-api: %v", err)
	}

	// What the console reads: every class, with allowed and default.
	classes := decode[list[gatewayhandlers.IngressClass]](t, api.Do(t, http.MethodGet, prefix+"/namespaces/gwa-web/ingressclasses?sortBy=name&ascending=true", tok[projectAdmin], nil), http.StatusOK)
	got := map[string][2]bool{}
	for _, c := range classes.Items {
		got[c.Name] = [2]bool{c.Allowed, c.Default}
	}
	want := map[string][2]bool{internalClass: {true, false}, partnerClass: {false, false}, publicClass: {false, true}}
	for n, w := range want {
		if got[n] != w {
			t.Errorf("class %s: allowed, default %v, want %v (%+v)", n, got[n], w, classes.Items)
		}
	}
	allowed := decode[list[gatewayhandlers.IngressClass]](t, api.Do(t, http.MethodGet, prefix+"/namespaces/gwa-web/ingressclasses?allowed=true", tok[viewer], nil), http.StatusOK)
	if allowed.TotalItems != 1 || allowed.Items[0].Name != internalClass {
		t.Errorf("the viewer's allowed classes: %+v", allowed)
	}
	eff := decode[gatewayhandlers.Policy](t, api.Do(t, http.MethodGet, prefix+"/namespaces/gwa-web/gatewaypolicy", tok[projectAdmin], nil), http.StatusOK)
	if eff.Workspace != "gwa" || eff.Effective.IngressClassNames == nil || !slices.Equal(*eff.Effective.IngressClassNames, []string{internalClass}) ||
		eff.Effective.Gateways == nil || !slices.Equal(*eff.Effective.Gateways, []string{"infra/shared"}) {
		t.Errorf("the effective policy: %+v", eff)
	}
	wsClasses := decode[list[gatewayhandlers.IngressClass]](t, api.Do(t, http.MethodGet, prefix+"/workspaces/gwa/ingressclasses?allowed=true&sortBy=name&ascending=true", tok[wsAdmin], nil), http.StatusOK)
	if wsClasses.TotalItems != 2 || wsClasses.Items[0].Name != internalClass || wsClasses.Items[1].Name != partnerClass {
		t.Errorf("the workspace's allowed classes: %+v", wsClasses)
	}
	for who, path := range map[string]string{nobody: "/namespaces/gwa-web/ingressclasses", viewer: "/namespaces/gwb-app/routes", projectAdmin: "/namespaces/gwa-api/gatewaypolicy"} {
		if r := api.Do(t, http.MethodGet, prefix+path, tok[who], nil); r.Code != http.StatusForbidden || !strings.Contains(string(r.Body), `"kind":"Status"`) {
			t.Errorf("%s GET %s: %d %s", who, path, r.Code, r.Body)
		}
	}
	if r := api.Do(t, http.MethodGet, prefix+"/workspaces/gwa/gatewaypolicy", tok[nobody], nil); r.Code != http.StatusForbidden {
		t.Errorf("nobody reads the workspace's policy: %d %s", r.Code, r.Body)
	}
}

// Deleting a workspace's policy removes its binding and lifts the
// restriction; while it exists its status says it is enforced, and its
// binding, deleted by hand, is put back.
func TestAWorkspacePolicyIsEnforcedUntilDeleted(t *testing.T) {
	ctx := context.Background()
	mustCreate(t, k8s, &tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: "gwc"}},
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "gwc-app", Labels: map[string]string{tenantv1beta1.WorkspaceLabel: "gwc"}}})
	p := &gatewayv1alpha1.WorkspaceGatewayPolicy{ObjectMeta: metav1.ObjectMeta{Name: "gwc"}, Spec: gatewayv1alpha1.GatewayPolicySpec{IngressClassNames: &[]string{}}}
	mustCreate(t, k8s, p)
	waitEnforced(t, "gwc-app")
	refused(t, "any class, with an empty list", k8s.Create(ctx, ingress("gwc-app", "x", internalClass, nil)), "allowed: none")
	platform.Eventually(t, "the policy's status", 30*time.Second, func() error {
		if err := k8s.Get(ctx, client.ObjectKeyFromObject(p), p); err != nil {
			return err
		}
		if len(p.Status.Conditions) == 0 || p.Status.Conditions[0].Status != metav1.ConditionTrue || p.Status.Binding != "superkube-gateway-ws-gwc" {
			return fmt.Errorf("%+v", p.Status)
		}
		return nil
	})
	// A binding deleted by hand is put back.
	b := &admissionregistrationv1.ValidatingAdmissionPolicyBinding{}
	if err := k8s.Get(ctx, client.ObjectKey{Name: "superkube-gateway-ws-gwc"}, b); err != nil {
		t.Fatal(err)
	}
	if err := k8s.Delete(ctx, b); err != nil {
		t.Fatal(err)
	}
	platform.Eventually(t, "the binding is put back", 30*time.Second, func() error {
		again := &admissionregistrationv1.ValidatingAdmissionPolicyBinding{}
		if err := k8s.Get(ctx, client.ObjectKey{Name: "superkube-gateway-ws-gwc"}, again); err != nil {
			return err
		}
		if again.UID == b.UID {
			return fmt.Errorf("still the old binding")
		}
		return nil
	})
	waitEnforced(t, "gwc-app")
	if err := k8s.Delete(ctx, p); err != nil {
		t.Fatal(err)
	}
	platform.Eventually(t, "the restriction is lifted", time.Minute, func() error {
		return k8s.Create(ctx, ingress("gwc-app", "probe", internalClass, nil), client.DryRunAll)
	})
}
