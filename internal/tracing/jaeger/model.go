package jaeger

import (
	"encoding/json"
	"fmt"
	"time"
)

// Trace is one trace as the query API gives it: its spans, and the
// processes (a service and its resource tags) the spans name by id.
type Trace struct {
	TraceID   string             `json:"traceID"`
	Spans     []Span             `json:"spans"`
	Processes map[string]Process `json:"processes"`
	Warnings  []string           `json:"warnings,omitempty"`
}

// Span is one operation of a trace. Times are microseconds.
type Span struct {
	TraceID       string      `json:"traceID"`
	SpanID        string      `json:"spanID"`
	OperationName string      `json:"operationName"`
	References    []Reference `json:"references"`
	// StartTime is microseconds since the Unix epoch.
	StartTime int64 `json:"startTime"`
	// Duration is in microseconds.
	Duration  int64      `json:"duration"`
	Tags      []KeyValue `json:"tags"`
	Logs      []Log      `json:"logs"`
	ProcessID string     `json:"processID"`
	Warnings  []string   `json:"warnings,omitempty"`
}

// Reference links a span to another: CHILD_OF (its parent) or FOLLOWS_FROM.
type Reference struct {
	RefType string `json:"refType"`
	TraceID string `json:"traceID"`
	SpanID  string `json:"spanID"`
}

// Process is the service that emitted spans, with its resource tags.
type Process struct {
	ServiceName string     `json:"serviceName"`
	Tags        []KeyValue `json:"tags"`
}

// Log is an event of a span.
type Log struct {
	// Timestamp is microseconds since the Unix epoch.
	Timestamp int64      `json:"timestamp"`
	Fields    []KeyValue `json:"fields"`
}

// KeyValue is a tag: type is string, bool, int64, float64 or binary.
type KeyValue struct {
	Key   string `json:"key"`
	Type  string `json:"type"`
	Value any    `json:"value"`
}

// String is the value as text.
func (kv KeyValue) String() string {
	switch v := kv.Value.(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	default:
		return fmt.Sprint(v)
	}
}

// Tag finds a tag's value by key.
func Tag(tags []KeyValue, key string) (string, bool) {
	for _, t := range tags {
		if t.Key == key {
			return t.String(), true
		}
	}
	return "", false
}

// Start is the span's start time.
func (s *Span) Start() time.Time { return time.UnixMicro(s.StartTime) }

// Parent is the span's parent (its first CHILD_OF reference in the same
// trace), or "".
func (s *Span) Parent() string {
	for _, r := range s.References {
		if r.RefType == "CHILD_OF" && r.TraceID == s.TraceID {
			return r.SpanID
		}
	}
	return ""
}
