package session_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	clocktesting "k8s.io/utils/clock/testing"

	"github.com/superkube/super-kubenetes/internal/console/session"
	"github.com/superkube/super-kubenetes/internal/testutil/redisserver"
)

// srv is the redis-server shared by the package's tests, each under its own
// key prefix.
var srv *redisserver.Server

func TestMain(m *testing.M) { redisserver.Run(m, &srv) }

// storeUnderTest is a Store and a way to let time pass for it: a fake
// clock for the memory store, real waiting for Redis.
type storeUnderTest struct {
	session.Store
	wait func(time.Duration)
}

func stores() map[string]func(t *testing.T) storeUnderTest {
	return map[string]func(t *testing.T) storeUnderTest{
		"memory": func(*testing.T) storeUnderTest {
			clk := clocktesting.NewFakePassiveClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
			return storeUnderTest{Store: session.NewMemory(clk), wait: func(d time.Duration) { clk.SetTime(clk.Now().Add(d)) }}
		},
		"redis": func(t *testing.T) storeUnderTest {
			prefix := "test-" + strings.ReplaceAll(t.Name(), "/", "-") + ":"
			r, err := session.NewRedisFromURL(t.Context(), srv.URL(0), prefix)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = r.Close() })
			return storeUnderTest{Store: r, wait: time.Sleep}
		},
	}
}

func TestStoresKeepValuesForTheirTimeToLive(t *testing.T) {
	for name, open := range stores() {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s := open(t)
			in := session.New(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
			in.Username, in.AccessToken, in.RefreshToken = "alice", "access", "refresh"
			in.AccessExpiry = in.CreatedAt.Add(time.Hour)
			key := session.Key(in.ID)

			var got session.Session
			if err := s.Get(ctx, key, &got); !errors.Is(err, session.ErrNotFound) {
				t.Fatalf("a missing key: %v, want ErrNotFound", err)
			}
			if err := s.Put(ctx, key, in, 400*time.Millisecond); err != nil {
				t.Fatal(err)
			}
			if err := s.Get(ctx, key, &got); err != nil {
				t.Fatal(err)
			}
			if got.Username != "alice" || got.AccessToken != "access" || got.RefreshToken != "refresh" || got.CSRF != in.CSRF ||
				!got.AccessExpiry.Equal(in.AccessExpiry) || !got.CreatedAt.Equal(in.CreatedAt) {
				t.Fatalf("read back %+v, want %+v", got, in)
			}
			if got.ID != "" {
				t.Fatal("the session ID was stored; only its hash may be")
			}

			s.wait(500 * time.Millisecond)
			if err := s.Get(ctx, key, &got); !errors.Is(err, session.ErrNotFound) {
				t.Fatalf("after its time to live: %v, want ErrNotFound", err)
			}
		})
	}
}

func TestTouchKeepsAValueLongerWithoutChangingIt(t *testing.T) {
	for name, open := range stores() {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s := open(t)
			if err := s.Put(ctx, "k", "first", 400*time.Millisecond); err != nil {
				t.Fatal(err)
			}
			s.wait(250 * time.Millisecond)
			if err := s.Touch(ctx, "k", time.Minute); err != nil {
				t.Fatal(err)
			}
			s.wait(250 * time.Millisecond)
			var got string
			if err := s.Get(ctx, "k", &got); err != nil || got != "first" {
				t.Fatalf("after Touch: %q, %v; want the value kept", got, err)
			}
			if err := s.Touch(ctx, "missing", time.Minute); err != nil {
				t.Fatalf("touching a missing key: %v", err)
			}
			if err := s.Get(ctx, "missing", &got); !errors.Is(err, session.ErrNotFound) {
				t.Fatalf("Touch created a key: %v", err)
			}
		})
	}
}

func TestStoresDeleteAndReplaceValues(t *testing.T) {
	for name, open := range stores() {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s := open(t)
			key := session.LoginKey("some-login")
			if err := s.Put(ctx, key, map[string]string{"state": "one"}, time.Minute); err != nil {
				t.Fatal(err)
			}
			if err := s.Put(ctx, key, map[string]string{"state": "two"}, time.Minute); err != nil {
				t.Fatal(err)
			}
			var got map[string]string
			if err := s.Get(ctx, key, &got); err != nil || got["state"] != "two" {
				t.Fatalf("got %v, %v; want the second value", got, err)
			}
			if err := s.Delete(ctx, key); err != nil {
				t.Fatal(err)
			}
			if err := s.Get(ctx, key, &got); !errors.Is(err, session.ErrNotFound) {
				t.Fatalf("after Delete: %v", err)
			}
			if err := s.Delete(ctx, key); err != nil {
				t.Fatalf("deleting a missing key: %v", err)
			}
			if err := s.Ping(ctx); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestRedisKeysAreThePrefixAndAHashOfTheID(t *testing.T) {
	ctx := context.Background()
	r, err := session.NewRedisFromURL(ctx, srv.URL(0), session.DefaultRedisPrefix)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	s := session.New(time.Now())
	if err := r.Put(ctx, session.Key(s.ID), s, time.Minute); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = r.Delete(ctx, session.Key(s.ID)) }()
	c := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	defer c.Close()
	keys, err := c.Keys(ctx, session.DefaultRedisPrefix+"session:*").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 1 || strings.Contains(keys[0], s.ID) {
		t.Fatalf("keys %v: want one key that does not contain the session ID", keys)
	}
	ttl, err := c.PTTL(ctx, keys[0]).Result()
	if err != nil || ttl <= 0 || ttl > time.Minute {
		t.Fatalf("the key's expiry is %v (%v), want at most a minute", ttl, err)
	}
}

func TestABadRedisURLDoesNotShowItsPassword(t *testing.T) {
	_, err := session.NewRedisFromURL(context.Background(), "redis://:s3cret@127.0.0.1:notaport/0", "x:")
	if err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("got %v; want an error without the password", err)
	}
}

func TestNewSessionsHaveRandomIDsAndCSRFValues(t *testing.T) {
	a, b := session.New(time.Now()), session.New(time.Now())
	if len(a.ID) != 43 || len(a.CSRF) != 43 {
		t.Fatalf("the ID and CSRF value must be 32 bytes in base64url (43 characters), got %d and %d", len(a.ID), len(a.CSRF))
	}
	if a.ID == b.ID || a.CSRF == b.CSRF || a.ID == a.CSRF {
		t.Fatal("IDs and CSRF values repeat")
	}
	if session.Key(a.ID) == session.Key(b.ID) || session.Key(a.ID) == session.LoginKey(a.ID) {
		t.Fatal("keys collide")
	}
}

func TestTheMemoryStoreForgetsExpiredEntries(t *testing.T) {
	clk := clocktesting.NewFakePassiveClock(time.Now())
	m := session.NewMemory(clk)
	ctx := context.Background()
	for _, k := range []string{"a", "b", "c"} {
		_ = m.Put(ctx, k, k, time.Second)
	}
	clk.SetTime(clk.Now().Add(2 * time.Minute))
	_ = m.Put(ctx, "d", "d", time.Hour)
	if n := m.Len(); n != 1 {
		t.Fatalf("%d entries after a sweep, want 1", n)
	}
}
