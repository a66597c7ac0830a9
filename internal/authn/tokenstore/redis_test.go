package tokenstore_test

import (
	"crypto/rand"
	"net"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/superkube/super-kubenetes/internal/authn/tokenstore"
)

// redisUnderTest is a Redis store with a client to look at its keys.
type redisUnderTest struct {
	storeUnderTest
	client *redis.Client
	prefix string
}

// newRedis returns a store on the package's server under a prefix of its
// own, so that tests can run in parallel.
func newRedis(tb testing.TB) redisUnderTest {
	tb.Helper()
	client := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	tb.Cleanup(func() { _ = client.Close() })
	prefix := uniquePrefix(tb)
	return redisUnderTest{
		storeUnderTest: storeUnderTest{
			Store: tokenstore.NewRedis(client, prefix),
			now:   time.Now,
			wait:  time.Sleep,
		},
		client: client,
		prefix: prefix,
	}
}

func TestRedis(t *testing.T) {
	t.Parallel()
	testStore(t, func(t *testing.T) tokenstore.Store { return newRedis(t).storeUnderTest })
}

func TestRedisKeys(t *testing.T) {
	t.Parallel()
	t.Run("only the record is stored, under the prefix, expiring with the token", func(t *testing.T) {
		t.Parallel()
		s := newRedis(t)
		mustAdd(t, s, token("t1", "alice", "s1", time.Now(), time.Hour))
		keys, err := s.client.Keys(t.Context(), "*").Result()
		if err != nil {
			t.Fatal(err)
		}
		var ours []string
		for _, k := range keys {
			if strings.HasPrefix(k, s.prefix) {
				ours = append(ours, strings.TrimPrefix(k, s.prefix))
			}
		}
		slices.Sort(ours)
		if want := []string{"token:t1", "user:alice"}; !slices.Equal(ours, want) {
			t.Fatalf("keys under the prefix = %q, want %q", ours, want)
		}
		ttl := s.client.PTTL(t.Context(), s.prefix+"token:t1").Val()
		if ttl <= 59*time.Minute || ttl > time.Hour {
			t.Errorf("TTL of the token key = %s, want about 1h", ttl)
		}
	})

	t.Run("the user's set lives at least as long as the user's latest token", func(t *testing.T) {
		t.Parallel()
		s := newRedis(t)
		tests := []struct {
			ttl     time.Duration
			wantTTL time.Duration
		}{
			{ttl: time.Hour, wantTTL: time.Hour},
			{ttl: 10 * time.Minute, wantTTL: time.Hour},
			{ttl: 2 * time.Hour, wantTTL: 2 * time.Hour},
		}
		for i, tt := range tests {
			mustAdd(t, s, token(strconv.Itoa(i), "alice", "s1", time.Now(), tt.ttl))
			got := s.client.PTTL(t.Context(), s.prefix+"user:alice").Val()
			if got < tt.wantTTL-time.Second || got > tt.wantTTL+time.Second {
				t.Errorf("after adding a token for %s, TTL of the user's set = %s, want %s", tt.ttl, got, tt.wantTTL)
			}
		}
	})

	t.Run("IDs whose token key is gone are skipped", func(t *testing.T) {
		t.Parallel()
		ctx := t.Context()
		s := newRedis(t)
		now := time.Now()
		mustAdd(t, s,
			token("t1", "alice", "s1", now, time.Hour),
			token("t2", "alice", "s2", now, time.Hour),
		)
		if err := s.client.Del(ctx, s.prefix+"token:t1").Err(); err != nil {
			t.Fatal(err)
		}
		wantSessions(t, s, "alice", "s2")
		if err := s.RevokeSession(ctx, "alice", "s1"); err != nil {
			t.Errorf("RevokeSession(alice, s1) = %v", err)
		}
		if n, err := s.RevokeUser(ctx, "alice"); err != nil || n != 1 {
			t.Errorf("RevokeUser(alice) = %d, %v, want 1", n, err)
		}
	})

	t.Run("adding a token removes the user's expired IDs", func(t *testing.T) {
		t.Parallel()
		ctx := t.Context()
		s := newRedis(t)
		mustAdd(t, s, token("short", "alice", "s1", time.Now(), shortTTL))
		time.Sleep(shortTTL + 200*time.Millisecond)
		mustAdd(t, s, token("long", "alice", "s2", time.Now(), time.Hour))
		ids, err := s.client.ZRange(ctx, s.prefix+"user:alice", 0, -1).Result()
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{"long"}; !slices.Equal(ids, want) {
			t.Errorf("IDs in the user's set = %q, want %q", ids, want)
		}
	})
}

func TestNewRedisFromURL(t *testing.T) {
	t.Parallel()
	const password = "s3cret"
	closedAddr := closedPort(t)
	// A user whose password is not the one the URLs give.
	admin := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	defer func() { _ = admin.Close() }()
	if err := admin.Do(t.Context(), "ACL", "SETUSER", "tester", "on", ">another-password", "~*", "+@all").Err(); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		url  string
		// wantErr is a part of the error message; empty for success.
		wantErr string
	}{
		{name: "a reachable server is accepted", url: srv.URL(3)},
		{
			name:    "an unreachable server is named in the error",
			url:     "redis://:" + password + "@" + closedAddr + "/0",
			wantErr: "connecting to Redis at " + closedAddr,
		},
		{
			name:    "a server that refuses the password is named in the error",
			url:     "redis://tester:" + password + "@" + srv.Addr() + "/0",
			wantErr: "connecting to Redis at " + srv.Addr(),
		},
		{
			name:    "a malformed URL is refused without repeating it",
			url:     "redis://:" + password + "@localhost:port/0",
			wantErr: "parsing the Redis URL",
		},
		{
			name:    "a URL that is not redis:// is refused",
			url:     "http://localhost:6379",
			wantErr: "invalid URL scheme",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := tokenstore.NewRedisFromURL(tt.url, uniquePrefix(t))
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("NewRedisFromURL(%s) = %v", tt.url, err)
				}
				defer func() {
					if err := s.Close(); err != nil {
						t.Error(err)
					}
				}()
				mustAdd(t, s, token("t1", "alice", "s1", time.Now(), time.Hour))
				wantFound(t, s, "t1", true)
				return
			}
			if err == nil {
				t.Fatalf("NewRedisFromURL(%s) succeeded, want an error", tt.url)
			}
			t.Logf("NewRedisFromURL(%s) = %v", tt.url, err)
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("NewRedisFromURL(%s) = %v, want an error containing %q", tt.url, err, tt.wantErr)
			}
			if strings.Contains(err.Error(), password) {
				t.Errorf("NewRedisFromURL(%s) = %v, which shows the password", tt.url, err)
			}
		})
	}
}

// uniquePrefix returns a key prefix that no other test, nor another run of
// the same test (-count), uses on the shared server.
func uniquePrefix(tb testing.TB) string {
	return "test:" + tb.Name() + ":" + rand.Text() + ":"
}

// closedPort returns a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}
