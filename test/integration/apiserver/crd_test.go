package apiserver

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/superkube/super-kubenetes/internal/testutil/platform"
)

// crd makes a namespaced custom resource and waits until it is served.
func crd(t *testing.T, group, plural, kind string) schema.GroupVersionKind {
	t.Helper()
	preserve := true
	c := &apiextensionsv1.CustomResourceDefinition{
		ObjectMeta: metav1.ObjectMeta{Name: plural + "." + group},
		Spec: apiextensionsv1.CustomResourceDefinitionSpec{
			Group: group, Scope: apiextensionsv1.NamespaceScoped,
			Names: apiextensionsv1.CustomResourceDefinitionNames{Plural: plural, Singular: strings.ToLower(kind), Kind: kind, ListKind: kind + "List"},
			Versions: []apiextensionsv1.CustomResourceDefinitionVersion{{Name: "v1", Served: true, Storage: true,
				Schema: &apiextensionsv1.CustomResourceValidation{OpenAPIV3Schema: &apiextensionsv1.JSONSchemaProps{Type: "object", XPreserveUnknownFields: &preserve}}}},
		},
	}
	if err := st.k8s.Create(context.Background(), c); err != nil {
		t.Fatalf("creating the CRD %s: %v", c.Name, err)
	}
	gvk := schema.GroupVersionKind{Group: group, Version: "v1", Kind: kind}
	eventually(t, "the CRD "+c.Name+" is served", func() error {
		l := &unstructured.UnstructuredList{}
		l.SetGroupVersionKind(gvk.GroupVersion().WithKind(kind + "List"))
		return st.k8s.List(context.Background(), l)
	})
	return gvk
}

func customObject(t *testing.T, gvk schema.GroupVersionKind, ns, name string) {
	t.Helper()
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(gvk)
	u.SetNamespace(ns)
	u.SetName(name)
	u.SetLabels(map[string]string{"tier": "gold"})
	if err := st.k8s.Create(context.Background(), u); err != nil {
		t.Fatalf("creating %s %s/%s: %v", gvk.Kind, ns, name, err)
	}
}

func TestTheListEngineServesAnyCustomResource(t *testing.T) {
	world(t)
	adm := api.Admin(t)
	platform.ExpectStatus(t, api.Do(t, http.MethodGet, engine+"/gizmos", adm, nil), http.StatusNotFound)

	gizmo := crd(t, "example.com", "gizmos", "Gizmo")
	customObject(t, gizmo, "wsa-web", "gizmo-a")
	customObject(t, gizmo, "wsa-web", "gizmo-b")
	customObject(t, gizmo, "elsewhere", "gizmo-c")
	// A custom resource with a built-in kind's plural is asked for by group.
	fakePods := crd(t, "shadow.example.com", "pods", "Pod")
	customObject(t, fakePods, "wsa-web", "not-a-pod")

	list := func(tok, query string, want string, count int) {
		t.Helper()
		eventually(t, query, func() error {
			r := api.Do(t, http.MethodGet, engine+query, tok, nil)
			if r.Code != http.StatusOK {
				return errf("%d %s", r.Code, r.Body)
			}
			if got := fmt.Sprint(names(r)); got != want || total(r) != count {
				return errf("got %s (total %d), want %s (total %d)", got, total(r), want, count)
			}
			return nil
		})
	}
	list(adm, "/gizmos?sortBy=name&ascending=true", "[gizmo-a gizmo-b gizmo-c]", 3)
	list(adm, "/namespaces/wsa-web/gizmos?name=B&labelSelector=tier%3Dgold", "[gizmo-b]", 1)
	list(adm, "/gizmos?group=example.com&sortBy=name&ascending=true&limit=1&page=3", "[gizmo-c]", 3)
	list(adm, "/namespaces/wsa-web/pods?group=shadow.example.com", "[not-a-pod]", 1)
	list(adm, "/namespaces/wsa-web/pods?names=not-a-pod", "[]", 0)
	// Trimmed like every kind, by the custom resource's own group: the
	// workspace admin may read everything in the workspace's projects, a
	// workspace viewer only the kinds its templates name.
	list(api.Token(t, "ws-admin"), "/gizmos?sortBy=name&ascending=true", "[gizmo-a gizmo-b]", 2)
	// Who may list them nowhere is refused, and nothing is loaded for them.
	platform.ExpectStatus(t, api.Do(t, http.MethodGet, engine+"/gizmos", api.Token(t, "ws-viewer"), nil), http.StatusForbidden)
	platform.ExpectStatus(t, api.Do(t, http.MethodGet, engine+"/gizmos", api.Token(t, "outsider"), nil), http.StatusForbidden)

	r := api.Do(t, http.MethodGet, engine+"/namespaces/wsa-web/gizmos/gizmo-a", adm, nil)
	if r.Code != http.StatusOK || r.JSON["kind"] != "Gizmo" {
		t.Fatalf("get: %s", r.Body)
	}
	platform.ExpectStatus(t, api.Do(t, http.MethodGet, engine+"/gizmos?sortBy=restarts", adm, nil), http.StatusBadRequest)
}
