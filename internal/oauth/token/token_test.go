package token

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4/jwt"
	clocktesting "k8s.io/utils/clock/testing"
)

const issuerURL = "https://ke.example.com"

func setup(t testing.TB) (*Issuer, *Verifier, *clocktesting.FakeClock, *KeySet) {
	t.Helper()
	ks, err := GenerateKeySet()
	if err != nil {
		t.Fatal(err)
	}
	clk := clocktesting.NewFakeClock(time.Now())
	iss, err := NewIssuer(issuerURL, ks, clk)
	if err != nil {
		t.Fatal(err)
	}
	return iss, NewVerifier(issuerURL, ks, clk), clk, ks
}

func access(user string) *Claims {
	return &Claims{Claims: jwt.Claims{Subject: user, ID: "id-" + user}, TokenType: TypeAccess, Groups: []string{"devs"}}
}

func TestAnIssuedTokenVerifiesWithItsClaims(t *testing.T) {
	iss, ver, _, ks := setup(t)
	raw, err := iss.Issue(access("alice"), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	c, err := ver.Verify(raw, TypeAccess)
	if err != nil {
		t.Fatal(err)
	}
	if c.Username() != "alice" || c.Groups[0] != "devs" || c.Issuer != issuerURL {
		t.Fatalf("claims %+v", c)
	}
	header := decodeSegment(t, raw, 0)
	if header["kid"] != ks.SigningKeyID() || header["alg"] != "RS256" {
		t.Fatalf("header %v", header)
	}
}

func TestVerifyRefuses(t *testing.T) {
	iss, ver, clk, _ := setup(t)
	good, _ := iss.Issue(access("alice"), time.Hour)
	otherIss, _, _, _ := setup(t)
	forged, _ := otherIss.Issue(access("alice"), time.Hour)
	wrongIssuer, _ := func() (string, error) {
		i, _ := NewIssuer("https://evil.example.com", iss.keys, clk)
		return i.Issue(access("alice"), time.Hour)
	}()
	refresh, _ := iss.Issue(&Claims{Claims: jwt.Claims{Subject: "alice", ID: "r"}, TokenType: TypeRefresh}, time.Hour)
	parts := strings.Split(good, ".")

	tests := []struct {
		name string
		raw  string
	}{
		{"a token signed by another key", forged},
		{"a token of another issuer", wrongIssuer},
		{"a refresh token used as an access token", refresh},
		{"a token with alg none", unsigned(t, parts[1])},
		{"a token signed with HMAC using the public key", hmacSigned(t, parts[1], iss.keys)},
		{"a token with a changed payload", parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"admin","iss":"`+issuerURL+`"}`)) + "." + parts[2]},
		{"a malformed token", "not.a.jwt"},
		{"an empty token", ""},
		{"an oversized token", strings.Repeat("a", MaxTokenSize+1)},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is refused", func(t *testing.T) {
			if _, err := ver.Verify(tt.raw, TypeAccess); !errors.Is(err, ErrInvalid) {
				t.Fatalf("want ErrInvalid, got %v", err)
			}
		})
	}

	t.Run("an expired token is refused, also after it was cached", func(t *testing.T) {
		raw, _ := iss.Issue(access("bob"), time.Minute)
		if _, err := ver.Verify(raw, TypeAccess); err != nil {
			t.Fatal(err)
		}
		clk.Step(2 * time.Minute)
		if _, err := ver.Verify(raw, TypeAccess); !errors.Is(err, ErrInvalid) {
			t.Fatalf("want ErrInvalid, got %v", err)
		}
	})
}

func TestARotatedKeyStillVerifiesItsTokens(t *testing.T) {
	oldIss, _, clk, oldKeys := setup(t)
	raw, _ := oldIss.Issue(access("carol"), time.Hour)
	newKeys, _ := GenerateKeySet()
	newKeys.addVerificationKey(&oldKeys.signing.PublicKey)
	ver := NewVerifier(issuerURL, newKeys, clk)
	if _, err := ver.Verify(raw, TypeAccess); err != nil {
		t.Fatalf("a token of the previous key: %v", err)
	}
	if len(newKeys.JWKS().Keys) != 2 {
		t.Fatalf("the JWKS publishes %d keys, want both", len(newKeys.JWKS().Keys))
	}
}

func TestKeysAreGeneratedOnceAndReloaded(t *testing.T) {
	file := t.TempDir() + "/signing.key"
	a, err := LoadKeys(file, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	b, err := LoadKeys(file, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	if a.SigningKeyID() != b.SigningKeyID() {
		t.Fatal("the reloaded key differs")
	}
	if _, err := LoadKeys(t.TempDir()+"/missing.key", nil, false); err == nil {
		t.Fatal("a missing key without generation was accepted")
	}
}

func FuzzVerify(f *testing.F) {
	iss, ver, _, _ := setup(f)
	good, _ := iss.Issue(access("alice"), time.Hour)
	f.Add(good)
	f.Add("eyJhbGciOiJub25lIn0.eyJzdWIiOiJhIn0.")
	f.Add("a.b.c")
	f.Fuzz(func(t *testing.T, raw string) {
		c, err := ver.Verify(raw, TypeAccess)
		if err == nil && raw != good {
			t.Fatalf("accepted a token that was not issued: %q (%+v)", raw, c)
		}
	})
}

// BenchmarkVerify measures verification throughput per core: of distinct
// tokens (each a full RS256 check) and of a token seen before (cached).
func BenchmarkVerify(b *testing.B) {
	iss, ver, _, _ := setup(b)
	tokens := make([]string, 4096)
	for i := range tokens {
		tokens[i], _ = iss.Issue(&Claims{Claims: jwt.Claims{Subject: "u" + strconv.Itoa(i), ID: strconv.Itoa(i)}, TokenType: TypeAccess}, time.Hour)
	}
	b.Run("uncached", func(b *testing.B) {
		uncached := *ver
		uncached.cache = nil
		for i := 0; b.Loop(); i++ {
			if _, err := uncached.Verify(tokens[i%len(tokens)], TypeAccess); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "verifications/s")
	})
	b.Run("cached", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			if _, err := ver.Verify(tokens[i%len(tokens)], TypeAccess); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "verifications/s")
	})
}

func decodeSegment(t *testing.T, raw string, i int) map[string]any {
	t.Helper()
	data, err := base64.RawURLEncoding.DecodeString(strings.Split(raw, ".")[i])
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]any{}
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func unsigned(t *testing.T, payload string) string {
	t.Helper()
	h := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`))
	return h + "." + payload + "."
}

func hmacSigned(t *testing.T, payload string, ks *KeySet) string {
	t.Helper()
	h := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT","kid":"` + ks.SigningKeyID() + `"}`))
	pub, _ := json.Marshal(ks.JWKS().Keys[0])
	mac := hmac.New(sha256.New, pub)
	mac.Write([]byte(h + "." + payload))
	return h + "." + payload + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

func TestATokenThisProcessIssuedVerifiesFromMemory(t *testing.T) {
	iss, _, clk, _ := setup(t)
	c := access("dora")
	raw, err := iss.Issue(c, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := GenerateKeySet() // does not hold the signing key
	ver := NewVerifier(issuerURL, other, clk)
	ver.Remember(raw, c)
	if got, err := ver.Verify(raw, TypeAccess); err != nil || got.Subject != "dora" {
		t.Fatalf("a remembered token: %v", err)
	}
	clk.Step(2 * time.Hour)
	if _, err := ver.Verify(raw, TypeAccess); !errors.Is(err, ErrInvalid) {
		t.Fatalf("a remembered token outlives its expiry: %v", err)
	}
}
