package apiserver

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4/jwt"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/utils/clock"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	"github.com/superkube/super-kubenetes/internal/apiserver/app"
	tokenpkg "github.com/superkube/super-kubenetes/internal/oauth/token"
	"github.com/superkube/super-kubenetes/internal/testutil/platform"
	"github.com/superkube/super-kubenetes/internal/testutil/redisserver"
)

// raceClient sends requests that arrive together: it keeps a connection
// per concurrent request, opened beforehand, so that no TLS handshake
// spreads them out.
func raceClient(t *testing.T, base string, tlsCfg *tls.Config, n int) *http.Client {
	t.Helper()
	c := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: tlsCfg, MaxIdleConnsPerHost: n, MaxConnsPerHost: n}}
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			resp, err := c.Get(base + "/healthz")
			if err != nil {
				t.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		})
	}
	wg.Wait()
	return c
}

// concurrently posts the same form n times at once with c and returns the answers.
func concurrently(t *testing.T, c *http.Client, n int, target string, values url.Values, basicUser, basicPass string) []*platform.Response {
	t.Helper()
	out := make([]*platform.Response, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			req, _ := http.NewRequest(http.MethodPost, target, strings.NewReader(values.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if basicUser != "" {
				req.SetBasicAuth(basicUser, basicPass)
			}
			<-start
			resp, err := c.Do(req)
			if err != nil {
				t.Error(err)
				out[i] = &platform.Response{}
				return
			}
			defer resp.Body.Close()
			data, _ := io.ReadAll(resp.Body)
			r := &platform.Response{Code: resp.StatusCode, Header: resp.Header, Body: data}
			_ = json.Unmarshal(data, &r.JSON)
			out[i] = r
		})
	}
	close(start)
	wg.Wait()
	return out
}

func countCodes(answers []*platform.Response, code int) int {
	n := 0
	for _, r := range answers {
		if r.Code == code {
			n++
		}
	}
	return n
}

func refreshWith(t *testing.T, refresh string) *platform.Response {
	t.Helper()
	return api.Form(t, "/oauth/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}}, app.ConsoleClientID, consoleSecret)
}

func TestARefreshTokenIsRedeemedOnceWhateverTheConcurrency(t *testing.T) {
	newUser(t, "racer")
	const n = 24
	check := func(t *testing.T, base string, tlsCfg *tls.Config, login func() *platform.Response) {
		t.Helper()
		c := raceClient(t, base, tlsCfg, n)
		for round := range 5 {
			first := login()
			if first.Code != http.StatusOK {
				t.Fatalf("login: %d %s", first.Code, first.Body)
			}
			answers := concurrently(t, c, n, base+"/oauth/token",
				url.Values{"grant_type": {"refresh_token"}, "refresh_token": {first.Str("refresh_token")}}, app.ConsoleClientID, consoleSecret)
			if ok := countCodes(answers, http.StatusOK); ok != 1 {
				t.Fatalf("round %d: %d of %d concurrent redemptions of one refresh token got new tokens, want exactly 1", round+1, ok, n)
			}
			for _, r := range answers {
				if r.Code != http.StatusOK && (r.Code != http.StatusBadRequest || r.Str("error") != "invalid_grant") {
					t.Fatalf("a refused redemption: %d %s", r.Code, r.Body)
				}
			}
		}
	}
	t.Run("with the memory store", func(t *testing.T) {
		check(t, st.url, st.http.Transport.(*http.Transport).TLSClientConfig, func() *platform.Response { return api.Login(t, "racer", Password) })
	})
	t.Run("with the Redis store", func(t *testing.T) {
		redis := redisserver.StartT(t)
		rep := startReplica(t, func(cfg *app.Config) { cfg.RedisURL = redis.URL(0) })
		check(t, rep.srv.URL, rep.srv.Client().Transport.(*http.Transport).TLSClientConfig, func() *platform.Response { return rep.login(t, "racer") })
	})
}

func TestAnAuthorizationCodeIsRedeemedOnceWhateverTheConcurrency(t *testing.T) {
	newUser(t, "code-racer")
	const n = 24
	verifier := strings.Repeat("r", 50)
	sum := sha256.Sum256([]byte(verifier))
	q := url.Values{"client_id": {"cli"}, "redirect_uri": {cliRedirect}, "response_type": {"code"}, "scope": {"openid"},
		"state": {"s"}, "code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"}}
	check := func(t *testing.T, base string, tlsCfg *tls.Config, authorize func() *platform.Response) {
		t.Helper()
		c := raceClient(t, base, tlsCfg, n)
		for round := range 5 {
			r := authorize()
			loc, err := url.Parse(r.Header.Get("Location"))
			if r.Code != http.StatusFound || err != nil || loc.Query().Get("code") == "" {
				t.Fatalf("authorize: %d %s", r.Code, r.Header.Get("Location"))
			}
			answers := concurrently(t, c, n, base+"/oauth/token", url.Values{"grant_type": {"authorization_code"}, "client_id": {"cli"},
				"code": {loc.Query().Get("code")}, "redirect_uri": {cliRedirect}, "code_verifier": {verifier}}, "", "")
			if ok := countCodes(answers, http.StatusOK); ok != 1 {
				t.Fatalf("round %d: %d of %d concurrent redemptions of one code got tokens, want exactly 1", round+1, ok, n)
			}
		}
	}
	t.Run("with the memory store", func(t *testing.T) {
		tok := api.Token(t, "code-racer")
		check(t, st.url, st.http.Transport.(*http.Transport).TLSClientConfig, func() *platform.Response {
			return api.Do(t, http.MethodGet, "/oauth/authorize?"+q.Encode(), tok, nil)
		})
	})
	t.Run("with the Redis store", func(t *testing.T) {
		redis := redisserver.StartT(t)
		rep := startReplica(t, func(cfg *app.Config) { cfg.RedisURL = redis.URL(0) })
		tok := rep.login(t, "code-racer").Str("access_token")
		check(t, rep.srv.URL, rep.srv.Client().Transport.(*http.Transport).TLSClientConfig, func() *platform.Response {
			return rep.send(t, http.MethodGet, "/oauth/authorize?"+q.Encode(), tok, nil)
		})
	})
}

func TestARefusedRefreshTokenIsToldTruthfullyWhy(t *testing.T) {
	newUser(t, "truthful")
	t.Run("a used refresh token was revoked", func(t *testing.T) {
		first := api.Login(t, "truthful", Password)
		if r := refreshWith(t, first.Str("refresh_token")); r.Code != http.StatusOK {
			t.Fatalf("refresh: %d %s", r.Code, r.Body)
		}
		r := refreshWith(t, first.Str("refresh_token"))
		platform.ExpectStatus(t, r, http.StatusBadRequest)
		if r.Str("error") != "invalid_grant" || !strings.Contains(r.Str("error_description"), "revoked or has already been used") {
			t.Fatalf("%s", r.Body)
		}
	})
	t.Run("a refresh token the server has no record of is not called revoked", func(t *testing.T) {
		// A token this server signed whose record it lost, as a server
		// with a memory store does when it restarts.
		keys, err := tokenpkg.LoadKeys(st.cfg.SigningKeyFile, nil, false)
		if err != nil {
			t.Fatal(err)
		}
		iss, err := tokenpkg.NewIssuer(st.url, keys, clock.RealClock{})
		if err != nil {
			t.Fatal(err)
		}
		raw, err := iss.Issue(&tokenpkg.Claims{Claims: jwt.Claims{Subject: "truthful", ID: rand.Text(), Audience: jwt.Audience{app.ConsoleClientID}},
			TokenType: tokenpkg.TypeRefresh, ClientID: app.ConsoleClientID, SessionID: rand.Text()}, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		r := refreshWith(t, raw)
		platform.ExpectStatus(t, r, http.StatusBadRequest)
		desc := r.Str("error_description")
		if r.Str("error") != "invalid_grant" || strings.Contains(desc, "revoked") || !strings.Contains(desc, "not known to this server") {
			t.Fatalf("%s", r.Body)
		}
	})
}

// loginRecords returns the user's login records.
func loginRecords(t *testing.T, user string) []iamv1beta1.LoginRecord {
	t.Helper()
	records := &iamv1beta1.LoginRecordList{}
	if err := st.k8s.List(t.Context(), records, labelsFor(user)); err != nil {
		t.Fatal(err)
	}
	return records.Items
}

// countReasons counts the failed records of each reason.
func countReasons(records []iamv1beta1.LoginRecord) map[string]int {
	out := map[string]int{}
	for _, r := range records {
		if !r.Spec.Success {
			out[r.Spec.Reason]++
		}
	}
	return out
}

func TestConcurrentWrongPasswordsLockTheUserBeforeTheRightOne(t *testing.T) {
	newUser(t, "besieged")
	c := raceClient(t, st.url, st.http.Transport.(*http.Transport).TLSClientConfig, 12)
	answers := concurrently(t, c, 12, st.url+"/oauth/token", url.Values{"grant_type": {"password"}, "username": {"besieged"},
		"password": {"Wrong-Passw0rd!"}}, app.ConsoleClientID, consoleSecret)
	if n := countCodes(answers, http.StatusUnauthorized); n != 12 {
		t.Fatalf("%d of 12 wrong passwords got 401", n)
	}
	// At once, without waiting for records or the controller.
	if r := api.Login(t, "besieged", Password); r.Code != http.StatusUnauthorized {
		t.Fatalf("the right password after 12 concurrent wrong ones: %d, want 401 (locked)", r.Code)
	}
	eventually(t, "only as many passwords as the lockout allows were checked, and every attempt is recorded", func() error {
		reasons := countReasons(loginRecords(t, "besieged"))
		if reasons["wrong password"] != maxFailures || reasons["the account is locked after too many failed logins"] != 13-maxFailures {
			return errf("reasons %v", reasons)
		}
		return nil
	})

	t.Run("an administrator's unlock lets the right password in at once", func(t *testing.T) {
		r := api.Do(t, http.MethodPost, "/kapis/iam.superkube.io/v1beta1/users/besieged/unlock", api.Admin(t), nil)
		if r.Code != http.StatusOK {
			t.Fatalf("unlock: %d %s", r.Code, r.Body)
		}
		if r := api.Login(t, "besieged", Password); r.Code != http.StatusOK {
			t.Fatalf("the right password after the unlock: %d %s", r.Code, r.Body)
		}
	})
}

func TestWrongCurrentPasswordsCountAsFailedLogins(t *testing.T) {
	newUser(t, "oracle")
	tok := api.Token(t, "oracle")
	change := func(current string) *platform.Response {
		return api.DoJSON(t, http.MethodPut, "/kapis/iam.superkube.io/v1beta1/users/oracle/password", tok,
			map[string]string{"currentPassword": current, "password": "Brand-New-Passw0rd"})
	}
	for range maxFailures {
		r := change("Wrong-Guess-1")
		platform.ExpectStatus(t, r, http.StatusUnprocessableEntity)
		if !strings.Contains(string(r.Body), `"field":"currentPassword"`) {
			t.Fatalf("the field is not named: %s", r.Body)
		}
	}
	r := change(Password)
	platform.ExpectStatus(t, r, http.StatusTooManyRequests)
	if r.Header.Get("Retry-After") == "" {
		t.Fatalf("no Retry-After: %v", r.Header)
	}
	if r := api.Login(t, "oracle", Password); r.Code != http.StatusUnauthorized {
		t.Fatalf("a login after the failed password changes: %d, want 401 (locked)", r.Code)
	}
	eventually(t, "the failed checks are recorded", func() error {
		reasons := countReasons(loginRecords(t, "oracle"))
		if reasons["wrong current password (password change)"] != maxFailures {
			return errf("reasons %v", reasons)
		}
		return nil
	})
}

func TestKubeconfigTokensAreForKubeAPIServerOnly(t *testing.T) {
	newUser(t, "kubectl-user")
	tok := api.Token(t, "kubectl-user")
	r := api.Do(t, http.MethodGet, "/kapis/iam.superkube.io/v1beta1/users/kubectl-user/kubeconfig", tok, nil)
	if r.Code != http.StatusOK {
		t.Fatalf("kubeconfig: %d %s", r.Code, r.Body)
	}
	cfg, err := clientcmd.RESTConfigFromKubeConfig(r.Body)
	if err != nil || cfg.BearerToken == "" {
		t.Fatalf("the kubeconfig has no token: %v", err)
	}
	for _, path := range []string{"/kapis/iam.superkube.io/v1beta1/users/kubectl-user", "/oauth/userinfo", "/api/v1/namespaces/default/configmaps"} {
		platform.ExpectStatus(t, api.Do(t, http.MethodGet, path, cfg.BearerToken, nil), http.StatusUnauthorized)
	}
	// The console's token still works.
	if r := api.Do(t, http.MethodGet, "/kapis/iam.superkube.io/v1beta1/users/kubectl-user", tok, nil); r.Code != http.StatusOK {
		t.Fatalf("the console's token: %d %s", r.Code, r.Body)
	}
}
