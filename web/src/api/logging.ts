import { keepPreviousData, useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { ApiError, api, query, request } from './client';
import type { RangeKey, TimeRange } from './monitoring';

// The logging API of ke-apiserver (logging.superkube.io/v1alpha2), typed:
// a search of the container logs kept in the log store, as a page of
// records, lines per interval (histogram) or an export as text, within the
// namespaces the caller may read pods' logs in (the API decides which).
// Pages call the hooks and never build a path of their own.

export const logging = '/kapis/logging.superkube.io/v1alpha2';

/** A log line with where it came from. */
export interface LogRecord {
  /** RFC 3339 with nanoseconds */
  time: string;
  log: string;
  namespace: string;
  pod: string;
  container: string;
  node?: string;
}

/** RecordPage is a page of records of the log store (lines, events, audit records) and how many match in all. */
export interface RecordPage<T> {
  total: number;
  records: T[] | null;
}

/** LogPage is a page of records and how many lines match in all. */
export type LogPage = RecordPage<LogRecord>;

/** A histogram's bucket: its start in Unix milliseconds and the lines in it. */
export interface Bucket {
  time: number;
  count: number;
}

export interface Histogram {
  total: number;
  /** a Go duration, such as 1m0s */
  interval: string;
  buckets: Bucket[] | null;
}

/**
 * LogSearch is one search: where (one namespace, or every namespace the
 * caller may read), what the lines must hold, whose lines, and when (Unix
 * seconds). Names are matched exactly; the *Parts forms match parts of
 * names.
 */
export interface LogSearch {
  /** one namespace (the API's namespaced path); none: every namespace the caller may read */
  namespace?: string;
  /** words each line must hold, all of them (a word may be a phrase) */
  words?: string[];
  namespaces?: string[];
  workloads?: string[];
  pods?: string[];
  containers?: string[];
  namespaceParts?: string[];
  workloadParts?: string[];
  podParts?: string[];
  containerParts?: string[];
  start: number;
  end: number;
}

export type SortOrder = 'desc' | 'asc';

const enc = encodeURIComponent;
const joined = (v: string[] | undefined) => (v?.length ? v.join(',') : undefined);

/** logsPath is the API path of a search's scope. */
export function logsPath(namespace?: string): string {
  return namespace ? `${logging}/namespaces/${enc(namespace)}/logs` : `${logging}/logs`;
}

/** searchParams are the parameters of a search that every operation shares. */
function searchParams(s: LogSearch): Record<string, string | number | undefined> {
  return {
    log_query: joined(s.words),
    namespaces: joined(s.namespaces),
    workloads: joined(s.workloads),
    pods: joined(s.pods),
    containers: joined(s.containers),
    namespace_query: joined(s.namespaceParts),
    workload_query: joined(s.workloadParts),
    pod_query: joined(s.podParts),
    container_query: joined(s.containerParts),
    start_time: s.start,
    end_time: s.end,
  };
}

/** The records of a page that the console asks for at a time. */
export const pageSize = 100;

/** The most records the API skips (from): the records past it are found by a narrower search. */
export const maxFrom = 100_000;

/** queryURL is the path and query of a page of records. */
export function queryURL(s: LogSearch, sort: SortOrder, from = 0, size = pageSize): string {
  return logsPath(s.namespace) + query({ operation: 'query', ...searchParams(s), sort, from: from || undefined, size });
}

/** histogramURL is the path and query of the lines per interval (the API chooses the interval, about 60 of the range). */
export function histogramURL(s: LogSearch): string {
  return logsPath(s.namespace) + query({ operation: 'histogram', ...searchParams(s) });
}

/** exportURL is the path and query of the export of a search: its lines as text, oldest first. */
export function exportURL(s: LogSearch): string {
  return logsPath(s.namespace) + query({ operation: 'export', ...searchParams(s) });
}

/** readPage reads a page of records of any kind at a path and query (operation=query), no records as an empty list. */
export function readPage<T>(url: string, signal?: AbortSignal): Promise<RecordPage<T>> {
  return api.get<{ query: RecordPage<T> }>(url, signal).then((a) => ({ total: a.query.total, records: a.query.records ?? [] }));
}

/** readHistogram reads records per interval at a path and query (operation=histogram), no buckets as an empty list. */
export function readHistogram(url: string, signal?: AbortSignal): Promise<Histogram> {
  return api.get<{ histogram: Histogram }>(url, signal).then((a) => ({ ...a.histogram, buckets: a.histogram.buckets ?? [] }));
}

/** getLogs reads a page of records. */
export function getLogs(s: LogSearch, sort: SortOrder, from = 0, size = pageSize, signal?: AbortSignal): Promise<LogPage> {
  return readPage<LogRecord>(queryURL(s, sort, from, size), signal);
}

/** getHistogram reads the lines per interval. */
export function getHistogram(s: LogSearch, signal?: AbortSignal): Promise<Histogram> {
  return readHistogram(histogramURL(s), signal);
}

/** readExport reads the export of a search as text; a refusal or a store that is down is an ApiError, as every request. */
export function readExport(s: LogSearch, signal?: AbortSignal): Promise<string> {
  return request<string>(exportURL(s), { raw: true, signal });
}

/** exportFileName names an export's file after its scope and range. */
export function exportFileName(s: LogSearch): string {
  const at = (sec: number) => new Date(sec * 1000).toISOString().replace(/\.\d+Z$/, 'Z').replace(/[-:]/g, '');
  const scope = [s.namespace ?? 'all', ...(s.workloads ?? [])].join('-');
  return `logs-${scope}-${at(s.start)}-${at(s.end)}.txt`;
}

/**
 * downloadExport reads the export and hands it to the browser as a file.
 * It is read first (rather than a link the browser follows) so that an
 * error answer is shown as one, not saved as the file.
 */
export async function downloadExport(s: LogSearch): Promise<void> {
  const text = await readExport(s);
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([text], { type: 'text/plain' }));
  a.download = exportFileName(s);
  a.click();
  URL.revokeObjectURL(a.href);
}

/**
 * parseWords reads what the user typed in the query bar as the API's
 * words: separated by spaces or commas, a phrase in double quotes kept
 * whole ("connection reset" is one word of the API).
 */
export function parseWords(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/"([^"]*)"?|([^\s,"]+)/g)) {
    const w = (m[1] ?? m[2] ?? '').replace(/,/g, ' ').trim();
    if (w) out.push(w);
  }
  return out;
}

/** parseNames reads a filter's text as names or parts of names: separated by commas or spaces. */
export function parseNames(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

const rangeSeconds: Record<Exclude<RangeKey, 'custom'>, number> = { '15m': 900, '1h': 3600, '6h': 21600, '24h': 86400, '7d': 604800 };

/** The shortest range the console searches, in seconds: a zoom stops there. */
export const minSpan = 10;

/**
 * logRange turns a chosen range (the monitoring pages' picker) into start
 * and end in Unix seconds at a moment (now, in ms): the last 15m ... 7d up
 * to now, or a custom start and end, not past now and at least minSpan
 * long.
 */
export function logRange(r: TimeRange, now: number): { start: number; end: number } {
  const nowSec = Math.floor(now / 1000);
  if (r.key !== 'custom') return { start: nowSec - rangeSeconds[r.key], end: nowSec };
  const end = Math.min(r.end ?? nowSec, nowSec);
  const start = Math.min(r.start ?? end - 3600, end - minSpan);
  return { start, end };
}

/**
 * zoomRange is the range a selection on the histogram (from and to, Unix
 * seconds, in either order) chooses: whole seconds that hold the
 * selection, at least minSpan long, within the range shown.
 */
export function zoomRange(from: number, to: number, shown: { start: number; end: number }): { start: number; end: number } {
  let start = Math.max(Math.floor(Math.min(from, to)), shown.start);
  let end = Math.min(Math.ceil(Math.max(from, to)), shown.end);
  if (end - start < minSpan) {
    const mid = (start + end) / 2;
    start = Math.max(shown.start, Math.floor(mid - minSpan / 2));
    end = Math.min(shown.end, start + minSpan);
    start = Math.min(start, end - minSpan);
  }
  return { start, end };
}

/** isStoreUnavailable tells an answer that says the log store cannot answer now (the API's 503, or a gateway's 502/504). */
export function isStoreUnavailable(err: unknown): boolean {
  return err instanceof ApiError && (err.code === 503 || err.code === 502 || err.code === 504);
}

/**
 * retryLogs retries like every read, but not a log store that is
 * unavailable: the API already waited its timeout, so the page says so at
 * once.
 */
export function retryLogs(count: number, err: unknown): boolean {
  return !isStoreUnavailable(err) && !(err instanceof ApiError && err.code < 500) && count < 2;
}

/** searchKey is the cache key of a search. */
function searchKey(s: LogSearch) {
  return [logsPath(s.namespace), searchParams(s)] as const;
}

/**
 * usePages reads the records of a search of the log store a page at a
 * time (pageSize), the next page when fetchNextPage is called, as long as
 * more match: pageURL gives the path and query of the page from a record
 * on (none: nothing is asked). Every search page (lines, events, audit
 * records) pages this way.
 */
export function usePages<T>(key: readonly unknown[], pageURL: ((from: number) => string) | undefined, retry: (count: number, err: unknown) => boolean = retryLogs) {
  return useInfiniteQuery({
    queryKey: key,
    queryFn: ({ pageParam, signal }) => readPage<T>(pageURL!(pageParam), signal),
    initialPageParam: 0,
    getNextPageParam: (last: RecordPage<T>, pages: RecordPage<T>[]) => {
      const loaded = pages.reduce((n, p) => n + (p.records?.length ?? 0), 0);
      return (last.records?.length ?? 0) > 0 && loaded < last.total && loaded <= maxFrom ? loaded : undefined;
    },
    enabled: !!pageURL,
    retry,
    placeholderData: keepPreviousData,
  });
}

/** useHistogramAt reads records per interval at a path and query (none: nothing is asked). */
export function useHistogramAt(key: readonly unknown[], url: string | undefined, retry: (count: number, err: unknown) => boolean = retryLogs) {
  return useQuery({
    queryKey: key,
    queryFn: ({ signal }) => readHistogram(url!, signal),
    enabled: !!url,
    retry,
    placeholderData: keepPreviousData,
  });
}

/**
 * useLogs reads the records of a search a page at a time (pageSize), the
 * next page when fetchNextPage is called, as long as more match.
 */
export function useLogs(s: LogSearch | undefined, sort: SortOrder) {
  return usePages<LogRecord>(['logging', 'query', ...(s ? searchKey(s) : []), sort], s ? (from) => queryURL(s, sort, from) : undefined);
}

/** useHistogram reads the lines per interval of a search. */
export function useHistogram(s: LogSearch | undefined) {
  return useHistogramAt(['logging', 'histogram', ...(s ? searchKey(s) : [])], s ? histogramURL(s) : undefined);
}

/** parseDuration reads a Go duration as the API writes an interval (1m0s, 30s, 1h0m0s) in seconds, or undefined. */
export function parseDuration(d: string): number | undefined {
  const m = /^(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+(?:\.\d+)?)s)?$/.exec(d.trim());
  if (!m || d.trim() === '') return undefined;
  const s = Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
  return s > 0 ? s : undefined;
}

/**
 * fillBuckets lays a histogram's buckets on every interval of the range,
 * those the store did not name at zero, so that the bars stand where
 * their time is: times in Unix seconds (each bucket's start), counts. When
 * the buckets do not fall on the intervals (or there would be more than a
 * thousand), they are given as they are.
 */
export function fillBuckets(buckets: Bucket[], interval: number | undefined, range: { start: number; end: number }): { times: number[]; counts: number[] } {
  const given = { times: buckets.map((b) => b.time / 1000), counts: buckets.map((b) => b.count) };
  if (!interval) return given;
  const first = Math.floor(range.start / interval) * interval;
  if ((range.end - first) / interval > 1000) return given;
  const byTime = new Map<number, number>();
  for (const b of buckets) {
    const t = b.time / 1000;
    if ((t - first) % interval !== 0) return given;
    byTime.set(t, (byTime.get(t) ?? 0) + b.count);
  }
  const times: number[] = [];
  const counts: number[] = [];
  for (let t = first; t < range.end; t += interval) {
    times.push(t);
    counts.push(byTime.get(t) ?? 0);
    byTime.delete(t);
  }
  // A bucket outside the range (the store's own rounding) is kept, in order.
  for (const [t, c] of byTime) {
    const i = times.findIndex((x) => x > t);
    times.splice(i < 0 ? times.length : i, 0, t);
    counts.splice(i < 0 ? counts.length : i, 0, c);
  }
  return { times, counts };
}
