package elastic

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/go-logr/logr"

	"github.com/superkube/super-kubenetes/internal/logging/batch"
	"github.com/superkube/super-kubenetes/internal/logging/logsql"
	"github.com/superkube/super-kubenetes/internal/logging/victorialogs"
	loggingsvc "github.com/superkube/super-kubenetes/internal/services/logging"
)

// Records names a kind of record the platform writes.
type Records string

// The kinds the platform writes.
const (
	EventRecords Records = "events"
	AuditRecords Records = "audit"
)

// Writer writes one kind of record with the Bulk API into a daily index,
// the kind's pattern without its `*` and the record's UTC date
// (superkube-events-2026.12.04). A document is the record's fields, with
// _time as @timestamp and _msg as message, and its id is made of its
// content, so that a batch written again (after a failure, or an event
// exporter's restart) replaces its documents instead of adding them.
type Writer struct {
	c      *Client
	prefix string
	log    logr.Logger
}

var _ batch.Store = (*Writer)(nil)

// Writer returns the writer of a kind of record; log tells of the records
// the store refused for good (and dropped).
func (c *Client) Writer(kind Records, log logr.Logger) *Writer {
	pattern := c.cfg.Indices.Events
	if kind == AuditRecords {
		pattern = c.cfg.Indices.Audit
	}
	return &Writer{c: c, prefix: strings.TrimSuffix(pattern, "*"), log: log}
}

// bulkAnswer is the Bulk API's answer: an item per action, in order.
type bulkAnswer struct {
	Errors bool `json:"errors"`
	Items  []map[string]struct {
		Status int `json:"status"`
		Error  *struct {
			Type string `json:"type"`
		} `json:"error"`
	} `json:"items"`
}

// Insert writes records as one bulk request. Records that the store could
// not take for now (429, 5xx) make the batch fail, to be written again;
// those it refused (another 4xx, such as a mapping conflict) are dropped and
// logged with the error's type, never its reason, which quotes the record.
func (w *Writer) Insert(ctx context.Context, records []victorialogs.Record, _ []string) error {
	var body bytes.Buffer
	for _, r := range records {
		doc, index := w.document(r)
		raw, err := json.Marshal(doc)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(raw)
		action, _ := json.Marshal(m{"index": m{"_index": index, "_id": hex.EncodeToString(sum[:20])}})
		body.Write(action)
		body.WriteByte('\n')
		body.Write(raw)
		body.WriteByte('\n')
	}
	var a bulkAnswer
	if err := w.c.do(ctx, http.MethodPost, "/_bulk", body.Bytes(), &a); err != nil {
		return err
	}
	if !a.Errors {
		return nil
	}
	retry, refused := 0, map[string]int{}
	for _, item := range a.Items {
		for _, res := range item {
			switch {
			case res.Error == nil:
			case res.Status == http.StatusTooManyRequests || res.Status >= 500:
				retry++
			default:
				refused[res.Error.Type]++
			}
		}
	}
	for typ, n := range refused {
		w.log.Info("The log store refused records; they are dropped", "index", w.prefix+"*", "records", n, "errorType", typ)
	}
	if retry > 0 {
		return fmt.Errorf("%w: %d of %d records were not taken", loggingsvc.ErrUnavailable, retry, len(records))
	}
	return nil
}

// document is a record's document and the index it goes to.
func (w *Writer) document(r victorialogs.Record) (map[string]string, string) {
	doc := make(map[string]string, len(r))
	for k, v := range r {
		switch k {
		case logsql.FieldTime:
			doc[docTime] = v
		case logsql.FieldMessage:
			doc[docMessage] = v
		default:
			doc[k] = v
		}
	}
	t, err := time.Parse(time.RFC3339Nano, r[logsql.FieldTime])
	if err != nil {
		t = w.c.now()
		doc[docTime] = t.UTC().Format(time.RFC3339Nano)
	}
	return doc, w.prefix + t.UTC().Format("2006.01.02")
}
