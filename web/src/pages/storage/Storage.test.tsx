import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { fireEvent, render, waitFor, within } from '@testing-library/react';
import { MemoryRouter, Route, Routes } from 'react-router';
import type { Action } from '../../api/access';
import type { Claim, StorageClassInfo, VolumeSnapshot } from '../../api/storage';
import '../../i18n';
import { ToastProvider } from '../../components/Toast';
import StorageClassesPage from './StorageClasses';
import SnapshotsPage from './Snapshots';
import VolumesPage from './Volumes';

// Dialogs of PatternFly and several answers per story: allow more than Vitest's 5 s on a busy machine.
vi.setConfig({ testTimeout: 30_000 });

const json = (body: unknown, status = 200) => Promise.resolve(new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } }));

const P = '/kapis/storage.superkube.io/v1alpha1';
const caps = { snapshot: true, clone: true, expand: true, csi: true, snapshotClasses: ['sim-csi-snapshots', 'sim-csi-slow'] };

const data: Claim = {
  metadata: { name: 'data', namespace: 'shop', uid: 'd' },
  spec: { storageClassName: 'sim-csi', resources: { requests: { storage: '1Gi' } } },
  status: { phase: 'Bound', capacity: { storage: '1Gi' } },
  mountedBy: [{ name: 'web-0', phase: 'Running', readOnly: false }],
  capabilities: caps,
};
const plain: Claim = {
  metadata: { name: 'plain-data', namespace: 'shop', uid: 'p' },
  spec: { storageClassName: 'plain', resources: { requests: { storage: '1Gi' } } },
  status: { phase: 'Pending' },
  mountedBy: [],
  capabilities: { snapshot: false, clone: false, expand: false, csi: false },
};
const snap: VolumeSnapshot = {
  metadata: { name: 'data-snap', namespace: 'shop', uid: 's' },
  spec: { source: { persistentVolumeClaimName: 'data' }, volumeSnapshotClassName: 'sim-csi-snapshots' },
  status: { readyToUse: true, restoreSize: '2Gi' },
};
const classes: StorageClassInfo[] = [
  { metadata: { name: 'sim-csi', uid: '1' }, provisioner: 'sim.csi.superkube.io', reclaimPolicy: 'Delete', volumeBindingMode: 'Immediate', allowVolumeExpansion: true, default: true, capabilities: caps },
  { metadata: { name: 'plain', uid: '2' }, provisioner: 'example.com/no-snapshots', reclaimPolicy: 'Retain', volumeBindingMode: 'WaitForFirstConsumer', allowVolumeExpansion: false, default: false, capabilities: { snapshot: false, clone: false, expand: false, csi: false } },
];

interface Call {
  url: string;
  method: string;
  body?: unknown;
}

function backend(opts: { allow?: (a: Action) => boolean; write?: (c: Call) => Promise<Response> }) {
  const calls: Call[] = [];
  const allow = opts.allow ?? (() => true);
  vi.stubGlobal(
    'fetch',
    vi.fn((url: string, init?: RequestInit) => {
      const body = init?.body ? (JSON.parse(init.body as string) as unknown) : undefined;
      const call = { url, method: init?.method ?? 'GET', body };
      calls.push(call);
      if (url.includes('subjectaccessreviews')) {
        const list = (body as { spec: { resourceAttributesList: Action[] } }).spec.resourceAttributesList;
        return json({ status: { allowed: true, results: list.map((a) => ({ allowed: allow(a) })) } }, 201);
      }
      if (call.method !== 'GET') return opts.write ? opts.write(call) : json(body ?? {}, call.method === 'POST' ? 201 : 200);
      if (url.startsWith(`${P}/namespaces/shop/persistentvolumeclaims`)) return json({ items: [data, plain], totalItems: 2 });
      if (url.startsWith(`${P}/namespaces/shop/volumesnapshots`)) return json({ items: [snap], totalItems: 1 });
      if (url.startsWith(`${P}/storageclasses`)) return json({ items: classes, totalItems: 2 });
      if (url.startsWith(`${P}/volumesnapshotclasses`))
        return json({ items: [{ metadata: { name: 'sim-csi-snapshots' }, driver: 'sim.csi.superkube.io', deletionPolicy: 'Delete', default: true, storageClasses: ['sim-csi', 'sim-csi-fast'] }], totalItems: 1 });
      return json({ kind: 'Status', code: 404 }, 404);
    }),
  );
  return calls;
}

function page(path: string) {
  return render(
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
      <MemoryRouter initialEntries={[path]}>
        <ToastProvider>
          <Routes>
            <Route path="/projects/:namespace/persistentvolumeclaims" element={<VolumesPage />} />
            <Route path="/projects/:namespace/volumesnapshots" element={<SnapshotsPage />} />
            <Route path="/platform/storage-classes" element={<StorageClassesPage />} />
          </Routes>
        </ToastProvider>
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

function el<T extends Element = HTMLElement>(test: string): T {
  const e = document.querySelector<T>(`[data-test="${test}"]`);
  if (!e) throw new Error(`no ${test}`);
  return e;
}
const find = <T extends Element = HTMLElement>(test: string) => waitFor(() => el<T>(test));
const type = (test: string, value: string) => fireEvent.change(el<HTMLInputElement>(test), { target: { value } });
const writes = (calls: Call[]) => calls.filter((c) => c.method !== 'GET' && !c.url.includes('subjectaccessreviews'));
const asked = (calls: Call[]) => calls.filter((c) => c.url.includes('subjectaccessreviews')).flatMap((c) => (c.body as { spec: { resourceAttributesList: Action[] } }).spec.resourceAttributesList);

async function action(row: string, name: string) {
  const r = await find(`row-${row}`);
  fireEvent.click(within(r).getByRole('button', { name: /kebab|actions/i }));
  fireEvent.click(await within(document.body).findByRole('menuitem', { name }));
}

const menuItems = async (row: string) => {
  const r = await find(`row-${row}`);
  fireEvent.click(within(r).getByRole('button', { name: /kebab|actions/i }));
  const items = await within(document.body).findAllByRole('menuitem');
  return items.map((i) => i.textContent);
};

describe('the project’s Volumes page', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('shows each claim with its state, class, capacity, the pods that mount it as links and its capabilities', async () => {
    backend({});
    page('/projects/shop/persistentvolumeclaims');
    const row = await find('row-data');
    expect(row.textContent).toContain('Bound');
    expect(row.textContent).toContain('sim-csi');
    expect(el('capacity-data').textContent).toBe('1Gi');
    expect(el('mounted-pod-web-0').getAttribute('href')).toBe('/projects/shop/pods/web-0');
    expect(el('caps-data-snapshot').textContent).toBe('Snapshot');
    expect(el('caps-data-expand').textContent).toBe('Expand');
    expect(el('mounted-plain-data-none').textContent).toBe('Not mounted');
    expect(el('caps-plain-data-none')).toBeTruthy();
  });

  it('expands a claim only to a larger size, and shows the server’s refusal on the size field', async () => {
    const calls = backend({
      write: () =>
        json(
          {
            kind: 'Status',
            code: 422,
            reason: 'Invalid',
            message: 'invalid',
            details: { causes: [{ reason: 'FieldValueInvalid', field: 'spec.resources.requests.storage', message: 'Invalid value: "3Gi": the claim\'s storage class "sim-csi" does not allow volume expansion (allowVolumeExpansion is not true)' }] },
          },
          422,
        ),
    });
    page('/projects/shop/persistentvolumeclaims');
    await action('data', 'Expand');
    await find('expand');
    type('expand-size', '1024Mi');
    expect(el('expand-size-error').textContent).toContain('Must be larger than the current size (1Gi): volumes cannot shrink.');
    expect(el<HTMLButtonElement>('expand-submit').disabled).toBe(true);
    type('expand-size', '3Gi');
    fireEvent.click(el('expand-submit'));
    await waitFor(() => expect(el('expand-size-error').textContent).toContain('The claim’s storage class does not allow expansion.'));
    expect(writes(calls)[0]).toEqual({ url: `${P}/namespaces/shop/persistentvolumeclaims/data/expand`, method: 'POST', body: { spec: { resources: { requests: { storage: '3Gi' } } } } });
  });

  it('offers no expansion of a claim whose class cannot expand', async () => {
    backend({});
    page('/projects/shop/persistentvolumeclaims');
    const r = await find('row-plain-data');
    fireEvent.click(within(r).getByRole('button', { name: /kebab|actions/i }));
    const expand = await within(document.body).findByRole('menuitem', { name: 'Expand' });
    expect(expand.closest('button, [aria-disabled]')?.getAttribute('aria-disabled') ?? String((expand as HTMLButtonElement).disabled)).toBe('true');
  });

  it('takes a snapshot with one of the snapshot classes of the claim’s driver', async () => {
    const calls = backend({});
    page('/projects/shop/persistentvolumeclaims');
    await action('data', 'Take a snapshot');
    await find('snapshot');
    const options = [...el<HTMLSelectElement>('snapshot-class').options].map((o) => o.value);
    expect(options).toEqual(['sim-csi-snapshots', 'sim-csi-slow']);
    type('snapshot-name', 'data-1');
    fireEvent.change(el('snapshot-class'), { target: { value: 'sim-csi-slow' } });
    fireEvent.click(el('snapshot-submit'));
    await waitFor(() => expect(writes(calls)).toHaveLength(1));
    expect(writes(calls)[0]).toEqual({
      url: `${P}/namespaces/shop/volumesnapshots`,
      method: 'POST',
      body: { metadata: { name: 'data-1' }, spec: { source: { persistentVolumeClaimName: 'data' }, volumeSnapshotClassName: 'sim-csi-slow' } },
    });
  });

  it('says clearly that a claim whose class cannot snapshot cannot be snapshotted, and sends nothing', async () => {
    const calls = backend({});
    page('/projects/shop/persistentvolumeclaims');
    await action('plain-data', 'Take a snapshot');
    expect((await find('snapshot-unsupported')).textContent).toContain('Its storage class plain cannot snapshot');
    expect(el<HTMLButtonElement>('snapshot-submit').disabled).toBe(true);
    expect(document.querySelector('[data-test="snapshot-class"]')).toBeNull();
    expect(writes(calls)).toHaveLength(0);
  });

  it('shows the server’s words when it refuses a snapshot because the class cannot snapshot', async () => {
    backend({
      write: () =>
        json(
          {
            kind: 'Status',
            code: 422,
            reason: 'Invalid',
            message: 'invalid',
            details: { causes: [{ reason: 'FieldValueInvalid', field: 'spec.source.persistentVolumeClaimName', message: 'Invalid value: "data": the claim\'s storage class "sim-csi" cannot snapshot: no VolumeSnapshotClass has its provisioner "sim.csi.superkube.io" as driver' }] },
          },
          422,
        ),
    });
    page('/projects/shop/persistentvolumeclaims');
    await action('data', 'Take a snapshot');
    fireEvent.click(await find('snapshot-submit'));
    expect((await find('snapshot-source-error')).textContent).toContain('no snapshot class has its provisioner sim.csi.superkube.io as driver');
  });

  it('offers readers the YAML to view and no changes', async () => {
    const calls = backend({ allow: (a) => a.verb === 'list' });
    page('/projects/shop/persistentvolumeclaims');
    expect(await menuItems('data')).toEqual(['View YAML']);
    expect(asked(calls)).toContainEqual({ verb: 'create', group: 'snapshot.storage.k8s.io', resource: 'volumesnapshots', namespace: 'shop' });
  });
});

describe('the project’s Volume snapshots page', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('shows each snapshot with its state, source claim and size', async () => {
    backend({});
    page('/projects/shop/volumesnapshots');
    await find('row-data-snap');
    expect(el('snapshot-ready').textContent).toBe('Ready to use');
    expect(el('source-data-snap').getAttribute('href')).toBe('/projects/shop/persistentvolumeclaims/data');
    expect(el('size-data-snap').textContent).toBe('2Gi');
  });

  it('restores a snapshot to a new claim, no smaller than the snapshot, with a class of its driver', async () => {
    const calls = backend({});
    page('/projects/shop/volumesnapshots');
    await action('data-snap', 'Restore to a new claim');
    expect((await find<HTMLInputElement>('restore-name')).value).toBe('data-restored');
    type('restore-size', '1Gi');
    expect(el('restore-size-error').textContent).toContain('Must not be smaller than the snapshot (2Gi).');
    expect(el<HTMLButtonElement>('restore-submit').disabled).toBe(true);
    type('restore-size', '4Gi');
    await waitFor(() => expect([...el<HTMLSelectElement>('restore-class').options].map((o) => o.value)).toEqual(['', 'sim-csi', 'sim-csi-fast']));
    fireEvent.change(el('restore-class'), { target: { value: 'sim-csi-fast' } });
    type('restore-name', 'copy');
    fireEvent.click(el('restore-submit'));
    await waitFor(() => expect(writes(calls)).toHaveLength(1));
    expect(writes(calls)[0]).toEqual({
      url: `${P}/namespaces/shop/volumesnapshots/data-snap/restore`,
      method: 'POST',
      body: { metadata: { name: 'copy' }, spec: { resources: { requests: { storage: '4Gi' } }, storageClassName: 'sim-csi-fast' } },
    });
  });

  it('deletes a snapshot after its name is typed', async () => {
    const calls = backend({});
    page('/projects/shop/volumesnapshots');
    await action('data-snap', 'Delete');
    await find('confirm-delete');
    expect(el<HTMLButtonElement>('confirm').disabled).toBe(true);
    type('confirm-name', 'data-snap');
    fireEvent.click(el('confirm'));
    await waitFor(() => expect(writes(calls)).toHaveLength(1));
    expect(writes(calls)[0]).toMatchObject({ url: `${P}/namespaces/shop/volumesnapshots/data-snap`, method: 'DELETE' });
  });
});

describe('the platform’s Storage classes page', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('shows each class’s provisioner, policies, expansion, default badge and capabilities, and the snapshot classes', async () => {
    backend({});
    page('/platform/storage-classes');
    const row = await find('row-plain');
    expect(row.textContent).toContain('example.com/no-snapshots');
    expect(row.textContent).toContain('Retain');
    expect(row.textContent).toContain('Not allowed');
    expect(el('default-sim-csi').textContent).toBe('Default');
    expect(document.querySelector('[data-test="default-plain"]')).toBeNull();
    expect(el('caps-sim-csi-clone').textContent).toBe('Clone');
    expect((await find('snapshot-class-sim-csi-snapshots')).textContent).toContain('sim-csi, sim-csi-fast');
  });

  it('sets a class as the default, asked first', async () => {
    const calls = backend({});
    page('/platform/storage-classes');
    await action('plain', 'Set as default');
    fireEvent.click(await find('set-default-confirm'));
    await waitFor(() => expect(writes(calls)).toHaveLength(1));
    expect(writes(calls)[0]).toMatchObject({ url: `${P}/storageclasses/plain/default`, method: 'POST' });
    expect((await find('toast')).textContent).toContain('plain is the default class.');
  });

  it('offers no default switch to those who may not update classes, nor to the default class', async () => {
    backend({ allow: (a) => a.verb === 'list' });
    page('/platform/storage-classes');
    expect(await menuItems('plain')).toEqual(['View YAML']);
  });
});
