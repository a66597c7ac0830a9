// Package mailpit runs Mailpit for the local cluster: an SMTP server that
// keeps every message it receives (it delivers none) and an HTTP API that
// lists and shows them, so that the platform's e-mail notifications can be
// read without a real mail server. The binary is built into the tools cache
// (make tools); its messages are kept in the cluster's data folder.
package mailpit

import (
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"

	"github.com/superkube/super-kubenetes/internal/dev/process"
)

const (
	// DefaultPort is the usual port of Mailpit's HTTP API.
	DefaultPort = 8025
	// DefaultSMTPPort is the usual port of Mailpit's SMTP server.
	DefaultSMTPPort = 1025
	// Binary is the program in $MAILPIT_BIN_DIR.
	Binary = "mailpit"
	// BinDirEnv names the folder make tools builds Mailpit into.
	BinDirEnv = "MAILPIT_BIN_DIR"
)

// Config says which Mailpit runs, where and how.
type Config struct {
	// Path is the program; empty looks in $MAILPIT_BIN_DIR, then in $PATH.
	Path string
	// Port serves the HTTP API (/api/v1); SMTPPort receives e-mail.
	Port, SMTPPort int
	// DataDir keeps the messages' database.
	DataDir string
}

// URL is where the HTTP API answers.
func (c *Config) URL() string { return "http://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(c.Port)) }

// SMTPAddr is the SMTP server's host:port.
func (c *Config) SMTPAddr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(c.SMTPPort)) }

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
		return "", errors.New(Binary + " is not built: run make tools (it builds Mailpit into the tools cache)")
	}
	return p, nil
}

// Args are Mailpit's flags for a data folder (empty: the messages live in
// a temporary database that Mailpit deletes when it stops).
func Args(httpAddr, smtpAddr, dataDir string) []string {
	args := []string{
		"--listen=" + httpAddr,
		"--smtp=" + smtpAddr,
		// Any user and password, or none, is accepted over plain SMTP, as a
		// sender configured for a real server would log in.
		"--smtp-auth-accept-any",
		"--smtp-auth-allow-insecure",
		// It would ask GitHub for a newer release.
		"--disable-version-check",
		"--quiet",
	}
	if dataDir != "" {
		args = append(args, "--database="+filepath.Join(dataDir, "mailpit.db"))
	}
	return args
}

// Launcher starts a supervised program (cluster.Cluster does).
type Launcher interface {
	Launch(ctx context.Context, name, path string, args []string, ready func(context.Context) error) error
}

// Start runs Mailpit until the cluster stops.
func Start(ctx context.Context, l Launcher, cfg *Config) error {
	path, err := cfg.LookPath()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return err
	}
	httpAddr := net.JoinHostPort("127.0.0.1", strconv.Itoa(cfg.Port))
	ready := cfg.URL() + "/readyz"
	return l.Launch(ctx, "mailpit", path, Args(httpAddr, cfg.SMTPAddr(), cfg.DataDir), func(ctx context.Context) error {
		return process.HTTPOK(ctx, ready, nil)
	})
}

// URLFile is where ke-dev writes the HTTP API's URL, in its data folder, for
// the platform's configuration and the tests.
func URLFile(dataDir string) string { return filepath.Join(dataDir, "url") }

// SMTPFile is where ke-dev writes the SMTP server's host:port, beside
// URLFile.
func SMTPFile(dataDir string) string { return filepath.Join(dataDir, "smtp") }
