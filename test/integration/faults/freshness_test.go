package faults

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"

	"github.com/superkube/super-kubenetes/internal/handlers/resources"
	"github.com/superkube/super-kubenetes/internal/testutil/platform"
)

const podsOfDefault = "/kapis/resources.superkube.io/v1alpha3/namespaces/default/pods"

// stale reports whether a list answer carries the stale marker: the
// header and the freshness field.
func stale(r *response) (bool, error) {
	f, _ := r.json["freshness"].(map[string]any)
	body := f != nil && f["stale"] == true
	header := r.header.Get(resources.StaleHeader) != ""
	if body != header {
		return false, fmt.Errorf("the header says stale=%v and the body %v: %s", header, body, r.body)
	}
	if body && (f["reason"] == "" || f["since"] == nil || !strings.Contains(r.header.Get("Warning"), "stale")) {
		return false, fmt.Errorf("a stale answer without reason, since or warning: %v %s", r.header, r.body)
	}
	return body, nil
}

// While kube-apiserver is stopped (SIGSTOP), ke-apiserver's /readyz fails
// and says why, and the list engine still answers from its caches but
// marks the answers stale; both recover when kube-apiserver continues.
func TestWhileKubeAPIServerIsStoppedListsAreMarkedStaleAndReadinessFails(t *testing.T) {
	users(t)
	tok := token(t, root)
	r := do(t, http.MethodGet, podsOfDefault, tok, nil)
	if s, err := stale(r); r.code != http.StatusOK || s || err != nil {
		t.Fatalf("before: %d stale=%v %v %s", r.code, s, err, r.body)
	}
	if r := do(t, http.MethodGet, "/readyz", "", nil); r.code != http.StatusOK {
		t.Fatalf("before: /readyz %d %s", r.code, r.body)
	}

	if err := st.env.PauseAPIServer(); err != nil {
		t.Fatal(err)
	}
	paused := time.Now()
	t.Cleanup(func() {
		_ = st.env.ResumeAPIServer()
		kubeReady(t)
	})
	platform.Eventually(t, "ke-apiserver is not ready", 15*time.Second, func() error {
		r := do(t, http.MethodGet, "/readyz", "", nil)
		if r.code != http.StatusServiceUnavailable || !strings.Contains(string(r.body), "kube-apiserver") {
			return fmt.Errorf("%d %s", r.code, r.body)
		}
		return nil
	})
	t.Logf("/readyz failed %s after kube-apiserver stopped", time.Since(paused).Round(time.Millisecond))
	r = do(t, http.MethodGet, podsOfDefault, tok, nil)
	if s, err := stale(r); r.code != http.StatusOK || !s || err != nil {
		t.Fatalf("while stopped: %d stale=%v %v %s", r.code, s, err, r.body)
	}
	t.Logf("The list while stopped: %s, %s", r.header.Get("Warning"), r.json["freshness"])

	if err := st.env.ResumeAPIServer(); err != nil {
		t.Fatal(err)
	}
	resumed := time.Now()
	platform.Eventually(t, "ke-apiserver is ready and its lists fresh", 15*time.Second, func() error {
		if r := do(t, http.MethodGet, "/readyz", "", nil); r.code != http.StatusOK {
			return fmt.Errorf("/readyz %d %s", r.code, r.body)
		}
		r := do(t, http.MethodGet, podsOfDefault, tok, nil)
		if s, err := stale(r); s || err != nil {
			return fmt.Errorf("still stale: %v %s", err, r.body)
		}
		return nil
	})
	t.Logf("Ready and fresh %s after kube-apiserver continued", time.Since(resumed).Round(time.Millisecond))
}

// After kube-apiserver is killed and started again, the list engine shows
// a change made right after the restart within seconds: its informers do
// not sit out client-go's backoff, which grows to 30 s (and as much jitter)
// during an outage.
func TestAfterKubeAPIServerRestartsTheListEngineCatchesUpWithinSeconds(t *testing.T) {
	const outage = 30 * time.Second
	const within = 5 * time.Second
	users(t)
	tok := token(t, root)

	if err := st.env.KillAPIServer(); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	restarted := false
	t.Cleanup(func() {
		if !restarted {
			if err := st.env.StartAPIServer(); err != nil {
				t.Error(err)
			}
		}
		kubeReady(t)
	})
	for {
		r := do(t, http.MethodGet, podsOfDefault, tok, nil)
		s, err := stale(r)
		if r.code == http.StatusOK && s && err == nil {
			break
		}
		if time.Since(killed) > outage/2 {
			t.Errorf("the list is not marked stale while kube-apiserver is away: %d %v %s", r.code, err, r.body)
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(outage - time.Since(killed))
	if err := st.env.StartAPIServer(); err != nil {
		t.Fatal(err)
	}
	restarted = true
	kubeReady(t)
	ready := time.Now()

	// One object of several kinds: every informer backs off on its own,
	// so that one kind may lag while another has caught up.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	const name = "after-restart"
	meta := metav1.ObjectMeta{Namespace: "default", Name: name}
	objects := map[string]client.Object{
		"namespaces/default/pods":            &corev1.Pod{ObjectMeta: meta, Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "nginx"}}}},
		"namespaces/default/configmaps":      &corev1.ConfigMap{ObjectMeta: meta},
		"namespaces/default/secrets":         &corev1.Secret{ObjectMeta: meta},
		"namespaces/default/serviceaccounts": &corev1.ServiceAccount{ObjectMeta: meta},
		"namespaces/default/roles":           &rbacv1.Role{ObjectMeta: meta},
		"namespaces/default/networkpolicies": &networkingv1.NetworkPolicy{ObjectMeta: meta},
		"namespaces":                         &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}},
		"groups":                             &iamv1beta1.Group{ObjectMeta: metav1.ObjectMeta{Name: name}},
	}
	for _, o := range objects {
		if err := st.k8s.Create(ctx, o); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = st.k8s.Delete(context.Background(), o) })
	}
	created := time.Now()
	seen := map[string]time.Duration{}
	platform.Eventually(t, "the list engine shows the new objects", time.Minute, func() error {
		for path := range objects {
			if _, ok := seen[path]; ok {
				continue
			}
			r := do(t, http.MethodGet, "/kapis/resources.superkube.io/v1alpha3/"+path+"?names="+name, tok, nil)
			if n, _ := r.json["totalItems"].(float64); r.code == http.StatusOK && n == 1 {
				seen[path] = time.Since(created)
			}
		}
		if len(seen) < len(objects) {
			return fmt.Errorf("seen %v", seen)
		}
		return nil
	})
	slowest, kind := time.Duration(0), ""
	for path, d := range seen {
		if d > slowest {
			slowest, kind = d, path
		}
	}
	t.Logf("kube-apiserver was away %s; the list engine showed objects of %d kinds created after the restart within %s of their creation (slowest: %s), %s after kube-apiserver was ready",
		ready.Sub(killed).Round(time.Millisecond), len(objects), slowest.Round(time.Millisecond), kind, time.Since(ready).Round(time.Millisecond))
	if slowest > within {
		t.Errorf("the list engine caught up after %s (%s), want within %s", slowest.Round(time.Millisecond), kind, within)
	}
	platform.Eventually(t, "the list is fresh and ke-apiserver ready", 10*time.Second, func() error {
		r := do(t, http.MethodGet, podsOfDefault, tok, nil)
		if s, err := stale(r); s || err != nil {
			return fmt.Errorf("stale: %v %s", err, r.body)
		}
		if r := do(t, http.MethodGet, "/readyz", "", nil); r.code != http.StatusOK {
			return fmt.Errorf("/readyz %d %s", r.code, r.body)
		}
		return nil
	})
}
