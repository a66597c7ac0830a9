package jenkins

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

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

// BuildLog reads the console log of the build at buildURL (a run's
// status.externalID, "<root>/job/<job>/<n>/") without the run's state:
// ke-apiserver serves the logs of runs another process executes with it.
// The log is masked with secrets (the caller masks again on the way out).
// A build URL that is not one of this Jenkins' builds is refused.
func (e *Engine) BuildLog(ctx context.Context, buildURL string, secrets [][]byte, follow bool) (io.ReadCloser, error) {
	job, n, err := e.parseBuildURL(buildURL)
	if err != nil {
		return nil, err
	}
	lctx, cancel := context.WithCancel(ctx)
	pr, pw := io.Pipe()
	go func() {
		pw.CloseWithError(e.streamLog(lctx, job, n, mask.New(secrets), pw, follow))
	}()
	return &logReader{PipeReader: pr, cancel: cancel}, nil
}

// parseBuildURL finds the job and build number of one of this Jenkins'
// build URLs.
func (e *Engine) parseBuildURL(buildURL string) (string, int64, error) {
	u, err := url.Parse(buildURL)
	if err != nil || buildURL == "" {
		return "", 0, fmt.Errorf("the run has no Jenkins build (%q)", buildURL)
	}
	root, err := url.Parse(e.cfg.URL)
	if err != nil {
		return "", 0, err
	}
	rest, ok := strings.CutPrefix(u.EscapedPath(), strings.TrimSuffix(root.EscapedPath(), "/")+"/job/")
	if !ok || u.Host != root.Host {
		return "", 0, fmt.Errorf("%s is not a build of %s", buildURL, e.cfg.URL)
	}
	parts := strings.Split(strings.Trim(rest, "/"), "/")
	if len(parts) != 2 {
		return "", 0, fmt.Errorf("%s is not a build URL", buildURL)
	}
	job, err := url.PathUnescape(parts[0])
	if err != nil {
		return "", 0, err
	}
	n, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil || n <= 0 {
		return "", 0, fmt.Errorf("%s is not a build URL", buildURL)
	}
	return job, n, nil
}
