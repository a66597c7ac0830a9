// Package tokenstore keeps the tokens ke-apiserver issued that are still
// valid, so that a token can be revoked before it expires (logout, password
// change, disabled user, a newer login with single login). A token whose ID
// is not in the store is refused. Two implementations: in memory (one
// replica) and Redis (several replicas).
package tokenstore

import (
	"context"
	"time"
)

// Record is an issued token.
type Record struct {
	// ID is the token's jti.
	ID string
	// User is the platform user name.
	User string
	// Type is "access" or "refresh".
	Type string
	// ClientID is the OAuth client the token was issued to.
	ClientID string
	// SessionID groups the tokens of one login (an access and a refresh token).
	SessionID string
	ExpiresAt time.Time
}

// Store keeps valid tokens. Implementations are safe for concurrent use.
//
// A revoked token leaves a marker until it would have expired, so that a
// token refused because it was revoked can be told from one the store never
// knew (or lost, such as a memory store after a restart): see Revoked.
type Store interface {
	// Add records a token until its expiry.
	Add(ctx context.Context, r Record) error
	// Get returns the record of a valid token, and false when the token was
	// revoked, expired or never issued.
	Get(ctx context.Context, id string) (Record, bool, error)
	// Take removes a valid token and returns its record, atomically: of
	// concurrent calls with the same ID, one at most finds the token. It is
	// how single-use tokens (refresh tokens, authorization codes) are
	// redeemed. A taken token counts as revoked.
	Take(ctx context.Context, id string) (Record, bool, error)
	// Revoked tells whether the token was revoked (or taken) and would not
	// have expired yet.
	Revoked(ctx context.Context, id string) (bool, error)
	// Revoke removes one token.
	Revoke(ctx context.Context, id string) error
	// RevokeSession removes every token of one login.
	RevokeSession(ctx context.Context, user, sessionID string) error
	// RevokeUser removes every token of a user; it returns how many.
	RevokeUser(ctx context.Context, user string) (int, error)
	// Sessions returns the session IDs of the user's valid tokens.
	Sessions(ctx context.Context, user string) ([]string, error)
}
