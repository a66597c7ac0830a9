// Package victorialogs runs VictoriaLogs, the log store of the local
// cluster: the binary built into the tools cache (make tools), its data in
// the cluster's data folder, listening on loopback.
package victorialogs

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"github.com/superkube/super-kubenetes/internal/dev/process"
	"github.com/superkube/super-kubenetes/internal/logging/logsql"
)

// Defaults for a laptop: records for as long as the longest kind is kept
// (audit, 90 days: ke-controller-manager deletes the other kinds sooner),
// at most 1 GB on disk.
const (
	DefaultPort          = 9428
	DefaultRetention     = 90 * 24 * time.Hour
	DefaultRetentionSize = "1GB"
	// Binary is the store's program in VICTORIALOGS_BIN_DIR.
	Binary = "victoria-logs"
)

// Config says which VictoriaLogs runs, where and how.
type Config struct {
	// Path is the victoria-logs binary; empty looks in
	// $VICTORIALOGS_BIN_DIR, then in $PATH.
	Path string
	Port int
	// DataDir keeps the store.
	DataDir       string
	Retention     time.Duration
	RetentionSize string
}

// URL is where VictoriaLogs answers.
func (c *Config) URL() string { return "http://127.0.0.1:" + strconv.Itoa(c.Port) }

// LookPath returns the binary to run.
func (c *Config) LookPath() (string, error) { return lookBinary(c.Path, Binary) }

// lookBinary returns path when set, else name in $VICTORIALOGS_BIN_DIR,
// else name in $PATH.
func lookBinary(path, name string) (string, error) {
	if path != "" {
		return path, nil
	}
	if dir := os.Getenv("VICTORIALOGS_BIN_DIR"); dir != "" {
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	p, err := exec.LookPath(name)
	if err != nil {
		return "", errors.New(name + " is not built: run make tools (it builds VictoriaLogs into the tools cache)")
	}
	return p, nil
}

// Args are victoria-logs' flags.
func (c *Config) Args() []string {
	retention := c.Retention
	if retention <= 0 {
		retention = DefaultRetention
	}
	size := c.RetentionSize
	if size == "" {
		size = DefaultRetentionSize
	}
	return []string{
		"-storageDataPath=" + filepath.Join(c.DataDir, "data"),
		"-httpListenAddr=127.0.0.1:" + strconv.Itoa(c.Port),
		"-retentionPeriod=" + strconv.Itoa(int(retention/time.Hour)) + "h",
		"-retention.maxDiskSpaceUsageBytes=" + size,
		// ke-controller-manager deletes each kind past its own retention.
		"-delete.enable",
		// A search's scope names each namespace of the caller.
		"-search.maxQueryLen=" + strconv.Itoa(logsql.MaxQueryLen),
		"-loggerLevel=WARN",
	}
}

// Launcher starts a supervised program (cluster.Cluster does).
type Launcher interface {
	Launch(ctx context.Context, name, path string, args []string, ready func(context.Context) error) error
}

// Start runs VictoriaLogs until the cluster stops.
func Start(ctx context.Context, l Launcher, cfg *Config) error {
	path, err := cfg.LookPath()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return err
	}
	health := cfg.URL() + "/health"
	return l.Launch(ctx, "victoria-logs", path, cfg.Args(), func(ctx context.Context) error { return process.HTTPOK(ctx, health, nil) })
}

// URLFile is where ke-dev writes the store's URL, in its data folder, for
// the tests and the platform's configuration.
func URLFile(dataDir string) string { return filepath.Join(dataDir, "url") }
