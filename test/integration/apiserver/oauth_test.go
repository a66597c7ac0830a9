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
)

func TestDiscoveryAndKeysArePublished(t *testing.T) {
	d := do(t, http.MethodGet, "/.well-known/openid-configuration", "", nil)
	if d.code != http.StatusOK || d.str("issuer") != st.url || d.str("jwks_uri") != st.url+"/oauth/keys" {
		t.Fatalf("discovery: %d %s", d.code, d.body)
	}
	o := do(t, http.MethodGet, "/openapi/v3", "", nil)
	if o.code != http.StatusOK || o.str("openapi") != "3.0.3" || !strings.Contains(string(o.body), `"/kapis/tenant.superkube.io/v1beta1/workspaces"`) {
		t.Fatalf("openapi: %d %.200s", o.code, o.body)
	}
	k := do(t, http.MethodGet, "/oauth/keys", "", nil)
	keys, _ := k.json["keys"].([]any)
	if k.code != http.StatusOK || len(keys) == 0 || keys[0].(map[string]any)["alg"] != "RS256" || keys[0].(map[string]any)["kid"] == "" {
		t.Fatalf("keys: %d %s", k.code, k.body)
	}
}

func TestFirstLoginForcesAPasswordChange(t *testing.T) {
	newUser(t, "newbie", func(u *iamv1beta1.User) { u.Spec.PasswordChangeRequired = true })
	tok := token(t, "newbie")

	t.Run("only the password change and the own user answer", func(t *testing.T) {
		r := doJSON(t, http.MethodPost, "/kapis/iam.superkube.io/v1beta1/subjectaccessreviews", tok,
			map[string]any{"spec": map[string]any{"resourceAttributes": map[string]string{"verb": "list", "resource": "pods"}}})
		expectStatus(t, r, http.StatusForbidden)
		if r.str("reason") != "PasswordChangeRequired" {
			t.Fatalf("reason %q", r.str("reason"))
		}
		if r := do(t, http.MethodGet, "/kapis/iam.superkube.io/v1beta1/users/newbie/kubeconfig", tok, nil); r.code != http.StatusForbidden {
			t.Fatalf("kubeconfig: %d", r.code)
		}
	})

	t.Run("a weak or wrong password is refused naming the field", func(t *testing.T) {
		r := doJSON(t, http.MethodPut, "/kapis/iam.superkube.io/v1beta1/users/newbie/password", tok,
			map[string]string{"currentPassword": Password, "password": "short"})
		expectStatus(t, r, http.StatusUnprocessableEntity)
		if !strings.Contains(string(r.body), `"field":"password"`) {
			t.Fatalf("the field is not named: %s", r.body)
		}
		r = doJSON(t, http.MethodPut, "/kapis/iam.superkube.io/v1beta1/users/newbie/password", tok,
			map[string]string{"currentPassword": "not-it", "password": "Another-Passw0rd!"})
		expectStatus(t, r, http.StatusUnprocessableEntity)
		if !strings.Contains(string(r.body), `"field":"currentPassword"`) {
			t.Fatalf("the field is not named: %s", r.body)
		}
	})

	t.Run("the change revokes the old token and lifts the restriction", func(t *testing.T) {
		r := doJSON(t, http.MethodPut, "/kapis/iam.superkube.io/v1beta1/users/newbie/password", tok,
			map[string]string{"currentPassword": Password, "password": "Another-Passw0rd!"})
		if r.code != http.StatusOK {
			t.Fatalf("change: %d %s", r.code, r.body)
		}
		expectStatus(t, do(t, http.MethodGet, "/kapis/iam.superkube.io/v1beta1/users/newbie", tok, nil), http.StatusUnauthorized)
		if r := login(t, "newbie", Password); r.code != http.StatusUnauthorized {
			t.Fatalf("the old password still logs in: %d", r.code)
		}
		var fresh string
		eventually(t, "the new password logs in", func() error {
			r := login(t, "newbie", "Another-Passw0rd!")
			if r.code != http.StatusOK {
				return errf("%d %s", r.code, r.body)
			}
			fresh = r.str("access_token")
			return nil
		})
		r = doJSON(t, http.MethodPost, "/kapis/iam.superkube.io/v1beta1/subjectaccessreviews", fresh,
			map[string]any{"spec": map[string]any{"resourceAttributes": map[string]string{"verb": "list", "resource": "pods"}}})
		if r.code != http.StatusCreated {
			t.Fatalf("after the change: %d %s", r.code, r.body)
		}
	})
}

func TestWrongPasswordsGetTheSameAnswerForKnownAndUnknownUsers(t *testing.T) {
	newUser(t, "known")
	known, unknown := login(t, "known", "wrong-password"), login(t, "nobody-at-all", "wrong-password")
	expectStatus(t, known, http.StatusUnauthorized)
	if string(known.body) != string(unknown.body) || known.code != unknown.code {
		t.Fatalf("the answers differ:\n%s\n%s", known.body, unknown.body)
	}
	// Timing: each bcrypt comparison takes as long. Known and unknown users
	// are asked in turn, so that the machine's load weighs on both alike,
	// and medians are compared.
	var k, u []time.Duration
	for range 15 {
		for _, who := range []string{"known", "nobody-at-all"} {
			start := time.Now()
			login(t, who, "wrong-password")
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
		login(t, "target", "guess")
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
		r := login(t, "target", Password)
		wrong := login(t, "target", "guess")
		if r.code != http.StatusUnauthorized || string(r.body) != string(wrong.body) {
			return errf("%d %s / %s", r.code, r.body, wrong.body)
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
	good := token(t, "holder")
	parts := strings.Split(good, ".")
	none := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + parts[1] + "."
	tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"admin","iss":"`+st.url+`"}`)) + "." + parts[2]
	for name, tok := range map[string]string{"a malformed token": "abc", "an alg none token": none, "a tampered token": tampered,
		"a token of another issuer": otherIssuerToken(t)} {
		t.Run(name+" is 401", func(t *testing.T) {
			expectStatus(t, do(t, http.MethodGet, "/kapis/iam.superkube.io/v1beta1/users/holder", tok, nil), http.StatusUnauthorized)
		})
	}
	t.Run("a good token works until logout revokes it", func(t *testing.T) {
		if r := do(t, http.MethodGet, "/oauth/userinfo", good, nil); r.code != http.StatusOK || r.str("sub") != "holder" {
			t.Fatalf("userinfo: %d %s", r.code, r.body)
		}
		if r := do(t, http.MethodPost, "/oauth/logout", good, nil); r.code != http.StatusOK {
			t.Fatalf("logout: %d %s", r.code, r.body)
		}
		expectStatus(t, do(t, http.MethodGet, "/oauth/userinfo", good, nil), http.StatusUnauthorized)
	})
	t.Run("disabling the user revokes its tokens", func(t *testing.T) {
		tok := token(t, "holder")
		// A merge patch does not conflict with the controller's status updates.
		u := &iamv1beta1.User{ObjectMeta: metav1.ObjectMeta{Name: "holder"}}
		if err := st.k8s.Patch(t.Context(), u, client.RawPatch(types.MergePatchType, []byte(`{"spec":{"disabled":true}}`))); err != nil {
			t.Fatal(err)
		}
		eventually(t, "the token is refused", func() error {
			if r := do(t, http.MethodGet, "/oauth/userinfo", tok, nil); r.code != http.StatusUnauthorized {
				return errf("%d", r.code)
			}
			return nil
		})
	})
}

func TestRefreshTokensRotate(t *testing.T) {
	newUser(t, "refresher")
	first := login(t, "refresher", Password)
	second := form(t, "/oauth/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {first.str("refresh_token")}}, "ke-console", consoleSecret)
	if second.code != http.StatusOK || second.str("access_token") == "" {
		t.Fatalf("refresh: %d %s", second.code, second.body)
	}
	again := form(t, "/oauth/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {first.str("refresh_token")}}, "ke-console", consoleSecret)
	if again.code != http.StatusBadRequest || again.str("error") != "invalid_grant" || again.str("kind") != "Status" {
		t.Fatalf("a used refresh token: %d %s", again.code, again.body)
	}
}

func TestAuthorizationCodeWithPKCE(t *testing.T) {
	newUser(t, "browser")
	tok := token(t, "browser")
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
		r := do(t, http.MethodGet, "/oauth/authorize?"+bad.Encode(), tok, nil)
		if r.code != http.StatusBadRequest || r.header.Get("Location") != "" || !strings.Contains(r.header.Get("Content-Type"), "text/html") {
			t.Fatalf("%d %v %s", r.code, r.header, r.body)
		}
	})

	code := func() string {
		r := do(t, http.MethodGet, "/oauth/authorize?"+q.Encode(), tok, nil)
		loc, err := url.Parse(r.header.Get("Location"))
		if r.code != http.StatusFound || err != nil || loc.Query().Get("state") != "xyz" || loc.Query().Get("code") == "" {
			t.Fatalf("authorize: %d %s %s", r.code, r.header.Get("Location"), r.body)
		}
		return loc.Query().Get("code")
	}
	exchange := func(c, v string) *response {
		return form(t, "/oauth/token", url.Values{"grant_type": {"authorization_code"}, "client_id": {"cli"}, "code": {c},
			"redirect_uri": {cliRedirect}, "code_verifier": {v}}, "", "")
	}
	t.Run("the code with its verifier gives tokens, once", func(t *testing.T) {
		c := code()
		r := exchange(c, verifier)
		if r.code != http.StatusOK || r.str("id_token") == "" {
			t.Fatalf("exchange: %d %s", r.code, r.body)
		}
		if again := exchange(c, verifier); again.code != http.StatusBadRequest {
			t.Fatalf("a reused code: %d %s", again.code, again.body)
		}
	})
	t.Run("a wrong verifier is refused", func(t *testing.T) {
		if r := exchange(code(), strings.Repeat("w", 50)); r.code != http.StatusBadRequest || r.str("error") != "invalid_grant" {
			t.Fatalf("%d %s", r.code, r.body)
		}
	})
	t.Run("without a token the login page is shown and its form logs in", func(t *testing.T) {
		r := do(t, http.MethodGet, "/oauth/authorize?"+q.Encode(), "", nil)
		if r.code != http.StatusOK || !strings.Contains(string(r.body), `name="password"`) {
			t.Fatalf("login page: %d %s", r.code, r.body)
		}
		f := url.Values{}
		for k, v := range q {
			f[k] = v
		}
		f.Set("username", "browser")
		f.Set("password", Password)
		post := form(t, "/oauth/authorize", f, "", "")
		if post.code != http.StatusFound || !strings.HasPrefix(post.header.Get("Location"), cliRedirect+"?code=") {
			t.Fatalf("form login: %d %s", post.code, post.header.Get("Location"))
		}
	})
}

func TestTheAuditLogRecordsWithoutSecrets(t *testing.T) {
	newUser(t, "audited")
	r := login(t, "audited", Password)
	login(t, "audited", "Wrong-Secret-Value1")
	do(t, http.MethodPost, "/oauth/logout", r.str("access_token"), nil)
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
		for _, secret := range []string{Password, "Wrong-Secret-Value1", r.str("access_token"), consoleSecret} {
			if strings.Contains(s, secret) {
				t.Fatalf("the audit log holds a secret")
			}
		}
		return nil
	})
}

func TestOversizedRequestsAreRefused(t *testing.T) {
	big := strings.NewReader(strings.Repeat("x", 128<<10))
	expectStatus(t, do(t, http.MethodPost, "/kapis/iam.superkube.io/v1beta1/subjectaccessreviews", admin(t), big), http.StatusRequestEntityTooLarge)
	r := do(t, http.MethodGet, "/healthz", "", nil, "X-Huge", strings.Repeat("h", 100<<10))
	if r.code != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("an oversized header: %d", r.code)
	}
}

func TestLoginRecordsTellSuccessFromFailure(t *testing.T) {
	newUser(t, "recorded")
	token(t, "recorded")
	login(t, "recorded", "not-it")
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
