// Package tracegen sends real spans over OTLP/HTTP with the OpenTelemetry
// SDK, as instrumented services of a namespace would: each service is its
// own tracer provider whose resource says service.name (Istio's
// "<app>.<namespace>") and k8s.namespace.name. ke-dev's demo trace, the
// tracing tests and the benchmark use it.
package tracegen

import (
	"context"
	"errors"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// NamespaceKey is OpenTelemetry's resource attribute of a pod's namespace,
// which the tracing API reads a span's namespace from.
const NamespaceKey = "k8s.namespace.name"

// Span describes a span to send and the spans it calls.
type Span struct {
	// App and Namespace name the service: service.name is "<app>.<ns>",
	// unless Service is set.
	App, Namespace, Service string
	// NoNamespaceAttribute leaves k8s.namespace.name out of the resource
	// (the namespace then only shows in the service name, as with Istio's
	// proxies).
	NoNamespaceAttribute bool
	Operation            string
	// Offset is the start after the trace's start; Duration its length.
	Offset, Duration time.Duration
	// Attributes are the span's tags.
	Attributes map[string]string
	// Error marks the span failed (OpenTelemetry's error status, which
	// Jaeger shows as otel.status_code=ERROR and error=true).
	Error bool
	// Event, when set, is a log event at the middle of the span, with
	// EventAttributes.
	Event           string
	EventAttributes map[string]string
	Children        []Span
}

// ServiceName is the span's service.name.
func (s *Span) ServiceName() string {
	if s.Service != "" {
		return s.Service
	}
	if s.Namespace == "" {
		return s.App
	}
	return s.App + "." + s.Namespace
}

// Options tune the exporters.
type Options struct {
	// BatchSize is the spans per OTLP request (default 512); QueueSize
	// the spans waiting per service (default 2048). A full queue blocks
	// the sender rather than dropping spans.
	BatchSize, QueueSize int
}

// Sender sends spans to one OTLP/HTTP endpoint.
type Sender struct {
	endpoint string
	opts     Options
	mu       sync.Mutex
	// providers holds one tracer provider per service (and whether its
	// resource carries the namespace).
	providers map[providerKey]*sdktrace.TracerProvider
}

type providerKey struct {
	service, namespace string
}

// New returns a sender to endpoint (host:port of an OTLP/HTTP receiver,
// plain HTTP).
func New(endpoint string, opts Options) *Sender {
	if opts.BatchSize <= 0 {
		opts.BatchSize = 512
	}
	if opts.QueueSize <= 0 {
		opts.QueueSize = 2048
	}
	return &Sender{endpoint: endpoint, opts: opts, providers: map[providerKey]*sdktrace.TracerProvider{}}
}

func (s *Sender) tracer(ctx context.Context, sp *Span) (trace.Tracer, error) {
	k := providerKey{service: sp.ServiceName()}
	if !sp.NoNamespaceAttribute {
		k.namespace = sp.Namespace
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if tp, ok := s.providers[k]; ok {
		return tp.Tracer("super-kubenetes/tracegen"), nil
	}
	exp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpoint(s.endpoint), otlptracehttp.WithInsecure())
	if err != nil {
		return nil, err
	}
	attrs := []attribute.KeyValue{attribute.String("service.name", k.service)}
	if k.namespace != "" {
		attrs = append(attrs, attribute.String(NamespaceKey, k.namespace))
	}
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithResource(resource.NewSchemaless(attrs...)),
		sdktrace.WithSampler(sdktrace.AlwaysSample()),
		sdktrace.WithBatcher(exp, sdktrace.WithMaxExportBatchSize(s.opts.BatchSize),
			sdktrace.WithMaxQueueSize(s.opts.QueueSize), sdktrace.WithBlocking(),
			sdktrace.WithBatchTimeout(200*time.Millisecond)),
	)
	s.providers[k] = tp
	return tp.Tracer("super-kubenetes/tracegen"), nil
}

// Send records the tree of spans as one trace starting at start, and
// returns the trace's id (32 hex digits). The spans leave in batches:
// Flush waits for them.
func (s *Sender) Send(ctx context.Context, root *Span, start time.Time) (string, error) {
	sc, err := s.send(ctx, root, start)
	if err != nil {
		return "", err
	}
	return sc.TraceID().String(), nil
}

func (s *Sender) send(ctx context.Context, sp *Span, traceStart time.Time) (trace.SpanContext, error) {
	tr, err := s.tracer(ctx, sp)
	if err != nil {
		return trace.SpanContext{}, err
	}
	begin := traceStart.Add(sp.Offset)
	ctx, span := tr.Start(ctx, sp.Operation, trace.WithTimestamp(begin), trace.WithSpanKind(trace.SpanKindServer))
	for k, v := range sp.Attributes {
		span.SetAttributes(attribute.String(k, v))
	}
	if sp.Error {
		span.SetStatus(codes.Error, "request failed")
	}
	if sp.Event != "" {
		var attrs []attribute.KeyValue
		for k, v := range sp.EventAttributes {
			attrs = append(attrs, attribute.String(k, v))
		}
		span.AddEvent(sp.Event, trace.WithTimestamp(begin.Add(sp.Duration/2)), trace.WithAttributes(attrs...))
	}
	for i := range sp.Children {
		if _, err := s.send(ctx, &sp.Children[i], traceStart); err != nil {
			return trace.SpanContext{}, err
		}
	}
	span.End(trace.WithTimestamp(begin.Add(sp.Duration)))
	return span.SpanContext(), nil
}

// Flush exports every span sent so far.
func (s *Sender) Flush(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []error
	for _, tp := range s.providers {
		errs = append(errs, tp.ForceFlush(ctx))
	}
	return errors.Join(errs...)
}

// Close flushes and stops the exporters.
func (s *Sender) Close(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []error
	for k, tp := range s.providers {
		errs = append(errs, tp.Shutdown(ctx))
		delete(s.providers, k)
	}
	return errors.Join(errs...)
}

// Demo is a request of a small shop in namespace ns: the frontend serves
// a product page, calls reviews, which calls ratings (with a cache miss
// logged on reviews).
func Demo(ns string) *Span {
	return &Span{
		App: "frontend", Namespace: ns, Operation: "GET /productpage", Duration: 120 * time.Millisecond,
		Attributes: map[string]string{"http.request.method": "GET", "url.path": "/productpage", "http.response.status_code": "200"},
		Children: []Span{{
			App: "reviews", Namespace: ns, Operation: "GET /reviews/{id}", Offset: 10 * time.Millisecond, Duration: 90 * time.Millisecond,
			Attributes:      map[string]string{"http.request.method": "GET", "url.path": "/reviews/0", "http.response.status_code": "200", "product.id": "0"},
			Event:           "cache miss",
			EventAttributes: map[string]string{"cache.key": "reviews:0"},
			Children: []Span{{
				App: "ratings", Namespace: ns, Operation: "GET /ratings/{id}", Offset: 30 * time.Millisecond, Duration: 40 * time.Millisecond,
				Attributes: map[string]string{"http.request.method": "GET", "url.path": "/ratings/0", "http.response.status_code": "200", "db.system.name": "mongodb"},
			}},
		}},
	}
}
