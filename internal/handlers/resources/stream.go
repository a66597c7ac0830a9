package resources

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/superkube/super-kubenetes/internal/apiserver/responsewriters"
	"github.com/superkube/super-kubenetes/internal/listengine"
)

// stream answers a list request with watch=true as server-sent events: an
// event per change of an object the query matches and the caller may see
// (type ADDED, MODIFIED or DELETED; data {namespace, name,
// resourceVersion}), a RESYNC event when changes were dropped, and a comment
// every heartbeat. A console reloads its page when an event arrives.
func (h *Handler) stream(w http.ResponseWriter, r *http.Request, k *listengine.Kind, q *listengine.Query) {
	sub, err := h.Engine.Subscribe(k.Key(), q)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	defer sub.Close()
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	_, _ = fmt.Fprint(w, ": watching\n\n")
	_ = rc.Flush()
	beat := h.Heartbeat
	if beat <= 0 {
		beat = 15 * time.Second
	}
	t := time.NewTicker(beat)
	defer t.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-t.C:
			if sub.Missed() {
				_, _ = fmt.Fprint(w, "event: RESYNC\ndata: {}\n\n")
			}
			if _, err := fmt.Fprint(w, ": keep-alive\n\n"); err != nil {
				return
			}
		case c := <-sub.C:
			data, _ := json.Marshal(c)
			if _, err := fmt.Fprintf(w, "event: %s\ndata: %s\n\n", c.Type, data); err != nil {
				return
			}
		}
		_ = rc.Flush()
	}
}
