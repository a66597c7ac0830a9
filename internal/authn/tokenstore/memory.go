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
	lastSweep time.Time
}

var _ Store = (*Memory)(nil)

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

// Revoke removes one token; revoking an unknown token is not an error.
func (m *Memory) Revoke(_ context.Context, id string) error {
	now := m.clock.Now()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.maybeSweep(now)
	if r, ok := m.tokens[id]; ok {
		m.remove(r)
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
		m.remove(m.tokens[id])
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
		m.remove(r)
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
