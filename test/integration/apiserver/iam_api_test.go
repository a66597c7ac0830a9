package apiserver

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"

	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	"github.com/superkube/super-kubenetes/internal/iam/password"
	"github.com/superkube/super-kubenetes/internal/testutil/platform"
)

const iamAPI = "/kapis/iam.superkube.io/v1beta1"

var iamWorldOnce sync.Once

// iamWorld creates workspace "iam-ws" (manager iam-wsadmin) with project
// "iam-ws-web", a workspace viewer and an outsider, apart from world() so
// that member changes here do not move other tests' counts.
func iamWorld(t *testing.T) {
	t.Helper()
	iamWorldOnce.Do(func() {
		ctx := context.Background()
		for _, u := range []string{"iam-wsadmin", "iam-wsviewer", "iam-outsider"} {
			newUser(t, u)
		}
		for _, o := range []client.Object{
			&tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: "iam-ws"}, Spec: tenantv1beta1.WorkspaceSpec{Manager: "iam-wsadmin"}},
			&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "iam-ws-web", Labels: map[string]string{tenantv1beta1.WorkspaceLabel: "iam-ws"}}},
			&iamv1beta1.WorkspaceRoleBinding{
				ObjectMeta: metav1.ObjectMeta{Name: "iam-wsviewer-iam-ws-viewer", Labels: map[string]string{tenantv1beta1.WorkspaceLabel: "iam-ws", iamv1beta1.UserRefLabel: "iam-wsviewer"}},
				RoleRef:    iamv1beta1.RoleRef{Kind: "WorkspaceRole", Name: "iam-ws-viewer"},
				Subjects:   []iamv1beta1.Subject{{Kind: "User", Name: "iam-wsviewer"}},
			},
		} {
			if err := st.k8s.Create(ctx, o); err != nil {
				t.Fatalf("creating %s: %v", o.GetName(), err)
			}
		}
	})
}

// iamItems returns the items of a list answer.
func iamItems(t *testing.T, r *platform.Response) []map[string]any {
	t.Helper()
	if r.Code != http.StatusOK {
		t.Fatalf("list: %d %s", r.Code, r.Body)
	}
	raw, ok := r.JSON["items"].([]any)
	if !ok {
		t.Fatalf("no items: %s", r.Body)
	}
	out := make([]map[string]any, 0, len(raw))
	for _, it := range raw {
		out = append(out, it.(map[string]any))
	}
	return out
}

func iamNames(t *testing.T, r *platform.Response) []string {
	t.Helper()
	var out []string
	for _, it := range iamItems(t, r) {
		out = append(out, it["metadata"].(map[string]any)["name"].(string))
	}
	return out
}

func iamTotal(r *platform.Response) int {
	n, _ := r.JSON["totalItems"].(float64)
	return int(n)
}

// iamExpect checks that r is a Status with the code that names the field
// among its causes (when field is not empty).
func iamExpect(t *testing.T, r *platform.Response, code int, field string) {
	t.Helper()
	platform.ExpectStatus(t, r, code)
	if field != "" && !strings.Contains(string(r.Body), `"field":"`+field+`"`) {
		t.Fatalf("the Status does not name the field %s: %s", field, r.Body)
	}
}

// iamUntil repeats a request while it is refused with 403 (the authorizer
// follows new bindings within moments) and returns the first other answer.
func iamUntil(t *testing.T, what string, send func() *platform.Response) *platform.Response {
	t.Helper()
	var r *platform.Response
	eventually(t, what, func() error {
		if r = send(); r.Code == http.StatusForbidden {
			return errf("%d %s", r.Code, r.Body)
		}
		return nil
	})
	return r
}

// iamNoSecret fails when an answer carries a password or its hash.
func iamNoSecret(t *testing.T, r *platform.Response) {
	t.Helper()
	for _, bad := range []string{`"password"`, "$2a$", "$2b$", "$2y$", Password} {
		if bytes.Contains(r.Body, []byte(bad)) {
			t.Fatalf("the answer holds %q: %s", bad, r.Body)
		}
	}
}

// iamKubeAllows asks kube-apiserver whether a user may do something.
func iamKubeAllows(t *testing.T, user, verb, group, resource, ns string) bool {
	t.Helper()
	sar := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{User: user,
		ResourceAttributes: &authorizationv1.ResourceAttributes{Verb: verb, Group: group, Resource: resource, Namespace: ns}}}
	if err := st.k8s.Create(context.Background(), sar); err != nil {
		t.Fatalf("SubjectAccessReview: %v", err)
	}
	return sar.Status.Allowed
}

func iamExpectKube(t *testing.T, user, verb, group, resource, ns string, want bool) {
	t.Helper()
	eventually(t, "kube-apiserver: "+user+" "+verb+" "+resource+" in "+ns, func() error {
		if got := iamKubeAllows(t, user, verb, group, resource, ns); got != want {
			return errf("allowed=%v", got)
		}
		return nil
	})
}

func iamCreateUser(t *testing.T, adm, name string) *platform.Response {
	t.Helper()
	return api.DoJSON(t, http.MethodPost, iamAPI+"/users", adm, map[string]any{
		"metadata": map[string]any{"name": name},
		"spec":     map[string]any{"email": name + "@example.com", "password": Password},
	})
}

// iamMerge sends a JSON merge patch.
func iamMerge(t *testing.T, path, tok string, patch any) *platform.Response {
	t.Helper()
	data, err := json.Marshal(patch)
	if err != nil {
		t.Fatal(err)
	}
	return api.Do(t, http.MethodPatch, path, tok, bytes.NewReader(data), "Content-Type", "application/merge-patch+json")
}

func TestAnAdministratorCreatesUsersWhosePasswordsAreHashedAndNeverReturned(t *testing.T) {
	adm := api.Admin(t)
	r := iamCreateUser(t, adm, "iam-alice")
	if r.Code != http.StatusCreated {
		t.Fatalf("create: %d %s", r.Code, r.Body)
	}
	iamNoSecret(t, r)

	t.Run("the password is stored as a bcrypt hash only, in the user's password Secret", func(t *testing.T) {
		u := &iamv1beta1.User{}
		if err := st.k8s.Get(context.Background(), keyOf("iam-alice"), u); err != nil {
			t.Fatal(err)
		}
		if u.Spec.Password != "" {
			t.Fatal("the User holds the password's hash")
		}
		hash := storedHash(t, u)
		if !password.IsHash(hash) || !password.Matches(hash, Password) {
			t.Fatal("the password Secret does not hold the hash of the password")
		}
		// The user logs in at once: the answer came once the cache had the user.
		api.Token(t, "iam-alice")
	})
	t.Run("no answer returns the password or its hash", func(t *testing.T) {
		iamNoSecret(t, api.Do(t, http.MethodGet, iamAPI+"/users/iam-alice", adm, nil))
		iamNoSecret(t, api.Do(t, http.MethodGet, iamAPI+"/users?limit=500", adm, nil))
	})
	t.Run("a weak password is 422 naming the password", func(t *testing.T) {
		r := api.DoJSON(t, http.MethodPost, iamAPI+"/users", adm, map[string]any{"metadata": map[string]any{"name": "iam-weak"},
			"spec": map[string]any{"email": "iam-weak@example.com", "password": "weakweak"}})
		iamExpect(t, r, http.StatusUnprocessableEntity, "spec.password")
		if err := st.k8s.Get(context.Background(), keyOf("iam-weak"), &iamv1beta1.User{}); !apierrors.IsNotFound(err) {
			t.Fatalf("the user was stored: %v", err)
		}
	})
	t.Run("a duplicate e-mail is 409 naming the e-mail", func(t *testing.T) {
		r := api.DoJSON(t, http.MethodPost, iamAPI+"/users", adm, map[string]any{"metadata": map[string]any{"name": "iam-alice2"},
			"spec": map[string]any{"email": "IAM-Alice@Example.com", "password": Password}})
		iamExpect(t, r, http.StatusConflict, "spec.email")
	})
	t.Run("a duplicate name is 409 naming the name", func(t *testing.T) {
		r := api.DoJSON(t, http.MethodPost, iamAPI+"/users", adm, map[string]any{"metadata": map[string]any{"name": "iam-alice"},
			"spec": map[string]any{"email": "other-alice@example.com", "password": Password}})
		iamExpect(t, r, http.StatusConflict, "metadata.name")
	})
	t.Run("a name that is not a DNS-1123 label is 422 naming the name", func(t *testing.T) {
		for _, name := range []string{"Bad_Name", "../admin", "a.b"} {
			r := api.DoJSON(t, http.MethodPost, iamAPI+"/users", adm, map[string]any{"metadata": map[string]any{"name": name},
				"spec": map[string]any{"email": "bad@example.com", "password": Password}})
			iamExpect(t, r, http.StatusUnprocessableEntity, "metadata.name")
		}
	})
	t.Run("a bad e-mail or language is 422 naming the field", func(t *testing.T) {
		r := api.DoJSON(t, http.MethodPost, iamAPI+"/users", adm, map[string]any{"metadata": map[string]any{"name": "iam-bad-mail"},
			"spec": map[string]any{"email": "not-an-address", "lang": "xx"}})
		iamExpect(t, r, http.StatusUnprocessableEntity, "spec.email")
		iamExpect(t, r, http.StatusUnprocessableEntity, "spec.lang")
	})
	t.Run("an update changes the profile and refuses the password and state", func(t *testing.T) {
		r := iamMerge(t, iamAPI+"/users/iam-alice", adm, map[string]any{"spec": map[string]any{"displayName": "Alice", "lang": "ko"}})
		if r.Code != http.StatusOK {
			t.Fatalf("patch: %d %s", r.Code, r.Body)
		}
		iamNoSecret(t, r)
		if spec := r.JSON["spec"].(map[string]any); spec["displayName"] != "Alice" || spec["lang"] != "ko" {
			t.Fatalf("%s", r.Body)
		}
		iamExpect(t, iamMerge(t, iamAPI+"/users/iam-alice", adm, map[string]any{"spec": map[string]any{"password": "N3w-Passw0rd!"}}),
			http.StatusUnprocessableEntity, "spec.password")
		iamExpect(t, iamMerge(t, iamAPI+"/users/iam-alice", adm, map[string]any{"spec": map[string]any{"disabled": true}}),
			http.StatusUnprocessableEntity, "spec.disabled")
		newUser(t, "iam-taken")
		iamExpect(t, iamMerge(t, iamAPI+"/users/iam-alice", adm, map[string]any{"spec": map[string]any{"email": "iam-taken@example.com"}}),
			http.StatusConflict, "spec.email")
		// PUT replaces the profile with the body's.
		got := api.Do(t, http.MethodGet, iamAPI+"/users/iam-alice", adm, nil)
		obj := got.JSON
		obj["spec"].(map[string]any)["description"] = "Writes the docs"
		r = api.DoJSON(t, http.MethodPut, iamAPI+"/users/iam-alice", adm, obj)
		if r.Code != http.StatusOK || r.JSON["spec"].(map[string]any)["description"] != "Writes the docs" {
			t.Fatalf("put: %d %s", r.Code, r.Body)
		}
		// The resource version the caller read is stale now.
		iamExpect(t, api.DoJSON(t, http.MethodPut, iamAPI+"/users/iam-alice", adm, obj), http.StatusConflict, "")
	})
	t.Run("users edit their own profile but not their state or others", func(t *testing.T) {
		tok := api.Token(t, "iam-alice")
		r := iamMerge(t, iamAPI+"/users/iam-alice", tok, map[string]any{"spec": map[string]any{"displayName": "Alice A."}})
		if r.Code != http.StatusOK {
			t.Fatalf("self patch: %d %s", r.Code, r.Body)
		}
		iamExpect(t, iamMerge(t, iamAPI+"/users/iam-alice", tok, map[string]any{"metadata": map[string]any{"annotations": map[string]string{
			iamv1beta1.UnlockedAtAnnotation: "2099-01-01T00:00:00Z"}}, "spec": map[string]any{"disabled": true}}), http.StatusUnprocessableEntity, "spec.disabled")
		u := &iamv1beta1.User{}
		if err := st.k8s.Get(context.Background(), keyOf("iam-alice"), u); err != nil || u.Annotations[iamv1beta1.UnlockedAtAnnotation] != "" {
			t.Fatalf("a user set their own annotation: %v %v", err, u.Annotations)
		}
		platform.ExpectStatus(t, iamMerge(t, iamAPI+"/users/iam-taken", tok, map[string]any{"spec": map[string]any{"displayName": "x"}}), http.StatusForbidden)
		platform.ExpectStatus(t, api.Do(t, http.MethodPost, iamAPI+"/users/iam-alice/disable", tok, nil), http.StatusForbidden)
		platform.ExpectStatus(t, api.Do(t, http.MethodPost, iamAPI+"/users/iam-alice/unlock", tok, nil), http.StatusForbidden)
		platform.ExpectStatus(t, api.Do(t, http.MethodGet, iamAPI+"/users", tok, nil), http.StatusForbidden)
		if r := api.Do(t, http.MethodGet, iamAPI+"/users/iam-alice/loginrecords", tok, nil); r.Code != http.StatusOK {
			t.Fatalf("own login records: %d %s", r.Code, r.Body)
		}
	})
	t.Run("an administrator deletes a user but not themselves", func(t *testing.T) {
		iamExpect(t, api.Do(t, http.MethodDelete, iamAPI+"/users/admin", adm, nil), http.StatusConflict, "")
		r := iamCreateUser(t, adm, "iam-gone")
		if r.Code != http.StatusCreated {
			t.Fatalf("%d %s", r.Code, r.Body)
		}
		tok := api.Token(t, "iam-gone")
		if r := api.Do(t, http.MethodDelete, iamAPI+"/users/iam-gone", adm, nil); r.Code != http.StatusOK {
			t.Fatalf("delete: %d %s", r.Code, r.Body)
		}
		platform.ExpectStatus(t, api.Do(t, http.MethodGet, iamAPI+"/users/iam-gone", tok, nil), http.StatusUnauthorized)
		eventually(t, "the user is gone", func() error {
			if r := api.Do(t, http.MethodGet, iamAPI+"/users/iam-gone", adm, nil); r.Code != http.StatusNotFound {
				return errf("%d", r.Code)
			}
			return nil
		})
	})
}

func TestTheUserListFiltersSortsAndPages(t *testing.T) {
	adm := api.Admin(t)
	for _, n := range []string{"iam-lst-c", "iam-lst-a", "iam-lst-b"} {
		if r := iamCreateUser(t, adm, n); r.Code != http.StatusCreated {
			t.Fatalf("%d %s", r.Code, r.Body)
		}
	}
	r := api.Do(t, http.MethodGet, iamAPI+"/users?name=IAM-LST&sortBy=name&ascending=true&limit=2", adm, nil)
	if got := iamNames(t, r); strings.Join(got, ",") != "iam-lst-a,iam-lst-b" || iamTotal(r) != 3 {
		t.Fatalf("page 1: %v of %d", got, iamTotal(r))
	}
	iamNoSecret(t, r)
	r = api.Do(t, http.MethodGet, iamAPI+"/users?name=iam-lst&sortBy=name&ascending=true&limit=2&page=2", adm, nil)
	if got := iamNames(t, r); strings.Join(got, ",") != "iam-lst-c" || iamTotal(r) != 3 {
		t.Fatalf("page 2: %v of %d", got, iamTotal(r))
	}
	r = api.Do(t, http.MethodGet, iamAPI+"/users?name=iam-lst&sortBy=name", adm, nil)
	if got := iamNames(t, r); strings.Join(got, ",") != "iam-lst-c,iam-lst-b,iam-lst-a" {
		t.Fatalf("descending: %v", got)
	}
	r = api.Do(t, http.MethodGet, iamAPI+"/users?email=IAM-LST-B@", adm, nil)
	if got := iamNames(t, r); strings.Join(got, ",") != "iam-lst-b" {
		t.Fatalf("email filter: %v", got)
	}
	eventually(t, "the state filter finds the new users once the controller set their state", func() error {
		if r := api.Do(t, http.MethodGet, iamAPI+"/users?name=iam-lst&sortBy=lastLoginTime&state=Active", adm, nil); iamTotal(r) != 3 {
			return errf("%s", r.Body)
		}
		return nil
	})
	iamExpect(t, api.Do(t, http.MethodGet, iamAPI+"/users?sortBy=password", adm, nil), http.StatusBadRequest, "sortBy")
	iamExpect(t, api.Do(t, http.MethodGet, iamAPI+"/users?state=Asleep", adm, nil), http.StatusBadRequest, "state")
	iamExpect(t, api.Do(t, http.MethodGet, iamAPI+"/users?limit=0", adm, nil), http.StatusBadRequest, "limit")
	iamExpect(t, api.Do(t, http.MethodGet, iamAPI+"/users?colour=red", adm, nil), http.StatusBadRequest, "colour")
}

func TestDisablingAUserStopsItsTokensAndEnablingLetsItLogInAgain(t *testing.T) {
	adm := api.Admin(t)
	newUser(t, "iam-dis")
	tok := api.Token(t, "iam-dis")
	if r := api.Do(t, http.MethodGet, iamAPI+"/users/iam-dis", tok, nil); r.Code != http.StatusOK {
		t.Fatalf("self get: %d %s", r.Code, r.Body)
	}
	r := api.Do(t, http.MethodPost, iamAPI+"/users/iam-dis/disable", adm, nil)
	if r.Code != http.StatusOK || !r.JSON["spec"].(map[string]any)["disabled"].(bool) {
		t.Fatalf("disable: %d %s", r.Code, r.Body)
	}
	iamNoSecret(t, r)
	platform.ExpectStatus(t, api.Do(t, http.MethodGet, iamAPI+"/users/iam-dis", tok, nil), http.StatusUnauthorized)
	if r := api.Login(t, "iam-dis", Password); r.Code != http.StatusUnauthorized {
		t.Fatalf("a disabled user logged in: %d %s", r.Code, r.Body)
	}
	eventually(t, "the state says Disabled", func() error {
		r := api.Do(t, http.MethodGet, iamAPI+"/users?names=iam-dis&state=Disabled", adm, nil)
		if iamTotal(r) != 1 {
			return errf("%s", r.Body)
		}
		return nil
	})
	if r := api.Do(t, http.MethodPost, iamAPI+"/users/iam-dis/enable", adm, nil); r.Code != http.StatusOK {
		t.Fatalf("enable: %d %s", r.Code, r.Body)
	}
	eventually(t, "the user logs in again", func() error {
		if r := api.Login(t, "iam-dis", Password); r.Code != http.StatusOK {
			return errf("%d %s", r.Code, r.Body)
		}
		return nil
	})
	iamExpect(t, api.Do(t, http.MethodPost, iamAPI+"/users/admin/disable", adm, nil), http.StatusConflict, "")
	platform.ExpectStatus(t, api.Do(t, http.MethodPost, iamAPI+"/users/iam-nobody/disable", adm, nil), http.StatusNotFound)
}

func TestAnAdministratorUnlocksAUserLockedOutByFailedLogins(t *testing.T) {
	adm := api.Admin(t)
	newUser(t, "iam-locked")
	for range maxFailures {
		if r := api.Login(t, "iam-locked", "Wrong-Passw0rd!"); r.Code != http.StatusUnauthorized {
			t.Fatalf("wrong password: %d", r.Code)
		}
	}
	eventually(t, "the user is locked", func() error {
		u := &iamv1beta1.User{}
		if err := st.k8s.Get(context.Background(), keyOf("iam-locked"), u); err != nil {
			return err
		}
		if u.Status.State != iamv1beta1.UserAuthLimitExceeded {
			return errf("state %q", u.Status.State)
		}
		return nil
	})
	if r := api.Login(t, "iam-locked", Password); r.Code != http.StatusUnauthorized {
		t.Fatalf("a locked user logged in: %d", r.Code)
	}
	r := api.Do(t, http.MethodPost, iamAPI+"/users/iam-locked/unlock", adm, nil)
	if r.Code != http.StatusOK {
		t.Fatalf("unlock: %d %s", r.Code, r.Body)
	}
	if r.JSON["metadata"].(map[string]any)["annotations"].(map[string]any)[iamv1beta1.UnlockedAtAnnotation] == nil {
		t.Fatalf("no unlock time: %s", r.Body)
	}
	eventually(t, "the user logs in after the unlock", func() error {
		if r := api.Login(t, "iam-locked", Password); r.Code != http.StatusOK {
			return errf("%d %s", r.Code, r.Body)
		}
		return nil
	})

	t.Run("the login records follow the list convention", func(t *testing.T) {
		var r *platform.Response
		eventually(t, "the records are there", func() error {
			r = api.Do(t, http.MethodGet, iamAPI+"/users/iam-locked/loginrecords?sortBy=createTime&ascending=true&limit=500", adm, nil)
			if iamTotal(r) < maxFailures+2 {
				return errf("%s", r.Body)
			}
			return nil
		})
		last := ""
		for _, it := range iamItems(t, r) {
			ts := it["metadata"].(map[string]any)["creationTimestamp"].(string)
			if ts < last {
				t.Fatalf("the records are not in ascending time: %s", r.Body)
			}
			last = ts
		}
		failures := api.Do(t, http.MethodGet, iamAPI+"/users/iam-locked/loginrecords?success=false", adm, nil)
		if iamTotal(failures) < maxFailures {
			t.Fatalf("failures: %s", failures.Body)
		}
		for _, it := range iamItems(t, failures) {
			if it["spec"].(map[string]any)["success"] != false {
				t.Fatalf("a success among failures: %v", it)
			}
		}
		iamExpect(t, api.Do(t, http.MethodGet, iamAPI+"/users/iam-locked/loginrecords?sortBy=sourceIP", adm, nil), http.StatusBadRequest, "sortBy")
		platform.ExpectStatus(t, api.Do(t, http.MethodGet, iamAPI+"/users/iam-locked/loginrecords", api.Token(t, "iam-lst-a"), nil), http.StatusForbidden)
	})
}

func TestAWorkspaceAdministratorAddsChangesAndRemovesMembers(t *testing.T) {
	iamWorld(t)
	newUser(t, "iam-bob")
	wsAdmin := api.Token(t, "iam-wsadmin")
	members := iamAPI + "/workspaces/iam-ws/members"

	r := iamUntil(t, "the manager adds a member", func() *platform.Response {
		return api.DoJSON(t, http.MethodPost, members, wsAdmin, map[string]string{"username": "iam-bob", "role": "iam-ws-viewer"})
	})
	if r.Code != http.StatusCreated || r.Str("role") != "iam-ws-viewer" || r.Str("username") != "iam-bob" {
		t.Fatalf("add: %d %s", r.Code, r.Body)
	}
	b := &iamv1beta1.WorkspaceRoleBinding{}
	if err := st.k8s.Get(context.Background(), keyOf("iam-bob-iam-ws-viewer"), b); err != nil {
		t.Fatalf("the binding: %v", err)
	}
	if b.Labels[tenantv1beta1.WorkspaceLabel] != "iam-ws" || b.Labels[iamv1beta1.UserRefLabel] != "iam-bob" || b.Labels[iamv1beta1.RoleRefLabel] != "iam-ws-viewer" {
		t.Fatalf("the binding's labels: %v", b.Labels)
	}
	bob := api.Token(t, "iam-bob")
	eventually(t, "the member views the workspace's projects", func() error {
		if !allowed(t, bob, map[string]string{"verb": "list", "resource": "pods", "namespace": "iam-ws-web"}) {
			return errf("not allowed")
		}
		return nil
	})

	t.Run("the list shows each member with its role", func(t *testing.T) {
		r := api.Do(t, http.MethodGet, members+"?sortBy=name&ascending=true", wsAdmin, nil)
		roles := map[string]string{}
		for _, it := range iamItems(t, r) {
			roles[it["username"].(string)] = it["role"].(string)
		}
		if roles["iam-bob"] != "iam-ws-viewer" || roles["iam-wsadmin"] != "iam-ws-admin" || roles["iam-wsviewer"] != "iam-ws-viewer" || iamTotal(r) != 3 {
			t.Fatalf("members %v: %s", roles, r.Body)
		}
		r = api.Do(t, http.MethodGet, members+"?role=iam-ws-admin", wsAdmin, nil)
		if got := iamNames(t, r); strings.Join(got, ",") != "iam-wsadmin" {
			t.Fatalf("role filter: %v", got)
		}
		iamExpect(t, api.Do(t, http.MethodGet, members+"?sortBy=email", wsAdmin, nil), http.StatusBadRequest, "sortBy")
	})
	t.Run("bad input names the field", func(t *testing.T) {
		iamExpect(t, api.DoJSON(t, http.MethodPost, members, wsAdmin, map[string]string{"username": "iam-bob", "role": "iam-ws-viewer"}), http.StatusConflict, "username")
		iamExpect(t, api.DoJSON(t, http.MethodPost, members, wsAdmin, map[string]string{"username": "iam-bob", "role": "iam-ws-admin"}), http.StatusConflict, "")
		iamExpect(t, api.DoJSON(t, http.MethodPost, members, wsAdmin, map[string]string{"username": "iam-outsider", "role": "no-such-role"}), http.StatusUnprocessableEntity, "role")
		iamExpect(t, api.DoJSON(t, http.MethodPost, members, wsAdmin, map[string]string{"username": "iam-outsider", "role": "wsa-admin"}), http.StatusUnprocessableEntity, "role")
		// Only to a caller who may view users (TestAddingAMemberDoesNotTellWhetherTheUserExists).
		iamExpect(t, api.DoJSON(t, http.MethodPost, members, api.Admin(t), map[string]string{"username": "nobody-here", "role": "viewer"}), http.StatusUnprocessableEntity, "username")
		iamExpect(t, api.DoJSON(t, http.MethodPost, members, wsAdmin, map[string]string{"username": "../admin", "role": "viewer"}), http.StatusUnprocessableEntity, "username")
		platform.ExpectStatus(t, api.DoJSON(t, http.MethodPost, iamAPI+"/workspaces/iam-no-ws/members", api.Admin(t), map[string]string{"username": "iam-bob", "role": "viewer"}), http.StatusNotFound)
	})
	t.Run("a role change replaces the binding", func(t *testing.T) {
		r := api.DoJSON(t, http.MethodPut, members+"/iam-bob", wsAdmin, map[string]string{"role": "regular"})
		if r.Code != http.StatusOK || r.Str("role") != "iam-ws-regular" {
			t.Fatalf("change: %d %s", r.Code, r.Body)
		}
		if err := st.k8s.Get(context.Background(), keyOf("iam-bob-iam-ws-viewer"), &iamv1beta1.WorkspaceRoleBinding{}); !apierrors.IsNotFound(err) {
			t.Fatalf("the old binding is there: %v", err)
		}
		if err := st.k8s.Get(context.Background(), keyOf("iam-bob-iam-ws-regular"), &iamv1beta1.WorkspaceRoleBinding{}); err != nil {
			t.Fatalf("the new binding: %v", err)
		}
		if r := api.Do(t, http.MethodGet, members+"/iam-bob", wsAdmin, nil); r.Str("role") != "iam-ws-regular" {
			t.Fatalf("get: %s", r.Body)
		}
		eventually(t, "the member no longer views the projects", func() error {
			if allowed(t, bob, map[string]string{"verb": "list", "resource": "pods", "namespace": "iam-ws-web"}) {
				return errf("still allowed")
			}
			return nil
		})
	})
	t.Run("the manager stays the administrator", func(t *testing.T) {
		iamExpect(t, api.Do(t, http.MethodDelete, members+"/iam-wsadmin", wsAdmin, nil), http.StatusConflict, "")
		iamExpect(t, api.DoJSON(t, http.MethodPut, members+"/iam-wsadmin", wsAdmin, map[string]string{"role": "viewer"}), http.StatusConflict, "")
	})
	t.Run("a workspace viewer may not manage members", func(t *testing.T) {
		viewer := api.Token(t, "iam-wsviewer")
		if r := api.Do(t, http.MethodGet, members, viewer, nil); r.Code != http.StatusOK {
			t.Fatalf("the viewer lists members: %d %s", r.Code, r.Body)
		}
		platform.ExpectStatus(t, api.DoJSON(t, http.MethodPost, members, viewer, map[string]string{"username": "iam-outsider", "role": "viewer"}), http.StatusForbidden)
		platform.ExpectStatus(t, api.Do(t, http.MethodDelete, members+"/iam-bob", viewer, nil), http.StatusForbidden)
		platform.ExpectStatus(t, api.Do(t, http.MethodGet, members, api.Token(t, "iam-outsider"), nil), http.StatusForbidden)
	})
	t.Run("a removed member is gone", func(t *testing.T) {
		if r := api.Do(t, http.MethodDelete, members+"/iam-bob", wsAdmin, nil); r.Code != http.StatusOK {
			t.Fatalf("remove: %d %s", r.Code, r.Body)
		}
		platform.ExpectStatus(t, api.Do(t, http.MethodGet, members+"/iam-bob", wsAdmin, nil), http.StatusNotFound)
		platform.ExpectStatus(t, api.Do(t, http.MethodDelete, members+"/iam-bob", wsAdmin, nil), http.StatusNotFound)
	})
}

func TestTheLastAdministratorOfAWorkspaceCannotBeRemoved(t *testing.T) {
	a := api.Admin(t)
	newUser(t, "iam-last-1")
	newUser(t, "iam-last-2")
	if err := st.k8s.Create(context.Background(), &tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: "iam-last"}}); err != nil {
		t.Fatal(err)
	}
	members := iamAPI + "/workspaces/iam-last/members"
	eventually(t, "the workspace has its roles", func() error {
		r := api.DoJSON(t, http.MethodPost, members, a, map[string]string{"username": "iam-last-1", "role": "iam-last-admin"})
		if r.Code != http.StatusCreated {
			return errf("%d %s", r.Code, r.Body)
		}
		return nil
	})
	r := api.Do(t, http.MethodDelete, members+"/iam-last-1", a, nil)
	iamExpect(t, r, http.StatusConflict, "role")
	if !strings.Contains(r.Str("message"), "last member with role iam-last-admin") {
		t.Fatalf("message: %s", r.Body)
	}
	iamExpect(t, api.DoJSON(t, http.MethodPut, members+"/iam-last-1", a, map[string]string{"role": "viewer"}), http.StatusConflict, "role")
	if r := api.DoJSON(t, http.MethodPost, members, a, map[string]string{"username": "iam-last-2", "role": "admin"}); r.Code != http.StatusCreated {
		t.Fatalf("second admin: %d %s", r.Code, r.Body)
	}
	if r := api.DoJSON(t, http.MethodPut, members+"/iam-last-1", a, map[string]string{"role": "viewer"}); r.Code != http.StatusOK {
		t.Fatalf("demote: %d %s", r.Code, r.Body)
	}
	if r := api.Do(t, http.MethodDelete, members+"/iam-last-1", a, nil); r.Code != http.StatusOK {
		t.Fatalf("remove: %d %s", r.Code, r.Body)
	}
	iamExpect(t, api.Do(t, http.MethodDelete, members+"/iam-last-2", a, nil), http.StatusConflict, "role")
}

func TestAProjectAdministratorManagesTheProjectsMembers(t *testing.T) {
	iamWorld(t)
	for _, u := range []string{"iam-powner", "iam-pdev"} {
		newUser(t, u)
	}
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "iam-ws-proj", Labels: map[string]string{tenantv1beta1.WorkspaceLabel: "iam-ws"},
		Annotations: map[string]string{tenantv1beta1.CreatorAnnotation: "iam-powner"}}}
	if err := st.k8s.Create(context.Background(), ns); err != nil {
		t.Fatal(err)
	}
	owner := api.Token(t, "iam-powner")
	members := iamAPI + "/namespaces/iam-ws-proj/members"
	r := iamUntil(t, "the creator adds a member", func() *platform.Response {
		return api.DoJSON(t, http.MethodPost, members, owner, map[string]string{"username": "iam-pdev", "role": "operator"})
	})
	if r.Code != http.StatusCreated || r.Str("role") != "operator" {
		t.Fatalf("add: %d %s", r.Code, r.Body)
	}
	rb := &rbacv1.RoleBinding{}
	if err := st.k8s.Get(context.Background(), types.NamespacedName{Namespace: "iam-ws-proj", Name: "iam-pdev-operator"}, rb); err != nil {
		t.Fatalf("the binding: %v", err)
	}
	if rb.Labels[iamv1beta1.UserRefLabel] != "iam-pdev" || rb.Labels[iamv1beta1.RoleRefLabel] != "operator" || rb.RoleRef.Kind != "Role" {
		t.Fatalf("the binding: %+v", rb)
	}
	iamExpectKube(t, "iam-pdev", "create", "apps", "deployments", "iam-ws-proj", true)

	r = api.Do(t, http.MethodGet, members+"?sortBy=name&ascending=true", owner, nil)
	if got := iamNames(t, r); strings.Join(got, ",") != "iam-pdev,iam-powner" {
		t.Fatalf("members (without the workspace's mirrored bindings): %v %s", got, r.Body)
	}
	if r := api.DoJSON(t, http.MethodPut, members+"/iam-pdev", owner, map[string]string{"role": "viewer"}); r.Code != http.StatusOK || r.Str("role") != "viewer" {
		t.Fatalf("change: %d %s", r.Code, r.Body)
	}
	iamExpectKube(t, "iam-pdev", "create", "apps", "deployments", "iam-ws-proj", false)
	iamExpect(t, api.DoJSON(t, http.MethodPost, members, owner, map[string]string{"username": "iam-outsider", "role": "iam-ws-admin"}), http.StatusUnprocessableEntity, "role")
	iamExpect(t, api.Do(t, http.MethodDelete, members+"/iam-powner", owner, nil), http.StatusConflict, "")
	if r := api.Do(t, http.MethodDelete, members+"/iam-pdev", owner, nil); r.Code != http.StatusOK {
		t.Fatalf("remove: %d %s", r.Code, r.Body)
	}
	iamExpectKube(t, "iam-pdev", "list", "apps", "deployments", "iam-ws-proj", false)
	platform.ExpectStatus(t, api.DoJSON(t, http.MethodPost, members, api.Token(t, "iam-pdev"), map[string]string{"username": "iam-pdev", "role": "admin"}), http.StatusForbidden)
}

func TestNobodyGrantsOrBuildsARoleBeyondTheirOwnPermissions(t *testing.T) {
	iamWorld(t)
	a := api.Admin(t)
	for _, u := range []string{"iam-esc-mgr", "iam-esc-other"} {
		newUser(t, u)
	}
	roles := iamAPI + "/workspaces/iam-ws/workspaceroles"
	r := api.DoJSON(t, http.MethodPost, roles, a, map[string]any{"metadata": map[string]any{"name": "iam-ws-member-manager"},
		"templates": []string{"workspace-view-members", "workspace-manage-members", "workspace-view-roles"}})
	if r.Code != http.StatusCreated {
		t.Fatalf("role: %d %s", r.Code, r.Body)
	}
	members := iamAPI + "/workspaces/iam-ws/members"
	if r := api.DoJSON(t, http.MethodPost, members, a, map[string]string{"username": "iam-esc-mgr", "role": "iam-ws-member-manager"}); r.Code != http.StatusCreated {
		t.Fatalf("member: %d %s", r.Code, r.Body)
	}
	mgr := api.Token(t, "iam-esc-mgr")
	// The member manager may add members, but not with a role that allows
	// more than the manager holds.
	eventually(t, "granting the admin role is refused as an escalation", func() error {
		r = api.DoJSON(t, http.MethodPost, members, mgr, map[string]string{"username": "iam-esc-other", "role": "iam-ws-admin"})
		if r.Code != http.StatusForbidden || !strings.Contains(r.Str("message"), "may not grant a role that allows") {
			return errf("%d %s", r.Code, r.Body)
		}
		return nil
	})
	if r := api.DoJSON(t, http.MethodPost, members, mgr, map[string]string{"username": "iam-esc-other", "role": "iam-ws-member-manager"}); r.Code != http.StatusCreated {
		t.Fatalf("granting a role the manager holds: %d %s", r.Code, r.Body)
	}

	// Nor may one who manages roles build a role that allows more than they hold.
	newUser(t, "iam-esc-roles")
	if r := api.DoJSON(t, http.MethodPost, roles, a, map[string]any{"metadata": map[string]any{"name": "iam-ws-role-maker"},
		"templates": []string{"workspace-view-roles", "workspace-manage-roles"}}); r.Code != http.StatusCreated {
		t.Fatalf("role: %d %s", r.Code, r.Body)
	}
	if r := api.DoJSON(t, http.MethodPost, members, a, map[string]string{"username": "iam-esc-roles", "role": "iam-ws-role-maker"}); r.Code != http.StatusCreated {
		t.Fatalf("member: %d %s", r.Code, r.Body)
	}
	maker := api.Token(t, "iam-esc-roles")
	eventually(t, "building a role with more than the maker holds is refused", func() error {
		r = api.DoJSON(t, http.MethodPost, roles, maker, map[string]any{"metadata": map[string]any{"name": "iam-ws-everything"},
			"templates": []string{"workspace-manage-project-resources"}})
		if r.Code != http.StatusForbidden || !strings.Contains(r.Str("message"), "may not create or change a role that allows") {
			return errf("%d %s", r.Code, r.Body)
		}
		return nil
	})
	if r := api.DoJSON(t, http.MethodPost, roles, maker, map[string]any{"metadata": map[string]any{"name": "iam-ws-role-reader"},
		"templates": []string{"workspace-view-roles"}}); r.Code != http.StatusCreated {
		t.Fatalf("building a role within the maker's permissions: %d %s", r.Code, r.Body)
	}
}

func TestACustomWorkspaceRoleAllowsWhatItsTemplatesAllow(t *testing.T) {
	iamWorld(t)
	newUser(t, "iam-deployer")
	wsAdmin := api.Token(t, "iam-wsadmin")
	roles := iamAPI + "/workspaces/iam-ws/workspaceroles"
	body := func(name string, templates ...string) map[string]any {
		return map[string]any{"metadata": map[string]any{"name": name, "annotations": map[string]string{tenantv1beta1.DisplayNameAnnotation: "Deployer"}},
			"templates": templates}
	}
	r := iamUntil(t, "the workspace admin creates a role", func() *platform.Response {
		return api.DoJSON(t, http.MethodPost, roles, wsAdmin, body("iam-ws-deployer", "workspace-view-project-resources"))
	})
	if r.Code != http.StatusCreated {
		t.Fatalf("create: %d %s", r.Code, r.Body)
	}
	if ts, _ := r.JSON["templates"].([]any); len(ts) != 1 || ts[0] != "workspace-view-project-resources" {
		t.Fatalf("templates: %s", r.Body)
	}

	t.Run("bad roles name the field", func(t *testing.T) {
		iamExpect(t, api.DoJSON(t, http.MethodPost, roles, wsAdmin, body("iam-ws-x", "no-such-template")), http.StatusUnprocessableEntity, "templates[0]")
		iamExpect(t, api.DoJSON(t, http.MethodPost, roles, wsAdmin, body("iam-ws-x", "workspace-view-members", "project-view-workloads")), http.StatusUnprocessableEntity, "templates[1]")
		iamExpect(t, api.DoJSON(t, http.MethodPost, roles, wsAdmin, body("deployer", "workspace-view-members")), http.StatusUnprocessableEntity, "metadata.name")
		iamExpect(t, api.DoJSON(t, http.MethodPost, roles, wsAdmin, body("iam-ws-Bad!", "workspace-view-members")), http.StatusUnprocessableEntity, "metadata.name")
		iamExpect(t, api.DoJSON(t, http.MethodPost, roles, wsAdmin, body("iam-ws-deployer", "workspace-view-members")), http.StatusConflict, "metadata.name")
	})

	if r := api.DoJSON(t, http.MethodPost, iamAPI+"/workspaces/iam-ws/members", wsAdmin, map[string]string{"username": "iam-deployer", "role": "iam-ws-deployer"}); r.Code != http.StatusCreated {
		t.Fatalf("member: %d %s", r.Code, r.Body)
	}
	iamExpectKube(t, "iam-deployer", "list", "", "pods", "iam-ws-web", true)
	iamExpectKube(t, "iam-deployer", "delete", "", "pods", "iam-ws-web", false)
	iamExpectKube(t, "iam-deployer", "get", "", "secrets", "iam-ws-web", false)
	iamExpectKube(t, "iam-deployer", "list", "", "pods", "default", false)

	t.Run("changing the templates changes what kube-apiserver allows", func(t *testing.T) {
		r := api.DoJSON(t, http.MethodPut, roles+"/iam-ws-deployer", wsAdmin, body("iam-ws-deployer", "workspace-view-project-resources", "workspace-manage-project-resources"))
		if r.Code != http.StatusOK {
			t.Fatalf("update: %d %s", r.Code, r.Body)
		}
		iamExpectKube(t, "iam-deployer", "delete", "", "pods", "iam-ws-web", true)
		got := api.Do(t, http.MethodGet, roles+"/iam-ws-deployer", wsAdmin, nil)
		if ts, _ := got.JSON["templates"].([]any); len(ts) != 2 {
			t.Fatalf("get: %s", got.Body)
		}
		if md := got.JSON["metadata"].(map[string]any); md["annotations"].(map[string]any)[tenantv1beta1.DisplayNameAnnotation] != "Deployer" {
			t.Fatalf("display name: %s", got.Body)
		}
	})
	t.Run("a role in use is not deleted", func(t *testing.T) {
		iamExpect(t, api.Do(t, http.MethodDelete, roles+"/iam-ws-deployer", wsAdmin, nil), http.StatusConflict, "")
		if r := api.Do(t, http.MethodDelete, iamAPI+"/workspaces/iam-ws/members/iam-deployer", wsAdmin, nil); r.Code != http.StatusOK {
			t.Fatalf("remove: %d %s", r.Code, r.Body)
		}
		if r := api.Do(t, http.MethodDelete, roles+"/iam-ws-deployer", wsAdmin, nil); r.Code != http.StatusOK {
			t.Fatalf("delete: %d %s", r.Code, r.Body)
		}
		platform.ExpectStatus(t, api.Do(t, http.MethodGet, roles+"/iam-ws-deployer", wsAdmin, nil), http.StatusNotFound)
	})
}

func TestBuiltInRolesAreListedAndReadOnly(t *testing.T) {
	iamWorld(t)
	a := api.Admin(t)
	lists := map[string][]string{
		iamAPI + "/globalroles?names=platform-admin,platform-regular":   {"platform-admin", "platform-regular"},
		iamAPI + "/workspaces/iam-ws/workspaceroles?builtin=true":       {"iam-ws-admin", "iam-ws-regular", "iam-ws-self-provisioner", "iam-ws-viewer"},
		iamAPI + "/namespaces/iam-ws-web/roles?builtin=true":            {"admin", "operator", "viewer"},
		iamAPI + "/clusterroles?builtin=true":                           {"cluster-admin", "cluster-viewer"},
		iamAPI + "/workspaces/iam-ws/workspaceroles?name=iam-ws-viewer": {"iam-ws-viewer"},
	}
	for path, want := range lists {
		eventually(t, path, func() error {
			r := api.Do(t, http.MethodGet, path+"&sortBy=name&ascending=true", a, nil)
			if got := strings.Join(iamNames(t, r), ","); got != strings.Join(want, ",") {
				return errf("got %s", got)
			}
			return nil
		})
	}
	r := api.Do(t, http.MethodGet, iamAPI+"/workspaces/iam-ws/workspaceroles/iam-ws-viewer", a, nil)
	if ts, _ := r.JSON["templates"].([]any); len(ts) == 0 || r.Str("kind") != "WorkspaceRole" {
		t.Fatalf("the viewer role: %s", r.Body)
	}
	for _, path := range []string{
		iamAPI + "/globalroles/platform-admin",
		iamAPI + "/workspaces/iam-ws/workspaceroles/iam-ws-admin",
		iamAPI + "/namespaces/iam-ws-web/roles/admin",
		iamAPI + "/clusterroles/cluster-viewer",
	} {
		name := path[strings.LastIndex(path, "/")+1:]
		r := api.DoJSON(t, http.MethodPut, path, a, map[string]any{"metadata": map[string]any{"name": name}, "templates": []string{}})
		iamExpect(t, r, http.StatusConflict, "metadata.labels["+iamv1beta1.BuiltinLabel+"]")
		if !strings.Contains(r.Str("message"), "built-in role") {
			t.Fatalf("message: %s", r.Body)
		}
		iamExpect(t, api.Do(t, http.MethodDelete, path, a, nil), http.StatusConflict, "")
	}
	iamExpect(t, api.Do(t, http.MethodGet, iamAPI+"/clusterroles?builtin=maybe", a, nil), http.StatusBadRequest, "builtin")
	platform.ExpectStatus(t, api.Do(t, http.MethodGet, iamAPI+"/clusterroles/superkube:globalrole:platform-admin", a, nil), http.StatusNotFound)
}

func TestClusterMembersHoldClusterRolesBuiltFromTemplates(t *testing.T) {
	a := api.Admin(t)
	newUser(t, "iam-nodes")
	r := api.DoJSON(t, http.MethodPost, iamAPI+"/clusterroles", a, map[string]any{"metadata": map[string]any{"name": "iam-node-viewer"},
		"templates": []string{"cluster-view-nodes"}})
	if r.Code != http.StatusCreated {
		t.Fatalf("role: %d %s", r.Code, r.Body)
	}
	cr := &rbacv1.ClusterRole{}
	if err := st.k8s.Get(context.Background(), keyOf("iam-node-viewer"), cr); err != nil || cr.Labels[iamv1beta1.ScopeLabel] != "cluster" ||
		cr.Annotations[iamv1beta1.AggregationAnnotation] != `["cluster-view-nodes"]` {
		t.Fatalf("the ClusterRole: %v %+v", err, cr.ObjectMeta)
	}
	iamExpect(t, api.DoJSON(t, http.MethodPost, iamAPI+"/clusterroles", a, map[string]any{"metadata": map[string]any{"name": "iam-x"},
		"templates": []string{"workspace-view-members"}}), http.StatusUnprocessableEntity, "templates[0]")
	if r := api.DoJSON(t, http.MethodPost, iamAPI+"/clustermembers", a, map[string]string{"username": "iam-nodes", "role": "iam-node-viewer"}); r.Code != http.StatusCreated {
		t.Fatalf("member: %d %s", r.Code, r.Body)
	}
	iamExpectKube(t, "iam-nodes", "list", "", "nodes", "", true)
	iamExpectKube(t, "iam-nodes", "delete", "", "nodes", "", false)
	r = api.Do(t, http.MethodGet, iamAPI+"/clustermembers?name=iam-nodes", a, nil)
	if items := iamItems(t, r); len(items) != 1 || items[0]["role"] != "iam-node-viewer" {
		t.Fatalf("cluster members: %s", r.Body)
	}
	iamExpect(t, api.DoJSON(t, http.MethodPost, iamAPI+"/clustermembers", a, map[string]string{"username": "iam-nodes", "role": "system:basic-user"}), http.StatusUnprocessableEntity, "role")
	platform.ExpectStatus(t, api.Do(t, http.MethodGet, iamAPI+"/clustermembers", api.Token(t, "iam-nodes"), nil), http.StatusForbidden)
	if r := api.Do(t, http.MethodDelete, iamAPI+"/clustermembers/iam-nodes", a, nil); r.Code != http.StatusOK {
		t.Fatalf("remove: %d %s", r.Code, r.Body)
	}
	iamExpectKube(t, "iam-nodes", "list", "", "nodes", "", false)
}

func TestGroupsHaveMembersThatTheirUsersList(t *testing.T) {
	a := api.Admin(t)
	newUser(t, "iam-grp-user")
	r := api.DoJSON(t, http.MethodPost, iamAPI+"/groups", a, map[string]any{"metadata": map[string]any{"name": "iam-devs"}, "spec": map[string]any{"displayName": "Developers"}})
	if r.Code != http.StatusCreated {
		t.Fatalf("group: %d %s", r.Code, r.Body)
	}
	iamExpect(t, api.DoJSON(t, http.MethodPost, iamAPI+"/groups", a, map[string]any{"metadata": map[string]any{"name": "iam-devs"}}), http.StatusConflict, "metadata.name")
	iamExpect(t, api.DoJSON(t, http.MethodPost, iamAPI+"/groups", a, map[string]any{"metadata": map[string]any{"name": "Dev Team"}}), http.StatusUnprocessableEntity, "metadata.name")
	if r := api.Do(t, http.MethodGet, iamAPI+"/groups?name=developers", a, nil); strings.Join(iamNames(t, r), ",") != "iam-devs" {
		t.Fatalf("search by display name: %s", r.Body)
	}
	if r := iamMerge(t, iamAPI+"/groups/iam-devs", a, map[string]any{"spec": map[string]any{"description": "Build things"}}); r.Code != http.StatusOK {
		t.Fatalf("patch: %d %s", r.Code, r.Body)
	}

	gm := iamAPI + "/groups/iam-devs/members"
	if r := api.DoJSON(t, http.MethodPost, gm, a, map[string]string{"username": "iam-grp-user"}); r.Code != http.StatusCreated {
		t.Fatalf("add: %d %s", r.Code, r.Body)
	}
	iamExpect(t, api.DoJSON(t, http.MethodPost, gm, a, map[string]string{"username": "iam-grp-user"}), http.StatusConflict, "username")
	iamExpect(t, api.DoJSON(t, http.MethodPost, gm, a, map[string]string{"username": "nobody-at-all"}), http.StatusUnprocessableEntity, "username")
	if r := api.Do(t, http.MethodGet, gm, a, nil); strings.Join(iamNames(t, r), ",") != "iam-grp-user" || iamTotal(r) != 1 {
		t.Fatalf("members: %s", r.Body)
	}
	eventually(t, "the user lists the group", func() error {
		r := api.Do(t, http.MethodGet, iamAPI+"/users/iam-grp-user", a, nil)
		groups, _ := r.JSON["status"].(map[string]any)["groups"].([]any)
		if len(groups) != 1 || groups[0] != "iam-devs" {
			return errf("%s", r.Body)
		}
		return nil
	})
	if r := api.Do(t, http.MethodDelete, gm+"/iam-grp-user", a, nil); r.Code != http.StatusOK {
		t.Fatalf("remove: %d %s", r.Code, r.Body)
	}
	platform.ExpectStatus(t, api.Do(t, http.MethodDelete, gm+"/iam-grp-user", a, nil), http.StatusNotFound)
	eventually(t, "the user no longer lists the group", func() error {
		u := &iamv1beta1.User{}
		if err := st.k8s.Get(context.Background(), keyOf("iam-grp-user"), u); err != nil {
			return err
		}
		if len(u.Status.Groups) != 0 {
			return errf("groups %v", u.Status.Groups)
		}
		return nil
	})
	if r := api.Do(t, http.MethodDelete, iamAPI+"/groups/iam-devs", a, nil); r.Code != http.StatusOK {
		t.Fatalf("delete: %d %s", r.Code, r.Body)
	}
	platform.ExpectStatus(t, api.Do(t, http.MethodGet, iamAPI+"/groups/iam-devs", a, nil), http.StatusNotFound)
}

func TestNamesThatTryPathTraversalAreRefused(t *testing.T) {
	iamWorld(t)
	a := api.Admin(t)
	for _, p := range []struct{ method, path, field string }{
		{http.MethodGet, iamAPI + "/users/..%2Fadmin", "name"},
		{http.MethodPost, iamAPI + "/users/..%2Fadmin/disable", "name"},
		{http.MethodDelete, iamAPI + "/workspaces/iam-ws/members/..%2F..%2Fadmin", "name"},
		{http.MethodGet, iamAPI + "/workspaces/..%2Fiam-ws/members", "workspace"},
		{http.MethodDelete, iamAPI + "/groups/g/members/..%2Fadmin", "subresource"},
		{http.MethodDelete, iamAPI + "/groups/g/members/Not_A_Name", "user"},
	} {
		iamExpect(t, api.Do(t, p.method, p.path, a, nil), http.StatusBadRequest, p.field)
	}
}

func TestIAMPathsTakeJSONBodiesAndAnswerAWrongMethodWith405(t *testing.T) {
	adm := api.Admin(t)
	r := api.Do(t, http.MethodPost, iamAPI+"/users", adm, strings.NewReader(`{"metadata":{"name":"iam-plain"}}`), "Content-Type", "text/plain")
	platform.ExpectStatus(t, r, http.StatusUnsupportedMediaType)
	r = api.Do(t, http.MethodPost, iamAPI+"/users", adm, nil, "Content-Type", "application/json")
	platform.ExpectStatus(t, r, http.StatusBadRequest)
	r = api.Do(t, http.MethodPatch, iamAPI+"/users", adm, strings.NewReader(`{}`), "Content-Type", "application/merge-patch+json")
	platform.ExpectStatus(t, r, http.StatusMethodNotAllowed)
	if allow := r.Header.Get("Allow"); allow != "GET, POST" {
		t.Fatalf("Allow %q, want \"GET, POST\"", allow)
	}
}
