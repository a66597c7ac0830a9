import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { fireEvent, render, waitFor } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import { coveredClusters, matchesSelector, withPlacement } from '../../api/tenant';
import type { Cluster, ConnectionType } from '../../api/clusters';
import type { Workspace } from '../../api/types';
import '../../i18n';
import { PlacementCard, PlacementModal } from './Placement';

const json = (body: unknown, status = 200) => Promise.resolve(new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } }));

const cluster = (name: string, labels: Record<string, string> = {}, type: ConnectionType = 'Direct'): Cluster => ({ metadata: { name, uid: name, labels }, spec: { connection: { type } }, status: {} });
const clusters = [cluster('host', {}, 'Host'), cluster('member-1', { env: 'prod' }), cluster('member-2', { env: 'dev' }), cluster('member-3', { env: 'prod', region: 'eu' })];

const workspace: Workspace = {
  metadata: { name: 'ws1', uid: 'w', resourceVersion: '7' },
  spec: { manager: 'alice', clusters: [{ name: 'member-2' }] },
};

function findIn<T extends Element>(selector: string): Promise<T> {
  return waitFor(() => {
    const e = document.querySelector<T>(selector);
    if (!e) throw new Error(`no ${selector}`);
    return e;
  });
}

function wrap(children: React.ReactNode) {
  return (
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
      <MemoryRouter>{children}</MemoryRouter>
    </QueryClientProvider>
  );
}

describe('workspace placement', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('chooses clusters and a label selector, shows what they cover, and saves them with the workspace', async () => {
    const puts: { url: string; body: Workspace }[] = [];
    vi.stubGlobal('fetch', vi.fn((u: string, init?: RequestInit) => {
      if (init?.method === 'PUT') {
        puts.push({ url: u, body: JSON.parse(init.body as string) as Workspace });
        return json(puts[puts.length - 1].body);
      }
      if (u.startsWith('/kapis/tenant.superkube.io/v1beta1/clusters')) return json({ items: clusters, totalItems: clusters.length });
      return json({}, 404);
    }));
    const onClose = vi.fn();
    render(wrap(<PlacementModal workspace={workspace} onClose={onClose} />));
    const m2 = await findIn<HTMLInputElement>('[data-test="placement-cluster-member-2"]');
    expect(m2.checked).toBe(true);
    expect((await findIn('[data-test="placement-covered"]')).textContent).toContain('member-2');

    fireEvent.click(await findIn('[data-test="selector-add"]'));
    const key = await findIn<HTMLInputElement>('[data-test="selector-key-0"]');
    expect(key.getAttribute('aria-label')).toBe('Label key');
    fireEvent.change(key, { target: { value: 'env' } });
    fireEvent.change(await findIn('[data-test="selector-value-0"]'), { target: { value: 'prod' } });
    await waitFor(() => expect(document.querySelector('[data-test="placement-covered"]')?.textContent).toBe('Placed on: member-1, member-2, member-3'));

    fireEvent.click(await findIn('[data-test="placement-edit-submit"]'));
    await waitFor(() => expect(puts).toHaveLength(1));
    expect(puts[0].url).toBe('/kapis/tenant.superkube.io/v1beta1/workspaces/ws1');
    expect(puts[0].body.metadata.resourceVersion).toBe('7');
    expect(puts[0].body.spec).toEqual({ manager: 'alice', clusters: [{ name: 'member-2' }], clusterSelector: { matchLabels: { env: 'prod' } } });
    await waitFor(() => expect(onClose).toHaveBeenCalled());
  });

  it('shows the server’s objection at the selector and at the clusters', async () => {
    vi.stubGlobal('fetch', vi.fn((_u: string, init?: RequestInit) => {
      if (init?.method === 'PUT') {
        return json(
          {
            kind: 'Status',
            code: 422,
            reason: 'Invalid',
            message: 'Workspace.tenant.superkube.io "ws1" is invalid',
            details: {
              causes: [
                { field: 'spec.clusterSelector', reason: 'FieldValueInvalid', message: 'Invalid value: "Bad": a selector key must be a label key' },
                { field: 'spec.clusters[0].name', reason: 'FieldValueNotFound', message: 'Not found: "member-2"' },
              ],
            },
          },
          422,
        );
      }
      return json({ items: clusters, totalItems: clusters.length });
    }));
    render(wrap(<PlacementModal workspace={workspace} onClose={() => undefined} />));
    fireEvent.click(await findIn('[data-test="placement-edit-submit"]'));
    const sel = await findIn('[data-test="placement-selector-error"]');
    expect(sel.textContent).not.toBe('');
    expect((await findIn('[data-test="placement-clusters-error"]')).textContent).toContain('Nothing of this name exists.');
    // The alert below the form does not repeat the fields the form marks.
    expect(document.querySelector('[data-test="error-fields"]')).toBeNull();
  });

  it('takes every cluster and the selector away: the host only', async () => {
    vi.stubGlobal('fetch', vi.fn(() => json({ items: clusters, totalItems: clusters.length })));
    render(wrap(<PlacementModal workspace={workspace} onClose={() => undefined} />));
    fireEvent.click(await findIn('[data-test="placement-cluster-member-2"]'));
    await waitFor(() => expect(document.querySelector('[data-test="placement-covered"]')?.textContent).toContain('host'));
    expect(withPlacement(workspace, { clusters: [] }).spec).toEqual({ manager: 'alice' });
  });

  it('shows the clusters a workspace is placed on, and offers the editing to those who may update it', async () => {
    vi.stubGlobal('fetch', vi.fn((u: string) => {
      if (u.includes('subjectaccessreviews')) return json({ status: { allowed: true, results: [{ allowed: true }] } });
      if (u.includes('/workspaces/ws1/clusters?')) return json({ items: [cluster('host', {}, 'Host'), cluster('member-2')], totalItems: 2 });
      if (u.endsWith('/workspaces/ws1')) return json(workspace);
      return json({ items: clusters, totalItems: clusters.length });
    }));
    const { container: c } = render(wrap(<PlacementCard workspace="ws1" />));
    await waitFor(() => expect(c.querySelector('[data-test="placed-member-2"]')).not.toBeNull());
    expect(c.querySelector('[data-test="placed-host"]')).not.toBeNull();
    fireEvent.click(await waitFor(() => {
      const b = c.querySelector<HTMLElement>('[data-test="edit-placement"]');
      if (!b) throw new Error('no edit');
      return b;
    }));
    await findIn('[data-test="placement-edit"]');
  });

  it('matches labels as Kubernetes does', () => {
    expect(matchesSelector({ env: 'prod' }, { matchLabels: { env: 'prod' } })).toBe(true);
    expect(matchesSelector({ env: 'dev' }, { matchLabels: { env: 'prod' } })).toBe(false);
    expect(matchesSelector({ env: 'dev' }, { matchExpressions: [{ key: 'env', operator: 'In', values: ['dev', 'test'] }] })).toBe(true);
    expect(matchesSelector({}, { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod'] }] })).toBe(true);
    expect(matchesSelector({}, { matchExpressions: [{ key: 'env', operator: 'Exists' }] })).toBe(false);
    expect(coveredClusters(clusters, { clusters: [] })).toEqual(['host']);
    expect(coveredClusters(clusters, { clusters: [], selector: { matchLabels: { region: 'eu' } } })).toEqual(['member-3']);
  });
});
