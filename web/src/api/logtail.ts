import { useEffect, useRef, useState } from 'react';
import { ApiError, openStream, query } from './client';
import { logsPath, type LogRecord, type LogSearch } from './logging';

// The live tail of the logging API (operation=tail): the new lines of a
// search as they reach the log store, as server-sent events, read with
// fetch through the API client (EventSource sends no headers of the
// console's and tells no error answer from another). A dropped stream is
// opened again, later each time, from where it stopped.

/** A search to follow: its scope and filters; the time range does not apply. */
export type TailSearch = Omit<LogSearch, 'start' | 'end'>;

/** One server-sent event: its type (message unless named) and its data lines joined. */
export interface ServerEvent {
  event: string;
  data: string;
  id?: string;
}

/**
 * EventParser reads server-sent events from text as it comes, in chunks
 * cut anywhere (within a line, between \r and \n): push gives the events
 * that a chunk completed. Comments (heartbeats) and events without data
 * give nothing, as in the browser's EventSource.
 */
export class EventParser {
  private rest = '';
  private data: string[] = [];
  private event = '';
  private id: string | undefined;
  private crPending = false;

  push(chunk: string): ServerEvent[] {
    let text = chunk;
    // A \r\n split across two chunks: the \n ends no second line.
    if (this.crPending && text.startsWith('\n')) text = text.slice(1);
    this.crPending = text.endsWith('\r');
    const out: ServerEvent[] = [];
    const lines = (this.rest + text).split(/\r\n|\r|\n/);
    this.rest = lines.pop() ?? '';
    for (const line of lines) this.line(line, out);
    return out;
  }

  private line(line: string, out: ServerEvent[]) {
    if (line === '') {
      if (this.data.length) out.push({ event: this.event || 'message', data: this.data.join('\n'), ...(this.id !== undefined ? { id: this.id } : {}) });
      this.data = [];
      this.event = '';
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'data':
        this.data.push(value);
        break;
      case 'event':
        this.event = value;
        break;
      case 'id':
        this.id = value;
        break;
    }
  }
}

/** tailURL is the path and query of a search's live tail, starting since ago (a duration up to 1h, such as 30s). */
export function tailURL(s: TailSearch, since: string): string {
  const joined = (v: string[] | undefined) => (v?.length ? v.join(',') : undefined);
  return (
    logsPath(s.namespace) +
    query({
      operation: 'tail',
      log_query: joined(s.words),
      namespaces: joined(s.namespaces),
      workloads: joined(s.workloads),
      pods: joined(s.pods),
      containers: joined(s.containers),
      namespace_query: joined(s.namespaceParts),
      workload_query: joined(s.workloadParts),
      pod_query: joined(s.podParts),
      container_query: joined(s.containerParts),
      since,
    })
  );
}

/** TailEnded is a stream that the server ended: an error event (the store went away) or the end of the answer. */
export class TailEnded extends Error {
  constructor(message = 'the live stream ended') {
    super(message);
    this.name = 'TailEnded';
  }
}

/**
 * readEvents reads a stream of server-sent events to its end, giving each
 * to onEvent, until signal aborts (then it returns quietly).
 */
export async function readEvents(body: ReadableStream<Uint8Array>, onEvent: (e: ServerEvent) => void, signal: AbortSignal): Promise<void> {
  const reader = body.getReader();
  const cancel = () => void reader.cancel().catch(() => undefined);
  signal.addEventListener('abort', cancel);
  const decoder = new TextDecoder();
  const parser = new EventParser();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (signal.aborted) return;
      // An event the stream ended within is not complete: it is dropped, as EventSource does.
      if (done) return;
      for (const e of parser.push(decoder.decode(value, { stream: true }))) onEvent(e);
    }
  } finally {
    signal.removeEventListener('abort', cancel);
  }
}

/** The first wait before opening a dropped stream again, and the longest, in ms. */
export const firstRetry = 1_000;
export const longestRetry = 30_000;

/** retryDelay is the wait before the attempt after n failed ones in a row: 1 s, 2 s, 4 s … 30 s, or longer when the server asked (Retry-After). */
export function retryDelay(n: number, err: unknown): number {
  const backoff = Math.min(longestRetry, firstRetry * 2 ** n);
  const asked = err instanceof ApiError && err.retryAfter !== undefined ? err.retryAfter * 1000 : 0;
  return Math.max(backoff, Math.min(asked, longestRetry * 2));
}

/** isFinal tells an error that another attempt would meet again: refused, not found, bad input, not logged in. */
export function isFinal(err: unknown): boolean {
  return err instanceof ApiError && err.code >= 400 && err.code < 500 && err.code !== 408 && err.code !== 429;
}

/** The most a stream starts back, as the API allows. */
const maxSince = 3600;

/** resumeSince is how far back a stream opened again starts: from a moment (ms) on, with two seconds to spare, at most an hour. */
export function resumeSince(from: number, now: number): string {
  return `${Math.min(maxSince, Math.max(1, Math.ceil((now - from) / 1000) + 2))}s`;
}

export interface TailHandlers {
  /** the stream is open (again) */
  onOpen: () => void;
  onRecord: (r: LogRecord) => void;
  /** the stream could not open or broke off; the next attempt is in ms */
  onRetry: (err: unknown, ms: number) => void;
  /** an answer no attempt would change (403, 400 ...): the tail ends */
  onFail: (err: unknown) => void;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const id = setTimeout(done, ms);
    function done() {
      clearTimeout(id);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}

/**
 * followTail follows a search until signal aborts: it opens the stream
 * (url gives the path for how far back it starts), gives each record to
 * the handlers, and when the stream cannot open or breaks off waits
 * (retryDelay) and opens it again from the last line it had (so a line
 * may come twice, none is missed). An answer that another attempt would
 * not change ends it.
 */
export async function followTail(url: (since: string) => string, since: string, h: TailHandlers, signal: AbortSignal): Promise<void> {
  let failures = 0;
  let from: number | undefined;
  while (!signal.aborted) {
    let err: unknown;
    try {
      const body = await openStream(url(from === undefined ? since : resumeSince(from, Date.now())), signal);
      failures = 0;
      from = from ?? Date.now();
      h.onOpen();
      await readEvents(
        body,
        (e) => {
          if (e.event === 'error') {
            let message: string | undefined;
            try {
              message = (JSON.parse(e.data) as { message?: string }).message;
            } catch {
              /* not JSON */
            }
            throw new TailEnded(message);
          }
          if (e.event !== 'message') return;
          let r: LogRecord;
          try {
            r = JSON.parse(e.data) as LogRecord;
          } catch {
            return;
          }
          const at = Date.parse(r.time);
          if (!Number.isNaN(at)) from = Math.max(from ?? at, at);
          h.onRecord(r);
        },
        signal,
      );
      err = new TailEnded();
    } catch (e) {
      err = e;
    }
    if (signal.aborted) return;
    if (isFinal(err)) {
      h.onFail(err);
      return;
    }
    const ms = retryDelay(failures++, err);
    h.onRetry(err, ms);
    await sleep(ms, signal);
  }
}

/** recordKey tells a line from another: a stream opened again may give a line twice. */
export function recordKey(r: LogRecord): string {
  return `${r.time}\u0000${r.namespace}\u0000${r.pod}\u0000${r.container}\u0000${r.log}`;
}

/** byTime orders lines by their time, oldest first (lines of the same millisecond by their nanoseconds, then as they came). */
export function byTime(a: LogRecord, b: LogRecord): number {
  return Date.parse(a.time) - Date.parse(b.time) || (a.time < b.time ? -1 : a.time > b.time ? 1 : 0);
}

/** capLines keeps the newest max lines (of lines oldest first), and says how many were dropped. */
export function capLines(lines: LogRecord[], max: number): { kept: LogRecord[]; dropped: number } {
  return lines.length > max ? { kept: lines.slice(lines.length - max), dropped: lines.length - max } : { kept: lines, dropped: 0 };
}

export type TailState = 'off' | 'connecting' | 'live' | 'reconnecting' | 'failed';

export interface LogTail {
  state: TailState;
  /** the lines kept, oldest first */
  lines: LogRecord[];
  /** lines dropped to keep at most max */
  dropped: number;
  /** lines that came while paused, shown on resume */
  held: number;
  paused: boolean;
  setPaused: (p: boolean) => void;
  /** why the stream is being opened again (reconnecting), or why it ended (failed) */
  error?: unknown;
  /** when the next attempt is, Unix ms (reconnecting) */
  retryAt?: number;
}

/** The lines a live tail keeps in memory; older ones are dropped. */
export const maxTailLines = 1000;
/** How far back a live tail starts. */
export const tailSince = '30s';
/** How often new lines are put on screen, ms: a busy stream is drawn in batches. */
const drawEvery = 250;

/**
 * useLogTail follows a search live while search is given (undefined: off):
 * the lines kept in time order (at most max, the oldest dropped), the stream's state,
 * and a pause that holds new lines back until resumed. The stream is
 * closed when search becomes undefined, its filters change (a new stream
 * starts with the new filters) or the component unmounts.
 */
export function useLogTail(search: TailSearch | undefined, max = maxTailLines, since = tailSince): LogTail {
  const key = search ? tailURL(search, since) : undefined;
  // The view belongs to the stream of its key: another key starts afresh.
  const [view, setView] = useState<View>(() => fresh(undefined));
  const [paused, setPausedState] = useState(false);
  const pausedRef = useRef(false);
  const draw = useRef<() => void>(() => undefined);

  useEffect(() => {
    if (!key || !search) return;
    const update = (patch: Partial<View>) => setView((v) => ({ ...(v.key === key ? v : fresh(key)), ...patch }));
    const ctrl = new AbortController();
    const seen = new Set<string>();
    let pending: LogRecord[] = [];
    let kept: LogRecord[] = [];
    let dropped = 0;

    draw.current = () => {
      if (pausedRef.current) {
        // Held back, at most max of them: beyond that the oldest go.
        const c = capLines(pending.sort(byTime), max);
        dropped += c.dropped;
        pending = c.kept;
        update({ held: pending.length, dropped });
        return;
      }
      if (!pending.length) return;
      // The store sends lines as they reach it, several streams interleaved: they are put in time order.
      const c = capLines([...kept, ...pending].sort(byTime), max);
      pending = [];
      kept = c.kept;
      dropped += c.dropped;
      if (seen.size > 4 * max) {
        seen.clear();
        for (const r of kept) seen.add(recordKey(r));
      }
      update({ lines: kept, held: 0, dropped });
    };
    const timer = setInterval(() => draw.current(), drawEvery);
    void followTail(
      (s) => tailURL(search, s),
      since,
      {
        onOpen: () => update({ state: 'live', error: undefined, retryAt: undefined }),
        onRecord: (r) => {
          const k = recordKey(r);
          if (seen.has(k)) return;
          seen.add(k);
          pending.push(r);
        },
        onRetry: (err, ms) => update({ state: 'reconnecting', error: err, retryAt: Date.now() + ms }),
        onFail: (err) => update({ state: 'failed', error: err, retryAt: undefined }),
      },
      ctrl.signal,
    );
    return () => {
      ctrl.abort();
      clearInterval(timer);
      draw.current = () => undefined;
    };
    // The key holds everything of the search that the stream depends on.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, max, since]);

  const setPaused = (p: boolean) => {
    pausedRef.current = p;
    setPausedState(p);
    if (!p) draw.current();
  };
  const v = view.key === key ? view : fresh(key);
  return { ...v, paused, setPaused };
}

interface View {
  key?: string;
  state: TailState;
  lines: LogRecord[];
  dropped: number;
  held: number;
  error?: unknown;
  retryAt?: number;
}

function fresh(key: string | undefined): View {
  return { key, state: key ? 'connecting' : 'off', lines: [], dropped: 0, held: 0 };
}
