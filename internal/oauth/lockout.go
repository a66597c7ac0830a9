package oauth

import (
	"context"
	"errors"
	"net/http"
	"time"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	"github.com/superkube/super-kubenetes/internal/authn/tokenstore"
	"github.com/superkube/super-kubenetes/internal/iam/password"
)

// Lockout says when failed logins lock a user; ke-controller-manager's
// lockout must be configured the same, as it shows the lock in the user's
// status from the login records.
type Lockout struct {
	// MaxFailures failed logins within Window refuse the next ones.
	MaxFailures int
	Window      time.Duration
}

// DefaultLockout is used for zero fields: 5 failures in 10 minutes, as
// ke-controller-manager's default.
func DefaultLockout() Lockout { return Lockout{MaxFailures: 5, Window: 10 * time.Minute} }

// reasonLocked is the login record's reason for an attempt refused by the lockout.
const reasonLocked = "the account is locked after too many failed logins"

// attemptGuard is a login attempt counted in the token store.
type attemptGuard struct {
	user, id string
	// allowed is false when the lockout refused the attempt: its password
	// must not be checked.
	allowed bool
}

// beginAttempt counts an attempt of an existing user before any password
// is checked, in the token store (never in kube-apiserver, which may be
// unreachable), so that no more than the lockout's maximum of failed
// attempts are checked within its window, however many come at once.
// Failures before an administrator's unlock do not count.
func (s *Server) beginAttempt(ctx context.Context, u *iamv1beta1.User) (*attemptGuard, error) {
	l := tokenstore.Lockout{MaxFailures: s.opts.Lockout.MaxFailures, Window: s.opts.Lockout.Window, Since: UnlockedAt(u)}
	g := &attemptGuard{user: u.Name, id: randomID()}
	allowed, err := s.attempts.BeginLogin(ctx, u.Name, g.id, l)
	if err != nil {
		return nil, err
	}
	g.allowed = allowed
	return g, nil
}

// succeeded takes a successful attempt back from the count. A failure to
// do so leaves one failure too many counted; it is logged.
func (s *Server) succeeded(ctx context.Context, g *attemptGuard) {
	if g == nil {
		return
	}
	if err := s.attempts.LoginSucceeded(ctx, g.user, g.id); err != nil {
		s.log(ctx).Error(err, "Taking a successful login attempt back from the lockout count", "user", g.user)
	}
}

// UnlockedAt is when an administrator last unlocked the user, from the
// annotation, or zero. An annotation in whole seconds (as the unlock API
// writes it) stands for the end of its second, so that the failures of the
// second the unlock came in are forgiven with the others.
func UnlockedAt(u *iamv1beta1.User) time.Time {
	t, err := time.Parse(time.RFC3339Nano, u.Annotations[iamv1beta1.UnlockedAtAnnotation])
	if err != nil {
		return time.Time{}
	}
	if t.Nanosecond() == 0 {
		t = t.Add(time.Second - time.Nanosecond)
	}
	return t
}

// ErrTooManyAttempts refuses a password check because the source or the
// user tried too often.
var ErrTooManyAttempts = errors.New("too many failed password attempts; try again later")

// CheckCurrentPassword checks the current password that a user gives to
// change it, as a login would: limited per source address, counted by the
// lockout (a wrong password is a failed attempt; a locked user's password
// is not checked), and recorded in a login record. It returns whether the
// password matches, or ErrTooManyAttempts.
func (s *Server) CheckCurrentPassword(ctx context.Context, r *http.Request, u *iamv1beta1.User, plain string) (bool, error) {
	if !s.limiter.allow(SourceIP(r)) {
		return false, ErrTooManyAttempts
	}
	g, err := s.beginAttempt(ctx, u)
	if err != nil {
		return false, err
	}
	at := loginAttempt{username: u.Name, sourceIP: SourceIP(r), userAgent: r.UserAgent(), kind: iamv1beta1.LoginPassword}
	if !g.allowed {
		password.Matches(s.dummyHash, plain) // the same time as a check
		s.record(ctx, u.Name, at, false, reasonLocked+" (password change)")
		return false, ErrTooManyAttempts
	}
	hash, err := s.hash(ctx, u)
	if err != nil {
		return false, err
	}
	if !password.Matches(hash, plain) {
		s.record(ctx, u.Name, at, false, "wrong current password (password change)")
		return false, nil
	}
	s.succeeded(ctx, g)
	return true, nil
}
