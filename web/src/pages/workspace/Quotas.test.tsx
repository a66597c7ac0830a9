import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { fireEvent, render, waitFor } from '@testing-library/react';
import { MemoryRouter, Route, Routes } from 'react-router';
import type { Action } from '../../api/access';
import type { WorkspaceQuota } from '../../api/workspaceQuotas';
import '../../i18n';
import { ToastProvider } from '../../components/Toast';
import WorkspaceQuotasPage from './Quotas';

// Each story renders the page with PatternFly's dialogs and goes through several answers: on a
// machine busy with the whole suite one may take more than Vitest's 5 s (as the project's Quotas test).
vi.setConfig({ testTimeout: 30_000 });

const json = (body: unknown, status = 200) => Promise.resolve(new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } }));

const listPath = '/kapis/quota.superkube.io/v1alpha2/workspaces/ws-a/resourcequotas';
const crdPath = '/apis/quota.superkube.io/v1alpha2/resourcequotas';

const quota: WorkspaceQuota = {
  apiVersion: 'quota.superkube.io/v1alpha2',
  kind: 'ResourceQuota',
  metadata: { name: 'ws-a', resourceVersion: '9' },
  spec: { workspace: 'ws-a', hard: { 'limits.cpu': '4', pods: '10' } },
  status: {
    hard: { 'limits.cpu': '4', pods: '10' },
    used: { 'limits.cpu': '3', pods: '12' },
    namespaces: [
      { namespace: 'web', used: { 'limits.cpu': '2500m', pods: '9' } },
      { namespace: 'api', used: { 'limits.cpu': '500m', pods: '3' } },
    ],
    conditions: [{ type: 'Exceeded', status: 'True', reason: 'OverHardLimit', message: 'pods: used 12 of 10' }],
  },
};

interface Call {
  url: string;
  method: string;
  body?: unknown;
}

/** backend answers as ke-apiserver does: the workspace's quotas, the resource through the proxy, the access review by allow, writes by write(). */
function backend(opts: { quotas?: WorkspaceQuota[]; allow?: (a: Action) => boolean; write?: (c: Call) => Promise<Response> }) {
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
      if (call.method !== 'GET') return opts.write ? opts.write(call) : json(body ?? { kind: 'Status', code: 200 }, call.method === 'POST' ? 201 : 200);
      if (url.startsWith(listPath)) return json({ items: opts.quotas ?? [], totalItems: opts.quotas?.length ?? 0 });
      const one = (opts.quotas ?? []).find((q) => url === `${crdPath}/${q.metadata.name}`);
      if (one) return json(one);
      return json({ kind: 'Status', code: 404 }, 404);
    }),
  );
  return calls;
}

function page() {
  return render(
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
      <MemoryRouter initialEntries={['/workspaces/ws-a/quotas']}>
        <ToastProvider>
          <Routes>
            <Route path="/workspaces/:workspace/quotas" element={<WorkspaceQuotasPage />} />
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
const isWrite = (a: Action) => a.group === 'quota.superkube.io' && a.verb !== 'list';

describe('the workspace’s quotas page', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('shows the total against each limit, the Exceeded flag, and each project’s use and share with a link to it', async () => {
    backend({ quotas: [quota] });
    page();
    const cpu = await find('usage-ws-quota-limits.cpu');
    expect(cpu.textContent).toContain('3 cores of 4 cores');
    expect(el('ws-quota-row-pods').getAttribute('data-over')).toBe('true');
    expect(el('ws-quota-exceeded-message').textContent).toBe('pods: used 12 of 10');
    expect(el('ws-quota-exceeded-label')).toBeTruthy();
    expect(el('ws-quota-cell-web-limits.cpu').textContent).toBe('2.5 cores (63%)');
    expect(el('ws-quota-cell-api-pods').textContent).toBe('3 (30%)');
    const rows = [...document.querySelectorAll('[data-test^="ws-quota-link-"]')].map((r) => r.textContent);
    expect(rows).toEqual(['api', 'web']);
    expect(el('ws-quota-link-web').getAttribute('href')).toBe('/projects/web/overview');
  });

  it('asks whether the user may write quotas at the platform’s level, and offers readers no changes', async () => {
    const calls = backend({ quotas: [quota], allow: (a) => !isWrite(a) });
    page();
    await find('usage-ws-quota-pods');
    const asked = calls.filter((c) => c.url.includes('subjectaccessreviews')).flatMap((c) => (c.body as { spec: { resourceAttributesList: Action[] } }).spec.resourceAttributesList);
    expect(asked).toContainEqual({ verb: 'list', group: 'quota.superkube.io', resource: 'resourcequotas', workspace: 'ws-a' });
    expect(asked).toContainEqual({ verb: 'create', group: 'quota.superkube.io', resource: 'resourcequotas' });
    expect(asked).toContainEqual({ verb: 'update', group: 'quota.superkube.io', resource: 'resourcequotas' });
    expect(document.querySelector('[data-test="ws-quota-edit"]')).toBeNull();
    expect(document.querySelector('[data-test="ws-quota-yaml"]')).toBeNull();
    expect(document.querySelector('[data-test="ws-quota-delete"]')).toBeNull();
    // The resource itself (the proxy) is not read for a reader.
    expect(calls.some((c) => c.url.startsWith(crdPath))).toBe(false);
  });

  it('says a platform administrator sets workspace quotas when there is none, and offers none to set to others', async () => {
    backend({ quotas: [], allow: (a) => !isWrite(a) });
    page();
    expect((await find('ws-quota-none')).textContent).toContain('A platform administrator sets workspace quotas.');
    expect(document.querySelector('[data-test="ws-quota-create"]')).toBeNull();
  });

  it('sets a quota named after the workspace from the form, checking each quantity', async () => {
    const calls = backend({ quotas: [] });
    page();
    fireEvent.click(await find('ws-quota-create'));
    await find('ws-quota-form');
    expect(el<HTMLButtonElement>('ws-quota-form-submit').disabled).toBe(true);
    type('quota-field-limits.cpu', '4 cores');
    expect(el('quota-field-limits.cpu-error').textContent).toContain('Enter cores, such as 2 or 500m.');
    expect(el<HTMLButtonElement>('ws-quota-form-submit').disabled).toBe(true);
    type('quota-field-limits.cpu', '4');
    type('quota-field-pods', '20');
    fireEvent.click(el('ws-quota-form-submit'));
    await waitFor(() => expect(writes(calls)).toHaveLength(1));
    expect(writes(calls)[0]).toEqual({
      url: crdPath,
      method: 'POST',
      body: { apiVersion: 'quota.superkube.io/v1alpha2', kind: 'ResourceQuota', metadata: { name: 'ws-a' }, spec: { workspace: 'ws-a', hard: { 'limits.cpu': '4', pods: '20' } } },
    });
    expect((await find('toast')).textContent).toContain('Quota set.');
  });

  it('replaces the quota read at its version, warns of a limit below the use, and shows the server’s refusal of spec.hard', async () => {
    const status = {
      kind: 'Status',
      status: 'Failure',
      code: 422,
      reason: 'Invalid',
      message: 'ResourceQuota.quota.superkube.io "ws-a" is invalid: spec.hard: Invalid value: "object": only cpu, memory, storage, ephemeral-storage and the counts of pods, persistentvolumeclaims, services, configmaps, secrets, deployments, statefulsets, daemonsets, replicasets, jobs, cronjobs and ingresses can be limited',
      details: { causes: [{ reason: 'FieldValueInvalid', field: 'spec.hard', message: 'Invalid value: "object": only cpu, memory, storage, ephemeral-storage and the counts of pods, persistentvolumeclaims, services, configmaps, secrets, deployments, statefulsets, daemonsets, replicasets, jobs, cronjobs and ingresses can be limited' }] },
    };
    const calls = backend({ quotas: [quota], write: () => json(status, 422) });
    page();
    fireEvent.click(await find('ws-quota-edit'));
    await find('ws-quota-form');
    expect(el<HTMLInputElement>('quota-field-limits.cpu').value).toBe('4');
    type('quota-field-limits.cpu', '2');
    expect(el('quota-field-limits.cpu-below').textContent).toContain('3');
    type('quota-field-secrets', '50');
    fireEvent.click(el('ws-quota-form-submit'));
    await waitFor(() => expect(el('error').getAttribute('data-kind')).toBe('invalid'));
    const put = writes(calls)[0];
    expect(put.method).toBe('PUT');
    expect(put.url).toBe(`${crdPath}/ws-a`);
    expect(put.body).toEqual({
      apiVersion: 'quota.superkube.io/v1alpha2',
      kind: 'ResourceQuota',
      metadata: { name: 'ws-a', resourceVersion: '9' },
      spec: { workspace: 'ws-a', hard: { 'limits.cpu': '2', pods: '10', secrets: '50' } },
    });
    // spec.hard as a whole is no field of the form: the alert lists it, in words.
    expect(el('error-fields').textContent).toContain('can be limited');
    expect(el('error-fields').textContent).toContain('spec.hard');
  });

  it('deletes a quota after its name is typed', async () => {
    const calls = backend({ quotas: [quota] });
    page();
    fireEvent.click(await find('ws-quota-delete'));
    await find('confirm-delete');
    expect(el<HTMLButtonElement>('confirm').disabled).toBe(true);
    type('confirm-name', 'ws-a');
    fireEvent.click(el('confirm'));
    await waitFor(() => expect(writes(calls)).toHaveLength(1));
    expect(writes(calls)[0].method).toBe('DELETE');
    expect(writes(calls)[0].url).toBe(`${crdPath}/ws-a?propagationPolicy=Background`);
    expect((await find('toast')).textContent).toContain('Quota deleted.');
  });

  it('shows the resource’s YAML with the review of the server’s dry run before it is applied', async () => {
    const calls = backend({ quotas: [quota] });
    page();
    fireEvent.click(await find('ws-quota-yaml'));
    expect((await find<HTMLButtonElement>('yaml-review')).disabled).toBe(true);
    expect(calls.some((c) => c.url === `${crdPath}/ws-a` && c.method === 'GET')).toBe(true);
    expect(el('ws-quota-yaml').textContent).toBe('Hide YAML');
  });
});
