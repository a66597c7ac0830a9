package logging

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
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
	"github.com/superkube/super-kubenetes/internal/testutil/victorialogs"
)

// The world: workspace wsa (projects wsa-dev and wsa-prod, managed by
// wsadmin), workspace wsb (wsb-app and reborn), a namespace "other" of nobody's
// workspace, and "reborn", a namespace whose name an earlier, deleted
// namespace had: the store holds that one's lines too, from before
// "reborn" was created, and those of a deleted namespace "gone".
var namespaces = map[string]string{"wsa-dev": "wsa", "wsa-prod": "wsa", "wsb-app": "wsb", "other": "", "reborn": "wsb"}

// pods are each namespace's pods; each has a container "main", and
// web-7d9f-a a "sidecar" too.
var pods = map[string][]string{
	"wsa-dev":  {"web-7d9f-a", "web-7d9f-b", "web-7d9f-c", "worker-0"},
	"wsa-prod": {"api-0", "api-1"},
	"wsb-app":  {"app-5c4b-x"},
	"other":    {"secret-0"},
	"reborn":   {"new-0"},
}

// linesPerContainer each container wrote; every fifth is an ERROR.
const linesPerContainer = 20

// The five kinds of user.
const (
	clusterViewer  = "cviewer"
	workspaceAdmin = "wsadmin"
	projectViewer  = "pviewer" // a viewer of wsa-dev and of reborn
	nobody         = "nobody"
)

// containers of a pod.
func containers(pod string) []string {
	if pod == "web-7d9f-a" {
		return []string{"main", "sidecar"}
	}
	return []string{"main"}
}

// message is line i of a container: it names its namespace, so that a
// line shown to the wrong tenant is plain to see.
func message(ns, pod, ctr string, i int) string {
	level := "INFO"
	if i%5 == 0 {
		level = "ERROR"
	}
	return fmt.Sprintf("%s %s/%s line %d of namespace %s: handled request", level, pod, ctr, i, ns)
}

// expected counts the lines of namespaces.
func expected(nss ...string) int {
	n := 0
	for _, ns := range nss {
		for _, p := range pods[ns] {
			n += len(containers(p)) * linesPerContainer
		}
	}
	return n
}

// oldLines are the lines of the deleted namespace that was called reborn;
// goneLines those of a deleted namespace "gone" that no namespace has
// replaced.
const (
	oldLines  = 25
	goneLines = 15
)

func createWorld(ctx context.Context) error {
	objs := []client.Object{
		&tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: "wsa"}, Spec: tenantv1beta1.WorkspaceSpec{Manager: workspaceAdmin}},
		&tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: "wsb"}},
	}
	for ns, ws := range namespaces {
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
	)
	for _, ns := range []string{"wsa-dev", "reborn"} {
		objs = append(objs, &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: projectViewer + "-viewer", Labels: map[string]string{iamv1beta1.UserRefLabel: projectViewer}},
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "viewer"},
			Subjects: []rbacv1.Subject{{Kind: "User", APIGroup: rbacv1.GroupName, Name: projectViewer}}})
	}
	for _, o := range objs {
		if err := k8s.Create(ctx, o); err != nil {
			return fmt.Errorf("creating %s: %w", o.GetName(), err)
		}
	}
	// The lines come after their namespace was created (to the second,
	// as the API server keeps it), the deleted namespace's before.
	var born time.Time
	for ns := range namespaces {
		n := &corev1.Namespace{}
		if err := k8s.Get(ctx, client.ObjectKey{Name: ns}, n); err != nil {
			return err
		}
		if n.CreationTimestamp.After(born) {
			born = n.CreationTimestamp.Time
		}
	}
	created = born
	var lines []victorialogs.Line
	at := born.Add(time.Second)
	for ns, list := range pods {
		for _, p := range list {
			for _, c := range containers(p) {
				for i := 1; i <= linesPerContainer; i++ {
					lines = append(lines, victorialogs.Line{Time: at.Add(time.Duration(i) * 10 * time.Millisecond), Namespace: ns, Pod: p, Container: c,
						Node: "n1", Message: message(ns, p, c, i)})
				}
			}
		}
	}
	for i := 1; i <= oldLines; i++ {
		lines = append(lines, victorialogs.Line{Time: born.Add(-time.Hour + time.Duration(i)*time.Second), Namespace: "reborn", Pod: "old-0", Container: "main",
			Node: "n2", Message: fmt.Sprintf("INFO old-0/main line %d of the deleted namespace reborn: old-life", i)})
	}
	for i := 1; i <= goneLines; i++ {
		lines = append(lines, victorialogs.Line{Time: born.Add(-time.Hour + time.Duration(i)*time.Second), Namespace: "gone", Pod: "gone-0", Container: "main",
			Node: "n2", Message: fmt.Sprintf("INFO gone-0/main line %d of namespace gone, deleted since", i)})
	}
	if err := store.Write(ctx, lines); err != nil {
		return err
	}
	if err := store.WaitCount(ctx, "*", len(lines)); err != nil {
		return err
	}
	// Every line is in the past when the tests ask.
	worldEnd = at.Add(time.Second)
	time.Sleep(time.Until(worldEnd))
	return nil
}

// worldEnd is after the world's lines.
var worldEnd time.Time

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
		for u, want := range map[string]int{clusterViewer: expected(all...) + goneLines, workspaceAdmin: expected("wsa-dev", "wsa-prod"),
			projectViewer: expected("wsa-dev", "reborn")} {
			platform.Eventually(t, u+"'s bindings apply", time.Minute, func() error {
				if p := search(t, tokens[u], "", url.Values{"size": {"1"}}); p.Total != want {
					return fmt.Errorf("total %d, want %d", p.Total, want)
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

// all are the world's namespaces.
var all = func() []string {
	var out []string
	for ns := range namespaces {
		out = append(out, ns)
	}
	sort.Strings(out)
	return out
}()

const prefix = "/kapis/logging.superkube.io/v1alpha2"

func get(t *testing.T, tok, path string, q url.Values) *platform.Response {
	t.Helper()
	// A search of logs without a time range ends with the world's lines, so
	// that the lines other tests write later (the tail's) are not counted.
	if strings.HasSuffix(path, "/logs") && q.Get("end_time") == "" && q.Get("start_time") == "" && q.Get("operation") != "tail" {
		q = maps.Clone(q)
		if q == nil {
			q = url.Values{}
		}
		q.Set("end_time", worldEnd.UTC().Format(time.RFC3339Nano))
	}
	u := prefix + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	return api.Do(t, http.MethodGet, u, tok, nil)
}

type record struct {
	Time      time.Time `json:"time"`
	Log       string    `json:"log"`
	Namespace string    `json:"namespace"`
	Pod       string    `json:"pod"`
	Container string    `json:"container"`
	Node      string    `json:"node"`
}

type page struct {
	Total   int      `json:"total"`
	Records []record `json:"records"`
}

// search asks for a page of records under path (/logs when "") and fails
// the test unless it is 200.
func search(t *testing.T, tok, path string, q url.Values) page {
	t.Helper()
	if path == "" {
		path = "/logs"
	}
	r := get(t, tok, path, q)
	if r.Code != http.StatusOK {
		t.Fatalf("GET %s?%s: %d %s", path, q.Encode(), r.Code, r.Body)
	}
	var body struct {
		Query page `json:"query"`
	}
	if err := json.Unmarshal(r.Body, &body); err != nil {
		t.Fatalf("GET %s: %v: %s", path, err, r.Body)
	}
	return body.Query
}

// namespacesOf are the namespaces of records, sorted.
func namespacesOf(recs []record) []string {
	seen := map[string]bool{}
	for _, r := range recs {
		seen[r.Namespace] = true
	}
	out := []string{}
	for ns := range seen {
		out = append(out, ns)
	}
	sort.Strings(out)
	return out
}

func itoa(n int) string { return strconv.Itoa(n) }
