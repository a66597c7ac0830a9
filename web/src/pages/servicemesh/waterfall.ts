import type { KeyValue, Span, Trace } from '../../api/servicemesh';

// A trace's span timeline (waterfall): each span under its parent, the
// children in the order they started, each bar placed by its start's
// offset from the trace's start and as wide as its duration. A span whose
// parent is not in the trace (hidden: another project's, or lost) is drawn
// as a root, so that nothing is left out.

export interface WaterfallRow {
  span: Span;
  depth: number;
  /** µs from the trace's start */
  offset: number;
  /** the bar's left edge and width, in percent of the trace's duration */
  left: number;
  width: number;
  /** whether the span has children in the trace */
  hasChildren: boolean;
  /** the parent is named but not in the trace */
  orphan: boolean;
  error: boolean;
}

export interface TraceBounds {
  /** µs since the epoch */
  start: number;
  /** µs */
  duration: number;
}

/** bounds is when a trace started and how long it lasted, over all its spans. */
export function bounds(spans: Span[]): TraceBounds {
  if (spans.length === 0) return { start: 0, duration: 0 };
  let start = Infinity;
  let end = -Infinity;
  for (const s of spans) {
    start = Math.min(start, s.startTime);
    end = Math.max(end, s.startTime + s.duration);
  }
  return { start, duration: end - start };
}

function tag(tags: KeyValue[] | undefined, key: string): unknown {
  return tags?.find((t) => t.key === key)?.value;
}

/** isError tells a failed span: OpenTelemetry's error status, Jaeger's error tag, or an HTTP 5xx. */
export function isError(s: Span): boolean {
  if (s.error) return true;
  const e = tag(s.tags, 'error');
  if (e === true || e === 'true') return true;
  const status = tag(s.tags, 'otel.status_code');
  if (status === 'ERROR') return true;
  const code = Number(tag(s.tags, 'http.status_code') ?? tag(s.tags, 'http.response.status_code'));
  return Number.isFinite(code) && code >= 500;
}

/** waterfall lays out a trace's spans, depth first, children by start time. */
export function waterfall(trace: Pick<Trace, 'spans'>): WaterfallRow[] {
  const spans = trace.spans;
  const b = bounds(spans);
  const ids = new Set(spans.map((s) => s.spanID));
  const children = new Map<string, Span[]>();
  const roots: Span[] = [];
  for (const s of spans) {
    if (s.parentSpanID && s.parentSpanID !== s.spanID && ids.has(s.parentSpanID)) {
      const list = children.get(s.parentSpanID) ?? [];
      list.push(s);
      children.set(s.parentSpanID, list);
    } else {
      roots.push(s);
    }
  }
  const byStart = (a: Span, c: Span) => a.startTime - c.startTime || a.spanID.localeCompare(c.spanID);
  const rows: WaterfallRow[] = [];
  const seen = new Set<string>();
  const total = b.duration || 1;
  const visit = (s: Span, depth: number) => {
    if (seen.has(s.spanID)) return;
    seen.add(s.spanID);
    const offset = s.startTime - b.start;
    const kids = (children.get(s.spanID) ?? []).sort(byStart);
    rows.push({
      span: s,
      depth,
      offset,
      left: (offset / total) * 100,
      // A span of no duration is still seen.
      width: Math.max((s.duration / total) * 100, 0.2),
      hasChildren: kids.length > 0,
      orphan: !!s.parentSpanID && s.parentSpanID !== s.spanID && !ids.has(s.parentSpanID),
      error: isError(s),
    });
    for (const k of kids) visit(k, depth + 1);
  };
  for (const r of roots.sort(byStart)) visit(r, 0);
  // Spans in a cycle of parents (a broken trace) have no root: shown at the top level.
  for (const s of [...spans].sort(byStart)) visit(s, 0);
  return rows;
}

export interface TraceSummary {
  traceID: string;
  /** the first root span's service and operation */
  rootService: string;
  rootOperation: string;
  spans: number;
  /** µs */
  start: number;
  duration: number;
  services: string[];
  errors: number;
}

/** summary is a trace's line in the search results. */
export function summary(t: Trace): TraceSummary {
  const rows = waterfall(t);
  const root = rows[0]?.span;
  const b = bounds(t.spans);
  return {
    traceID: t.traceID,
    rootService: root?.service ?? '',
    rootOperation: root?.operation ?? '',
    spans: t.spans.length,
    start: b.start,
    duration: b.duration,
    services: [...new Set(t.spans.map((s) => s.service))].sort(),
    errors: rows.filter((r) => r.error).length,
  };
}

/** formatMicros says a duration in µs the way a trace's reader wants: 850µs, 12.5ms, 1.24s. */
export function formatMicros(us: number): string {
  if (us < 1000) return `${Math.round(us)}µs`;
  if (us < 1_000_000) return `${+(us / 1000).toFixed(us < 10_000 ? 2 : 1)}ms`;
  return `${+(us / 1_000_000).toFixed(2)}s`;
}

/** ticks are the time axis' marks: n+1 evenly spaced offsets in µs. */
export function ticks(duration: number, n = 4): number[] {
  return Array.from({ length: n + 1 }, (_, i) => (duration * i) / n);
}

/**
 * labelPlace is where a bar's duration goes: after the bar while there is
 * room, else before it, else (a bar across nearly the whole track) inside
 * its right end. Values are CSS percentages of the track.
 */
export function labelPlace(left: number, width: number): { side: 'after' | 'before' | 'inside'; left?: number; right?: number } {
  if (left + width <= 80) return { side: 'after', left: left + width };
  if (left >= 15) return { side: 'before', right: 100 - left };
  return { side: 'inside', right: Math.max(0, 100 - left - width) };
}
