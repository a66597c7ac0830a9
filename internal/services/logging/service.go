// Package logging searches the container logs in the log store for the
// logging API: a page of records, their total, counts per interval,
// statistics and an export, each confined to the namespaces the caller
// may read (logsql.Scope), which the handler decides.
package logging

import (
	"bufio"
	"context"
	"errors"
	"io"
	"strconv"
	"time"

	"github.com/superkube/super-kubenetes/internal/logging/logsql"
	"github.com/superkube/super-kubenetes/internal/logging/victorialogs"
)

// Limits of a request.
const (
	// MaxSize is the most records of one page.
	MaxSize = 1000
	// MaxExport is the most lines of an export.
	MaxExport = 100000
	// MaxBuckets is the most intervals of a histogram.
	MaxBuckets = 1000
)

// Service runs searches on the store; without a store every call is
// victorialogs.ErrUnavailable.
type Service struct {
	Store *victorialogs.Client
}

// Window is the time range, order and page of a search.
type Window struct {
	Range victorialogs.Range
	// Ascending sorts the oldest first (default: newest first).
	Ascending bool
	From      int
	Size      int
	// Interval is the histogram's step.
	Interval time.Duration
}

// Query is one search of container logs.
type Query struct {
	Search logsql.Search
	Scope  logsql.Scope
	Window
}

// EventQuery is one search of Kubernetes events.
type EventQuery struct {
	Search logsql.EventSearch
	Scope  logsql.Scope
	Window
}

// AuditQuery is one search of audit records.
type AuditQuery struct {
	Search logsql.AuditSearch
	// Scope is of workspaces, each from its creation (All for everything).
	Scope logsql.Scope
	Window
}

// AuditRecord is who did what to which object, and the answer.
type AuditRecord struct {
	Time         time.Time `json:"time"`
	Source       string    `json:"source"`
	Type         string    `json:"type"`
	User         string    `json:"user"`
	Impersonator string    `json:"impersonator,omitempty"`
	Verb         string    `json:"verb,omitempty"`
	APIGroup     string    `json:"apiGroup,omitempty"`
	Resource     string    `json:"resource,omitempty"`
	Subresource  string    `json:"subresource,omitempty"`
	Name         string    `json:"name,omitempty"`
	Namespace    string    `json:"namespace,omitempty"`
	Workspace    string    `json:"workspace,omitempty"`
	Code         int       `json:"code"`
	Result       string    `json:"result"`
	SourceIP     string    `json:"sourceIP,omitempty"`
	UserAgent    string    `json:"userAgent,omitempty"`
	AuditID      string    `json:"auditID,omitempty"`
	Message      string    `json:"message"`
}

// AuditPage is a page of audit records and how many match in all.
type AuditPage = PageOf[AuditRecord]

// Event is a Kubernetes event's latest occurrence, as the store keeps it.
type Event struct {
	Time      time.Time `json:"time"`
	FirstTime time.Time `json:"firstTime,omitzero"`
	Namespace string    `json:"namespace,omitempty"`
	Workspace string    `json:"workspace,omitempty"`
	Object    Object    `json:"involvedObject"`
	Reason    string    `json:"reason,omitempty"`
	Type      string    `json:"type,omitempty"`
	Message   string    `json:"message"`
	Source    string    `json:"source,omitempty"`
	Count     int64     `json:"count"`
	UID       string    `json:"uid"`
}

// Object is the object an event is about.
type Object struct {
	Kind      string `json:"kind,omitempty"`
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name,omitempty"`
	UID       string `json:"uid,omitempty"`
}

// EventPage is a page of events and how many match in all.
type EventPage = PageOf[Event]

// Record is a log line with where it came from.
type Record struct {
	Time      time.Time `json:"time"`
	Log       string    `json:"log"`
	Namespace string    `json:"namespace"`
	Pod       string    `json:"pod"`
	Container string    `json:"container"`
	Node      string    `json:"node,omitempty"`
	// Owner is the workload of the pod, when its labels tell it.
	Owner *Owner `json:"owner,omitempty"`
}

// Owner is the workload (Deployment, StatefulSet, DaemonSet, Job) a pod
// belongs to.
type Owner struct {
	Kind string `json:"kind"`
	Name string `json:"name"`
}

// Page is a page of records and how many match in all.
type Page = PageOf[Record]

// PageOf is a page of records of a kind and how many match in all.
type PageOf[T any] struct {
	Total   int64 `json:"total"`
	Records []T   `json:"records"`
}

// Bucket is the number of lines in the interval that starts at Time.
type Bucket struct {
	Time  int64 `json:"time"` // Unix milliseconds
	Count int64 `json:"count"`
}

// Histogram counts the lines per interval.
type Histogram struct {
	Total    int64    `json:"total"`
	Interval string   `json:"interval"`
	Buckets  []Bucket `json:"buckets"`
}

// Statistics count the containers that logged and their lines.
type Statistics struct {
	Containers int64 `json:"containers"`
	Logs       int64 `json:"logs"`
}

func (s *Service) store() (*victorialogs.Client, error) {
	if s.Store == nil {
		return nil, victorialogs.ErrUnavailable
	}
	return s.Store, nil
}

// Search returns a page of records and the total.
func (s *Service) Search(ctx context.Context, q Query) (*Page, error) {
	filter, ok := logsql.Filter(q.Search, q.Scope.From(q.Range.Start))
	return pageOf(ctx, s, victorialogs.ContainerLogs, filter, ok, q.Window, RecordFrom)
}

// Events returns a page of events and the total.
func (s *Service) Events(ctx context.Context, q EventQuery) (*EventPage, error) {
	filter, ok := logsql.EventFilter(q.Search, q.Scope.From(q.Range.Start))
	return pageOf(ctx, s, victorialogs.Events, filter, ok, q.Window, EventFrom)
}

// Audit returns a page of audit records and the total.
func (s *Service) Audit(ctx context.Context, q AuditQuery) (*AuditPage, error) {
	filter, ok := logsql.AuditFilter(q.Search, q.Scope.From(q.Range.Start))
	return pageOf(ctx, s, victorialogs.Audit, filter, ok, q.Window, AuditRecordFrom)
}

// AuditHistogram counts the matching audit records per q.Interval.
func (s *Service) AuditHistogram(ctx context.Context, q AuditQuery) (*Histogram, error) {
	filter, ok := logsql.AuditFilter(q.Search, q.Scope.From(q.Range.Start))
	return s.histogram(ctx, victorialogs.Audit, filter, ok, q.Window)
}

// pageOf runs a filter in a tenant for a page of its records, each made
// a T by conv, and counts how many match in all; an empty scope (!ok) is an
// empty page.
func pageOf[T any](ctx context.Context, s *Service, tenant victorialogs.Tenant, filter string, ok bool, w Window, conv func(victorialogs.Record) T) (*PageOf[T], error) {
	page := &PageOf[T]{Records: []T{}}
	if !ok {
		return page, nil
	}
	st, err := s.store()
	if err != nil {
		return nil, err
	}
	st = st.In(tenant)
	order := " desc"
	if w.Ascending {
		order = ""
	}
	query := filter + " | sort by (_time" + order + ") | offset " + strconv.Itoa(w.From) + " | limit " + strconv.Itoa(w.Size)
	err = st.Records(ctx, query, w.Range, func(r victorialogs.Record) error {
		page.Records = append(page.Records, conv(r))
		return nil
	})
	if err != nil {
		return nil, err
	}
	counts, err := st.Stats(ctx, filter+" | stats count() total", w.Range)
	if err != nil {
		return nil, err
	}
	page.Total = counts["total"]
	return page, nil
}

// Histogram counts the matching lines per q.Interval.
func (s *Service) Histogram(ctx context.Context, q Query) (*Histogram, error) {
	filter, ok := logsql.Filter(q.Search, q.Scope.From(q.Range.Start))
	return s.histogram(ctx, victorialogs.ContainerLogs, filter, ok, q.Window)
}

// EventHistogram counts the matching events per q.Interval.
func (s *Service) EventHistogram(ctx context.Context, q EventQuery) (*Histogram, error) {
	filter, ok := logsql.EventFilter(q.Search, q.Scope.From(q.Range.Start))
	return s.histogram(ctx, victorialogs.Events, filter, ok, q.Window)
}

func (s *Service) histogram(ctx context.Context, tenant victorialogs.Tenant, filter string, ok bool, w Window) (*Histogram, error) {
	h := &Histogram{Interval: w.Interval.String(), Buckets: []Bucket{}}
	if !ok {
		return h, nil
	}
	st, err := s.store()
	if err != nil {
		return nil, err
	}
	// The store's buckets are aligned to the interval and may reach past
	// the range; the filter keeps them to it.
	if !w.Range.Start.IsZero() {
		filter += " " + logsql.FieldTime + ":>=" + w.Range.Start.UTC().Format(time.RFC3339Nano)
	}
	if !w.Range.End.IsZero() {
		filter += " " + logsql.FieldTime + ":<" + w.Range.End.UTC().Format(time.RFC3339Nano)
	}
	buckets, err := st.In(tenant).Hits(ctx, filter, w.Range, w.Interval)
	if err != nil {
		return nil, err
	}
	for _, b := range buckets {
		h.Buckets = append(h.Buckets, Bucket{Time: b.Time.UnixMilli(), Count: b.Count})
		h.Total += b.Count
	}
	return h, nil
}

// Statistics counts the containers and lines that match.
func (s *Service) Statistics(ctx context.Context, q Query) (*Statistics, error) {
	filter, ok := logsql.Filter(q.Search, q.Scope.From(q.Range.Start))
	if !ok {
		return &Statistics{}, nil
	}
	st, err := s.store()
	if err != nil {
		return nil, err
	}
	counts, err := st.Stats(ctx, filter+" | stats count_uniq("+logsql.FieldContainerID+") containers, count() logs", q.Range)
	if err != nil {
		return nil, err
	}
	return &Statistics{Containers: counts["containers"], Logs: counts["logs"]}, nil
}

// Available reports whether the store answers (ErrUnavailable when not).
func (s *Service) Available(ctx context.Context) error {
	st, err := s.store()
	if err != nil {
		return err
	}
	return st.Healthy(ctx)
}

// Tail follows the matching lines as the store takes them, from since
// ago, calling each for every record until ctx ends or each fails. An
// empty scope finds nothing: it waits for ctx.
func (s *Service) Tail(ctx context.Context, q Query, since time.Duration, each func(Record) error) error {
	filter, ok := logsql.Filter(q.Search, q.Scope)
	if !ok {
		<-ctx.Done()
		return nil
	}
	st, err := s.store()
	if err != nil {
		return err
	}
	return st.Tail(ctx, filter, since, func(r victorialogs.Record) error { return each(RecordFrom(r)) })
}

// Export writes the matching lines, oldest first, one per line, as they
// come from the store (at most MaxExport), and returns how many it wrote.
// begin is called before the first line, so that an error before any line
// can still be answered as an error.
func (s *Service) Export(ctx context.Context, q Query, w io.Writer, begin func()) (int, error) {
	filter, ok := logsql.Filter(q.Search, q.Scope.From(q.Range.Start))
	if !ok {
		begin()
		return 0, nil
	}
	st, err := s.store()
	if err != nil {
		return 0, err
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	n := 0
	started := false
	write := func(r victorialogs.Record) error {
		if !started {
			begin()
			started = true
		}
		n++
		if _, err := bw.WriteString(r[logsql.FieldMessage]); err != nil {
			return err
		}
		return bw.WriteByte('\n')
	}
	// The oldest lines first, a slice of the range at a time: sorting a
	// slice and stopping at the limit reads a fraction of what sorting the
	// whole range would (the store sorted 5 million lines for the oldest
	// 100,000), and the first lines go out after the first slice.
	for _, slice := range exportSlices(q.Range) {
		if n >= MaxExport {
			break
		}
		sliced := filter + " " + logsql.FieldTime + ":>=" + slice.Start.UTC().Format(time.RFC3339Nano) +
			" " + logsql.FieldTime + ":<" + slice.End.UTC().Format(time.RFC3339Nano)
		if err = st.Records(ctx, sliced+" | sort by (_time) | limit "+strconv.Itoa(MaxExport-n), slice, write); err != nil {
			break
		}
		if started {
			if err = bw.Flush(); err != nil {
				break
			}
		}
	}
	if err != nil {
		if started {
			_ = bw.Flush()
		}
		return n, err
	}
	if !started {
		begin()
	}
	return n, bw.Flush()
}

// exportSlices cuts a range into consecutive slices, small first (a 64th,
// at least a minute) and doubling, so that a dense range is read a little
// at a time and a sparse one in few requests.
func exportSlices(r victorialogs.Range) []victorialogs.Range {
	end := r.End
	if end.IsZero() {
		end = time.Now()
	}
	step := max(end.Sub(r.Start)/64, time.Minute)
	var out []victorialogs.Range
	for t := r.Start; t.Before(end); {
		next := t.Add(step)
		if next.After(end) {
			next = end
		}
		out = append(out, victorialogs.Range{Start: t, End: next})
		t = next
		step *= 2
	}
	return out
}

// AuditRecordFrom is the audit record of a store record with the fields
// ke-apiserver writes (logsql.Audit*, _time, _msg).
func AuditRecordFrom(r victorialogs.Record) AuditRecord {
	t, _ := time.Parse(time.RFC3339Nano, r[logsql.FieldTime])
	code, _ := strconv.Atoi(r[logsql.AuditCode])
	return AuditRecord{Time: t, Source: r[logsql.AuditSource], Type: r[logsql.AuditType], User: r[logsql.AuditUser],
		Impersonator: r[logsql.AuditImpersonator], Verb: r[logsql.AuditVerb], APIGroup: r[logsql.AuditAPIGroup], Resource: r[logsql.AuditResource],
		Subresource: r[logsql.AuditSubresource], Name: r[logsql.AuditName], Namespace: r[logsql.AuditNamespace], Workspace: r[logsql.AuditWorkspace],
		Code: code, Result: r[logsql.AuditResult], SourceIP: r[logsql.AuditSourceIP], UserAgent: r[logsql.AuditUserAgent], AuditID: r[logsql.AuditID],
		Message: r[logsql.FieldMessage]}
}

// EventFrom is the event of a store record with the fields the event
// exporter writes (logsql.Event*, _time, _msg).
func EventFrom(r victorialogs.Record) Event {
	t, _ := time.Parse(time.RFC3339Nano, r[logsql.FieldTime])
	first, _ := time.Parse(time.RFC3339Nano, r[logsql.EventFirstTime])
	n, _ := strconv.ParseInt(r[logsql.EventCount], 10, 64)
	return Event{Time: t, FirstTime: first, Namespace: r[logsql.EventNamespace], Workspace: r[logsql.EventWorkspace],
		Object: Object{Kind: r[logsql.EventObjectKind], Namespace: r[logsql.EventObjectNamespace], Name: r[logsql.EventObjectName], UID: r[logsql.EventObjectUID]},
		Reason: r[logsql.EventReason], Type: r[logsql.EventType], Message: r[logsql.FieldMessage], Source: r[logsql.EventSource], Count: n, UID: r[logsql.EventUID]}
}

// RecordFrom is the log record of a store record with vlagent's fields
// (logsql.Field*).
func RecordFrom(r victorialogs.Record) Record {
	t, _ := time.Parse(time.RFC3339Nano, r[logsql.FieldTime])
	rec := Record{Time: t, Log: r[logsql.FieldMessage], Namespace: r[logsql.FieldNamespace], Pod: r[logsql.FieldPod],
		Container: r[logsql.FieldContainer], Node: r[logsql.FieldNode]}
	if kind, name := logsql.Owner(r); kind != "" {
		rec.Owner = &Owner{Kind: kind, Name: name}
	}
	return rec
}

// Unavailable reports whether err means the store could not answer.
func Unavailable(err error) bool { return errors.Is(err, ErrUnavailable) }
