import { ApiError, query, request } from './client';

describe('the API client', () => {
  afterEach(() => vi.restoreAllMocks());

  it('sends the CSRF cookie as a header on unsafe methods only', async () => {
    document.cookie = 'ke-csrf=tok123; path=/';
    const calls: RequestInit[] = [];
    vi.stubGlobal('fetch', vi.fn(async (_u: string, init: RequestInit) => {
      calls.push(init);
      return new Response('{}', { status: 200, headers: { 'Content-Type': 'application/json' } });
    }));
    await request('/kapis/x', { method: 'POST', body: { a: 1 } });
    await request('/kapis/x');
    expect((calls[0].headers as Record<string, string>)['X-CSRF-Token']).toBe('tok123');
    expect(calls[0].body).toBe('{"a":1}');
    expect((calls[1].headers as Record<string, string>)['X-CSRF-Token']).toBeUndefined();
  });

  it('turns a Status into an ApiError naming the wrong fields', async () => {
    vi.stubGlobal('fetch', vi.fn(async () =>
      new Response(JSON.stringify({ kind: 'Status', code: 422, message: 'bad', details: { causes: [{ field: 'spec.email' }] } }), { status: 422 }),
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
