package redis

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/superkube/super-kubenetes/internal/dev/freeport"
)

func freePort(tb testing.TB) int {
	tb.Helper()
	p, err := freeport.Pick()
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// run starts redis-server as ke-dev does and waits until it is ready.
func run(t *testing.T, i *Instance) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(i.Path, i.Args()...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for i.Ready(ctx) != nil {
		select {
		case <-ctx.Done():
			t.Fatalf("redis-server not ready: %v", i.Ready(context.Background()))
		case <-time.After(50 * time.Millisecond):
		}
	}
	return cmd
}

func TestTheLocalRedisKeepsItsPasswordAndItsDataThroughAKill(t *testing.T) {
	path, err := LookPath()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "cluster", "redis")
	i, err := Prepare(dir, freePort(t), path)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{i.PasswordFile(), i.URLFile(), i.ConfigFile()} {
		st, err := os.Stat(f)
		if err != nil || st.Mode().Perm() != 0o600 {
			t.Fatalf("%s: %v, mode %v; want a file only its owner reads", f, err, st.Mode())
		}
	}
	url, _ := os.ReadFile(i.URLFile())
	if strings.TrimSpace(string(url)) != i.URL() || !strings.Contains(i.URL(), ":"+i.password+"@127.0.0.1:") {
		t.Fatalf("URL file %q", url)
	}

	cmd := run(t, i)
	cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", cmd.Process.Pid))
	if !strings.Contains(string(cmdline), filepath.Join("cluster", "redis")) {
		t.Errorf("the command line %q does not name the data folder, so `ke-dev down` would not find a leftover", cmdline)
	}
	ctx := context.Background()
	anon := goredis.NewClient(&goredis.Options{Addr: i.Addr(), MaxRetries: -1})
	defer anon.Close()
	if err := anon.Set(ctx, "k", "v", 0).Err(); err == nil || !strings.Contains(err.Error(), "NOAUTH") {
		t.Fatalf("a write without the password: %v, want NOAUTH", err)
	}
	opts, err := goredis.ParseURL(i.URL())
	if err != nil {
		t.Fatal(err)
	}
	c := goredis.NewClient(opts)
	defer c.Close()
	if err := c.Set(ctx, "superkube:token:1", "revoked-or-not", time.Hour).Err(); err != nil {
		t.Fatal(err)
	}

	// kill -9, and a second start that prepares again: same password, same data.
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	again, err := Prepare(dir, i.Port, path)
	if err != nil {
		t.Fatal(err)
	}
	if again.URL() != i.URL() {
		t.Fatal("the password changed between two starts")
	}
	run(t, again)
	got, err := c.Get(ctx, "superkube:token:1").Result()
	if err != nil || got != "revoked-or-not" {
		t.Fatalf("after kill -9 and a restart: %q, %v", got, err)
	}
	if ttl := c.TTL(ctx, "superkube:token:1").Val(); ttl <= 0 || ttl > time.Hour {
		t.Fatalf("the key's expiry was not kept: TTL %s", ttl)
	}
}
