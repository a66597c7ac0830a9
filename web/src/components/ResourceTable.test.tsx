import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter } from 'react-router';
import '../i18n';
import type { K8sObject } from '../api/types';
import { useQuery } from '@tanstack/react-query';
import { api, query } from '../api/client';
import type { ListParams } from '../api/resources';
import type { List } from '../api/types';
import { ResourceTable, useTableState } from './ResourceTable';

function pod(name: string): K8sObject {
  return { metadata: { name, namespace: 'dev', uid: name, creationTimestamp: '2026-01-01T00:00:00Z' } };
}

describe('ResourceTable', () => {
  let urls: string[];
  beforeEach(() => {
    urls = [];
    vi.stubGlobal('fetch', vi.fn((u: string) => {
      urls.push(u);
      const q = new URL(u, 'http://x').searchParams;
      const items = q.get('name') === 'web' ? [pod('web-1')] : [pod('web-1'), pod('db-1')];
      return Promise.resolve(new Response(JSON.stringify({ items, totalItems: items.length }), { status: 200 }));
    }));
  });
  afterEach(() => vi.unstubAllGlobals());

  const renderTable = () =>
    render(
      <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
        <MemoryRouter>
          <ResourceTable<K8sObject>
            id="pods"
            ariaLabel="Pods"
            resource="pods"
            namespace="dev"
            columns={[{ title: 'Name', sortKey: 'name', render: (o) => o.metadata.name }]}
            link={(o) => `/projects/dev/pods/${o.metadata.name}`}
          />
        </MemoryRouter>
      </QueryClientProvider>,
    );

  it('asks the list engine for a page and shows the rows with links', async () => {
    renderTable();
    expect(await screen.findByRole('link', { name: 'db-1' })).toHaveAttribute('href', '/projects/dev/pods/db-1');
    expect(urls[0]).toContain('/kapis/resources.superkube.io/v1alpha3/namespaces/dev/pods?page=1&limit=10&sortBy=createTime&ascending=false');
  });

  it('sorts and filters on the server', async () => {
    const user = userEvent.setup();
    renderTable();
    await screen.findByText('db-1');
    await user.click(screen.getByRole('button', { name: 'Name' }));
    await waitFor(() => expect(urls.some((u) => u.includes('sortBy=name'))).toBe(true));
    await user.type(screen.getByRole('textbox', { name: 'Filter by name' }), 'web');
    await waitFor(() => expect(screen.queryByText('db-1')).not.toBeInTheDocument());
    expect(urls.at(-1)).toContain('name=web');
    expect(urls.at(-1)).toContain('page=1');
  });

  it('goes back to the first page when a filter changes', async () => {
    vi.stubGlobal('fetch', vi.fn((u: string) => {
      urls.push(u);
      return Promise.resolve(new Response(JSON.stringify({ items: [pod('web-1')], totalItems: 25 }), { status: 200 }));
    }));
    const user = userEvent.setup();
    renderTable();
    await screen.findByText('web-1');
    await user.click(screen.getAllByRole('button', { name: 'Go to the next page' })[0]);
    await waitFor(() => expect(urls.at(-1)).toContain('page=2'));
    await user.type(screen.getByRole('textbox', { name: 'Filter by name' }), 'web');
    await waitFor(() => expect(urls.at(-1)).toContain('name=web'));
    expect(urls.at(-1)).toContain('page=1');
  });

  it('shows a banner over a list the engine marks stale, and none over a fresh one', async () => {
    let stale = true;
    vi.stubGlobal('fetch', vi.fn(() => {
      const body = { items: [pod('web-1')], totalItems: 1, ...(stale ? { freshness: { stale: true, reason: 'kube-apiserver is not answering', since: '2026-01-01T10:00:00Z' } } : {}) };
      return Promise.resolve(new Response(JSON.stringify(body), { status: 200 }));
    }));
    const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    render(
      <QueryClientProvider client={client}>
        <MemoryRouter>
          <ResourceTable<K8sObject> id="pods" ariaLabel="Pods" resource="pods" namespace="dev" columns={[{ title: 'Name', render: (o) => o.metadata.name }]} />
        </MemoryRouter>
      </QueryClientProvider>,
    );
    const banner = (await screen.findByText('This list may be out of date')).closest('[data-test="stale-banner"]');
    expect(banner).not.toBeNull();
    expect(banner).toHaveTextContent(new Date('2026-01-01T10:00:00Z').toLocaleTimeString('en'));
    expect(screen.getByText('web-1')).toBeInTheDocument();
    stale = false;
    await client.invalidateQueries();
    await waitFor(() => expect(screen.queryByText('This list may be out of date')).not.toBeInTheDocument());
  });
});

describe('ResourceTable when a request fails or finds nothing', () => {
  afterEach(() => vi.unstubAllGlobals());

  const renderTable = (extra: Partial<Parameters<typeof ResourceTable<K8sObject>>[0]> = {}) =>
    render(
      <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false, networkMode: 'always' } } })}>
        <MemoryRouter>
          <ResourceTable<K8sObject> id="pods" ariaLabel="Pods" resource="pods" namespace="dev" columns={[{ title: 'Name', sortKey: 'name', render: (o) => o.metadata.name }]} {...extra} />
        </MemoryRouter>
      </QueryClientProvider>,
    );

  it('shows the error and a retry, never "Nothing found" or "0 - 0 of 0", when there is no answer', async () => {
    let up = false;
    vi.stubGlobal('fetch', vi.fn(() => {
      if (!up) return Promise.reject(new TypeError('Failed to fetch'));
      return Promise.resolve(new Response(JSON.stringify({ items: [pod('web-1')], totalItems: 1 }), { status: 200 }));
    }));
    renderTable();
    expect(await screen.findByText('The console cannot reach the server')).toBeInTheDocument();
    expect(screen.queryByText('Nothing found')).not.toBeInTheDocument();
    expect(screen.queryByText(/0 - 0/)).not.toBeInTheDocument();
    expect(screen.queryByRole('grid')).not.toBeInTheDocument();
    up = true;
    await userEvent.setup().click(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findByText('web-1')).toBeInTheDocument();
    expect(screen.queryByText('The console cannot reach the server')).not.toBeInTheDocument();
  });

  it('says what to do when there is nothing yet, and offers to clear filters when they hide everything', async () => {
    vi.stubGlobal('fetch', vi.fn(() => Promise.resolve(new Response(JSON.stringify({ items: [], totalItems: 0 }), { status: 200 }))));
    renderTable({ emptyTitle: 'No pods yet', emptyText: 'Run a workload.', emptyAction: <button>Create one</button> });
    expect(await screen.findByText('No pods yet')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Create one' })).toBeInTheDocument();
    expect(screen.queryByText('No objects match the filters.')).not.toBeInTheDocument();
    await userEvent.setup().type(screen.getByRole('textbox', { name: 'Filter by name' }), 'zzz');
    expect(await screen.findByText('No objects match the filters.')).toBeInTheDocument();
    await userEvent.setup().click(screen.getByRole('button', { name: 'Clear the filters' }));
    expect(await screen.findByText('No pods yet')).toBeInTheDocument();
  });

  it('translates the pager', async () => {
    vi.stubGlobal('fetch', vi.fn(() => Promise.resolve(new Response(JSON.stringify({ items: [pod('a')], totalItems: 25 }), { status: 200 }))));
    const { loadLanguage } = await import('../i18n');
    const i18n = (await import('i18next')).default;
    await loadLanguage('zh');
    await i18n.changeLanguage('zh');
    try {
      renderTable();
      expect((await screen.findAllByText(/共/)).length).toBeGreaterThan(0);
      expect(screen.queryByText(/\bof\b/)).not.toBeInTheDocument();
    } finally {
      await i18n.changeLanguage('en');
    }
  });
});

describe('ResourceTable over a list the page reads', () => {
  afterEach(() => vi.unstubAllGlobals());

  // A page's own list hook, as the typed API modules make them.
  const useMembers = (params: ListParams) => useQuery({ queryKey: ['members', params], queryFn: () => api.get<List<K8sObject>>('/members' + query(params)) });

  function MembersPage() {
    const table = useTableState({ defaultSortBy: 'name', defaultAscending: true, perPage: 5 });
    const members = useMembers(table.params);
    return <ResourceTable<K8sObject> id="members" ariaLabel="Members" table={table} query={members} columns={[{ title: 'User', sortKey: 'name', render: (o) => o.metadata.name }]} />;
  }

  it('shows the page the caller read with the table state params, and reads again when a filter changes', async () => {
    const urls: string[] = [];
    vi.stubGlobal('fetch', vi.fn((u: string) => {
      urls.push(u);
      const name = new URL(u, 'http://x').searchParams.get('name');
      const items = name ? [pod('alice')] : [pod('alice'), pod('bob')];
      return Promise.resolve(new Response(JSON.stringify({ items, totalItems: items.length }), { status: 200 }));
    }));
    render(
      <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
        <MemoryRouter>
          <MembersPage />
        </MemoryRouter>
      </QueryClientProvider>,
    );
    expect(await screen.findByText('bob')).toBeInTheDocument();
    expect(urls[0]).toContain('/members?page=1&limit=5&sortBy=name&ascending=true');
    await userEvent.setup().type(screen.getByRole('textbox', { name: 'Filter by name' }), 'ali');
    // The table leaves the unfiltered rows as soon as the filter changes the
    // query, a moment before the query's fetch is sent: wait for both.
    await waitFor(() => {
      expect(urls.at(-1)).toContain('name=ali');
      expect(screen.queryByText('bob')).not.toBeInTheDocument();
    });
    expect(await screen.findByText('alice')).toBeInTheDocument();
  });
});
