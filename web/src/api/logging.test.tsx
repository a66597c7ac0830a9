import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { act, renderHook, waitFor } from '@testing-library/react';
import type { ReactNode } from 'react';
import { ApiError } from './client';
import {
  exportFileName,
  exportURL,
  fillBuckets,
  getHistogram,
  getLogs,
  histogramURL,
  isStoreUnavailable,
  logRange,
  logsPath,
  parseNames,
  parseWords,
  parseDuration,
  queryURL,
  readExport,
  retryLogs,
  useLogs,
  zoomRange,
  type LogRecord,
  type LogSearch,
} from './logging';

const base = '/kapis/logging.superkube.io/v1alpha2';
const now = Date.UTC(2026, 11, 4, 12, 0, 0); // ms
const nowSec = now / 1000;

function params(u: string): URLSearchParams {
  return new URL(u, 'https://x').searchParams;
}

describe('paths and parameters', () => {
  it('searches every namespace the caller may read, or one', () => {
    expect(logsPath()).toBe(`${base}/logs`);
    expect(logsPath('shop')).toBe(`${base}/namespaces/shop/logs`);
    expect(logsPath('a/b')).toBe(`${base}/namespaces/a%2Fb/logs`);
  });

  it('sends words and names separated by commas, the range in Unix seconds, and leaves out what is not set', () => {
    const s: LogSearch = { namespace: 'shop', words: ['error', 'connection reset'], workloads: ['web'], podParts: ['web-1'], start: nowSec - 3600, end: nowSec };
    const u = queryURL(s, 'desc');
    expect(new URL(u, 'https://x').pathname).toBe(`${base}/namespaces/shop/logs`);
    const p = params(u);
    expect(p.get('operation')).toBe('query');
    expect(p.get('log_query')).toBe('error,connection reset');
    expect(p.get('workloads')).toBe('web');
    expect(p.get('pod_query')).toBe('web-1');
    expect(p.get('start_time')).toBe(String(nowSec - 3600));
    expect(p.get('end_time')).toBe(String(nowSec));
    expect(p.get('sort')).toBe('desc');
    expect(p.get('size')).toBe('100');
    expect(p.has('from')).toBe(false);
    expect(p.has('namespaces')).toBe(false);
    expect(p.has('containers')).toBe(false);
    expect(params(queryURL(s, 'asc', 200, 50)).get('from')).toBe('200');
  });

  it('asks for the histogram and the export with the same search, without paging or order', () => {
    const s: LogSearch = { namespaceParts: ['sh'], containers: ['app'], start: 100, end: 200 };
    for (const [u, op] of [
      [histogramURL(s), 'histogram'],
      [exportURL(s), 'export'],
    ]) {
      const p = params(u);
      expect(new URL(u, 'https://x').pathname).toBe(`${base}/logs`);
      expect(p.get('operation')).toBe(op);
      expect(p.get('namespace_query')).toBe('sh');
      expect(p.get('containers')).toBe('app');
      expect(p.get('start_time')).toBe('100');
      expect(p.get('end_time')).toBe('200');
      expect(p.has('sort')).toBe(false);
      expect(p.has('size')).toBe(false);
    }
  });

  it('names an export after its scope and range', () => {
    expect(exportFileName({ namespace: 'shop', workloads: ['web'], start: nowSec - 60, end: nowSec })).toBe('logs-shop-web-20261204T115900Z-20261204T120000Z.txt');
    expect(exportFileName({ start: nowSec - 60, end: nowSec })).toBe('logs-all-20261204T115900Z-20261204T120000Z.txt');
  });
});

describe('what the user types', () => {
  it('reads words separated by spaces or commas, and a quoted phrase as one word', () => {
    expect(parseWords('')).toEqual([]);
    expect(parseWords('  error  timeout ')).toEqual(['error', 'timeout']);
    expect(parseWords('error,timeout')).toEqual(['error', 'timeout']);
    expect(parseWords('"connection reset" ERROR')).toEqual(['connection reset', 'ERROR']);
    expect(parseWords('"unfinished phrase')).toEqual(['unfinished phrase']);
    expect(parseWords('""')).toEqual([]);
  });

  it('reads names separated by commas or spaces', () => {
    expect(parseNames(' web, api  db ')).toEqual(['web', 'api', 'db']);
    expect(parseNames('')).toEqual([]);
  });
});

describe('ranges', () => {
  it('reads the last 15 minutes ... 7 days up to now', () => {
    expect(logRange({ key: '15m' }, now)).toEqual({ start: nowSec - 900, end: nowSec });
    expect(logRange({ key: '7d' }, now)).toEqual({ start: nowSec - 604800, end: nowSec });
  });

  it('reads a custom range as given, not past now and at least 10 seconds long', () => {
    expect(logRange({ key: 'custom', start: nowSec - 300, end: nowSec - 100 }, now)).toEqual({ start: nowSec - 300, end: nowSec - 100 });
    expect(logRange({ key: 'custom', start: nowSec - 300, end: nowSec + 600 }, now).end).toBe(nowSec);
    expect(logRange({ key: 'custom', start: nowSec - 100, end: nowSec - 100 }, now)).toEqual({ start: nowSec - 110, end: nowSec - 100 });
  });

  it('zooms to the selection in whole seconds, within the range shown, at least 10 seconds', () => {
    const shown = { start: 1000, end: 2000 };
    expect(zoomRange(1200.4, 1500.6, shown)).toEqual({ start: 1200, end: 1501 });
    expect(zoomRange(1500.6, 1200.4, shown)).toEqual({ start: 1200, end: 1501 });
    expect(zoomRange(900, 2100, shown)).toEqual(shown);
    const narrow = zoomRange(1500, 1502, shown);
    expect(narrow.end - narrow.start).toBe(10);
    expect(narrow.start).toBeLessThanOrEqual(1500);
    expect(narrow.end).toBeGreaterThanOrEqual(1502);
    expect(zoomRange(1998, 2000, shown)).toEqual({ start: 1990, end: 2000 });
    expect(zoomRange(1000, 1001, shown)).toEqual({ start: 1000, end: 1010 });
  });
});

function answer(body: unknown, status = 200, headers: Record<string, string> = {}) {
  return new Response(typeof body === 'string' ? body : JSON.stringify(body), { status, headers });
}

const unavailable = { kind: 'Status', status: 'Failure', code: 503, reason: 'ServiceUnavailable', message: 'the log store is unavailable; try again later' };

describe('requests', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('reads a page of records and a histogram, an empty answer as empty lists', async () => {
    const rec: LogRecord = { time: '2026-12-04T11:59:00.123456789Z', log: 'INFO app line 1', namespace: 'shop', pod: 'web-1', container: 'app', node: 'n1' };
    const fetch = vi.fn((u: string) =>
      Promise.resolve(
        params(u).get('operation') === 'histogram'
          ? answer({ histogram: { total: 0, interval: '1m0s', buckets: null } })
          : answer({ query: { total: 1, records: [rec] } }),
      ),
    );
    vi.stubGlobal('fetch', fetch);
    const s: LogSearch = { namespace: 'shop', start: 1, end: 2 };
    expect(await getLogs(s, 'desc')).toEqual({ total: 1, records: [rec] });
    expect(await getHistogram(s)).toEqual({ total: 0, interval: '1m0s', buckets: [] });
    expect(fetch).toHaveBeenCalledTimes(2);
  });

  it('reads the export as text, and a 503 as an unavailable store that is not retried', async () => {
    vi.stubGlobal('fetch', vi.fn(() => Promise.resolve(answer('line 1\nline 2\n', 200, { 'Content-Type': 'text/plain' }))));
    expect(await readExport({ start: 1, end: 2 })).toBe('line 1\nline 2\n');
    vi.stubGlobal('fetch', vi.fn(() => Promise.resolve(answer(unavailable, 503, { 'Retry-After': '10' }))));
    const err = await readExport({ start: 1, end: 2 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(isStoreUnavailable(err)).toBe(true);
    expect((err as ApiError).retryAfter).toBe(10);
    expect(retryLogs(0, err)).toBe(false);
  });

  it('keeps a bad parameter and a refusal apart from an unavailable store, and retries no answer twice', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(() => Promise.resolve(answer({ kind: 'Status', code: 400, reason: 'BadRequest', message: 'bad', details: { causes: [{ field: 'start_time', message: 'must be before end_time' }] } }, 400))),
    );
    const err = await getLogs({ start: 2, end: 1 }, 'desc').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).fields).toEqual(['start_time']);
    expect(isStoreUnavailable(err)).toBe(false);
    expect(retryLogs(0, err)).toBe(false);
    expect(isStoreUnavailable(new ApiError(403, {}))).toBe(false);
    expect(retryLogs(0, new TypeError('failed to fetch'))).toBe(true);
    expect(retryLogs(2, new TypeError('failed to fetch'))).toBe(false);
  });
});

describe('useLogs', () => {
  afterEach(() => vi.unstubAllGlobals());

  const wrapper = ({ children }: { children: ReactNode }) => (
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>{children}</QueryClientProvider>
  );

  it('loads more from where the pages end, with the same range, until every match is loaded', async () => {
    const total = 150;
    const froms: string[] = [];
    vi.stubGlobal(
      'fetch',
      vi.fn((u: string) => {
        const p = params(u);
        froms.push(`${p.get('from') ?? '0'} ${p.get('start_time')}-${p.get('end_time')}`);
        const from = Number(p.get('from') ?? 0);
        const n = Math.max(0, Math.min(Number(p.get('size')), total - from));
        const records = Array.from({ length: n }, (_, i) => ({ time: '2026-12-04T11:59:00Z', log: `line ${from + i}`, namespace: 'shop', pod: 'web-1', container: 'app' }));
        return Promise.resolve(answer({ query: { total, records } }));
      }),
    );
    const s: LogSearch = { namespace: 'shop', start: 100, end: 200 };
    const { result } = renderHook(() => useLogs(s, 'desc'), { wrapper });
    await waitFor(() => expect(result.current.data?.pages).toHaveLength(1));
    expect(result.current.hasNextPage).toBe(true);
    await act(() => result.current.fetchNextPage());
    await waitFor(() => expect(result.current.data?.pages).toHaveLength(2));
    expect(result.current.data?.pages[1].records?.[0].log).toBe('line 100');
    expect(result.current.hasNextPage).toBe(false);
    expect(froms).toEqual(['0 100-200', '100 100-200']);
  });

  it('asks nothing without a search', () => {
    const fetch = vi.fn();
    vi.stubGlobal('fetch', fetch);
    const { result } = renderHook(() => useLogs(undefined, 'desc'), { wrapper });
    expect(result.current.fetchStatus).toBe('idle');
    expect(fetch).not.toHaveBeenCalled();
  });
});

describe('histogram buckets', () => {
  it('reads the intervals the API writes', () => {
    expect(parseDuration('1m0s')).toBe(60);
    expect(parseDuration('30s')).toBe(30);
    expect(parseDuration('1h0m0s')).toBe(3600);
    expect(parseDuration('2h30m0s')).toBe(9000);
    expect(parseDuration('1.5s')).toBe(1.5);
    expect(parseDuration('')).toBeUndefined();
    expect(parseDuration('soon')).toBeUndefined();
  });

  it('lays the buckets on every interval of the range, the missing ones at zero', () => {
    const r = fillBuckets([{ time: 120_000, count: 3 }, { time: 240_000, count: 1 }], 60, { start: 90, end: 300 });
    expect(r).toEqual({ times: [60, 120, 180, 240], counts: [0, 3, 0, 1] });
  });

  it('gives buckets that are not on the intervals as they are', () => {
    expect(fillBuckets([{ time: 125_000, count: 3 }], 60, { start: 0, end: 300 })).toEqual({ times: [125], counts: [3] });
    expect(fillBuckets([{ time: 120_000, count: 3 }], undefined, { start: 0, end: 300 })).toEqual({ times: [120], counts: [3] });
  });
});
