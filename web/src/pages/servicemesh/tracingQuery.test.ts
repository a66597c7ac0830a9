import { describe, expect, it } from 'vitest';
import { tracesQuery } from '../../api/servicemesh';
import { paramsFromSearch, parseTags, searchFromParams, tagsText, validDuration } from './tracingQuery';

describe('tags', () => {
  it('reads key=value pairs, quoted values and wrong words', () => {
    expect(parseTags('error=true, http.status_code=500 user="a b" oops k=')).toEqual({ tags: { error: 'true', 'http.status_code': '500', user: 'a b' }, bad: ['oops', 'k='] });
    expect(tagsText({ error: 'true', user: 'a b' })).toBe('error=true user="a b"');
  });
});

describe('search in the address', () => {
  it('goes there and back', () => {
    const s = { service: 'reviews.shop', operation: 'GET /reviews', tags: { error: 'true' }, minDuration: '100ms', lookback: 86400, limit: 50 };
    expect(searchFromParams(paramsFromSearch(s))).toEqual({ ...s, maxDuration: undefined });
  });
  it('fills the defaults of a link that names only the service', () => {
    expect(searchFromParams(new URLSearchParams('service=reviews.shop&lookback=5&limit=-1'))).toEqual({ service: 'reviews.shop', operation: undefined, tags: undefined, minDuration: undefined, maxDuration: undefined, lookback: 3600, limit: 20 });
    expect(searchFromParams(new URLSearchParams(''))).toBeUndefined();
  });
  it('checks durations', () => {
    expect([validDuration(''), validDuration('1.5s'), validDuration('100ms'), validDuration('100'), validDuration('1 s')]).toEqual([true, true, true, false, false]);
  });
});

describe('tracesQuery', () => {
  it('resolves a lookback when sent, in µs, with tags as JSON', () => {
    const q = new URLSearchParams(tracesQuery({ service: 'a.b', tags: { error: 'true' }, lookback: 60, limit: 20 }, 1_000_000_000));
    expect(Object.fromEntries(q)).toEqual({ service: 'a.b', tags: '{"error":"true"}', start: String((1_000_000 - 60) * 1_000_000), end: String(1_000_000 * 1_000_000), limit: '20' });
  });
});
