package logging

import (
	"context"
	"io"
	"time"

	"github.com/superkube/super-kubenetes/internal/logging/victorialogs"
)

// Backend is a log store as the logging API uses it: the searches of
// container logs, Kubernetes events and audit records, each confined to its
// query's scope. Service is the VictoriaLogs backend; package
// internal/logging/elastic is the Elasticsearch and OpenSearch one. Every
// error of a store that cannot answer wraps ErrUnavailable.
type Backend interface {
	// Search returns a page of log records and the total.
	Search(ctx context.Context, q Query) (*Page, error)
	// Histogram counts the matching lines per q.Interval.
	Histogram(ctx context.Context, q Query) (*Histogram, error)
	// Statistics counts the containers and lines that match.
	Statistics(ctx context.Context, q Query) (*Statistics, error)
	// Export writes the matching lines, oldest first, at most MaxExport,
	// as they come; begin is called before the first line.
	Export(ctx context.Context, q Query, w io.Writer, begin func()) (int, error)
	// Tail follows the matching lines from since ago until ctx ends.
	Tail(ctx context.Context, q Query, since time.Duration, each func(Record) error) error
	// Events returns a page of events and the total.
	Events(ctx context.Context, q EventQuery) (*EventPage, error)
	// EventHistogram counts the matching events per q.Interval.
	EventHistogram(ctx context.Context, q EventQuery) (*Histogram, error)
	// Audit returns a page of audit records and the total.
	Audit(ctx context.Context, q AuditQuery) (*AuditPage, error)
	// AuditHistogram counts the matching audit records per q.Interval.
	AuditHistogram(ctx context.Context, q AuditQuery) (*Histogram, error)
	// Available reports whether the store answers.
	Available(ctx context.Context) error
}

var _ Backend = (*Service)(nil)

// ErrUnavailable is the error of a store that cannot answer, whichever the
// backend: the API answers 503 without the store's own message.
var ErrUnavailable = victorialogs.ErrUnavailable
