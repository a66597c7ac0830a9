import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { fireEvent, render, waitFor, within } from '@testing-library/react';
import { MemoryRouter, Route, Routes } from 'react-router';
import { ClusterScope } from '../../api/cluster';
import '../../i18n';
import Projects, { createTargets } from './Projects';

const json = (body: unknown, status = 200) => Promise.resolve(new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } }));

const cluster = (name: string, type = 'Agent') => ({ metadata: { name, uid: name }, spec: { connection: { type } }, status: { conditions: [{ type: 'Ready', status: 'True' }] } });
const project = (name: string) => ({ metadata: { name, uid: `uid-${name}`, labels: { 'superkube.io/workspace': 'ws1' } }, status: { phase: 'Active' } });
const ws = '/kapis/tenant.superkube.io/v1beta1/workspaces/ws1';

interface Call {
  url: string;
  method: string;
  body?: unknown;
}

function stub(placed: string[], lists: Record<string, () => Promise<Response>>, calls: Call[]) {
  vi.stubGlobal('fetch', vi.fn((u: string, init?: RequestInit) => {
    const method = init?.method ?? 'GET';
    calls.push({ url: u, method, body: init?.body ? JSON.parse(init.body as string) : undefined });
    if (u.includes('subjectaccessreviews')) {
      const n = (JSON.parse(init!.body as string) as { spec: { resourceAttributesList: unknown[] } }).spec.resourceAttributesList.length;
      return json({ status: { allowed: true, results: Array.from({ length: n }, () => ({ allowed: true })) } });
    }
    if (u.startsWith(`${ws}/clusters?`)) return json({ items: placed.map((c) => cluster(c, c === 'host' ? 'Host' : 'Agent')), totalItems: placed.length });
    if (method === 'POST') return json(project('new'), 201);
    for (const [prefix, answer] of Object.entries(lists)) if (u.startsWith(prefix)) return answer();
    return json({ kind: 'Status', code: 404, message: 'not found' }, 404);
  }));
}

function page() {
  return render(
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
      <MemoryRouter initialEntries={['/workspaces/ws1/projects']}>
        <ClusterScope>
          <Routes>
            <Route path="/workspaces/:workspace/projects" element={<Projects />} />
          </Routes>
        </ClusterScope>
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

function findIn<T extends Element>(selector: string): Promise<T> {
  return waitFor(() => {
    const e = document.querySelector<T>(selector);
    if (!e) throw new Error(`no ${selector}`);
    return e;
  });
}

describe('a workspace’s projects on several clusters', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('lists the host’s and each member’s projects with their cluster, links to them on their cluster, and says which member cannot be reached', async () => {
    const calls: Call[] = [];
    stub(['host', 'member-1', 'edge-1'], {
      [`${ws}/namespaces`]: () => json({ items: [project('web')], totalItems: 1 }),
      [`/clusters/member-1${ws}/namespaces`]: () => json({ items: [project('batch')], totalItems: 1 }),
      [`/clusters/edge-1${ws}/namespaces`]: () =>
        json({ kind: 'Status', code: 503, reason: 'ServiceUnavailable', message: 'cluster "edge-1" cannot be reached: its agent has no tunnel open to ke-apiserver' }, 503),
    }, calls);
    const { container: c } = page();
    await waitFor(() => expect(c.querySelector('[data-test="row-batch"]')).not.toBeNull());
    const row = (n: string) => c.querySelector<HTMLElement>(`[data-test="row-${n}"]`)!;
    expect(row('web').querySelector('[data-test="project-cluster"]')?.textContent).toBe('host');
    expect(row('batch').querySelector('[data-test="project-cluster"]')?.textContent).toBe('member-1');
    expect(within(row('batch')).getByRole('link').getAttribute('href')).toBe('/projects/batch/overview?cluster=member-1');
    expect(within(row('web')).getByRole('link').getAttribute('href')).toBe('/projects/web/overview');
    expect(within(c).getByRole('columnheader', { name: 'Cluster' })).toBeInTheDocument();

    const notice = await waitFor(() => {
      const n = c.querySelector('[data-test="cluster-failure-edge-1"]');
      if (!n) throw new Error('no notice');
      return n;
    });
    expect(notice.textContent).toContain('The projects on cluster edge-1 cannot be listed');
    expect(notice.querySelector('[data-test="error"]')?.getAttribute('data-kind')).toBe('unavailable');
    expect(c.querySelector('[data-test="cluster-failure-member-1"]')).toBeNull();
    expect(calls.some((x) => x.url.startsWith(`/clusters/edge-1${ws}/namespaces?`))).toBe(true);
  });

  it('creates a project on the cluster chosen among the workspace’s', async () => {
    const calls: Call[] = [];
    stub(['host', 'member-1'], { [`${ws}/namespaces`]: () => json({ items: [], totalItems: 0 }), [`/clusters/member-1${ws}/namespaces`]: () => json({ items: [], totalItems: 0 }) }, calls);
    const { container: c } = page();
    fireEvent.click(await waitFor(() => {
      const b = c.querySelector<HTMLElement>('[data-test="create-project"]');
      if (!b) throw new Error('no button');
      return b;
    }));
    const select = await findIn<HTMLSelectElement>('[data-test="project-cluster-select"]');
    expect([...select.options].map((o) => o.value)).toEqual(['host', 'member-1']);
    expect(select.value).toBe('host');
    expect(select.labels?.[0]?.textContent).toContain('Cluster');
    fireEvent.change(select, { target: { value: 'member-1' } });
    fireEvent.change(await findIn('[data-test="project-name"]'), { target: { value: 'batch' } });
    fireEvent.click(await findIn('[data-test="project-create-submit"]'));
    await waitFor(() => expect(calls.find((x) => x.method === 'POST' && !x.url.includes('subjectaccessreviews'))).toBeDefined());
    const post = calls.find((x) => x.method === 'POST' && !x.url.includes('subjectaccessreviews'))!;
    expect(post.url).toBe(`/clusters/member-1${ws}/namespaces`);
    expect(post.body).toEqual({ metadata: { name: 'batch', annotations: {} } });
  });

  it('shows at the cluster field that the workspace is not placed on the cluster chosen', async () => {
    const calls: Call[] = [];
    stub(['host', 'member-1'], { [`${ws}/namespaces`]: () => json({ items: [], totalItems: 0 }), [`/clusters/member-1${ws}/namespaces`]: () => json({ items: [], totalItems: 0 }) }, calls);
    vi.stubGlobal('fetch', vi.fn(((inner: typeof fetch) => (u: string, init?: RequestInit) =>
      init?.method === 'POST' && u.startsWith('/clusters/')
        ? json({ kind: 'Status', code: 422, reason: 'Invalid', message: 'not placed', details: { causes: [{ field: 'spec.clusters', reason: 'FieldValueNotFound', message: 'workspace ws1 is not placed on member-1' }] } }, 422)
        : inner(u, init))(fetch)));
    const { container: c } = page();
    fireEvent.click(await waitFor(() => {
      const b = c.querySelector<HTMLElement>('[data-test="create-project"]');
      if (!b) throw new Error('no button');
      return b;
    }));
    fireEvent.change(await findIn('[data-test="project-cluster-select"]'), { target: { value: 'member-1' } });
    fireEvent.change(await findIn('[data-test="project-name"]'), { target: { value: 'batch' } });
    fireEvent.click(await findIn('[data-test="project-create-submit"]'));
    expect((await findIn('[data-test="project-cluster-error"]')).textContent).toContain('Nothing of this name exists.');
    expect(document.querySelector('[data-test="error-fields"]')).toBeNull();
  });

  it('asks no cluster when the workspace is on the host only, and creates there', async () => {
    const calls: Call[] = [];
    stub(['host'], { [`${ws}/namespaces`]: () => json({ items: [project('web')], totalItems: 1 }) }, calls);
    const { container: c } = page();
    await waitFor(() => expect(c.querySelector('[data-test="row-web"]')).not.toBeNull());
    expect(c.querySelector('[data-test="project-cluster"]')).toBeNull();
    fireEvent.click(c.querySelector<HTMLElement>('[data-test="create-project"]')!);
    fireEvent.change(await findIn('[data-test="project-name"]'), { target: { value: 'api' } });
    expect(document.querySelector('[data-test="project-cluster-select"]')).toBeNull();
    fireEvent.click(await findIn('[data-test="project-create-submit"]'));
    await waitFor(() => expect(calls.find((x) => x.method === 'POST' && x.url === `${ws}/namespaces`)).toBeDefined());
  });

  it('deletes a member’s project on its cluster', async () => {
    const calls: Call[] = [];
    stub(['host', 'member-1'], { [`${ws}/namespaces`]: () => json({ items: [], totalItems: 0 }), [`/clusters/member-1${ws}/namespaces`]: () => json({ items: [project('batch')], totalItems: 1 }) }, calls);
    const { container: c } = page();
    const row = await waitFor(() => {
      const r = c.querySelector<HTMLElement>('[data-test="row-batch"]');
      if (!r) throw new Error('no row');
      return r;
    });
    fireEvent.click(within(row).getByRole('button', { name: /kebab|actions/i }));
    fireEvent.click(await within(document.body).findByRole('menuitem', { name: 'Delete' }));
    fireEvent.change(await findIn('[data-test="confirm-name"]'), { target: { value: 'batch' } });
    fireEvent.click(await findIn('[data-test="confirm"]'));
    await waitFor(() => expect(calls.find((x) => x.method === 'DELETE')?.url).toBe(`/clusters/member-1${ws}/namespaces/batch`));
  });

  it('offers the host first, or the only cluster of the workspace', () => {
    expect(createTargets(undefined)).toEqual(['host']);
    expect(createTargets([])).toEqual(['host']);
    expect(createTargets(['member-2', 'host', 'member-1'])).toEqual(['host', 'member-1', 'member-2']);
    expect(createTargets(['edge-1'])).toEqual(['edge-1']);
  });
});
