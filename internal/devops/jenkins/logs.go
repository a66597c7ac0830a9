package jenkins

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"k8s.io/apimachinery/pkg/types"

	"github.com/superkube/super-kubenetes/internal/devops/engine"
	"github.com/superkube/super-kubenetes/internal/devops/mask"
)

// Logs reads the log of a step of a run this engine executes or executed.
//
// Jenkins keeps one console log per build, and its stages do not map one
// to one to the platform's steps (a step's wrappers, withCredentials or
// retry, are nodes of their own), so every step of a run reads the whole
// build's log: /logText/progressiveText from the start, followed while
// Jenkins answers X-More-Data: true. It is masked with the run's
// credential values (and their base64 forms) before a byte is returned.
//
// The engine keeps each run's build and masker in memory from Execute until
// Forget: a run it does not know (another replica's, or one from before a
// restart) has ErrNoLog, since without the run's credentials its log
// cannot be masked.
func (e *Engine) Logs(ctx context.Context, run types.NamespacedName, stage, step string, follow bool) (io.ReadCloser, error) {
	e.mu.Lock()
	t := e.runs[run]
	e.mu.Unlock()
	if t == nil {
		return nil, engine.ErrNoLog
	}
	if !hasStep(layoutOf(t.def), stage, step) {
		return nil, fmt.Errorf("the run %s has no step %q in the stage %q", run, step, stage)
	}
	n, _ := t.build()
	if n == 0 {
		return nil, engine.ErrNoLog
	}
	lctx, cancel := context.WithCancel(ctx)
	pr, pw := io.Pipe()
	go func() {
		pw.CloseWithError(e.streamLog(lctx, t.job, n, t.masker, pw, follow))
	}()
	return &logReader{PipeReader: pr, cancel: cancel}, nil
}

func hasStep(layout []stageEntry, stage, step string) bool {
	for _, s := range layout {
		if s.name != stage {
			continue
		}
		for _, st := range s.steps {
			if st.name == step {
				return true
			}
		}
	}
	return false
}

type logReader struct {
	*io.PipeReader
	cancel context.CancelFunc
}

func (r *logReader) Close() error {
	r.cancel()
	return r.PipeReader.Close()
}

// streamLog copies the build's log to w through the masker.
func (e *Engine) streamLog(ctx context.Context, job string, n int64, m *mask.Masker, w io.Writer, follow bool) error {
	mw := m.Writer(w)
	path := buildPath(job, n) + "/logText/progressiveText"
	var start int64
	failures := 0
	for {
		more, next, err := e.logChunk(ctx, path, start, mw)
		start = next
		switch {
		case err == nil:
			failures = 0
			if !more {
				return mw.Close()
			}
			if !follow {
				// The build still writes: its unfinished last line,
				// which may end in part of a secret, is held back.
				return nil
			}
		case transient(err) && ctx.Err() == nil:
			failures++
			if failures >= e.cfg.MaxFailures {
				_ = mw.Close()
				return fmt.Errorf("jenkins stopped answering while its log was read: %w", err)
			}
		default:
			_ = mw.Close()
			return err
		}
		if !sleep(ctx, e.cfg.LogPollInterval) {
			_ = mw.Close()
			return ctx.Err()
		}
	}
}

// logChunk reads the log from start; it returns whether Jenkins has more
// to come and the offset to read from next (X-Text-Size).
func (e *Engine) logChunk(ctx context.Context, path string, start int64, w io.Writer) (bool, int64, error) {
	resp, err := e.c.request(ctx, http.MethodGet, path, url.Values{"start": {strconv.FormatInt(start, 10)}}, nil, "")
	if err != nil {
		return false, start, err
	}
	defer func() { _ = resp.Body.Close() }()
	copied, err := io.Copy(w, resp.Body)
	next := start + copied
	if err != nil {
		// What was read is kept: the next read starts after it.
		return false, next, fmt.Errorf("reading Jenkins' log: %w", err)
	}
	if v, perr := strconv.ParseInt(resp.Header.Get("X-Text-Size"), 10, 64); perr == nil && v >= start {
		next = v
	}
	return resp.Header.Get("X-More-Data") == "true", next, nil
}
