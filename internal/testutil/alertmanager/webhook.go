package alertmanager

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/alertmanager/template"
)

// Notification is a webhook notification (Alertmanager's payload, version
// 4: the template data of a group, its key, and how many alerts max_alerts
// left out) and when it arrived.
type Notification struct {
	template.Data
	Version         string `json:"version"`
	GroupKey        string `json:"groupKey"`
	TruncatedAlerts uint64 `json:"truncatedAlerts"`
	// Received is when the webhook read it.
	Received time.Time `json:"-"`
}

// Webhook is a loopback HTTP server that receives Alertmanager's webhook
// notifications.
type Webhook struct {
	// URL is what a webhook receiver's url is set to.
	URL  string
	srv  *httptest.Server
	got  chan Notification
	errs chan error
}

// NewWebhook starts a webhook that the test's cleanup stops.
func NewWebhook(tb testing.TB) *Webhook {
	tb.Helper()
	w := &Webhook{got: make(chan Notification, 100), errs: make(chan error, 100)}
	w.srv = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		n := Notification{Received: time.Now()}
		if err := json.NewDecoder(r.Body).Decode(&n); err != nil {
			w.errs <- err
			http.Error(rw, err.Error(), http.StatusBadRequest)
			return
		}
		w.got <- n
	}))
	w.URL = w.srv.URL + "/alerts"
	tb.Cleanup(w.srv.Close)
	return w
}

// Next waits for the next notification, or for ctx to end.
func (w *Webhook) Next(ctx context.Context) (Notification, error) {
	select {
	case n := <-w.got:
		return n, nil
	case err := <-w.errs:
		return Notification{}, err
	case <-ctx.Done():
		return Notification{}, ctx.Err()
	}
}
