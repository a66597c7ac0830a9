// Package gitea runs Gitea, the Git server of the local cluster and of the
// DevOps tests: one process on loopback, plain HTTP (the API, git over
// HTTP and webhooks), SQLite and the repositories in one folder, offline.
// The binary is built into the tools cache (make tools).
//
// Its web pages come without scripts and styles: those are built with npm
// in Gitea's own release process and are not in its Go module.
package gitea

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"text/template"

	"github.com/superkube/super-kubenetes/internal/dev/process"
)

const (
	// DefaultPort is Gitea's usual HTTP port.
	DefaultPort = 3000
	// Binary is the program in $GITEA_BIN_DIR.
	Binary = "gitea"
	// BinDirEnv names the folder make tools builds Gitea into.
	BinDirEnv = "GITEA_BIN_DIR"
	// AdminUser is the administrator Prepare makes.
	AdminUser = "superkube"
	// AdminEmail is its e-mail address.
	AdminEmail = "superkube@gitea.localhost"
)

// Config says which Gitea runs, where and how.
type Config struct {
	// Path is the program; empty looks in $GITEA_BIN_DIR, then in $PATH.
	Path string
	// Port serves HTTP on 127.0.0.1.
	Port int
	// DataDir keeps app.ini, the database, the repositories and the
	// administrator's password.
	DataDir string
}

// URL is where Gitea answers (its API is under /api/v1).
func (c *Config) URL() string { return "http://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(c.Port)) }

// LookPath returns the program to run.
func (c *Config) LookPath() (string, error) {
	if c.Path != "" {
		return c.Path, nil
	}
	if dir := os.Getenv(BinDirEnv); dir != "" {
		p := filepath.Join(dir, Binary)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	p, err := exec.LookPath(Binary)
	if err != nil {
		return "", errors.New(Binary + " is not built: run make tools (it builds Gitea into the tools cache)")
	}
	return p, nil
}

// ConfigFile is Gitea's app.ini in the data folder.
func ConfigFile(dataDir string) string { return filepath.Join(dataDir, "app.ini") }

// PasswordFile keeps the administrator's password (mode 0600).
func PasswordFile(dataDir string) string { return filepath.Join(dataDir, "admin-password") }

// URLFile is where ke-dev writes Gitea's URL, for the platform's
// configuration and the tests.
func URLFile(dataDir string) string { return filepath.Join(dataDir, "url") }

// secretsFile keeps the keys app.ini names, the same on every start.
func secretsFile(dataDir string) string { return filepath.Join(dataDir, "secrets") }

// Args are the flags that point any gitea command at the data folder.
func Args(dataDir string, command ...string) []string {
	return append(command, "--config", ConfigFile(dataDir), "--work-path", dataDir)
}

var appIni = template.Must(template.New("app.ini").Parse(`; Written by Super Kubenetes on each start; edits are lost.
APP_NAME = Super Kubenetes Git
RUN_MODE = prod
WORK_PATH = {{.Dir}}
{{- if .Root}}
I_AM_BEING_UNSAFE_RUNNING_AS_ROOT = true
{{- end}}

[server]
PROTOCOL = http
HTTP_ADDR = 127.0.0.1
HTTP_PORT = {{.Port}}
DOMAIN = 127.0.0.1
ROOT_URL = {{.URL}}/
APP_DATA_PATH = {{.Dir}}/data
OFFLINE_MODE = true
DISABLE_SSH = true
START_SSH_SERVER = false
LFS_START_SERVER = false

[database]
DB_TYPE = sqlite3
PATH = {{.Dir}}/data/gitea.db
SQLITE_JOURNAL_MODE = WAL

[repository]
ROOT = {{.Dir}}/repositories
DEFAULT_BRANCH = main

[security]
INSTALL_LOCK = true
SECRET_KEY = {{.SecretKey}}
INTERNAL_TOKEN = {{.InternalToken}}

[oauth2]
ENABLED = false

[service]
DISABLE_REGISTRATION = true
NO_REPLY_ADDRESS = noreply.gitea.localhost

[webhook]
; The platform, and the tests' receivers, listen on loopback.
ALLOWED_HOST_LIST = *
SKIP_TLS_VERIFY = true
DELIVER_TIMEOUT = 10

[mailer]
ENABLED = false

[actions]
ENABLED = false

[packages]
ENABLED = false

[cron.update_checker]
ENABLED = false

[picture]
DISABLE_GRAVATAR = true

[log]
MODE = console
LEVEL = Warn
ROOT_PATH = {{.Dir}}/log
`))

// WriteConfig writes app.ini for cfg's port and folder, with the keys kept
// in the folder (made on the first call).
func WriteConfig(cfg *Config) error {
	dir, err := filepath.Abs(cfg.DataDir)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o700); err != nil {
		return err
	}
	secrets, err := keepSecrets(secretsFile(dir))
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if err := appIni.Execute(&b, map[string]any{
		"Dir": filepath.ToSlash(dir), "Port": cfg.Port, "URL": cfg.URL(), "Root": os.Geteuid() == 0,
		"SecretKey": secrets[0], "InternalToken": secrets[1],
	}); err != nil {
		return err
	}
	return os.WriteFile(ConfigFile(dir), b.Bytes(), 0o600)
}

// keepSecrets returns the two keys in file, which it makes unless it
// exists.
func keepSecrets(file string) ([2]string, error) {
	var out [2]string
	if b, err := os.ReadFile(file); err == nil {
		f := strings.Fields(string(b))
		if len(f) == 2 {
			copy(out[:], f)
			return out, nil
		}
	}
	for i := range out {
		out[i] = randomHex(32)
	}
	return out, os.WriteFile(file, []byte(out[0]+"\n"+out[1]+"\n"), 0o600)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}

// Prepare brings the database up to date and makes the administrator
// (AdminUser) with the password kept in PasswordFile, generated on the
// first call; a later call sets that password again, so the file always
// logs in. Run it while Gitea is stopped (before Start). It returns the
// password.
func Prepare(ctx context.Context, path string, cfg *Config) (string, error) {
	dir := cfg.DataDir
	if _, err := run(ctx, path, Args(dir, "migrate")...); err != nil {
		return "", err
	}
	password, err := adminPassword(PasswordFile(dir))
	if err != nil {
		return "", err
	}
	out, err := run(ctx, path, Args(dir, "admin", "user", "create", "--admin", "--username", AdminUser,
		"--password", password, "--email", AdminEmail, "--must-change-password=false")...)
	if err == nil {
		return password, nil
	}
	if !strings.Contains(out, "already exists") {
		return "", err
	}
	_, err = run(ctx, path, Args(dir, "admin", "user", "change-password", "--username", AdminUser,
		"--password", password, "--must-change-password=false")...)
	return password, err
}

// adminPassword reads the password in file, or writes a new one there.
func adminPassword(file string) (string, error) {
	if b, err := os.ReadFile(file); err == nil && len(bytes.TrimSpace(b)) > 0 {
		return string(bytes.TrimSpace(b)), nil
	}
	p := randomHex(16)
	return p, os.WriteFile(file, []byte(p+"\n"), 0o600)
}

// run runs a gitea command and returns its output; the error carries it
// (never the arguments, which may hold a password).
func run(ctx context.Context, path string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, path, args...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("gitea %s: %w: %s", args[0], err, strings.TrimSpace(string(out)))
	}
	return string(out), nil
}

// Launcher starts a supervised program (cluster.Cluster does).
type Launcher interface {
	Launch(ctx context.Context, name, path string, args []string, ready func(context.Context) error) error
}

// Start writes app.ini, prepares the database and the administrator, and
// runs Gitea until the cluster stops. It returns the administrator's
// password.
func Start(ctx context.Context, l Launcher, cfg *Config) (string, error) {
	path, err := cfg.LookPath()
	if err != nil {
		return "", err
	}
	if cfg.DataDir, err = filepath.Abs(cfg.DataDir); err != nil {
		return "", err
	}
	if err := WriteConfig(cfg); err != nil {
		return "", err
	}
	password, err := Prepare(ctx, path, cfg)
	if err != nil {
		return "", err
	}
	ready := cfg.URL() + "/api/v1/version"
	err = l.Launch(ctx, "gitea", path, Args(cfg.DataDir, "web"), func(ctx context.Context) error {
		return process.HTTPOK(ctx, ready, nil)
	})
	return password, err
}
