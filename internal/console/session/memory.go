package session

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"k8s.io/utils/clock"
)

// Memory is a Store in this process's memory, for a single replica. Values
// are kept as JSON, so that callers never share a value they change.
type Memory struct {
	clock     clock.PassiveClock
	mu        sync.Mutex
	entries   map[string]memoryEntry
	lastSweep time.Time
}

type memoryEntry struct {
	data    []byte
	expires time.Time
}

var _ Store = (*Memory)(nil)

// sweepEvery is how often Put removes expired entries.
const sweepEvery = time.Minute

// NewMemory returns an empty Memory store that reads the time from clk.
func NewMemory(clk clock.PassiveClock) *Memory {
	return &Memory{clock: clk, entries: map[string]memoryEntry{}, lastSweep: clk.Now()}
}

// Get implements Store.
func (m *Memory) Get(_ context.Context, key string, v any) error {
	m.mu.Lock()
	e, ok := m.entries[key]
	if ok && !m.clock.Now().Before(e.expires) {
		delete(m.entries, key)
		ok = false
	}
	m.mu.Unlock()
	if !ok {
		return ErrNotFound
	}
	if err := json.Unmarshal(e.data, v); err != nil {
		return fmt.Errorf("decoding the value of a session key: %w", err)
	}
	return nil
}

// Put implements Store.
func (m *Memory) Put(_ context.Context, key string, v any, ttl time.Duration) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	now := m.clock.Now()
	m.mu.Lock()
	defer m.mu.Unlock()
	if now.Sub(m.lastSweep) >= sweepEvery {
		for k, e := range m.entries {
			if !now.Before(e.expires) {
				delete(m.entries, k)
			}
		}
		m.lastSweep = now
	}
	m.entries[key] = memoryEntry{data: data, expires: now.Add(ttl)}
	return nil
}

// Touch implements Store.
func (m *Memory) Touch(_ context.Context, key string, ttl time.Duration) error {
	now := m.clock.Now()
	m.mu.Lock()
	defer m.mu.Unlock()
	if e, ok := m.entries[key]; ok && now.Before(e.expires) {
		e.expires = now.Add(ttl)
		m.entries[key] = e
	}
	return nil
}

// Delete implements Store.
func (m *Memory) Delete(_ context.Context, key string) error {
	m.mu.Lock()
	delete(m.entries, key)
	m.mu.Unlock()
	return nil
}

// Len returns the number of entries, expired ones included until swept.
func (m *Memory) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.entries)
}

// Ping implements Store.
func (*Memory) Ping(context.Context) error { return nil }

// Close implements Store.
func (*Memory) Close() error { return nil }
