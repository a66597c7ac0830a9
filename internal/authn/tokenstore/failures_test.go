package tokenstore_test

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/superkube/super-kubenetes/internal/authn/tokenstore"
)

// attemptsUnderTest is a LoginAttempts with control over the time it sees.
type attemptsUnderTest struct {
	tokenstore.LoginAttempts
	now  func() time.Time
	wait func(time.Duration)
}

func TestMemoryLoginAttempts(t *testing.T) {
	t.Parallel()
	testLoginAttempts(t, func(*testing.T) attemptsUnderTest {
		m := newMemory()
		return attemptsUnderTest{LoginAttempts: m.memory, now: m.clock.Now, wait: m.clock.Step}
	})
}

func TestRedisLoginAttempts(t *testing.T) {
	t.Parallel()
	testLoginAttempts(t, func(t *testing.T) attemptsUnderTest {
		r := newRedis(t)
		return attemptsUnderTest{LoginAttempts: r.Store.(tokenstore.LoginAttempts), now: time.Now, wait: time.Sleep}
	})
}

// testLoginAttempts is the conformance suite of the failed-login counters.
func testLoginAttempts(t *testing.T, open func(t *testing.T) attemptsUnderTest) {
	t.Helper()
	const maxFailures = 5
	lockout := tokenstore.Lockout{MaxFailures: maxFailures, Window: time.Hour}
	begin := func(t *testing.T, s attemptsUnderTest, user, id string, l tokenstore.Lockout) bool {
		t.Helper()
		allowed, err := s.BeginLogin(t.Context(), user, id, l)
		if err != nil {
			t.Fatalf("BeginLogin(%s, %s): %v", user, id, err)
		}
		return allowed
	}

	t.Run("of concurrent attempts, only as many as the maximum go on, and the next is refused", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		const concurrent = 12
		var allowed atomic.Int32
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range concurrent {
			wg.Go(func() {
				<-start
				if ok, err := s.BeginLogin(t.Context(), "alice", fmt.Sprintf("a%d", i), lockout); err != nil {
					t.Errorf("BeginLogin: %v", err)
				} else if ok {
					allowed.Add(1)
				}
			})
		}
		close(start)
		wg.Wait()
		if got := allowed.Load(); got != maxFailures {
			t.Fatalf("%d of %d concurrent attempts went on, want %d", got, concurrent, maxFailures)
		}
		if begin(t, s, "alice", "after", lockout) {
			t.Error("the attempt after the concurrent failures went on, want it refused")
		}
		if !begin(t, s, "bob", "b1", lockout) {
			t.Error("another user's attempt was refused")
		}
	})

	t.Run("a successful attempt does not count", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		for i := range maxFailures + 3 {
			id := fmt.Sprintf("ok%d", i)
			if !begin(t, s, "alice", id, lockout) {
				t.Fatalf("attempt %d after %d successful ones was refused", i+1, i)
			}
			if err := s.LoginSucceeded(t.Context(), "alice", id); err != nil {
				t.Fatal(err)
			}
		}
		for i := range maxFailures {
			if !begin(t, s, "alice", fmt.Sprintf("bad%d", i), lockout) {
				t.Fatalf("failure %d was refused", i+1)
			}
		}
		if begin(t, s, "alice", "locked", lockout) {
			t.Error("the attempt after the failures went on")
		}
	})

	t.Run("failures older than the window no longer count", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		short := tokenstore.Lockout{MaxFailures: 2, Window: shortTTL}
		begin(t, s, "alice", "f1", short)
		begin(t, s, "alice", "f2", short)
		if begin(t, s, "alice", "f3", short) {
			t.Fatal("the third attempt went on")
		}
		s.wait(shortTTL + 200*time.Millisecond)
		if !begin(t, s, "alice", "f4", short) {
			t.Error("the attempt after the window was refused")
		}
	})

	t.Run("an unlock forgets the failures before it", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		l := tokenstore.Lockout{MaxFailures: 2, Window: time.Hour}
		begin(t, s, "alice", "f1", l)
		begin(t, s, "alice", "f2", l)
		if begin(t, s, "alice", "f3", l) {
			t.Fatal("the third attempt went on")
		}
		s.wait(10 * time.Millisecond)
		l.Since = s.now()
		s.wait(10 * time.Millisecond)
		if !begin(t, s, "alice", "f4", l) {
			t.Error("the attempt after the unlock was refused")
		}
	})
}
