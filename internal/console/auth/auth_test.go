package auth_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/go-logr/logr/funcr"
	clocktesting "k8s.io/utils/clock/testing"

	"github.com/superkube/super-kubenetes/internal/console/auth"
	"github.com/superkube/super-kubenetes/internal/console/session"
)

const (
	clientSecret = "client-secret-for-tests"
	goodPassword = "Good-Passw0rd!"
	base         = "/console/"
	origin       = "https://console.test"
)

var start = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

// tokenServer stands in for ke-apiserver's OAuth endpoints (the integration
// test runs the real one): it issues JWT-shaped tokens that expire on the
// test's clock, rotates refresh tokens, and counts what it is asked.
type tokenServer struct {
	*httptest.Server
	clock     *clocktesting.FakeClock
	mu        sync.Mutex
	refresh   map[string]bool // live refresh tokens
	access    map[string]string
	serial    int
	refreshes atomic.Int32
	logouts   []string
	// idNonce is the nonce put into ID tokens of code grants.
	idNonce string
	// delay holds refreshes, so that concurrent requests meet.
	delay time.Duration
}

func newTokenServer(t *testing.T, clk *clocktesting.FakeClock) *tokenServer {
	ts := &tokenServer{clock: clk, refresh: map[string]bool{}, access: map[string]string{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /oauth/token", ts.token)
	mux.HandleFunc("GET /oauth/userinfo", func(w http.ResponseWriter, r *http.Request) {
		user, ok := ts.user(r)
		if !ok {
			oauthError(w, http.StatusUnauthorized, "", "a valid access token is needed")
			return
		}
		writeJSON(w, map[string]any{"preferred_username": user, "name": "Alice Adams", "email": "alice@example.test", "groups": []string{"dev"}})
	})
	mux.HandleFunc("POST /oauth/logout", func(w http.ResponseWriter, r *http.Request) {
		ts.mu.Lock()
		ts.logouts = append(ts.logouts, strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
		ts.mu.Unlock()
		writeJSON(w, map[string]any{"kind": "Status", "status": "Success", "code": 200})
	})
	ts.Server = httptest.NewTLSServer(mux)
	t.Cleanup(ts.Close)
	return ts
}

func (ts *tokenServer) user(r *http.Request) (string, bool) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	u, ok := ts.access[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
	return u, ok
}

// jwt makes a token whose payload carries exp (and nonce); no signature.
func jwt(kind string, serial int, exp time.Time, nonce string) string {
	payload, _ := json.Marshal(map[string]any{"exp": exp.Unix(), "nonce": nonce, "jti": fmt.Sprintf("%s-%d", kind, serial)})
	return "eyJhbGciOiJub25lIn0." + base64.RawURLEncoding.EncodeToString(payload) + ".sig"
}

func (ts *tokenServer) issue(w http.ResponseWriter, user string) {
	ts.mu.Lock()
	ts.serial++
	now := ts.clock.Now()
	a := jwt("access", ts.serial, now.Add(10*time.Minute), "")
	rt := jwt("refresh", ts.serial, now.Add(24*time.Hour), "")
	ts.access[a], ts.refresh[rt] = user, true
	id := jwt("id", ts.serial, now.Add(time.Hour), ts.idNonce)
	ts.mu.Unlock()
	writeJSON(w, map[string]any{"access_token": a, "refresh_token": rt, "id_token": id, "token_type": "Bearer", "expires_in": 600})
}

func (ts *tokenServer) token(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	if r.PostForm.Get("client_id") != "ke-console" || r.PostForm.Get("client_secret") != clientSecret {
		oauthError(w, http.StatusUnauthorized, "invalid_client", "client authentication failed")
		return
	}
	switch r.PostForm.Get("grant_type") {
	case "password":
		switch {
		case r.PostForm.Get("username") == "flood":
			w.Header().Set("Retry-After", "60")
			oauthError(w, http.StatusTooManyRequests, "slow_down", "too many login attempts from this address; try again later")
		case r.PostForm.Get("username") == "alice" && r.PostForm.Get("password") == goodPassword:
			ts.issue(w, "alice")
		default:
			oauthError(w, http.StatusUnauthorized, "invalid_grant", "invalid username or password, or the account may not log in now")
		}
	case "refresh_token":
		ts.refreshes.Add(1)
		time.Sleep(ts.delay)
		rt := r.PostForm.Get("refresh_token")
		ts.mu.Lock()
		ok := ts.refresh[rt]
		delete(ts.refresh, rt)
		ts.mu.Unlock()
		if !ok {
			oauthError(w, http.StatusBadRequest, "invalid_grant", "the refresh token was revoked")
			return
		}
		ts.issue(w, "alice")
	case "authorization_code":
		if r.PostForm.Get("code") != "good-code" || r.PostForm.Get("redirect_uri") != origin+base+"oauth/callback" || len(r.PostForm.Get("code_verifier")) < 43 {
			oauthError(w, http.StatusBadRequest, "invalid_grant", "the code is invalid or expired")
			return
		}
		ts.issue(w, "alice")
	}
}

func oauthError(w http.ResponseWriter, code int, errCode, desc string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]any{"kind": "Status", "apiVersion": "v1", "status": "Failure", "code": code,
		"message": desc, "reason": map[int]string{400: "BadRequest", 401: "Unauthorized", 429: "TooManyRequests"}[code], "error": errCode, "error_description": desc})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// env is a Manager with its store, clock, token server and captured logs.
type env struct {
	m     *auth.Manager
	store *session.Memory
	clock *clocktesting.FakeClock
	ts    *tokenServer
	h     http.Handler
	logs  *bytes.Buffer
	log   logr.Logger
}

func newEnv(t *testing.T) *env {
	t.Helper()
	clk := clocktesting.NewFakeClock(start)
	ts := newTokenServer(t, clk)
	u, _ := url.Parse(ts.URL)
	e := &env{clock: clk, ts: ts, store: session.NewMemory(clk), logs: &bytes.Buffer{}}
	var mu sync.Mutex
	e.log = funcr.New(func(prefix, args string) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintln(e.logs, prefix, args)
	}, funcr.Options{Verbosity: 10})
	m, err := auth.NewManager(auth.Options{
		Store: e.store, APIServer: &auth.APIServer{URL: u, ClientID: "ke-console", ClientSecret: clientSecret, HTTP: ts.Client()},
		APIServerPublicURL: &url.URL{Scheme: "https", Host: "api.example.test:9443"}, PublicOrigin: origin, BasePath: base,
		Lifetime: 12 * time.Hour, Clock: clk,
	})
	if err != nil {
		t.Fatal(err)
	}
	e.m = m
	e.h = m.WithSession(m.Handler())
	return e
}

type answer struct {
	code    int
	header  http.Header
	body    string
	json    map[string]any
	cookies map[string]*http.Cookie
}

func (e *env) do(method, path string, body any, cookies ...*http.Cookie) *answer {
	var rd *strings.Reader
	if body != nil {
		data, _ := json.Marshal(body)
		rd = strings.NewReader(string(data))
	} else {
		rd = strings.NewReader("")
	}
	r := httptest.NewRequest(method, origin+path, rd)
	r.Header.Set("Content-Type", "application/json")
	for _, c := range cookies {
		r.AddCookie(c)
	}
	r = r.WithContext(logr.NewContext(r.Context(), e.log))
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	a := &answer{code: w.Code, header: w.Header(), body: w.Body.String(), cookies: map[string]*http.Cookie{}}
	_ = json.Unmarshal(w.Body.Bytes(), &a.json)
	for _, c := range w.Result().Cookies() {
		a.cookies[c.Name] = c
	}
	return a
}

func (e *env) login(t *testing.T) *http.Cookie {
	t.Helper()
	a := e.do(http.MethodPost, base+"auth/login", map[string]string{"username": "alice", "password": goodPassword})
	if a.code != http.StatusOK || a.cookies[auth.SessionCookie] == nil {
		t.Fatalf("login: %d %s", a.code, a.body)
	}
	return a.cookies[auth.SessionCookie]
}

func (e *env) stored(t *testing.T, c *http.Cookie) *session.Session {
	t.Helper()
	s := &session.Session{}
	if err := e.store.Get(context.Background(), session.Key(c.Value), s); err != nil {
		t.Fatalf("the session is not stored: %v", err)
	}
	s.ID = c.Value
	return s
}

func TestALoginStartsASessionThatTheBrowserKnowsOnlyByCookies(t *testing.T) {
	e := newEnv(t)
	a := e.do(http.MethodPost, base+"auth/login", map[string]string{"username": "alice", "password": goodPassword})
	if a.code != http.StatusOK || a.json["username"] != "alice" || a.json["displayName"] != "Alice Adams" || a.json["email"] != "alice@example.test" ||
		a.json["passwordChangeRequired"] != false || a.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("%d %s", a.code, a.body)
	}
	if groups, _ := a.json["groups"].([]any); len(groups) != 1 || groups[0] != "dev" {
		t.Fatalf("groups %v", a.json["groups"])
	}
	if exp, err := time.Parse(time.RFC3339, a.json["expiresAt"].(string)); err != nil || !exp.Equal(start.Add(12*time.Hour)) {
		t.Fatalf("expiresAt %v (%v), want the idle lifetime from now", a.json["expiresAt"], err)
	}
	sc, cc := a.cookies[auth.SessionCookie], a.cookies[auth.CSRFCookie]
	if sc == nil || !sc.HttpOnly || !sc.Secure || sc.SameSite != http.SameSiteLaxMode || sc.Path != base || sc.MaxAge != int((24*time.Hour).Seconds()) {
		t.Fatalf("session cookie %+v: want HttpOnly, Secure, Lax, the base path and the refresh token's life", sc)
	}
	if cc == nil || cc.HttpOnly || !cc.Secure || cc.SameSite != http.SameSiteStrictMode || cc.Path != base {
		t.Fatalf("CSRF cookie %+v: want readable by the SPA, Secure, Strict and the base path", cc)
	}
	s := e.stored(t, sc)
	if s.Username != "alice" || s.CSRF != cc.Value || s.AccessToken == "" || s.RefreshToken == "" || !s.AccessExpiry.Equal(start.Add(10*time.Minute)) ||
		!s.RefreshExpiry.Equal(start.Add(24*time.Hour)) {
		t.Fatalf("stored session %+v", s)
	}
	for _, secret := range []string{s.AccessToken, s.RefreshToken, goodPassword} {
		if strings.Contains(a.body, secret) || strings.Contains(e.logs.String(), secret) {
			t.Fatal("a token or the password reached the browser or the logs")
		}
	}
	if strings.Contains(e.logs.String(), sc.Value) {
		t.Fatal("the session ID was logged")
	}

	t.Run("the session answers with the same info", func(t *testing.T) {
		a := e.do(http.MethodGet, base+"auth/session", nil, sc)
		if a.code != http.StatusOK || a.json["username"] != "alice" {
			t.Fatalf("%d %s", a.code, a.body)
		}
	})
	t.Run("a new login replaces the session and revokes the old one", func(t *testing.T) {
		a := e.do(http.MethodPost, base+"auth/login", map[string]string{"username": "alice", "password": goodPassword}, sc)
		if a.code != http.StatusOK || a.cookies[auth.SessionCookie].Value == sc.Value {
			t.Fatalf("%d %s", a.code, a.body)
		}
		if err := e.store.Get(context.Background(), session.Key(sc.Value), &session.Session{}); err == nil {
			t.Fatal("the old session is still stored")
		}
		if len(e.ts.logouts) != 1 || e.ts.logouts[0] != s.AccessToken {
			t.Fatalf("logouts %d, want the old session's", len(e.ts.logouts))
		}
	})
}

func TestLoginFailuresAreStatusesThatNeverRepeatThePassword(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		name       string
		body       any
		code       int
		reason     string
		message    string
		retryAfter string
	}{
		{"a wrong password is 401", map[string]string{"username": "alice", "password": "Wrong-Passw0rd"}, 401, "Unauthorized", "invalid username or password", ""},
		{"an unknown user is 401 alike", map[string]string{"username": "nobody", "password": "Wrong-Passw0rd"}, 401, "Unauthorized", "invalid username or password", ""},
		{"a rate limit passes through with Retry-After", map[string]string{"username": "flood", "password": "Wrong-Passw0rd"}, 429, "TooManyRequests",
			"too many login attempts from this address; try again later", "60"},
		{"a missing password is 400", map[string]string{"username": "alice"}, 400, "BadRequest", "password: is required", ""},
		{"a missing user name is 400", map[string]string{"password": "Wrong-Passw0rd"}, 400, "BadRequest", "username: is required", ""},
		{"unknown fields are 400 without quoting the body", map[string]string{"username": "alice", "password": "Wrong-Passw0rd", "pasword": "Wrong-Passw0rd"},
			400, "BadRequest", "the body is not a valid JSON object of the expected fields", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := e.do(http.MethodPost, base+"auth/login", tc.body)
			if a.code != tc.code || a.json["kind"] != "Status" || a.json["reason"] != tc.reason || a.json["message"] != tc.message ||
				a.header.Get("Retry-After") != tc.retryAfter {
				t.Fatalf("%d %s Retry-After %q", a.code, a.body, a.header.Get("Retry-After"))
			}
			if a.cookies[auth.SessionCookie] != nil {
				t.Fatal("a failed login set a session cookie")
			}
			if strings.Contains(a.body, "Wrong-Passw0rd") || strings.Contains(e.logs.String(), "Wrong-Passw0rd") {
				t.Fatal("the password was repeated")
			}
		})
	}
	t.Run("a wrong client secret is a logged 500 that names no secret", func(t *testing.T) {
		u, _ := url.Parse(e.ts.URL)
		m, _ := auth.NewManager(auth.Options{Store: e.store, APIServer: &auth.APIServer{URL: u, ClientID: "ke-console", ClientSecret: "wrong", HTTP: e.ts.Client()},
			APIServerPublicURL: u, PublicOrigin: origin, BasePath: base, Lifetime: time.Hour, Clock: e.clock})
		e2 := *e
		e2.h = m.WithSession(m.Handler())
		a := e2.do(http.MethodPost, base+"auth/login", map[string]string{"username": "alice", "password": goodPassword})
		if a.code != 500 || strings.Contains(a.body, "wrong") || !strings.Contains(e.logs.String(), "--client-secret-file") {
			t.Fatalf("%d %s", a.code, a.body)
		}
	})
	t.Run("an unreachable ke-apiserver is 503", func(t *testing.T) {
		m, _ := auth.NewManager(auth.Options{Store: e.store, APIServer: &auth.APIServer{URL: &url.URL{Scheme: "https", Host: "127.0.0.1:1"},
			ClientID: "ke-console", ClientSecret: clientSecret, HTTP: http.DefaultClient},
			APIServerPublicURL: &url.URL{Scheme: "https", Host: "x"}, PublicOrigin: origin, BasePath: base, Lifetime: time.Hour, Clock: e.clock})
		e2 := *e
		e2.h = m.WithSession(m.Handler())
		if a := e2.do(http.MethodPost, base+"auth/login", map[string]string{"username": "alice", "password": goodPassword}); a.code != 503 || a.json["reason"] != "ServiceUnavailable" ||
			a.header.Get("Retry-After") != "2" {
			t.Fatalf("%d Retry-After %q %s", a.code, a.header.Get("Retry-After"), a.body)
		}
	})
}

func TestEndpointsAnswerWrongMethodsAndPathsWithStatuses(t *testing.T) {
	e := newEnv(t)
	if a := e.do(http.MethodGet, base+"auth/login", nil); a.code != 405 || a.header.Get("Allow") != "POST" || a.json["kind"] != "Status" {
		t.Fatalf("%d %s", a.code, a.body)
	}
	if a := e.do(http.MethodGet, base+"auth/nothing", nil); a.code != 404 || a.json["kind"] != "Status" {
		t.Fatalf("%d %s", a.code, a.body)
	}
	if a := e.do(http.MethodGet, base+"auth/session", nil); a.code != 401 || a.json["reason"] != "Unauthorized" {
		t.Fatalf("without a session: %d %s", a.code, a.body)
	}
	if a := e.do(http.MethodPost, base+"auth/password", map[string]string{"currentPassword": "a", "password": "b"}); a.code != 401 {
		t.Fatalf("a password change without a session: %d %s", a.code, a.body)
	}
}

func TestAnAccessTokenAboutToExpireIsRefreshedOnceForConcurrentRequests(t *testing.T) {
	e := newEnv(t)
	c := e.login(t)
	before := e.stored(t, c)
	e.ts.delay = 50 * time.Millisecond

	token := func() (string, int) {
		var got string
		code := 0
		h := e.m.WithSession(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			tok, err := e.m.Token(w, r)
			if err != nil {
				code = 401
				return
			}
			got = tok
		}))
		r := httptest.NewRequest(http.MethodGet, origin+base+"api/v1/pods", nil)
		r.AddCookie(c)
		h.ServeHTTP(httptest.NewRecorder(), r)
		return got, code
	}
	if tok, _ := token(); tok != before.AccessToken || e.ts.refreshes.Load() != 0 {
		t.Fatal("a token good for ten minutes was refreshed")
	}
	e.clock.Step(9*time.Minute + 1*time.Second) // 59 s left
	var wg sync.WaitGroup
	toks := make([]string, 8)
	for i := range toks {
		wg.Go(func() { toks[i], _ = token() })
	}
	wg.Wait()
	if n := e.ts.refreshes.Load(); n != 1 {
		t.Fatalf("%d refreshes for concurrent requests, want 1", n)
	}
	after := e.stored(t, c)
	for _, tok := range toks {
		if tok != after.AccessToken || tok == before.AccessToken {
			t.Fatal("a request was forwarded without the new access token")
		}
	}
	if after.RefreshToken == before.RefreshToken || !after.AccessExpiry.Equal(e.clock.Now().Add(10*time.Minute)) {
		t.Fatal("the session does not hold the rotated refresh token and the new expiry")
	}

	t.Run("the session cookie lives as long as the new refresh token", func(t *testing.T) {
		e.clock.Step(10 * time.Minute)
		a := e.do(http.MethodGet, base+"auth/session", nil, c)
		sc := a.cookies[auth.SessionCookie]
		if a.code != http.StatusOK || sc == nil || sc.Value != c.Value || sc.MaxAge != int((24*time.Hour).Seconds()) {
			t.Fatalf("%d, cookie %+v", a.code, sc)
		}
	})
}

func TestARefusedRefreshEndsTheSession(t *testing.T) {
	e := newEnv(t)
	c := e.login(t)
	s := e.stored(t, c)
	e.ts.mu.Lock()
	delete(e.ts.refresh, s.RefreshToken) // revoked at ke-apiserver
	e.ts.mu.Unlock()
	e.clock.Step(10 * time.Minute)
	a := e.do(http.MethodGet, base+"auth/session", nil, c)
	if a.code != 401 || a.cookies[auth.SessionCookie] == nil || a.cookies[auth.SessionCookie].MaxAge >= 0 {
		t.Fatalf("%d %s; want 401 and the cookie expired", a.code, a.body)
	}
	if err := e.store.Get(context.Background(), session.Key(c.Value), &session.Session{}); err == nil {
		t.Fatal("the session is still stored")
	}
}

func TestARefreshThatAnotherReplicaDidFirstIsUsed(t *testing.T) {
	e := newEnv(t)
	c := e.login(t)
	s := e.stored(t, c)
	e.clock.Step(10 * time.Minute)
	// Another replica refreshed: ke-apiserver rotated the refresh token and
	// the store has the new pair, but this replica still holds the old one.
	e.ts.mu.Lock()
	delete(e.ts.refresh, s.RefreshToken)
	e.ts.mu.Unlock()
	newer := *s
	newer.AccessToken, newer.RefreshToken, newer.AccessExpiry = "newer-access", "newer-refresh", e.clock.Now().Add(10*time.Minute)
	old := *s
	got, err := e.m.Fresh(context.Background(), &old)
	if err == nil {
		t.Fatalf("without the newer pair stored, a refused refresh must end the session, got %+v", got)
	}
	_ = e.store.Put(context.Background(), session.Key(s.ID), &newer, time.Hour)
	got, err = e.m.Fresh(context.Background(), &old)
	if err != nil || got.AccessToken != "newer-access" {
		t.Fatalf("got %v, %v; want the pair the other replica stored", got, err)
	}
}

func TestLogoutRevokesTheSessionAtKeAPIServer(t *testing.T) {
	e := newEnv(t)
	c := e.login(t)
	s := e.stored(t, c)
	a := e.do(http.MethodPost, base+"auth/logout", nil, c)
	if a.code != 200 || a.json["status"] != "Success" || a.cookies[auth.SessionCookie] == nil || a.cookies[auth.SessionCookie].MaxAge >= 0 {
		t.Fatalf("%d %s", a.code, a.body)
	}
	if len(e.ts.logouts) != 1 || e.ts.logouts[0] != s.AccessToken {
		t.Fatal("ke-apiserver's logout was not called with the session's token")
	}
	if a := e.do(http.MethodGet, base+"auth/session", nil, c); a.code != 401 {
		t.Fatalf("after logout: %d", a.code)
	}
	if a := e.do(http.MethodPost, base+"auth/logout", nil); a.code != 200 {
		t.Fatalf("a logout without a session: %d", a.code)
	}
}

func TestAnIdentityProviderLoginGoesThroughKeAPIServerWithStateAndPKCE(t *testing.T) {
	e := newEnv(t)
	a := e.do(http.MethodGet, base+"auth/idp/corp-oidc", nil)
	loc, err := url.Parse(a.header.Get("Location"))
	if a.code != http.StatusFound || err != nil {
		t.Fatalf("%d %s", a.code, a.body)
	}
	q := loc.Query()
	if loc.Scheme+"://"+loc.Host+loc.Path != "https://api.example.test:9443/oauth/authorize" || q.Get("client_id") != "ke-console" ||
		q.Get("response_type") != "code" || q.Get("scope") != "openid profile email" || q.Get("redirect_uri") != origin+base+"oauth/callback" ||
		q.Get("idp") != "corp-oidc" || q.Get("code_challenge_method") != "S256" || len(q.Get("code_challenge")) != 43 ||
		len(q.Get("state")) != 43 || len(q.Get("nonce")) != 43 {
		t.Fatalf("redirect to %s", loc)
	}
	lc := a.cookies[auth.LoginCookie]
	if lc == nil || !lc.HttpOnly || !lc.Secure || lc.SameSite != http.SameSiteLaxMode || lc.Path != base+"oauth/callback" || lc.MaxAge != 600 {
		t.Fatalf("login cookie %+v", lc)
	}
	callback := func(query string, cookies ...*http.Cookie) *answer {
		return e.do(http.MethodGet, base+"oauth/callback?"+query, nil, cookies...)
	}
	expectError := func(t *testing.T, a *answer, code string) {
		t.Helper()
		if a.code != http.StatusFound || a.header.Get("Location") != base+"login?error="+code {
			t.Fatalf("%d to %q, want login?error=%s", a.code, a.header.Get("Location"), code)
		}
	}
	t.Run("a callback without the login cookie", func(t *testing.T) {
		expectError(t, callback("code=good-code&state="+q.Get("state")), auth.LoginExpired)
	})
	t.Run("a callback with another state", func(t *testing.T) {
		a := e.do(http.MethodGet, base+"auth/idp/corp-oidc", nil)
		expectError(t, callback("code=good-code&state=forged", a.cookies[auth.LoginCookie]), auth.LoginStateMismatch)
		// The pending login is used up.
		state := mustQuery(t, a.header.Get("Location")).Get("state")
		expectError(t, callback("code=good-code&state="+state, a.cookies[auth.LoginCookie]), auth.LoginExpired)
	})
	t.Run("a refused login", func(t *testing.T) {
		a := e.do(http.MethodGet, base+"auth/idp/corp-oidc", nil)
		state := mustQuery(t, a.header.Get("Location")).Get("state")
		expectError(t, callback("error=access_denied&error_description=no&state="+state, a.cookies[auth.LoginCookie]), auth.LoginDenied)
	})
	t.Run("an ID token with another nonce", func(t *testing.T) {
		a := e.do(http.MethodGet, base+"auth/idp/corp-oidc", nil)
		e.ts.idNonce = "another"
		state := mustQuery(t, a.header.Get("Location")).Get("state")
		expectError(t, callback("code=good-code&state="+state, a.cookies[auth.LoginCookie]), auth.LoginFailed)
	})
	t.Run("a bad code", func(t *testing.T) {
		a := e.do(http.MethodGet, base+"auth/idp/corp-oidc", nil)
		state := mustQuery(t, a.header.Get("Location")).Get("state")
		expectError(t, callback("code=bad-code&state="+state, a.cookies[auth.LoginCookie]), auth.LoginFailed)
	})
	t.Run("a good callback starts a session", func(t *testing.T) {
		e.ts.idNonce = q.Get("nonce")
		a := callback("code=good-code&state="+q.Get("state"), lc)
		if a.code != http.StatusFound || a.header.Get("Location") != base || a.cookies[auth.SessionCookie] == nil || a.cookies[auth.CSRFCookie] == nil {
			t.Fatalf("%d to %q, cookies %v", a.code, a.header.Get("Location"), a.cookies)
		}
		if a.cookies[auth.LoginCookie] == nil || a.cookies[auth.LoginCookie].MaxAge >= 0 {
			t.Fatal("the login cookie was not expired")
		}
		if s := e.stored(t, a.cookies[auth.SessionCookie]); s.Username != "alice" {
			t.Fatalf("session of %q", s.Username)
		}
	})
	t.Run("a provider name that is not one is 400", func(t *testing.T) {
		if a := e.do(http.MethodGet, base+"auth/idp/..%2f", nil); a.code != 400 && a.code != 404 {
			t.Fatalf("%d", a.code)
		}
		if a := e.do(http.MethodGet, base+"auth/idp/"+strings.Repeat("x", 70), nil); a.code != 400 {
			t.Fatalf("%d", a.code)
		}
	})
}

func mustQuery(t *testing.T, raw string) url.Values {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query()
}

func TestIndexResponsesSetTheCSRFCookie(t *testing.T) {
	e := newEnv(t)
	sessions := 0
	index := func(cookies ...*http.Cookie) *http.Cookie {
		r := httptest.NewRequest(http.MethodGet, origin+base, nil)
		for _, c := range cookies {
			r.AddCookie(c)
		}
		w := httptest.NewRecorder()
		if e.m.OnIndex(w, r) {
			sessions++
		}
		for _, c := range w.Result().Cookies() {
			if c.Name == auth.CSRFCookie {
				return c
			}
		}
		t.Fatal("no CSRF cookie")
		return nil
	}
	first := index()
	if len(first.Value) != 43 || first.HttpOnly || !first.Secure || first.SameSite != http.SameSiteStrictMode || first.Path != base {
		t.Fatalf("%+v", first)
	}
	if again := index(first); again.Value != first.Value {
		t.Fatal("the browser's CSRF value changed between pages")
	}
	if fresh := index(&http.Cookie{Name: auth.CSRFCookie, Value: "short"}); fresh.Value == "short" {
		t.Fatal("a malformed CSRF value was kept")
	}
	if sessions != 0 {
		t.Fatal("a browser without a session was told it has one")
	}
	sc := e.login(t)
	s := e.stored(t, sc)
	if got := index(sc, first); got.Value != s.CSRF {
		t.Fatal("a logged-in browser did not get its session's CSRF value")
	}
	if sessions != 1 {
		t.Fatal("a logged-in browser was not told it has a session")
	}
}

func TestIdleSessionsExpire(t *testing.T) {
	e := newEnv(t)
	c := e.login(t)
	e.clock.Step(11 * time.Hour)
	_ = e.stored(t, c)
	// A request renews the idle expiry.
	if a := e.do(http.MethodGet, base+"auth/session", nil, c); a.code != 200 {
		t.Fatalf("%d %s", a.code, a.body)
	}
	e.clock.Step(11 * time.Hour)
	if a := e.do(http.MethodGet, base+"auth/session", nil, c); a.code != 200 {
		t.Fatalf("a used session expired: %d %s", a.code, a.body)
	}
	e.clock.Step(13 * time.Hour)
	if a := e.do(http.MethodGet, base+"auth/session", nil, c); a.code != 401 || a.cookies[auth.SessionCookie].MaxAge >= 0 {
		t.Fatalf("an idle session: %d %s", a.code, a.body)
	}
}
