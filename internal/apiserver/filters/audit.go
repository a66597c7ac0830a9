package filters

import (
	"net/http"
	"time"

	"github.com/superkube/super-kubenetes/internal/apiserver/request"
	"github.com/superkube/super-kubenetes/internal/audit"
	"github.com/superkube/super-kubenetes/internal/oauth"
)

// WithAudit records mutating requests, logins and logouts once they are
// answered. It must wrap authentication and authorization, so that it sees
// the caller and the decision; it reads no body and no query string.
func WithAudit(h http.Handler, sink audit.Sink, now func() time.Time) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := now()
		note := &request.AuditNote{}
		ctx := request.WithAuditNote(r.Context(), note)
		rec := &statusRecorder{ResponseWriter: w, code: http.StatusOK}
		// The user and request info are set further in; keep a pointer to
		// read them after the request.
		holder := &auditHolder{}
		ctx = withHolder(ctx, holder)
		// A handler that panics may have done part of its work: record the
		// request too (as the 500 the panic recovery answers, unless a code
		// was already sent) and let the panic go on.
		defer func() {
			v := recover()
			if v != nil && !rec.wrote {
				rec.code = http.StatusInternalServerError
			}
			record(sink, r, note, holder, rec.code, start, now)
			if v != nil {
				panic(v)
			}
		}()
		h.ServeHTTP(rec, r.WithContext(ctx))
	})
}

// record writes the event of an audited request once it is answered.
func record(sink audit.Sink, r *http.Request, note *request.AuditNote, holder *auditHolder, code int, start time.Time, now func() time.Time) {
	mutating := r.Method != http.MethodGet && r.Method != http.MethodHead && r.Method != http.MethodOptions
	// A pod connection opened with GET (a WebSocket exec) acts like a create.
	if holder.info != nil && holder.info.Verb == "create" {
		mutating = true
	}
	if note.Event == "" && !mutating {
		return
	}
	e := &audit.Event{Time: start, RequestID: request.IDFrom(r.Context()), Type: "request", Method: r.Method, Path: r.URL.Path,
		Code: code, SourceIP: oauth.SourceIP(r), UserAgent: truncate(r.UserAgent(), 256), LatencyMS: now().Sub(start).Milliseconds(),
		Reason: note.Reason, Subject: note.Subject}
	if note.Event != "" {
		e.Type = note.Event
	}
	if holder.user != nil {
		e.User, e.Groups = holder.user.GetName(), holder.user.GetGroups()
	}
	if i := holder.info; i != nil {
		e.Verb, e.APIGroup, e.Resource, e.Subresource, e.Name = i.Verb, i.APIGroup, i.Resource, i.Subresource, i.Name
		e.Namespace, e.Workspace, e.Cluster, e.Scope = i.Namespace, i.Workspace, i.Cluster, string(i.Level)
	}
	switch {
	case note.Decision == "deny" || code == http.StatusForbidden:
		e.Result = "denied"
	case code >= 400:
		e.Result = "failure"
	default:
		e.Result = "success"
	}
	sink.Write(e)
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// statusRecorder remembers the response code; it passes Flush and Hijack
// through for watches and upgrades.
type statusRecorder struct {
	http.ResponseWriter
	code  int
	wrote bool
}

func (s *statusRecorder) WriteHeader(code int) {
	if !s.wrote {
		s.code, s.wrote = code, true
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	s.wrote = true
	return s.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach Flush and Hijack.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

func (s *statusRecorder) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}
