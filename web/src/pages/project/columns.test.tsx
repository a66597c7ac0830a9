import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen, within } from '@testing-library/react';
import i18n from 'i18next';
import { MemoryRouter } from 'react-router';
import '../../i18n';
import type { K8sObject } from '../../api/types';
import { ResourceTable, type Column } from '../../components/ResourceTable';
import { nodeColumns } from '../platform/Nodes';
import { columnsFor } from './columns';

const meta = (name: string) => ({ name, namespace: 'dev', uid: name, creationTimestamp: '2026-01-01T00:00:00Z' });

// A Deployment with 1 of 3 replicas ready: the list engine says pending
// (every replica is updated, one is ready); its fields alone could be read
// as an update in progress.
const deployment: K8sObject = {
  metadata: meta('web'),
  spec: { replicas: 3, template: { spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
  status: { replicas: 3, updatedReplicas: 1, readyReplicas: 1 },
  derived: { status: 'pending', ready: '1/3', columns: { readyReplicas: 1, replicas: 3, status: 'pending' } },
};

// A pod whose phase is Running while its container is in CrashLoopBackOff:
// the list engine says failed.
const crashing: K8sObject = {
  metadata: meta('crashing'),
  spec: { nodeName: 'node-1', containers: [{ name: 'c', image: 'nginx' }] },
  status: { phase: 'Running', containerStatuses: [{ name: 'c', ready: false, restartCount: 5, image: 'nginx', state: { waiting: { reason: 'CrashLoopBackOff' } } }] },
  derived: { status: 'failed', ready: '0/1', columns: { restarts: 5, ready: 0, status: 'failed', node: 'node-1' } },
};

// A cordoned node that is ready: the list engine says ready.
const cordoned: K8sObject = {
  metadata: { name: 'node-2', uid: 'node-2', creationTimestamp: '2026-01-01T00:00:00Z' },
  spec: { unschedulable: true },
  status: { conditions: [{ type: 'Ready', status: 'True' }] },
  derived: { status: 'ready', columns: { status: 'ready', role: 'worker' } },
};

function serve(items: K8sObject[]) {
  vi.stubGlobal('fetch', vi.fn(() => Promise.resolve(new Response(JSON.stringify({ items, totalItems: items.length }), { status: 200 }))));
}

function table(resource: string, namespace: string | undefined, columns: Column<K8sObject>[]) {
  render(
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
      <MemoryRouter>
        <ResourceTable<K8sObject> id={resource} ariaLabel={resource} resource={resource} namespace={namespace} columns={columns} link={(o) => `/x/${o.metadata.name}`} />
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

/** statusOf is the status label of a row (data-test="status", as the e2e tests find it). */
function statusOf(row: HTMLElement) {
  const label = row.querySelector('[data-test="status"]');
  if (!label) throw new Error('the row has no status label');
  return label;
}

async function rowOf(name: string) {
  const link = await screen.findByRole('link', { name });
  return link.closest('tr') as HTMLElement;
}

describe('tables show the values the list engine derived', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('labels a deployment with 1 of 3 ready as the server does', async () => {
    serve([deployment]);
    table('deployments', 'dev', columnsFor('deployments', i18n.getFixedT('en', 'project')));
    const row = await rowOf('web');
    expect(statusOf(row)).toHaveTextContent('Pending');
    expect(row).toHaveTextContent('1/3');
    expect(row).not.toHaveTextContent('Updating');
  });

  it('labels a pod in CrashLoopBackOff as the server does, with its restarts and readiness', async () => {
    serve([crashing]);
    table('pods', 'dev', columnsFor('pods', i18n.getFixedT('en', 'project')));
    const row = await rowOf('crashing');
    expect(statusOf(row)).toHaveTextContent('Failed');
    expect(row).not.toHaveTextContent('Running');
    const cells = within(row).getAllByRole('cell').map((c) => c.textContent);
    expect(cells).toContain('0/1');
    expect(cells).toContain('5');
  });

  it('labels a cordoned node by its state and says that it takes no pods', async () => {
    serve([cordoned]);
    table('nodes', undefined, nodeColumns(i18n.getFixedT('en', 'platform')) as Column<K8sObject>[]);
    const row = await rowOf('node-2');
    expect(statusOf(row)).toHaveTextContent('Ready');
    expect(within(row).getAllByRole('cell').map((c) => c.textContent)).toContain('No');
  });

  it('shows no state of its own for an object the engine did not derive', async () => {
    serve([{ ...crashing, derived: undefined }]);
    table('pods', 'dev', columnsFor('pods', i18n.getFixedT('en', 'project')));
    const row = await rowOf('crashing');
    expect(statusOf(row)).toHaveTextContent('Unknown');
  });
});
