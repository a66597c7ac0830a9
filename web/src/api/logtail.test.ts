import { ApiError } from './client';
import type { LogRecord } from './logging';
import { sse } from '../test/sse';
import { byTime, capLines, EventParser, followTail, isFinal, resumeSince, retryDelay, TailEnded, tailURL, type ServerEvent } from './logtail';

const rec = (n: number, pod = 'web-a'): LogRecord => ({ time: `2026-12-04T12:00:0${n}.000Z`, log: `line ${n}`, namespace: 'shop', pod, container: 'app' });
const data = (r: LogRecord) => `data: ${JSON.stringify(r)}\n\n`;

describe('the server-sent event parser', () => {
  const cases: { name: string; chunks: string[]; want: ServerEvent[] }[] = [
    { name: 'an event is its data lines up to a blank line', chunks: ['data: {"a":1}\n\n'], want: [{ event: 'message', data: '{"a":1}' }] },
    { name: 'comments (heartbeats) give nothing', chunks: [': following\n\n', ': keepalive\n\n'], want: [] },
    { name: 'an event cut anywhere across chunks is given once whole', chunks: ['da', 'ta: {"a"', ':1}\n', '\ndata: 2\n\n'], want: [{ event: 'message', data: '{"a":1}' }, { event: 'message', data: '2' }] },
    { name: 'an event named error keeps its name', chunks: ['event: error\ndata: {"message":"gone"}\n\n'], want: [{ event: 'error', data: '{"message":"gone"}' }] },
    { name: 'lines may end in \\r\\n, even split between chunks', chunks: ['data: x\r', '\n\r\n'], want: [{ event: 'message', data: 'x' }] },
    { name: 'several data lines are joined by newlines', chunks: ['data: a\ndata: b\n\n'], want: [{ event: 'message', data: 'a\nb' }] },
    { name: 'an event without its blank line is not given yet', chunks: ['data: a\n'], want: [] },
    { name: 'a field without a space after the colon is read too', chunks: ['data:a\n\n'], want: [{ event: 'message', data: 'a' }] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const p = new EventParser();
      expect(c.chunks.flatMap((ch) => p.push(ch))).toEqual(c.want);
    });
  }
});

describe('the tail request', () => {
  it('carries the filters and since, and no time range', () => {
    const u = new URL(tailURL({ namespace: 'shop', words: ['error', 'connection reset'], workloads: ['web'], podParts: ['a'] }, '30s'), 'https://x');
    expect(u.pathname).toBe('/kapis/logging.superkube.io/v1alpha2/namespaces/shop/logs');
    expect(Object.fromEntries(u.searchParams)).toEqual({ operation: 'tail', log_query: 'error,connection reset', workloads: 'web', pod_query: 'a', since: '30s' });
    expect(new URL(tailURL({}, '10s'), 'https://x').pathname).toBe('/kapis/logging.superkube.io/v1alpha2/logs');
  });

  it('waits longer after each failure, up to 30 s, and as long as the server asks', () => {
    expect([0, 1, 2, 3, 4, 5, 6].map((n) => retryDelay(n, new TailEnded()))).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000]);
    expect(retryDelay(0, new ApiError(503, { code: 503 }, 10))).toBe(10000);
  });

  it('gives up on refusals and bad input, not on an unavailable store or no answer', () => {
    expect(isFinal(new ApiError(403, { code: 403 }))).toBe(true);
    expect(isFinal(new ApiError(400, { code: 400 }))).toBe(true);
    expect(isFinal(new ApiError(503, { code: 503 }))).toBe(false);
    expect(isFinal(new ApiError(429, { code: 429 }))).toBe(false);
    expect(isFinal(new TailEnded())).toBe(false);
  });

  it('starts a stream opened again from the last line, with two seconds to spare, at most an hour back', () => {
    expect(resumeSince(10_000, 15_500)).toBe('8s');
    expect(resumeSince(0, 10 * 3600_000)).toBe('3600s');
    expect(resumeSince(5_000, 5_000)).toBe('2s');
  });

  it('orders lines by their time, to the nanosecond', () => {
    const at = (time: string) => ({ ...rec(1), time });
    const lines = [at('2026-12-04T12:00:01.000000002Z'), at('2026-12-04T12:00:00.5Z'), at('2026-12-04T12:00:01.000000001Z')];
    expect([...lines].sort(byTime).map((l) => l.time)).toEqual(['2026-12-04T12:00:00.5Z', '2026-12-04T12:00:01.000000001Z', '2026-12-04T12:00:01.000000002Z']);
  });

  it('keeps the newest lines and counts those dropped', () => {
    const lines = [1, 2, 3, 4, 5].map((n) => rec(n));
    expect(capLines(lines, 3)).toEqual({ kept: lines.slice(2), dropped: 2 });
    expect(capLines(lines, 10)).toEqual({ kept: lines, dropped: 0 });
  });
});

describe('following a tail', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('gives each record, opens a dropped stream again from its last line, and stops when aborted', async () => {
    const streams = [sse(), sse()];
    const asked: URL[] = [];
    const signals: AbortSignal[] = [];
    vi.stubGlobal(
      'fetch',
      vi.fn((u: string, init: RequestInit) => {
        asked.push(new URL(u, 'https://x'));
        signals.push(init.signal!);
        expect((init.headers as Record<string, string>).Accept).toBe('text/event-stream');
        return Promise.resolve(new Response(streams[asked.length - 1].body, { status: 200, headers: { 'Content-Type': 'text/event-stream' } }));
      }),
    );
    const got: string[] = [];
    const retries: number[] = [];
    let opened = 0;
    const ctrl = new AbortController();
    const done = followTail((s) => tailURL({ namespace: 'shop' }, s), '30s', { onOpen: () => opened++, onRecord: (r) => got.push(r.log), onRetry: (_e, ms) => retries.push(ms), onFail: () => expect.fail('no failure') }, ctrl.signal);

    await vi.waitFor(() => expect(opened).toBe(1));
    expect(asked[0].searchParams.get('since')).toBe('30s');
    streams[0].send(': following\n\n' + data(rec(1)) + data(rec(2)));
    await vi.waitFor(() => expect(got).toEqual(['line 1', 'line 2']));
    // The store goes away: an error event ends the stream; it is opened again after a second.
    streams[0].send('event: error\ndata: {"message":"the log store is unavailable; the stream ends"}\n\n');
    await vi.waitFor(() => expect(retries).toEqual([1000]));
    await vi.waitFor(() => expect(opened).toBe(2), { timeout: 3000 });
    // From the last line on: a duration, not the first since.
    expect(asked[1].searchParams.get('since')).toMatch(/^\d+s$/);
    expect(asked[1].searchParams.get('since')).not.toBe('30s');
    streams[1].send(data(rec(3)));
    await vi.waitFor(() => expect(got).toEqual(['line 1', 'line 2', 'line 3']));

    ctrl.abort();
    await done;
    expect(signals[1].aborted).toBe(true);
    expect(asked).toHaveLength(2);
  });

  it('ends on a refusal with the API error, asking once', async () => {
    const fetch = vi.fn(() => Promise.resolve(new Response(JSON.stringify({ kind: 'Status', code: 403, message: 'user x may not read pods/log in shop' }), { status: 403 })));
    vi.stubGlobal('fetch', fetch);
    let failed: unknown;
    await followTail((s) => tailURL({ namespace: 'shop' }, s), '30s', { onOpen: () => expect.fail('not opened'), onRecord: () => undefined, onRetry: () => expect.fail('no retry'), onFail: (e) => (failed = e) }, new AbortController().signal);
    expect(failed).toBeInstanceOf(ApiError);
    expect((failed as ApiError).code).toBe(403);
    expect(fetch).toHaveBeenCalledTimes(1);
  });

  it('retries an unavailable store (503) after the wait it asks', async () => {
    vi.stubGlobal('fetch', vi.fn(() => Promise.resolve(new Response(JSON.stringify({ kind: 'Status', code: 503, message: 'the log store is unavailable' }), { status: 503, headers: { 'Retry-After': '10' } }))));
    const ctrl = new AbortController();
    const retries: [unknown, number][] = [];
    const done = followTail((s) => tailURL({}, s), '30s', { onOpen: () => undefined, onRecord: () => undefined, onRetry: (e, ms) => retries.push([e, ms]), onFail: () => expect.fail('no failure') }, ctrl.signal);
    await vi.waitFor(() => expect(retries).toHaveLength(1));
    expect((retries[0][0] as ApiError).code).toBe(503);
    expect(retries[0][1]).toBe(10000);
    ctrl.abort();
    await done;
  });
});
