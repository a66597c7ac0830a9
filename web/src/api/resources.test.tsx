import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { act, renderHook, waitFor } from '@testing-library/react';
import type { ReactNode } from 'react';
import { useGet } from './resources';
import { useApiList } from './tenant';

/** FakeEventSource stands in for the browser's, which jsdom lacks. */
class FakeEventSource {
  static all: FakeEventSource[] = [];
  static CLOSED = 2;
  url: string;
  readyState = 0;
  onopen: (() => void) | null = null;
  onerror: (() => void) | null = null;
  onmessage: (() => void) | null = null;
  listeners: Record<string, (() => void)[]> = {};
  closed = false;
  constructor(url: string) {
    this.url = url;
    FakeEventSource.all.push(this);
  }
  addEventListener(type: string, f: () => void) {
    (this.listeners[type] ??= []).push(f);
  }
  emit(type: string) {
    for (const f of this.listeners[type] ?? []) f();
  }
  close() {
    this.closed = true;
  }
}

describe('live reads', () => {
  let version: number;
  let gets: number;
  beforeEach(() => {
    version = 1;
    gets = 0;
    FakeEventSource.all = [];
    vi.stubGlobal('EventSource', FakeEventSource);
    vi.stubGlobal('fetch', vi.fn(() => {
      gets++;
      return Promise.resolve(new Response(JSON.stringify({ metadata: { name: 'web', namespace: 'dev', resourceVersion: String(version) } }), { status: 200 }));
    }));
  });
  afterEach(() => vi.unstubAllGlobals());

  const wrapper = ({ children }: { children: ReactNode }) => (
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>{children}</QueryClientProvider>
  );

  it('reads again once the stream is open, so a change made before it listened is not lost', async () => {
    const { result } = renderHook(() => useGet('deployments', 'dev', 'web'), { wrapper });
    await waitFor(() => expect(result.current.data?.metadata.resourceVersion).toBe('1'));
    const es = FakeEventSource.all[0];
    expect(es.url).toContain('/namespaces/dev/deployments?names=web&watch=true');
    // The object changes after the first read and before the stream listens.
    version = 2;
    act(() => es.onopen?.());
    await waitFor(() => expect(result.current.data?.metadata.resourceVersion).toBe('2'));
  });

  it('reads again after a change event, and closes the stream when unmounted', async () => {
    const { result, unmount } = renderHook(() => useGet('deployments', 'dev', 'web'), { wrapper });
    await waitFor(() => expect(result.current.data?.metadata.resourceVersion).toBe('1'));
    const before = gets;
    version = 3;
    act(() => FakeEventSource.all[0].emit('MODIFIED'));
    await waitFor(() => expect(result.current.data?.metadata.resourceVersion).toBe('3'));
    expect(gets).toBe(before + 1);
    unmount();
    expect(FakeEventSource.all.every((e) => e.closed)).toBe(true);
  });

  /** serveList answers lists with totalItems = version, and access reviews with mayWatch. */
  function serveList(mayWatch: boolean) {
    vi.stubGlobal('fetch', vi.fn((u: string) => {
      if (u.includes('subjectaccessreviews')) return Promise.resolve(new Response(JSON.stringify({ status: { allowed: mayWatch, results: [{ allowed: mayWatch }] } }), { status: 201 }));
      gets++;
      return Promise.resolve(new Response(JSON.stringify({ items: [], totalItems: version }), { status: 200 }));
    }));
  }

  it('follows a list from another API through the list engine stream of the objects behind it', async () => {
    serveList(true);
    const { result } = renderHook(() => useApiList('/kapis/tenant.superkube.io/v1beta1/workspaces', { page: 1 }, true, { resource: 'workspaces' }), { wrapper });
    await waitFor(() => expect(result.current.data?.totalItems).toBe(1));
    const es = FakeEventSource.all[0];
    expect(es.url).toContain('/kapis/resources.superkube.io/v1alpha3/workspaces?watch=true');
    version = 2;
    act(() => es.emit('DELETED'));
    await waitFor(() => expect(result.current.data?.totalItems).toBe(2));
  });

  it('opens no stream for a list whose objects the user may not watch (which would be refused)', async () => {
    serveList(false);
    const { result } = renderHook(() => useApiList('/kapis/tenant.superkube.io/v1beta1/workspaces', { page: 1 }, true, { resource: 'workspaces' }), { wrapper });
    await waitFor(() => expect(result.current.data?.totalItems).toBe(1));
    await new Promise((r) => setTimeout(r, 50));
    expect(FakeEventSource.all).toHaveLength(0);
  });

  it('does not ask again, for a while, for a stream the server refused', async () => {
    const first = renderHook(() => useGet('pods', 'dev', 'refused'), { wrapper });
    await waitFor(() => expect(FakeEventSource.all).toHaveLength(1));
    const es = FakeEventSource.all[0];
    es.readyState = FakeEventSource.CLOSED; // a 403 or 404 closes an EventSource for good
    act(() => es.onerror?.());
    first.unmount();
    renderHook(() => useGet('pods', 'dev', 'refused'), { wrapper });
    await new Promise((r) => setTimeout(r, 50));
    expect(FakeEventSource.all).toHaveLength(1);
  });

  it('reconnects (the browser does) after a lost connection, and is asked again on the next visit', async () => {
    const first = renderHook(() => useGet('pods', 'dev', 'flaky'), { wrapper });
    await waitFor(() => expect(FakeEventSource.all).toHaveLength(1));
    const es = FakeEventSource.all[0];
    es.readyState = 0; // CONNECTING: the browser tries again by itself
    act(() => es.onerror?.());
    first.unmount();
    renderHook(() => useGet('pods', 'dev', 'flaky'), { wrapper });
    await waitFor(() => expect(FakeEventSource.all).toHaveLength(2));
  });

  it('opens no stream for a list from another API that names no live source', async () => {
    renderHook(() => useApiList('/kapis/iam.superkube.io/v1beta1/users', {}), { wrapper });
    await waitFor(() => expect(gets).toBe(1));
    expect(FakeEventSource.all).toHaveLength(0);
  });
});
