// Package streams ends long-lived requests (list engine event streams,
// proxied watches and log follows, exec, attach and port-forward sessions)
// when what authenticated them no longer does: within moments of a
// revocation in this replica (logout, password change, disabling or
// deleting the user, a newer login with single login), and within a
// recheck interval of anything else (a revocation by another replica
// through Redis, a user disabled with kubectl, an expired token).
//
// Ending a request cancels its context: the list engine's stream returns,
// the proxy's request to kube-apiserver is cancelled, and an upgraded
// connection is closed in both directions.
package streams

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/go-logr/logr"

	"github.com/superkube/super-kubenetes/internal/authn"
	"github.com/superkube/super-kubenetes/internal/authn/tokenstore"
)

// DefaultRecheckInterval is how often open streams are checked again.
const DefaultRecheckInterval = 5 * time.Second

// ErrRevoked is the cause of the context of a stream ended by a revocation.
var ErrRevoked = errors.New("the credentials of the stream were revoked")

// Checker checks again that a request's authentication still holds.
type Checker interface {
	// Recheck returns an error wrapping authn.ErrUnauthenticated when it
	// no longer does; other errors (a store that cannot be reached) leave
	// the stream open.
	Recheck(ctx context.Context, res *authn.Result) error
}

// Registry keeps the open long-lived requests by user. It is safe for
// concurrent use.
type Registry struct {
	checker  Checker
	interval time.Duration

	mu     sync.Mutex
	byUser map[string]map[*entry]struct{}
}

// entry is one open request.
type entry struct {
	res    *authn.Result
	cancel context.CancelCauseFunc
}

func (e *entry) tokenID() string {
	if e.res.Claims == nil {
		return ""
	}
	return e.res.Claims.ID
}

func (e *entry) sessionID() string {
	if e.res.Claims == nil {
		return ""
	}
	return e.res.Claims.SessionID
}

// New returns a registry that checks open requests with checker every
// interval (DefaultRecheckInterval when zero) once Run runs.
func New(checker Checker, interval time.Duration) *Registry {
	if interval <= 0 {
		interval = DefaultRecheckInterval
	}
	return &Registry{checker: checker, interval: interval, byUser: map[string]map[*entry]struct{}{}}
}

// Track registers a request authenticated by res and returns its context,
// which ends when its authentication no longer holds, and the function to
// call when the request ends.
func (r *Registry) Track(ctx context.Context, res *authn.Result) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(ctx)
	e := &entry{res: res, cancel: cancel}
	user := res.User.GetName()
	r.mu.Lock()
	set, ok := r.byUser[user]
	if !ok {
		set = map[*entry]struct{}{}
		r.byUser[user] = set
	}
	set[e] = struct{}{}
	r.mu.Unlock()
	return ctx, func() {
		r.mu.Lock()
		// A user's set goes only when empty: it is still e's.
		delete(set, e)
		if len(set) == 0 {
			delete(r.byUser, user)
		}
		r.mu.Unlock()
		cancel(context.Canceled)
	}
}

// Len returns how many requests are open.
func (r *Registry) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, set := range r.byUser {
		n += len(set)
	}
	return n
}

// end cancels the user's requests that match.
func (r *Registry) end(user string, match func(*entry) bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for e := range r.byUser[user] {
		if match(e) {
			e.cancel(ErrRevoked)
		}
	}
}

// EndToken ends the requests of the token with the ID.
func (r *Registry) EndToken(user, id string) {
	r.end(user, func(e *entry) bool { return e.tokenID() == id })
}

// EndSession ends the requests of the tokens of one login of the user.
func (r *Registry) EndSession(user, sessionID string) {
	r.end(user, func(e *entry) bool { return e.sessionID() == sessionID })
}

// EndUser ends every request of the user.
func (r *Registry) EndUser(user string) {
	r.end(user, func(*entry) bool { return true })
}

// Run checks the open requests every interval until ctx ends: each token
// (or, for basic credentials, each user) once per round.
func (r *Registry) Run(ctx context.Context) {
	t := time.NewTicker(r.interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			r.recheck(ctx)
		}
	}
}

// recheck checks every open request once.
func (r *Registry) recheck(ctx context.Context) {
	type key struct{ user, token string }
	groups := map[key][]*entry{}
	r.mu.Lock()
	for user, set := range r.byUser {
		for e := range set {
			k := key{user, e.tokenID()}
			groups[k] = append(groups[k], e)
		}
	}
	r.mu.Unlock()
	log := logr.FromContextOrDiscard(ctx)
	for k, entries := range groups {
		cctx, cancel := context.WithTimeout(ctx, r.interval)
		err := r.checker.Recheck(cctx, entries[0].res)
		cancel()
		switch {
		case err == nil:
		case errors.Is(err, authn.ErrUnauthenticated):
			log.V(2).Info("Ending streams whose credentials no longer hold", "user", k.user, "streams", len(entries), "reason", err.Error())
			for _, e := range entries {
				e.cancel(ErrRevoked)
			}
		default:
			log.Error(err, "Checking the credentials of open streams", "user", k.user)
		}
	}
}

// Store wraps a token store so that each revocation also ends the requests
// of the tokens it revokes, at once.
type Store struct {
	tokenstore.Store
	Registry *Registry
}

// Take implements tokenstore.Store.
func (s Store) Take(ctx context.Context, id string) (tokenstore.Record, bool, error) {
	rec, ok, err := s.Store.Take(ctx, id)
	if ok {
		s.Registry.EndToken(rec.User, id)
	}
	return rec, ok, err
}

// Revoke implements tokenstore.Store.
func (s Store) Revoke(ctx context.Context, id string) error {
	rec, ok, err := s.Get(ctx, id)
	if err != nil {
		return err
	}
	if err := s.Store.Revoke(ctx, id); err != nil {
		return err
	}
	if ok {
		s.Registry.EndToken(rec.User, id)
	}
	return nil
}

// RevokeSession implements tokenstore.Store.
func (s Store) RevokeSession(ctx context.Context, user, sessionID string) error {
	err := s.Store.RevokeSession(ctx, user, sessionID)
	if err == nil {
		s.Registry.EndSession(user, sessionID)
	}
	return err
}

// RevokeUser implements tokenstore.Store.
func (s Store) RevokeUser(ctx context.Context, user string) (int, error) {
	n, err := s.Store.RevokeUser(ctx, user)
	if err == nil {
		s.Registry.EndUser(user)
	}
	return n, err
}
