package filters

import (
	"context"
	"net/http"
	"strings"

	"github.com/superkube/super-kubenetes/internal/apiserver/request"
	"github.com/superkube/super-kubenetes/internal/authn"
)

// StreamTracker ends long-lived requests whose authentication no longer holds.
type StreamTracker interface {
	Track(ctx context.Context, res *authn.Result) (context.Context, func())
}

// WithRevocableStreams registers the long-lived requests of authenticated
// callers (watches, the list engine's event streams, log follows, and
// upgrades: exec, attach, port-forward, WebSockets) with the tracker, whose
// context ends them when their token is revoked or their user may no
// longer act. It goes inside authentication and request info.
func WithRevocableStreams(h http.Handler, tracker StreamTracker) http.Handler {
	if tracker == nil {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		res, ok := authn.ResultFrom(r.Context())
		if !ok || !longLived(r) {
			h.ServeHTTP(w, r)
			return
		}
		ctx, done := tracker.Track(r.Context(), res)
		defer done()
		h.ServeHTTP(w, r.WithContext(ctx))
	})
}

// longLived tells the requests that stay open.
func longLived(r *http.Request) bool {
	if info, ok := request.InfoFrom(r.Context()); ok && info.Verb == "watch" {
		return true
	}
	q := r.URL.Query()
	for _, k := range []string{"watch", "follow"} {
		if v := q.Get(k); v == "true" || v == "1" {
			return true
		}
	}
	// The logging API's live tail.
	if q.Get("operation") == "tail" && strings.HasPrefix(r.URL.Path, "/kapis/logging.superkube.io/") {
		return true
	}
	if strings.Contains(r.URL.Path, "/watch/") {
		return true
	}
	for _, v := range r.Header.Values("Connection") {
		for _, token := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(token), "upgrade") {
				return true
			}
		}
	}
	return false
}
