import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { configure, fireEvent, render, waitFor } from '@testing-library/react';
import type { ReactNode } from 'react';
import { MemoryRouter } from 'react-router';
import '../../i18n';
import type { Pod } from '../../api/types';
import { AuditSearch } from './AuditSearch';
import { EventSearch } from './EventSearch';
import { Timeline } from './Timeline';

configure({ testIdAttribute: 'data-test' });

const json = (body: unknown, status = 200) => Promise.resolve(new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } }));

function wrap(children: ReactNode) {
  return (
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
      <MemoryRouter>{children}</MemoryRouter>
    </QueryClientProvider>
  );
}

const event = (reason: string, type: string, name = 'web-1', kind = 'Pod') => ({
  time: '2026-12-04T11:59:00Z',
  namespace: 'shop',
  involvedObject: { kind, namespace: 'shop', name, uid: `uid-${name}` },
  reason,
  type,
  message: `${reason} happened`,
  source: 'kubelet',
  count: 2,
  uid: `ev-${reason}`,
});

describe('the event search', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('shows the events with their type, a Warning standing out, and searches by reason and type', async () => {
    const asked: URLSearchParams[] = [];
    vi.stubGlobal(
      'fetch',
      vi.fn((u: string) => {
        const url = new URL(u, 'https://x');
        expect(url.pathname).toBe('/kapis/logging.superkube.io/v1alpha2/namespaces/shop/events');
        asked.push(url.searchParams);
        if (url.searchParams.get('operation') === 'histogram') return json({ histogram: { total: 2, interval: '1m0s', buckets: [] } });
        return json({ query: { total: 2, records: [event('BackOff', 'Warning'), event('Scheduled', 'Normal')] } });
      }),
    );
    const r = render(wrap(<EventSearch namespace="shop" />));
    await waitFor(() => expect(r.getAllByTestId('event-row')).toHaveLength(2));
    expect(r.getByTestId('event-total')).toHaveTextContent('2 events match');
    const types = r.getAllByTestId('event-type');
    expect(types[0]).toHaveAttribute('data-type', 'Warning');
    expect(types[0]).toHaveTextContent('Warning');
    expect(r.getAllByTestId('event-row')[0]).toHaveClass('ke-event-warning');
    expect(r.getAllByTestId('event-object')[0]).toHaveTextContent('Pod/web-1');
    expect(r.getAllByTestId('event-object')[0]).toHaveAttribute('href', '/projects/shop/pods/web-1');
    expect(r.queryByTestId('event-filter-namespace')).toBeNull();

    fireEvent.change(r.getByTestId('event-filter-reason'), { target: { value: 'BackOff' } });
    fireEvent.change(r.getByTestId('event-filter-type'), { target: { value: 'Warning' } });
    fireEvent.click(r.getByTestId('event-search-run'));
    await waitFor(() => expect(asked.some((p) => p.get('reason') === 'BackOff' && p.get('type') === 'Warning')).toBe(true));
  });

  it('says in words why a ReplicaSet could not create a pod when the workspace quota refused it', async () => {
    const failed = {
      ...event('FailedCreate', 'Warning', 'web-5d9', 'ReplicaSet'),
      message:
        'Error creating: pods "web-5d9-x" is forbidden: admission webhook "quota.admission.superkube.io" denied the request: exceeded workspace quota "ws-a" of workspace ws-a: requested limits.cpu=1, used 4 of 4 (0 left)',
    };
    vi.stubGlobal(
      'fetch',
      vi.fn((u: string) => {
        const url = new URL(u, 'https://x');
        if (url.searchParams.get('operation') === 'histogram') return json({ histogram: { total: 1, interval: '1m0s', buckets: [] } });
        return json({ query: { total: 1, records: [failed] } });
      }),
    );
    const r = render(wrap(<EventSearch namespace="shop" />));
    await waitFor(() => expect(r.getAllByTestId('event-row')).toHaveLength(1));
    expect(r.getByTestId('event-message')).toHaveTextContent('Workspace quota exceeded: exceeded workspace quota "ws-a" of workspace ws-a: requested limits.cpu=1, used 4 of 4 (0 left)');
  });
});

describe('the audit search', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('colours the code by the outcome and searches one workspace at its path', async () => {
    const asked: URLSearchParams[] = [];
    vi.stubGlobal(
      'fetch',
      vi.fn((u: string) => {
        const url = new URL(u, 'https://x');
        expect(url.pathname).toBe('/kapis/logging.superkube.io/v1alpha2/workspaces/retail/auditing/events');
        const p = url.searchParams;
        asked.push(p);
        if (p.get('operation') === 'histogram') return json({ histogram: { total: 2, interval: '1m0s', buckets: [] } });
        return json({
          query: {
            total: 2,
            records: [
              { time: '2026-12-04T11:59:00Z', source: 'kube-apiserver', user: 'alice', verb: 'delete', resource: 'pods', name: 'web-1', namespace: 'shop', code: 403, sourceIP: '10.0.0.1' },
              { time: '2026-12-04T11:58:00Z', source: 'ke-apiserver', user: 'admin', verb: 'create', resource: 'deployments', name: 'web', namespace: 'shop', code: 201 },
            ],
          },
        });
      }),
    );
    const r = render(wrap(<AuditSearch workspace="retail" />));
    await waitFor(() => expect(r.getAllByTestId('audit-row')).toHaveLength(2));
    const codes = r.getAllByTestId('audit-code');
    expect(codes[0]).toHaveAttribute('data-failed', 'true');
    expect(codes[1]).toHaveAttribute('data-failed', 'false');
    expect(r.getAllByTestId('audit-target')[1]).toHaveTextContent('deployments web');
    expect(asked.length).toBeGreaterThan(0);
  });

  it('says the search is not available when the platform does not serve it (404)', async () => {
    vi.stubGlobal('fetch', vi.fn(() => json({ kind: 'Status', code: 404, reason: 'NotFound' }, 404)));
    const r = render(wrap(<AuditSearch />));
    await waitFor(() => expect(r.getByTestId('audit-not-served')).toBeInTheDocument());
    expect(r.queryByTestId('audit-results')).toBeNull();
  });
});

describe('the timeline', () => {
  afterEach(() => vi.unstubAllGlobals());

  it("merges a pod's events and what its status tells, newest first, without the audit records it may not read", async () => {
    const now = Date.now();
    const iso = (agoSec: number) => new Date(now - agoSec * 1000).toISOString();
    const pod: Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web-1', namespace: 'shop', uid: 'uid-web-1', creationTimestamp: iso(600) },
      spec: { containers: [] },
      status: {
        startTime: iso(590),
        containerStatuses: [
          { name: 'app', ready: true, restartCount: 1, image: 'x', state: { running: { startedAt: iso(60) } }, lastState: { terminated: { reason: 'Error', exitCode: 2, finishedAt: iso(70) } } },
        ],
      },
    };
    const asked: URL[] = [];
    vi.stubGlobal(
      'fetch',
      vi.fn((u: string) => {
        const url = new URL(u, 'https://x');
        asked.push(url);
        if (url.pathname.endsWith('/auditing/events')) return json({ kind: 'Status', code: 404 }, 404);
        return json({ query: { total: 1, records: [{ ...event('BackOff', 'Warning'), time: iso(65) }] } });
      }),
    );
    const r = render(wrap(<Timeline namespace="shop" resource="pods" kind="Pod" object={pod} />));
    await waitFor(() => expect(r.getByTestId('timeline')).toHaveAttribute('data-state', 'ready'));
    const kinds = r.getAllByTestId('timeline-entry').map((e) => e.getAttribute('data-kind'));
    expect(kinds).toEqual(['restart', 'warning', 'failure', 'start']);
    expect(asked.find((u) => u.pathname.endsWith('/events') && !u.pathname.includes('auditing'))?.searchParams.get('involved_object_uid')).toBe('uid-web-1');
    await waitFor(() => expect(r.getByTestId('timeline-no-audit')).toBeInTheDocument());

    // An entry opens to its details.
    expect(r.queryByTestId('timeline-details')).toBeNull();
    fireEvent.click(r.getAllByTestId('timeline-toggle')[2]);
    expect(r.getByTestId('timeline-details')).toHaveTextContent('Exit code: 2');
  });

  it("asks for a Deployment's events with its ReplicaSets' and its pods' events", async () => {
    const asked: URL[] = [];
    vi.stubGlobal(
      'fetch',
      vi.fn((u: string) => {
        const url = new URL(u, 'https://x');
        asked.push(url);
        if (url.pathname.endsWith('/replicasets')) return json({ items: [{ metadata: { name: 'web-5d8', uid: 'uid-rs' } }], totalItems: 1 });
        if (url.pathname.endsWith('/pods')) return json({ items: [{ metadata: { name: 'web-5d8-b' } }, { metadata: { name: 'web-5d8-a' } }], totalItems: 2 });
        if (url.pathname.endsWith('/auditing/events')) return json({ query: { total: 0, records: [] } });
        return json({ query: { total: 0, records: [] } });
      }),
    );
    const dep = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop', uid: 'uid-dep', creationTimestamp: new Date().toISOString() }, spec: { selector: { matchLabels: { app: 'web' } } } };
    const r = render(wrap(<Timeline namespace="shop" resource="deployments" kind="Deployment" object={dep} />));
    await waitFor(() => expect(r.getByTestId('timeline')).toHaveAttribute('data-state', 'empty'));
    const events = asked.filter((u) => u.pathname.endsWith('/namespaces/shop/events'));
    expect(events.map((u) => u.searchParams.get('involved_object_uid')).filter(Boolean)).toEqual(['uid-dep,uid-rs']);
    expect(events.find((u) => u.searchParams.get('involved_object_kind') === 'Pod')?.searchParams.get('involved_object_name')).toBe('web-5d8-a,web-5d8-b');
    const audit = asked.find((u) => u.pathname.endsWith('/auditing/events'))!.searchParams;
    expect([audit.get('resource'), audit.get('name'), audit.get('namespace'), audit.get('verb')]).toEqual(['deployments', 'web', 'shop', 'create,update,patch,delete']);
    expect(asked.find((u) => u.pathname.endsWith('/pods'))?.searchParams.get('labelSelector')).toBe('app=web');
  });

  it("shows a StatefulSet's revisions from its ControllerRevisions, each with the diff of its pod template against the one before", async () => {
    const asked: URL[] = [];
    const now = Date.now();
    const cr = (n: number, image: string, at: number) => ({
      metadata: { name: `db-${n}`, uid: `cr-${n}`, creationTimestamp: new Date(at).toISOString() },
      revision: n,
      data: { spec: { template: { $patch: 'replace', metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'db', image }] } } } },
    });
    vi.stubGlobal(
      'fetch',
      vi.fn((u: string) => {
        const url = new URL(u, 'https://x');
        asked.push(url);
        if (url.pathname.endsWith('/controllerrevisions')) return json({ items: [cr(2, 'postgres:17', now - 60_000), cr(1, 'postgres:16', now - 120_000)], totalItems: 2 });
        if (url.pathname.endsWith('/pods')) return json({ items: [], totalItems: 0 });
        return json({ query: { total: 0, records: [] } });
      }),
    );
    const sts = { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db', namespace: 'shop', uid: 'uid-sts', creationTimestamp: new Date(now - 180_000).toISOString() }, spec: { selector: { matchLabels: { app: 'db' } } } };
    const r = render(wrap(<Timeline namespace="shop" resource="statefulsets" kind="StatefulSet" object={sts} />));
    await waitFor(() => expect(r.getAllByTestId('timeline-revision')).toHaveLength(2));
    expect(asked.find((u) => u.pathname.endsWith('/controllerrevisions'))?.searchParams.get('ownerReference')).toBe('uid-sts');
    // Newest first: revision 2, which changed the image; revision 1 the first.
    const entries = r.getAllByTestId('timeline-entry').filter((e) => e.dataset.source === 'revision');
    expect(entries.map((e) => e.dataset.revision)).toEqual(['2', '1']);
    expect(entries[0]).toHaveTextContent('Revision 2 pod template changed from revision 1 (lines +1 −1)');
    expect(entries[1]).toHaveTextContent('Revision 1 first revision');
    fireEvent.click(entries[0].querySelector('[data-test="timeline-toggle"]')!);
    await waitFor(() => expect(r.getByTestId('timeline-diff')).toBeInTheDocument());
    const lines = [...r.getByTestId('timeline-diff').querySelectorAll('[data-test="diff-line"]')].filter((l) => l.getAttribute('data-op') !== 'same');
    // Marked + and - (and in words for screen readers), not by colour alone.
    expect(lines.map((l) => [l.getAttribute('data-op'), l.textContent?.replace(/\s+/g, ' ')])).toEqual([
      ['removed', '- removed: image: postgres:16'],
      ['added', '+ added: image: postgres:17'],
    ]);
  });
});
