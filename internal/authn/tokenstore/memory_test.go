package tokenstore_test

import (
	"testing"
	"time"

	clocktesting "k8s.io/utils/clock/testing"

	"github.com/superkube/super-kubenetes/internal/authn/tokenstore"
)

// memoryUnderTest is a memory store with its fake clock.
type memoryUnderTest struct {
	storeUnderTest
	memory *tokenstore.Memory
	clock  *clocktesting.FakeClock
}

func newMemory() memoryUnderTest {
	clk := clocktesting.NewFakeClock(time.Now())
	m := tokenstore.NewMemory(clk)
	return memoryUnderTest{
		storeUnderTest: storeUnderTest{Store: m, now: clk.Now, wait: clk.Step},
		memory:         m,
		clock:          clk,
	}
}

func TestMemory(t *testing.T) {
	t.Parallel()
	testStore(t, func(*testing.T) tokenstore.Store { return newMemory().storeUnderTest })
}

func TestMemoryPurgesExpiredRecords(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// wait is how long the clock moves after alice's tokens were added.
		wait time.Duration
		// next is the token added afterwards.
		next    func(now time.Time) tokenstore.Record
		wantLen int
	}{{
		name:    "expired tokens stay until a write comes",
		wait:    2 * time.Minute,
		wantLen: 3,
	}, {
		name: "a new token of the user purges the user's expired tokens",
		wait: 2 * time.Second,
		next: func(now time.Time) tokenstore.Record {
			return token("a4", "alice", "s3", now, time.Hour)
		},
		wantLen: 2,
	}, {
		name: "another user's token within a minute of the last sweep purges nothing",
		wait: 2 * time.Second,
		next: func(now time.Time) tokenstore.Record {
			return token("b1", "bob", "s3", now, time.Hour)
		},
		wantLen: 4,
	}, {
		name: "the first write a minute after the last sweep purges every expired token",
		wait: 2 * time.Minute,
		next: func(now time.Time) tokenstore.Record {
			return token("b1", "bob", "s3", now, time.Hour)
		},
		wantLen: 2,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMemory()
			now := m.clock.Now()
			mustAdd(t, m,
				token("a1", "alice", "s1", now, time.Second),
				token("a2", "alice", "s1", now, time.Second),
				token("a3", "alice", "s2", now, time.Hour),
			)
			m.clock.Step(tt.wait)
			if tt.next != nil {
				mustAdd(t, m, tt.next(m.clock.Now()))
			}
			if got := m.memory.Len(); got != tt.wantLen {
				t.Errorf("Len() = %d, want %d", got, tt.wantLen)
			}
		})
	}
}
