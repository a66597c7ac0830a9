package tokenstore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"k8s.io/utils/clock"
)

// sweepInterval is how often, at most, a write to a Memory store removes
// every expired record.
const sweepInterval = time.Minute

// Memory is a Store that keeps tokens in the process's memory, for a single
// replica of ke-apiserver. It is safe for concurrent use.
//
// Expired records are treated as absent as soon as the clock passes their
// expiry. They are purged lazily, without a goroutine: a write removes the
// expired records of the user it concerns, and the first write after
// sweepInterval (by the store's clock) removes every expired record. Memory
// therefore holds at most the valid tokens plus those that expired since the
// last write.
type Memory struct {
	clock clock.PassiveClock

	mu        sync.RWMutex
	tokens    map[string]Record
	byUser    map[string]idSet
	bySession map[sessionKey]idSet
	// revoked holds the revoked tokens' IDs until the tokens would have expired.
	revoked map[string]time.Time
	// attempts holds each user's login attempts that count as failures.
	attempts  map[string][]attempt
	lastSweep time.Time
}

var (
	_ Store         = (*Memory)(nil)
	_ LoginAttempts = (*Memory)(nil)
)

// attempt is a login attempt counted as a failure until it expires.
type attempt struct {
	id         string
	at, expiry time.Time
}

// idSet is a set of token IDs.
type idSet map[string]struct{}

// sessionKey identifies one login of one user.
type sessionKey struct {
	user, session string
}

// NewMemory returns an empty in-memory store that reads the time from clk.
func NewMemory(clk clock.PassiveClock) *Memory {
	return &Memory{
		clock:     clk,
		tokens:    map[string]Record{},
		byUser:    map[string]idSet{},
		bySession: map[sessionKey]idSet{},
		revoked:   map[string]time.Time{},
		attempts:  map[string][]attempt{},
		lastSweep: clk.Now(),
	}
}

// Add records a token until its expiry. A record that has already expired
// is not kept; a record with the ID of a stored one replaces it.
func (m *Memory) Add(_ context.Context, r Record) error {
	if err := validate(r); err != nil {
		return err
	}
	now := m.clock.Now()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.maybeSweep(now)
	m.purgeUser(r.User, now)
	if old, ok := m.tokens[r.ID]; ok {
		m.remove(old)
	}
	if !valid(r, now) {
		return nil
	}
	m.tokens[r.ID] = r
	addTo(m.byUser, r.User, r.ID)
	addTo(m.bySession, sessionKey{r.User, r.SessionID}, r.ID)
	return nil
}

// Get returns the record of a valid token.
func (m *Memory) Get(_ context.Context, id string) (Record, bool, error) {
	now := m.clock.Now()
	m.mu.RLock()
	r, ok := m.tokens[id]
	m.mu.RUnlock()
	if !ok || !valid(r, now) {
		return Record{}, false, nil
	}
	return r, true, nil
}

// Take removes a valid token and returns its record; of concurrent calls,
// one at most finds it.
func (m *Memory) Take(_ context.Context, id string) (Record, bool, error) {
	now := m.clock.Now()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.maybeSweep(now)
	r, ok := m.tokens[id]
	if !ok || !valid(r, now) {
		return Record{}, false, nil
	}
	m.revoke(r)
	return r, true, nil
}

// Revoked tells whether the token was revoked before its expiry, which has
// not passed yet.
func (m *Memory) Revoked(_ context.Context, id string) (bool, error) {
	now := m.clock.Now()
	m.mu.RLock()
	until, ok := m.revoked[id]
	m.mu.RUnlock()
	return ok && now.Before(until), nil
}

// Revoke removes one token; revoking an unknown token is not an error.
func (m *Memory) Revoke(_ context.Context, id string) error {
	now := m.clock.Now()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.maybeSweep(now)
	if r, ok := m.tokens[id]; ok {
		m.revoke(r)
	}
	return nil
}

// RevokeSession removes every token of one login of the user.
func (m *Memory) RevokeSession(_ context.Context, user, sessionID string) error {
	now := m.clock.Now()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.maybeSweep(now)
	for id := range m.bySession[sessionKey{user, sessionID}] {
		m.revoke(m.tokens[id])
	}
	return nil
}

// RevokeUser removes every token of the user and returns how many of them
// were still valid.
func (m *Memory) RevokeUser(_ context.Context, user string) (int, error) {
	now := m.clock.Now()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.maybeSweep(now)
	n := 0
	for id := range m.byUser[user] {
		r := m.tokens[id]
		if valid(r, now) {
			n++
		}
		m.revoke(r)
	}
	return n, nil
}

// Sessions returns the sorted, distinct, non-empty session IDs of the user's
// valid tokens.
func (m *Memory) Sessions(_ context.Context, user string) ([]string, error) {
	now := m.clock.Now()
	m.mu.RLock()
	sessions := make([]string, 0, len(m.byUser[user]))
	for id := range m.byUser[user] {
		if r := m.tokens[id]; valid(r, now) && r.SessionID != "" {
			sessions = append(sessions, r.SessionID)
		}
	}
	m.mu.RUnlock()
	slices.Sort(sessions)
	return slices.Compact(sessions), nil
}

// Len returns how many records the store holds, expired ones that were not
// purged yet included. It is meant for metrics and tests.
func (m *Memory) Len() int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return len(m.tokens)
}

// maybeSweep removes every expired record if the last sweep is older than
// sweepInterval. The caller holds the write lock.
func (m *Memory) maybeSweep(now time.Time) {
	if now.Sub(m.lastSweep) < sweepInterval {
		return
	}
	m.lastSweep = now
	for _, r := range m.tokens {
		if !valid(r, now) {
			m.remove(r)
		}
	}
	for id, until := range m.revoked {
		if !now.Before(until) {
			delete(m.revoked, id)
		}
	}
	for user := range m.attempts {
		m.pruneAttempts(user, now, time.Time{})
	}
}

// purgeUser removes the expired records of one user. The caller holds the
// write lock.
func (m *Memory) purgeUser(user string, now time.Time) {
	for id := range m.byUser[user] {
		if r := m.tokens[id]; !valid(r, now) {
			m.remove(r)
		}
	}
}

// revoke removes a stored record and remembers that it was revoked, until
// it would have expired. The caller holds the write lock.
func (m *Memory) revoke(r Record) {
	m.remove(r)
	if r.ID != "" {
		m.revoked[r.ID] = r.ExpiresAt
	}
}

// BeginLogin records a login attempt and tells whether it may go on.
func (m *Memory) BeginLogin(_ context.Context, user, attemptID string, l Lockout) (bool, error) {
	now := m.clock.Now()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.maybeSweep(now)
	from := now.Add(-l.Window)
	if l.Since.After(from) {
		from = l.Since
	}
	m.pruneAttempts(user, now, from)
	list := m.attempts[user]
	allowed := len(list) < l.MaxFailures
	list = append(list, attempt{id: attemptID, at: now, expiry: now.Add(l.Window)})
	if len(list) > maxAttemptsKept {
		list = slices.Delete(list, 0, len(list)-maxAttemptsKept)
	}
	m.attempts[user] = list
	return allowed, nil
}

// LoginSucceeded takes a successful attempt back.
func (m *Memory) LoginSucceeded(_ context.Context, user, attemptID string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	list := slices.DeleteFunc(m.attempts[user], func(a attempt) bool { return a.id == attemptID })
	if len(list) == 0 {
		delete(m.attempts, user)
	} else {
		m.attempts[user] = list
	}
	return nil
}

// pruneAttempts drops the user's attempts that expired at now or came
// before from. The caller holds the write lock.
func (m *Memory) pruneAttempts(user string, now, from time.Time) {
	list := slices.DeleteFunc(m.attempts[user], func(a attempt) bool { return !now.Before(a.expiry) || a.at.Before(from) })
	if len(list) == 0 {
		delete(m.attempts, user)
	} else {
		m.attempts[user] = list
	}
}

// remove deletes a stored record and its index entries. The caller holds
// the write lock.
func (m *Memory) remove(r Record) {
	delete(m.tokens, r.ID)
	removeFrom(m.byUser, r.User, r.ID)
	removeFrom(m.bySession, sessionKey{r.User, r.SessionID}, r.ID)
}

func addTo[K comparable](index map[K]idSet, key K, id string) {
	ids, ok := index[key]
	if !ok {
		ids = idSet{}
		index[key] = ids
	}
	ids[id] = struct{}{}
}

func removeFrom[K comparable](index map[K]idSet, key K, id string) {
	ids, ok := index[key]
	if !ok {
		return
	}
	delete(ids, id)
	if len(ids) == 0 {
		delete(index, key)
	}
}

// valid tells whether a record has not expired at now.
func valid(r Record, now time.Time) bool {
	return now.Before(r.ExpiresAt)
}

// ErrInvalidRecord is returned by Add for a record without an ID or a user.
var ErrInvalidRecord = errors.New("invalid token record")

// validate checks the fields both stores index by.
func validate(r Record) error {
	switch {
	case r.ID == "":
		return fmt.Errorf("%w: the token ID is empty (user %q)", ErrInvalidRecord, r.User)
	case r.User == "":
		return fmt.Errorf("%w: the user of token %q is empty", ErrInvalidRecord, r.ID)
	}
	return nil
}
