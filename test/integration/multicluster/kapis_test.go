package multicluster

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	"github.com/superkube/super-kubenetes/internal/scheme"
	"github.com/superkube/super-kubenetes/internal/testutil/platform"
)

const (
	tenantPrefix    = "/kapis/tenant.superkube.io/v1beta1"
	resourcesPrefix = "/kapis/resources.superkube.io/v1alpha3"
)

type nameList struct {
	Items []struct {
		Metadata metav1.ObjectMeta `json:"metadata"`
	} `json:"items"`
}

func names(t *testing.T, r *platform.Response) []string {
	t.Helper()
	out := []string{}
	for _, it := range decode[nameList](t, r).Items {
		out = append(out, it.Metadata.Name)
	}
	slices.Sort(out)
	return out
}

// TestMemberAPIs checks /clusters/{c}/kapis: the list engine and a
// workspace's projects answer for the member, and requests to the member
// are decided with the platform's bindings and the member's own, never the
// host's namespaces and bindings of the same names.
func TestMemberAPIs(t *testing.T) {
	ctx := context.Background()
	admin := api.Admin(t)
	memberClient, err := client.New(member.Config, client.Options{Scheme: scheme.New()})
	if err != nil {
		t.Fatal(err)
	}

	r := api.DoJSON(t, http.MethodPost, prefix+"/clusters", admin, map[string]any{"name": "kapis", "connection": "Direct", "kubeconfig": string(memberKubeconfig)})
	expect(t, r, http.StatusCreated)
	ready(t, "kapis", metav1.ConditionTrue, 30*time.Second)
	t.Cleanup(func() { api.Do(t, http.MethodDelete, prefix+"/clusters/kapis", admin, nil) })

	// A workspace placed on the host and the member, one on the host alone.
	for _, ws := range []map[string]any{
		{"metadata": map[string]any{"name": "spread"}, "spec": map[string]any{"clusters": []map[string]string{{"name": "host"}, {"name": "kapis"}}}},
		{"metadata": map[string]any{"name": "homebound"}},
	} {
		expect(t, api.DoJSON(t, http.MethodPost, tenantPrefix+"/workspaces", admin, ws), http.StatusCreated)
	}
	r = api.Do(t, http.MethodGet, tenantPrefix+"/workspaces/spread/clusters", admin, nil)
	expect(t, r, http.StatusOK)
	if got := names(t, r); !slices.Equal(got, []string{"host", "kapis"}) {
		t.Fatalf("workspace spread is placed on %v, want host and kapis", got)
	}

	// A viewer of each workspace, and a stranger who administers a host
	// namespace whose name the member also has.
	platform.NewUser(t, k8s, "spread-viewer", password)
	platform.NewUser(t, k8s, "homebound-viewer", password)
	platform.NewUser(t, k8s, "namesake", password)
	for _, b := range []*iamv1beta1.WorkspaceRoleBinding{
		{ObjectMeta: metav1.ObjectMeta{Name: "spread-viewer-viewer", Labels: map[string]string{tenantv1beta1.WorkspaceLabel: "spread"}},
			RoleRef:  iamv1beta1.RoleRef{APIGroup: iamv1beta1.GroupName, Kind: "WorkspaceRole", Name: "spread-viewer"},
			Subjects: []iamv1beta1.Subject{{Kind: rbacv1.UserKind, APIGroup: iamv1beta1.GroupName, Name: "spread-viewer"}}},
		{ObjectMeta: metav1.ObjectMeta{Name: "homebound-viewer-viewer", Labels: map[string]string{tenantv1beta1.WorkspaceLabel: "homebound"}},
			RoleRef:  iamv1beta1.RoleRef{APIGroup: iamv1beta1.GroupName, Kind: "WorkspaceRole", Name: "homebound-viewer"},
			Subjects: []iamv1beta1.Subject{{Kind: rbacv1.UserKind, APIGroup: iamv1beta1.GroupName, Name: "homebound-viewer"}}},
	} {
		if err := k8s.Create(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []client.Client{k8s, memberClient} {
		if err := c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "namesake"}}); err != nil {
			t.Fatal(err)
		}
		if err := c.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "namesake", Name: "cm"}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := k8s.Create(ctx, &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Namespace: "namesake", Name: "reader"},
		Rules: []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"configmaps"}, Verbs: []string{"get", "list", "watch"}}}}); err != nil {
		t.Fatal(err)
	}
	if err := k8s.Create(ctx, &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: "namesake", Name: "namesake-reader"},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "reader"},
		Subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: "namesake"}}}); err != nil {
		t.Fatal(err)
	}
	// A member namespace labelled with a workspace that is not placed there.
	if err := memberClient.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "stray", Labels: map[string]string{tenantv1beta1.WorkspaceLabel: "homebound"}}}); err != nil {
		t.Fatal(err)
	}

	// Projects on the member: created there, listed there, never on the host.
	r = api.DoJSON(t, http.MethodPost, "/clusters/kapis"+tenantPrefix+"/workspaces/spread/namespaces", admin,
		map[string]any{"metadata": map[string]any{"name": "spread-edge", "annotations": map[string]string{"superkube.io/display-name": "Edge"}}})
	expect(t, r, http.StatusCreated)
	created := &corev1.Namespace{}
	if err := memberClient.Get(ctx, client.ObjectKey{Name: "spread-edge"}, created); err != nil {
		t.Fatalf("the project is not on the member: %v", err)
	}
	if created.Labels[tenantv1beta1.WorkspaceLabel] != "spread" || created.Annotations[tenantv1beta1.CreatorAnnotation] != "admin" {
		t.Fatalf("the member's project has labels %v and annotations %v", created.Labels, created.Annotations)
	}
	if err := k8s.Get(ctx, client.ObjectKey{Name: "spread-edge"}, &corev1.Namespace{}); err == nil {
		t.Fatal("the member's project was made on the host too")
	}
	r = api.DoJSON(t, http.MethodPost, "/clusters/kapis"+tenantPrefix+"/workspaces/homebound/namespaces", admin,
		map[string]any{"metadata": map[string]any{"name": "homebound-edge"}})
	platform.ExpectStatus(t, r, http.StatusUnprocessableEntity)
	if _, msg, fields := status(t, r); len(fields) == 0 || fields[0] != "spec.clusters" || !strings.Contains(msg, "not placed on cluster") {
		t.Errorf("a project of a workspace not placed on the member: %s (fields %v)", msg, fields)
	}
	r = api.DoJSON(t, http.MethodPost, "/clusters/kapis"+tenantPrefix+"/workspaces/spread/namespaces", admin, map[string]any{"metadata": map[string]any{"name": "spread-edge"}})
	platform.ExpectStatus(t, r, http.StatusConflict)

	if err := memberClient.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "spread-edge", Name: "settings"}}); err != nil {
		t.Fatal(err)
	}
	viewer, homeViewer, namesake := api.Token(t, "spread-viewer"), api.Token(t, "homebound-viewer"), api.Token(t, "namesake")

	for _, tc := range []struct {
		who, token, path string
		code             int
		want             []string
	}{
		{"the admin lists the member's projects", admin, "/clusters/kapis" + tenantPrefix + "/workspaces/spread/namespaces", http.StatusOK, []string{"spread-edge"}},
		{"so does the workspace's viewer", viewer, "/clusters/kapis" + tenantPrefix + "/workspaces/spread/namespaces", http.StatusOK, []string{"spread-edge"}},
		{"the list engine lists the member's objects", viewer, "/clusters/kapis" + resourcesPrefix + "/namespaces/spread-edge/configmaps", http.StatusOK, nil},
		{"a stranger may not", namesake, "/clusters/kapis" + resourcesPrefix + "/namespaces/spread-edge/configmaps", http.StatusForbidden, nil},
		{"the host's binding in namesake reaches the host's namesake", namesake, resourcesPrefix + "/namespaces/namesake/configmaps", http.StatusOK, []string{"cm"}},
		{"but not the member's namesake", namesake, "/clusters/kapis" + resourcesPrefix + "/namespaces/namesake/configmaps", http.StatusForbidden, nil},
		{"nor through the proxy", namesake, "/clusters/kapis/api/v1/namespaces/namesake/configmaps", http.StatusForbidden, nil},
		{"a workspace not placed on the member grants nothing there", homeViewer, "/clusters/kapis" + resourcesPrefix + "/namespaces/stray/configmaps", http.StatusForbidden, nil},
		{"an unknown cluster", admin, "/clusters/nowhere" + resourcesPrefix + "/namespaces/x/configmaps", http.StatusNotFound, nil},
		{"the host's APIs have no /clusters/host form", admin, "/clusters/host" + resourcesPrefix + "/namespaces/namesake/configmaps", http.StatusNotFound, nil},
		{"member clusters serve no other platform API", admin, "/clusters/kapis/kapis/iam.superkube.io/v1beta1/users", http.StatusNotFound, nil},
		{"nor the workspaces", admin, "/clusters/kapis" + tenantPrefix + "/workspaces", http.StatusNotFound, nil},
	} {
		t.Run(tc.who, func(t *testing.T) {
			r := api.Do(t, http.MethodGet, tc.path, tc.token, nil)
			if tc.code != http.StatusOK {
				platform.ExpectStatus(t, r, tc.code)
				return
			}
			expect(t, r, http.StatusOK)
			got := names(t, r)
			want := tc.want
			if want == nil {
				want = []string{"settings"}
			}
			if !slices.Equal(got, want) {
				t.Fatalf("listed %v, want %v", got, want)
			}
		})
	}
}

// TestMemberClusterMembers checks the cluster's members and roles on a
// member: kept as native RBAC on the member, managed through
// /clusters/{c}/kapis/iam..., and deciding requests to that member only.
func TestMemberClusterMembers(t *testing.T) {
	ctx := context.Background()
	admin := api.Admin(t)
	memberClient, err := client.New(member.Config, client.Options{Scheme: scheme.New()})
	if err != nil {
		t.Fatal(err)
	}
	r := api.DoJSON(t, http.MethodPost, prefix+"/clusters", admin, map[string]any{"name": "crew", "connection": "Direct", "kubeconfig": string(memberKubeconfig)})
	expect(t, r, http.StatusCreated)
	ready(t, "crew", metav1.ConditionTrue, 30*time.Second)
	t.Cleanup(func() { api.Do(t, http.MethodDelete, prefix+"/clusters/crew", admin, nil) })
	platform.NewUser(t, k8s, "crew-operator", password)
	if err := memberClient.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "crew-ns"}}); err != nil {
		t.Fatal(err)
	}
	if err := memberClient.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "crew-ns", Name: "settings"}}); err != nil {
		t.Fatal(err)
	}
	op := api.Token(t, "crew-operator")
	iamOn := func(cluster string) string { return "/clusters/" + cluster + "/kapis/iam.superkube.io/v1beta1" }

	// A cluster role of the member, and the operator made a member with it.
	r = api.DoJSON(t, http.MethodPost, iamOn("crew")+"/clusterroles", admin, map[string]any{"metadata": map[string]any{"name": "crew-reader"},
		"templates": []string{"cluster-view-projects"}})
	expect(t, r, http.StatusCreated)
	r = api.Do(t, http.MethodGet, "/clusters/crew"+resourcesPrefix+"/namespaces/crew-ns/configmaps", op, nil)
	platform.ExpectStatus(t, r, http.StatusForbidden)
	r = api.DoJSON(t, http.MethodPost, iamOn("crew")+"/clustermembers", admin, map[string]string{"username": "crew-operator", "role": "crew-reader"})
	expect(t, r, http.StatusCreated)

	// It is the member's: native objects there, none on the host.
	if err := memberClient.Get(ctx, client.ObjectKey{Name: "crew-reader"}, &rbacv1.ClusterRole{}); err != nil {
		t.Fatalf("the cluster role is not on the member: %v", err)
	}
	if err := k8s.Get(ctx, client.ObjectKey{Name: "crew-reader"}, &rbacv1.ClusterRole{}); err == nil {
		t.Fatal("the member's cluster role was made on the host")
	}
	platform.Eventually(t, "the operator reads the member's config maps", 30*time.Second, func() error {
		r := api.Do(t, http.MethodGet, "/clusters/crew"+resourcesPrefix+"/namespaces/crew-ns/configmaps", op, nil)
		if r.Code != http.StatusOK {
			return fmt.Errorf("%d: %s", r.Code, r.Body)
		}
		return nil
	})
	r = api.Do(t, http.MethodGet, iamOn("crew")+"/clustermembers", admin, nil)
	expect(t, r, http.StatusOK)
	if !strings.Contains(string(r.Body), "crew-operator") {
		t.Fatalf("the member's cluster members: %s", r.Body)
	}
	// The host's cluster members are the host's.
	r = api.Do(t, http.MethodGet, "/kapis/iam.superkube.io/v1beta1/clustermembers", admin, nil)
	expect(t, r, http.StatusOK)
	if strings.Contains(string(r.Body), "crew-operator") {
		t.Fatalf("the host lists the member's cluster member: %s", r.Body)
	}
	// The operator holds nothing on the host, and cannot grant on the member.
	r = api.Do(t, http.MethodGet, resourcesPrefix+"/configmaps", op, nil)
	expect(t, r, http.StatusOK)
	if got := names(t, r); len(got) != 0 {
		t.Fatalf("the host shows the operator its config maps %v", got)
	}
	r = api.DoJSON(t, http.MethodPost, iamOn("crew")+"/clustermembers", op, map[string]string{"username": "crew-operator", "role": "cluster-admin"})
	platform.ExpectStatus(t, r, http.StatusForbidden)

	// Removed, the right goes.
	r = api.Do(t, http.MethodDelete, iamOn("crew")+"/clustermembers/crew-operator", admin, nil)
	expect(t, r, http.StatusOK)
	platform.Eventually(t, "the operator loses the member's config maps", 30*time.Second, func() error {
		r := api.Do(t, http.MethodGet, "/clusters/crew"+resourcesPrefix+"/namespaces/crew-ns/configmaps", op, nil)
		if r.Code != http.StatusForbidden {
			return fmt.Errorf("%d", r.Code)
		}
		return nil
	})
}
