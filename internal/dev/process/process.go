// Package process starts and stops the programs of the local cluster: each in
// its own process group with its output in a log file, stopped with SIGTERM
// and, after a grace period, SIGKILL.
package process

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Spec describes a program to start.
type Spec struct {
	// Name identifies the process in messages, log and pid file names.
	Name string
	Path string
	Args []string
	Env  []string
	Dir  string
}

// Process is a started program.
type Process struct {
	Spec    Spec
	LogFile string
	cmd     *exec.Cmd
	done    chan struct{}
	mu      sync.Mutex
	err     error
	pidFile string
}

// CheckBinary returns a one-line error when path is not an executable file.
func CheckBinary(name, path, hint string) error {
	st, err := os.Stat(path)
	if err != nil || st.IsDir() || st.Mode()&0o111 == 0 {
		return fmt.Errorf("%s binary not found at %s (%s)", name, path, hint)
	}
	return nil
}

// Start runs spec with stdout and stderr appended to logDir/<name>.log, and
// records its pid in pidDir/<name>.pid so that a later `down` can stop it
// even when its parent is gone.
func Start(spec Spec, logDir, pidDir string) (*Process, error) {
	if err := os.MkdirAll(logDir, 0o755); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(pidDir, 0o755); err != nil {
		return nil, err
	}
	logFile := filepath.Join(logDir, spec.Name+".log")
	out, err := os.OpenFile(logFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(out, "\n===== %s starting %s %s\n", time.Now().Format(time.RFC3339), spec.Path, strings.Join(spec.Args, " "))
	cmd := exec.Command(spec.Path, spec.Args...)
	cmd.Stdout = out
	cmd.Stderr = out
	cmd.Dir = spec.Dir
	cmd.Env = append(os.Environ(), spec.Env...)
	// A process group of its own keeps a terminal's Ctrl-C away from the
	// child, so that the parent stops the children in order; Pdeathsig stops
	// the child if the parent dies without cleaning up.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		out.Close()
		return nil, fmt.Errorf("starting %s: %w", spec.Name, err)
	}
	p := &Process{Spec: spec, LogFile: logFile, cmd: cmd, done: make(chan struct{}), pidFile: filepath.Join(pidDir, spec.Name+".pid")}
	_ = os.WriteFile(p.pidFile, []byte(strconv.Itoa(cmd.Process.Pid)), 0o644)
	go func() {
		err := cmd.Wait()
		out.Close()
		p.mu.Lock()
		p.err = err
		p.mu.Unlock()
		close(p.done)
	}()
	return p, nil
}

// Pid returns the process id.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Done is closed when the process has exited.
func (p *Process) Done() <-chan struct{} { return p.done }

// Log is the process's log file.
func (p *Process) Log() string { return p.LogFile }

// ExitStatus says briefly how the process ended, for example "signal: killed".
func (p *Process) ExitStatus() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.err != nil {
		return p.err.Error()
	}
	return "exit status 0"
}

// ExitError describes how the process ended, with the last lines of its log.
func (p *Process) ExitError() error {
	return fmt.Errorf("%s stopped unexpectedly (%s); last lines of %s:\n%s", p.Spec.Name, p.ExitStatus(), p.LogFile, Tail(p.LogFile, 8))
}

// Stop sends SIGTERM to the process group and waits up to grace before
// sending SIGKILL.
func (p *Process) Stop(grace time.Duration) {
	defer os.Remove(p.pidFile)
	select {
	case <-p.done:
		return
	default:
	}
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(grace):
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
	}
}

// Tail returns the last n lines of a file.
func Tail(name string, n int) string {
	f, err := os.Open(name)
	if err != nil {
		return ""
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if len(lines) > n {
			lines = lines[1:]
		}
	}
	return strings.Join(lines, "\n")
}

// Alive reports whether a process with the pid exists.
func Alive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// ReadPid reads a pid file; it returns 0 when the file is missing or invalid.
func ReadPid(name string) int {
	data, err := os.ReadFile(name)
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		return 0
	}
	return pid
}

// KillStale stops every process recorded in pidDir that is still running:
// the leftovers of a parent that was killed before it could clean up.
// It returns the names of the processes it stopped.
func KillStale(pidDir string, grace time.Duration) []string {
	entries, err := os.ReadDir(pidDir)
	if err != nil {
		return nil
	}
	var stopped []string
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".pid") {
			continue
		}
		file := filepath.Join(pidDir, e.Name())
		pid := ReadPid(file)
		if Alive(pid) && isOurs(pid, pidDir) {
			_ = syscall.Kill(-pid, syscall.SIGTERM)
			_ = syscall.Kill(pid, syscall.SIGTERM)
			deadline := time.Now().Add(grace)
			for Alive(pid) && time.Now().Before(deadline) {
				time.Sleep(100 * time.Millisecond)
			}
			if Alive(pid) {
				_ = syscall.Kill(-pid, syscall.SIGKILL)
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
			stopped = append(stopped, strings.TrimSuffix(e.Name(), ".pid"))
		}
		os.Remove(file)
	}
	return stopped
}

// isOurs guards against a recycled pid: the process must have been started
// with an argument that names the data folder the pid file lives in.
func isOurs(pid int, pidDir string) bool {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return false
	}
	root := filepath.Dir(pidDir)
	return strings.Contains(string(data), root)
}
