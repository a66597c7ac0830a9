package apiserver

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/go-jose/go-jose/v4/jwt"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	"github.com/superkube/super-kubenetes/internal/iam/passwordsecret"
	tokenpkg "github.com/superkube/super-kubenetes/internal/oauth/token"
	"github.com/superkube/super-kubenetes/internal/testutil/platform"
)

// Password is the password of every user the tests create.
const Password = "Test-Passw0rd!"

// storedHash reads the hash in the user's password Secret ("" without one).
func storedHash(t *testing.T, u *iamv1beta1.User) string {
	t.Helper()
	h, err := (&passwordsecret.Store{Namespace: platform.SystemNamespace, Reader: st.k8s}).Hash(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// newUser creates a user with Password and waits until it is hashed and Active.
func newUser(t *testing.T, name string, mutate ...func(*iamv1beta1.User)) {
	t.Helper()
	platform.NewUser(t, st.k8s, name, Password, mutate...)
}

func eventually(t *testing.T, what string, check func() error) {
	t.Helper()
	platform.Eventually(t, what, 30*time.Second, check)
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
		req.Header.Set(headers[i], headers[i+1])
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

func doJSON(t *testing.T, method, path, bearer string, v any) *response {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return do(t, method, path, bearer, bytes.NewReader(data), "Content-Type", "application/json")
}

func form(t *testing.T, path string, values url.Values, basicUser, basicPass string) *response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, st.url+path, strings.NewReader(values.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basicUser != "" {
		req.SetBasicAuth(basicUser, basicPass)
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

// login uses the console's password grant.
func login(t *testing.T, user, pass string) *response {
	t.Helper()
	return form(t, "/oauth/token", url.Values{"grant_type": {"password"}, "username": {user}, "password": {pass}}, "ke-console", consoleSecret)
}

// token logs in and returns the access token, failing the test otherwise.
func token(t *testing.T, user string) string {
	t.Helper()
	r := login(t, user, Password)
	if r.code != http.StatusOK || r.str("access_token") == "" {
		t.Fatalf("login of %s: %d %s", user, r.code, r.body)
	}
	return r.str("access_token")
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

var (
	adminOnce  sync.Once
	adminToken string
)

// admin returns a token of the platform administrator, changing the
// initial password to Password the first time.
func admin(t *testing.T) string {
	t.Helper()
	adminOnce.Do(func() {
		r := login(t, "admin", adminPassword(t))
		if r.code != http.StatusOK {
			t.Fatalf("admin login: %d %s", r.code, r.body)
		}
		ch := doJSON(t, http.MethodPut, "/kapis/iam.superkube.io/v1beta1/users/admin/password", r.str("access_token"),
			map[string]string{"currentPassword": adminPassword(t), "password": Password})
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

func errf(format string, args ...any) error { return fmt.Errorf(format, args...) }

func keyOf(name string) types.NamespacedName { return types.NamespacedName{Name: name} }

func labelsFor(user string) client.MatchingLabels {
	return client.MatchingLabels{iamv1beta1.UserRefLabel: user}
}

// otherIssuerToken is a well-formed token signed by a key ke-apiserver does not know.
func otherIssuerToken(t *testing.T) string {
	t.Helper()
	ks, err := tokenpkg.GenerateKeySet()
	if err != nil {
		t.Fatal(err)
	}
	iss, err := tokenpkg.NewIssuer(st.url, ks, clock.RealClock{})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := iss.Issue(&tokenpkg.Claims{Claims: jwt.Claims{Subject: "admin", ID: "forged"}, TokenType: tokenpkg.TypeAccess}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}
