package cluster

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/superkube/super-kubenetes/internal/dev/process"
)

// Down stops a running local cluster: it asks the supervising ke-dev to stop
// and then stops any process of the cluster that is still recorded as running.
func Down(cfg *Config, out io.Writer) error {
	stopped := false
	if pid := process.ReadPid(cfg.PidFile()); pid != 0 && pid != os.Getpid() && process.Alive(pid) {
		fmt.Fprintf(out, "Stopping %s (ke-dev pid %d) ...\n", cfg.name(), pid)
		if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
			return fmt.Errorf("signalling ke-dev (pid %d): %w", pid, err)
		}
		deadline := time.Now().Add(2 * time.Minute)
		for process.Alive(pid) && time.Now().Before(deadline) {
			time.Sleep(100 * time.Millisecond)
		}
		if process.Alive(pid) {
			return fmt.Errorf("ke-dev (pid %d) did not stop within 2 minutes", pid)
		}
		stopped = true
	}
	if stale := process.KillStale(cfg.RunDir(), stopGrace); len(stale) > 0 {
		fmt.Fprintf(out, "Stopped %s\n", strings.Join(stale, ", "))
		stopped = true
	}
	_ = os.Remove(cfg.PidFile())
	_ = os.Remove(cfg.ReadyFile())
	if stopped {
		fmt.Fprintln(out, cfg.title()+" is stopped; its data is kept in "+cfg.DataDir)
	} else {
		fmt.Fprintln(out, cfg.title()+" is not running")
	}
	return nil
}

// Reset stops the local cluster and deletes its data folder.
func Reset(cfg *Config, out io.Writer) error {
	if err := Down(cfg, out); err != nil {
		return err
	}
	return Remove(cfg, out)
}

// Remove deletes the data folder of a stopped local cluster.
func Remove(cfg *Config, out io.Writer) error {
	abs, err := filepath.Abs(cfg.DataDir)
	if err != nil {
		return err
	}
	entries, err := os.ReadDir(abs)
	if os.IsNotExist(err) {
		fmt.Fprintln(out, "Nothing to reset: "+abs+" does not exist")
		return nil
	}
	if err != nil {
		return err
	}
	// Refuse to wipe a folder that is not a local cluster's, in case the
	// data folder was mistyped.
	if len(entries) > 0 {
		if _, err := os.Stat(filepath.Join(abs, "pki", "ca.crt")); err != nil {
			return fmt.Errorf("refusing to delete %s: it does not look like a local cluster's data folder (no pki/ca.crt)", abs)
		}
	}
	if err := os.RemoveAll(abs); err != nil {
		return err
	}
	fmt.Fprintln(out, "Deleted "+abs)
	return nil
}
