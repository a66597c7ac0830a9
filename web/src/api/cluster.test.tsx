import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { fireEvent, render, waitFor } from '@testing-library/react';
import { Link, MemoryRouter, useLocation } from 'react-router';
import { ClusterProvider, ClusterScope, clusterScope, isClusterPage, useCluster, withCluster } from './cluster';
import { clusterPath, request } from './client';
import { useList } from './resources';
import { useCan } from './access';

const json = (body: unknown, status = 200) => Promise.resolve(new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } }));

function client() {
  return new QueryClient({ defaultOptions: { queries: { retry: false } } });
}

describe('the cluster of a request', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('prefixes a member’s paths with /clusters/{name}, and leaves the host’s as they are', () => {
    expect(clusterPath(undefined, '/api/v1/nodes')).toBe('/api/v1/nodes');
    expect(clusterPath('host', '/api/v1/nodes')).toBe('/api/v1/nodes');
    expect(clusterPath('member-1', '/api/v1/nodes')).toBe('/clusters/member-1/api/v1/nodes');
    expect(clusterPath('member-1', '/kapis/resources.superkube.io/v1alpha3/pods?limit=1')).toBe('/clusters/member-1/kapis/resources.superkube.io/v1alpha3/pods?limit=1');
    expect(clusterPath('a/b', '/apis/apps/v1')).toBe('/clusters/a%2Fb/apis/apps/v1');
  });

  it('sends a request with a cluster to that cluster', async () => {
    const urls: string[] = [];
    vi.stubGlobal('fetch', vi.fn((u: string) => {
      urls.push(u);
      return json({});
    }));
    await request('/apis/apps/v1/namespaces/dev/deployments', { method: 'POST', body: {}, cluster: 'edge-1' });
    await request('/apis/apps/v1/namespaces/dev/deployments', { cluster: 'host' });
    expect(urls).toEqual(['/clusters/edge-1/apis/apps/v1/namespaces/dev/deployments', '/apis/apps/v1/namespaces/dev/deployments']);
  });

  it('aims the list engine’s hooks at the cluster of the context, with the cluster in the cache key', async () => {
    const urls: string[] = [];
    vi.stubGlobal('fetch', vi.fn((u: string) => {
      urls.push(u);
      return json({ items: [{ metadata: { name: u.startsWith('/clusters/') ? 'member-node' : 'host-node' } }], totalItems: 1 });
    }));
    function Names() {
      const q = useList('nodes', undefined, { limit: 10 }, { live: false });
      return <span data-test="names">{q.data?.items.map((n) => n.metadata.name).join(',')}</span>;
    }
    const qc = client();
    const { container } = render(
      <QueryClientProvider client={qc}>
        <Names />
        <ClusterProvider cluster="member-1">
          <Names />
        </ClusterProvider>
      </QueryClientProvider>,
    );
    await waitFor(() => expect([...container.querySelectorAll('[data-test="names"]')].map((e) => e.textContent)).toEqual(['host-node', 'member-node']));
    expect(urls).toContain('/kapis/resources.superkube.io/v1alpha3/nodes?limit=10');
    expect(urls).toContain('/clusters/member-1/kapis/resources.superkube.io/v1alpha3/nodes?limit=10');
  });

  it('asks the access review about the page’s cluster', async () => {
    const bodies: { spec: { resourceAttributesList: { cluster?: string }[] } }[] = [];
    vi.stubGlobal('fetch', vi.fn((_u: string, init: RequestInit) => {
      const body = JSON.parse(init.body as string) as { spec: { resourceAttributesList: { cluster?: string }[] } };
      bodies.push(body);
      const allowed = body.spec.resourceAttributesList[0].cluster === 'member-1';
      return json({ status: { allowed, results: [{ allowed }] } });
    }));
    function Can() {
      const [ok] = useCan([{ verb: 'list', resource: 'pods', namespace: 'dev' }]);
      return <span data-test="can">{String(ok)}</span>;
    }
    const { container } = render(
      <QueryClientProvider client={client()}>
        <Can />
        <ClusterProvider cluster="member-1">
          <Can />
        </ClusterProvider>
      </QueryClientProvider>,
    );
    await waitFor(() => expect([...container.querySelectorAll('[data-test="can"]')].map((e) => e.textContent)).toEqual(['false', 'true']));
    expect(bodies.map((b) => b.spec.resourceAttributesList[0].cluster)).toEqual(expect.arrayContaining([undefined, 'member-1']));
  });

  it('makes links to a page of a cluster', () => {
    expect(withCluster('/projects/dev/overview', 'host')).toBe('/projects/dev/overview');
    expect(withCluster('/projects/dev/overview', 'member-1')).toBe('/projects/dev/overview?cluster=member-1');
    expect(withCluster('/projects/dev/pods?status=running', 'member-1')).toBe('/projects/dev/pods?status=running&cluster=member-1');
    expect(clusterScope('/projects/dev/pods/x')).toBe('project/dev');
    expect(clusterScope('/platform/users')).toBe('platform');
    expect(isClusterPage('/platform/nodes/n1')).toBe(true);
    expect(isClusterPage('/platform/users')).toBe(false);
  });
});

describe('ClusterScope', () => {
  function Where() {
    const cluster = useCluster();
    const loc = useLocation();
    return (
      <>
        <span data-test="cluster">{cluster}</span>
        <span data-test="url">{loc.pathname + loc.search}</span>
        <Link to="/projects/dev/pods" data-test="same-project">pods</Link>
        <Link to="/projects/other/overview" data-test="other-project">other</Link>
      </>
    );
  }
  const text = (c: HTMLElement, t: string) => c.querySelector(`[data-test="${t}"]`)?.textContent;

  it('reads the cluster from the URL, keeps it on the links of the same project and writes it back; another project starts at the host', async () => {
    const { container: c } = render(
      <MemoryRouter initialEntries={['/projects/dev/overview?cluster=member-1']}>
        <ClusterScope>
          <Where />
        </ClusterScope>
      </MemoryRouter>,
    );
    expect(text(c, 'cluster')).toBe('member-1');
    fireEvent.click(c.querySelector('[data-test="same-project"]')!);
    expect(text(c, 'cluster')).toBe('member-1');
    await waitFor(() => expect(text(c, 'url')).toBe('/projects/dev/pods?cluster=member-1'));
    fireEvent.click(c.querySelector('[data-test="other-project"]')!);
    expect(text(c, 'cluster')).toBe('host');
    expect(text(c, 'url')).toBe('/projects/other/overview');
  });

  it('is the host without ?cluster=', () => {
    const { container: c } = render(
      <MemoryRouter initialEntries={['/platform/nodes']}>
        <ClusterScope>
          <Where />
        </ClusterScope>
      </MemoryRouter>,
    );
    expect(text(c, 'cluster')).toBe('host');
  });
});
