package console

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/superkube/super-kubenetes/internal/console/auth"
	"github.com/superkube/super-kubenetes/internal/console/session"
	"github.com/superkube/super-kubenetes/internal/testutil/platform"
)

// Password is the password of every user the tests create.
const Password = "Test-Passw0rd!"

// secrets are values that must never appear in ke-console's logs:
// passwords, tokens and session IDs the tests saw.
var secrets sync.Map

func secret(v string) {
	if v != "" {
		secrets.Store(v, true)
	}
}

// expectNothingSecretLogged checks ke-console's logs for every secret seen
// so far.
func expectNothingSecretLogged(t *testing.T) {
	t.Helper()
	logs := st.logs.String()
	secrets.Range(func(k, _ any) bool {
		if strings.Contains(logs, k.(string)) {
			t.Errorf("a password, token or session ID is in ke-console's logs")
		}
		return true
	})
}

// browser plays a browser on the console's page: a cookie jar, the CSRF
// header the SPA sends on unsafe requests, and the Origin the browser adds.
type browser struct {
	c   *http.Client
	jar *cookiejar.Jar
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	b := &browser{jar: jar, c: &http.Client{Jar: jar, Timeout: 60 * time.Second, Transport: &http.Transport{TLSClientConfig: st.tlsConfig()},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	t.Cleanup(func() {
		if c := b.cookie(auth.SessionCookie); c != "" {
			secret(c)
		}
		expectNothingSecretLogged(t)
	})
	return b
}

// cookie returns the value of the console's cookie, "" when there is none.
func (b *browser) cookie(name string) string {
	u, _ := url.Parse(st.base + "/")
	for _, c := range b.jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

// do sends a request to path below the console's base path. On unsafe
// methods it adds X-CSRF-Token (from the ke-csrf cookie) and Origin, as
// the SPA and the browser do; headers override them ("" deletes).
func (b *browser) do(t *testing.T, method, path string, body any, headers ...string) *platform.Response {
	t.Helper()
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, st.base+"/"+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if method != http.MethodGet && method != http.MethodHead {
		req.Header.Set(auth.CSRFHeader, b.cookie(auth.CSRFCookie))
		req.Header.Set("Origin", st.consoleURL)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
		} else {
			req.Header.Set(headers[i], headers[i+1])
		}
	}
	resp, err := b.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	r := &platform.Response{Code: resp.StatusCode, Header: resp.Header, Body: data}
	_ = json.Unmarshal(data, &r.JSON)
	return r
}

// open loads the console's page, which sets the CSRF cookie.
func (b *browser) open(t *testing.T) *platform.Response {
	t.Helper()
	r := b.do(t, http.MethodGet, "", nil, "Accept", "text/html")
	if r.Code != http.StatusOK || b.cookie(auth.CSRFCookie) == "" {
		t.Fatalf("the console's page: %d %s, CSRF cookie %q", r.Code, r.Body, b.cookie(auth.CSRFCookie))
	}
	return r
}

// login opens the page and logs in with a password.
func (b *browser) login(t *testing.T, user, pass string) *platform.Response {
	t.Helper()
	secret(pass)
	if b.cookie(auth.CSRFCookie) == "" {
		b.open(t)
	}
	return b.do(t, http.MethodPost, "auth/login", map[string]string{"username": user, "password": pass})
}

// loggedIn returns a browser logged in as user.
func loggedIn(t *testing.T, user, pass string) *browser {
	t.Helper()
	b := newBrowser(t)
	if r := b.login(t, user, pass); r.Code != http.StatusOK {
		t.Fatalf("login of %s: %d %s", user, r.Code, r.Body)
	}
	return b
}

// stored returns the browser's session as the console keeps it.
func (b *browser) stored(t *testing.T) *session.Session {
	t.Helper()
	id := b.cookie(auth.SessionCookie)
	s := &session.Session{}
	if err := st.console.Store.Get(context.Background(), session.Key(id), s); err != nil {
		t.Fatalf("the browser's session: %v", err)
	}
	secret(s.AccessToken)
	secret(s.RefreshToken)
	secret(id)
	return s
}

// api calls ke-apiserver directly with a bearer token.
func api(t *testing.T, method, path, token string) *platform.Response {
	t.Helper()
	c := &platform.Client{URL: st.apiURL, HTTP: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: st.tlsConfig()}}}
	return c.Do(t, method, path, token, nil)
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

// initialAdminPassword is the generated password of the administrator.
func initialAdminPassword(t *testing.T) string {
	t.Helper()
	p := (&platform.Client{K8s: st.k8s}).InitialAdminPassword(t)
	secret(p)
	return p
}

var adminOnce sync.Once

// admin returns a browser logged in as the platform administrator. The
// first call changes the initial password through the console (as the
// first login in the console asks), as TestThePasswordChangeKeepsTheUserLoggedIn checks.
func admin(t *testing.T) *browser {
	t.Helper()
	adminOnce.Do(func() { changeAdminPassword(t) })
	return loggedIn(t, "admin", Password)
}
