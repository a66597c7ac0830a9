import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { fireEvent, render, waitFor } from '@testing-library/react';
import { MemoryRouter, Route, Routes } from 'react-router';
import { ClusterProvider } from '../../api/cluster';
import type { Action } from '../../api/access';
import type { LimitRange, ResourceQuota } from '../../api/quotas';
import '../../i18n';
import { ToastProvider } from '../../components/Toast';
import QuotasPage from './Quotas';

// Each story renders the page with PatternFly's dialogs and goes through several answers: on a
// machine busy with the whole suite one may take more than Vitest's 5 s (as AppStore.test.tsx).
vi.setConfig({ testTimeout: 30_000 });

const json = (body: unknown, status = 200) => Promise.resolve(new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } }));

const quotasPath = '/api/v1/namespaces/dev/resourcequotas';
const limitsPath = '/api/v1/namespaces/dev/limitranges';

const projectQuota: ResourceQuota = {
  apiVersion: 'v1',
  kind: 'ResourceQuota',
  metadata: { name: 'project-quota', namespace: 'dev', resourceVersion: '42' },
  spec: { hard: { 'requests.cpu': '2', 'limits.memory': '4Gi', pods: '10', 'count/deployments.apps': '5' } },
  status: {
    hard: { 'requests.cpu': '2', 'limits.memory': '4Gi', pods: '10', 'count/deployments.apps': '5' },
    used: { 'requests.cpu': '500m', 'limits.memory': '1536Mi', pods: '12', 'count/deployments.apps': '1' },
  },
};

const projectLimits: LimitRange = {
  apiVersion: 'v1',
  kind: 'LimitRange',
  metadata: { name: 'project-limits', namespace: 'dev', resourceVersion: '7' },
  spec: { limits: [{ type: 'Container', default: { cpu: '500m', memory: '512Mi' }, defaultRequest: { cpu: '100m', memory: '128Mi' } }] },
};

interface Call {
  url: string;
  method: string;
  body?: unknown;
}

/**
 * backend answers as kube-apiserver (through ke-apiserver's proxy) and the
 * access review do: the lists given, writes answered by write(), and each
 * action allowed as allow says.
 */
function backend(opts: { quotas?: ResourceQuota[]; limits?: LimitRange[]; allow?: (a: Action) => boolean; write?: (c: Call) => Promise<Response> }) {
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
      if (call.method !== 'GET') return opts.write ? opts.write(call) : json(body, call.method === 'POST' ? 201 : 200);
      if (url.endsWith('/resourcequotas')) return json({ kind: 'ResourceQuotaList', items: opts.quotas ?? [] });
      if (url.endsWith('/limitranges')) return json({ kind: 'LimitRangeList', items: opts.limits ?? [] });
      const one = [...(opts.quotas ?? []), ...(opts.limits ?? [])].find((o) => url.endsWith(`/${o.kind === 'LimitRange' ? 'limitranges' : 'resourcequotas'}/${o.metadata.name}`));
      if (one) return json(one);
      return json({ kind: 'Status', code: 404 }, 404);
    }),
  );
  return calls;
}

function page(cluster = 'host') {
  return render(
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
      <ClusterProvider cluster={cluster}>
        <MemoryRouter initialEntries={['/projects/dev/quotas']}>
          <ToastProvider>
            <Routes>
              <Route path="/projects/:namespace/quotas" element={<QuotasPage />} />
            </Routes>
          </ToastProvider>
        </MemoryRouter>
      </ClusterProvider>
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

describe('the project’s quotas page', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('shows a bar per limit with used of hard in cores, Mi/Gi and counts, and flags a use above the limit', async () => {
    backend({ quotas: [projectQuota], limits: [projectLimits] });
    page();
    const cpu = await find('usage-quota-requests.cpu');
    expect(cpu.textContent).toContain('500 millicores of 2 cores');
    expect(cpu.textContent).toContain('25%');
    expect(el('usage-quota-limits.memory').textContent).toContain('1.5 Gi of 4 Gi');
    expect(el('usage-quota-count/deployments.apps').textContent).toContain('1 of 5');
    expect(el('quota-row-pods').getAttribute('data-over')).toBe('true');
    expect(el('quota-row-requests.cpu').getAttribute('data-over')).toBe('false');
    expect(el('quota-row-pods').querySelector('[data-test="quota-over"]')).not.toBeNull();
    // The default limits, as a table.
    expect((await find('limits-cell-default-cpu')).textContent).toBe('500 millicores');
    expect(el('limits-cell-defaultRequest-memory').textContent).toBe('128 Mi');
    expect(el('limits-cell-max-cpu').textContent).toBe('–');
    expect(el('quota-edit').textContent).toBe('Edit quota');
    expect(el('limits-edit').textContent).toBe('Edit default limits');
  });

  it('offers no changes to those who may only read the quotas, and asks nothing it may not read', async () => {
    const calls = backend({ quotas: [projectQuota], allow: (a) => a.verb === 'list' && a.resource === 'resourcequotas' });
    page();
    await find('usage-quota-requests.cpu');
    expect(document.querySelector('[data-test="quota-edit"]')).toBeNull();
    expect(el('quota-yaml-project-quota').textContent).toBe('View YAML');
    // Limit ranges it may not list are neither shown nor asked for.
    expect(document.querySelector('[data-test="default-limits"]')).toBeNull();
    expect(calls.some((c) => c.url.endsWith('/limitranges'))).toBe(false);
  });

  it('says there is no quota and sets project-quota from the form, after checking each quantity', async () => {
    const calls = backend({ quotas: [], limits: [] });
    page();
    expect((await find('quota-none')).textContent).toContain('no quota');
    expect(el('limits-none')).toBeTruthy();
    fireEvent.click(el('quota-edit'));
    await find('quota-form');
    // Nothing typed: nothing to create.
    expect(el<HTMLButtonElement>('quota-form-submit').disabled).toBe(true);
    type('quota-field-requests.cpu', '2 cores');
    type('quota-field-limits.memory', '8GB');
    type('quota-field-pods', '2.5');
    expect(el('quota-field-requests.cpu-error').textContent).toContain('Enter cores, such as 2 or 500m.');
    expect(el('quota-field-limits.memory-error').textContent).toContain('Enter an amount such as 512Mi or 4Gi.');
    expect(el('quota-field-pods-error').textContent).toContain('Enter a whole number, such as 10.');
    expect(el<HTMLButtonElement>('quota-form-submit').disabled).toBe(true);
    type('quota-field-requests.cpu', '2');
    type('quota-field-limits.memory', '8Gi');
    type('quota-field-pods', '20');
    type('quota-field-count/deployments.apps', '10');
    expect(el('quota-field-requests.cpu-rule').textContent).toContain('500m');
    fireEvent.click(el('quota-form-submit'));
    await waitFor(() => expect(writes(calls)).toHaveLength(1));
    expect(writes(calls)[0]).toEqual({
      url: quotasPath,
      method: 'POST',
      body: { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'project-quota', namespace: 'dev' }, spec: { hard: { 'requests.cpu': '2', 'limits.memory': '8Gi', pods: '20', 'count/deployments.apps': '10' } } },
    });
    expect((await find('toast')).textContent).toContain('Quota set.');
    await waitFor(() => expect(document.querySelector('[data-test="quota-form"]')).toBeNull());
  });

  it('saves the quota read at its version, warns of a limit below the use, and marks the field the server refused', async () => {
    const status = {
      kind: 'Status',
      status: 'Failure',
      code: 422,
      reason: 'Invalid',
      message: 'ResourceQuota "project-quota" is invalid: spec.hard[limits.memory]: Invalid value: "-1Gi": must be greater than or equal to 0',
      details: { name: 'project-quota', kind: 'ResourceQuota', causes: [{ reason: 'FieldValueInvalid', field: 'spec.hard[limits.memory]', message: 'Invalid value: "-1Gi": must be greater than or equal to 0' }] },
    };
    let answer = () => json(status, 422);
    const calls = backend({ quotas: [projectQuota], limits: [], write: () => answer() });
    page();
    fireEvent.click(await find('quota-edit'));
    await find('quota-form');
    expect(el<HTMLInputElement>('quota-field-requests.cpu').value).toBe('2');
    expect(el('quota-field-requests.cpu-rule').textContent).toContain('Used now: 500m.');
    // A limit below what is used is accepted by Kubernetes, with a warning here.
    type('quota-field-requests.cpu', '250m');
    expect(el('quota-field-requests.cpu-below').textContent).toContain('500m');
    expect(el<HTMLButtonElement>('quota-form-submit').disabled).toBe(false);
    type('quota-field-requests.cpu', '3');
    type('quota-field-secrets', '50');
    fireEvent.click(el('quota-form-submit'));
    await waitFor(() => expect(el('error').getAttribute('data-kind')).toBe('invalid'));
    const put = writes(calls)[0];
    expect(put.method).toBe('PUT');
    expect(put.url).toBe(`${quotasPath}/project-quota`);
    expect(put.body).toEqual({
      apiVersion: 'v1',
      kind: 'ResourceQuota',
      metadata: { name: 'project-quota', namespace: 'dev', resourceVersion: '42' },
      spec: { hard: { 'requests.cpu': '3', 'limits.memory': '4Gi', pods: '10', 'count/deployments.apps': '5', secrets: '50' } },
    });
    // The server’s cause is on its field, in words, and not listed again in the alert.
    expect(el('quota-field-limits.memory-error').textContent).toContain('Must not be negative.');
    expect(el('quota-field-limits.memory').getAttribute('aria-invalid')).toBe('true');
    expect(document.querySelector('[data-test="error-fields"]')).toBeNull();
    answer = () => json(projectQuota);
    fireEvent.click(el('quota-form-submit'));
    expect((await find('toast')).textContent).toContain('Quota saved.');
  });

  it('edits the default container limits, keeping min ≤ default request ≤ default limit ≤ max', async () => {
    const calls = backend({ quotas: [], limits: [projectLimits] });
    page();
    fireEvent.click(await find('limits-edit'));
    await find('limits-form');
    expect(el<HTMLInputElement>('limits-default-cpu').value).toBe('500m');
    type('limits-defaultRequest-cpu', '1');
    expect(el('limits-defaultRequest-cpu-error').textContent).toContain('Must not be above the default limit (500m).');
    type('limits-max-memory', '256Mi');
    expect(el('limits-default-memory-error').textContent).toContain('Must not be above the maximum (256Mi).');
    type('limits-min-cpu', 'lots');
    expect(el('limits-min-cpu-error').textContent).toContain('Enter cores, such as 2 or 500m.');
    expect(el<HTMLButtonElement>('limits-form-submit').disabled).toBe(true);
    type('limits-defaultRequest-cpu', '250m');
    type('limits-max-memory', '1Gi');
    type('limits-min-cpu', '50m');
    fireEvent.click(el('limits-form-submit'));
    await waitFor(() => expect(writes(calls)).toHaveLength(1));
    expect(writes(calls)[0]).toEqual({
      url: `${limitsPath}/project-limits`,
      method: 'PUT',
      body: {
        apiVersion: 'v1',
        kind: 'LimitRange',
        metadata: { name: 'project-limits', namespace: 'dev', resourceVersion: '7' },
        spec: { limits: [{ type: 'Container', min: { cpu: '50m' }, defaultRequest: { cpu: '250m', memory: '128Mi' }, default: { cpu: '500m', memory: '512Mi' }, max: { memory: '1Gi' } }] },
      },
    });
    expect((await find('toast')).textContent).toContain('Default limits saved.');
  });

  it('marks a limit the server refused by its path in the LimitRange', async () => {
    const status = {
      kind: 'Status',
      code: 422,
      reason: 'Invalid',
      message: 'LimitRange "project-limits" is invalid',
      details: { causes: [{ reason: 'FieldValueInvalid', field: 'spec.limits[0].defaultRequest[memory]', message: 'Invalid value: "64Mi": min value 128Mi is greater than default request value 64Mi' }] },
    };
    backend({ quotas: [], limits: [], write: () => json(status, 422) });
    page();
    fireEvent.click(await find('limits-edit'));
    await find('limits-form');
    expect(el('limits-form').textContent).toContain('Set default container limits');
    type('limits-defaultRequest-memory', '64Mi');
    fireEvent.click(el('limits-form-submit'));
    await waitFor(() => expect(el('limits-defaultRequest-memory-error').textContent).toContain('Must not be below the minimum (128Mi).'));
  });

  it('reads and writes on the cluster of the page', async () => {
    const calls = backend({ quotas: [], limits: [] });
    page('member-1');
    fireEvent.click(await find('quota-edit'));
    await find('quota-form');
    type('quota-field-pods', '5');
    fireEvent.click(el('quota-form-submit'));
    await waitFor(() => expect(writes(calls)).toHaveLength(1));
    expect(calls.some((c) => c.url === `/clusters/member-1${quotasPath}`)).toBe(true);
    expect(calls.some((c) => c.url === `/clusters/member-1${limitsPath}`)).toBe(true);
    expect(writes(calls)[0].url).toBe(`/clusters/member-1${quotasPath}`);
    // The access review asks about the member cluster.
    const review = calls.find((c) => c.url.includes('subjectaccessreviews'))!.body as { spec: { resourceAttributesList: Action[] } };
    expect(review.spec.resourceAttributesList.every((a) => a.cluster === 'member-1')).toBe(true);
  });

  it('shows the YAML with the review of the server’s dry run before it is applied', async () => {
    const calls = backend({ quotas: [projectQuota], limits: [] });
    page();
    fireEvent.click(await find('quota-yaml-project-quota'));
    // The console's YAML edit: nothing to review until the text changes, then a dry run and its diff.
    expect((await find<HTMLButtonElement>('yaml-review')).disabled).toBe(true);
    expect(calls.some((c) => c.url === `${quotasPath}/project-quota` && c.method === 'GET')).toBe(true);
    expect(el('quota-yaml-project-quota').textContent).toBe('Hide YAML');
  });
});
