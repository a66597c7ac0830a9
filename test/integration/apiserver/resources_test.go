package apiserver

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/superkube/super-kubenetes/internal/testutil/platform"
)

const engine = "/kapis/resources.superkube.io/v1alpha3"

// pods creates pods in a namespace with a phase and restart count.
func pods(t *testing.T, ns string, specs ...podSpec) {
	t.Helper()
	ctx := context.Background()
	for _, p := range specs {
		pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: p.name, Labels: map[string]string{"app": p.app}},
			Spec: corev1.PodSpec{NodeName: p.node, Containers: []corev1.Container{{Name: "c", Image: "nginx"}}}}
		if err := st.k8s.Create(ctx, pod); err != nil {
			t.Fatalf("creating pod %s: %v", p.name, err)
		}
		pod.Status = corev1.PodStatus{Phase: p.phase, ContainerStatuses: []corev1.ContainerStatus{{Name: "c", Image: "nginx", RestartCount: p.restarts, Ready: p.phase == corev1.PodRunning}}}
		if err := st.k8s.Status().Update(ctx, pod); err != nil {
			t.Fatalf("pod %s status: %v", p.name, err)
		}
	}
}

type podSpec struct {
	name, app, node string
	phase           corev1.PodPhase
	restarts        int32
}

func names(r *platform.Response) []string {
	var out []string
	items, _ := r.JSON["items"].([]any)
	for _, it := range items {
		out = append(out, it.(map[string]any)["metadata"].(map[string]any)["name"].(string))
	}
	return out
}

func total(r *platform.Response) int {
	n, _ := r.JSON["totalItems"].(float64)
	return int(n)
}

func TestTheListEngineFiltersSortsPagesAndTrims(t *testing.T) {
	world(t)
	pods(t, "wsa-web",
		podSpec{"web-a", "web", "node-1", corev1.PodRunning, 0},
		podSpec{"web-b", "web", "node-2", corev1.PodRunning, 7},
		podSpec{"web-c", "web", "node-1", corev1.PodPending, 2},
		podSpec{"db-a", "db", "node-2", corev1.PodRunning, 3},
	)
	pods(t, "elsewhere", podSpec{"web-x", "web", "node-1", corev1.PodRunning, 1})
	adm := api.Admin(t)
	get := func(tok, query string) *platform.Response {
		t.Helper()
		var r *platform.Response
		eventually(t, "the list answers "+query, func() error {
			r = api.Do(t, http.MethodGet, engine+query, tok, nil)
			if r.Code != http.StatusOK {
				return errf("%d %s", r.Code, r.Body)
			}
			return nil
		})
		return r
	}
	eventually(t, "the engine has the pods", func() error {
		if n := total(get(adm, "/pods?name=web-")); n != 4 {
			return errf("%d pods", n)
		}
		return nil
	})

	tests := []struct {
		name  string
		query string
		want  []string
		total int
	}{
		{"sorted by name, ascending, first page", "/namespaces/wsa-web/pods?sortBy=name&ascending=true&limit=2", []string{"db-a", "web-a"}, 4},
		{"the second page", "/namespaces/wsa-web/pods?sortBy=name&ascending=true&limit=2&page=2", []string{"web-b", "web-c"}, 4},
		{"sorted by restarts, descending", "/namespaces/wsa-web/pods?sortBy=restarts&limit=2", []string{"web-b", "db-a"}, 4},
		{"a name filter, case-insensitive", "/namespaces/wsa-web/pods?name=WEB&sortBy=name&ascending=true", []string{"web-a", "web-b", "web-c"}, 3},
		{"a status filter", "/namespaces/wsa-web/pods?status=pending", []string{"web-c"}, 1},
		{"a label selector", "/namespaces/wsa-web/pods?labelSelector=app%3Ddb", []string{"db-a"}, 1},
		{"a node filter", "/namespaces/wsa-web/pods?nodeName=node-2&sortBy=name&ascending=true", []string{"db-a", "web-b"}, 2},
		{"a field selector", "/namespaces/wsa-web/pods?fieldSelector=spec.nodeName%3Dnode-1&sortBy=name&ascending=true", []string{"web-a", "web-c"}, 2},
		{"names", "/pods?names=web-a,web-x&sortBy=name&ascending=true", []string{"web-a", "web-x"}, 2},
		{"cluster-wide for the admin", "/pods?name=web-&sortBy=name&ascending=true&limit=10", []string{"web-a", "web-b", "web-c", "web-x"}, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := get(adm, tt.query)
			if got := names(r); fmt.Sprint(got) != fmt.Sprint(tt.want) || total(r) != tt.total {
				t.Fatalf("got %v (total %d), want %v (total %d)", got, total(r), tt.want, tt.total)
			}
		})
	}

	t.Run("a workspace viewer sees only the workspace's pods, counted the same way", func(t *testing.T) {
		tok := api.Token(t, "ws-viewer")
		r := get(tok, "/pods?name=web-&sortBy=name&ascending=true")
		if fmt.Sprint(names(r)) != "[web-a web-b web-c]" || total(r) != 3 {
			t.Fatalf("got %v total %d", names(r), total(r))
		}
		platform.ExpectStatus(t, api.Do(t, http.MethodGet, engine+"/namespaces/elsewhere/pods", tok, nil), http.StatusForbidden)
		if r := get(api.Token(t, "outsider"), "/pods"); total(r) != 0 {
			t.Fatalf("an outsider sees %d pods", total(r))
		}
		ns := get(tok, "/namespaces")
		if fmt.Sprint(names(ns)) != "[wsa-web]" {
			t.Fatalf("the viewer's projects: %v", names(ns))
		}
	})

	t.Run("bad parameters are 400 naming the parameter", func(t *testing.T) {
		for q, param := range map[string]string{"?sortBy=color": "sortBy", "?limit=0": "limit", "?limit=100000": "limit", "?page=-1": "page",
			"?labelSelector=a%3D%3D%3Db": "labelSelector", "?fieldSelector=spec.color%3Dred": "fieldSelector", "?colour=red": "colour"} {
			r := api.Do(t, http.MethodGet, engine+"/pods"+q, adm, nil)
			platform.ExpectStatus(t, r, http.StatusBadRequest)
			if !strings.Contains(string(r.Body), `"field":"`+param+`"`) {
				t.Fatalf("%s: the parameter is not named: %s", q, r.Body)
			}
		}
		platform.ExpectStatus(t, api.Do(t, http.MethodGet, engine+"/widgets", adm, nil), http.StatusNotFound)
	})

	t.Run("secrets are listed without their values", func(t *testing.T) {
		s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "wsa-web", Name: "creds"}, StringData: map[string]string{"password": "hunter2-secret-value"}}
		if err := st.k8s.Create(context.Background(), s); err != nil {
			t.Fatal(err)
		}
		var r *platform.Response
		eventually(t, "the secret is listed", func() error {
			r = get(adm, "/namespaces/wsa-web/secrets?names=creds")
			if total(r) != 1 {
				return errf("total %d", total(r))
			}
			return nil
		})
		if strings.Contains(string(r.Body), "aHVudGVyMi1zZWNyZXQtdmFsdWU") || strings.Contains(string(r.Body), "hunter2") {
			t.Fatalf("a secret value is in the list: %s", r.Body)
		}
	})

	t.Run("users are listed without their password hashes", func(t *testing.T) {
		r := get(adm, "/users?names=ws-viewer")
		if total(r) != 1 || strings.Contains(string(r.Body), "$2a$") || strings.Contains(string(r.Body), `"password"`) {
			t.Fatalf("%s", r.Body)
		}
	})

	t.Run("a change stream reports new pods the query matches", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodGet, st.url+engine+"/namespaces/wsa-web/pods?watch=true&labelSelector=app%3Dstream", nil)
		req.Header.Set("Authorization", "Bearer "+adm)
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		resp, err := st.http.Do(req.WithContext(ctx))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
			t.Fatalf("content type %q", ct)
		}
		pods(t, "wsa-web", podSpec{"streamed", "stream", "", corev1.PodPending, 0}, podSpec{"ignored", "other", "", corev1.PodPending, 0})
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			line := sc.Text()
			if strings.Contains(line, `"name":"ignored"`) {
				t.Fatal("a pod the query does not match was streamed")
			}
			if strings.HasPrefix(line, "data:") && strings.Contains(line, `"name":"streamed"`) {
				return
			}
		}
		t.Fatalf("no event for the new pod: %v", sc.Err())
	})
}
