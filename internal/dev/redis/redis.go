// Package redis prepares the local cluster's Redis, the store of
// ke-apiserver's tokens and revocations and of ke-console's sessions. It runs
// Debian's redis-server on loopback with a generated password and an
// append-only file in the data folder, so that a restart of ke-apiserver, of
// ke-console or of Redis itself logs nobody out and loses no revocation.
package redis

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// Binary is the program that runs the store, from Debian's package of the
// same name.
const Binary = "redis-server"

// Instance is the local cluster's Redis: its folder and port.
type Instance struct {
	// Dir holds the configuration, the password, the URL and the data.
	Dir  string
	Port int
	// Path is the redis-server program.
	Path     string
	password string
}

// LookPath finds redis-server, or says which package to install.
func LookPath() (string, error) {
	path, err := exec.LookPath(Binary)
	if err != nil {
		return "", fmt.Errorf("%s not found in PATH: install the Debian package redis-server (apt-get install redis-server); ke-apiserver and ke-console keep tokens and sessions in it", Binary)
	}
	return path, nil
}

// ConfigFile is the configuration redis-server starts with.
func (i *Instance) ConfigFile() string { return filepath.Join(i.Dir, "redis.conf") }

// PasswordFile holds the generated password.
func (i *Instance) PasswordFile() string { return filepath.Join(i.Dir, "password") }

// URLFile holds the redis:// URL, password included, that ke-apiserver and
// ke-console read with --redis-url-file.
func (i *Instance) URLFile() string { return filepath.Join(i.Dir, "url") }

// Addr is the address the server listens on.
func (i *Instance) Addr() string { return "127.0.0.1:" + strconv.Itoa(i.Port) }

// URL is the redis:// URL of database 0, with the password.
func (i *Instance) URL() string { return "redis://:" + i.password + "@" + i.Addr() + "/0" }

// Args are redis-server's arguments: its configuration file, whose path
// names the data folder (so that `ke-dev down` recognises a leftover).
func (i *Instance) Args() []string { return []string{i.ConfigFile()} }

// Prepare makes the folder, a password on first use (kept afterwards, as the
// data is), and writes the configuration and URL files for the port.
func Prepare(dir string, port int, path string) (*Instance, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return nil, err
	}
	i := &Instance{Dir: abs, Port: port, Path: path}
	if i.password, err = password(i.PasswordFile()); err != nil {
		return nil, err
	}
	if err := os.WriteFile(i.ConfigFile(), []byte(i.config()), 0o600); err != nil {
		return nil, err
	}
	if err := os.WriteFile(i.URLFile(), []byte(i.URL()+"\n"), 0o600); err != nil {
		return nil, err
	}
	return i, nil
}

// password reads the password file, or writes a new password into it.
func password(file string) (string, error) {
	data, err := os.ReadFile(file)
	if err == nil {
		if p := strings.TrimSpace(string(data)); p != "" {
			return p, nil
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	p := hex.EncodeToString(b)
	return p, os.WriteFile(file, []byte(p+"\n"), 0o600)
}

// config is redis.conf: loopback only, a password, every write appended to
// a file and flushed to disk before it is acknowledged, no eviction (an
// evicted token is a logged-out user), and the command line left as it is.
//
// appendfsync is "always", not "everysec": with everysec, Redis postpones
// writing its append-only buffer while a flush of the second before is
// still running on a busy disk, and acknowledges the commands anyway, so a
// kill -9 of redis-server at that moment lost a logout acknowledged just
// before it, and the revoked token worked again (seen in the fault suite
// with Prometheus writing to the same disk). Token writes are few (logins,
// refreshes, logouts); a flush each costs well under a millisecond here.
func (i *Instance) config() string {
	lines := []string{
		"# Written by ke-dev at every start; edit ke-dev, not this file.",
		"bind 127.0.0.1",
		"port " + strconv.Itoa(i.Port),
		"protected-mode yes",
		"daemonize no",
		`logfile ""`,
		"dir " + quote(i.Dir),
		"requirepass " + i.password,
		"appendonly yes",
		"appendfsync always",
		"maxmemory-policy noeviction",
		// ke-dev finds leftovers by their command line, which names the data folder.
		"set-proc-title no",
	}
	return strings.Join(lines, "\n") + "\n"
}

// quote writes a string as redis.conf reads it.
func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// Ready reports nil once the server answers PING with the password and has
// loaded its data.
func (i *Instance) Ready(ctx context.Context) error {
	c := goredis.NewClient(&goredis.Options{Addr: i.Addr(), Password: i.password, DialTimeout: time.Second,
		ReadTimeout: time.Second, MaxRetries: -1, PoolSize: 1})
	defer c.Close()
	if err := c.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("redis at %s: %w", i.Addr(), err)
	}
	return nil
}
