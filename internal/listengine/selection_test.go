package listengine

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	toolscache "k8s.io/client-go/tools/cache"
)

func TestAServicesPodsAreCountedAsPodsAndServicesChange(t *testing.T) {
	e := New(nil, []*Kind{builtin(t, "pods"), builtin(t, "services"), builtin(t, "configmaps")})
	if len(e.selections) != 1 {
		t.Fatalf("%d selections, want the services' pods", len(e.selections))
	}
	pods, services := e.store("pods"), e.store("services")
	sub, err := e.Subscribe("services", query(t, ""))
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	pod := func(ns, name, app string) *corev1.Pod {
		return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: map[string]string{"app": app}}}
	}
	svc := func(name string, selector map[string]string) *corev1.Service {
		return &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: "dev", Name: name}, Spec: corev1.ServiceSpec{Selector: selector}}
	}
	count := func(name string) int64 {
		t.Helper()
		_, d, ok := e.Get("services", "dev", name)
		if !ok {
			t.Fatalf("no service %s", name)
		}
		return d.Columns["pods"].(int64)
	}

	e.put(pods, pod("dev", "web-1", "web"))
	e.put(pods, pod("other", "web-x", "web"))
	e.put(services, svc("web", map[string]string{"app": "web"}))
	e.put(services, svc("headless", nil))
	if count("web") != 1 || count("headless") != 0 {
		t.Fatalf("counts %d and %d, want 1 (the other namespace's pod is not the service's) and 0 (no selector selects nothing)", count("web"), count("headless"))
	}
	for len(sub.C) > 0 {
		<-sub.C
	}

	e.put(pods, pod("dev", "web-2", "web"))
	if count("web") != 2 {
		t.Fatalf("count %d after a pod came, want 2", count("web"))
	}
	if c := <-sub.C; c.Type != "MODIFIED" || c.Name != "web" {
		t.Fatalf("subscribers were told %+v, want the service MODIFIED", c)
	}
	e.put(pods, pod("dev", "web-2", "db"))
	if count("web") != 1 {
		t.Fatalf("count %d after a pod's labels changed, want 1", count("web"))
	}
	e.drop(pods, toolscache.DeletedFinalStateUnknown{Obj: pod("dev", "web-1", "web")})
	if count("web") != 0 {
		t.Fatalf("count %d after the pod went, want 0", count("web"))
	}
	e.drop(services, svc("web", nil))
	e.put(pods, pod("dev", "web-3", "web"))
	if _, _, ok := e.Get("services", "dev", "web"); ok {
		t.Fatal("a deleted service came back when a pod changed")
	}
}
