package apiserver

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	"github.com/superkube/super-kubenetes/internal/testutil/platform"
)

func TestDiscoveryAndKeysArePublished(t *testing.T) {
	d := api.Do(t, http.MethodGet, "/.well-known/openid-configuration", "", nil)
	if d.Code != http.StatusOK || d.Str("issuer") != st.url || d.Str("jwks_uri") != st.url+"/oauth/keys" {
		t.Fatalf("discovery: %d %s", d.Code, d.Body)
	}
	o := api.Do(t, http.MethodGet, "/openapi/v3", "", nil)
	if o.Code != http.StatusOK || o.Str("openapi") != "3.0.3" || !strings.Contains(string(o.Body), `"/kapis/tenant.superkube.io/v1beta1/workspaces"`) {
		t.Fatalf("openapi: %d %.200s", o.Code, o.Body)
	}
	k := api.Do(t, http.MethodGet, "/oauth/keys", "", nil)
	keys, _ := k.JSON["keys"].([]any)
	if k.Code != http.StatusOK || len(keys) == 0 || keys[0].(map[string]any)["alg"] != "RS256" || keys[0].(map[string]any)["kid"] == "" {
		t.Fatalf("keys: %d %s", k.Code, k.Body)
	}
}

func TestFirstLoginForcesAPasswordChange(t *testing.T) {
	newUser(t, "newbie", func(u *iamv1beta1.User) { u.Spec.PasswordChangeRequired = true })
	tok := api.Token(t, "newbie")

	t.Run("only the password change and the own user answer", func(t *testing.T) {
		r := api.DoJSON(t, http.MethodPost, "/kapis/iam.superkube.io/v1beta1/subjectaccessreviews", tok,
			map[string]any{"spec": map[string]any{"resourceAttributes": map[string]string{"verb": "list", "resource": "pods"}}})
		platform.ExpectStatus(t, r, http.StatusForbidden)
		if r.Str("reason") != "PasswordChangeRequired" {
			t.Fatalf("reason %q", r.Str("reason"))
		}
		if r := api.Do(t, http.MethodGet, "/kapis/iam.superkube.io/v1beta1/users/newbie/kubeconfig", tok, nil); r.Code != http.StatusForbidden {
			t.Fatalf("kubeconfig: %d", r.Code)
		}
	})

	t.Run("a weak or wrong password is refused naming the field", func(t *testing.T) {
		r := api.DoJSON(t, http.MethodPut, "/kapis/iam.superkube.io/v1beta1/users/newbie/password", tok,
			map[string]string{"currentPassword": Password, "password": "short"})
		platform.ExpectStatus(t, r, http.StatusUnprocessableEntity)
		if !strings.Contains(string(r.Body), `"field":"password"`) {
			t.Fatalf("the field is not named: %s", r.Body)
		}
		r = api.DoJSON(t, http.MethodPut, "/kapis/iam.superkube.io/v1beta1/users/newbie/password", tok,
			map[string]string{"currentPassword": "not-it", "password": "Another-Passw0rd!"})
		platform.ExpectStatus(t, r, http.StatusUnprocessableEntity)
		if !strings.Contains(string(r.Body), `"field":"currentPassword"`) {
			t.Fatalf("the field is not named: %s", r.Body)
		}
	})

	t.Run("the change revokes the old token and lifts the restriction", func(t *testing.T) {
		r := api.DoJSON(t, http.MethodPut, "/kapis/iam.superkube.io/v1beta1/users/newbie/password", tok,
			map[string]string{"currentPassword": Password, "password": "Another-Passw0rd!"})
		if r.Code != http.StatusOK {
			t.Fatalf("change: %d %s", r.Code, r.Body)
		}
		platform.ExpectStatus(t, api.Do(t, http.MethodGet, "/kapis/iam.superkube.io/v1beta1/users/newbie", tok, nil), http.StatusUnauthorized)
		if r := api.Login(t, "newbie", Password); r.Code != http.StatusUnauthorized {
			t.Fatalf("the old password still logs in: %d", r.Code)
		}
		var fresh string
		eventually(t, "the new password logs in", func() error {
			r := api.Login(t, "newbie", "Another-Passw0rd!")
			if r.Code != http.StatusOK {
				return errf("%d %s", r.Code, r.Body)
			}
			fresh = r.Str("access_token")
			return nil
		})
		r = api.DoJSON(t, http.MethodPost, "/kapis/iam.superkube.io/v1beta1/subjectaccessreviews", fresh,
			map[string]any{"spec": map[string]any{"resourceAttributes": map[string]string{"verb": "list", "resource": "pods"}}})
		if r.Code != http.StatusCreated {
			t.Fatalf("after the change: %d %s", r.Code, r.Body)
		}
	})
}

func TestWrongPasswordsGetTheSameAnswerForKnownAndUnknownUsers(t *testing.T) {
	newUser(t, "known")
	known, unknown := api.Login(t, "known", "wrong-password"), api.Login(t, "nobody-at-all", "wrong-password")
	platform.ExpectStatus(t, known, http.StatusUnauthorized)
	if string(known.Body) != string(unknown.Body) || known.Code != unknown.Code {
		t.Fatalf("the answers differ:\n%s\n%s", known.Body, unknown.Body)
	}
	// Timing: each bcrypt comparison takes as long. Known and unknown users
	// are asked in turn, so that the machine's load weighs on both alike,
	// and medians are compared.
	var k, u []time.Duration
	for range 15 {
		for _, who := range []string{"known", "nobody-at-all"} {
			start := time.Now()
			api.Login(t, who, "wrong-password")
			if who == "known" {
				k = append(k, time.Since(start))
			} else {
				u = append(u, time.Since(start))
			}
		}
	}
	median := func(d []time.Duration) time.Duration {
		sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
		return d[len(d)/2]
	}
	km, um := median(k), median(u)
	if ratio := float64(km) / float64(um); ratio < 0.33 || ratio > 3 {
		t.Fatalf("known users answer in %s, unknown in %s", km, um)
	}
}

func TestFailedLoginsLockTheUserWithTheSameAnswer(t *testing.T) {
	newUser(t, "target")
	for range maxFailures {
		api.Login(t, "target", "guess")
	}
	eventually(t, "the user is locked", func() error {
		u := &iamv1beta1.User{}
		if err := st.k8s.Get(t.Context(), keyOf("target"), u); err != nil {
			return err
		}
		if u.Status.State != iamv1beta1.UserAuthLimitExceeded {
			return errf("state %q", u.Status.State)
		}
		return nil
	})
	// ke-apiserver sees the lock through its cache a moment after kube-apiserver has it.
	eventually(t, "a locked user's right password gets the answer of a wrong one", func() error {
		r := api.Login(t, "target", Password)
		wrong := api.Login(t, "target", "guess")
		if r.Code != http.StatusUnauthorized || string(r.Body) != string(wrong.Body) {
			return errf("%d %s / %s", r.Code, r.Body, wrong.Body)
		}
		return nil
	})
	eventually(t, "every attempt is recorded", func() error {
		records := &iamv1beta1.LoginRecordList{}
		if err := st.k8s.List(t.Context(), records, labelsFor("target")); err != nil || len(records.Items) < maxFailures+2 {
			return errf("%d records (%v)", len(records.Items), err)
		}
		return nil
	})
}

func TestTokensAreRefusedWhenTheyShouldBe(t *testing.T) {
	newUser(t, "holder")
	good := api.Token(t, "holder")
	parts := strings.Split(good, ".")
	none := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + parts[1] + "."
	tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"admin","iss":"`+st.url+`"}`)) + "." + parts[2]
	for name, tok := range map[string]string{"a malformed token": "abc", "an alg none token": none, "a tampered token": tampered,
		"a token of another issuer": otherIssuerToken(t)} {
		t.Run(name+" is 401", func(t *testing.T) {
			platform.ExpectStatus(t, api.Do(t, http.MethodGet, "/kapis/iam.superkube.io/v1beta1/users/holder", tok, nil), http.StatusUnauthorized)
		})
	}
	t.Run("a good token works until logout revokes it", func(t *testing.T) {
		if r := api.Do(t, http.MethodGet, "/oauth/userinfo", good, nil); r.Code != http.StatusOK || r.Str("sub") != "holder" {
			t.Fatalf("userinfo: %d %s", r.Code, r.Body)
		}
		if r := api.Do(t, http.MethodPost, "/oauth/logout", good, nil); r.Code != http.StatusOK {
			t.Fatalf("logout: %d %s", r.Code, r.Body)
		}
		platform.ExpectStatus(t, api.Do(t, http.MethodGet, "/oauth/userinfo", good, nil), http.StatusUnauthorized)
	})
	t.Run("disabling the user revokes its tokens", func(t *testing.T) {
		tok := api.Token(t, "holder")
		// A merge patch does not conflict with the controller's status updates.
		u := &iamv1beta1.User{ObjectMeta: metav1.ObjectMeta{Name: "holder"}}
		if err := st.k8s.Patch(t.Context(), u, client.RawPatch(types.MergePatchType, []byte(`{"spec":{"disabled":true}}`))); err != nil {
			t.Fatal(err)
		}
		eventually(t, "the token is refused", func() error {
			if r := api.Do(t, http.MethodGet, "/oauth/userinfo", tok, nil); r.Code != http.StatusUnauthorized {
				return errf("%d", r.Code)
			}
			return nil
		})
	})
}

func TestRefreshTokensRotate(t *testing.T) {
	newUser(t, "refresher")
	first := api.Login(t, "refresher", Password)
	second := api.Form(t, "/oauth/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {first.Str("refresh_token")}}, "ke-console", consoleSecret)
	if second.Code != http.StatusOK || second.Str("access_token") == "" {
		t.Fatalf("refresh: %d %s", second.Code, second.Body)
	}
	again := api.Form(t, "/oauth/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {first.Str("refresh_token")}}, "ke-console", consoleSecret)
	if again.Code != http.StatusBadRequest || again.Str("error") != "invalid_grant" || again.Str("kind") != "Status" {
		t.Fatalf("a used refresh token: %d %s", again.Code, again.Body)
	}
}

func TestAuthorizationCodeWithPKCE(t *testing.T) {
	newUser(t, "browser")
	tok := api.Token(t, "browser")
	verifier := strings.Repeat("v", 50)
	sum := sha256.Sum256([]byte(verifier))
	challenge := base64.RawURLEncoding.EncodeToString(sum[:])
	q := url.Values{"client_id": {"cli"}, "redirect_uri": {cliRedirect}, "response_type": {"code"}, "scope": {"openid"},
		"state": {"xyz"}, "nonce": {"n-1"}, "code_challenge": {challenge}, "code_challenge_method": {"S256"}}

	t.Run("a wrong redirect URI gets an error page, never a redirect", func(t *testing.T) {
		bad := url.Values{}
		for k, v := range q {
			bad[k] = v
		}
		bad.Set("redirect_uri", "https://evil.example.com/steal")
		r := api.Do(t, http.MethodGet, "/oauth/authorize?"+bad.Encode(), tok, nil)
		if r.Code != http.StatusBadRequest || r.Header.Get("Location") != "" || !strings.Contains(r.Header.Get("Content-Type"), "text/html") {
			t.Fatalf("%d %v %s", r.Code, r.Header, r.Body)
		}
	})

	code := func() string {
		r := api.Do(t, http.MethodGet, "/oauth/authorize?"+q.Encode(), tok, nil)
		loc, err := url.Parse(r.Header.Get("Location"))
		if r.Code != http.StatusFound || err != nil || loc.Query().Get("state") != "xyz" || loc.Query().Get("code") == "" {
			t.Fatalf("authorize: %d %s %s", r.Code, r.Header.Get("Location"), r.Body)
		}
		return loc.Query().Get("code")
	}
	exchange := func(c, v string) *platform.Response {
		return api.Form(t, "/oauth/token", url.Values{"grant_type": {"authorization_code"}, "client_id": {"cli"}, "code": {c},
			"redirect_uri": {cliRedirect}, "code_verifier": {v}}, "", "")
	}
	t.Run("the code with its verifier gives tokens, once", func(t *testing.T) {
		c := code()
		r := exchange(c, verifier)
		if r.Code != http.StatusOK || r.Str("id_token") == "" {
			t.Fatalf("exchange: %d %s", r.Code, r.Body)
		}
		if again := exchange(c, verifier); again.Code != http.StatusBadRequest {
			t.Fatalf("a reused code: %d %s", again.Code, again.Body)
		}
	})
	t.Run("a wrong verifier is refused", func(t *testing.T) {
		if r := exchange(code(), strings.Repeat("w", 50)); r.Code != http.StatusBadRequest || r.Str("error") != "invalid_grant" {
			t.Fatalf("%d %s", r.Code, r.Body)
		}
	})
	t.Run("without a token the login page is shown and its form logs in", func(t *testing.T) {
		r := api.Do(t, http.MethodGet, "/oauth/authorize?"+q.Encode(), "", nil)
		if r.Code != http.StatusOK || !strings.Contains(string(r.Body), `name="password"`) {
			t.Fatalf("login page: %d %s", r.Code, r.Body)
		}
		f := url.Values{}
		for k, v := range q {
			f[k] = v
		}
		f.Set("username", "browser")
		f.Set("password", Password)
		post := api.Form(t, "/oauth/authorize", f, "", "")
		if post.Code != http.StatusFound || !strings.HasPrefix(post.Header.Get("Location"), cliRedirect+"?code=") {
			t.Fatalf("form login: %d %s", post.Code, post.Header.Get("Location"))
		}
	})
}

func TestTheAuditLogRecordsWithoutSecrets(t *testing.T) {
	newUser(t, "audited")
	r := api.Login(t, "audited", Password)
	api.Login(t, "audited", "Wrong-Secret-Value1")
	api.Do(t, http.MethodPost, "/oauth/logout", r.Str("access_token"), nil)
	eventually(t, "the events are written", func() error {
		data, err := os.ReadFile(st.auditFile)
		if err != nil {
			return err
		}
		s := string(data)
		for _, want := range []string{`"type":"login","user":"system:anonymous"`, `"subject":"audited"`, `"type":"logout"`, `"result":"failure"`} {
			if !strings.Contains(s, want) {
				return errf("missing %s", want)
			}
		}
		for _, secret := range []string{Password, "Wrong-Secret-Value1", r.Str("access_token"), consoleSecret} {
			if strings.Contains(s, secret) {
				t.Fatalf("the audit log holds a secret")
			}
		}
		return nil
	})
}

func TestOversizedRequestsAreRefused(t *testing.T) {
	big := strings.NewReader(strings.Repeat("x", 128<<10))
	platform.ExpectStatus(t, api.Do(t, http.MethodPost, "/kapis/iam.superkube.io/v1beta1/subjectaccessreviews", api.Admin(t), big), http.StatusRequestEntityTooLarge)
	r := api.Do(t, http.MethodGet, "/healthz", "", nil, "X-Huge", strings.Repeat("h", 100<<10))
	if r.Code != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("an oversized header: %d", r.Code)
	}
}

func TestLoginRecordsTellSuccessFromFailure(t *testing.T) {
	newUser(t, "recorded")
	api.Token(t, "recorded")
	api.Login(t, "recorded", "not-it")
	eventually(t, "both attempts are recorded", func() error {
		records := &iamv1beta1.LoginRecordList{}
		if err := st.k8s.List(t.Context(), records, labelsFor("recorded")); err != nil || len(records.Items) != 2 {
			return errf("%d records (%v)", len(records.Items), err)
		}
		for _, r := range records.Items {
			if r.Spec.Success && r.Spec.Reason != "" {
				return errf("a successful login has the reason %q", r.Spec.Reason)
			}
			if !r.Spec.Success && r.Spec.Reason == "" {
				return errf("a failed login has no reason")
			}
		}
		return nil
	})
}
