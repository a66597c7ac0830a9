package tracing

import (
	"sort"
	"strconv"

	"github.com/superkube/super-kubenetes/internal/tracing/jaeger"
)

// Trace is a trace trimmed to the caller, ready for a waterfall: its spans
// in tree order (each after its parent, siblings by start) with their
// depth. Times are microseconds: startTime since the Unix epoch, a span's
// startOffset since the trace's start.
type Trace struct {
	TraceID       string `json:"traceID"`
	StartTime     int64  `json:"startTime"`
	Duration      int64  `json:"duration"`
	RootService   string `json:"rootService"`
	RootOperation string `json:"rootOperation"`
	// Services are the services of the spans shown, with their count.
	Services  []TraceService `json:"services"`
	SpanCount int            `json:"spanCount"`
	// HiddenSpans counts the spans the caller may not see (other
	// namespaces, or older than their namespace); Warnings say so.
	HiddenSpans int      `json:"hiddenSpans"`
	Errors      int      `json:"errors"`
	Warnings    []string `json:"warnings,omitempty"`
	Spans       []Span   `json:"spans"`
}

// TraceService is a service of a trace.
type TraceService struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
	Spans     int    `json:"spans"`
}

// Span is a span as the waterfall draws it. ParentSpanID is the nearest
// ancestor shown ("" for a root of what the caller sees).
type Span struct {
	SpanID       string            `json:"spanID"`
	ParentSpanID string            `json:"parentSpanID,omitempty"`
	Depth        int               `json:"depth"`
	Service      string            `json:"service"`
	Namespace    string            `json:"namespace"`
	Operation    string            `json:"operation"`
	StartTime    int64             `json:"startTime"`
	StartOffset  int64             `json:"startOffset"`
	Duration     int64             `json:"duration"`
	Error        bool              `json:"error"`
	Tags         []jaeger.KeyValue `json:"tags"`
	Logs         []Log             `json:"logs"`
	ProcessTags  []jaeger.KeyValue `json:"processTags"`
	Warnings     []string          `json:"warnings,omitempty"`
}

// Log is a span's event; offset is microseconds since the trace's start.
type Log struct {
	Timestamp int64             `json:"timestamp"`
	Offset    int64             `json:"offset"`
	Fields    []jaeger.KeyValue `json:"fields"`
}

// trim keeps the spans the scope sees; nil when none of them is of
// namespace ns (the trace is then not the caller's to know of).
func trim(t *jaeger.Trace, sc *scope, ns string) *Trace {
	all := make(map[string]*jaeger.Span, len(t.Spans))
	for i := range t.Spans {
		all[t.Spans[i].SpanID] = &t.Spans[i]
	}
	type shown struct {
		span *jaeger.Span
		proc jaeger.Process
		ns   string
	}
	kept := map[string]*shown{}
	var order []string
	mine := false
	for i := range t.Spans {
		s := &t.Spans[i]
		p, ok := t.Processes[s.ProcessID]
		if !ok {
			continue
		}
		sns := spanNamespace(p)
		if !sc.sees(sns, s.Start()) {
			continue
		}
		if _, dup := kept[s.SpanID]; dup {
			continue
		}
		kept[s.SpanID] = &shown{span: s, proc: p, ns: sns}
		order = append(order, s.SpanID)
		mine = mine || sns == ns
	}
	if !mine {
		return nil
	}
	// The parent shown is the nearest ancestor the caller sees.
	parent := map[string]string{}
	children := map[string][]string{}
	for _, id := range order {
		p := kept[id].span.Parent()
		for hops := 0; p != "" && kept[p] == nil && hops < len(all); hops++ {
			if a := all[p]; a != nil {
				p = a.Parent()
			} else {
				p = ""
			}
		}
		if kept[p] == nil || p == id {
			p = ""
		}
		parent[id] = p
		children[p] = append(children[p], id)
	}
	byStart := func(ids []string) {
		sort.SliceStable(ids, func(i, j int) bool {
			a, b := kept[ids[i]].span, kept[ids[j]].span
			if a.StartTime != b.StartTime {
				return a.StartTime < b.StartTime
			}
			return ids[i] < ids[j]
		})
	}
	out := &Trace{TraceID: t.TraceID, HiddenSpans: len(t.Spans) - len(kept), Spans: make([]Span, 0, len(kept))}
	var first, last int64
	for i, id := range order {
		s := kept[id].span
		if i == 0 || s.StartTime < first {
			first = s.StartTime
		}
		last = max(last, s.StartTime+s.Duration)
	}
	out.StartTime, out.Duration = first, last-first
	services := map[string]*TraceService{}
	var serviceOrder []string
	visited := map[string]bool{}
	var walk func(id string, depth int)
	walk = func(id string, depth int) {
		if visited[id] {
			return
		}
		visited[id] = true
		k := kept[id]
		s := k.span
		v := Span{SpanID: s.SpanID, ParentSpanID: parent[id], Depth: depth, Service: k.proc.ServiceName, Namespace: k.ns,
			Operation: s.OperationName, StartTime: s.StartTime, StartOffset: s.StartTime - first, Duration: s.Duration,
			Error: failed(s.Tags), Tags: nonNil(s.Tags), ProcessTags: nonNil(k.proc.Tags), Logs: []Log{}, Warnings: s.Warnings}
		for _, l := range s.Logs {
			v.Logs = append(v.Logs, Log{Timestamp: l.Timestamp, Offset: l.Timestamp - first, Fields: nonNil(l.Fields)})
		}
		if v.Error {
			out.Errors++
		}
		ts := services[v.Service]
		if ts == nil {
			ts = &TraceService{Name: v.Service, Namespace: v.Namespace}
			services[v.Service] = ts
			serviceOrder = append(serviceOrder, v.Service)
		}
		ts.Spans++
		out.Spans = append(out.Spans, v)
		kids := children[id]
		byStart(kids)
		for _, c := range kids {
			walk(c, depth+1)
		}
	}
	roots := children[""]
	byStart(roots)
	for _, id := range roots {
		walk(id, 0)
	}
	// A cycle of references leaves spans unreached: show them as roots.
	for _, id := range order {
		if !visited[id] {
			walk(id, 0)
		}
	}
	if len(out.Spans) > 0 {
		out.RootService, out.RootOperation = out.Spans[0].Service, out.Spans[0].Operation
	}
	for _, name := range serviceOrder {
		out.Services = append(out.Services, *services[name])
	}
	out.SpanCount = len(out.Spans)
	if out.HiddenSpans > 0 {
		out.Warnings = append(out.Warnings, strconv.Itoa(out.HiddenSpans)+" spans of this trace are hidden: they belong to namespaces you may not read, or predate their namespace")
	}
	return out
}

// failed reports an error span: OpenTelemetry's status (otel.status_code
// ERROR, as Jaeger shows it) or the error tag.
func failed(tags []jaeger.KeyValue) bool {
	if v, ok := jaeger.Tag(tags, "otel.status_code"); ok && v == "ERROR" {
		return true
	}
	v, ok := jaeger.Tag(tags, "error")
	return ok && v == "true"
}

func nonNil(kv []jaeger.KeyValue) []jaeger.KeyValue {
	if kv == nil {
		return []jaeger.KeyValue{}
	}
	return kv
}

// sortNewestFirst orders traces by start, newest first.
func sortNewestFirst(ts []*Trace) {
	sort.SliceStable(ts, func(i, j int) bool {
		if ts[i].StartTime != ts[j].StartTime {
			return ts[i].StartTime > ts[j].StartTime
		}
		return ts[i].TraceID < ts[j].TraceID
	})
}
