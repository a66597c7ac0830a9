package tokenstore_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/superkube/super-kubenetes/internal/authn/tokenstore"
	"github.com/superkube/super-kubenetes/internal/testutil/redisserver"
)

// srv is the redis-server shared by the package's tests, each under its own
// key prefix.
var srv *redisserver.Server

func TestMain(m *testing.M) { redisserver.Run(m, &srv) }

// storeUnderTest is a Store with control over the time it sees: a fake clock
// for the memory store, the real one (and real waits) for Redis.
type storeUnderTest struct {
	tokenstore.Store
	now  func() time.Time
	wait func(time.Duration)
}

// timeline is what testStore needs besides the Store interface.
type timeline interface {
	tokenstore.Store
	Now() time.Time
	Wait(d time.Duration)
}

func (s storeUnderTest) Now() time.Time       { return s.now() }
func (s storeUnderTest) Wait(d time.Duration) { s.wait(d) }

// shortTTL is the lifetime of the tokens the expiry tests wait for; it is
// short because the Redis tests wait in real time.
const shortTTL = time.Second

// token builds a record of user's session that expires ttl after now.
func token(id, user, session string, now time.Time, ttl time.Duration) tokenstore.Record {
	return tokenstore.Record{
		ID:        id,
		User:      user,
		Type:      "access",
		ClientID:  "kubesphere-console",
		SessionID: session,
		ExpiresAt: now.Add(ttl),
	}
}

// testStore is the conformance suite of Store implementations. The stores
// newStore returns must also implement timeline.
func testStore(t *testing.T, newStore func(t *testing.T) tokenstore.Store) {
	t.Helper()
	open := func(t *testing.T) timeline {
		t.Helper()
		s, ok := newStore(t).(timeline)
		if !ok {
			t.Fatalf("%T does not let the test control its time", s)
		}
		return s
	}

	t.Run("add and get", func(t *testing.T) {
		t.Parallel()
		tests := []struct {
			name    string
			add     func(now time.Time) []tokenstore.Record
			get     string
			want    func(now time.Time) (tokenstore.Record, bool)
			wantErr error
		}{{
			name: "a stored token is found with its record",
			add: func(now time.Time) []tokenstore.Record {
				return []tokenstore.Record{token("t1", "alice", "s1", now, time.Hour)}
			},
			get: "t1",
			want: func(now time.Time) (tokenstore.Record, bool) {
				return token("t1", "alice", "s1", now, time.Hour), true
			},
		}, {
			name: "a token never issued is not found",
			add: func(now time.Time) []tokenstore.Record {
				return []tokenstore.Record{token("t1", "alice", "s1", now, time.Hour)}
			},
			get: "t2",
		}, {
			name: "adding a token again replaces its record",
			add: func(now time.Time) []tokenstore.Record {
				refresh := token("t1", "alice", "s1", now, 2*time.Hour)
				refresh.Type = "refresh"
				return []tokenstore.Record{token("t1", "alice", "s1", now, time.Hour), refresh}
			},
			get: "t1",
			want: func(now time.Time) (tokenstore.Record, bool) {
				refresh := token("t1", "alice", "s1", now, 2*time.Hour)
				refresh.Type = "refresh"
				return refresh, true
			},
		}, {
			name: "a token that has already expired is not kept",
			add: func(now time.Time) []tokenstore.Record {
				return []tokenstore.Record{token("t1", "alice", "s1", now, -time.Second)}
			},
			get: "t1",
		}, {
			name: "a record without an ID is refused",
			add: func(now time.Time) []tokenstore.Record {
				return []tokenstore.Record{token("", "alice", "s1", now, time.Hour)}
			},
			wantErr: tokenstore.ErrInvalidRecord,
		}, {
			name: "a record without a user is refused",
			add: func(now time.Time) []tokenstore.Record {
				return []tokenstore.Record{token("t1", "", "s1", now, time.Hour)}
			},
			wantErr: tokenstore.ErrInvalidRecord,
		}}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				ctx := t.Context()
				s := open(t)
				now := s.Now()
				for _, r := range tt.add(now) {
					err := s.Add(ctx, r)
					if tt.wantErr != nil {
						if !errors.Is(err, tt.wantErr) {
							t.Fatalf("Add(%+v) = %v, want %v", r, err, tt.wantErr)
						}
						return
					}
					if err != nil {
						t.Fatalf("Add(%+v): %v", r, err)
					}
				}
				var want tokenstore.Record
				var wantFound bool
				if tt.want != nil {
					want, wantFound = tt.want(now)
				}
				got, found, err := s.Get(ctx, tt.get)
				if err != nil {
					t.Fatalf("Get(%q): %v", tt.get, err)
				}
				if found != wantFound || !sameRecord(got, want) {
					t.Errorf("Get(%q) = %+v, %t, want %+v, %t", tt.get, got, found, want, wantFound)
				}
			})
		}
	})

	t.Run("an expired token is no longer found, listed or counted", func(t *testing.T) {
		t.Parallel()
		ctx := t.Context()
		s := open(t)
		now := s.Now()
		mustAdd(t, s,
			token("short", "alice", "s1", now, shortTTL),
			token("long", "alice", "s2", now, time.Hour),
		)
		wantFound(t, s, "short", true)
		s.Wait(shortTTL + 200*time.Millisecond)
		wantFound(t, s, "short", false)
		wantFound(t, s, "long", true)
		wantSessions(t, s, "alice", "s2")
		if n, err := s.RevokeUser(ctx, "alice"); err != nil || n != 1 {
			t.Errorf("RevokeUser(alice) = %d, %v, want 1 valid token", n, err)
		}
	})

	t.Run("a revoked token is no longer found", func(t *testing.T) {
		t.Parallel()
		ctx := t.Context()
		s := open(t)
		now := s.Now()
		mustAdd(t, s,
			token("access", "alice", "s1", now, time.Hour),
			token("refresh", "alice", "s1", now, 2*time.Hour),
		)
		if err := s.Revoke(ctx, "access"); err != nil {
			t.Fatalf("Revoke(access): %v", err)
		}
		wantFound(t, s, "access", false)
		wantFound(t, s, "refresh", true)
		if n, err := s.RevokeUser(ctx, "alice"); err != nil || n != 1 {
			t.Errorf("RevokeUser(alice) = %d, %v, want only the refresh token", n, err)
		}
	})

	t.Run("revoking a token that is not stored is not an error", func(t *testing.T) {
		t.Parallel()
		if err := open(t).Revoke(t.Context(), "never-issued"); err != nil {
			t.Errorf("Revoke(never-issued) = %v, want nil", err)
		}
	})

	t.Run("revoking a session removes its tokens only", func(t *testing.T) {
		t.Parallel()
		ctx := t.Context()
		s := open(t)
		now := s.Now()
		mustAdd(t, s,
			token("a1", "alice", "s1", now, time.Hour),
			token("a2", "alice", "s1", now, 2*time.Hour),
			token("a3", "alice", "s2", now, time.Hour),
			// Another user's session with the same ID stays.
			token("b1", "bob", "s1", now, time.Hour),
		)
		if err := s.RevokeSession(ctx, "alice", "s1"); err != nil {
			t.Fatalf("RevokeSession(alice, s1): %v", err)
		}
		for id, want := range map[string]bool{"a1": false, "a2": false, "a3": true, "b1": true} {
			wantFound(t, s, id, want)
		}
		wantSessions(t, s, "alice", "s2")
		wantSessions(t, s, "bob", "s1")
		if err := s.RevokeSession(ctx, "alice", "unknown"); err != nil {
			t.Errorf("RevokeSession(alice, unknown) = %v, want nil", err)
		}
	})

	t.Run("revoking a user removes every token of the user and counts them", func(t *testing.T) {
		t.Parallel()
		ctx := t.Context()
		s := open(t)
		now := s.Now()
		mustAdd(t, s,
			token("a1", "alice", "s1", now, time.Hour),
			token("a2", "alice", "s1", now, 2*time.Hour),
			token("a3", "alice", "s2", now, time.Hour),
			token("b1", "bob", "s3", now, time.Hour),
		)
		tests := []struct {
			user string
			want int
		}{
			{user: "alice", want: 3},
			{user: "alice", want: 0},
			{user: "nobody", want: 0},
		}
		for _, tt := range tests {
			if n, err := s.RevokeUser(ctx, tt.user); err != nil || n != tt.want {
				t.Errorf("RevokeUser(%s) = %d, %v, want %d", tt.user, n, err, tt.want)
			}
		}
		for id, want := range map[string]bool{"a1": false, "a2": false, "a3": false, "b1": true} {
			wantFound(t, s, id, want)
		}
		wantSessions(t, s, "alice")
		wantSessions(t, s, "bob", "s3")
	})

	t.Run("a token added again for another user belongs to that user only", func(t *testing.T) {
		t.Parallel()
		ctx := t.Context()
		s := open(t)
		now := s.Now()
		mustAdd(t, s,
			token("t1", "alice", "s1", now, time.Hour),
			token("t1", "bob", "s2", now, time.Hour),
		)
		wantSessions(t, s, "alice")
		if err := s.RevokeSession(ctx, "alice", "s1"); err != nil {
			t.Fatalf("RevokeSession(alice, s1): %v", err)
		}
		if n, err := s.RevokeUser(ctx, "alice"); err != nil || n != 0 {
			t.Errorf("RevokeUser(alice) = %d, %v, want 0", n, err)
		}
		wantFound(t, s, "t1", true)
		wantSessions(t, s, "bob", "s2")
	})

	t.Run("sessions lists the distinct sessions of the user's tokens, sorted", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		now := s.Now()
		mustAdd(t, s,
			token("a1", "alice", "s2", now, time.Hour),
			token("a2", "alice", "s2", now, 2*time.Hour),
			token("a3", "alice", "s1", now, time.Hour),
			token("a4", "alice", "", now, time.Hour),
			token("b1", "bob", "s3", now, time.Hour),
		)
		tests := []struct {
			user string
			want []string
		}{
			{user: "alice", want: []string{"s1", "s2"}},
			{user: "bob", want: []string{"s3"}},
			{user: "nobody"},
		}
		for _, tt := range tests {
			wantSessions(t, s, tt.user, tt.want...)
		}
	})

	t.Run("a token is taken once, whatever the concurrency", func(t *testing.T) {
		t.Parallel()
		ctx := t.Context()
		s := open(t)
		refresh := token("r1", "alice", "s1", s.Now(), time.Hour)
		refresh.Type = "refresh"
		mustAdd(t, s, refresh)
		const callers = 24
		var wg sync.WaitGroup
		var mu sync.Mutex
		var taken []tokenstore.Record
		start := make(chan struct{})
		for range callers {
			wg.Go(func() {
				<-start
				r, ok, err := s.Take(ctx, "r1")
				if err != nil {
					t.Errorf("Take(r1): %v", err)
					return
				}
				if ok {
					mu.Lock()
					taken = append(taken, r)
					mu.Unlock()
				}
			})
		}
		close(start)
		wg.Wait()
		if len(taken) != 1 {
			t.Fatalf("%d of %d concurrent calls took the token, want exactly 1", len(taken), callers)
		}
		if !sameRecord(taken[0], refresh) {
			t.Errorf("Take(r1) = %+v, want %+v", taken[0], refresh)
		}
		wantFound(t, s, "r1", false)
		wantSessions(t, s, "alice")
		if _, ok, err := s.Take(ctx, "never-issued"); err != nil || ok {
			t.Errorf("Take(never-issued) = %t, %v, want false", ok, err)
		}
	})

	t.Run("a revoked or taken token is told from one never issued until it would have expired", func(t *testing.T) {
		t.Parallel()
		ctx := t.Context()
		s := open(t)
		now := s.Now()
		mustAdd(t, s,
			token("by-revoke", "alice", "s1", now, time.Hour),
			token("by-take", "alice", "s1", now, time.Hour),
			token("by-session", "alice", "s2", now, time.Hour),
			token("by-user", "alice", "s3", now, time.Hour),
			token("short", "alice", "s4", now, shortTTL),
			token("kept", "bob", "s5", now, time.Hour),
		)
		if err := s.Revoke(ctx, "by-revoke"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Take(ctx, "by-take"); err != nil {
			t.Fatal(err)
		}
		if err := s.Revoke(ctx, "short"); err != nil {
			t.Fatal(err)
		}
		if err := s.RevokeSession(ctx, "alice", "s2"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.RevokeUser(ctx, "alice"); err != nil {
			t.Fatal(err)
		}
		wantRevoked := func(id string, want bool) {
			t.Helper()
			if got, err := s.Revoked(ctx, id); err != nil || got != want {
				t.Errorf("Revoked(%s) = %t, %v, want %t", id, got, err, want)
			}
		}
		for id, want := range map[string]bool{"by-revoke": true, "by-take": true, "by-session": true, "by-user": true,
			"short": true, "kept": false, "never-issued": false} {
			wantRevoked(id, want)
		}
		s.Wait(shortTTL + 200*time.Millisecond)
		wantRevoked("short", false)
		wantRevoked("by-revoke", true)
	})

	t.Run("concurrent use keeps every token accounted for", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		ctx := t.Context()
		const workers, perWorker, users = 8, 40, 3
		user := func(w int) string { return fmt.Sprintf("user-%d", w%users) }
		live := make([][]string, workers)
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				// Each worker owns its tokens, so it knows which stay valid
				// while the others work on the same users.
				kept := map[string]bool{}
				for i := range perWorker {
					session := fmt.Sprintf("w%d-s%d", w, i/2)
					id := fmt.Sprintf("w%d-t%d", w, i)
					if err := s.Add(ctx, token(id, user(w), session, s.Now(), time.Hour)); err != nil {
						t.Errorf("Add(%s): %v", id, err)
						return
					}
					kept[id] = true
					if _, found, err := s.Get(ctx, id); err != nil || !found {
						t.Errorf("Get(%s) = %t, %v right after Add", id, found, err)
					}
					switch i % 4 {
					case 1:
						if err := s.RevokeSession(ctx, user(w), session); err != nil {
							t.Errorf("RevokeSession(%s): %v", session, err)
						}
						delete(kept, id)
						delete(kept, fmt.Sprintf("w%d-t%d", w, i-1))
					case 2:
						if err := s.Revoke(ctx, id); err != nil {
							t.Errorf("Revoke(%s): %v", id, err)
						}
						delete(kept, id)
					}
					if _, err := s.Sessions(ctx, user(w)); err != nil {
						t.Errorf("Sessions(%s): %v", user(w), err)
					}
				}
				for id := range kept {
					live[w] = append(live[w], id)
				}
			})
		}
		wg.Wait()
		want := map[string]int{}
		for w, ids := range live {
			want[user(w)] += len(ids)
			for _, id := range ids {
				wantFound(t, s, id, true)
			}
		}
		for u := range users {
			if n, err := s.RevokeUser(ctx, user(u)); err != nil || n != want[user(u)] {
				t.Errorf("RevokeUser(%s) = %d, %v, want %d", user(u), n, err, want[user(u)])
			}
		}
	})
}

func sameRecord(a, b tokenstore.Record) bool {
	if !a.ExpiresAt.Equal(b.ExpiresAt) {
		return false
	}
	a.ExpiresAt, b.ExpiresAt = time.Time{}, time.Time{}
	return a == b
}

func mustAdd(t *testing.T, s tokenstore.Store, records ...tokenstore.Record) {
	t.Helper()
	for _, r := range records {
		if err := s.Add(t.Context(), r); err != nil {
			t.Fatalf("Add(%+v): %v", r, err)
		}
	}
}

func wantFound(t *testing.T, s tokenstore.Store, id string, want bool) {
	t.Helper()
	r, found, err := s.Get(t.Context(), id)
	if err != nil {
		t.Fatalf("Get(%s): %v", id, err)
	}
	if found != want {
		t.Errorf("Get(%s) found = %t, want %t", id, found, want)
	}
	if found && r.ID != id {
		t.Errorf("Get(%s) returned the record of %s", id, r.ID)
	}
}

func wantSessions(t *testing.T, s tokenstore.Store, user string, want ...string) {
	t.Helper()
	got, err := s.Sessions(t.Context(), user)
	if err != nil {
		t.Fatalf("Sessions(%s): %v", user, err)
	}
	if !slices.Equal(got, want) {
		t.Errorf("Sessions(%s) = %q, want %q", user, got, want)
	}
}

// BenchmarkStoreGet measures looking up a valid token among 1,000.
func BenchmarkStoreGet(b *testing.B) {
	stores := []struct {
		name string
		new  func(b *testing.B) tokenstore.Store
	}{
		{name: "memory", new: func(*testing.B) tokenstore.Store { return newMemory().Store }},
		{name: "redis", new: func(b *testing.B) tokenstore.Store { return newRedis(b).Store }},
	}
	for _, st := range stores {
		b.Run(st.name, func(b *testing.B) {
			ctx := context.Background()
			s := st.new(b)
			const tokens = 1_000
			ids := make([]string, tokens)
			now := time.Now()
			for i := range ids {
				ids[i] = fmt.Sprintf("token-%d", i)
				if err := s.Add(ctx, token(ids[i], fmt.Sprintf("user-%d", i%100), "s", now, time.Hour)); err != nil {
					b.Fatal(err)
				}
			}
			i := 0
			for b.Loop() {
				if _, found, err := s.Get(ctx, ids[i%tokens]); err != nil || !found {
					b.Fatalf("Get(%s) = %t, %v", ids[i%tokens], found, err)
				}
				i++
			}
		})
	}
}
