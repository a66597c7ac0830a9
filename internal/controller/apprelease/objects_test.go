package apprelease

import (
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	appv2 "github.com/superkube/super-kubenetes/api/application/v2"
)

func TestReadiness(t *testing.T) {
	obj := func(kind string, gen int64, spec, status map[string]any) *unstructured.Unstructured {
		u := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "apps/v1", "kind": kind,
			"metadata": map[string]any{"name": "x", "generation": gen}}}
		if kind == "ConfigMap" {
			u.SetAPIVersion("v1")
		}
		if spec != nil {
			u.Object["spec"] = spec
		}
		if status != nil {
			u.Object["status"] = status
		}
		return u
	}
	for _, tc := range []struct {
		name string
		obj  *unstructured.Unstructured
		want bool
		msg  string
	}{
		{"deployment ready", obj("Deployment", 2, map[string]any{"replicas": int64(3)}, map[string]any{"observedGeneration": int64(2), "readyReplicas": int64(3), "updatedReplicas": int64(3)}), true, "3/3 replicas ready"},
		{"deployment short", obj("Deployment", 2, map[string]any{"replicas": int64(3)}, map[string]any{"observedGeneration": int64(2), "readyReplicas": int64(1), "updatedReplicas": int64(3)}), false, "1/3 replicas ready"},
		{"deployment not observed", obj("Deployment", 3, map[string]any{"replicas": int64(1)}, map[string]any{"observedGeneration": int64(2), "readyReplicas": int64(1), "updatedReplicas": int64(1)}), false, "its controller has not seen the latest spec"},
		{"deployment default one replica", obj("Deployment", 1, map[string]any{}, map[string]any{"observedGeneration": int64(1)}), false, "0/1 replicas ready"},
		{"deployment scaled to zero", obj("Deployment", 1, map[string]any{"replicas": int64(0)}, map[string]any{"observedGeneration": int64(1)}), true, "0/0 replicas ready"},
		{"statefulset", obj("StatefulSet", 1, map[string]any{"replicas": int64(2)}, map[string]any{"observedGeneration": int64(1), "readyReplicas": int64(2)}), true, "2/2 replicas ready"},
		{"daemonset short", obj("DaemonSet", 1, nil, map[string]any{"observedGeneration": int64(1), "desiredNumberScheduled": int64(4), "numberReady": int64(3)}), false, "3/4 pods ready"},
		{"configmap exists", obj("ConfigMap", 0, nil, nil), true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, msg := ready(tc.obj)
			if got != tc.want || msg != tc.msg {
				t.Errorf("ready = %v %q, want %v %q", got, msg, tc.want, tc.msg)
			}
		})
	}
}

func TestManifestObjects(t *testing.T) {
	manifest := `---
# Source: demo/templates/service.yaml
apiVersion: v1
kind: Service
metadata:
  name: web
---
# Source: demo/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: other
---
# Source: demo/templates/empty.yaml
# nothing but a comment
`
	got := manifestObjects(manifest)
	want := []appv2.ReleaseResource{{APIVersion: "v1", Kind: "Service", Name: "web"}, {APIVersion: "apps/v1", Kind: "Deployment", Name: "web", Namespace: "other"}}
	if len(got) != len(want) {
		t.Fatalf("objects %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("object %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestSetReadiness(t *testing.T) {
	st := &appv2.ApplicationReleaseStatus{Revision: 2, Resources: []appv2.ReleaseResource{
		{Kind: "Service", Name: "web", Ready: true}, {Kind: "Deployment", Name: "web", Message: "0/1 replicas ready"}}}
	setReadiness(st, 3)
	c := st.Conditions[0]
	if c.Status != "False" || c.Reason != appv2.ReasonNotReady || c.Message != "1 of 2 objects are not ready: Deployment web (0/1 replicas ready)" || c.ObservedGeneration != 3 {
		t.Errorf("condition %+v", c)
	}
	st.Resources[1].Ready = true
	setReadiness(st, 3)
	if c := st.Conditions[0]; c.Status != "True" || c.Reason != appv2.ReasonDeployed {
		t.Errorf("condition %+v", c)
	}
}
