package servicemeshapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	meshv1 "github.com/superkube/super-kubenetes/api/servicemesh/v1alpha2"
	"github.com/superkube/super-kubenetes/internal/scheme"
	"github.com/superkube/super-kubenetes/internal/testutil/platform"
)

var (
	setupOnce sync.Once
	tokens    = map[string]string{}
)

const ns = prefix + "/namespaces/" + project

// setup makes the users and waits until every member's rights are seen by
// ke-apiserver and kube-apiserver, once.
func setup(t *testing.T) {
	t.Helper()
	setupOnce.Do(func() {
		for _, u := range []string{projectAdmin, operator, viewer, outsider} {
			platform.NewUser(t, k8s, u, password)
			tokens[u] = api.Token(t, u)
		}
		for _, u := range []string{projectAdmin, operator, viewer} {
			platform.Eventually(t, u+" may list the project's services and strategies", time.Minute, func() error {
				for _, p := range []string{"/services", "/strategies"} {
					if r := api.Do(t, http.MethodGet, ns+p, tokens[u], nil); r.Code != http.StatusOK {
						return fmt.Errorf("%s: %d %s", p, r.Code, r.Body)
					}
				}
				return nil
			})
		}
	})
	if len(tokens) == 0 {
		t.Fatal("setup failed")
	}
}

func canary(name, service string, spec map[string]any) map[string]any {
	s := map[string]any{"type": "Canary", "service": service, "principal": "v1", "canary": "v2", "weight": 10}
	for k, v := range spec {
		s[k] = v
	}
	return map[string]any{"metadata": map[string]any{"name": name}, "spec": s}
}

func expectCode(t *testing.T, r *platform.Response, code int) {
	t.Helper()
	if r.Code != code {
		t.Fatalf("want %d, got %d: %s", code, r.Code, r.Body)
	}
}

// expectField checks a 422 Status whose causes name the field.
func expectField(t *testing.T, r *platform.Response, fieldPath string) {
	t.Helper()
	platform.ExpectStatus(t, r, http.StatusUnprocessableEntity)
	var st metav1.Status
	if err := json.Unmarshal(r.Body, &st); err != nil || st.Details == nil {
		t.Fatalf("no details: %v %s", err, r.Body)
	}
	for _, c := range st.Details.Causes {
		if c.Field == fieldPath {
			return
		}
	}
	t.Fatalf("no cause on %s: %s", fieldPath, r.Body)
}

func strategy(t *testing.T, name string) *meshv1.Strategy {
	t.Helper()
	s := &meshv1.Strategy{}
	if err := k8s.Get(context.Background(), types.NamespacedName{Namespace: project, Name: name}, s); err != nil {
		t.Fatal(err)
	}
	return s
}

// A project operator creates a canary at 10%, shifts it to 30% and
// promotes it, through /kapis, as themself (ke-apiserver itself may not
// write strategies: kube-apiserver's RBAC decided on the operator's
// rights). A second promote, a rollback and a weight change after the
// decision are 409s.
func TestOperatorCreatesShiftsAndPromotesACanary(t *testing.T) {
	setup(t)
	tok := tokens[operator]
	r := api.DoJSON(t, http.MethodPost, ns+"/strategies", tok, canary("reviews-canary", "reviews", nil))
	expectCode(t, r, http.StatusCreated)
	if r.Str("kind") != "Strategy" {
		t.Errorf("kind %q", r.Str("kind"))
	}
	r = api.Do(t, http.MethodGet, ns+"/strategies?service=reviews&type=Canary", tok, nil)
	expectCode(t, r, http.StatusOK)
	if n, _ := r.JSON["totalItems"].(float64); n != 1 {
		t.Fatalf("list: %s", r.Body)
	}
	r = api.DoJSON(t, http.MethodPut, ns+"/strategies/reviews-canary/weight", tok, map[string]any{"weight": 30})
	expectCode(t, r, http.StatusOK)
	if s := strategy(t, "reviews-canary"); *s.Spec.Weight != 30 || s.Spec.Decision != "" {
		t.Fatalf("after the shift: %+v", s.Spec)
	}
	r = api.Do(t, http.MethodPost, ns+"/strategies/reviews-canary/promote", tok, nil)
	expectCode(t, r, http.StatusOK)
	if s := strategy(t, "reviews-canary"); s.Spec.Decision != meshv1.Promote || *s.Spec.Weight != 30 {
		t.Fatalf("after the promote: %+v", s.Spec)
	}
	for _, p := range []string{"/promote", "/rollback"} {
		r = api.Do(t, http.MethodPost, ns+"/strategies/reviews-canary"+p, tok, nil)
		platform.ExpectStatus(t, r, http.StatusConflict)
		if !strings.Contains(r.Str("message"), "already decided (Promote)") {
			t.Errorf("%s: %s", p, r.Str("message"))
		}
	}
	r = api.DoJSON(t, http.MethodPut, ns+"/strategies/reviews-canary/weight", tok, map[string]any{"weight": 50})
	platform.ExpectStatus(t, r, http.StatusConflict)
	r = api.Do(t, http.MethodDelete, ns+"/strategies/reviews-canary", tok, nil)
	expectCode(t, r, http.StatusOK)
}

// Wrong input is a 422 naming the field, before anything is written.
func TestBadInputNamesTheField(t *testing.T) {
	setup(t)
	tok := tokens[operator]
	expectField(t, api.DoJSON(t, http.MethodPost, ns+"/strategies", tok, canary("w", "reviews", map[string]any{"weight": 101})), "spec.weight")
	expectField(t, api.DoJSON(t, http.MethodPost, ns+"/strategies", tok, canary("re", "reviews", map[string]any{"match": []any{
		map[string]any{"headers": map[string]any{"x-user": map[string]any{"regex": "([a-z"}}}}})), "spec.match[0].headers[x-user].regex")
	expectField(t, api.DoJSON(t, http.MethodPost, ns+"/strategies", tok, canary("svc", "details", nil)), "spec.service")
	// A blue-green strategy has no weight to shift.
	bg := map[string]any{"metadata": map[string]any{"name": "ratings-bg"}, "spec": map[string]any{"type": "BlueGreen", "service": "ratings", "principal": "v1", "canary": "v2"}}
	expectCode(t, api.DoJSON(t, http.MethodPost, ns+"/strategies", tok, bg), http.StatusCreated)
	expectField(t, api.DoJSON(t, http.MethodPut, ns+"/strategies/ratings-bg/weight", tok, map[string]any{"weight": 20}), "spec.weight")
	expectCode(t, api.Do(t, http.MethodDelete, ns+"/strategies/ratings-bg", tok, nil), http.StatusOK)
	var list meshv1.StrategyList
	if err := k8s.List(context.Background(), &list, client.InNamespace(project)); err != nil {
		t.Fatal(err)
	}
	for _, s := range list.Items {
		if s.Name == "w" || s.Name == "re" || s.Name == "svc" {
			t.Errorf("strategy %s was written", s.Name)
		}
	}
}

// The viewer reads strategies but writes nothing; the outsider sees
// nothing of the project.
func TestViewerReadsOnlyAndOutsiderSeesNothing(t *testing.T) {
	setup(t)
	s := &meshv1.Strategy{ObjectMeta: metav1.ObjectMeta{Namespace: project, Name: "ratings-canary"},
		Spec: meshv1.StrategySpec{Type: meshv1.Canary, Service: "ratings", Principal: "v1", Canary: "v2"}}
	if err := k8s.Create(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = k8s.Delete(context.Background(), s) }()
	tok := tokens[viewer]
	expectCode(t, api.Do(t, http.MethodGet, ns+"/strategies/ratings-canary", tok, nil), http.StatusOK)
	for _, w := range []struct {
		method, path string
		body         any
	}{
		{http.MethodPost, "/strategies", canary("v", "reviews", nil)},
		{http.MethodPut, "/strategies/ratings-canary/weight", map[string]any{"weight": 40}},
		{http.MethodPost, "/strategies/ratings-canary/promote", nil},
		{http.MethodPost, "/strategies/ratings-canary/rollback", nil},
		{http.MethodDelete, "/strategies/ratings-canary", nil},
		{http.MethodPost, "/servicepolicies", map[string]any{"metadata": map[string]any{"name": "v"}, "spec": map[string]any{"service": "reviews"}}},
		{http.MethodPut, "/mesh", map[string]any{"enabled": true}},
	} {
		platform.ExpectStatus(t, api.DoJSON(t, w.method, ns+w.path, tok, w.body), http.StatusForbidden)
	}
	if got := strategy(t, "ratings-canary"); got.Spec.Decision != "" || got.Spec.Weight != nil {
		t.Fatalf("the viewer changed the strategy: %+v", got.Spec)
	}
	tok = tokens[outsider]
	for _, p := range []string{"/strategies", "/strategies/ratings-canary", "/servicepolicies", "/services", "/mesh"} {
		r := api.Do(t, http.MethodGet, ns+p, tok, nil)
		platform.ExpectStatus(t, r, http.StatusForbidden)
		if strings.Contains(string(r.Body), "reviews") {
			t.Errorf("%s: the 403 tells about the project: %s", p, r.Body)
		}
	}
	// An unknown service is not revealed to the outsider either: 403, not 422.
	platform.ExpectStatus(t, api.DoJSON(t, http.MethodPost, ns+"/strategies", tok, canary("o", "details", nil)), http.StatusForbidden)
}

// A service has at most one ServicePolicy: the second is a 409 naming the
// first.
func TestSecondServicePolicyIsAConflict(t *testing.T) {
	setup(t)
	tok := tokens[projectAdmin]
	policy := func(name string) map[string]any {
		return map[string]any{"metadata": map[string]any{"name": name}, "spec": map[string]any{"service": "reviews", "timeout": "2s",
			"retries": map[string]any{"attempts": 3}}}
	}
	expectCode(t, api.DoJSON(t, http.MethodPost, ns+"/servicepolicies", tok, policy("reviews-policy")), http.StatusCreated)
	r := api.DoJSON(t, http.MethodPost, ns+"/servicepolicies", tokens[operator], policy("reviews-policy-2"))
	platform.ExpectStatus(t, r, http.StatusConflict)
	if !strings.Contains(r.Str("message"), "reviews-policy") {
		t.Errorf("message %q", r.Str("message"))
	}
	r = api.Do(t, http.MethodGet, ns+"/servicepolicies?service=reviews", tokens[viewer], nil)
	expectCode(t, r, http.StatusOK)
	if n, _ := r.JSON["totalItems"].(float64); n != 1 {
		t.Fatalf("list: %s", r.Body)
	}
	expectCode(t, api.Do(t, http.MethodDelete, ns+"/servicepolicies/reviews-policy", tok, nil), http.StatusOK)
}

// The services list shows the versions of reviews (pods, ready pods, the
// workloads with their images) and the strategy naming ratings.
func TestServicesListWithVersions(t *testing.T) {
	setup(t)
	bg := map[string]any{"metadata": map[string]any{"name": "ratings-switch"}, "spec": map[string]any{"type": "BlueGreen", "service": "ratings", "principal": "v1", "canary": "v2"}}
	expectCode(t, api.DoJSON(t, http.MethodPost, ns+"/strategies", tokens[operator], bg), http.StatusCreated)
	defer api.Do(t, http.MethodDelete, ns+"/strategies/ratings-switch", tokens[operator], nil)
	var list struct {
		Items []struct {
			Metadata   metav1.ObjectMeta `json:"metadata"`
			Mesh       bool              `json:"mesh"`
			Strategies []struct {
				Name, Phase, Type string
			} `json:"strategies"`
			Versions []struct {
				Name            string
				Pods, ReadyPods int
				Workloads       []struct {
					Kind, Name              string
					Replicas, ReadyReplicas int
					Images                  []string
				}
			} `json:"versions"`
		} `json:"items"`
		TotalItems int `json:"totalItems"`
	}
	r := api.Do(t, http.MethodGet, ns+"/services?sortBy=name&ascending=true", tokens[viewer], nil)
	expectCode(t, r, http.StatusOK)
	if err := json.Unmarshal(r.Body, &list); err != nil || list.TotalItems != 2 {
		t.Fatalf("%v %s", err, r.Body)
	}
	ratings, reviews := list.Items[0], list.Items[1]
	if ratings.Metadata.Name != "ratings" || len(ratings.Versions) != 0 || len(ratings.Strategies) != 1 ||
		ratings.Strategies[0].Name != "ratings-switch" || ratings.Strategies[0].Type != "BlueGreen" {
		t.Errorf("ratings: %+v", ratings)
	}
	if reviews.Metadata.Name != "reviews" || len(reviews.Versions) != 2 {
		t.Fatalf("reviews: %+v", reviews)
	}
	v1, v2 := reviews.Versions[0], reviews.Versions[1]
	if v1.Name != "v1" || v1.Pods != 2 || v1.ReadyPods != 1 || len(v1.Workloads) != 1 || v1.Workloads[0].Kind != "Deployment" ||
		v1.Workloads[0].Name != "reviews-v1" || v1.Workloads[0].Replicas != 2 || v1.Workloads[0].Images[0] != "example.com/reviews:v1" {
		t.Errorf("v1: %+v", v1)
	}
	if v2.Name != "v2" || v2.Pods != 1 || v2.ReadyPods != 1 || len(v2.Workloads) != 1 || v2.Workloads[0].Kind != "StatefulSet" || v2.Workloads[0].Name != "reviews-v2" {
		t.Errorf("v2: %+v", v2)
	}
	// The filters: services with an undecided strategy.
	r = api.Do(t, http.MethodGet, ns+"/services?strategy=true", tokens[viewer], nil)
	expectCode(t, r, http.StatusOK)
	if n, _ := r.JSON["totalItems"].(float64); n != 1 || !strings.Contains(string(r.Body), `"ratings-switch"`) {
		t.Errorf("strategy=true: %s", r.Body)
	}
}

// as is a Kubernetes client acting as a user, as kubectl with the user's
// kubeconfig would.
func as(t *testing.T, user string) client.Client {
	t.Helper()
	cfg := rest.CopyConfig(restCfg)
	cfg.Impersonate = rest.ImpersonationConfig{UserName: user, Groups: []string{"system:authenticated"}}
	c, err := client.New(cfg, client.Options{Scheme: scheme.New()})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func injection(t *testing.T) string {
	t.Helper()
	n := &corev1.Namespace{}
	if err := k8s.Get(context.Background(), types.NamespacedName{Name: project}, n); err != nil {
		t.Fatal(err)
	}
	return n.Labels[meshv1.InjectionLabel]
}

// The project admin puts the project in the mesh and takes it out; the
// operator and the viewer may not, through the API as with kubectl.
func TestMeshSwitchByTheProjectAdminOnly(t *testing.T) {
	setup(t)
	r := api.DoJSON(t, http.MethodPut, ns+"/mesh", tokens[projectAdmin], map[string]any{"enabled": true})
	expectCode(t, r, http.StatusOK)
	if r.JSON["enabled"] != true || injection(t) != "enabled" {
		t.Fatalf("on: %s, label %q", r.Body, injection(t))
	}
	platform.Eventually(t, "the viewer sees the project in the mesh", 30*time.Second, func() error {
		r := api.Do(t, http.MethodGet, ns+"/mesh", tokens[viewer], nil)
		if r.Code != http.StatusOK || r.JSON["enabled"] != true {
			return fmt.Errorf("%d %s", r.Code, r.Body)
		}
		return nil
	})
	for _, u := range []string{operator, viewer} {
		platform.ExpectStatus(t, api.DoJSON(t, http.MethodPut, ns+"/mesh", tokens[u], map[string]any{"enabled": false}), http.StatusForbidden)
	}
	if injection(t) != "enabled" {
		t.Fatal("the label changed")
	}
	expectField(t, api.DoJSON(t, http.MethodPut, ns+"/mesh", tokens[projectAdmin], map[string]any{}), "enabled")
	r = api.DoJSON(t, http.MethodPut, ns+"/mesh", tokens[projectAdmin], map[string]any{"enabled": false})
	expectCode(t, r, http.StatusOK)
	if r.JSON["enabled"] != false || injection(t) != "" {
		t.Fatalf("off: %s, label %q", r.Body, injection(t))
	}
	// The same rule on the direct path (kubectl label namespace): the
	// admission webhook guards only the superkube.io labels, RBAC decides.
	patch := client.RawPatch(types.MergePatchType, []byte(`{"metadata":{"labels":{"istio-injection":"enabled"}}}`))
	for _, u := range []string{operator, viewer} {
		if err := as(t, u).Patch(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: project}}, patch); !apierrors.IsForbidden(err) {
			t.Errorf("%s labels the namespace directly: %v", u, err)
		}
	}
	if err := as(t, projectAdmin).Patch(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: project}}, patch); err != nil {
		t.Errorf("the project admin may not label the namespace directly: %v", err)
	}
	if injection(t) != "enabled" {
		t.Fatal("the direct label did not hold")
	}
	expectCode(t, api.DoJSON(t, http.MethodPut, ns+"/mesh", tokens[projectAdmin], map[string]any{"enabled": false}), http.StatusOK)
}
