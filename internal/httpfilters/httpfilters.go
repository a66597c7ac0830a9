// Package httpfilters holds the outermost filters of both of the
// platform's servers, ke-apiserver and ke-console: a request id for every
// request (with a logger that carries it) and panic recovery. Each is a
// WithX(handler) wrapper.
package httpfilters

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net"
	"net/http"
	"regexp"
	"runtime/debug"

	"github.com/go-logr/logr"

	"github.com/superkube/super-kubenetes/internal/apiserver/request"
	"github.com/superkube/super-kubenetes/internal/apiserver/responsewriters"
)

// RequestIDHeader carries the request id in both directions.
const RequestIDHeader = "X-Request-Id"

var validRequestID = regexp.MustCompile(`^[A-Za-z0-9._-]{8,64}$`)

// WithRequestID gives every request an id (the caller's, when well formed)
// in its context (request.IDFrom) and in the answer's header, and a logger
// that carries it (logr.FromContext).
func WithRequestID(h http.Handler, log logr.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get(RequestIDHeader)
		if !validRequestID.MatchString(id) {
			b := make([]byte, 12)
			_, _ = rand.Read(b)
			id = hex.EncodeToString(b)
		}
		w.Header().Set(RequestIDHeader, id)
		ctx := request.WithRequestID(r.Context(), id)
		ctx = logr.NewContext(ctx, log.WithValues("requestID", id))
		h.ServeHTTP(w, r.WithContext(ctx))
	})
}

// WithPanicRecovery answers 500 when a handler panics, logging the panic,
// its stack and the request id for operators and showing the caller
// nothing of it. http.ErrAbortHandler panics on, as net/http expects.
func WithPanicRecovery(h http.Handler, log logr.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler { //nolint:errorlint // sentinel value compared as net/http does
					panic(v)
				}
				log.Error(nil, "Handler panicked", "panic", v, "method", r.Method, "path", r.URL.Path,
					"requestID", request.IDFrom(r.Context()), "stack", string(debug.Stack()))
				responsewriters.WriteStatus(w, errors.New("panic"))
			}
		}()
		h.ServeHTTP(w, r)
	})
}

// Recorder notes the code and size of a response, for a request log.
// Unwrap lets http.ResponseController reach the connection (flushes,
// upgrades); an upgrade is noted as 101.
type Recorder struct {
	http.ResponseWriter
	// Code is the status code written, 0 before any.
	Code  int
	Bytes int64
}

// WriteHeader implements http.ResponseWriter.
func (r *Recorder) WriteHeader(code int) {
	if r.Code == 0 {
		r.Code = code
	}
	r.ResponseWriter.WriteHeader(code)
}

// Write implements http.ResponseWriter.
func (r *Recorder) Write(b []byte) (int, error) {
	if r.Code == 0 {
		r.Code = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(b)
	r.Bytes += int64(n)
	return n, err
}

// Flush implements http.Flusher.
func (r *Recorder) Flush() { _ = http.NewResponseController(r.ResponseWriter).Flush() }

// Hijack hands the connection over (an upgrade), noted as 101.
func (r *Recorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if r.Code == 0 {
		r.Code = http.StatusSwitchingProtocols
	}
	return http.NewResponseController(r.ResponseWriter).Hijack()
}

// Unwrap returns the wrapped writer.
func (r *Recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// Answered is the code of the answer: 200 when the handler wrote nothing.
func (r *Recorder) Answered() int {
	if r.Code == 0 {
		return http.StatusOK
	}
	return r.Code
}
