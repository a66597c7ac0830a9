import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { act, renderHook, waitFor } from '@testing-library/react';
import type { ReactNode } from 'react';
import { ApiError } from './client';
import {
  auditFailed,
  auditHistogramURL,
  auditPath,
  auditQueryURL,
  eventsHistogramURL,
  eventsPath,
  eventsQueryURL,
  getAudit,
  getEventHistogram,
  getEvents,
  isNotServed,
  retryAudit,
  useAudit,
  useEvents,
  type EventRecord,
} from './events';

const base = '/kapis/logging.superkube.io/v1alpha2';

function params(u: string): URLSearchParams {
  return new URL(u, 'https://x').searchParams;
}
function path(u: string): string {
  return new URL(u, 'https://x').pathname;
}
function answer(body: unknown, status = 200) {
  return new Response(JSON.stringify(body), { status });
}

describe('event search paths and parameters', () => {
  it('searches every namespace the caller may list events in, or one', () => {
    expect(eventsPath()).toBe(`${base}/events`);
    expect(eventsPath('shop')).toBe(`${base}/namespaces/shop/events`);
    expect(eventsPath('a/b')).toBe(`${base}/namespaces/a%2Fb/events`);
  });

  it('sends the filters separated by commas, the range, order and page, and leaves out what is not set', () => {
    const u = eventsQueryURL({ namespace: 'shop', kinds: ['Pod'], names: ['web-1', 'web-2'], reasons: ['BackOff'], types: ['Warning'], words: ['failed', 'pull image'], start: 100, end: 200 }, 'desc');
    expect(path(u)).toBe(`${base}/namespaces/shop/events`);
    const p = params(u);
    expect(p.get('operation')).toBe('query');
    expect(p.get('involved_object_kind')).toBe('Pod');
    expect(p.get('involved_object_name')).toBe('web-1,web-2');
    expect(p.get('reason')).toBe('BackOff');
    expect(p.get('type')).toBe('Warning');
    expect(p.get('message_query')).toBe('failed,pull image');
    expect(p.get('start_time')).toBe('100');
    expect(p.get('end_time')).toBe('200');
    expect(p.get('sort')).toBe('desc');
    expect(p.get('size')).toBe('100');
    expect(p.has('from')).toBe(false);
    expect(p.has('involved_object_uid')).toBe(false);
    expect(p.has('involved_object_namespace')).toBe(false);
    expect(params(eventsQueryURL({ uids: ['u-1'], start: 1, end: 2 }, 'asc', 100, 20)).get('involved_object_uid')).toBe('u-1');
    expect(params(eventsQueryURL({ start: 1, end: 2 }, 'asc', 100, 20)).get('from')).toBe('100');
  });

  it('asks for the histogram with the same filters, without paging or order', () => {
    const p = params(eventsHistogramURL({ objectNamespaces: ['shop'], start: 1, end: 2 }));
    expect(p.get('operation')).toBe('histogram');
    expect(p.get('involved_object_namespace')).toBe('shop');
    expect(p.has('sort')).toBe(false);
    expect(p.has('size')).toBe(false);
  });
});

describe('audit search paths and parameters', () => {
  it('searches every workspace the caller may read, or one, and sends the filters by the API names, the range, order and page', () => {
    expect(auditPath()).toBe(`${base}/auditing/events`);
    expect(auditPath('retail')).toBe(`${base}/workspaces/retail/auditing/events`);
    expect(path(auditQueryURL({ workspace: 'a b', start: 1, end: 2 }, 'desc'))).toBe(`${base}/workspaces/a%20b/auditing/events`);
    const u = auditQueryURL({ users: ['admin'], verbs: ['create', 'update'], resources: ['deployments'], names: ['web'], namespaces: ['shop'], workspaces: ['retail'], codes: ['403'], sources: ['kube-apiserver'], start: 100, end: 200 }, 'desc', 50);
    expect(path(u)).toBe(`${base}/auditing/events`);
    const p = params(u);
    expect(Object.fromEntries(p)).toEqual({
      operation: 'query',
      user: 'admin',
      verb: 'create,update',
      resource: 'deployments',
      name: 'web',
      namespace: 'shop',
      workspace: 'retail',
      code: '403',
      source: 'kube-apiserver',
      start_time: '100',
      end_time: '200',
      sort: 'desc',
      from: '50',
      size: '100',
    });
    expect(Object.fromEntries(params(auditHistogramURL({ start: 1, end: 2 })))).toEqual({ operation: 'histogram', start_time: '1', end_time: '2' });
  });

  it('tells a failed request by its code, or by its result without one', () => {
    expect(auditFailed({ code: 201 })).toBe(false);
    expect(auditFailed({ code: 403 })).toBe(true);
    expect(auditFailed({ code: 500, result: 'Success' })).toBe(true);
    expect(auditFailed({ result: 'Success' })).toBe(false);
    expect(auditFailed({ result: 'Failure' })).toBe(true);
    expect(auditFailed({})).toBe(false);
  });
});

describe('requests', () => {
  afterEach(() => vi.unstubAllGlobals());

  const rec: EventRecord = {
    time: '2026-12-04T18:51:38Z',
    firstTime: '2026-12-04T18:51:35Z',
    namespace: 'shop',
    involvedObject: { kind: 'Pod', namespace: 'shop', name: 'web-0', uid: 'u-1' },
    reason: 'BackOff',
    type: 'Warning',
    message: 'Back-off restarting failed container',
    source: 'kubelet',
    count: 3,
  };

  it('reads a page of events and a histogram, empty answers as empty lists', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn((u: string) =>
        Promise.resolve(params(u).get('operation') === 'histogram' ? answer({ histogram: { total: 0, interval: '1m0s', buckets: null } }) : answer({ query: { total: 1, records: [rec] } })),
      ),
    );
    expect(await getEvents({ namespace: 'shop', start: 1, end: 2 }, 'desc')).toEqual({ total: 1, records: [rec] });
    expect(await getEventHistogram({ start: 1, end: 2 })).toEqual({ total: 0, interval: '1m0s', buckets: [] });
    vi.stubGlobal('fetch', vi.fn(() => Promise.resolve(answer({ query: { total: 0, records: null } }))));
    expect(await getAudit({ start: 1, end: 2 }, 'desc')).toEqual({ total: 0, records: [] });
  });

  it('takes a 404 of the audit search as a search the platform does not serve, never retried', async () => {
    vi.stubGlobal('fetch', vi.fn(() => Promise.resolve(answer({ kind: 'Status', code: 404, reason: 'NotFound', message: 'the server could not find the requested resource' }, 404))));
    const err = await getAudit({ start: 1, end: 2 }, 'desc').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(isNotServed(err)).toBe(true);
    expect(retryAudit(0, err)).toBe(false);
    expect(isNotServed(new ApiError(403, {}))).toBe(false);
    expect(retryAudit(0, new TypeError('failed to fetch'))).toBe(true);
  });
});

describe('hooks', () => {
  afterEach(() => vi.unstubAllGlobals());

  const wrapper = ({ children }: { children: ReactNode }) => (
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>{children}</QueryClientProvider>
  );

  it('pages the events from where the loaded ones end', async () => {
    const total = 130;
    const froms: string[] = [];
    vi.stubGlobal(
      'fetch',
      vi.fn((u: string) => {
        const p = params(u);
        froms.push(p.get('from') ?? '0');
        const from = Number(p.get('from') ?? 0);
        const n = Math.max(0, Math.min(Number(p.get('size')), total - from));
        const records = Array.from({ length: n }, (_, i) => ({ time: '2026-12-04T11:59:00Z', namespace: 'shop', involvedObject: { kind: 'Pod', name: `p-${from + i}` } }));
        return Promise.resolve(answer({ query: { total, records } }));
      }),
    );
    const { result } = renderHook(() => useEvents({ namespace: 'shop', reasons: ['Scheduled'], start: 1, end: 2 }, 'desc'), { wrapper });
    await waitFor(() => expect(result.current.data?.pages).toHaveLength(1));
    expect(result.current.hasNextPage).toBe(true);
    await act(() => result.current.fetchNextPage());
    await waitFor(() => expect(result.current.data?.pages).toHaveLength(2));
    expect(result.current.data?.pages[1].records?.[0].involvedObject.name).toBe('p-100');
    expect(result.current.hasNextPage).toBe(false);
    expect(froms).toEqual(['0', '100']);
  });

  it('gives up on an audit search that answers 404 at once', async () => {
    const fetch = vi.fn(() => Promise.resolve(answer({ kind: 'Status', code: 404 }, 404)));
    vi.stubGlobal('fetch', fetch);
    const client = new QueryClient();
    const w = ({ children }: { children: ReactNode }) => <QueryClientProvider client={client}>{children}</QueryClientProvider>;
    const { result } = renderHook(() => useAudit({ start: 1, end: 2 }, 'desc'), { wrapper: w });
    await waitFor(() => expect(result.current.error).toBeTruthy());
    expect(isNotServed(result.current.error)).toBe(true);
    expect(fetch).toHaveBeenCalledTimes(1);
  });

  it('asks nothing without a search', () => {
    const fetch = vi.fn();
    vi.stubGlobal('fetch', fetch);
    const { result } = renderHook(() => useEvents(undefined, 'desc'), { wrapper });
    expect(result.current.fetchStatus).toBe('idle');
    expect(fetch).not.toHaveBeenCalled();
  });
});
