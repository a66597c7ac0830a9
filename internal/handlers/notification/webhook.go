package notification

import (
	"crypto/subtle"
	"net/http"
	"strings"
	"time"

	"github.com/go-logr/logr"

	"github.com/superkube/super-kubenetes/internal/apiserver/responsewriters"
	"github.com/superkube/super-kubenetes/internal/notification/alert"
	"github.com/superkube/super-kubenetes/internal/notification/sender"
)

// Webhook receives Alertmanager's notifications. It is served outside the
// platform's authentication: Alertmanager proves itself with a bearer
// token read from a file, compared in constant time.
type Webhook struct {
	Token  string
	Sender *sender.Sender
	Log    logr.Logger
}

func (h *Webhook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	received := time.Now()
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "POST Alertmanager's webhook payload", http.StatusMethodNotAllowed)
		return
	}
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || h.Token == "" || subtle.ConstantTimeCompare([]byte(strings.TrimSpace(got)), []byte(h.Token)) != 1 {
		w.Header().Set("WWW-Authenticate", `Bearer realm="alertmanager"`)
		http.Error(w, "Unauthorized", http.StatusUnauthorized)
		return
	}
	p, err := alert.Decode(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	acc, err := h.Sender.Handle(r.Context(), p, received)
	if err != nil {
		// Alertmanager tries again.
		h.Log.Error(err, "Routing an Alertmanager notification failed")
		http.Error(w, "the notification cannot be routed right now", http.StatusServiceUnavailable)
		return
	}
	responsewriters.WriteJSON(w, http.StatusOK, acc)
}
