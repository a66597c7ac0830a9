package session

import (
	"context"
	"errors"
	"time"
)

// ErrNotFound is returned by Store.Get for a key that is missing or expired.
var ErrNotFound = errors.New("not found")

// Store keeps values as JSON under keys, each for a time to live. It holds
// sessions (Key) and pending logins (LoginKey).
type Store interface {
	// Get decodes the value of key into v, or returns ErrNotFound.
	Get(ctx context.Context, key string, v any) error
	// Put stores v under key for ttl, replacing what was there.
	Put(ctx context.Context, key string, v any, ttl time.Duration) error
	// Touch sets the time to live of key without changing its value (so
	// that it cannot undo another replica's Put); a missing key is not an
	// error.
	Touch(ctx context.Context, key string, ttl time.Duration) error
	// Delete removes key; a missing key is not an error.
	Delete(ctx context.Context, key string) error
	// Ping checks that the store answers.
	Ping(ctx context.Context) error
	// Close releases the store's connections.
	Close() error
}
