import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { fireEvent, render, waitFor } from '@testing-library/react';
import { MemoryRouter, Route, Routes } from 'react-router';
import type { Action } from '../../api/access';
import type { Workload } from '../../api/types';
import '../../i18n';
import { ToastProvider } from '../../components/Toast';
import StrategyCreate from './StrategyCreate';

vi.setConfig({ testTimeout: 30_000 });

const json = (body: unknown, status = 200) => Promise.resolve(new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } }));

const mesh = '/kapis/servicemesh.superkube.io/v1alpha2/namespaces/shop';
const deployments = '/apis/apps/v1/namespaces/shop/deployments';

// The services list as internal/handlers/servicemesh answers it.
const services = {
  totalItems: 2,
  items: [
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'reviews', namespace: 'shop' },
      spec: { selector: { app: 'reviews' } },
      versions: [{ name: 'v1', pods: 1, readyPods: 1, workloads: [{ kind: 'Deployment', name: 'reviews-v1', replicas: 1, readyReplicas: 1, images: ['reviews:1'] }] }],
      strategies: [{ name: 'reviews-old', phase: 'Promoted', type: 'Canary', decision: 'Promote' }],
      servicePolicies: [],
      mesh: true,
    },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'ratings', namespace: 'shop' }, versions: [{ name: '', pods: 1, readyPods: 1, workloads: [] }], strategies: [{ name: 'ratings-v2', phase: 'Progressing', type: 'Canary' }], servicePolicies: null, mesh: true },
  ],
};

const v1: Workload = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'reviews-v1', namespace: 'shop', resourceVersion: '5', labels: { app: 'reviews', version: 'v1' } },
  spec: { replicas: 1, selector: { matchLabels: { app: 'reviews', version: 'v1' } }, template: { metadata: { labels: { app: 'reviews', version: 'v1' } }, spec: { containers: [{ name: 'reviews', image: 'reviews:1' }] } } },
};

interface Call {
  url: string;
  method: string;
  body?: unknown;
}

function backend(strategyAnswer: (n: number) => Promise<Response>) {
  const calls: Call[] = [];
  let strategyPosts = 0;
  vi.stubGlobal(
    'fetch',
    vi.fn((url: string, init?: RequestInit) => {
      const body = init?.body ? (JSON.parse(init.body as string) as unknown) : undefined;
      const call = { url, method: init?.method ?? 'GET', body };
      calls.push(call);
      if (url.includes('subjectaccessreviews')) {
        const list = (body as { spec: { resourceAttributesList: Action[] } }).spec.resourceAttributesList;
        return json({ status: { allowed: true, results: list.map(() => ({ allowed: true })) } }, 201);
      }
      if (call.method === 'POST' && url === deployments) return json(body, 201);
      if (call.method === 'POST' && url === `${mesh}/strategies`) return strategyAnswer(strategyPosts++);
      if (url.startsWith(`${mesh}/services`)) return json(services);
      if (url === `${deployments}/reviews-v1` || url.endsWith('/namespaces/shop/deployments/reviews-v1')) return json(v1);
      return json({ kind: 'Status', code: 404 }, 404);
    }),
  );
  return calls;
}

function page() {
  return render(
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
      <MemoryRouter initialEntries={['/projects/shop/grayscale/~new']}>
        <ToastProvider>
          <Routes>
            <Route path="/projects/:namespace/grayscale/~new" element={<StrategyCreate />} />
            <Route path="/projects/:namespace/grayscale/:name" element={<p data-test="detail-page">detail</p>} />
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

describe('the grayscale release wizard', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('copies the current Deployment into the new version, then creates the canary', async () => {
    const calls = backend(() => json({ metadata: { name: 'reviews-v2' } }, 201));
    page();
    await find('strategy-service');
    fireEvent.change(el('strategy-service'), { target: { value: 'reviews' } });
    expect((await find('version-v1')).textContent).toContain('reviews-v1 (1/1)');
    type('weight', '10');
    type('canary-version', 'v2');
    type('canary-image', 'reviews:2');
    expect(el<HTMLInputElement>('strategy-name').value).toBe('reviews-v2');
    fireEvent.click(el('create-strategy-submit'));
    await find('detail-page');
    const w = writes(calls);
    expect(w.map((c) => `${c.method} ${c.url}`)).toEqual([`POST ${deployments}`, `POST ${mesh}/strategies`]);
    const d = w[0].body as Workload;
    expect(d.metadata).toEqual({ name: 'reviews-v2', namespace: 'shop', labels: { app: 'reviews', version: 'v2' } });
    expect(d.spec.template.spec.containers[0].image).toBe('reviews:2');
    expect(d.spec.selector?.matchLabels).toEqual({ app: 'reviews', version: 'v2' });
    expect(w[1].body).toMatchObject({ metadata: { name: 'reviews-v2', namespace: 'shop' }, spec: { type: 'Canary', service: 'reviews', principal: 'v1', canary: 'v2', weight: 10 } });
  });

  it('checks the form before sending, and shows the server’s objection on its field without creating the Deployment twice', async () => {
    const refusal = { kind: 'Status', code: 422, reason: 'Invalid', message: 'invalid', details: { causes: [{ field: 'spec.match[0].headers[x-user].regex', reason: 'FieldValueInvalid', message: 'bad regex' }] } };
    const calls = backend((n) => (n === 0 ? json(refusal, 422) : json({ metadata: { name: 'reviews-v2' } }, 201)));
    page();
    await find('strategy-service');
    fireEvent.click(el('create-strategy-submit'));
    expect((await find('canary-version-error')).textContent).toContain('Required.');
    expect(writes(calls)).toHaveLength(0);
    fireEvent.change(el('strategy-service'), { target: { value: 'reviews' } });
    await find('version-v1');
    type('canary-version', 'v2');
    type('canary-image', 'reviews:2');
    fireEvent.click(el('add-match'));
    type('match-name', 'x-user');
    type('match-value', 'tester');
    fireEvent.click(el('create-strategy-submit'));
    // The regex rule is the server's (RE2): it names the match's field.
    expect((await find('match-0-error')).textContent).toBeTruthy();
    expect(writes(calls).map((c) => c.method + ' ' + c.url)).toEqual([`POST ${deployments}`, `POST ${mesh}/strategies`]);
    expect(el('deployment-made').textContent).toContain('reviews-v2');
    fireEvent.click(el('create-strategy-submit'));
    await find('detail-page');
    expect(writes(calls).map((c) => c.url)).toEqual([deployments, `${mesh}/strategies`, `${mesh}/strategies`]);
  });
});
