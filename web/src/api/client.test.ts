import { ApiError, NetworkError, query, request, retryAfterSeconds } from './client';

describe('the API client', () => {
  afterEach(() => vi.restoreAllMocks());

  it('sends the CSRF cookie as a header on unsafe methods only', async () => {
    document.cookie = 'ke-csrf=tok123; path=/';
    const calls: RequestInit[] = [];
    vi.stubGlobal('fetch', vi.fn((_u: string, init: RequestInit) => {
      calls.push(init);
      return Promise.resolve(new Response('{}', { status: 200, headers: { 'Content-Type': 'application/json' } }));
    }));
    await request('/kapis/x', { method: 'POST', body: { a: 1 } });
    await request('/kapis/x');
    expect((calls[0].headers as Record<string, string>)['X-CSRF-Token']).toBe('tok123');
    expect(calls[0].body).toBe('{"a":1}');
    expect((calls[1].headers as Record<string, string>)['X-CSRF-Token']).toBeUndefined();
  });

  it('turns a Status into an ApiError naming the wrong fields', async () => {
    vi.stubGlobal('fetch', vi.fn(() => Promise.resolve(
      new Response(JSON.stringify({ kind: 'Status', code: 422, message: 'bad', details: { causes: [{ field: 'spec.email' }] } }), { status: 422 })),
    ));
    const err = await request('/kapis/x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe(422);
    expect((err as ApiError).fields).toEqual(['spec.email']);
  });

  it('builds query strings without empty values', () => {
    expect(query({ page: 2, name: '', sortBy: 'name', ascending: false, x: undefined })).toBe('?page=2&sortBy=name&ascending=false');
    expect(query({})).toBe('');
  });
});

describe('errors of the API client', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('turns no answer into a NetworkError, not an empty result', async () => {
    vi.stubGlobal('fetch', vi.fn(() => Promise.reject(new TypeError('Failed to fetch'))));
    await expect(request('/kapis/x')).rejects.toBeInstanceOf(NetworkError);
  });

  it('keeps what the server asked to wait', async () => {
    vi.stubGlobal('fetch', vi.fn(() => Promise.resolve(new Response(JSON.stringify({ kind: 'Status', code: 429, message: 'slow down' }), { status: 429, headers: { 'Retry-After': '17' } }))));
    const err = (await request('/kapis/x').catch((e: unknown) => e)) as ApiError;
    expect(err.retryAfter).toBe(17);
  });

  it.each([
    ['seconds', '30', 30],
    ['an HTTP date', new Date(Date.UTC(2030, 0, 1, 0, 0, 20)).toUTCString(), 20],
    ['nothing', null, undefined],
    ['rubbish', 'soon', undefined],
  ])('reads Retry-After given as %s', (_n, v, want) => {
    expect(retryAfterSeconds(v, Date.UTC(2030, 0, 1))).toBe(want);
  });
});
