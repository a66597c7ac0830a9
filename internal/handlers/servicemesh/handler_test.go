package servicemesh

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	meshv1 "github.com/superkube/super-kubenetes/api/servicemesh/v1alpha2"
	"github.com/superkube/super-kubenetes/internal/apiserver/request"
	"github.com/superkube/super-kubenetes/internal/authz"
	"github.com/superkube/super-kubenetes/internal/scheme"
	"github.com/superkube/super-kubenetes/internal/testutil/statustest"
)

const ns = "shop"

// rights allows "verb group/resource" for everyone (the fake client does
// not check identities: the integration tests show kube-apiserver's RBAC).
type rights map[string]bool

func (r rights) Authorize(a *authz.Attributes) authz.Decision {
	return authz.Decision{Allowed: r[a.Verb+" "+a.APIGroup+"/"+a.Resource]}
}

type sameClient struct{ c client.Client }

func (s sameClient) As(user.Info) (client.Client, error) { return s.c, nil }

var all = rights{"create " + Group + "/strategies": true, "create " + Group + "/servicepolicies": true,
	"list /services": true, "list /pods": true, "get /namespaces": true, "patch /namespaces": true}

func newServer(t *testing.T, allowed rights, objs ...client.Object) (*http.ServeMux, client.Client) {
	t.Helper()
	objs = append(objs, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}},
		&corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "reviews"}, Spec: corev1.ServiceSpec{Selector: map[string]string{"app": "reviews"}}})
	c := fake.NewClientBuilder().WithScheme(scheme.New()).WithObjects(objs...).
		WithStatusSubresource(&meshv1.Strategy{}, &meshv1.ServicePolicy{}).Build()
	h := &Handler{Authorizer: allowed, Cache: c, Clients: sameClient{c}}
	mux := http.NewServeMux()
	h.Install(mux)
	return mux, c
}

func do(t *testing.T, mux http.Handler, method, path string, body any) *httptest.ResponseRecorder {
	t.Helper()
	var b bytes.Buffer
	if body != nil {
		if err := json.NewEncoder(&b).Encode(body); err != nil {
			t.Fatal(err)
		}
	}
	req := httptest.NewRequest(method, Prefix+"/namespaces/"+ns+path, &b)
	req = req.WithContext(request.WithUser(req.Context(), &user.DefaultInfo{Name: "alice"}))
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, req)
	return rec
}

func canary(name string, spec map[string]any) map[string]any {
	s := map[string]any{"type": "Canary", "service": "reviews", "principal": "v1", "canary": "v2", "weight": 10}
	for k, v := range spec {
		s[k] = v
	}
	return map[string]any{"metadata": map[string]any{"name": name}, "spec": s}
}

// expectField checks a 422 whose cause names the field.
func expectField(t *testing.T, rec *httptest.ResponseRecorder, code int, fieldPath string) metav1.Status {
	t.Helper()
	if rec.Code != code {
		t.Fatalf("code %d, want %d: %s", rec.Code, code, rec.Body)
	}
	st := statustest.Failure(t, rec)
	if st.Details == nil {
		t.Fatalf("no details: %+v", st)
	}
	for _, c := range st.Details.Causes {
		if c.Field == fieldPath {
			return st
		}
	}
	t.Fatalf("no cause on %s: %+v", fieldPath, st.Details.Causes)
	return st
}

func TestCreateStrategyRefusesBadInputNamingTheField(t *testing.T) {
	mux, _ := newServer(t, all)
	expectField(t, do(t, mux, http.MethodPost, "/strategies", canary("w", map[string]any{"weight": 101})), http.StatusUnprocessableEntity, "spec.weight")
	expectField(t, do(t, mux, http.MethodPost, "/strategies", canary("re", map[string]any{"match": []any{
		map[string]any{"headers": map[string]any{"x-user": map[string]any{"regex": "(unclosed"}}}}})),
		http.StatusUnprocessableEntity, "spec.match[0].headers[x-user].regex")
	expectField(t, do(t, mux, http.MethodPost, "/strategies", canary("svc", map[string]any{"service": "nosuch"})), http.StatusUnprocessableEntity, "spec.service")
	// An unknown field is a 400, not silently dropped.
	if rec := do(t, mux, http.MethodPost, "/strategies", canary("x", map[string]any{"weigth": 3})); rec.Code != http.StatusBadRequest {
		t.Errorf("unknown field: %d %s", rec.Code, rec.Body)
	}
}

// Whoever may not create strategies learns nothing of the Services.
func TestCreateStrategyForbiddenBeforeTheServiceCheck(t *testing.T) {
	mux, _ := newServer(t, rights{})
	rec := do(t, mux, http.MethodPost, "/strategies", canary("svc", map[string]any{"service": "nosuch"}))
	if rec.Code != http.StatusForbidden {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	if strings.Contains(rec.Body.String(), "nosuch") {
		t.Errorf("the 403 names the service: %s", rec.Body)
	}
}

func TestPromoteOnceThenConflict(t *testing.T) {
	mux, c := newServer(t, all)
	if rec := do(t, mux, http.MethodPost, "/strategies", canary("r", nil)); rec.Code != http.StatusCreated {
		t.Fatalf("create: %d %s", rec.Code, rec.Body)
	}
	rec := do(t, mux, http.MethodPut, "/strategies/r/weight", map[string]any{"weight": 40})
	if rec.Code != http.StatusOK {
		t.Fatalf("weight: %d %s", rec.Code, rec.Body)
	}
	expectField(t, do(t, mux, http.MethodPut, "/strategies/r/weight", map[string]any{"weight": 140}), http.StatusUnprocessableEntity, "spec.weight")
	expectField(t, do(t, mux, http.MethodPut, "/strategies/r/weight", map[string]any{}), http.StatusUnprocessableEntity, "spec.weight")
	if rec := do(t, mux, http.MethodPost, "/strategies/r/promote", nil); rec.Code != http.StatusOK {
		t.Fatalf("promote: %d %s", rec.Code, rec.Body)
	}
	var s meshv1.Strategy
	if err := c.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "r"}, &s); err != nil {
		t.Fatal(err)
	}
	if s.Spec.Decision != meshv1.Promote || ptr.Deref(s.Spec.Weight, 0) != 40 {
		t.Fatalf("spec %+v", s.Spec)
	}
	for _, path := range []string{"/strategies/r/promote", "/strategies/r/rollback"} {
		rec := do(t, mux, http.MethodPost, path, nil)
		if rec.Code != http.StatusConflict {
			t.Fatalf("%s: %d %s", path, rec.Code, rec.Body)
		}
		if st := statustest.Failure(t, rec); !strings.Contains(st.Message, "already decided (Promote)") {
			t.Errorf("message %q", st.Message)
		}
	}
	if rec := do(t, mux, http.MethodPut, "/strategies/r/weight", map[string]any{"weight": 50}); rec.Code != http.StatusConflict {
		t.Fatalf("weight once decided: %d %s", rec.Code, rec.Body)
	}
	if rec := do(t, mux, http.MethodPost, "/strategies/none/promote", nil); rec.Code != http.StatusNotFound {
		t.Fatalf("promote of nothing: %d %s", rec.Code, rec.Body)
	}
}

func TestWeightIsForCanariesOnly(t *testing.T) {
	bg := &meshv1.Strategy{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "bg"},
		Spec: meshv1.StrategySpec{Type: meshv1.BlueGreen, Service: "reviews", Principal: "v1", Canary: "v2"}}
	mux, _ := newServer(t, all, bg)
	st := expectField(t, do(t, mux, http.MethodPut, "/strategies/bg/weight", map[string]any{"weight": 30}), http.StatusUnprocessableEntity, "spec.weight")
	if !strings.Contains(st.Message, "BlueGreen") {
		t.Errorf("message %q", st.Message)
	}
}

func TestSecondPolicyForAServiceIsAConflict(t *testing.T) {
	mux, _ := newServer(t, all)
	policy := func(name string) map[string]any {
		return map[string]any{"metadata": map[string]any{"name": name}, "spec": map[string]any{"service": "reviews", "timeout": "3s"}}
	}
	if rec := do(t, mux, http.MethodPost, "/servicepolicies", policy("first")); rec.Code != http.StatusCreated {
		t.Fatalf("first: %d %s", rec.Code, rec.Body)
	}
	rec := do(t, mux, http.MethodPost, "/servicepolicies", policy("second"))
	if rec.Code != http.StatusConflict {
		t.Fatalf("second: %d %s", rec.Code, rec.Body)
	}
	if st := statustest.Failure(t, rec); !strings.Contains(st.Message, "first") {
		t.Errorf("the 409 does not name the existing policy: %q", st.Message)
	}
	rec = do(t, mux, http.MethodGet, "/servicepolicies?service=reviews", nil)
	var list struct {
		TotalItems int `json:"totalItems"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &list); err != nil || list.TotalItems != 1 {
		t.Fatalf("list: %v %s", err, rec.Body)
	}
}

func TestServicesShowVersionsWorkloadsStrategiesAndMesh(t *testing.T) {
	ctrl := func(kind, name string) []metav1.OwnerReference {
		return []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: kind, Name: name, UID: "u-" + "name", Controller: ptr.To(true)}}
	}
	tmpl := func(image string) corev1.PodTemplateSpec {
		return corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: image}}}}
	}
	pod := func(name, version, owner, ownerKind string, ready bool) *corev1.Pod {
		st := corev1.ConditionFalse
		if ready {
			st = corev1.ConditionTrue
		}
		return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: map[string]string{"app": "reviews", "version": version},
			OwnerReferences: ctrl(ownerKind, owner)}, Status: corev1.PodStatus{Phase: corev1.PodRunning, Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: st}}}}
	}
	objs := []client.Object{
		&appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "reviews-v1"}, Spec: appsv1.DeploymentSpec{Replicas: ptr.To[int32](2), Template: tmpl("reviews:1")}},
		&appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "reviews-v1-abc", OwnerReferences: ctrl("Deployment", "reviews-v1")}},
		&appsv1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "reviews-v2"}, Spec: appsv1.StatefulSetSpec{Replicas: ptr.To[int32](1), Template: tmpl("reviews:2")}},
		pod("a", "v1", "reviews-v1-abc", "ReplicaSet", true), pod("b", "v1", "reviews-v1-abc", "ReplicaSet", false),
		pod("c", "v2", "reviews-v2", "StatefulSet", true),
		&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "other", Labels: map[string]string{"app": "ratings", "version": "v9"}}},
		&meshv1.Strategy{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "rel"},
			Spec: meshv1.StrategySpec{Type: meshv1.Canary, Service: "reviews", Principal: "v1", Canary: "v2"}},
	}
	mux, c := newServer(t, all, objs...)
	var n corev1.Namespace
	_ = c.Get(context.Background(), client.ObjectKey{Name: ns}, &n)
	n.Labels = map[string]string{meshv1.InjectionLabel: "enabled"}
	if err := c.Update(context.Background(), &n); err != nil {
		t.Fatal(err)
	}
	rec := do(t, mux, http.MethodGet, "/services?strategy=true", nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	var list struct {
		Items      []Service `json:"items"`
		TotalItems int       `json:"totalItems"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &list); err != nil || list.TotalItems != 1 {
		t.Fatalf("list: %v %s", err, rec.Body)
	}
	s := list.Items[0]
	if !s.Mesh || len(s.Strategies) != 1 || s.Strategies[0].Name != "rel" || s.Strategies[0].Phase != "Pending" || len(s.Versions) != 2 {
		t.Fatalf("service %+v", s)
	}
	v1, v2 := s.Versions[0], s.Versions[1]
	if v1.Name != "v1" || v1.Pods != 2 || v1.ReadyPods != 1 || len(v1.Workloads) != 1 || v1.Workloads[0].Name != "reviews-v1" ||
		v1.Workloads[0].Kind != "Deployment" || v1.Workloads[0].Replicas != 2 || v1.Workloads[0].Images[0] != "reviews:1" {
		t.Errorf("v1 %+v", v1)
	}
	if v2.Name != "v2" || v2.Pods != 1 || v2.ReadyPods != 1 || len(v2.Workloads) != 1 || v2.Workloads[0].Kind != "StatefulSet" {
		t.Errorf("v2 %+v", v2)
	}
	// Without the right to list pods: 403.
	mux, _ = newServer(t, rights{"list /services": true})
	if rec := do(t, mux, http.MethodGet, "/services", nil); rec.Code != http.StatusForbidden {
		t.Fatalf("without pods: %d %s", rec.Code, rec.Body)
	}
}

func TestMeshSwitch(t *testing.T) {
	mux, c := newServer(t, all)
	get := func() bool {
		var n corev1.Namespace
		if err := c.Get(context.Background(), client.ObjectKey{Name: ns}, &n); err != nil {
			t.Fatal(err)
		}
		return n.Labels[meshv1.InjectionLabel] == "enabled"
	}
	for _, on := range []bool{true, false} {
		rec := do(t, mux, http.MethodPut, "/mesh", map[string]any{"enabled": on})
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"enabled":`+map[bool]string{true: "true", false: "false"}[on]) || get() != on {
			t.Fatalf("enabled=%v: %d %s", on, rec.Code, rec.Body)
		}
	}
	expectField(t, do(t, mux, http.MethodPut, "/mesh", map[string]any{}), http.StatusUnprocessableEntity, "enabled")
	viewer, _ := newServer(t, rights{"get /namespaces": true})
	if rec := do(t, viewer, http.MethodGet, "/mesh", nil); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"enabled":false`) {
		t.Fatalf("viewer get: %d %s", rec.Code, rec.Body)
	}
	if rec := do(t, viewer, http.MethodPut, "/mesh", map[string]any{"enabled": true}); rec.Code != http.StatusForbidden {
		t.Fatalf("viewer put: %d %s", rec.Code, rec.Body)
	}
}

// Every path of the group reaches the handler.
func TestAuthzRulesDelegateEveryPathToTheHandler(t *testing.T) {
	u := &user.DefaultInfo{Name: "u"}
	for _, p := range []struct{ method, path string }{
		{http.MethodGet, Prefix + "/namespaces/dev/strategies"},
		{http.MethodPost, Prefix + "/namespaces/dev/strategies/s/promote"},
		{http.MethodPut, Prefix + "/namespaces/dev/strategies/s/weight"},
		{http.MethodDelete, Prefix + "/namespaces/dev/servicepolicies/p"},
		{http.MethodGet, Prefix + "/namespaces/dev/services"},
		{http.MethodPut, Prefix + "/namespaces/dev/mesh"},
		{http.MethodGet, Prefix},
	} {
		info, err := request.Parse(p.method, p.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, delegate := AuthzRules().Map(u, info); !delegate {
			t.Errorf("%s %s is not delegated", p.method, p.path)
		}
	}
}

// A write made between the read and the patch (kube-apiserver's 409 on
// the resourceVersion) is read again and checked again: a decision taken
// meanwhile turns the promote into the decision's 409.
func TestPromoteReadsAgainAfterAStaleWrite(t *testing.T) {
	s := &meshv1.Strategy{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "r"},
		Spec: meshv1.StrategySpec{Type: meshv1.Canary, Service: "reviews", Principal: "v1", Canary: "v2"}}
	base := fake.NewClientBuilder().WithScheme(scheme.New()).WithObjects(s).Build()
	patches := 0
	c := interceptor.NewClient(base, interceptor.Funcs{
		Patch: func(ctx context.Context, cl client.WithWatch, obj client.Object, patch client.Patch, opts ...client.PatchOption) error {
			patches++
			if patches == 1 {
				// Someone else rolls back first.
				var cur meshv1.Strategy
				if err := cl.Get(ctx, client.ObjectKeyFromObject(obj), &cur); err != nil {
					return err
				}
				cur.Spec.Decision = meshv1.Rollback
				if err := cl.Update(ctx, &cur); err != nil {
					return err
				}
				return apierrors.NewConflict(schema.GroupResource{Group: Group, Resource: "strategies"}, obj.GetName(), errors.New("the object has been modified"))
			}
			return cl.Patch(ctx, obj, patch, opts...)
		},
	})
	h := &Handler{Authorizer: all, Cache: c, Clients: sameClient{c}}
	mux := http.NewServeMux()
	h.Install(mux)
	rec := do(t, mux, http.MethodPost, "/strategies/r/promote", nil)
	if rec.Code != http.StatusConflict || !strings.Contains(rec.Body.String(), "already decided (Rollback)") || patches != 1 {
		t.Fatalf("%d %s after %d patches", rec.Code, rec.Body, patches)
	}
}
