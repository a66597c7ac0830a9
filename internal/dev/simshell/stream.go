package simshell

import (
	"bytes"
	"context"
	"errors"
	"io"
	"sync"
	"unicode/utf8"
)

// errInterrupt is Ctrl-C typed at a terminal.
var errInterrupt = errors.New("interrupted")

// errOutputLimit is returned by writes beyond the output limit.
var errOutputLimit = errors.New("output limit reached")

// input reads the exec's standard input in the background, so that a
// command waiting for input still ends with its context.
type input struct {
	once    sync.Once
	r       io.Reader
	chunks  chan []byte
	pending []byte
	err     error
}

func newInput(r io.Reader) *input {
	if r == nil {
		r = emptyReader{}
	}
	return &input{r: r, chunks: make(chan []byte, 4)}
}

func (in *input) start() {
	go func() {
		defer close(in.chunks)
		for {
			buf := make([]byte, 4096)
			n, err := in.r.Read(buf)
			if n > 0 {
				in.chunks <- buf[:n]
			}
			if err != nil {
				return
			}
		}
	}()
}

// read returns the next bytes, or io.EOF at the end of input, or the
// context's error.
func (in *input) read(ctx context.Context, p []byte) (int, error) {
	in.once.Do(in.start)
	if len(in.pending) == 0 {
		if in.err != nil {
			return 0, in.err
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case chunk, ok := <-in.chunks:
			if !ok {
				in.err = io.EOF
				return 0, io.EOF
			}
			in.pending = chunk
		}
	}
	n := copy(p, in.pending)
	in.pending = in.pending[n:]
	return n, nil
}

// ctxReader is the input as an io.Reader for one command.
type ctxReader struct {
	ctx context.Context
	in  *input
}

func (r *ctxReader) Read(p []byte) (int, error) { return r.in.read(r.ctx, p) }

// lineReader reads lines from the input of a shell without a terminal.
type lineReader struct {
	in  *input
	buf []byte
	eof bool
}

func (l *lineReader) readLine(ctx context.Context, max int) (string, error) {
	for {
		if i := bytes.IndexByte(l.buf, '\n'); i >= 0 {
			line := string(l.buf[:i])
			l.buf = l.buf[i+1:]
			return line, nil
		}
		if l.eof {
			if len(l.buf) > 0 {
				line := string(l.buf)
				l.buf = nil
				return line, nil
			}
			return "", io.EOF
		}
		if len(l.buf) > max {
			return "", errors.New("line too long")
		}
		chunk := make([]byte, 4096)
		n, err := l.in.read(ctx, chunk)
		l.buf = append(l.buf, chunk[:n]...)
		if errors.Is(err, io.EOF) {
			l.eof = true
		} else if err != nil {
			return "", err
		}
	}
}

// terminal is the line discipline of a simulated tty: it echoes what is
// typed, handles backspace, Ctrl-C, Ctrl-D, Ctrl-U, and drops escape
// sequences (arrow keys).
type terminal struct {
	in      *input
	echo    io.Writer
	pending []byte
	maxLine int
}

// readLine returns the next line typed, without its end.
func (t *terminal) readLine(ctx context.Context) (string, error) {
	var line []byte
	escape := 0 // 1 after ESC, 2 inside ESC [ ...
	maxLine := t.maxLine
	if maxLine == 0 {
		maxLine = 4096
	}
	for {
		if len(t.pending) == 0 {
			buf := make([]byte, 1024)
			n, err := t.in.read(ctx, buf)
			if n == 0 && err != nil {
				return "", err
			}
			t.pending = buf[:n]
		}
		c := t.pending[0]
		t.pending = t.pending[1:]
		switch {
		case escape == 1:
			escape = 0
			if c == '[' || c == 'O' {
				escape = 2
			}
		case escape == 2:
			if c >= 0x40 && c <= 0x7e {
				escape = 0
			}
		case c == 0x1b:
			escape = 1
		case c == '\r' || c == '\n':
			if c == '\r' && len(t.pending) > 0 && t.pending[0] == '\n' {
				t.pending = t.pending[1:]
			}
			_, _ = io.WriteString(t.echo, "\n")
			return string(line), nil
		case c == 0x7f || c == 0x08:
			if len(line) > 0 {
				_, size := utf8.DecodeLastRune(line)
				line = line[:len(line)-size]
				_, _ = io.WriteString(t.echo, "\b \b")
			}
		case c == 0x03:
			_, _ = io.WriteString(t.echo, "^C\n")
			return "", errInterrupt
		case c == 0x04:
			if len(line) == 0 {
				return "", io.EOF
			}
		case c == 0x15:
			for range utf8.RuneCount(line) {
				_, _ = io.WriteString(t.echo, "\b \b")
			}
			line = line[:0]
		case c < 0x20 && c != '\t':
		default:
			if len(line) < maxLine {
				line = append(line, c)
				_, _ = t.echo.Write([]byte{c})
			}
		}
	}
}

// termReader is the terminal as the input of a command: lines as they are
// typed, end of input at Ctrl-D.
type termReader struct {
	ctx     context.Context
	t       *terminal
	pending []byte
	err     error
}

func (r *termReader) Read(p []byte) (int, error) {
	for len(r.pending) == 0 {
		if r.err != nil {
			return 0, r.err
		}
		line, err := r.t.readLine(r.ctx)
		if err != nil {
			r.err = err
			if errors.Is(err, errInterrupt) {
				return 0, err
			}
			continue
		}
		r.pending = []byte(line + "\n")
	}
	n := copy(p, r.pending)
	r.pending = r.pending[n:]
	return n, nil
}

// crlfWriter turns \n into \r\n, as a terminal does for a program's output.
type crlfWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (c *crlfWriter) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, err := c.w.Write(bytes.ReplaceAll(p, []byte("\n"), []byte("\r\n"))); err != nil {
		return 0, err
	}
	return len(p), nil
}

// limitCounter counts the output of one command.
type limitCounter struct {
	mu   sync.Mutex
	n    int64
	max  int64
	over bool
}

// take reserves up to n bytes and returns how many may be written.
func (c *limitCounter) take(n int) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	left := c.max - c.n
	if int64(n) > left {
		c.over = true
		n = int(max(left, 0))
	}
	c.n += int64(n)
	return n
}

// limitWriter writes until the command's output reaches its limit.
type limitWriter struct {
	w io.Writer
	c *limitCounter
}

func (l *limitWriter) Write(p []byte) (int, error) {
	n := l.c.take(len(p))
	if n > 0 {
		if _, err := l.w.Write(p[:n]); err != nil {
			return 0, err
		}
	}
	if n < len(p) {
		return n, errOutputLimit
	}
	return n, nil
}

// cappedBuffer holds the output of a command for the next in a pipeline,
// or for a command substitution; it counts toward the output limit when
// given a counter.
type cappedBuffer struct {
	bytes.Buffer
	max     int64
	counter *limitCounter
	over    bool
}

func (b *cappedBuffer) Write(p []byte) (int, error) {
	if int64(b.Len()+len(p)) > b.max {
		b.over = true
		if b.counter != nil {
			b.counter.mu.Lock()
			b.counter.over = true
			b.counter.mu.Unlock()
		}
		return 0, errOutputLimit
	}
	return b.Buffer.Write(p)
}

type emptyReader struct{}

func (emptyReader) Read([]byte) (int, error) { return 0, io.EOF }

type nullWriter struct{}

func (nullWriter) Write(p []byte) (int, error) { return len(p), nil }
