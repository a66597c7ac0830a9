package monitoring

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	"github.com/superkube/super-kubenetes/internal/testutil/platform"
	"github.com/superkube/super-kubenetes/internal/testutil/prometheus"
)

// The world: workspace wsa (projects wsa-dev and wsa-prod, managed by
// wsadmin), workspace wsb (wsb-app) and a namespace "other" of nobody's
// workspace, whose pod uses the most CPU of all.
var synthetic = func() prometheus.Cluster {
	c := prometheus.Cluster{Nodes: []string{"n1", "n2"},
		Namespaces: map[string]string{"wsa-dev": "wsa", "wsa-prod": "wsa", "wsb-app": "wsb", "other": ""}}
	for i := range 10 {
		c.Pods = append(c.Pods, prometheus.Pod{Namespace: "wsa-dev", Name: "web-" + strconv.Itoa(i), Node: []string{"n1", "n2"}[i%2], Deployment: "web",
			CPU: 0.1 * float64(i+1), Memory: float64(100+i) * (1 << 20), NetRx: 1000, NetTx: 500, Restarts: float64(i % 3)})
	}
	for i := range 3 {
		c.Pods = append(c.Pods, prometheus.Pod{Namespace: "wsa-prod", Name: "api-" + strconv.Itoa(i), Node: "n1", StatefulSet: "api", CPU: 0.05, Memory: 50 << 20})
	}
	for i := range 2 {
		c.Pods = append(c.Pods, prometheus.Pod{Namespace: "wsb-app", Name: "app-" + strconv.Itoa(i), Node: "n2", Deployment: "app", CPU: 2, Memory: 1 << 30})
	}
	c.Pods = append(c.Pods, prometheus.Pod{Namespace: "other", Name: "secret-0", Node: "n1", Deployment: "secret", CPU: 5, Memory: 4 << 30})
	c.PVCs = []prometheus.PVC{
		{Namespace: "wsa-dev", Name: "data-0", Requested: 4 << 30, Used: 1 << 30},
		{Namespace: "wsa-dev", Name: "data-1", Requested: 4 << 30, Used: 3 << 30},
		{Namespace: "other", Name: "secret-data", Requested: 8 << 30, Used: 7 << 30},
	}
	return c
}()

// secrets mark each namespace's series with a value: 4242 is "other"'s,
// which no tenant query may ever read.
func secrets() []prometheus.Series {
	out := []prometheus.Series{}
	for ns, v := range map[string]float64{"wsa-dev": 1, "wsa-prod": 2, "wsb-app": 3, "other": 4242} {
		out = append(out, prometheus.Series{Name: "tenant_secret", Labels: map[string]string{"namespace": ns, "pod": "x"}, Value: v})
	}
	return out
}

// The five kinds of user.
const (
	clusterViewer  = "cviewer"
	workspaceAdmin = "wsadmin"
	projectViewer  = "pviewer"
	nobody         = "nobody"
)

func createWorld(ctx context.Context) error {
	objs := []client.Object{
		&tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: "wsa"}, Spec: tenantv1beta1.WorkspaceSpec{Manager: workspaceAdmin}},
		&tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: "wsb"}},
	}
	for ns, ws := range synthetic.Namespaces {
		n := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}
		if ws != "" {
			n.Labels = map[string]string{tenantv1beta1.WorkspaceLabel: ws}
		}
		objs = append(objs, n)
	}
	objs = append(objs,
		&rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: clusterViewer + "-cluster-viewer", Labels: map[string]string{iamv1beta1.UserRefLabel: clusterViewer}},
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "cluster-viewer"},
			Subjects: []rbacv1.Subject{{Kind: "User", APIGroup: rbacv1.GroupName, Name: clusterViewer}}},
		&rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: "wsa-dev", Name: projectViewer + "-viewer", Labels: map[string]string{iamv1beta1.UserRefLabel: projectViewer}},
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "viewer"},
			Subjects: []rbacv1.Subject{{Kind: "User", APIGroup: rbacv1.GroupName, Name: projectViewer}}},
	)
	for _, o := range objs {
		if err := k8s.Create(ctx, o); err != nil {
			return fmt.Errorf("creating %s: %w", o.GetName(), err)
		}
	}
	return nil
}

var (
	usersOnce sync.Once
	tokens    map[string]string
)

// users creates the users once and returns a token of each, the platform
// administrator's as "admin"; it waits until each one's bindings work.
func users(t *testing.T) map[string]string {
	t.Helper()
	usersOnce.Do(func() {
		for _, u := range []string{clusterViewer, workspaceAdmin, projectViewer, nobody} {
			platform.NewUser(t, k8s, u, password)
		}
		tokens = map[string]string{"admin": api.Admin(t)}
		for _, u := range []string{clusterViewer, workspaceAdmin, projectViewer, nobody} {
			tokens[u] = api.Token(t, u)
		}
		admin = tokens["admin"]
		for u, path := range map[string]string{clusterViewer: "/cluster", workspaceAdmin: "/workspaces/wsa", projectViewer: "/namespaces/wsa-dev"} {
			platform.Eventually(t, u+" may read "+path, time.Minute, func() error {
				if r := get(t, tokens[u], path, nil); r.Code != http.StatusOK {
					return fmt.Errorf("%d %s", r.Code, r.Body)
				}
				return nil
			})
		}
	})
	if tokens == nil {
		t.Fatal("no users")
	}
	return tokens
}

const prefix = "/kapis/monitoring.superkube.io/v1alpha3"

func get(t *testing.T, tok, path string, q url.Values) *platform.Response {
	t.Helper()
	u := prefix + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	return api.Do(t, http.MethodGet, u, tok, nil)
}

// answer is the decoded answer of a level.
type answer struct {
	Results []struct {
		MetricName string `json:"metricName"`
		Unit       string `json:"unit"`
		ResultType string `json:"resultType"`
		Error      string `json:"error"`
		Series     []struct {
			Labels map[string]string `json:"labels"`
			Value  []any             `json:"value"`
			Values [][]any           `json:"values"`
		} `json:"series"`
	} `json:"results"`
	TotalItems *int `json:"totalItems"`
	Page       *int `json:"page"`
}

func decode(t *testing.T, r *platform.Response) *answer {
	t.Helper()
	if r.Code != http.StatusOK {
		t.Fatalf("%d %s", r.Code, r.Body)
	}
	a := &answer{}
	if err := json.Unmarshal(r.Body, a); err != nil {
		t.Fatal(err)
	}
	if r.Str("apiVersion") != "monitoring.superkube.io/v1alpha3" || r.Str("kind") != "Metrics" {
		t.Fatalf("not a Metrics answer: %s", r.Body)
	}
	return a
}

// values maps a metric's series to their latest values by the label.
func (a *answer) values(metric, label string) map[string]float64 {
	out := map[string]float64{}
	for _, r := range a.Results {
		if r.MetricName != metric {
			continue
		}
		for _, s := range r.Series {
			p := s.Value
			if p == nil && len(s.Values) > 0 {
				p = s.Values[len(s.Values)-1]
			}
			v, _ := strconv.ParseFloat(p[1].(string), 64)
			out[s.Labels[label]] = v
		}
	}
	return out
}

// namespaces are every namespace label in the answer, sorted.
func (a *answer) namespaces() []string {
	set := map[string]bool{}
	for _, r := range a.Results {
		for _, s := range r.Series {
			if ns, ok := s.Labels["namespace"]; ok {
				set[ns] = true
			}
		}
	}
	out := make([]string, 0, len(set))
	for ns := range set {
		out = append(out, ns)
	}
	sort.Strings(out)
	return out
}

func errorf(format string, args ...any) error { return fmt.Errorf(format, args...) }
