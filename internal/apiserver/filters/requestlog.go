package filters

import (
	"net/http"
	"regexp"
	"time"

	"github.com/go-logr/logr"

	"github.com/superkube/super-kubenetes/internal/httpfilters"
)

// WithRequestLog logs every request once it is answered, with the logger of
// the request's context (WithRequestID's, which carries the request id):
// method, path, code, size and duration at -v=1, and every server error
// (5xx) always, at error level with its cause when the handler gave one
// (responsewriters.WriteStatus and RecordCause do). It is the one place that
// logs server errors; the caller sees the request id, never the cause. It
// logs no query string, header or body, and removes what looks like a
// token or a password hash from causes. A panic is logged by
// WithPanicRecovery, with its stack.
func WithRequestLog(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &logRecorder{Recorder: httpfilters.Recorder{ResponseWriter: w}}
		h.ServeHTTP(rec, r)
		code := rec.Answered()
		log := logr.FromContextOrDiscard(r.Context())
		kv := []any{"method", r.Method, "path", r.URL.Path, "code", code, "bytes", rec.Bytes,
			"duration", time.Since(start).Round(time.Microsecond).String()}
		switch {
		case code >= http.StatusInternalServerError && rec.cause != nil:
			log.Error(redacted{rec.cause}, "Request failed", kv...)
		case code >= http.StatusInternalServerError:
			// Answered without a cause (a proxied answer, or a handler that
			// logged its cause where it answered).
			log.Info("Request failed", kv...)
		default:
			log.V(1).Info("Request", kv...)
		}
	})
}

// logRecorder notes the code, size and cause of a response.
type logRecorder struct {
	httpfilters.Recorder
	cause error
}

// RecordCause implements responsewriters.CauseRecorder; the first cause
// is the one answered.
func (l *logRecorder) RecordCause(err error) {
	if l.cause == nil {
		l.cause = err
	}
}

// secretLike matches what must never reach a log even inside an error's
// text: bcrypt hashes, JWTs and bearer credentials.
var secretLike = regexp.MustCompile(`\$2[abxy]?\$\d\d\$[./A-Za-z0-9]{53}|eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*|(?i:bearer)\s+\S+`)

// redacted is an error whose text has secrets masked.
type redacted struct{ err error }

func (r redacted) Error() string { return secretLike.ReplaceAllString(r.err.Error(), "[redacted]") }
