package envtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"k8s.io/client-go/rest"
)

// Faults of kube-apiserver for tests of outages: the process is stopped
// (SIGSTOP, it hangs), killed and started again with the same flags,
// certificates and etcd, as a crash and a restart would do it. Linux only:
// the process is found through /proc.

// PauseAPIServer stops the kube-apiserver process (SIGSTOP): connections
// stay open and nothing answers. ResumeAPIServer undoes it; Stop resumes it
// too.
func (e *Environment) PauseAPIServer() error {
	pid, err := e.apiServerPID()
	if err != nil {
		return err
	}
	e.paused = pid
	return syscall.Kill(pid, syscall.SIGSTOP)
}

// ResumeAPIServer continues a paused kube-apiserver (SIGCONT).
func (e *Environment) ResumeAPIServer() error {
	if e.paused == 0 {
		return nil
	}
	pid := e.paused
	e.paused = 0
	return syscall.Kill(pid, syscall.SIGCONT)
}

// KillAPIServer kills kube-apiserver (SIGKILL) and waits until it is gone;
// StartAPIServer starts it again.
func (e *Environment) KillAPIServer() error {
	pid, err := e.apiServerPID()
	if err != nil {
		return err
	}
	if e.apiArgs == nil {
		if e.apiArgs, err = cmdline(pid); err != nil {
			return err
		}
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		return err
	}
	if e.restarted != nil && e.restarted.Process.Pid == pid {
		_ = e.restarted.Wait()
		e.restarted = nil
	}
	deadline := time.Now().Add(20 * time.Second)
	for processAlive(pid) {
		if time.Now().After(deadline) {
			return fmt.Errorf("kube-apiserver (pid %d) did not exit", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return nil
}

// StartAPIServer starts kube-apiserver again after KillAPIServer, with the
// flags it had, and returns without waiting for it (WaitAPIServerReady
// does). Its output goes to a file in its certificate folder.
func (e *Environment) StartAPIServer() error {
	if e.apiArgs == nil {
		return errors.New("kube-apiserver was not killed")
	}
	if e.restarted != nil {
		return errors.New("kube-apiserver is running")
	}
	cmd := exec.Command(e.apiArgs[0], e.apiArgs[1:]...)
	log, err := os.OpenFile(filepath.Join(e.env.ControlPlane.APIServer.CertDir, "kube-apiserver-restarted.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer log.Close()
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting kube-apiserver again: %w", err)
	}
	e.restarted = cmd
	return nil
}

// WaitAPIServerReady waits until kube-apiserver's /readyz answers ok.
func (e *Environment) WaitAPIServerReady(ctx context.Context) error {
	c, err := rest.HTTPClientFor(e.Config)
	if err != nil {
		return err
	}
	c.Timeout = 2 * time.Second
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(e.Config.Host, "/")+"/readyz", nil)
		if err != nil {
			return err
		}
		if resp, err := c.Do(req); err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("kube-apiserver did not become ready: %w", ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// stopRestarted ends what the faults left: a paused process continues, and
// a kube-apiserver started again is stopped (envtest stops only the one it
// started).
func (e *Environment) stopRestarted() {
	_ = e.ResumeAPIServer()
	if e.restarted != nil {
		_ = e.restarted.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = e.restarted.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			_ = e.restarted.Process.Kill()
			<-done
		}
		e.restarted = nil
	}
}

// apiServerPID finds the running kube-apiserver of this environment: the
// process started with its certificate folder.
func (e *Environment) apiServerPID() (int, error) {
	if e.restarted != nil {
		return e.restarted.Process.Pid, nil
	}
	dir := e.env.ControlPlane.APIServer.CertDir
	if dir == "" {
		return 0, errors.New("kube-apiserver has no certificate folder")
	}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0, err
	}
	for _, d := range entries {
		pid, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		args, err := cmdline(pid)
		if err != nil || len(args) == 0 || filepath.Base(args[0]) != "kube-apiserver" {
			continue
		}
		for _, a := range args[1:] {
			if a == "--cert-dir="+dir {
				return pid, nil
			}
		}
	}
	return 0, fmt.Errorf("no kube-apiserver process with --cert-dir=%s", dir)
}

func cmdline(pid int) ([]string, error) {
	data, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "cmdline"))
	if err != nil {
		return nil, err
	}
	var out []string
	for _, a := range bytes.Split(bytes.TrimRight(data, "\x00"), []byte{0}) {
		out = append(out, string(a))
	}
	return out, nil
}

// processAlive reports whether pid is a process that has not exited (a
// zombie has).
func processAlive(pid int) bool {
	data, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return false
	}
	// The state follows the command name in parentheses.
	if i := bytes.LastIndexByte(data, ')'); i >= 0 && i+2 < len(data) {
		return data[i+2] != 'Z' && data[i+2] != 'X'
	}
	return true
}
