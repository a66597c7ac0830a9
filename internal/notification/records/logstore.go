package records

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/superkube/super-kubenetes/internal/logging/batch"
	"github.com/superkube/super-kubenetes/internal/logging/victorialogs"
)

// Tenant is the log store's tenant of the delivery records (container
// logs, events and audit records have theirs).
var Tenant = victorialogs.Tenant{AccountID: 0, ProjectID: 3}

// Stream are the fields that make a delivery record's stream.
var Stream = []string{"receiver_user"}

// Field names of a record in the log store.
const (
	fUser = "receiver_user"
)

// Reader reads records of the log store (a *victorialogs.Client in Tenant).
type Reader interface {
	Records(ctx context.Context, query string, r victorialogs.Range, each func(victorialogs.Record) error) error
}

// LogStore writes records to the log store through a batch writer (never
// waiting for the store) and reads them back with LogsQL. Reads of records
// not yet flushed come from a small ring, so a delivery is listed at once.
type LogStore struct {
	Out    *batch.Writer
	Reader Reader
	// Recent holds the records of the last flush intervals.
	Recent *Ring
	// Window is how far back List reads; zero is 7 days.
	Window time.Duration
}

// Add queues d for the log store.
func (s *LogStore) Add(d Delivery) {
	user := d.User
	if user == "" {
		user = "-"
	}
	rec := victorialogs.Record{
		"_time": d.Time.UTC().Format(time.RFC3339Nano), "_msg": d.Result + " " + d.Channel + " to " + d.Recipient,
		"id": d.ID, fUser: user, "receiver": d.Receiver, "config": d.Config, "channel": d.Channel, "recipient": d.Recipient,
		"language": d.Language, "alert_status": d.AlertStatus, "alerts": joinAlerts(d.Alerts), "result": d.Result,
		"reason": d.Reason, "field": d.Field, "attempts": strconv.Itoa(d.Attempts), "verification": strconv.FormatBool(d.Verification),
		"latency_ms": strconv.FormatInt(d.LatencyMillis, 10),
	}
	s.Out.Add(rec)
	if s.Recent != nil {
		s.Recent.Add(d)
	}
}

// List reads the records that pass f from the log store, the newest first,
// completed by those not yet flushed.
func (s *LogStore) List(ctx context.Context, f Filter) ([]Delivery, error) {
	window := s.Window
	if window <= 0 {
		window = 7 * 24 * time.Hour
	}
	var filters []string
	if f.User != "" {
		filters = append(filters, fUser+":="+quote(f.User))
	}
	if f.Platform {
		filters = append(filters, fUser+":=\"-\"")
	}
	if f.Receiver != "" {
		filters = append(filters, "receiver:="+quote(f.Receiver))
	}
	if f.Result != "" {
		filters = append(filters, "result:="+quote(f.Result))
	}
	if len(filters) == 0 {
		filters = append(filters, "*")
	}
	query := strings.Join(filters, " ") + " | sort by (_time desc) | limit " + strconv.Itoa(f.limit())
	start := time.Now().Add(-window)
	if !f.Since.IsZero() {
		start = f.Since
	}
	seen := map[string]bool{}
	var out []Delivery
	err := s.Reader.Records(ctx, query, victorialogs.Range{Start: start}, func(r victorialogs.Record) error {
		d := fromRecord(r)
		if !seen[d.ID] {
			seen[d.ID] = true
			out = append(out, d)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if s.Recent != nil {
		recent, _ := s.Recent.List(ctx, f)
		var missing []Delivery
		for _, d := range recent {
			if !seen[d.ID] {
				missing = append(missing, d)
			}
		}
		out = mergeNewestFirst(missing, out, f.limit())
	}
	return out, nil
}

func mergeNewestFirst(a, b []Delivery, limit int) []Delivery {
	out := make([]Delivery, 0, min(limit, len(a)+len(b)))
	for len(out) < limit && (len(a) > 0 || len(b) > 0) {
		if len(b) == 0 || (len(a) > 0 && !a[0].Time.Before(b[0].Time)) {
			out, a = append(out, a[0]), a[1:]
		} else {
			out, b = append(out, b[0]), b[1:]
		}
	}
	return out
}

func quote(s string) string { return strconv.Quote(s) }

func fromRecord(r victorialogs.Record) Delivery {
	t, _ := time.Parse(time.RFC3339Nano, r["_time"])
	attempts, _ := strconv.Atoi(r["attempts"])
	lat, _ := strconv.ParseInt(r["latency_ms"], 10, 64)
	user := r[fUser]
	if user == "-" {
		user = ""
	}
	return Delivery{ID: r["id"], Time: t, Receiver: r["receiver"], User: user, Config: r["config"], Channel: r["channel"],
		Recipient: r["recipient"], Language: r["language"], AlertStatus: r["alert_status"], Alerts: splitAlerts(r["alerts"]),
		Result: r["result"], Reason: r["reason"], Field: r["field"], Attempts: attempts, Verification: r["verification"] == "true", LatencyMillis: lat}
}
