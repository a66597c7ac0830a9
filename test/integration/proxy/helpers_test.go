package proxy

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	"github.com/superkube/super-kubenetes/internal/testutil/platform"
)

// Password is the password of every user the tests create.
const Password = "Test-Passw0rd!"

// The world of the tests: workspace "wsp" with its project "wsp-web", a
// namespace "other" outside it, and a viewer of the workspace.
const (
	workspace = "wsp"
	project   = "wsp-web"
	elsewhere = "other"
	viewer    = "viewer"
)

var worldOnce sync.Once

func world(t *testing.T) {
	t.Helper()
	worldOnce.Do(func() {
		newUser(t, viewer)
		for _, o := range []client.Object{
			&tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: workspace}, Spec: tenantv1beta1.WorkspaceSpec{Manager: "admin"}},
			&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: project, Labels: map[string]string{tenantv1beta1.WorkspaceLabel: workspace}}},
			&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: elsewhere}},
			&iamv1beta1.WorkspaceRoleBinding{
				ObjectMeta: metav1.ObjectMeta{Name: viewer + "-" + workspace + "-viewer", Labels: map[string]string{tenantv1beta1.WorkspaceLabel: workspace, iamv1beta1.UserRefLabel: viewer}},
				RoleRef:    iamv1beta1.RoleRef{Kind: "WorkspaceRole", Name: workspace + "-viewer"},
				Subjects:   []iamv1beta1.Subject{{Kind: rbacv1.UserKind, Name: viewer}},
			},
		} {
			if err := st.k8s.Create(context.Background(), o); err != nil {
				t.Fatalf("creating %s: %v", o.GetName(), err)
			}
		}
	})
}

// newUser creates a user with Password and waits until it is hashed and Active.
func newUser(t *testing.T, name string) {
	t.Helper()
	platform.NewUser(t, st.k8s, name, Password)
}

func eventually(t *testing.T, what string, check func() error) {
	t.Helper()
	platform.Eventually(t, what, time.Minute, check)
}

// identity is what kube-apiserver says the caller is.
type identity struct {
	Username string              `json:"username"`
	UID      string              `json:"uid"`
	Groups   []string            `json:"groups"`
	Extra    map[string][]string `json:"extra"`
}

// whoami asks kube-apiserver, through ke-apiserver at prefix, who the caller is.
func whoami(t *testing.T, prefix, tok string, headers ...string) identity {
	t.Helper()
	r := api.DoJSON(t, http.MethodPost, prefix+"/apis/authentication.k8s.io/v1/selfsubjectreviews", tok,
		map[string]any{"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"}, headers...)
	if r.Code != http.StatusCreated {
		t.Fatalf("selfsubjectreview: %d %s", r.Code, r.Body)
	}
	var ssr struct {
		Status struct {
			UserInfo identity `json:"userInfo"`
		} `json:"status"`
	}
	if err := json.Unmarshal(r.Body, &ssr); err != nil {
		t.Fatal(err)
	}
	return ssr.Status.UserInfo
}

func userObject(t *testing.T, name string) *iamv1beta1.User {
	t.Helper()
	u := &iamv1beta1.User{}
	if err := st.k8s.Get(context.Background(), types.NamespacedName{Name: name}, u); err != nil {
		t.Fatal(err)
	}
	return u
}
