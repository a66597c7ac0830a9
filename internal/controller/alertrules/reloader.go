package alertrules

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/go-logr/logr"
)

// Outcome is what became of a group's rules.
type Outcome int

// Outcomes.
const (
	// Pending: the file is written; Prometheus has not reloaded it yet.
	Pending Outcome = iota
	// Loaded: Prometheus reloaded with the file as it is.
	Loaded
	// Failed: Prometheus refused the file or did not answer; the message
	// says which. A refused file was put back as it was.
	Failed
)

// fileState is what the reloader knows of one rule file.
type fileState struct {
	key Key
	// want is the content the reconciler wants (nil: no file).
	want []byte
	// good is the content Prometheus was last seen to load (nil: no file);
	// loaded says a reload succeeded since good was written, in this
	// process (before the first, good is what the directory held).
	good   []byte
	loaded bool
	// failure is why the last reload with want failed.
	failure string
}

// Reloader owns the rules directory: the reconcilers say what each file
// should hold, and it writes the files and makes Prometheus reload, once
// for all the changes of a short while. A file that Prometheus refuses is
// put back as it last loaded, so that the other groups still load.
type Reloader struct {
	// Dir is the rules directory.
	Dir string
	// URL is Prometheus' base URL; POST <URL>/-/reload reloads it.
	URL string
	// Delay gathers the changes of this long into one reload (the reload
	// happens Delay after the last change, at most 4×Delay after the first).
	Delay time.Duration
	// Client makes the reload requests (a 60s timeout when nil).
	Client *http.Client
	Log    logr.Logger

	// notify is called for each group whose outcome changed (outside the lock).
	notify func(Key)

	mu      sync.Mutex
	files   map[string]*fileState
	pending map[string]bool
	kick    chan struct{}
	// retry is when to try again after Prometheus did not answer.
	retry time.Duration
}

// init reads the directory; it is called once, before the first Set.
func (r *Reloader) init() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.files != nil {
		return nil
	}
	r.files = map[string]*fileState{}
	r.pending = map[string]bool{}
	r.kick = make(chan struct{}, 1)
	if r.Delay <= 0 {
		r.Delay = 500 * time.Millisecond
	}
	if r.Client == nil {
		r.Client = &http.Client{Timeout: 60 * time.Second}
	}
	names, err := dir(r.Dir).list()
	if err != nil {
		return fmt.Errorf("reading the rules directory: %w", err)
	}
	for _, n := range names {
		b, err := dir(r.Dir).read(n)
		if err != nil {
			return err
		}
		k, _ := keyOf(n)
		r.files[n] = &fileState{key: k, want: b, good: b}
	}
	return nil
}

// Files lists the groups whose files are in the directory.
func (r *Reloader) Files() []Key {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Key
	for _, f := range r.files {
		if f.want != nil {
			out = append(out, f.key)
		}
	}
	return out
}

// Set makes the group's file hold content (nil: no file) and says whether
// Prometheus has loaded it; when not yet, the reloader notifies the group
// once it did (or failed to).
func (r *Reloader) Set(k Key, content []byte) (Outcome, string, error) {
	if err := r.init(); err != nil {
		return Failed, "", err
	}
	name := k.FileName()
	r.mu.Lock()
	defer r.mu.Unlock()
	f := r.files[name]
	if f == nil && content == nil {
		return Loaded, "", nil
	}
	if f == nil {
		f = &fileState{key: k}
		r.files[name] = f
	}
	if !bytes.Equal(f.want, content) || (f.want == nil) != (content == nil) {
		f.want, f.failure = content, ""
	}
	if f.failure != "" {
		// Refused: the file holds the last good rules until the group
		// changes. Not answered: the file holds want, which stays pending.
		return Failed, f.failure, nil
	}
	if err := dir(r.Dir).put(name, f.want); err != nil {
		return Failed, "", err
	}
	if f.loaded && bytes.Equal(f.good, f.want) && (f.good == nil) == (f.want == nil) {
		if f.want == nil {
			delete(r.files, name)
		}
		return Loaded, "", nil
	}
	r.pending[name] = true
	select {
	case r.kick <- struct{}{}:
	default:
	}
	return Pending, "", nil
}

// Good returns the content Prometheus last loaded (or the directory held
// at start) for the group: the last good rules.
func (r *Reloader) Good(k Key) []byte {
	if err := r.init(); err != nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if f := r.files[k.FileName()]; f != nil {
		return f.good
	}
	return nil
}

// NeedLeaderElection is true: only the elected replica writes the files.
func (r *Reloader) NeedLeaderElection() bool { return true }

// Start reloads Prometheus after changes until ctx ends.
func (r *Reloader) Start(ctx context.Context) error {
	if err := r.init(); err != nil {
		return err
	}
	for {
		var retry <-chan time.Time
		r.mu.Lock()
		if r.retry > 0 && len(r.pending) > 0 {
			retry = time.After(r.retry)
		}
		r.mu.Unlock()
		select {
		case <-ctx.Done():
			return nil
		case <-r.kick:
			r.gather(ctx)
		case <-retry:
		}
		r.reloadPending(ctx)
	}
}

// gather waits until no change came for Delay (at most 4×Delay).
func (r *Reloader) gather(ctx context.Context) {
	deadline := time.After(4 * r.Delay)
	for {
		select {
		case <-ctx.Done():
			return
		case <-deadline:
			return
		case <-r.kick:
		case <-time.After(r.Delay):
			return
		}
	}
}

// reloadPending reloads Prometheus with the pending files and records the
// outcome of each.
func (r *Reloader) reloadPending(ctx context.Context) {
	r.mu.Lock()
	names := make([]string, 0, len(r.pending))
	for n := range r.pending {
		names = append(names, n)
	}
	r.mu.Unlock()
	if len(names) == 0 {
		return
	}
	err := r.reload(ctx)
	var refused *refusal
	switch {
	case err == nil:
		r.settle(names, nil, "")
	case errors.As(err, &refused):
		r.isolate(ctx, names, err)
	default:
		r.Log.Error(err, "Prometheus did not reload; trying again", "retryIn", r.nextRetry())
		r.settle(nil, names, "Prometheus did not reload the rules: "+err.Error())
		return
	}
}

func (r *Reloader) nextRetry() time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.retry = min(max(2*r.retry, 2*time.Second), time.Minute)
	return r.retry
}

// isolate finds which of the pending files Prometheus refuses: it puts
// them all back as they last loaded, then tries each alone.
func (r *Reloader) isolate(ctx context.Context, names []string, first error) {
	r.Log.Info("Prometheus refused the new rules; trying the groups one at a time", "groups", len(names), "error", first.Error())
	r.revert(names)
	if err := r.reload(ctx); err != nil {
		// Even the last good rules do not load: not ours to fix.
		r.settle(nil, names, "Prometheus refused its last good rules too: "+err.Error())
		return
	}
	for _, n := range names {
		r.mu.Lock()
		f := r.files[n]
		var want []byte
		if f != nil {
			want = f.want
		}
		werr := dir(r.Dir).put(n, want)
		r.mu.Unlock()
		if f == nil {
			continue
		}
		err := werr
		if err == nil {
			err = r.reload(ctx)
		}
		if err == nil {
			r.settle([]string{n}, nil, "")
			continue
		}
		r.revert([]string{n})
		if rerr := r.reload(ctx); rerr != nil {
			r.Log.Error(rerr, "Prometheus refused its last good rules")
		}
		r.settle(nil, []string{n}, "Prometheus refused the group's rules (its last good rules stay loaded): "+err.Error())
	}
}

// revert puts files back as Prometheus last loaded them.
func (r *Reloader) revert(names []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, n := range names {
		if f := r.files[n]; f != nil {
			if err := dir(r.Dir).put(n, f.good); err != nil {
				r.Log.Error(err, "putting a rule file back", "file", n)
			}
		}
	}
}

// settle records the outcome of reloads and notifies the groups.
func (r *Reloader) settle(loaded, failed []string, msg string) {
	var keys []Key
	r.mu.Lock()
	for _, n := range loaded {
		if f := r.files[n]; f != nil {
			f.good, f.loaded, f.failure = f.want, true, ""
			keys = append(keys, f.key)
			if f.want == nil {
				delete(r.files, n)
			}
		}
		delete(r.pending, n)
	}
	if len(loaded) > 0 && len(failed) == 0 {
		r.retry = 0
	}
	for _, n := range failed {
		if f := r.files[n]; f != nil {
			f.failure = msg
			keys = append(keys, f.key)
		}
		// A refused file waits for its next change; one Prometheus did not
		// answer for stays pending and is retried.
		if strings.HasPrefix(msg, "Prometheus refused") {
			delete(r.pending, n)
		}
	}
	r.mu.Unlock()
	if r.notify != nil {
		for _, k := range keys {
			r.notify(k)
		}
	}
}

// refusal is Prometheus' answer when it could not load what it read.
type refusal struct{ msg string }

func (e *refusal) Error() string { return e.msg }

// reload asks Prometheus to reload. A refusal (an HTTP error answer) is a
// *refusal; other errors mean Prometheus did not answer.
func (r *Reloader) reload(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(r.URL, "/")+"/-/reload", nil)
	if err != nil {
		return err
	}
	resp, err := r.Client.Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode == http.StatusOK {
		return nil
	}
	msg := strings.TrimSpace(string(body))
	if resp.StatusCode == http.StatusInternalServerError {
		return &refusal{msg: msg}
	}
	return fmt.Errorf("POST /-/reload answered %s: %s", resp.Status, msg)
}
