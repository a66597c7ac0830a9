package console

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/superkube/super-kubenetes/internal/console/auth"
	"github.com/superkube/super-kubenetes/internal/testutil/platform"
	"github.com/superkube/super-kubenetes/internal/testutil/wsclient"
)

func TestTheConsoleServesItsPagesUnderTheBasePath(t *testing.T) {
	b := newBrowser(t)
	if r, err := b.c.Get(st.consoleURL + "/"); err != nil || r.StatusCode != http.StatusFound || r.Header.Get("Location") != "/console/" {
		t.Fatalf("the root: %v to %v", r, err)
	} else {
		r.Body.Close()
	}
	r := b.open(t)
	page := string(r.Body)
	nonce := regexp.MustCompile(`'nonce-([^']+)'`).FindStringSubmatch(r.Header.Get("Content-Security-Policy"))
	if nonce == nil || !strings.Contains(page, `<head><base href="/console/">`) || strings.Count(page, `nonce="`+nonce[1]+`"`) != 2 {
		t.Fatalf("the page does not carry the base path and the policy's nonce on its scripts:\n%s\n%s", r.Header.Get("Content-Security-Policy"), page)
	}
	m := regexp.MustCompile(`<script nonce="[^"]+" id="ke-config" type="application/json">([^<]+)</script>`).FindStringSubmatch(page)
	var cfg map[string]any
	if m == nil || json.Unmarshal([]byte(m[1]), &cfg) != nil || cfg["basePath"] != "/console/" || cfg["apiServerURL"] != st.apiURL ||
		cfg["title"] != "Super Kubenetes" || cfg["version"] == "" || cfg["session"] != false {
		t.Fatalf("the runtime configuration of a browser without a session: %v", cfg)
	}
	if r.Header.Get("Cache-Control") != "no-store" || r.Header.Get("Strict-Transport-Security") == "" || r.Header.Get("X-Frame-Options") != "DENY" {
		t.Fatalf("headers %v", r.Header)
	}
	if r := b.do(t, http.MethodGet, "assets/app-1.js", nil, "Accept-Encoding", "br, gzip"); string(r.Body) != "brotli" ||
		r.Header.Get("Content-Encoding") != "br" || r.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" {
		t.Fatalf("an asset: %d %q %v", r.Code, r.Body, r.Header)
	}
	if r := b.do(t, http.MethodGet, "workspaces/demo/projects", nil); r.Code != http.StatusOK || !strings.Contains(string(r.Body), `<div id="root">`) {
		t.Fatalf("a route of the app: %d", r.Code)
	}
	if r := b.do(t, http.MethodGet, "assets/app-2.js", nil); r.Code != http.StatusNotFound {
		t.Fatalf("a missing asset: %d", r.Code)
	}
	for _, p := range []string{"/console/healthz", "/console/readyz", "/healthz", "/readyz"} {
		r, err := b.c.Get(st.consoleURL + p)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(r.Body)
		r.Body.Close()
		if r.StatusCode != http.StatusOK || string(body) != "ok" {
			t.Fatalf("%s: %d %s", p, r.StatusCode, body)
		}
	}
}

func TestAPasswordLoginStartsASession(t *testing.T) {
	newUser(t, "dora")
	b := newBrowser(t)
	t.Run("a wrong password is 401 and repeats nothing", func(t *testing.T) {
		r := b.login(t, "dora", "Wrong-Passw0rd!")
		platform.ExpectStatus(t, r, http.StatusUnauthorized)
		if r.Str("message") != "invalid username or password" || strings.Contains(string(r.Body), "Wrong-Passw0rd!") || b.cookie(auth.SessionCookie) != "" {
			t.Fatalf("%s, session cookie %q", r.Body, b.cookie(auth.SessionCookie))
		}
	})
	t.Run("an unknown user is the same 401", func(t *testing.T) {
		r := b.login(t, "nobody-at-all", Password)
		platform.ExpectStatus(t, r, http.StatusUnauthorized)
		if r.Str("message") != "invalid username or password" {
			t.Fatalf("%s", r.Body)
		}
	})
	t.Run("the right password starts a session", func(t *testing.T) {
		r := b.login(t, "dora", Password)
		if r.Code != http.StatusOK || r.Str("username") != "dora" || r.Str("email") != "dora@example.com" || r.JSON["passwordChangeRequired"] != false {
			t.Fatalf("%d %s", r.Code, r.Body)
		}
		if exp, err := time.Parse(time.RFC3339, r.Str("expiresAt")); err != nil || exp.Before(time.Now().Add(11*time.Hour)) {
			t.Fatalf("expiresAt %q: want the idle lifetime (12h) ahead", r.Str("expiresAt"))
		}
		s := b.stored(t)
		if s.Username != "dora" || s.CSRF != b.cookie(auth.CSRFCookie) {
			t.Fatalf("the session %q with CSRF value %t", s.Username, s.CSRF == b.cookie(auth.CSRFCookie))
		}
		for _, secret := range []string{s.AccessToken, s.RefreshToken, Password} {
			if strings.Contains(string(r.Body), secret) {
				t.Fatal("the login's answer holds a token or the password")
			}
		}
		for _, c := range (&http.Response{Header: r.Header}).Cookies() {
			if c.Name == auth.SessionCookie && (!c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteLaxMode || c.Path != "/console/" || c.MaxAge <= 0) {
				t.Fatalf("the session cookie: %+v", c)
			}
		}
	})
	t.Run("the session tells who is logged in", func(t *testing.T) {
		r := b.do(t, http.MethodGet, "auth/session", nil)
		if r.Code != http.StatusOK || r.Str("username") != "dora" || r.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("%d %s", r.Code, r.Body)
		}
	})
	t.Run("without a session there is none", func(t *testing.T) {
		platform.ExpectStatus(t, newBrowser(t).do(t, http.MethodGet, "auth/session", nil), http.StatusUnauthorized)
	})
}

func TestAPICallsAreForwardedAsTheSessionsUser(t *testing.T) {
	a := admin(t)
	t.Run("a platform API list", func(t *testing.T) {
		r := a.do(t, http.MethodGet, "kapis/iam.superkube.io/v1beta1/users?limit=5", nil)
		if r.Code != http.StatusOK || r.JSON["totalItems"] == nil {
			t.Fatalf("%d %s", r.Code, r.Body)
		}
	})
	t.Run("a Kubernetes API list", func(t *testing.T) {
		eventually(t, "the administrator lists namespaces through the console", func() error {
			r := a.do(t, http.MethodGet, "api/v1/namespaces", nil)
			if r.Code != http.StatusOK || r.JSON["kind"] != "NamespaceList" {
				return fmt.Errorf("%d %s", r.Code, r.Body)
			}
			return nil
		})
	})
	t.Run("another user gets ke-apiserver's refusal", func(t *testing.T) {
		newUser(t, "fred")
		platform.ExpectStatus(t, loggedIn(t, "fred", Password).do(t, http.MethodGet, "api/v1/namespaces", nil), http.StatusForbidden)
	})
	t.Run("without a session, public endpoints answer and the rest is 401", func(t *testing.T) {
		b := newBrowser(t)
		r := b.do(t, http.MethodGet, "kapis/config.superkube.io/v1alpha2/identityproviders", nil)
		if r.Code != http.StatusOK || !strings.Contains(string(r.Body), `"`+corpOIDC+`"`) {
			t.Fatalf("the identity providers: %d %s", r.Code, r.Body)
		}
		if r := b.do(t, http.MethodGet, "version", nil); r.Code != http.StatusOK || r.Str("gitVersion") == "" {
			t.Fatalf("the version: %d %s", r.Code, r.Body)
		}
		platform.ExpectStatus(t, b.do(t, http.MethodGet, "api/v1/namespaces", nil), http.StatusUnauthorized)
	})
	t.Run("an answer of ke-apiserver carries the console's headers, not its own", func(t *testing.T) {
		r := a.do(t, http.MethodGet, "kapis/iam.superkube.io/v1beta1/users?limit=1", nil)
		if !strings.Contains(r.Header.Get("Content-Security-Policy"), "script-src 'self' 'nonce-") || len(r.Header.Values("X-Content-Type-Options")) != 1 {
			t.Fatalf("%v", r.Header)
		}
	})
}

func TestRequestsWithoutTheCSRFTokenOrFromElsewhereAreRefused(t *testing.T) {
	newUser(t, "gina")
	b := newBrowser(t)
	b.open(t)
	expectCSRF := func(t *testing.T, r *platform.Response) {
		t.Helper()
		platform.ExpectStatus(t, r, http.StatusForbidden)
		if r.Str("reason") != "Forbidden" || !strings.Contains(r.Str("message"), "CSRF") {
			t.Fatalf("%s", r.Body)
		}
	}
	t.Run("a login without the header", func(t *testing.T) {
		expectCSRF(t, b.do(t, http.MethodPost, "auth/login", map[string]string{"username": "gina", "password": Password}, auth.CSRFHeader, ""))
	})
	t.Run("a login from another origin", func(t *testing.T) {
		expectCSRF(t, b.do(t, http.MethodPost, "auth/login", map[string]string{"username": "gina", "password": Password}, "Origin", "https://evil.example"))
	})
	if r := b.login(t, "gina", Password); r.Code != http.StatusOK {
		t.Fatalf("login: %d %s", r.Code, r.Body)
	}
	t.Run("a logout without the header", func(t *testing.T) {
		expectCSRF(t, b.do(t, http.MethodPost, "auth/logout", nil, auth.CSRFHeader, ""))
	})
	t.Run("an API write with the CSRF value from before the login", func(t *testing.T) {
		expectCSRF(t, b.do(t, http.MethodPost, "api/v1/namespaces", map[string]any{"metadata": map[string]string{"name": "x"}},
			auth.CSRFHeader, "not-the-sessions-value", "Cookie", auth.CSRFCookie+"=not-the-sessions-value"))
	})
	t.Run("an API write from another origin", func(t *testing.T) {
		expectCSRF(t, b.do(t, http.MethodDelete, "api/v1/namespaces/default", nil, "Origin", "https://evil.example"))
	})
	t.Run("an API read from another site", func(t *testing.T) {
		expectCSRF(t, b.do(t, http.MethodGet, "kapis/iam.superkube.io/v1beta1/users", nil, "Sec-Fetch-Site", "cross-site"))
	})
	t.Run("the session still works", func(t *testing.T) {
		if r := b.do(t, http.MethodGet, "auth/session", nil); r.Code != http.StatusOK {
			t.Fatalf("%d %s", r.Code, r.Body)
		}
	})
}

func TestLogoutRevokesTheSessionAtKeAPIServer(t *testing.T) {
	newUser(t, "hana")
	b := loggedIn(t, "hana", Password)
	s := b.stored(t)
	if r := api(t, http.MethodGet, "/oauth/userinfo", s.AccessToken); r.Code != http.StatusOK {
		t.Fatalf("the access token before logout: %d", r.Code)
	}
	r := b.do(t, http.MethodPost, "auth/logout", nil)
	if r.Code != http.StatusOK || r.Str("status") != "Success" || b.cookie(auth.SessionCookie) != "" {
		t.Fatalf("%d %s, cookie %q", r.Code, r.Body, b.cookie(auth.SessionCookie))
	}
	platform.ExpectStatus(t, api(t, http.MethodGet, "/oauth/userinfo", s.AccessToken), http.StatusUnauthorized)
	platform.ExpectStatus(t, b.do(t, http.MethodGet, "auth/session", nil), http.StatusUnauthorized)
	platform.ExpectStatus(t, b.do(t, http.MethodGet, "kapis/iam.superkube.io/v1beta1/users/hana", nil), http.StatusUnauthorized)
	t.Run("the old cookie names no session", func(t *testing.T) {
		old := newBrowser(t)
		u, _ := url.Parse(st.base + "/")
		old.jar.SetCookies(u, []*http.Cookie{{Name: auth.SessionCookie, Value: s.ID, Path: "/console/"}})
		platform.ExpectStatus(t, old.do(t, http.MethodGet, "kapis/iam.superkube.io/v1beta1/users/hana", nil), http.StatusUnauthorized)
	})
}

func TestSessionsRevokedElsewhereEndAtTheNextCall(t *testing.T) {
	newUser(t, "ines")
	b := loggedIn(t, "ines", Password)
	if r := b.do(t, http.MethodGet, "kapis/iam.superkube.io/v1beta1/users/ines", nil); r.Code != http.StatusOK {
		t.Fatalf("%d %s", r.Code, r.Body)
	}
	s := b.stored(t)
	// A logout at ke-apiserver directly (another console replica, say).
	req, _ := http.NewRequest(http.MethodPost, st.apiURL+"/oauth/logout", nil)
	req.Header.Set("Authorization", "Bearer "+s.AccessToken)
	resp, err := (&http.Client{Transport: &http.Transport{TLSClientConfig: st.tlsConfig()}}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	platform.ExpectStatus(t, b.do(t, http.MethodGet, "kapis/iam.superkube.io/v1beta1/users/ines", nil), http.StatusUnauthorized)
	if b.cookie(auth.SessionCookie) != "" {
		t.Fatal("the session cookie of a revoked session was kept")
	}
}

// changeAdminPassword is the administrator's first login in the console:
// the generated password works only to change it.
func changeAdminPassword(t *testing.T) {
	t.Helper()
	initial := initialAdminPassword(t)
	b := newBrowser(t)
	r := b.login(t, "admin", initial)
	if r.Code != http.StatusOK || r.JSON["passwordChangeRequired"] != true {
		t.Fatalf("the administrator's first login: %d %s", r.Code, r.Body)
	}
	platform.ExpectStatus(t, b.do(t, http.MethodGet, "kapis/iam.superkube.io/v1beta1/users", nil), http.StatusForbidden)
	r = b.do(t, http.MethodPost, "auth/password", map[string]string{"currentPassword": initial, "password": Password})
	if r.Code != http.StatusOK || r.Str("username") != "admin" || r.JSON["passwordChangeRequired"] != false {
		t.Fatalf("the administrator's password change: %d %s", r.Code, r.Body)
	}
	if r := b.do(t, http.MethodGet, "kapis/iam.superkube.io/v1beta1/users", nil); r.Code != http.StatusOK {
		t.Fatalf("after the change: %d %s", r.Code, r.Body)
	}
}

func TestThePasswordChangeKeepsTheUserLoggedIn(t *testing.T) {
	newUser(t, "jana")
	b := loggedIn(t, "jana", Password)
	before := b.stored(t)
	const newPassword = "Another-Passw0rd!"
	secret(newPassword)
	t.Run("a wrong current password is ke-apiserver's 422", func(t *testing.T) {
		r := b.do(t, http.MethodPost, "auth/password", map[string]string{"currentPassword": "Not-The-Passw0rd", "password": newPassword})
		platform.ExpectStatus(t, r, http.StatusUnprocessableEntity)
		if !strings.Contains(string(r.Body), "currentPassword") {
			t.Fatalf("%s", r.Body)
		}
	})
	t.Run("a weak password is ke-apiserver's 422", func(t *testing.T) {
		platform.ExpectStatus(t, b.do(t, http.MethodPost, "auth/password", map[string]string{"currentPassword": Password, "password": "short"}),
			http.StatusUnprocessableEntity)
	})
	r := b.do(t, http.MethodPost, "auth/password", map[string]string{"currentPassword": Password, "password": newPassword})
	if r.Code != http.StatusOK || r.Str("username") != "jana" || strings.Contains(string(r.Body), newPassword) {
		t.Fatalf("%d %s", r.Code, r.Body)
	}
	after := b.stored(t)
	if after.ID != before.ID || after.AccessToken == before.AccessToken {
		t.Fatal("the session should stay, with new tokens")
	}
	if r := b.do(t, http.MethodGet, "kapis/iam.superkube.io/v1beta1/users/jana", nil); r.Code != http.StatusOK {
		t.Fatalf("an API call after the change: %d %s", r.Code, r.Body)
	}
	platform.ExpectStatus(t, api(t, http.MethodGet, "/oauth/userinfo", before.AccessToken), http.StatusUnauthorized)
	platform.ExpectStatus(t, newBrowser(t).login(t, "jana", Password), http.StatusUnauthorized)
	if r := newBrowser(t).login(t, "jana", newPassword); r.Code != http.StatusOK {
		t.Fatalf("a login with the new password: %d %s", r.Code, r.Body)
	}
}

func TestAnAccessTokenAboutToExpireIsRefreshedOnceForConcurrentCalls(t *testing.T) {
	a := admin(t)
	before := a.stored(t)
	// Wait until the token has less than the refresh margin (60 s) left.
	time.Sleep(time.Until(before.AccessExpiry.Add(-auth.RefreshBefore)) + 200*time.Millisecond)
	var wg sync.WaitGroup
	codes := make([]int, 8)
	for i := range codes {
		wg.Go(func() { codes[i] = a.do(t, http.MethodGet, "kapis/iam.superkube.io/v1beta1/users?limit=1", nil).Code })
	}
	wg.Wait()
	// Every call goes through with the refreshed token (the unit tests of
	// package auth count that concurrent calls share one refresh).
	for i, c := range codes {
		if c != http.StatusOK {
			t.Fatalf("call %d: %d", i, c)
		}
	}
	after := a.stored(t)
	if after.AccessToken == before.AccessToken || after.RefreshToken == before.RefreshToken || !after.AccessExpiry.After(before.AccessExpiry) {
		t.Fatal("the session does not hold a refreshed token pair")
	}
	// The refresh token rotated: the old one is no longer accepted.
	resp, err := (&http.Client{Transport: &http.Transport{TLSClientConfig: st.tlsConfig()}}).PostForm(st.apiURL+"/oauth/token", url.Values{
		"grant_type": {"refresh_token"}, "refresh_token": {before.RefreshToken}, "client_id": {"ke-console"}, "client_secret": {consoleSecret}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("the old refresh token: %d", resp.StatusCode)
	}
}

func TestAnEventStreamStreamsThroughTheConsole(t *testing.T) {
	a := admin(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, st.base+"/kapis/resources.superkube.io/v1alpha3/namespaces/default/pods?watch=true", nil)
	req.Header.Set("Accept", "text/event-stream")
	resp, err := a.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		body, _ := io.ReadAll(resp.Body)
		t.Fatalf("%d %s %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	r := bufio.NewReader(resp.Body)
	if line, err := r.ReadString('\n'); err != nil || line != ": watching\n" {
		t.Fatalf("the stream's first line: %q %v", line, err)
	}
	// The pod is created only once the stream is open: a console that
	// buffered the answer would never deliver its event.
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "streamed"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "nginx"}}}}
	if err := st.k8s.Create(ctx, pod); err != nil {
		t.Fatal(err)
	}
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("the stream ended before the pod's event: %v", err)
		}
		if strings.HasPrefix(line, "data: ") && strings.Contains(line, `"streamed"`) {
			return
		}
	}
}

func TestWebSocketsPassThroughTheConsole(t *testing.T) {
	a := admin(t)
	var rv string
	eventually(t, "the administrator lists config maps through the console", func() error {
		r := a.do(t, http.MethodGet, "api/v1/namespaces/default/configmaps", nil)
		if r.Code != http.StatusOK {
			return fmt.Errorf("%d %s", r.Code, r.Body)
		}
		rv = r.JSON["metadata"].(map[string]any)["resourceVersion"].(string)
		return nil
	})
	cookie := auth.SessionCookie + "=" + a.cookie(auth.SessionCookie)

	t.Run("a Kubernetes watch over a WebSocket, with the session cookie", func(t *testing.T) {
		ws, resp := dialWebSocket(t, "/console/api/v1/namespaces/default/configmaps?watch=true&resourceVersion="+rv, st.consoleURL, cookie)
		if resp.StatusCode != http.StatusSwitchingProtocols {
			t.Fatalf("%d %s", resp.StatusCode, resp.body)
		}
		defer ws.Close()
		if err := st.k8s.Create(context.Background(), &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "over-a-websocket"}}); err != nil {
			t.Fatal(err)
		}
		for {
			var ev struct {
				Type   string `json:"type"`
				Object struct {
					Metadata metav1.ObjectMeta `json:"metadata"`
				} `json:"object"`
			}
			msg := ws.read(t)
			if err := json.Unmarshal(msg, &ev); err != nil {
				t.Fatalf("%v: %q", err, msg)
			}
			if ev.Object.Metadata.Name == "over-a-websocket" && ev.Type == "ADDED" {
				return
			}
		}
	})
	t.Run("a WebSocket from another origin is refused", func(t *testing.T) {
		_, resp := dialWebSocket(t, "/console/api/v1/namespaces/default/configmaps?watch=true", "https://evil.example", cookie)
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(resp.body, "CSRF") {
			t.Fatalf("%d %s", resp.StatusCode, resp.body)
		}
	})
	t.Run("a pod exec reaches kube-apiserver as the user", func(t *testing.T) {
		// The local test cluster has no kubelet: kube-apiserver itself
		// answers that the pod runs nowhere, which it only does after
		// ke-apiserver authenticated the session's token and authorized
		// the exec, and kube-apiserver the impersonated user.
		pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "exec-target"},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "nginx"}}}}
		if err := st.k8s.Create(context.Background(), pod); err != nil {
			t.Fatal(err)
		}
		_, resp := dialWebSocket(t, "/console/api/v1/namespaces/default/pods/exec-target/exec?command=ls&stdout=true&stderr=true",
			st.consoleURL, cookie, "v5.channel.k8s.io, v4.channel.k8s.io, base64.channel.k8s.io")
		if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden || resp.StatusCode == http.StatusBadGateway ||
			!strings.Contains(resp.body, "exec-target") {
			t.Fatalf("%d %s", resp.StatusCode, resp.body)
		}
		t.Logf("kube-apiserver answered the exec with %d: %s", resp.StatusCode, strings.TrimSpace(resp.body))
	})
}

// wsConn is a client WebSocket, enough to read a watch.
type wsConn struct{ *wsclient.Conn }

// wsAnswer is the status of the upgrade, with the body of a refusal.
type wsAnswer struct {
	StatusCode int
	body       string
}

// dialWebSocket opens a WebSocket to the console as a browser does:
// cookies and Origin, no other credential.
func dialWebSocket(t *testing.T, path, origin, cookie string, protocols ...string) (*wsConn, wsAnswer) {
	t.Helper()
	h := http.Header{"Origin": {origin}, "Cookie": {cookie}}
	if len(protocols) > 0 {
		h.Set("Sec-WebSocket-Protocol", protocols[0])
	}
	conn, err := wsclient.Dial(st.tlsConfig(), strings.TrimPrefix(st.consoleURL, "https://"), path, h, 60*time.Second)
	var refused *wsclient.Refused
	if errors.As(err, &refused) {
		return nil, wsAnswer{StatusCode: refused.StatusCode, body: refused.Body}
	}
	if err != nil {
		t.Fatal(err)
	}
	return &wsConn{conn}, wsAnswer{StatusCode: http.StatusSwitchingProtocols}
}

// read returns the next data message.
func (w *wsConn) read(t *testing.T) []byte {
	t.Helper()
	msg, err := w.Read()
	if err != nil {
		t.Fatal(err)
	}
	return msg
}

func TestALoginThroughAnIdentityProviderEndsInASession(t *testing.T) {
	b := newBrowser(t)
	b.open(t)
	start := func(t *testing.T) *url.URL {
		t.Helper()
		r := b.do(t, http.MethodGet, "auth/idp/"+corpOIDC, nil)
		loc, err := url.Parse(r.Header.Get("Location"))
		if r.Code != http.StatusFound || err != nil || !strings.HasPrefix(loc.String(), st.apiURL+"/oauth/authorize?") {
			t.Fatalf("%d to %q", r.Code, r.Header.Get("Location"))
		}
		if q := loc.Query(); q.Get("redirect_uri") != st.base+"/oauth/callback" || q.Get("idp") != corpOIDC {
			t.Fatalf("to %s", loc)
		}
		return loc
	}
	// follow plays the browser through ke-apiserver and the provider back to
	// the console's callback, which it returns.
	follow := func(t *testing.T, authorize *url.URL) *url.URL {
		t.Helper()
		r, err := b.c.Get(authorize.String())
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		toProvider, err := r.Location()
		if r.StatusCode != http.StatusFound || err != nil || !strings.HasPrefix(toProvider.String(), st.oidc.Issuer) {
			t.Fatalf("ke-apiserver's authorize: %d %v", r.StatusCode, err)
		}
		q := toProvider.Query()
		q.Set("login_hint", "olivia")
		toProvider.RawQuery = q.Encode()
		back, err := st.oidc.FollowLogin(context.Background(), toProvider.String())
		if err != nil {
			t.Fatal(err)
		}
		r, err = b.c.Get(back.String()) // ke-apiserver's callback, with its state cookie
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		toConsole, err := r.Location()
		if r.StatusCode != http.StatusFound || err != nil || !strings.HasPrefix(toConsole.String(), st.base+"/oauth/callback?") {
			t.Fatalf("ke-apiserver's callback: %d to %v", r.StatusCode, toConsole)
		}
		return toConsole
	}
	t.Run("a callback whose state was changed", func(t *testing.T) {
		cb := follow(t, start(t))
		q := cb.Query()
		q.Set("state", "forged")
		cb.RawQuery = q.Encode()
		r, err := b.c.Get(cb.String())
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		if r.StatusCode != http.StatusFound || r.Header.Get("Location") != "/console/login?error="+auth.LoginStateMismatch || b.cookie(auth.SessionCookie) != "" {
			t.Fatalf("%d to %q", r.StatusCode, r.Header.Get("Location"))
		}
	})
	t.Run("the whole round trip", func(t *testing.T) {
		cb := follow(t, start(t))
		secret(cb.Query().Get("code"))
		r, err := b.c.Get(cb.String())
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		if r.StatusCode != http.StatusFound || r.Header.Get("Location") != "/console/" || b.cookie(auth.SessionCookie) == "" {
			t.Fatalf("the console's callback: %d to %q", r.StatusCode, r.Header.Get("Location"))
		}
		info := b.do(t, http.MethodGet, "auth/session", nil)
		if info.Code != http.StatusOK || info.Str("username") != "olivia" || info.Str("displayName") != "Olivia Ortiz" {
			t.Fatalf("%d %s", info.Code, info.Body)
		}
		b.stored(t)
		t.Run("the same callback again is refused", func(t *testing.T) {
			r, err := b.c.Get(cb.String())
			if err != nil {
				t.Fatal(err)
			}
			r.Body.Close()
			if r.StatusCode != http.StatusFound || !strings.HasPrefix(r.Header.Get("Location"), "/console/login?error=") {
				t.Fatalf("%d to %q", r.StatusCode, r.Header.Get("Location"))
			}
		})
	})
}
