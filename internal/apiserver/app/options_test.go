package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

func TestTheRedisURLComesFromAFileThatPsDoesNotShow(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "redis-url")
	if err := os.WriteFile(file, []byte("redis://:pw@127.0.0.1:16379/0\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	complete := func(args ...string) (Config, error) {
		o := NewOptions()
		fs := pflag.NewFlagSet("ke-apiserver", pflag.ContinueOnError)
		o.AddFlags(fs)
		base := []string{"--print-config", "--issuer=https://127.0.0.1:9443", "--signing-key-file=" + filepath.Join(dir, "signing.key")}
		if err := fs.Parse(append(base, args...)); err != nil {
			t.Fatal(err)
		}
		cfg, _, err := o.Complete()
		return cfg, err
	}
	cfg, err := complete("--redis-url-file=" + file)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.RedisURL != "redis://:pw@127.0.0.1:16379/0" {
		t.Fatalf("RedisURL %q", cfg.RedisURL)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--redis-url-file=" + file, "--redis-url=redis://other:6379"}, "--redis-url and --redis-url-file are both set"},
		{[]string{"--redis-url-file=/nonexistent/redis-url"}, "--redis-url-file: open /nonexistent/redis-url"},
	} {
		_, err := complete(tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), ":pw@") {
			t.Errorf("%v: error %v, want one saying %q without the password", tc.args, err, tc.want)
		}
	}
}
