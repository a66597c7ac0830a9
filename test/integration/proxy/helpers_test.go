package proxy

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
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
	"github.com/superkube/super-kubenetes/internal/controller/bootstrap"
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

// response is an answer with its decoded JSON body.
type response struct {
	code   int
	header http.Header
	body   []byte
	json   map[string]any
}

func (r *response) str(key string) string {
	v, _ := r.json[key].(string)
	return v
}

// do sends a request to ke-apiserver; headers are name, value pairs.
func do(t *testing.T, method, path, bearer string, body io.Reader, headers ...string) *response {
	t.Helper()
	req, err := http.NewRequest(method, st.url+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Add(headers[i], headers[i+1])
	}
	resp, err := st.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	r := &response{code: resp.StatusCode, header: resp.Header, body: data}
	_ = json.Unmarshal(data, &r.json)
	return r
}

func doJSON(t *testing.T, method, path, bearer string, v any, headers ...string) *response {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return do(t, method, path, bearer, bytes.NewReader(data), append([]string{"Content-Type", "application/json"}, headers...)...)
}

// login uses the console's password grant.
func login(t *testing.T, user, pass string) *response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, st.url+"/oauth/token",
		strings.NewReader(url.Values{"grant_type": {"password"}, "username": {user}, "password": {pass}}.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("ke-console", consoleSecret)
	resp, err := st.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	r := &response{code: resp.StatusCode, header: resp.Header, body: data}
	_ = json.Unmarshal(data, &r.json)
	return r
}

// token logs in and returns the access token.
func token(t *testing.T, user string) string {
	t.Helper()
	r := login(t, user, Password)
	if r.code != http.StatusOK || r.str("access_token") == "" {
		t.Fatalf("login of %s: %d %s", user, r.code, r.body)
	}
	return r.str("access_token")
}

var (
	adminOnce  sync.Once
	adminToken string
)

// admin returns a token of the platform administrator, changing the
// initial password to Password the first time.
func admin(t *testing.T) string {
	t.Helper()
	adminOnce.Do(func() {
		s := &corev1.Secret{}
		if err := st.k8s.Get(context.Background(), types.NamespacedName{Namespace: "superkube-system", Name: bootstrap.AdminPasswordSecret}, s); err != nil {
			t.Fatalf("the initial password secret: %v", err)
		}
		initial := string(s.Data["password"])
		r := login(t, "admin", initial)
		if r.code != http.StatusOK {
			t.Fatalf("admin login: %d %s", r.code, r.body)
		}
		ch := doJSON(t, http.MethodPut, "/kapis/iam.superkube.io/v1beta1/users/admin/password", r.str("access_token"),
			map[string]string{"currentPassword": initial, "password": Password})
		if ch.code != http.StatusOK {
			t.Fatalf("admin password change: %d %s", ch.code, ch.body)
		}
		adminToken = token(t, "admin")
	})
	if adminToken == "" {
		t.Fatal("no admin token")
	}
	return adminToken
}

// expectStatus checks that r is a Kubernetes Status with the code.
func expectStatus(t *testing.T, r *response, code int) {
	t.Helper()
	if r.code != code {
		t.Fatalf("want %d, got %d: %s", code, r.code, r.body)
	}
	if r.str("kind") != "Status" || int(r.json["code"].(float64)) != code {
		t.Fatalf("the body is not a Status with code %d: %s", code, r.body)
	}
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
	r := doJSON(t, http.MethodPost, prefix+"/apis/authentication.k8s.io/v1/selfsubjectreviews", tok,
		map[string]any{"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"}, headers...)
	if r.code != http.StatusCreated {
		t.Fatalf("selfsubjectreview: %d %s", r.code, r.body)
	}
	var ssr struct {
		Status struct {
			UserInfo identity `json:"userInfo"`
		} `json:"status"`
	}
	if err := json.Unmarshal(r.body, &ssr); err != nil {
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
