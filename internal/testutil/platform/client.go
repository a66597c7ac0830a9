package platform

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

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/superkube/super-kubenetes/internal/apiserver/app"
	"github.com/superkube/super-kubenetes/internal/controller/bootstrap"
)

// Client calls a ke-apiserver under test as the integration tests do: as a
// user, with a token from the console's password grant.
type Client struct {
	// URL is ke-apiserver's address; HTTP trusts its certificate.
	URL  string
	HTTP *http.Client
	// K8s reads the administrator's initial password.
	K8s client.Client
	// ConsoleSecret is the secret of the OAuth client ke-console.
	ConsoleSecret string
	// Password is the password of every user the tests create, and of the
	// administrator once Admin has changed it.
	Password string

	adminOnce  sync.Once
	adminToken string
}

// Response is an answer with its decoded JSON body.
type Response struct {
	Code   int
	Header http.Header
	Body   []byte
	// JSON is the body decoded, when it is a JSON object.
	JSON map[string]any
}

// Str is a string field of the JSON body, "" when it has none.
func (r *Response) Str(key string) string {
	v, _ := r.JSON[key].(string)
	return v
}

// Do sends a request; bearer, when set, is the token; headers are name,
// value pairs (a name given twice is sent twice).
func (c *Client) Do(t testing.TB, method, path, bearer string, body io.Reader, headers ...string) *Response {
	t.Helper()
	req, err := http.NewRequest(method, c.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Add(headers[i], headers[i+1])
	}
	return c.send(t, req)
}

// DoJSON sends v as a JSON body.
func (c *Client) DoJSON(t testing.TB, method, path, bearer string, v any, headers ...string) *Response {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return c.Do(t, method, path, bearer, bytes.NewReader(data), append([]string{"Content-Type", "application/json"}, headers...)...)
}

// Form posts a form, with HTTP basic credentials when basicUser is set.
func (c *Client) Form(t testing.TB, path string, values url.Values, basicUser, basicPass string) *Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, c.URL+path, strings.NewReader(values.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basicUser != "" {
		req.SetBasicAuth(basicUser, basicPass)
	}
	return c.send(t, req)
}

func (c *Client) send(t testing.TB, req *http.Request) *Response {
	t.Helper()
	resp, err := c.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	r := &Response{Code: resp.StatusCode, Header: resp.Header, Body: data}
	_ = json.Unmarshal(data, &r.JSON)
	return r
}

// Login asks for tokens with the password grant of the OAuth client
// ke-console (app.ConsoleClientID).
func (c *Client) Login(t testing.TB, user, pass string) *Response {
	t.Helper()
	return c.Form(t, "/oauth/token", url.Values{"grant_type": {"password"}, "username": {user}, "password": {pass}}, app.ConsoleClientID, c.ConsoleSecret)
}

// Token logs a user in with Password and returns the access token, failing
// the test otherwise.
func (c *Client) Token(t testing.TB, user string) string {
	t.Helper()
	r := c.Login(t, user, c.Password)
	if r.Code != http.StatusOK || r.Str("access_token") == "" {
		t.Fatalf("login of %s: %d %s", user, r.Code, r.Body)
	}
	return r.Str("access_token")
}

// InitialAdminPassword is the administrator's generated password, from its
// Secret in the system namespace.
func (c *Client) InitialAdminPassword(t testing.TB) string {
	t.Helper()
	s := &corev1.Secret{}
	if err := c.K8s.Get(context.Background(), types.NamespacedName{Namespace: SystemNamespace, Name: bootstrap.AdminPasswordSecret}, s); err != nil {
		t.Fatalf("the initial password secret: %v", err)
	}
	return string(s.Data["password"])
}

// Admin returns a token of the platform administrator, changing the
// initial password to Password the first time.
func (c *Client) Admin(t testing.TB) string {
	t.Helper()
	c.adminOnce.Do(func() {
		initial := c.InitialAdminPassword(t)
		r := c.Login(t, "admin", initial)
		if r.Code != http.StatusOK {
			t.Fatalf("admin login: %d %s", r.Code, r.Body)
		}
		ch := c.DoJSON(t, http.MethodPut, "/kapis/iam.superkube.io/v1beta1/users/admin/password", r.Str("access_token"),
			map[string]string{"currentPassword": initial, "password": c.Password})
		if ch.Code != http.StatusOK {
			t.Fatalf("admin password change: %d %s", ch.Code, ch.Body)
		}
		c.adminToken = c.Token(t, "admin")
	})
	if c.adminToken == "" {
		t.Fatal("no admin token")
	}
	return c.adminToken
}

// ExpectStatus checks that r is a Kubernetes Status with the code.
func ExpectStatus(t testing.TB, r *Response, code int) {
	t.Helper()
	if r.Code != code {
		t.Fatalf("want %d, got %d: %s", code, r.Code, r.Body)
	}
	if c, _ := r.JSON["code"].(float64); r.Str("kind") != "Status" || int(c) != code {
		t.Fatalf("the body is not a Status with code %d: %s", code, r.Body)
	}
}
