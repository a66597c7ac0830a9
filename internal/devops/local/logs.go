package local

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/types"

	"github.com/superkube/super-kubenetes/internal/devops/engine"
)

// Logs keeps step logs as files under Dir:
// <dir>/<namespace>/<run>/logs/<stage>/<step>.log, with a ".done" file
// next to a finished one.
type Logs struct {
	Dir string
	// Poll is how often a followed log is read again (default 250ms).
	Poll time.Duration
}

// stageDir escapes a stage's status name ("build" or "test/unit").
func stageDir(stage string) string { return strings.ReplaceAll(stage, "/", "__") }

func (l *Logs) path(run types.NamespacedName, stage, step string) string {
	return filepath.Join(RunDir(l.Dir, run), "logs", stageDir(stage), step+".log")
}

// RunDir is a run's folder.
func RunDir(root string, run types.NamespacedName) string {
	return filepath.Join(root, run.Namespace, run.Name)
}

// Create opens a step's log for appending.
func (l *Logs) Create(run *engine.Run, stage, step string) (io.WriteCloser, error) {
	p := l.path(run.Key, stage, step)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return nil, err
	}
	_ = os.Remove(p + ".done")
	f, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	return &logFile{File: f, done: p + ".done"}, nil
}

type logFile struct {
	*os.File
	done string
}

func (f *logFile) Close() error {
	err := f.File.Close()
	if werr := os.WriteFile(f.done, nil, 0o600); err == nil {
		err = werr
	}
	return err
}

// Open reads a step's log; with follow, it reads on until the step ends
// or ctx ends.
func (l *Logs) Open(ctx context.Context, run types.NamespacedName, stage, step string, follow bool) (io.ReadCloser, error) {
	p := l.path(run, stage, step)
	f, err := os.Open(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, engine.ErrNoLog
	}
	if err != nil {
		return nil, err
	}
	if !follow {
		return f, nil
	}
	poll := l.Poll
	if poll <= 0 {
		poll = 250 * time.Millisecond
	}
	return &follower{ctx: ctx, f: f, done: p + ".done", poll: poll}, nil
}

// follower reads a growing file until its done marker appears.
type follower struct {
	ctx  context.Context
	f    *os.File
	done string
	poll time.Duration
}

func (r *follower) Read(p []byte) (int, error) {
	for {
		n, err := r.f.Read(p)
		if n > 0 || (err != nil && !errors.Is(err, io.EOF)) {
			return n, err
		}
		if _, serr := os.Stat(r.done); serr == nil {
			// Finished: read what was written before the marker.
			if n, _ := r.f.Read(p); n > 0 {
				return n, nil
			}
			return 0, io.EOF
		}
		select {
		case <-r.ctx.Done():
			return 0, io.EOF
		case <-time.After(r.poll):
		}
	}
}

func (r *follower) Close() error { return r.f.Close() }
