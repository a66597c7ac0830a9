// Package audit records what callers did: every mutating request, every
// login, logout and failed login, as one JSON object per line in a rotating
// file and, optionally, posted in batches to a webhook. An event never holds
// a request body, a query string, a password, a token or a secret value.
package audit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/go-logr/logr"
	"gopkg.in/natefinch/lumberjack.v2"
)

// Event is one audited action.
type Event struct {
	Time      time.Time `json:"time"`
	RequestID string    `json:"requestID,omitempty"`
	// Type is request, login or logout.
	Type   string   `json:"type"`
	User   string   `json:"user"`
	Groups []string `json:"groups,omitempty"`
	// Subject is the user a login was for.
	Subject     string `json:"subject,omitempty"`
	Method      string `json:"method"`
	Path        string `json:"path"`
	Verb        string `json:"verb,omitempty"`
	APIGroup    string `json:"apiGroup,omitempty"`
	Resource    string `json:"resource,omitempty"`
	Subresource string `json:"subresource,omitempty"`
	Name        string `json:"name,omitempty"`
	Namespace   string `json:"namespace,omitempty"`
	Workspace   string `json:"workspace,omitempty"`
	Cluster     string `json:"cluster,omitempty"`
	Scope       string `json:"scope,omitempty"`
	Code        int    `json:"code"`
	// Result is success, failure or denied.
	Result    string `json:"result"`
	Reason    string `json:"reason,omitempty"`
	SourceIP  string `json:"sourceIP"`
	UserAgent string `json:"userAgent,omitempty"`
	LatencyMS int64  `json:"latencyMS"`
}

// Sink receives events.
type Sink interface {
	Write(e *Event)
}

// Sinks fans events out.
type Sinks []Sink

// Write implements Sink.
func (s Sinks) Write(e *Event) {
	for _, sink := range s {
		sink.Write(e)
	}
}

// FileSink writes events to a file rotated by size.
type FileSink struct {
	mu  sync.Mutex
	out io.WriteCloser
	log logr.Logger
}

// NewFileSink writes to path, keeping maxBackups rotated files of maxSizeMB.
func NewFileSink(path string, maxSizeMB, maxBackups int, log logr.Logger) *FileSink {
	return &FileSink{out: &lumberjack.Logger{Filename: path, MaxSize: maxSizeMB, MaxBackups: maxBackups, Compress: false}, log: log}
}

// NewWriterSink writes events to w, for tests and stdout.
func NewWriterSink(w io.WriteCloser) *FileSink { return &FileSink{out: w, log: logr.Discard()} }

// Write implements Sink.
func (f *FileSink) Write(e *Event) {
	data, err := json.Marshal(e)
	if err != nil {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, err := f.out.Write(append(data, '\n')); err != nil {
		f.log.Error(err, "Writing an audit event")
	}
}

// Close closes the file.
func (f *FileSink) Close() error { return f.out.Close() }

// WebhookSink posts batches of events to a URL, without blocking requests:
// when its buffer is full, events are dropped and counted.
type WebhookSink struct {
	url     string
	client  *http.Client
	events  chan *Event
	log     logr.Logger
	dropped int64
	mu      sync.Mutex
}

// NewWebhookSink posts to url with client (nil: a client with a 10s timeout).
func NewWebhookSink(url string, client *http.Client, log logr.Logger) *WebhookSink {
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	return &WebhookSink{url: url, client: client, events: make(chan *Event, 10000), log: log}
}

// Write implements Sink.
func (s *WebhookSink) Write(e *Event) {
	select {
	case s.events <- e:
	default:
		s.mu.Lock()
		s.dropped++
		s.mu.Unlock()
	}
}

// Run sends batches until ctx ends, then flushes what is left.
func (s *WebhookSink) Run(ctx context.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	var batch []*Event
	flush := func() {
		if len(batch) == 0 {
			return
		}
		if err := s.post(batch); err != nil {
			s.log.Error(err, "Posting audit events to the webhook", "events", len(batch))
		}
		batch = batch[:0]
	}
	for {
		select {
		case e := <-s.events:
			batch = append(batch, e)
			if len(batch) >= 500 {
				flush()
			}
		case <-t.C:
			flush()
		case <-ctx.Done():
			for {
				select {
				case e := <-s.events:
					batch = append(batch, e)
				default:
					flush()
					return
				}
			}
		}
	}
}

func (s *WebhookSink) post(batch []*Event) error {
	body, err := json.Marshal(map[string]any{"kind": "EventList", "items": batch})
	if err != nil {
		return err
	}
	resp, err := s.client.Post(s.url, "application/json", bytes.NewReader(body))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode >= 300 {
		return errors.New("the webhook answered " + resp.Status)
	}
	return nil
}
