package local

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/superkube/super-kubenetes/internal/devops/runner"
)

// defaultPassEnv are the controller's variables every step gets.
var defaultPassEnv = []string{"PATH", "LANG", "GOCACHE", "GOMODCACHE", "GOPATH", "GOPROXY", "GONOSUMDB", "GONOSUMCHECK", "GOFLAGS", "GOTOOLCHAIN", "GOSUMDB", "GOPRIVATE", "SSL_CERT_FILE"}

// baseEnv is the environment of a step's process.
func (s *steps) baseEnv(st *runner.Step) []string {
	pass := s.e.PassEnv
	if pass == nil {
		pass = defaultPassEnv
	}
	env := []string{"HOME=" + filepath.Join(s.dir, "home"), "WORKSPACE=" + s.workspace(), "CI=true"}
	for _, k := range pass {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	// The Go caches stay shared with the controller's user, so that a
	// step's go build is not a cold one.
	if _, ok := os.LookupEnv("GOCACHE"); !ok {
		if d, err := os.UserCacheDir(); err == nil {
			env = append(env, "GOCACHE="+filepath.Join(d, "go-build"))
		}
	}
	if _, ok := os.LookupEnv("GOMODCACHE"); !ok {
		if _, ok := os.LookupEnv("GOPATH"); !ok {
			if h, err := os.UserHomeDir(); err == nil {
				env = append(env, "GOMODCACHE="+filepath.Join(h, "go", "pkg", "mod"))
			}
		}
	}
	return append(env, st.Env...)
}

// command prepares a process in its own process group, with limits, that
// is killed with its group when ctx ends.
func (s *steps) command(ctx context.Context, st *runner.Step, dir string, extraEnv []string, name string, args ...string) *exec.Cmd {
	cpu, files := s.e.CPUSeconds, s.e.OpenFiles
	if cpu <= 0 {
		cpu = 600
	}
	if files <= 0 {
		files = 4096
	}
	// bash applies the limits, then becomes the program.
	limited := append([]string{"-c", `ulimit -t "$1" -n "$2" 2>/dev/null; shift 2; exec "$@"`, "limits", strconv.Itoa(cpu), strconv.Itoa(files), name}, args...)
	cmd := exec.CommandContext(ctx, "bash", limited...)
	cmd.Dir = dir
	cmd.Env = append(s.baseEnv(st), extraEnv...)
	cmd.Stdout, cmd.Stderr = st.Log, st.Log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		// The whole group: a step's children go with it.
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

// run runs cmd; a non-zero exit is an error with the exit code.
func run(ctx context.Context, cmd *exec.Cmd) (*int32, error) {
	err := cmd.Run()
	if cmd.Process != nil {
		// Whatever the step left running in its group goes too.
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		code := int32(exit.ExitCode()) //nolint:gosec // G115: exit codes are 0-255 or -1.
		if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return &code, fmt.Errorf("killed by signal %s", ws.Signal())
		}
		return &code, fmt.Errorf("exit status %d", code)
	}
	if err != nil {
		return nil, err
	}
	zero := int32(0)
	return &zero, nil
}

func (s *steps) shell(ctx context.Context, st *runner.Step, script string) (runner.Result, error) {
	scripts := filepath.Join(s.dir, "scripts")
	if err := os.MkdirAll(scripts, 0o700); err != nil {
		return runner.Result{}, err
	}
	file := filepath.Join(scripts, stageDir(st.Stage)+"--"+st.Name+".sh")
	if err := os.WriteFile(file, []byte(script+"\n"), 0o600); err != nil {
		return runner.Result{}, err
	}
	code, err := run(ctx, s.command(ctx, st, s.workspace(), nil, "bash", "-e", file))
	return runner.Result{ExitCode: code}, err
}
