package podlogs

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

// followEvery is how often a followed log is read for new lines.
const followEvery = 250 * time.Millisecond

// Handler answers the kubelet's /containerLogs/{namespace}/{pod}/{container}
// from the files, with the kubelet's query parameters: follow, tailLines,
// limitBytes, sinceSeconds, sinceTime and timestamps. A simulated container
// never restarts, so previous finds nothing.
func (w *Writer) Handler() http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/containerLogs/"), "/")
		if len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
			http.NotFound(rw, r)
			return
		}
		opts, err := parseOptions(r, w.now())
		if err != nil {
			http.Error(rw, err.Error(), http.StatusBadRequest)
			return
		}
		file := w.File(parts[0], parts[1], parts[2])
		if opts.previous {
			http.Error(rw, "previous terminated container "+strconv.Quote(parts[2])+" in pod "+strconv.Quote(parts[1])+" not found", http.StatusBadRequest)
			return
		}
		if file == "" {
			http.Error(rw, "container "+strconv.Quote(parts[2])+" in pod "+strconv.Quote(parts[1])+" has no log (it is not running)", http.StatusNotFound)
			return
		}
		rw.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.serve(r.Context(), rw, file, opts)
	})
}

type options struct {
	follow, timestamps, previous bool
	tail                         int // -1: all
	limit                        int64
	since                        time.Time
}

func parseOptions(r *http.Request, now time.Time) (options, error) {
	q := r.URL.Query()
	o := options{tail: -1, follow: q.Get("follow") == "true", timestamps: q.Get("timestamps") == "true", previous: q.Get("previous") == "true"}
	if v := q.Get("tailLines"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return o, errors.New("tailLines must be a number of lines, 0 or more")
		}
		o.tail = n
	}
	if v := q.Get("limitBytes"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return o, errors.New("limitBytes must be a positive number of bytes")
		}
		o.limit = n
	}
	if v := q.Get("sinceSeconds"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return o, errors.New("sinceSeconds must be a positive number of seconds")
		}
		o.since = now.Add(-time.Duration(n) * time.Second)
	}
	if v := q.Get("sinceTime"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return o, errors.New("sinceTime must be an RFC 3339 time")
		}
		o.since = t
	}
	return o, nil
}

// serve writes the file's lines that opts select, then, when following,
// the lines that come until the client goes or the container ends.
func (w *Writer) serve(ctx context.Context, rw http.ResponseWriter, file string, opts options) {
	f, err := os.Open(file)
	if err != nil {
		http.Error(rw, "the container's log cannot be read", http.StatusInternalServerError)
		return
	}
	defer f.Close()
	out := &limited{w: rw, left: opts.limit}
	var lines [][]byte
	rd := bufio.NewReaderSize(f, 64<<10)
	var partial []byte
	readLines := func(emit func([]byte)) {
		for {
			line, err := rd.ReadBytes('\n')
			if err != nil {
				partial = append(partial, line...) // a line still being written
				return
			}
			if len(partial) > 0 {
				line = append(partial, line...)
				partial = nil
			}
			emit(line)
		}
	}
	readLines(func(line []byte) {
		if opts.tail >= 0 {
			lines = append(lines, line)
			if len(lines) > opts.tail {
				lines = lines[1:]
			}
			return
		}
		writeLine(out, line, opts)
	})
	for _, l := range lines {
		writeLine(out, l, opts)
	}
	flush(rw)
	if !opts.follow {
		return
	}
	t := time.NewTicker(followEvery)
	defer t.Stop()
	for !out.full() {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		readLines(func(line []byte) { writeLine(out, line, opts) })
		flush(rw)
		if w.Ended(file) {
			return
		}
	}
}

// writeLine writes the text of one CRI line, after its time when asked,
// if it is not older than opts.since.
func writeLine(out *limited, line []byte, opts options) {
	// time stream tag text
	fields := bytes.SplitN(line, []byte(" "), 4)
	if len(fields) != 4 {
		return
	}
	if !opts.since.IsZero() {
		if t, err := time.Parse(time.RFC3339Nano, string(fields[0])); err == nil && t.Before(opts.since) {
			return
		}
	}
	if opts.timestamps {
		_, _ = out.Write(fields[0])
		_, _ = out.Write([]byte(" "))
	}
	_, _ = out.Write(fields[3])
}

func flush(w http.ResponseWriter) {
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
}

// limited writes at most left bytes when left is positive.
type limited struct {
	w     io.Writer
	left  int64
	spent bool
}

func (l *limited) full() bool { return l.spent }

func (l *limited) Write(p []byte) (int, error) {
	if l.left <= 0 && !l.spent {
		return l.w.Write(p)
	}
	if l.spent {
		return 0, io.EOF
	}
	if int64(len(p)) >= l.left {
		p = p[:l.left]
		l.spent = true
	}
	l.left -= int64(len(p))
	return l.w.Write(p)
}
