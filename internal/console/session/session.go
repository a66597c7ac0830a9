// Package session keeps ke-console's sessions: who is logged in and the
// tokens ke-apiserver issued for them. A session lives in a Store (in memory,
// or Redis when several replicas run) under a key derived from its ID, and the
// browser holds only the ID, in an HttpOnly cookie.
package session

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"time"
)

// Session is a logged-in browser. Its ID is not stored (only its hash, in
// the key), and none of it is ever written to a log or sent to the browser
// except the ID (in the session cookie) and the CSRF value (in the CSRF
// cookie).
type Session struct {
	// ID is 32 random bytes, base64url: the value of the session cookie.
	ID       string `json:"-"`
	Username string `json:"username"`
	// AccessToken and RefreshToken are ke-apiserver's tokens; the refresh
	// token rotates on every refresh.
	AccessToken  string    `json:"accessToken"`
	RefreshToken string    `json:"refreshToken"`
	AccessExpiry time.Time `json:"accessExpiry"`
	// RefreshExpiry bounds the session's life: without a usable refresh
	// token the session cannot go on.
	RefreshExpiry time.Time `json:"refreshExpiry,omitzero"`
	// CSRF is the value the browser must echo in the X-CSRF-Token header of
	// every unsafe request (and that its CSRF cookie holds).
	CSRF      string    `json:"csrf"`
	CreatedAt time.Time `json:"createdAt"`
}

// New returns a session with a fresh ID and CSRF value.
func New(now time.Time) *Session {
	return &Session{ID: RandomString(), CSRF: RandomString(), CreatedAt: now}
}

// RandomString returns 32 random bytes in base64url without padding.
func RandomString() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand panics instead)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Key is the store key of the session with the ID. It is a hash of the ID,
// so that reading the store (or its key listing) does not give away cookies.
func Key(id string) string { return "session:" + hash(id) }

// LoginKey is the store key of a pending login through an identity
// provider, named by the value of its login cookie.
func LoginKey(id string) string { return "login:" + hash(id) }

func hash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

type contextKey struct{}

// NewContext returns ctx carrying s.
func NewContext(ctx context.Context, s *Session) context.Context {
	return context.WithValue(ctx, contextKey{}, s)
}

// FromContext returns the request's session, or nil when it has none.
func FromContext(ctx context.Context) *Session {
	s, _ := ctx.Value(contextKey{}).(*Session)
	return s
}
