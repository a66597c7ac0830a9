import { describe, expect, it } from 'vitest';
import type { Span } from '../../api/servicemesh';
import { formatMicros, isError, labelPlace, summary, waterfall } from './waterfall';

const span = (spanID: string, parentSpanID: string | undefined, startTime: number, duration: number, extra: Partial<Span> = {}): Span => ({ spanID, parentSpanID, service: 'svc', operation: spanID, startTime, duration, ...extra });

describe('waterfall', () => {
  it('nests spans under their parents, children by start', () => {
    const rows = waterfall({
      spans: [span('c2', 'a', 1_000_600, 100), span('a', undefined, 1_000_000, 1000), span('c1', 'a', 1_000_100, 300), span('g', 'c1', 1_000_200, 100)],
    });
    expect(rows.map((r) => [r.span.spanID, r.depth])).toEqual([['a', 0], ['c1', 1], ['g', 2], ['c2', 1]]);
    expect(rows.map((r) => [r.offset, r.left, r.width])).toEqual([[0, 0, 100], [100, 10, 30], [200, 20, 10], [600, 60, 10]]);
    expect(rows[0].hasChildren).toBe(true);
    expect(rows[2].hasChildren).toBe(false);
  });
  it('draws a span whose parent is hidden as a root, and a cycle once', () => {
    const rows = waterfall({ spans: [span('x', 'hidden', 10, 5), span('p', 'q', 0, 20), span('q', 'p', 1, 2)] });
    expect(rows.map((r) => r.span.spanID).sort()).toEqual(['p', 'q', 'x']);
    expect(rows.find((r) => r.span.spanID === 'x')).toMatchObject({ depth: 0, orphan: true });
  });
  it('gives a span of no duration a visible bar', () => {
    expect(waterfall({ spans: [span('a', undefined, 0, 100), span('b', 'a', 50, 0)] })[1].width).toBeGreaterThan(0);
  });
});

describe('summary', () => {
  it('sums a trace up', () => {
    const s = summary({
      traceID: 't',
      spans: [span('a', undefined, 100, 900, { service: 'front', operation: 'GET /' }), span('b', 'a', 200, 2000, { service: 'back', tags: [{ key: 'otel.status_code', value: 'ERROR' }] })],
    });
    expect(s).toEqual({ traceID: 't', rootService: 'front', rootOperation: 'GET /', spans: 2, start: 100, duration: 2100, services: ['back', 'front'], errors: 1 });
  });
  it('tells errors', () => {
    expect(isError(span('a', undefined, 0, 1, { tags: [{ key: 'error', value: true }] }))).toBe(true);
    expect(isError(span('a', undefined, 0, 1, { tags: [{ key: 'http.status_code', value: 503 }] }))).toBe(true);
    expect(isError(span('a', undefined, 0, 1, { tags: [{ key: 'http.status_code', value: 404 }] }))).toBe(false);
  });
  it('formats durations', () => {
    expect([formatMicros(850), formatMicros(1500), formatMicros(12_345), formatMicros(1_240_000)]).toEqual(['850µs', '1.5ms', '12.3ms', '1.24s']);
  });
});

describe('the API’s error flag', () => {
  it('is taken as it is', () => {
    expect(isError(span('a', undefined, 0, 1, { error: true }))).toBe(true);
  });
});

describe('labelPlace', () => {
  it('puts the duration after, before or inside the bar', () => {
    expect(labelPlace(10, 30)).toEqual({ side: 'after', left: 40 });
    expect(labelPlace(60, 35)).toEqual({ side: 'before', right: 40 });
    expect(labelPlace(0, 100)).toEqual({ side: 'inside', right: 0 });
  });
});
