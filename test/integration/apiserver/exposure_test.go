package apiserver

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	"github.com/superkube/super-kubenetes/internal/iam/password"
	"github.com/superkube/super-kubenetes/internal/iam/passwordsecret"
	"github.com/superkube/super-kubenetes/internal/testutil/platform"
)

const lastAppliedKey = "kubectl.kubernetes.io/last-applied-configuration"

// exposed fails when an answer carries a password, a hash or kubectl's
// last-applied copy (the proxy and the list engine drop it whole).
func exposed(t *testing.T, what string, body []byte, secrets []string, lastApplied bool) {
	t.Helper()
	bad := append([]string{`"password"`, "$2a$", "$2b$", "$2y$"}, secrets...)
	if !lastApplied {
		// The annotation with its value (managed fields name the key only).
		bad = append(bad, `"`+lastAppliedKey+`":"`)
	}
	for _, s := range bad {
		if bytes.Contains(body, []byte(s)) {
			t.Fatalf("%s holds %q: %s", what, s, body)
		}
	}
}

// movedUser waits until ke-controller-manager has moved the user's
// password into its Secret, and returns the stored hash.
func movedUser(t *testing.T, name string) string {
	t.Helper()
	var hash string
	eventually(t, "the password of "+name+" is moved into its Secret", func() error {
		u := &iamv1beta1.User{}
		if err := st.k8s.Get(context.Background(), keyOf(name), u); err != nil {
			return err
		}
		if hash = storedHash(t, u); u.Spec.Password != "" || hash == "" || u.Status.State == "" {
			return errf("not moved yet")
		}
		return nil
	})
	return hash
}

// directGet sends a GET straight to kube-apiserver with cfg.
func directGet(t *testing.T, cfg *rest.Config, path string) (int, []byte) {
	t.Helper()
	hc, err := rest.HTTPClientFor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := hc.Get(strings.TrimRight(cfg.Host, "/") + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, data
}

func TestNoPathGivesSomeoneWhoMayViewUsersAPasswordOrItsHash(t *testing.T) {
	ctx := context.Background()
	newUser(t, "hx-viewer")
	if err := st.k8s.Create(ctx, &iamv1beta1.GlobalRole{ObjectMeta: metav1.ObjectMeta{Name: "hx-users-viewer"},
		AggregationRoleTemplates: &iamv1beta1.AggregationRoleTemplates{TemplateNames: []string{"global-view-users"}}}); err != nil {
		t.Fatal(err)
	}
	bindGlobal(t, "hx-viewer", "hx-users-viewer")
	viewer := api.Token(t, "hx-viewer")

	// An administrator's `kubectl apply` of a user with a bcrypt hash of
	// their own making, and `kubectl create` of one with a plaintext.
	const appliedPlain = "Hx-Applied-Passw0rd"
	appliedHash, err := password.Hash(appliedPlain, platform.BcryptCost)
	if err != nil {
		t.Fatal(err)
	}
	manifest := `{"apiVersion":"iam.superkube.io/v1beta1","kind":"User","metadata":{"name":"hx-applied"},"spec":{"email":"hx-applied@example.com","password":"` + appliedHash + `"}}`
	if err := st.k8s.Create(ctx, &iamv1beta1.User{
		ObjectMeta: metav1.ObjectMeta{Name: "hx-applied", Annotations: map[string]string{lastAppliedKey: manifest}},
		Spec:       iamv1beta1.UserSpec{Email: "hx-applied@example.com", Password: appliedHash}}); err != nil {
		t.Fatal(err)
	}
	newUser(t, "hx-plain")
	secrets := []string{appliedHash, appliedPlain, movedUser(t, "hx-applied"), movedUser(t, "hx-plain"), Password}

	proxied := "/apis/iam.superkube.io/v1beta1/users"
	untilAllowed(t, "the viewer reads users through the proxy", func() *platform.Response { return api.Do(t, http.MethodGet, proxied+"/hx-applied", viewer, nil) })

	t.Run("through the proxy: objects, lists, tables and any encoding asked for", func(t *testing.T) {
		for _, tc := range []struct {
			path    string
			headers []string
		}{
			{proxied + "/hx-applied", nil},
			{proxied + "?limit=500", nil},
			{proxied, []string{"Accept", "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"}},
			{proxied + "?includeObject=Object", []string{"Accept", "application/json;as=Table;v=v1;g=meta.k8s.io"}},
			{proxied, []string{"Accept", "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io"}},
			{proxied + "/hx-applied", []string{"Accept", "application/vnd.kubernetes.protobuf,application/cbor,application/yaml", "Accept-Encoding", "gzip"}},
			{"/clusters/host" + proxied + "/hx-plain", nil},
		} {
			r := api.Do(t, http.MethodGet, tc.path, viewer, nil, tc.headers...)
			if r.Code != http.StatusOK || !bytes.Contains(r.Body, []byte("hx-")) {
				t.Fatalf("%s %v: %d %s", tc.path, tc.headers, r.Code, r.Body)
			}
			exposed(t, tc.path, r.Body, secrets, false)
		}
	})

	t.Run("in a watch through the proxy", func(t *testing.T) {
		wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		req, err := http.NewRequestWithContext(wctx, http.MethodGet, st.url+proxied+"?watch=true&resourceVersion=0", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+viewer)
		resp, err := st.http.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("watch: %d", resp.StatusCode)
		}
		// A change made while the watch is open arrives redacted too.
		go func() {
			time.Sleep(200 * time.Millisecond)
			u := &iamv1beta1.User{}
			if err := st.k8s.Get(ctx, keyOf("hx-applied"), u); err == nil {
				before := u.DeepCopy()
				u.Spec.Description = "changed while watched"
				_ = st.k8s.Patch(ctx, u, client.MergeFrom(before))
			}
		}()
		lines := bufio.NewScanner(resp.Body)
		lines.Buffer(make([]byte, 1<<20), 1<<20)
		seen := 0
		for lines.Scan() {
			exposed(t, "a watch event", lines.Bytes(), secrets, false)
			var ev struct{ Type string }
			if err := json.Unmarshal(lines.Bytes(), &ev); err != nil {
				t.Fatalf("an event is not JSON: %s", lines.Bytes())
			}
			seen++
			if ev.Type == "MODIFIED" && bytes.Contains(lines.Bytes(), []byte("changed while watched")) {
				return
			}
		}
		t.Fatalf("the change did not arrive (%d events): %v", seen, lines.Err())
	})

	t.Run("through the IAM API", func(t *testing.T) {
		for _, p := range []string{iamAPI + "/users/hx-applied", iamAPI + "/users?limit=500"} {
			r := api.Do(t, http.MethodGet, p, viewer, nil)
			if r.Code != http.StatusOK {
				t.Fatalf("%s: %d %s", p, r.Code, r.Body)
			}
			exposed(t, p, r.Body, secrets, false)
		}
	})

	t.Run("through the list engine, last-applied copies included", func(t *testing.T) {
		for _, p := range []string{engine + "/users?limit=500", engine + "/users/hx-applied", engine + "/users?name=hx-"} {
			r := api.Do(t, http.MethodGet, p, viewer, nil)
			if r.Code != http.StatusOK {
				t.Fatalf("%s: %d %s", p, r.Code, r.Body)
			}
			exposed(t, p, r.Body, secrets, false)
		}
	})

	t.Run("straight at kube-apiserver, with a downloaded kubeconfig and as the user", func(t *testing.T) {
		r := api.Do(t, http.MethodGet, iamAPI+"/users/hx-viewer/kubeconfig", viewer, nil)
		if r.Code != http.StatusOK {
			t.Fatalf("kubeconfig: %d %s", r.Code, r.Body)
		}
		withToken, err := clientcmd.RESTConfigFromKubeConfig(r.Body)
		if err != nil {
			t.Fatal(err)
		}
		impersonated := rest.CopyConfig(st.env.Config)
		impersonated.Impersonate = rest.ImpersonationConfig{UserName: "hx-viewer", Groups: []string{"system:authenticated"}}
		for name, cfg := range map[string]*rest.Config{"token": withToken, "impersonation": impersonated} {
			for _, p := range []string{proxied + "/hx-applied", proxied + "/hx-plain", proxied + "?limit=500"} {
				var code int
				var body []byte
				eventually(t, "kube-apiserver lets the viewer read users ("+name+")", func() error {
					if code, body = directGet(t, cfg, p); code != http.StatusOK {
						return errf("%d %s", code, body)
					}
					return nil
				})
				// kubectl's copy stays on the object, without the password.
				exposed(t, name+" "+p, body, secrets, true)
			}
			code, _ := directGet(t, cfg, "/api/v1/namespaces/"+platform.SystemNamespace+"/secrets/"+passwordsecret.Name("hx-applied"))
			if code != http.StatusForbidden {
				t.Fatalf("the viewer reads the password Secret (%s): %d", name, code)
			}
		}
	})

	t.Run("the users still log in with their passwords", func(t *testing.T) {
		if r := api.Login(t, "hx-applied", appliedPlain); r.Code != http.StatusOK {
			t.Fatalf("%d %s", r.Code, r.Body)
		}
		api.Token(t, "hx-plain")
		if r := api.Login(t, "hx-plain", appliedPlain); r.Code == http.StatusOK {
			t.Fatal("a wrong password logs in")
		}
	})
}

func TestAPasswordChangeReadsAndWritesTheHashInItsSecret(t *testing.T) {
	newUser(t, "hx-changer")
	tok := api.Token(t, "hx-changer")
	path := iamAPI + "/users/hx-changer/password"
	iamExpect(t, api.DoJSON(t, http.MethodPut, path, tok, map[string]string{"currentPassword": "Not-The-Passw0rd", "password": "Brand-New-Passw0rd"}),
		http.StatusUnprocessableEntity, "currentPassword")
	if r := api.DoJSON(t, http.MethodPut, path, tok, map[string]string{"currentPassword": Password, "password": "Brand-New-Passw0rd"}); r.Code != http.StatusOK {
		t.Fatalf("change: %d %s", r.Code, r.Body)
	}
	if r := api.Login(t, "hx-changer", Password); r.Code == http.StatusOK {
		t.Fatal("the old password still logs in")
	}
	if r := api.Login(t, "hx-changer", "Brand-New-Passw0rd"); r.Code != http.StatusOK {
		t.Fatalf("the new password: %d %s", r.Code, r.Body)
	}
	u := &iamv1beta1.User{}
	if err := st.k8s.Get(context.Background(), keyOf("hx-changer"), u); err != nil {
		t.Fatal(err)
	}
	if u.Spec.Password != "" || !password.Matches(storedHash(t, u), "Brand-New-Passw0rd") {
		t.Fatal("the new hash is not (only) in the password Secret")
	}
}

func TestAnOldLayoutUserIsMigratedAndKeepsLoggingIn(t *testing.T) {
	// As an older version stored it: the hash in spec.password.
	const plain = "Old-Layout-Passw0rd"
	hash, err := password.Hash(plain, platform.BcryptCost)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.k8s.Create(context.Background(), &iamv1beta1.User{ObjectMeta: metav1.ObjectMeta{Name: "hx-old"},
		Spec: iamv1beta1.UserSpec{Email: "hx-old@example.com", Password: hash}}); err != nil {
		t.Fatal(err)
	}
	if got := movedUser(t, "hx-old"); got != hash {
		t.Fatal("the migrated hash is not the old one")
	}
	eventually(t, "the migrated user logs in", func() error {
		if r := api.Login(t, "hx-old", plain); r.Code != http.StatusOK {
			return errf("%d %s", r.Code, r.Body)
		}
		return nil
	})
}

func TestAddingAMemberDoesNotTellWhetherTheUserExists(t *testing.T) {
	ctx := context.Background()
	for _, u := range []string{"hx-wsadmin", "hx-real"} {
		newUser(t, u)
	}
	if err := st.k8s.Create(ctx, &tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: "hx-ws"}, Spec: tenantv1beta1.WorkspaceSpec{Manager: "hx-wsadmin"}}); err != nil {
		t.Fatal(err)
	}
	wsAdmin := api.Token(t, "hx-wsadmin")
	members := iamAPI + "/workspaces/hx-ws/members"
	add := func(tok, user string) *platform.Response {
		return api.DoJSON(t, http.MethodPost, members, tok, map[string]string{"username": user, "role": "viewer"})
	}
	known := iamUntil(t, "the manager adds a member", func() *platform.Response { return add(wsAdmin, "hx-real") })
	ghost := add(wsAdmin, "hx-ghost")
	if known.Code != http.StatusCreated || ghost.Code != http.StatusCreated {
		t.Fatalf("an existing user: %d %s; an unknown one: %d %s", known.Code, known.Body, ghost.Code, ghost.Body)
	}
	shape := func(r *platform.Response) []string {
		keys := make([]string, 0, len(r.JSON))
		for k := range r.JSON {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		return keys
	}
	if !slices.Equal(shape(known), shape(ghost)) || bytes.Contains(known.Body, []byte("hx-real@example.com")) {
		t.Fatalf("the answers differ: %s and %s", known.Body, ghost.Body)
	}
	for _, p := range []string{members + "/hx-real", members + "?limit=100"} {
		if r := api.Do(t, http.MethodGet, p, wsAdmin, nil); r.Code != http.StatusOK || bytes.Contains(r.Body, []byte("@example.com")) {
			t.Fatalf("%s tells the user's details to a caller who may not view users: %d %s", p, r.Code, r.Body)
		}
	}
	// The unknown user's binding grants nothing until the user exists.
	b := &iamv1beta1.WorkspaceRoleBinding{}
	if err := st.k8s.Get(ctx, keyOf("hx-ghost-hx-ws-viewer"), b); err != nil {
		t.Fatalf("the binding of the unknown user: %v", err)
	}

	t.Run("a caller who may view users is told", func(t *testing.T) {
		iamExpect(t, add(api.Admin(t), "hx-nobody"), http.StatusUnprocessableEntity, "username")
		r := api.Do(t, http.MethodGet, members+"/hx-real", api.Admin(t), nil)
		if r.Str("email") != "hx-real@example.com" {
			t.Fatalf("the administrator does not see the member's details: %s", r.Body)
		}
	})
}

func TestTheListEngineLoadsACustomResourceOnlyForCallersWhoMayListIt(t *testing.T) {
	world(t)
	newUser(t, "hx-nobody")
	nobody := api.Token(t, "hx-nobody")
	crd(t, "hx.example.com", "hxwidgets", "HXWidget")
	loaded := func() bool { return slices.Contains(st.srv.Engine.Loaded(), "hxwidgets") }

	// Until the engine has the CRD the answer is 404; then 403, and never an informer.
	eventually(t, "the engine knows the CRD", func() error {
		if r := api.Do(t, http.MethodGet, engine+"/hxwidgets", nobody, nil); r.Code != http.StatusForbidden {
			return errf("%d %s", r.Code, r.Body)
		}
		return nil
	})
	for _, p := range []string{"/namespaces/wsa-web/hxwidgets", "/namespaces/wsa-web/hxwidgets/any", "/hxwidgets?watch=true", "/hxwidgets?group=hx.example.com"} {
		platform.ExpectStatus(t, api.Do(t, http.MethodGet, engine+p, nobody, nil), http.StatusForbidden)
	}
	if loaded() {
		t.Fatalf("the engine cached the custom resource for a caller who may not list it: %v", st.srv.Engine.Loaded())
	}
	if r := api.Do(t, http.MethodGet, engine+"/hxwidgets", api.Admin(t), nil); r.Code != http.StatusOK {
		t.Fatalf("the administrator lists: %d %s", r.Code, r.Body)
	}
	if !loaded() {
		t.Fatalf("the engine did not load the custom resource for the administrator: %v", st.srv.Engine.Loaded())
	}
}
