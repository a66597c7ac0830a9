package tokenstore

import (
	"context"
	"time"
)

// Lockout is the rule that failed logins lock a user by: MaxFailures failed
// attempts within Window refuse the next attempts until the oldest of them
// leaves the window.
type Lockout struct {
	MaxFailures int
	Window      time.Duration
	// Since is when an administrator last unlocked the user: attempts
	// before it no longer count. Zero when never.
	Since time.Time
}

// maxAttemptsKept bounds the attempts kept per user; the lockout needs only
// the newest MaxFailures of them.
const maxAttemptsKept = 256

// LoginAttempts counts each user's failed logins synchronously, so that the
// lockout holds whatever the concurrency of the attempts and whether or not
// kube-apiserver (which keeps the login records) is reachable. Both stores
// implement it; the Redis store shares the count between replicas.
//
// An attempt counts as a failure from the moment it begins, before its
// password is checked, so that concurrent attempts cannot all pass the
// check before any of them is counted; a successful attempt is taken back
// with LoginSucceeded.
type LoginAttempts interface {
	// BeginLogin records an attempt of user, with an ID unique to it, and
	// tells whether it may go on: false when the user already has
	// MaxFailures attempts within the window (after Since). A refused
	// attempt is recorded too, as any failed login is.
	BeginLogin(ctx context.Context, user, attemptID string, l Lockout) (allowed bool, err error)
	// LoginSucceeded takes a successful attempt back: it no longer counts.
	LoginSucceeded(ctx context.Context, user, attemptID string) error
}
