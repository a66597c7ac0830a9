package oidcprovider_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/superkube/super-kubenetes/internal/testutil/oidcprovider"
)

func startServer(t *testing.T, opts oidcprovider.Options) *oidcprovider.Server {
	t.Helper()
	srv, err := oidcprovider.Start(opts)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(srv.Close)
	return srv
}

// authURL is an authorization request of the server's client.
func authURL(srv *oidcprovider.Server, loginHint string) string {
	q := url.Values{
		"client_id":     {srv.ClientID},
		"redirect_uri":  {oidcprovider.DefaultRedirectURI},
		"response_type": {"code"},
		"scope":         {"openid profile"},
		"state":         {"state-1"},
		"nonce":         {"nonce-1"},
	}
	if loginHint != "" {
		q.Set("login_hint", loginHint)
	}
	return srv.Issuer + "/authorize?" + q.Encode()
}

func TestServer(t *testing.T) {
	srv := startServer(t, oidcprovider.Options{})

	t.Run("the discovery document names the issuer", func(t *testing.T) {
		resp, err := srv.HTTPClient().Get(srv.Issuer + "/.well-known/openid-configuration")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var doc struct {
			Issuer                string `json:"issuer"`
			AuthorizationEndpoint string `json:"authorization_endpoint"`
			TokenEndpoint         string `json:"token_endpoint"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
			t.Fatal(err)
		}
		if doc.Issuer != srv.Issuer || !strings.HasPrefix(doc.TokenEndpoint, srv.Issuer) {
			t.Errorf("Discovery = %+v, want the issuer %s", doc, srv.Issuer)
		}
	})

	t.Run("the CA file holds the server's certificate", func(t *testing.T) {
		data, err := os.ReadFile(srv.CAFile)
		if err != nil || !strings.Contains(string(data), "BEGIN CERTIFICATE") {
			t.Fatalf("CA file: %v, %q", err, data)
		}
	})

	t.Run("a login ends at the redirect URI with a code and the state", func(t *testing.T) {
		callback, err := srv.FollowLogin(t.Context(), authURL(srv, "bob"))
		if err != nil {
			t.Fatalf("FollowLogin: %v", err)
		}
		if callback.Query().Get("code") == "" || callback.Query().Get("state") != "state-1" {
			t.Errorf("Callback %s lacks the code or the state", callback.Redacted())
		}
	})

	t.Run("an unknown user is denied at the redirect URI", func(t *testing.T) {
		callback, err := srv.FollowLogin(t.Context(), authURL(srv, "mallory"))
		if err != nil {
			t.Fatalf("FollowLogin: %v", err)
		}
		if got := callback.Query().Get("error"); got != "access_denied" {
			t.Errorf("error = %q, want access_denied", got)
		}
	})

	t.Run("an unregistered redirect URI is refused at the provider", func(t *testing.T) {
		u := strings.Replace(authURL(srv, ""), url.QueryEscape(oidcprovider.DefaultRedirectURI), url.QueryEscape("https://attacker.test/cb"), 1)
		if _, err := srv.FollowLogin(t.Context(), u); err == nil {
			t.Fatal("FollowLogin reached an unregistered redirect URI")
		}
	})

	t.Run("an unavailable provider answers 503 until it is available again", func(t *testing.T) {
		srv.SetAvailable(false)
		resp, err := srv.HTTPClient().Get(srv.Issuer + "/.well-known/openid-configuration")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		srv.SetAvailable(true)
		if resp.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("Status = %d, want 503", resp.StatusCode)
		}
	})
}

func TestStart(t *testing.T) {
	t.Run("a user without a subject is refused", func(t *testing.T) {
		if _, err := oidcprovider.Start(oidcprovider.Options{Users: []oidcprovider.User{{Username: "ghost"}}}); err == nil {
			t.Fatal("Start accepted a user without a subject")
		}
	})
}
