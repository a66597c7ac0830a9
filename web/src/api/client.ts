import { url } from '../config';

/** A Kubernetes Status, as every API of the platform answers errors. */
export interface Status {
  kind?: string;
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: { name?: string; kind?: string; causes?: { field?: string; message?: string; reason?: string }[] };
}

export class ApiError extends Error {
  readonly code: number;
  readonly status: Status;
  /** Seconds the server asked to wait (Retry-After), on 429 and 503. */
  readonly retryAfter?: number;
  constructor(code: number, status: Status, retryAfter?: number) {
    super(status.message || `request failed with ${code}`);
    this.code = code;
    this.status = status;
    this.retryAfter = retryAfter;
  }
  /** The fields the server named as wrong. */
  get fields(): string[] {
    return (this.status.details?.causes ?? []).map((c) => c.field ?? '').filter(Boolean);
  }
}

/**
 * NetworkError is a request that got no answer: the network is down or the
 * console's server cannot be reached. It is never an empty answer.
 */
export class NetworkError extends Error {
  constructor(cause?: unknown) {
    super('the console cannot reach its server', { cause });
    this.name = 'NetworkError';
  }
}

/** retryAfterSeconds reads a Retry-After header (seconds or an HTTP date). */
export function retryAfterSeconds(v: string | null, now = Date.now()): number | undefined {
  if (!v) return undefined;
  if (/^\d+$/.test(v.trim())) return Number(v.trim());
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : Math.max(0, Math.ceil((t - now) / 1000));
}

export function csrfToken(): string {
  const m = document.cookie.match(/(?:^|;\s*)ke-csrf=([^;]+)/);
  return m ? decodeURIComponent(m[1]) : '';
}

const unsafe = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The host cluster: the one that runs the platform, asked without a prefix. */
export const hostCluster = 'host';

/**
 * clusterPath aims a path of the Kubernetes API, the list engine or the
 * tenant API at a cluster: a member's requests go under /clusters/{name},
 * the host's (or no cluster named) as they are. It is the only place the
 * console spells the prefix.
 */
export function clusterPath(cluster: string | undefined, path: string): string {
  if (!cluster || cluster === hostCluster) return path;
  return `/clusters/${encodeURIComponent(cluster)}${path.startsWith('/') ? '' : '/'}${path}`;
}

export interface RequestOptions {
  /** the cluster to aim the request at (the host when empty) */
  cluster?: string;
  method?: string;
  body?: unknown;
  contentType?: string;
  signal?: AbortSignal;
  raw?: boolean;
}

let onUnauthorized: (() => void) | undefined;
/** setUnauthorizedHandler is called when a request finds the session gone. */
export function setUnauthorizedHandler(f: () => void) {
  onUnauthorized = f;
}

/**
 * send makes a request and returns its answer when it succeeded: no answer
 * is a NetworkError, an error answer an ApiError (its Status), and a 401
 * tells the page that the session is gone. Every request of the console
 * goes through it.
 */
async function send(path: string, opts: RequestOptions & { accept?: string }): Promise<Response> {
  const method = opts.method ?? 'GET';
  const headers: Record<string, string> = { Accept: opts.accept ?? 'application/json' };
  if (unsafe.has(method)) {
    headers['X-CSRF-Token'] = csrfToken();
  }
  let body: BodyInit | undefined;
  if (opts.body !== undefined) {
    // A form's boundary is the browser's to set.
    if (!(opts.body instanceof FormData)) headers['Content-Type'] = opts.contentType ?? 'application/json';
    // Bytes (an uploaded archive) go as they are; anything else as JSON.
    body = typeof opts.body === 'string' || opts.body instanceof Blob || opts.body instanceof ArrayBuffer || opts.body instanceof FormData ? opts.body : JSON.stringify(opts.body);
  }
  let resp: Response;
  try {
    resp = await fetch(url(clusterPath(opts.cluster, path)), { method, headers, body, signal: opts.signal, credentials: 'same-origin' });
  } catch (e) {
    // An abort is the caller's; anything else is no answer at all.
    if (opts.signal?.aborted || (e instanceof DOMException && e.name === 'AbortError')) throw e;
    throw new NetworkError(e);
  }
  if (!resp.ok) {
    let status: Status = { code: resp.status, message: resp.statusText };
    try {
      status = (await resp.json()) as Status;
    } catch {
      /* not JSON */
    }
    if (resp.status === 401 && !path.startsWith('/auth/')) {
      onUnauthorized?.();
    }
    throw new ApiError(resp.status, status, retryAfterSeconds(resp.headers.get('Retry-After')));
  }
  return resp;
}

export async function request<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  const resp = await send(path, opts);
  if (opts.raw) {
    return (await resp.text()) as T;
  }
  if (resp.status === 204) {
    return undefined as T;
  }
  return (await resp.json()) as T;
}

/**
 * openStream starts a GET whose answer goes on (server-sent events) and
 * gives its body to read as it comes. It fails as every request does
 * before the answer begins (an ApiError with the server's Status, a
 * NetworkError); signal ends it.
 */
export async function openStream(path: string, signal: AbortSignal, accept = 'text/event-stream'): Promise<ReadableStream<Uint8Array>> {
  const resp = await send(path, { signal, accept });
  if (!resp.body) throw new NetworkError(new Error('the answer has no body'));
  return resp.body;
}

/** api makes requests to the host, or with cluster set to that cluster (clusterPath). */
export const api = {
  get: <T>(path: string, signal?: AbortSignal, cluster?: string) => request<T>(path, { signal, cluster }),
  post: <T>(path: string, body?: unknown, cluster?: string) => request<T>(path, { method: 'POST', body, cluster }),
  put: <T>(path: string, body: unknown, cluster?: string) => request<T>(path, { method: 'PUT', body, cluster }),
  patch: <T>(path: string, body: unknown, contentType = 'application/merge-patch+json', cluster?: string) =>
    request<T>(path, { method: 'PATCH', body, contentType, cluster }),
  del: <T>(path: string, cluster?: string) => request<T>(path, { method: 'DELETE', cluster }),
};

/** query builds a query string, leaving out empty values. */
export function query(params: Record<string, string | number | boolean | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== '') q.set(k, String(v));
  }
  const s = q.toString();
  return s ? '?' + s : '';
}
