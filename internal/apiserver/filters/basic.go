// Package filters holds ke-apiserver's filter chain, each a WithX(handler)
// wrapper: panic recovery, request id and logger, size limits, request info,
// authentication, authorization and audit.
package filters

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/go-logr/logr"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/superkube/super-kubenetes/internal/apiserver/request"
	"github.com/superkube/super-kubenetes/internal/apiserver/responsewriters"
)

// WithPanicRecovery answers 500 when a handler panics, logging the stack
// for operators and showing the caller nothing of it.
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

// RequestIDHeader carries the request id in both directions.
const RequestIDHeader = "X-Request-Id"

var validRequestID = regexp.MustCompile(`^[A-Za-z0-9._-]{8,64}$`)

// WithRequestID gives every request an id (the caller's, when well formed)
// and a logger that carries it.
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

// WithBodyLimit refuses request bodies larger than max with 413.
func WithBodyLimit(h http.Handler, maxBytes int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > maxBytes {
			responsewriters.WriteStatus(w, responsewriters.StatusError(http.StatusRequestEntityTooLarge, metav1.StatusReasonRequestEntityTooLarge,
				"the request body is larger than the limit of "+humanBytes(maxBytes)))
			return
		}
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, maxBytes)
		}
		h.ServeHTTP(w, r)
	})
}

// BodyError converts a body read error to the Status to answer: 413 for a
// body over the limit, 400 otherwise.
func BodyError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return responsewriters.StatusError(http.StatusRequestEntityTooLarge, metav1.StatusReasonRequestEntityTooLarge,
			"the request body is larger than the limit of "+humanBytes(mbe.Limit))
	}
	return apierrors.NewBadRequest("the request body could not be read: " + err.Error())
}

// WithRequestInfo parses what the request is about; a malformed path is 400.
func WithRequestInfo(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info, err := request.Parse(r.Method, r.URL.EscapedPath(), r.URL.Query())
		if err != nil {
			var perr *request.Error
			if errors.As(err, &perr) {
				responsewriters.WriteStatus(w, responsewriters.BadRequest(perr.Field, perr.Value+": "+perr.Message))
				return
			}
			responsewriters.WriteStatus(w, apierrors.NewBadRequest(err.Error()))
			return
		}
		h.ServeHTTP(w, r.WithContext(request.WithInfo(r.Context(), info)))
	})
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + " MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + " KiB"
	default:
		return strconv.FormatInt(n, 10) + " bytes"
	}
}

func decodeRawURL(s string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	return string(b), err
}
