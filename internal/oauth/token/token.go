package token

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"k8s.io/utils/clock"
	"k8s.io/utils/lru"
)

// KubernetesAudience is the audience of kubeconfig tokens: they are for
// kube-apiserver only, which asks ke-apiserver about them (token webhook).
const KubernetesAudience = "kubernetes"

// Token types, in the token_type claim.
const (
	TypeAccess  = "access"
	TypeRefresh = "refresh"
	TypeID      = "id"
)

// MaxTokenSize bounds the tokens the verifier looks at.
const MaxTokenSize = 16 << 10

// Claims are the claims of every token. The subject is the platform user
// name, so that kube-apiserver, trusting this issuer, sees the same user.
type Claims struct {
	jwt.Claims
	TokenType string   `json:"token_type,omitempty"`
	Name      string   `json:"name,omitempty"`
	Email     string   `json:"email,omitempty"`
	Groups    []string `json:"groups,omitempty"`
	// ClientID is the OAuth client the token was issued to (azp).
	ClientID  string `json:"azp,omitempty"`
	SessionID string `json:"sid,omitempty"`
	Nonce     string `json:"nonce,omitempty"`
	Scope     string `json:"scope,omitempty"`
}

// Username is the platform user the token is for.
func (c *Claims) Username() string { return c.Subject }

// Issuer signs tokens.
type Issuer struct {
	url    string
	keys   *KeySet
	signer jose.Signer
	clock  clock.PassiveClock
}

// NewIssuer makes an issuer whose iss claim is url.
func NewIssuer(url string, keys *KeySet, clk clock.PassiveClock) (*Issuer, error) {
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: keys.signing},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader(jose.HeaderKey("kid"), keys.kid))
	if err != nil {
		return nil, err
	}
	return &Issuer{url: url, keys: keys, signer: signer, clock: clk}, nil
}

// URL is the issuer identifier.
func (i *Issuer) URL() string { return i.url }

// Issue signs c after setting its issuer, issue, not-before and expiry
// times (so that the caller has the claims as signed).
func (i *Issuer) Issue(c *Claims, ttl time.Duration) (string, error) {
	now := i.clock.Now()
	c.Issuer = i.url
	c.IssuedAt = jwt.NewNumericDate(now)
	c.NotBefore = jwt.NewNumericDate(now)
	c.Expiry = jwt.NewNumericDate(now.Add(ttl))
	if c.ID == "" {
		return "", errors.New("a token needs an ID (jti) so that it can be revoked")
	}
	return jwt.Signed(i.signer).Claims(c).Serialize()
}

// IssueAny signs full, a struct that embeds the Claims base points into,
// after setting base's issuer and validity period. It is for tokens with
// claims of their own, such as authorization codes.
func (i *Issuer) IssueAny(base *Claims, full any, ttl time.Duration) (string, error) {
	now := i.clock.Now()
	base.Issuer = i.url
	base.IssuedAt = jwt.NewNumericDate(now)
	base.NotBefore = jwt.NewNumericDate(now)
	base.Expiry = jwt.NewNumericDate(now.Add(ttl))
	if base.ID == "" {
		return "", errors.New("a token needs an ID (jti)")
	}
	return jwt.Signed(i.signer).Claims(full).Serialize()
}

// JWKS is the public key set to publish.
func (i *Issuer) JWKS() jose.JSONWebKeySet { return i.keys.JWKS() }

// ErrInvalid is returned for every token that does not verify; the reason is
// wrapped for logs and must not be shown to the caller.
var ErrInvalid = errors.New("invalid token")

// Verifier checks tokens: size, algorithm (RS256 only, so "none" and HMAC
// are refused), key id, signature, issuer and validity period. Tokens that
// verified are remembered until they expire, so that repeated requests with
// the same token cost a hash lookup.
type Verifier struct {
	url    string
	keys   *KeySet
	clock  clock.PassiveClock
	leeway time.Duration
	cache  *lru.Cache
}

// NewVerifier makes a verifier for tokens of issuer url.
func NewVerifier(url string, keys *KeySet, clk clock.PassiveClock) *Verifier {
	return &Verifier{url: url, keys: keys, clock: clk, leeway: 30 * time.Second, cache: lru.New(16384)}
}

type cached struct {
	claims *Claims
	exp    time.Time
}

func (v *Verifier) verifyUncached(raw, wantType string) (*Claims, error) {
	claims := &Claims{}
	if err := v.VerifyInto(raw, wantType, claims, claims); err != nil {
		return nil, err
	}
	return claims, nil
}

// verify checks the signature and validity of raw and decodes its claims
// into full, whose embedded Claims base points into.
func (v *Verifier) verify(raw string, base *Claims, full any) error {
	if len(raw) > MaxTokenSize {
		return fmt.Errorf("%w: larger than %d bytes", ErrInvalid, MaxTokenSize)
	}
	tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if len(tok.Headers) != 1 {
		return fmt.Errorf("%w: expected one signature", ErrInvalid)
	}
	pub, ok := v.keys.verify[tok.Headers[0].KeyID]
	if !ok {
		return fmt.Errorf("%w: unknown key id", ErrInvalid)
	}
	if err := tok.Claims(pub, full); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if err := base.ValidateWithLeeway(jwt.Expected{Issuer: v.url, Time: v.clock.Now()}, v.leeway); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if base.Expiry == nil || base.Subject == "" || base.ID == "" {
		return fmt.Errorf("%w: missing exp, sub or jti", ErrInvalid)
	}
	return nil
}

// Remember records a token this process just issued as verified, so that
// its first use costs a lookup instead of a signature check.
func (v *Verifier) Remember(raw string, c *Claims) {
	if v.cache == nil || c == nil || c.Expiry == nil {
		return
	}
	cp := *c
	v.cache.Add(sha256.Sum256([]byte(raw)), cached{claims: &cp, exp: c.Expiry.Time().Add(v.leeway)})
}

// VerifyInto verifies a token with claims of its own (not cached).
func (v *Verifier) VerifyInto(raw, wantType string, base *Claims, full any) error {
	if err := v.verify(raw, base, full); err != nil {
		return err
	}
	if base.TokenType != wantType {
		return fmt.Errorf("%w: a %s token where a %s token is needed", ErrInvalid, base.TokenType, wantType)
	}
	return nil
}

// Verify returns the claims of a valid token of the wanted type.
func (v *Verifier) Verify(raw, wantType string) (*Claims, error) {
	if len(raw) > MaxTokenSize {
		return nil, fmt.Errorf("%w: larger than %d bytes", ErrInvalid, MaxTokenSize)
	}
	key := sha256.Sum256([]byte(raw))
	now := v.clock.Now()
	if v.cache == nil {
		return v.verifyUncached(raw, wantType)
	}
	if hit, ok := v.cache.Get(key); ok {
		c := hit.(cached)
		if now.Before(c.exp) {
			if c.claims.TokenType != wantType {
				return nil, fmt.Errorf("%w: a %s token where a %s token is needed", ErrInvalid, c.claims.TokenType, wantType)
			}
			cp := *c.claims
			return &cp, nil
		}
		v.cache.Remove(key)
	}
	claims := &Claims{}
	if err := v.verify(raw, claims, claims); err != nil {
		return nil, err
	}
	v.cache.Add(key, cached{claims: claims, exp: claims.Expiry.Time().Add(v.leeway)})
	if claims.TokenType != wantType {
		return nil, fmt.Errorf("%w: a %s token where a %s token is needed", ErrInvalid, claims.TokenType, wantType)
	}
	cp := *claims
	return &cp, nil
}
