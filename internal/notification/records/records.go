// Package records keeps the notification deliveries: one record per
// message sent or given up, with its receiver, channel, recipient, alerts,
// result, reason and attempts. Records go to the platform's log store when
// ke-apiserver has one (VictoriaLogs, in a tenant of their own), else to a
// bounded ring in memory; the deliveries API reads them back from there.
package records

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"
)

// Results of a delivery.
const (
	Sent   = "sent"
	Failed = "failed"
)

// Delivery is one message sent, or given up.
type Delivery struct {
	ID   string    `json:"id"`
	Time time.Time `json:"time"`
	// Receiver names the Receiver (or the Config, for a verification);
	// User is the user who owns it, empty at platform level.
	Receiver string `json:"receiver"`
	User     string `json:"user,omitempty"`
	Config   string `json:"config"`
	Channel  string `json:"channel"`
	// Recipient is the e-mail address or chat target.
	Recipient string `json:"recipient"`
	Language  string `json:"language,omitempty"`
	// Status is firing or resolved, of the message.
	AlertStatus string `json:"alertStatus,omitempty"`
	// Alerts are the alertname/fingerprint of the alerts in the message.
	Alerts []string `json:"alerts,omitempty"`
	Result string   `json:"result"`
	// Reason says why a delivery failed; Field what is wrong.
	Reason   string `json:"reason,omitempty"`
	Field    string `json:"field,omitempty"`
	Attempts int    `json:"attempts"`
	// Verification is true for a test message.
	Verification bool `json:"verification,omitempty"`
	// LatencyMillis is the time from the webhook's receipt to the result.
	LatencyMillis int64 `json:"latencyMillis"`
}

// Filter selects records.
type Filter struct {
	// User, when set, keeps the records of that user's receivers only;
	// Platform keeps the platform-level ones only.
	User     string
	Platform bool
	Receiver string
	Result   string
	Since    time.Time
	// Limit is the most records returned, the newest first; 0 is 1000.
	Limit int
}

// Matches reports whether d passes f.
func (f Filter) Matches(d *Delivery) bool {
	switch {
	case f.User != "" && d.User != f.User,
		f.Platform && d.User != "",
		f.Receiver != "" && d.Receiver != f.Receiver,
		f.Result != "" && d.Result != f.Result,
		!f.Since.IsZero() && d.Time.Before(f.Since):
		return false
	}
	return true
}

func (f Filter) limit() int {
	if f.Limit <= 0 {
		return 1000
	}
	return f.Limit
}

// Store keeps records.
type Store interface {
	Add(d Delivery)
	// List returns the records that pass f, the newest first.
	List(ctx context.Context, f Filter) ([]Delivery, error)
}

// Ring keeps the last records in memory.
type Ring struct {
	mu   sync.Mutex
	buf  []Delivery
	next int
	full bool
}

// NewRing keeps the last size records.
func NewRing(size int) *Ring {
	if size <= 0 {
		size = 10000
	}
	return &Ring{buf: make([]Delivery, size)}
}

// Add keeps d, dropping the oldest record when full.
func (r *Ring) Add(d Delivery) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.buf[r.next] = d
	r.next = (r.next + 1) % len(r.buf)
	if r.next == 0 {
		r.full = true
	}
}

// List returns the kept records that pass f, the newest first.
func (r *Ring) List(_ context.Context, f Filter) ([]Delivery, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := r.next
	if r.full {
		n = len(r.buf)
	}
	out := []Delivery{}
	for i := 1; i <= n && len(out) < f.limit(); i++ {
		d := &r.buf[(r.next-i+len(r.buf))%len(r.buf)]
		if f.Matches(d) {
			cp := *d
			cp.Alerts = slices.Clone(d.Alerts)
			out = append(out, cp)
		}
	}
	return out, nil
}

// joinAlerts and splitAlerts keep a record's alerts in one field.
func joinAlerts(a []string) string { return strings.Join(a, ",") }

func splitAlerts(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}
