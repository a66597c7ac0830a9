import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { fireEvent, render, waitFor } from '@testing-library/react';
import { MemoryRouter, useLocation } from 'react-router';
import { ClusterScope } from '../api/cluster';
import '../i18n';
import Nodes from '../pages/platform/Nodes';

const json = (body: unknown, status = 200) => Promise.resolve(new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } }));

const cluster = (name: string, type: string, ready: 'True' | 'False', message?: string) => ({
  metadata: { name, uid: name },
  spec: { connection: { type } },
  status: { conditions: [{ type: 'Ready', status: ready, reason: ready === 'True' ? 'Reached' : 'AgentNotConnected', message }] },
});

const node = (name: string) => ({ metadata: { name, uid: name }, spec: {}, status: { conditions: [{ type: 'Ready', status: 'True' }] } });

function Url() {
  const loc = useLocation();
  return <span data-test="url">{loc.pathname + loc.search}</span>;
}

function page(entry: string) {
  return render(
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
      <MemoryRouter initialEntries={[entry]}>
        <ClusterScope>
          <Nodes />
          <Url />
        </ClusterScope>
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

describe('the cluster switcher', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('lists the clusters with their Ready state, and a choice puts the cluster in the URL and aims the page at it', async () => {
    const urls: string[] = [];
    vi.stubGlobal('fetch', vi.fn((u: string) => {
      urls.push(u);
      if (u.startsWith('/kapis/tenant.superkube.io/v1beta1/clusters')) {
        return json({ items: [cluster('host', 'Host', 'True'), cluster('member-1', 'Agent', 'False', 'its agent has no tunnel open')], totalItems: 2 });
      }
      if (u.startsWith('/clusters/member-1/kapis/resources.superkube.io/v1alpha3/nodes')) return json({ items: [node('member-1-node-0')], totalItems: 1 });
      if (u.startsWith('/kapis/resources.superkube.io/v1alpha3/nodes')) return json({ items: [node('node-0')], totalItems: 1 });
      return json({}, 404);
    }));
    const { container: c } = page('/platform/nodes');
    const select = await waitFor(() => {
      const s = c.querySelector<HTMLSelectElement>('[data-test="cluster-switcher-select"]');
      if (!s) throw new Error('no switcher');
      return s;
    });
    expect(select.labels?.[0]?.textContent).toBe('Cluster');
    expect([...select.options].map((o) => o.textContent)).toEqual(['host (ready)', 'member-1 (not ready)']);
    expect(select.value).toBe('host');
    await waitFor(() => expect(c.querySelector('[data-test="row-node-0"]')).not.toBeNull());

    fireEvent.change(select, { target: { value: 'member-1' } });
    await waitFor(() => expect(c.querySelector('[data-test="row-member-1-node-0"]')).not.toBeNull());
    expect(c.querySelector('[data-test="url"]')?.textContent).toBe('/platform/nodes?cluster=member-1');
    expect(urls.some((u) => u.startsWith('/clusters/member-1/kapis/resources.superkube.io/v1alpha3/nodes?'))).toBe(true);
    expect(c.querySelector('[data-test="cluster-not-ready"]')?.textContent).toContain('its agent has no tunnel open');
    // The member's nodes have no use figures: the monitoring API holds the host's only.
    expect(urls.filter((u) => u.includes('monitoring') && u.includes('member-1-node-0'))).toEqual([]);
  });

  it('opens on the cluster the URL names', async () => {
    vi.stubGlobal('fetch', vi.fn((u: string) => {
      if (u.startsWith('/kapis/tenant.superkube.io/v1beta1/clusters')) return json({ items: [cluster('host', 'Host', 'True'), cluster('member-1', 'Direct', 'True')], totalItems: 2 });
      if (u.startsWith('/clusters/member-1/')) return json({ items: [node('m-0')], totalItems: 1 });
      return json({ items: [node('h-0')], totalItems: 1 });
    }));
    const { container: c } = page('/platform/nodes?cluster=member-1');
    await waitFor(() => expect(c.querySelector('[data-test="row-m-0"]')).not.toBeNull());
    await waitFor(() => expect(c.querySelector<HTMLSelectElement>('[data-test="cluster-switcher-select"]')?.value).toBe('member-1'));
  });

  it('is not shown when the host is the only cluster', async () => {
    vi.stubGlobal('fetch', vi.fn((u: string) => {
      if (u.startsWith('/kapis/tenant.superkube.io/v1beta1/clusters')) return json({ items: [cluster('host', 'Host', 'True')], totalItems: 1 });
      return json({ items: [node('h-0')], totalItems: 1 });
    }));
    const { container: c } = page('/platform/nodes');
    await waitFor(() => expect(c.querySelector('[data-test="row-h-0"]')).not.toBeNull());
    expect(c.querySelector('[data-test="cluster-switcher"]')).toBeNull();
  });
});
