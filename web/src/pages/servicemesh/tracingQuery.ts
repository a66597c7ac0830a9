import type { TraceSearch } from '../../api/servicemesh';

// A trace search as the page's address holds it (?service=reviews.shop&
// operation=...&tags=http.status_code%3D500&minDuration=100ms&lookback=3600&limit=20),
// so that links from the topology and from a workload prefill it and a
// search can be shared; and the tags field's "key=value key=value" text.

export const lookbacks = [900, 3600, 6 * 3600, 86400, 7 * 86400] as const;
export const defaultLookback = 3600;
export const defaultLimit = 20;

export interface TagsParse {
  tags: Record<string, string>;
  /** the words that are not key=value */
  bad: string[];
}

/** parseTags reads "error=true http.status_code=500" (spaces or commas between pairs; a value may be quoted). */
export function parseTags(text: string): TagsParse {
  const tags: Record<string, string> = {};
  const bad: string[] = [];
  for (const m of text.matchAll(/([^\s,=]+)=("([^"]*)"|[^\s,]*)|(\S+)/g)) {
    if (m[4] !== undefined) {
      if (m[4] !== ',') bad.push(m[4]);
      continue;
    }
    const value = m[3] ?? m[2];
    if (value === '') bad.push(m[0]);
    else tags[m[1]] = value;
  }
  return { tags, bad };
}

/** tagsText writes tags back as the field shows them. */
export function tagsText(tags: Record<string, string> | undefined): string {
  return Object.entries(tags ?? {})
    .map(([k, v]) => (/[\s,"]/.test(v) ? `${k}="${v}"` : `${k}=${v}`))
    .join(' ');
}

// A Jaeger duration: a number and a unit.
const durationRe = /^\d+(\.\d+)?(us|µs|ms|s|m|h)$/;

export function validDuration(v: string): boolean {
  return v === '' || durationRe.test(v);
}

/** searchFromParams reads a search from the page's address; undefined without a service. */
export function searchFromParams(p: URLSearchParams): TraceSearch | undefined {
  const service = p.get('service');
  if (!service) return undefined;
  const lookback = Number(p.get('lookback'));
  const limit = Number(p.get('limit'));
  const { tags } = parseTags(p.get('tags') ?? '');
  return {
    service,
    operation: p.get('operation') || undefined,
    tags: Object.keys(tags).length ? tags : undefined,
    minDuration: p.get('minDuration') || undefined,
    maxDuration: p.get('maxDuration') || undefined,
    lookback: (lookbacks as readonly number[]).includes(lookback) ? lookback : defaultLookback,
    limit: Number.isInteger(limit) && limit > 0 && limit <= 1500 ? limit : defaultLimit,
  };
}

/** paramsFromSearch writes a search into the page's address. */
export function paramsFromSearch(s: TraceSearch): URLSearchParams {
  const p = new URLSearchParams();
  p.set('service', s.service);
  if (s.operation) p.set('operation', s.operation);
  if (s.tags && Object.keys(s.tags).length) p.set('tags', tagsText(s.tags));
  if (s.minDuration) p.set('minDuration', s.minDuration);
  if (s.maxDuration) p.set('maxDuration', s.maxDuration);
  p.set('lookback', String(s.lookback ?? defaultLookback));
  p.set('limit', String(s.limit ?? defaultLimit));
  return p;
}
