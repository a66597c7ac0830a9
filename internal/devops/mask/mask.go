// Package mask hides credential values in logs: each value, and its
// standard and URL base64 forms, becomes "****". Logs pass through it
// before they are stored or leave ke-apiserver.
package mask

import (
	"bytes"
	"encoding/base64"
	"io"
	"sort"
	"sync"
)

// Replacement is what a secret becomes.
const Replacement = "****"

// minLen is the shortest value masked: shorter ones ("a", "1") would
// shred every log and hide nothing worth hiding.
const minLen = 3

// Masker replaces secret values.
type Masker struct {
	values [][]byte // longest first
	max    int
}

// New makes a Masker of the values and their base64 forms.
func New(secrets [][]byte) *Masker {
	m := &Masker{}
	seen := map[string]bool{}
	add := func(v []byte) {
		if len(v) < minLen || seen[string(v)] {
			return
		}
		seen[string(v)] = true
		m.values = append(m.values, v)
		m.max = max(m.max, len(v))
	}
	for _, s := range secrets {
		add(s)
		add(bytes.TrimSpace(s))
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
			add([]byte(enc.EncodeToString(s)))
		}
		// Multi-line values (keys, kubeconfigs) are masked line by line too.
		for line := range bytes.SplitSeq(s, []byte("\n")) {
			add(bytes.TrimSpace(line))
		}
	}
	sort.SliceStable(m.values, func(i, j int) bool { return len(m.values[i]) > len(m.values[j]) })
	return m
}

// Bytes returns b with every value replaced.
func (m *Masker) Bytes(b []byte) []byte {
	if m == nil {
		return b
	}
	for _, v := range m.values {
		if bytes.Contains(b, v) {
			b = bytes.ReplaceAll(b, v, []byte(Replacement))
		}
	}
	return b
}

// String returns s with every value replaced.
func (m *Masker) String(s string) string { return string(m.Bytes([]byte(s))) }

// Writer masks what is written to w. It holds back an unfinished line (at
// most 64 KiB, beyond which it writes all but the longest value's length)
// so that a value split across writes is still masked; Close writes the
// rest. It is safe for concurrent use.
func (m *Masker) Writer(w io.Writer) io.WriteCloser {
	return &writer{m: m, w: w}
}

const maxHeld = 64 << 10

type writer struct {
	mu  sync.Mutex
	m   *Masker
	w   io.Writer
	buf []byte
}

func (w *writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	cut := bytes.LastIndexByte(w.buf, '\n') + 1
	if cut == 0 && len(w.buf) > maxHeld {
		cut = len(w.buf) - w.m.longest()
	}
	if cut <= 0 {
		return len(p), nil
	}
	if _, err := w.w.Write(w.m.Bytes(w.buf[:cut:cut])); err != nil {
		return 0, err
	}
	w.buf = append(w.buf[:0], w.buf[cut:]...)
	return len(p), nil
}

func (w *writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.buf) == 0 {
		return nil
	}
	_, err := w.w.Write(w.m.Bytes(w.buf))
	w.buf = nil
	return err
}

func (m *Masker) longest() int {
	if m == nil {
		return 0
	}
	return m.max
}

// Reader masks what is read from r, line by line.
func (m *Masker) Reader(r io.ReadCloser) io.ReadCloser {
	pr, pw := io.Pipe()
	go func() {
		mw := m.Writer(pw)
		_, err := io.Copy(mw, r)
		if cerr := mw.Close(); err == nil {
			err = cerr
		}
		pw.CloseWithError(err)
	}()
	return &reader{PipeReader: pr, src: r}
}

type reader struct {
	*io.PipeReader
	src io.Closer
}

func (r *reader) Close() error {
	err := r.src.Close()
	_ = r.PipeReader.Close()
	return err
}
