package github_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/superkube/super-kubenetes/internal/oauth/idp"
	"github.com/superkube/super-kubenetes/internal/oauth/idp/github"
)

const (
	clientID     = "Iv1.ke-apiserver"
	clientSecret = "gh-s3cret-value"
	redirectURI  = "https://ke.example.test/oauth/callback/github"
)

// fakeGitHub is a test double of GitHub's OAuth and REST endpoints that
// ke-apiserver uses, answering as GitHub does: token errors come with
// status 200, in the form encoding unless JSON is accepted.
type fakeGitHub struct {
	server *httptest.Server

	mu     sync.Mutex
	codes  map[string]string    // code → access token
	users  map[string]*fakeUser // access token → user
	broken map[string]int       // API path → status to answer
}

type fakeUser struct {
	Login  string
	ID     int64
	Name   string
	Email  string // the public e-mail address
	Emails []fakeEmail
	Orgs   []string
}

type fakeEmail struct {
	Email    string `json:"email"`
	Primary  bool   `json:"primary"`
	Verified bool   `json:"verified"`
}

func startFakeGitHub(t *testing.T) *fakeGitHub {
	t.Helper()
	f := &fakeGitHub{codes: map[string]string{}, users: map[string]*fakeUser{}, broken: map[string]int{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login/oauth/access_token", f.accessToken)
	mux.HandleFunc("GET /api/v3/user", f.api(func(u *fakeUser, _ *http.Request) any {
		var email *string
		if u.Email != "" {
			email = &u.Email
		}
		return map[string]any{"login": u.Login, "id": u.ID, "name": u.Name, "email": email}
	}))
	mux.HandleFunc("GET /api/v3/user/emails", f.api(func(u *fakeUser, _ *http.Request) any {
		return append([]fakeEmail{}, u.Emails...)
	}))
	mux.HandleFunc("GET /api/v3/user/orgs", f.api(func(u *fakeUser, r *http.Request) any {
		perPage, _ := strconv.Atoi(r.URL.Query().Get("per_page"))
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		if perPage <= 0 {
			perPage = 30
		}
		if page <= 0 {
			page = 1
		}
		orgs := []map[string]any{}
		for i := (page - 1) * perPage; i < len(u.Orgs) && i < page*perPage; i++ {
			orgs = append(orgs, map[string]any{"login": u.Orgs[i], "id": i + 1})
		}
		return orgs
	}))
	f.server = httptest.NewServer(mux)
	t.Cleanup(f.server.Close)
	return f
}

// addLogin makes code log the user in.
func (f *fakeGitHub) addLogin(code string, u fakeUser) {
	f.mu.Lock()
	defer f.mu.Unlock()
	token := "gho_token_for_" + u.Login
	f.codes[code] = token
	f.users[token] = &u
}

// breakAPI makes GitHub answer the API path with the status.
func (f *fakeGitHub) breakAPI(path string, status int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.broken[path] = status
}

func (f *fakeGitHub) accessToken(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	answer := url.Values{}
	f.mu.Lock()
	token, ok := f.codes[r.PostForm.Get("code")]
	delete(f.codes, r.PostForm.Get("code"))
	f.mu.Unlock()
	switch {
	case r.PostForm.Get("client_id") != clientID || r.PostForm.Get("client_secret") != clientSecret:
		answer.Set("error", "incorrect_client_credentials")
		answer.Set("error_description", "The client_id and/or client_secret passed are incorrect.")
	case !ok:
		answer.Set("error", "bad_verification_code")
		answer.Set("error_description", "The code passed is incorrect or expired.")
	case r.PostForm.Get("redirect_uri") != redirectURI:
		answer.Set("error", "redirect_uri_mismatch")
		answer.Set("error_description", "The redirect_uri MUST match the registered callback URL for this application.")
	default:
		answer.Set("access_token", token)
		answer.Set("token_type", "bearer")
		answer.Set("scope", "read:org,read:user,user:email")
	}
	if strings.Contains(r.Header.Get("Accept"), "application/json") {
		w.Header().Set("Content-Type", "application/json")
		m := map[string]string{}
		for k := range answer {
			m[k] = answer.Get(k)
		}
		_ = json.NewEncoder(w).Encode(m)
		return
	}
	w.Header().Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	_, _ = fmt.Fprint(w, answer.Encode())
}

func (f *fakeGitHub) api(answer func(*fakeUser, *http.Request) any) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		f.mu.Lock()
		status := f.broken[strings.TrimPrefix(r.URL.Path, "/api/v3")]
		u, ok := f.users[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
		f.mu.Unlock()
		switch {
		case status != 0:
			w.WriteHeader(status)
			_, _ = fmt.Fprint(w, `{"message":"Server Error"}`)
		case !ok:
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = fmt.Fprint(w, `{"message":"Bad credentials","documentation_url":"https://docs.github.com/rest"}`)
		default:
			_ = json.NewEncoder(w).Encode(answer(u, r))
		}
	}
}

// newProvider returns a provider pointed at the double, changed by the
// mutators.
func newProvider(t *testing.T, f *fakeGitHub, mutators ...func(*github.Config)) *github.Provider {
	t.Helper()
	cfg := github.Config{
		Name:         "github",
		ClientID:     clientID,
		ClientSecret: clientSecret,
		AuthURL:      f.server.URL + "/login/oauth/authorize",
		TokenURL:     f.server.URL + "/login/oauth/access_token",
		APIURL:       f.server.URL + "/api/v3/",
	}
	for _, m := range mutators {
		m(&cfg)
	}
	p, err := github.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return p
}

func assertNoSecrets(t *testing.T, err error, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if strings.Contains(err.Error(), s) {
			t.Errorf("The error %q reveals a secret", err)
		}
	}
}

func TestExchange(t *testing.T) {
	f := startFakeGitHub(t)
	p := newProvider(t, f)

	t.Run("a user with a public e-mail address logs in", func(t *testing.T) {
		f.addLogin("code-octocat", fakeUser{
			Login: "OctoCat", ID: 583231, Name: "The Octocat", Email: "octocat@example.test",
			Orgs: []string{"superkube", "kubernetes"},
		})
		id, err := p.Exchange(t.Context(), "code-octocat", "", redirectURI)
		if err != nil {
			t.Fatalf("Exchange: %v", err)
		}
		want := idp.Identity{
			Provider: "github", UID: "583231", Username: "octocat", Email: "octocat@example.test",
			DisplayName: "The Octocat", Groups: []string{"superkube", "kubernetes"},
		}
		assertIdentity(t, id, want)
	})

	t.Run("the e-mail address comes from /user/emails when the profile shows none", func(t *testing.T) {
		f.addLogin("code-hubot", fakeUser{
			Login: "hubot", ID: 7, Emails: []fakeEmail{
				{Email: "old@example.test", Primary: false, Verified: true},
				{Email: "hubot@example.test", Primary: true, Verified: true},
			},
		})
		id, err := p.Exchange(t.Context(), "code-hubot", "", redirectURI)
		if err != nil {
			t.Fatalf("Exchange: %v", err)
		}
		assertIdentity(t, id, idp.Identity{Provider: "github", UID: "7", Username: "hubot", Email: "hubot@example.test", DisplayName: "hubot"})
	})

	t.Run("a primary e-mail address that is not verified is left out", func(t *testing.T) {
		f.addLogin("code-unverified", fakeUser{
			Login: "newbie", ID: 8, Emails: []fakeEmail{{Email: "newbie@example.test", Primary: true, Verified: false}},
		})
		id, err := p.Exchange(t.Context(), "code-unverified", "", redirectURI)
		if err != nil {
			t.Fatalf("Exchange: %v", err)
		}
		if id.Email != "" {
			t.Errorf("Email = %q, want none", id.Email)
		}
	})

	t.Run("every page of organizations becomes a group", func(t *testing.T) {
		orgs := make([]string, 0, 150)
		for i := range 150 {
			orgs = append(orgs, fmt.Sprintf("org-%03d", i))
		}
		f.addLogin("code-joiner", fakeUser{Login: "joiner", ID: 9, Email: "joiner@example.test", Orgs: orgs})
		id, err := p.Exchange(t.Context(), "code-joiner", "", redirectURI)
		if err != nil {
			t.Fatalf("Exchange: %v", err)
		}
		if !slices.Equal(id.Groups, orgs) {
			t.Errorf("Got %d groups, want the 150 organizations", len(id.Groups))
		}
	})

	t.Run("GitHub answering an error for the code is refused without leaking the secret", func(t *testing.T) {
		const code = "code-nobody-issued"
		_, err := p.Exchange(t.Context(), code, "", redirectURI)
		if !errors.Is(err, idp.ErrInvalidCredentials) {
			t.Fatalf("Exchange: got %v, want ErrInvalidCredentials", err)
		}
		if !strings.Contains(err.Error(), "bad_verification_code") {
			t.Errorf("The error %q does not say why", err)
		}
		assertNoSecrets(t, err, clientSecret, code)
	})

	t.Run("a code is redeemed once only", func(t *testing.T) {
		f.addLogin("code-once", fakeUser{Login: "once", ID: 10, Email: "once@example.test"})
		if _, err := p.Exchange(t.Context(), "code-once", "", redirectURI); err != nil {
			t.Fatalf("First exchange: %v", err)
		}
		if _, err := p.Exchange(t.Context(), "code-once", "", redirectURI); !errors.Is(err, idp.ErrInvalidCredentials) {
			t.Fatalf("Second exchange: got %v, want ErrInvalidCredentials", err)
		}
	})

	t.Run("a failing GitHub API is reported without the token", func(t *testing.T) {
		f.addLogin("code-broken", fakeUser{Login: "broken", ID: 11})
		f.breakAPI("/user/emails", http.StatusInternalServerError)
		_, err := p.Exchange(t.Context(), "code-broken", "", redirectURI)
		if err == nil || !strings.Contains(err.Error(), "500") || !strings.Contains(err.Error(), "/user/emails") {
			t.Fatalf("Exchange: got %v, want the API error", err)
		}
		assertNoSecrets(t, err, clientSecret, "gho_token_for_broken")
	})
}

func TestExchangeWithWrongClientSecret(t *testing.T) {
	f := startFakeGitHub(t)
	p := newProvider(t, f, func(c *github.Config) { c.ClientSecret = "not-the-app-secret" })

	t.Run("wrong client credentials are reported without the secret", func(t *testing.T) {
		f.addLogin("code-octocat", fakeUser{Login: "octocat", ID: 1})
		_, err := p.Exchange(t.Context(), "code-octocat", "", redirectURI)
		if err == nil || !strings.Contains(err.Error(), "incorrect_client_credentials") {
			t.Fatalf("Exchange: got %v, want incorrect_client_credentials", err)
		}
		if errors.Is(err, idp.ErrInvalidCredentials) {
			t.Errorf("A misconfigured app is not the user's fault, but %q wraps ErrInvalidCredentials", err)
		}
		assertNoSecrets(t, err, "not-the-app-secret", clientSecret, "code-octocat")
	})
}

func TestOrgAllowList(t *testing.T) {
	f := startFakeGitHub(t)
	p := newProvider(t, f, func(c *github.Config) { c.Orgs = []string{"SuperKube"} })

	t.Run("a member of an allowed organization logs in, whatever the case of its name", func(t *testing.T) {
		f.addLogin("code-member", fakeUser{Login: "member", ID: 20, Email: "m@example.test", Orgs: []string{"other", "superkube"}})
		id, err := p.Exchange(t.Context(), "code-member", "", redirectURI)
		if err != nil {
			t.Fatalf("Exchange: %v", err)
		}
		if !slices.Equal(id.Groups, []string{"other", "superkube"}) {
			t.Errorf("Groups = %v, want both organizations", id.Groups)
		}
	})

	t.Run("the org allow-list refuses a non-member", func(t *testing.T) {
		f.addLogin("code-outsider", fakeUser{Login: "outsider", ID: 21, Email: "o@example.test", Orgs: []string{"other"}})
		_, err := p.Exchange(t.Context(), "code-outsider", "", redirectURI)
		if !errors.Is(err, idp.ErrInvalidCredentials) {
			t.Fatalf("Exchange: got %v, want ErrInvalidCredentials", err)
		}
		if !strings.Contains(err.Error(), "outsider") {
			t.Errorf("The error %q does not name the user", err)
		}
	})
}

func TestAuthCodeURL(t *testing.T) {
	f := startFakeGitHub(t)
	p := newProvider(t, f)

	t.Run("the authorization URL carries the client, the state, the scopes and the redirect URI", func(t *testing.T) {
		raw, err := p.AuthCodeURL(t.Context(), "state-1", "nonce-1", redirectURI)
		if err != nil {
			t.Fatal(err)
		}
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		if got := u.Scheme + "://" + u.Host + u.Path; got != f.server.URL+"/login/oauth/authorize" {
			t.Errorf("The URL goes to %s, want the configured authURL", got)
		}
		want := map[string]string{
			"client_id":    clientID,
			"state":        "state-1",
			"scope":        "read:user user:email read:org",
			"redirect_uri": redirectURI,
		}
		for k, v := range want {
			if got := u.Query().Get(k); got != v {
				t.Errorf("%s = %q, want %q", k, got, v)
			}
		}
		if strings.Contains(u.String(), clientSecret) {
			t.Error("The URL carries the client secret")
		}
	})

	t.Run("the provider describes itself", func(t *testing.T) {
		if p.Name() != "github" || p.Type() != github.Type || p.MappingMethod() != idp.MappingAuto {
			t.Errorf("Got name %q, type %q, mapping %q", p.Name(), p.Type(), p.MappingMethod())
		}
	})
}

func assertIdentity(t *testing.T, got *idp.Identity, want idp.Identity) {
	t.Helper()
	if got.Provider != want.Provider || got.UID != want.UID || got.Username != want.Username ||
		got.Email != want.Email || got.DisplayName != want.DisplayName || !slices.Equal(got.Groups, want.Groups) {
		t.Errorf("Identity = %+v, want %+v", *got, want)
	}
}
