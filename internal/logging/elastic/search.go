package elastic

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/superkube/super-kubenetes/internal/logging/logsql"
	"github.com/superkube/super-kubenetes/internal/logging/victorialogs"
	loggingsvc "github.com/superkube/super-kubenetes/internal/services/logging"
)

var _ loggingsvc.Backend = (*Client)(nil)

// hit is one document of a search's answer.
type hit struct {
	ID     string         `json:"_id"`
	Source map[string]any `json:"_source"`
	Sort   []any          `json:"sort"`
}

// answer is a search's answer: the hits, their total, the aggregations,
// and the ids of a point in time or a scroll to go on with.
type answer struct {
	PITID    string `json:"pit_id"`
	ScrollID string `json:"_scroll_id"`
	Hits     struct {
		Total struct {
			Value json.Number `json:"value"`
		} `json:"total"`
		Hits []hit `json:"hits"`
	} `json:"hits"`
	Aggregations struct {
		Histogram struct {
			Buckets []struct {
				Key      json.Number `json:"key"`
				DocCount int64       `json:"doc_count"`
			} `json:"buckets"`
		} `json:"histogram"`
		Containers struct {
			Value json.Number `json:"value"`
		} `json:"containers"`
	} `json:"aggregations"`
}

func (a *answer) total() int64 {
	n, _ := a.Hits.Total.Value.Int64()
	return n
}

// search runs body on the indices of pattern.
func (c *Client) search(ctx context.Context, pattern string, body m) (*answer, error) {
	var a answer
	if err := c.do(ctx, http.MethodPost, "/"+pattern+"/_search", body, &a); err != nil {
		return nil, err
	}
	return &a, nil
}

// order is a sort by time, newest first unless asc.
func order(field string, asc bool) []any {
	o := "desc"
	if asc {
		o = "asc"
	}
	return []any{m{field: m{"order": o}}}
}

// pageOf asks for a page of the records of q in k, each made a T by conv,
// and their total; an empty scope (!ok) is an empty page.
func pageOf[T any](ctx context.Context, c *Client, k kind, q m, ok bool, w loggingsvc.Window,
	rec func(map[string]any) victorialogs.Record, conv func(victorialogs.Record) T) (*loggingsvc.PageOf[T], error) {
	page := &loggingsvc.PageOf[T]{Records: []T{}}
	if !ok {
		return page, nil
	}
	a, err := c.search(ctx, k.index, m{"query": within(q, k.time, w.Range), "from": w.From, "size": w.Size,
		"sort": order(k.time, w.Ascending), "track_total_hits": true})
	if err != nil {
		return nil, err
	}
	for _, h := range a.Hits.Hits {
		page.Records = append(page.Records, conv(rec(h.Source)))
	}
	page.Total = a.total()
	return page, nil
}

// Search returns a page of log records and the total.
func (c *Client) Search(ctx context.Context, q loggingsvc.Query) (*loggingsvc.Page, error) {
	query, ok := c.logQuery(q.Search, q.Scope)
	return pageOf(ctx, c, c.logs(), query, ok, q.Window, c.logRecord, loggingsvc.RecordFrom)
}

// Events returns a page of events and the total.
func (c *Client) Events(ctx context.Context, q loggingsvc.EventQuery) (*loggingsvc.EventPage, error) {
	query, ok := c.eventQuery(q.Search, q.Scope)
	return pageOf(ctx, c, c.events(), query, ok, q.Window, eventRecord, loggingsvc.EventFrom)
}

// Audit returns a page of audit records and the total.
func (c *Client) Audit(ctx context.Context, q loggingsvc.AuditQuery) (*loggingsvc.AuditPage, error) {
	query, ok := c.auditQuery(q.Search, q.Scope)
	return pageOf(ctx, c, c.audit(), query, ok, q.Window, auditRecord, loggingsvc.AuditRecordFrom)
}

// Histogram counts the matching lines per q.Interval.
func (c *Client) Histogram(ctx context.Context, q loggingsvc.Query) (*loggingsvc.Histogram, error) {
	query, ok := c.logQuery(q.Search, q.Scope)
	return c.histogram(ctx, c.logs(), query, ok, q.Window)
}

// EventHistogram counts the matching events per q.Interval.
func (c *Client) EventHistogram(ctx context.Context, q loggingsvc.EventQuery) (*loggingsvc.Histogram, error) {
	query, ok := c.eventQuery(q.Search, q.Scope)
	return c.histogram(ctx, c.events(), query, ok, q.Window)
}

// AuditHistogram counts the matching audit records per q.Interval.
func (c *Client) AuditHistogram(ctx context.Context, q loggingsvc.AuditQuery) (*loggingsvc.Histogram, error) {
	query, ok := c.auditQuery(q.Search, q.Scope)
	return c.histogram(ctx, c.audit(), query, ok, q.Window)
}

// histogram counts per interval with a date_histogram whose buckets start
// at multiples of the interval (as VictoriaLogs' hits) and stay within the
// range (hard_bounds); like VictoriaLogs, an interval without records has
// no bucket.
func (c *Client) histogram(ctx context.Context, k kind, q m, ok bool, w loggingsvc.Window) (*loggingsvc.Histogram, error) {
	h := &loggingsvc.Histogram{Interval: w.Interval.String(), Buckets: []loggingsvc.Bucket{}}
	if !ok {
		return h, nil
	}
	dh := m{"field": k.time, "fixed_interval": strconv.FormatInt(w.Interval.Milliseconds(), 10) + "ms", "min_doc_count": 1}
	if !w.Range.Start.IsZero() {
		end := w.Range.End
		if end.IsZero() {
			end = c.now()
		}
		dh["hard_bounds"] = m{"min": w.Range.Start.UnixMilli(), "max": end.UnixMilli()}
	}
	a, err := c.search(ctx, k.index, m{"query": within(q, k.time, w.Range), "size": 0, "track_total_hits": false,
		"aggs": m{"histogram": m{"date_histogram": dh}}})
	if err != nil {
		return nil, err
	}
	for _, b := range a.Aggregations.Histogram.Buckets {
		key, _ := b.Key.Float64()
		h.Buckets = append(h.Buckets, loggingsvc.Bucket{Time: int64(key), Count: b.DocCount})
		h.Total += b.DocCount
	}
	return h, nil
}

// Statistics counts the containers (their ids) and lines that match.
func (c *Client) Statistics(ctx context.Context, q loggingsvc.Query) (*loggingsvc.Statistics, error) {
	query, ok := c.logQuery(q.Search, q.Scope)
	if !ok {
		return &loggingsvc.Statistics{}, nil
	}
	a, err := c.search(ctx, c.logs().index, m{"query": within(query, c.fields.Time, q.Range), "size": 0, "track_total_hits": true,
		"aggs": m{"containers": m{"cardinality": m{"field": c.keyword(c.fields.ContainerID)}}}})
	if err != nil {
		return nil, err
	}
	n, _ := a.Aggregations.Containers.Value.Int64()
	return &loggingsvc.Statistics{Containers: n, Logs: a.total()}, nil
}

// logRecord is a container log document as the record of vlagent's fields.
func (c *Client) logRecord(src map[string]any) victorialogs.Record {
	f := c.fields
	r := victorialogs.Record{
		logsql.FieldTime: timeOf(lookup(src, f.Time)), logsql.FieldMessage: lookup(src, f.Message),
		logsql.FieldNamespace: lookup(src, f.Namespace), logsql.FieldPod: lookup(src, f.Pod),
		logsql.FieldContainer: lookup(src, f.Container), logsql.FieldNode: lookup(src, f.Node),
	}
	// The labels that tell the pod's owner, under vlagent's names.
	l := ownerLabels
	for _, name := range []string{l.templateHash, l.revisionHash, l.statefulSetPod, l.jobName, l.batchJobName} {
		if v := lookup(src, c.label(name)); v != "" {
			r["kubernetes.pod_labels."+name] = v
		}
	}
	return r
}

// eventFields and auditFields are the fields of the platform's documents
// besides the time and the message.
var (
	eventFields = []string{logsql.EventNamespace, logsql.EventWorkspace, logsql.EventObjectKind, logsql.EventObjectName,
		logsql.EventObjectNamespace, logsql.EventObjectUID, logsql.EventReason, logsql.EventType, logsql.EventSource,
		logsql.EventCount, logsql.EventFirstTime, logsql.EventUID, logsql.EventName}
	auditFields = []string{logsql.AuditSource, logsql.AuditType, logsql.AuditUser, logsql.AuditImpersonator, logsql.AuditVerb,
		logsql.AuditAPIGroup, logsql.AuditResource, logsql.AuditSubresource, logsql.AuditName, logsql.AuditNamespace,
		logsql.AuditWorkspace, logsql.AuditCode, logsql.AuditResult, logsql.AuditSourceIP, logsql.AuditUserAgent, logsql.AuditID}
)

func eventRecord(src map[string]any) victorialogs.Record { return platformRecord(src, eventFields) }

func auditRecord(src map[string]any) victorialogs.Record { return platformRecord(src, auditFields) }

func platformRecord(src map[string]any, fields []string) victorialogs.Record {
	r := victorialogs.Record{logsql.FieldTime: timeOf(lookup(src, docTime)), logsql.FieldMessage: lookup(src, docMessage)}
	for _, f := range fields {
		if v := lookup(src, f); v != "" {
			r[f] = v
		}
	}
	return r
}

// timeOf is a document's time as RFC 3339 (the store may keep Unix
// milliseconds).
func timeOf(v string) string {
	if ms, err := strconv.ParseInt(v, 10, 64); err == nil {
		return time.UnixMilli(ms).UTC().Format(time.RFC3339Nano)
	}
	return v
}
