// Package testproc runs a real program for a test (Prometheus,
// Alertmanager, Mailpit …): in a folder of its own, its output in
// <folder>/<name>.log, killed when the test process dies, and waited for
// until it says it is ready. Stop kills it and removes the folder, once.
package testproc

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"time"
)

// ReadyTimeout bounds the wait for a program to be ready.
const ReadyTimeout = 30 * time.Second

// Attempt is one start of a program: its flags and the check that it is
// ready (nil once it is). An Attempt usually picks free ports, which
// another process may take before the program binds them, so Start makes
// a few.
type Attempt func() (args []string, ready func() error, err error)

// Process is a running program.
type Process struct {
	// Dir is its folder.
	Dir    string
	cmd    *exec.Cmd
	exited chan struct{}
	stop   sync.Once
}

// Start runs the program at path in dir (which Stop removes, as does a
// Start that fails), up to three attempts. An attempt fails when the
// program exits or is not ready within ReadyTimeout; its error carries the
// program's log.
func Start(name, path, dir string, attempt Attempt) (*Process, error) {
	var errs []error
	for range 3 {
		p, err := start(name, path, dir, attempt)
		if err == nil {
			return p, nil
		}
		errs = append(errs, err)
	}
	_ = os.RemoveAll(dir)
	return nil, fmt.Errorf("starting %s: %w", path, errors.Join(errs...))
}

func start(name, path, dir string, attempt Attempt) (*Process, error) {
	args, ready, err := attempt()
	if err != nil {
		return nil, err
	}
	logPath := filepath.Join(dir, name+".log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer func() { _ = logFile.Close() }()
	cmd := exec.Command(path, args...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &Process{Dir: dir, cmd: cmd, exited: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		close(p.exited)
	}()
	if err := p.waitReady(ready); err != nil {
		_ = cmd.Process.Kill()
		<-p.exited
		log, _ := os.ReadFile(logPath)
		return nil, fmt.Errorf("%w; its log:\n%s", err, log)
	}
	return p, nil
}

func (p *Process) waitReady(ready func() error) error {
	deadline := time.Now().Add(ReadyTimeout)
	for {
		err := ready()
		if err == nil {
			return nil
		}
		select {
		case <-p.exited:
			return fmt.Errorf("exited before it was ready: %s", p.cmd.ProcessState)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not ready within %s: %w", ReadyTimeout, err)
		}
	}
}

// HTTPReady is a readiness check: url answers 200.
func HTTPReady(url string) func() error {
	c := &http.Client{Timeout: time.Second}
	return func() error {
		resp, err := c.Get(url) //nolint:noctx // a loopback readiness check, bounded by the client's timeout
		if err != nil {
			return err
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("%s: %s", url, resp.Status)
		}
		return nil
	}
}

// PID is the program's process id.
func (p *Process) PID() int { return p.cmd.Process.Pid }

// Stop kills the program and removes its folder; it may be called more
// than once.
func (p *Process) Stop() {
	p.stop.Do(func() {
		_ = p.cmd.Process.Kill()
		<-p.exited
		_ = os.RemoveAll(p.Dir)
	})
}
