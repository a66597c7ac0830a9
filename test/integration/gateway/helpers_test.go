package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	gatewayapiv1 "sigs.k8s.io/gateway-api/apis/v1"

	gatewayv1alpha1 "github.com/superkube/super-kubenetes/api/gateway/v1alpha1"
	"github.com/superkube/super-kubenetes/internal/scheme"
	"github.com/superkube/super-kubenetes/internal/testutil/platform"
)

var (
	usersOnce    sync.Once
	tokens       map[string]string
	restrictOnce sync.Once
)

// users creates the users once and returns a token of each, the platform
// administrator's as "admin".
func users(t *testing.T) map[string]string {
	t.Helper()
	usersOnce.Do(func() {
		for _, u := range []string{projectAdmin, viewer, wsAdmin, nobody} {
			platform.NewUser(t, k8s, u, password)
		}
		tokens = map[string]string{"admin": api.Admin(t)}
		for _, u := range []string{projectAdmin, viewer, wsAdmin, nobody} {
			tokens[u] = api.Token(t, u)
		}
	})
	if tokens == nil {
		t.Fatal("no users")
	}
	return tokens
}

// as is a client straight at kube-apiserver with a user's identity, as
// kubectl with the user's downloaded kubeconfig (kube-apiserver trusts the
// platform's tokens; here the administrator impersonates the user).
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

func ingress(ns, name, class string, annotations map[string]string) *networkingv1.Ingress {
	in := &networkingv1.Ingress{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Annotations: annotations},
		Spec: networkingv1.IngressSpec{Rules: []networkingv1.IngressRule{{Host: name + ".example.com", IngressRuleValue: networkingv1.IngressRuleValue{
			HTTP: &networkingv1.HTTPIngressRuleValue{Paths: []networkingv1.HTTPIngressPath{{Path: "/", PathType: ptr.To(networkingv1.PathTypePrefix),
				Backend: networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{Name: "web", Port: networkingv1.ServiceBackendPort{Number: 80}}}}}}}}}}}
	if class != "" {
		in.Spec.IngressClassName = ptr.To(class)
	}
	return in
}

func service(ns, name string, ports ...corev1.ServicePort) *corev1.Service {
	if len(ports) == 0 {
		ports = []corev1.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromInt32(8080)}}
	}
	return &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Spec: corev1.ServiceSpec{Ports: ports, Selector: map[string]string{"app": name}}}
}

func gateway(ns, name, class string) *gatewayapiv1.Gateway {
	return &gatewayapiv1.Gateway{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Spec: gatewayapiv1.GatewaySpec{
		GatewayClassName: gatewayapiv1.ObjectName(class),
		Listeners:        []gatewayapiv1.Listener{{Name: "http", Port: 80, Protocol: gatewayapiv1.HTTPProtocolType}}}}
}

// httpRoute attaches to parents, each "name" (the route's namespace) or
// "namespace/name", and sends /api to web:80.
func httpRoute(ns, name string, parents ...string) *gatewayapiv1.HTTPRoute {
	hr := &gatewayapiv1.HTTPRoute{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Spec: gatewayapiv1.HTTPRouteSpec{
		Hostnames: []gatewayapiv1.Hostname{gatewayapiv1.Hostname(name + ".example.com")},
		Rules: []gatewayapiv1.HTTPRouteRule{{
			Matches:     []gatewayapiv1.HTTPRouteMatch{{Path: &gatewayapiv1.HTTPPathMatch{Type: ptr.To(gatewayapiv1.PathMatchPathPrefix), Value: ptr.To("/api")}}},
			BackendRefs: []gatewayapiv1.HTTPBackendRef{{BackendRef: gatewayapiv1.BackendRef{BackendObjectReference: gatewayapiv1.BackendObjectReference{Name: "web", Port: ptr.To(gatewayapiv1.PortNumber(80))}}}},
		}}}}
	for _, p := range parents {
		ref := gatewayapiv1.ParentReference{Name: gatewayapiv1.ObjectName(p)}
		if pns, pname, ok := strings.Cut(p, "/"); ok {
			ref.Namespace, ref.Name = ptr.To(gatewayapiv1.Namespace(pns)), gatewayapiv1.ObjectName(pname)
		}
		hr.Spec.ParentRefs = append(hr.Spec.ParentRefs, ref)
	}
	return hr
}

// restrict gives workspace gwa its policy once: IngressClasses internal
// and partner, GatewayClass gw-internal, the shared Gateway infra/shared;
// and waits until kube-apiserver enforces it.
func restrict(t *testing.T) {
	t.Helper()
	restrictOnce.Do(func() {
		p := &gatewayv1alpha1.WorkspaceGatewayPolicy{ObjectMeta: metav1.ObjectMeta{Name: "gwa"}, Spec: gatewayv1alpha1.GatewayPolicySpec{
			IngressClassNames: &[]string{internalClass, partnerClass}, GatewayClassNames: &[]string{"gw-internal"}, Gateways: &[]string{"infra/shared"}}}
		if err := k8s.Create(context.Background(), p); err != nil {
			t.Fatal(err)
		}
		waitEnforced(t, "gwa-api")
	})
}

// waitEnforced waits until an Ingress of class public is refused in ns (a
// dry run, as the administrator: the policies bind everyone).
func waitEnforced(t *testing.T, ns string) {
	t.Helper()
	platform.Eventually(t, "kube-apiserver enforces the policy in "+ns, time.Minute, func() error {
		err := k8s.Create(context.Background(), ingress(ns, "probe", publicClass, nil), client.DryRunAll)
		if !apierrors.IsForbidden(err) {
			return fmt.Errorf("an Ingress of class public: %v", err)
		}
		return nil
	})
}

// refused checks that err is kube-apiserver's 403 naming every one of
// words.
func refused(t *testing.T, what string, err error, words ...string) {
	t.Helper()
	var se *apierrors.StatusError
	if !errors.As(err, &se) || se.ErrStatus.Code != http.StatusForbidden {
		t.Fatalf("%s: want a 403, got %v", what, err)
	}
	for _, w := range words {
		if !strings.Contains(se.ErrStatus.Message, w) {
			t.Errorf("%s: the message does not name %q: %s", what, w, se.ErrStatus.Message)
		}
	}
}

func mustCreate(t *testing.T, c client.Client, objs ...client.Object) {
	t.Helper()
	for _, o := range objs {
		if err := c.Create(context.Background(), o); err != nil {
			t.Fatalf("creating %T %s: %v", o, o.GetName(), err)
		}
	}
}

type list[T any] struct {
	Items      []T `json:"items"`
	TotalItems int `json:"totalItems"`
}

func decode[T any](t *testing.T, r *platform.Response, code int) T {
	t.Helper()
	var out T
	if r.Code != code {
		t.Fatalf("%d, want %d: %s", r.Code, code, r.Body)
	}
	if err := json.Unmarshal(r.Body, &out); err != nil {
		t.Fatalf("%v: %s", err, r.Body)
	}
	return out
}

// status is the part of a Status the tests read.
type status struct {
	Kind    string `json:"kind"`
	Code    int    `json:"code"`
	Reason  string `json:"reason"`
	Message string `json:"message"`
	Details struct {
		Causes []struct {
			Field string `json:"field"`
		} `json:"causes"`
	} `json:"details"`
}

func (s status) fields() []string {
	var out []string
	for _, c := range s.Details.Causes {
		out = append(out, c.Field)
	}
	return out
}
