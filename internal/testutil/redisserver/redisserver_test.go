package redisserver_test

import (
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/superkube/super-kubenetes/internal/testutil/redisserver"
)

func TestStart(t *testing.T) {
	t.Run("a started server answers on loopback until it is stopped", func(t *testing.T) {
		s, err := redisserver.Start()
		if err != nil {
			t.Fatal(err)
		}
		defer s.Stop()
		if host, _, err := net.SplitHostPort(s.Addr()); err != nil || host != "127.0.0.1" {
			t.Errorf("Addr() = %q, want a port on 127.0.0.1", s.Addr())
		}
		client := redis.NewClient(&redis.Options{Addr: s.Addr(), MaxRetries: -1})
		defer func() { _ = client.Close() }()
		if err := client.Set(t.Context(), "k", "v", 0).Err(); err != nil {
			t.Fatalf("SET on the started server: %v", err)
		}
		s.Stop()
		s.Stop()
		if conn, err := net.DialTimeout("tcp", s.Addr(), time.Second); err == nil {
			_ = conn.Close()
			t.Errorf("%s still accepts connections after Stop", s.Addr())
		}
	})

	t.Run("a missing redis-server fails with the package to install", func(t *testing.T) {
		t.Setenv("PATH", t.TempDir())
		_, err := redisserver.Start()
		if !errors.Is(err, redisserver.ErrNotFound) {
			t.Fatalf("Start() = %v, want ErrNotFound", err)
		}
		if want := "install the Debian package redis-server"; !strings.Contains(err.Error(), want) {
			t.Errorf("Start() = %v, want a message containing %q", err, want)
		}
	})

	t.Run("servers started for tests are independent", func(t *testing.T) {
		a, b := redisserver.StartT(t), redisserver.StartT(t)
		if a.Addr() == b.Addr() {
			t.Fatalf("two servers share %s", a.Addr())
		}
		ca := redis.NewClient(&redis.Options{Addr: a.Addr()})
		cb := redis.NewClient(&redis.Options{Addr: b.Addr()})
		defer func() { _ = ca.Close(); _ = cb.Close() }()
		if err := ca.Set(t.Context(), "k", "a", 0).Err(); err != nil {
			t.Fatal(err)
		}
		if err := cb.Get(t.Context(), "k").Err(); !errors.Is(err, redis.Nil) {
			t.Errorf("GET k on the second server = %v, want nil reply", err)
		}
	})
}
