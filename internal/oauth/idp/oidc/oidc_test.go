package oidc_test

import (
	"context"
	"errors"
	"net"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"

	"github.com/superkube/super-kubenetes/internal/oauth/idp"
	"github.com/superkube/super-kubenetes/internal/oauth/idp/oidc"
	"github.com/superkube/super-kubenetes/internal/testutil/oidcprovider"
)

const (
	testState = "state-4b1d"
	testNonce = "nonce-9f3a"
)

// startProvider starts a test OpenID provider that is closed with the test.
func startProvider(t *testing.T, opts oidcprovider.Options) *oidcprovider.Server {
	t.Helper()
	srv, err := oidcprovider.Start(opts)
	if err != nil {
		t.Fatalf("Starting the OpenID provider: %v", err)
	}
	t.Cleanup(srv.Close)
	return srv
}

// configFor returns the relying party's configuration for the test provider.
func configFor(srv *oidcprovider.Server) oidc.Config {
	return oidc.Config{
		Name:         "corp-sso",
		Issuer:       srv.Issuer,
		ClientID:     srv.ClientID,
		ClientSecret: srv.ClientSecret,
		RootCA:       srv.CAFile,
	}
}

func newProvider(t *testing.T, cfg oidc.Config) *oidc.Provider {
	t.Helper()
	p, err := oidc.New(t.Context(), cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return p
}

// login sends the browser through the provider as the user and returns the
// code and the state of the callback.
func login(t *testing.T, srv *oidcprovider.Server, p *oidc.Provider, user, nonce string) (code, state string) {
	t.Helper()
	if err := p.Discover(t.Context()); err != nil {
		t.Fatalf("Discover: %v", err)
	}
	authURL, err := p.AuthCodeURL(t.Context(), testState, nonce, oidcprovider.DefaultRedirectURI)
	if err != nil || authURL == "" {
		t.Fatalf("AuthCodeURL returned no URL: %v", err)
	}
	if user != "" {
		authURL += "&login_hint=" + url.QueryEscape(user)
	}
	callback, err := srv.FollowLogin(t.Context(), authURL)
	if err != nil {
		t.Fatalf("Logging in: %v", err)
	}
	q := callback.Query()
	if e := q.Get("error"); e != "" {
		t.Fatalf("The provider answered %s: %s", e, q.Get("error_description"))
	}
	return q.Get("code"), q.Get("state")
}

// assertNoSecrets fails when the error reveals a secret.
func assertNoSecrets(t *testing.T, err error, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if s != "" && strings.Contains(err.Error(), s) {
			t.Errorf("The error %q reveals a secret", err)
		}
	}
}

func TestLogin(t *testing.T) {
	srv := startProvider(t, oidcprovider.Options{})
	p := newProvider(t, configFor(srv))

	t.Run("a user logs in through the provider and gets username, e-mail and groups from the claims", func(t *testing.T) {
		code, state := login(t, srv, p, "alice", testNonce)
		if state != testState {
			t.Errorf("The state came back as %q, want %q", state, testState)
		}
		id, err := p.Exchange(t.Context(), code, testNonce, oidcprovider.DefaultRedirectURI)
		if err != nil {
			t.Fatalf("Exchange: %v", err)
		}
		want := idp.Identity{
			Provider:    "corp-sso",
			UID:         "2f6b1c1e-alice",
			Username:    "alice",
			Email:       "alice@example.test",
			DisplayName: "Alice Adams",
			Groups:      []string{"platform-admins", "developers"},
		}
		assertIdentity(t, id, want)
	})

	t.Run("a user without a preferred_username claim is named by the subject", func(t *testing.T) {
		code, _ := login(t, srv, p, "c0ffee00-nameless", testNonce)
		id, err := p.Exchange(t.Context(), code, testNonce, oidcprovider.DefaultRedirectURI)
		if err != nil {
			t.Fatalf("Exchange: %v", err)
		}
		if id.Username != "c0ffee00-nameless" {
			t.Errorf("Username = %q, want the subject", id.Username)
		}
	})

	t.Run("an e-mail address the provider has not verified is left out", func(t *testing.T) {
		code, _ := login(t, srv, p, "bob", testNonce)
		id, err := p.Exchange(t.Context(), code, testNonce, oidcprovider.DefaultRedirectURI)
		if err != nil {
			t.Fatalf("Exchange: %v", err)
		}
		if id.Username != "bob" || id.Email != "" {
			t.Errorf("Got username %q and e-mail %q, want bob without an e-mail", id.Username, id.Email)
		}
	})

	t.Run("a wrong nonce is refused", func(t *testing.T) {
		code, _ := login(t, srv, p, "alice", testNonce)
		_, err := p.Exchange(t.Context(), code, "nonce-of-another-login", oidcprovider.DefaultRedirectURI)
		if err == nil || !strings.Contains(err.Error(), "nonce") {
			t.Fatalf("Exchange with a wrong nonce: got %v, want a nonce error", err)
		}
	})

	t.Run("an invalid code is refused with an error that does not leak the secret", func(t *testing.T) {
		const code = "not-a-code-the-provider-issued"
		_, err := p.Exchange(t.Context(), code, testNonce, oidcprovider.DefaultRedirectURI)
		if err == nil {
			t.Fatal("Exchange of an invalid code succeeded")
		}
		if !errors.Is(err, idp.ErrInvalidCredentials) {
			t.Errorf("The error %q does not wrap ErrInvalidCredentials", err)
		}
		assertNoSecrets(t, err, srv.ClientSecret, code)
	})

	t.Run("a code is redeemed once only", func(t *testing.T) {
		code, _ := login(t, srv, p, "alice", testNonce)
		if _, err := p.Exchange(t.Context(), code, testNonce, oidcprovider.DefaultRedirectURI); err != nil {
			t.Fatalf("First exchange: %v", err)
		}
		_, err := p.Exchange(t.Context(), code, testNonce, oidcprovider.DefaultRedirectURI)
		if !errors.Is(err, idp.ErrInvalidCredentials) {
			t.Fatalf("Second exchange: got %v, want ErrInvalidCredentials", err)
		}
		assertNoSecrets(t, err, srv.ClientSecret, code)
	})

	t.Run("a code sent back to another redirect URI is refused", func(t *testing.T) {
		code, _ := login(t, srv, p, "alice", testNonce)
		_, err := p.Exchange(t.Context(), code, testNonce, "https://attacker.test/callback")
		if err == nil {
			t.Fatal("Exchange with another redirect URI succeeded")
		}
		assertNoSecrets(t, err, srv.ClientSecret, code)
	})

	t.Run("the authorization URL carries the state, the nonce, the scopes and the redirect URI", func(t *testing.T) {
		raw, err := p.AuthCodeURL(t.Context(), testState, testNonce, oidcprovider.DefaultRedirectURI)
		if err != nil {
			t.Fatal(err)
		}
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		q := u.Query()
		want := map[string]string{
			"state":         testState,
			"nonce":         testNonce,
			"scope":         "openid profile email",
			"redirect_uri":  oidcprovider.DefaultRedirectURI,
			"client_id":     srv.ClientID,
			"response_type": "code",
		}
		for k, v := range want {
			if got := q.Get(k); got != v {
				t.Errorf("%s = %q, want %q", k, got, v)
			}
		}
		if !strings.HasPrefix(u.String(), srv.Issuer+"/") {
			t.Errorf("The URL %s is not at the issuer", u)
		}
	})
}

func TestLoginWithAnotherClientSecret(t *testing.T) {
	srv := startProvider(t, oidcprovider.Options{})
	cfg := configFor(srv)
	cfg.ClientSecret = "a-secret-the-provider-does-not-know"
	p := newProvider(t, cfg)

	t.Run("a wrong client secret is refused with an error that does not leak it", func(t *testing.T) {
		code, _ := login(t, srv, p, "alice", testNonce)
		_, err := p.Exchange(t.Context(), code, testNonce, oidcprovider.DefaultRedirectURI)
		if err == nil {
			t.Fatal("Exchange with a wrong client secret succeeded")
		}
		assertNoSecrets(t, err, cfg.ClientSecret, srv.ClientSecret, code)
	})
}

func TestClaimsFromUserinfo(t *testing.T) {
	srv := startProvider(t, oidcprovider.Options{ClaimsInUserinfoOnly: true})
	p := newProvider(t, configFor(srv))

	t.Run("claims the ID token lacks are taken from the userinfo endpoint", func(t *testing.T) {
		code, _ := login(t, srv, p, "alice", testNonce)
		id, err := p.Exchange(t.Context(), code, testNonce, oidcprovider.DefaultRedirectURI)
		if err != nil {
			t.Fatalf("Exchange: %v", err)
		}
		assertIdentity(t, id, idp.Identity{
			Provider:    "corp-sso",
			UID:         "2f6b1c1e-alice",
			Username:    "alice",
			Email:       "alice@example.test",
			DisplayName: "Alice Adams",
			Groups:      []string{"platform-admins", "developers"},
		})
	})
}

func TestConfiguredClaims(t *testing.T) {
	srv := startProvider(t, oidcprovider.Options{})

	t.Run("the e-mail claim can name the user", func(t *testing.T) {
		cfg := configFor(srv)
		cfg.UsernameClaim = "email"
		p := newProvider(t, cfg)
		code, _ := login(t, srv, p, "alice", testNonce)
		id, err := p.Exchange(t.Context(), code, testNonce, oidcprovider.DefaultRedirectURI)
		if err != nil {
			t.Fatalf("Exchange: %v", err)
		}
		if id.Username != "alice@example.test" {
			t.Errorf("Username = %q, want the e-mail address", id.Username)
		}
	})

	t.Run("a username claim set explicitly must be present", func(t *testing.T) {
		cfg := configFor(srv)
		cfg.UsernameClaim = "upn"
		p := newProvider(t, cfg)
		code, _ := login(t, srv, p, "alice", testNonce)
		_, err := p.Exchange(t.Context(), code, testNonce, oidcprovider.DefaultRedirectURI)
		if err == nil || !strings.Contains(err.Error(), `"upn"`) {
			t.Fatalf("Exchange: got %v, want an error naming the missing claim", err)
		}
	})
}

func TestTokenVerification(t *testing.T) {
	t.Run("a token for another audience is refused", func(t *testing.T) {
		srv := startProvider(t, oidcprovider.Options{IssueTokensTo: "another-application"})
		p := newProvider(t, configFor(srv))
		code, _ := login(t, srv, p, "alice", testNonce)
		_, err := p.Exchange(t.Context(), code, testNonce, oidcprovider.DefaultRedirectURI)
		if err == nil || !strings.Contains(err.Error(), "audience") {
			t.Fatalf("Exchange: got %v, want an audience error", err)
		}
	})

	t.Run("an expired ID token is refused", func(t *testing.T) {
		srv := startProvider(t, oidcprovider.Options{IDTokenLifetime: -time.Minute})
		p := newProvider(t, configFor(srv))
		code, _ := login(t, srv, p, "alice", testNonce)
		_, err := p.Exchange(t.Context(), code, testNonce, oidcprovider.DefaultRedirectURI)
		if err == nil || !strings.Contains(err.Error(), "expired") {
			t.Fatalf("Exchange: got %v, want an expiry error", err)
		}
	})

	t.Run("a token from an issuer other than the configured one is refused", func(t *testing.T) {
		srv := startProvider(t, oidcprovider.Options{})
		cfg := configFor(srv)
		// The same server under another spelling: discovery reports the real issuer.
		cfg.Issuer = srv.Issuer + "/"
		p := newProvider(t, cfg)
		err := p.Discover(t.Context())
		var mismatch *gooidc.IssuerMismatchError
		if !errors.As(err, &mismatch) || !strings.Contains(err.Error(), cfg.Issuer) {
			t.Fatalf("Discover: got %v, want an issuer mismatch naming the issuer", err)
		}
	})

	t.Run("a provider whose certificate is not trusted is refused", func(t *testing.T) {
		srv := startProvider(t, oidcprovider.Options{})
		cfg := configFor(srv)
		cfg.RootCA = ""
		p := newProvider(t, cfg)
		err := p.Discover(t.Context())
		if err == nil || !strings.Contains(err.Error(), "certificate") {
			t.Fatalf("Discover: got %v, want a certificate error", err)
		}
	})
}

func TestExpiredCode(t *testing.T) {
	clock := &fakeClock{now: time.Now()}
	srv := startProvider(t, oidcprovider.Options{Now: clock.Now, CodeLifetime: time.Minute})
	p := newProvider(t, configFor(srv))

	t.Run("an expired code is refused with an error that does not leak the secret", func(t *testing.T) {
		code, _ := login(t, srv, p, "alice", testNonce)
		clock.Advance(2 * time.Minute)
		_, err := p.Exchange(t.Context(), code, testNonce, oidcprovider.DefaultRedirectURI)
		if !errors.Is(err, idp.ErrInvalidCredentials) {
			t.Fatalf("Exchange of an expired code: got %v, want ErrInvalidCredentials", err)
		}
		assertNoSecrets(t, err, srv.ClientSecret, code)
	})
}

func TestConcurrentDiscovery(t *testing.T) {
	srv := startProvider(t, oidcprovider.Options{})
	p := newProvider(t, configFor(srv))

	t.Run("logins that start together share the discovery", func(t *testing.T) {
		errs := make(chan error, 8)
		for range cap(errs) {
			go func() { errs <- p.Discover(t.Context()) }()
		}
		for range cap(errs) {
			if err := <-errs; err != nil {
				t.Errorf("Discover: %v", err)
			}
		}
	})

	t.Run("a caller that gives up gets an error naming the issuer", func(t *testing.T) {
		issuer := "https://" + closedAddress(t)
		down := newProvider(t, oidc.Config{Name: "corp-sso", Issuer: issuer, ClientID: "c", ClientSecret: "s"})
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		// Whether the wait or the attempt ends first, the error names the issuer.
		if err := down.Discover(ctx); err == nil || !strings.Contains(err.Error(), issuer) {
			t.Fatalf("Discover with a cancelled context: got %v, want an error naming the issuer", err)
		}
	})
}

func TestProviderDown(t *testing.T) {
	t.Run("a provider that is down gives a clear error naming the issuer", func(t *testing.T) {
		issuer := "https://" + closedAddress(t)
		p := newProvider(t, oidc.Config{Name: "corp-sso", Issuer: issuer, ClientID: "ke-apiserver", ClientSecret: "s3cret-value"})

		err := p.Discover(t.Context())
		if err == nil || !strings.Contains(err.Error(), issuer) || !strings.Contains(err.Error(), "corp-sso") {
			t.Fatalf("Discover: got %v, want an error naming the provider and the issuer", err)
		}
		if u, err := p.AuthCodeURL(t.Context(), testState, testNonce, oidcprovider.DefaultRedirectURI); err == nil || u != "" {
			t.Errorf("AuthCodeURL = %q, %v; want an error and no URL", u, err)
		}
		_, err = p.Exchange(t.Context(), "some-code", testNonce, oidcprovider.DefaultRedirectURI)
		if err == nil || !strings.Contains(err.Error(), issuer) {
			t.Fatalf("Exchange: got %v, want an error naming the issuer", err)
		}
		assertNoSecrets(t, err, "s3cret-value")
	})

	t.Run("a provider that comes back is discovered at the next login", func(t *testing.T) {
		srv := startProvider(t, oidcprovider.Options{})
		srv.SetAvailable(false)
		p := newProvider(t, configFor(srv))
		err := p.Discover(t.Context())
		if err == nil || !strings.Contains(err.Error(), srv.Issuer) || !strings.Contains(err.Error(), "503") {
			t.Fatalf("Discover while down: got %v, want a 503 error naming the issuer", err)
		}

		srv.SetAvailable(true)
		code, _ := login(t, srv, p, "alice", testNonce)
		id, err := p.Exchange(t.Context(), code, testNonce, oidcprovider.DefaultRedirectURI)
		if err != nil {
			t.Fatalf("Exchange after the provider came back: %v", err)
		}
		if id.Username != "alice" {
			t.Errorf("Username = %q, want alice", id.Username)
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

// closedAddress returns a loopback address where nothing listens.
func closedAddress(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}

// fakeClock is a clock the test moves forward.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
